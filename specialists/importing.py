"""Reading and checking a specialists CSV file. Saving is ``services.specialists_import``.

The file must be UTF-8 (a byte-order mark, as Excel writes for "CSV UTF-8", is fine) with a
header row. Columns, in any order:

    name*, specialty*, clinic*, address, city*, country*, phone, email, website,
    latitude*, longitude*, languages, accepting_new_patients

(* = required). ``specialty`` is a code (``cardiology``) or its label (``Cardiologist``);
``accepting_new_patients`` is yes/no, true/false or 1/0 and defaults to yes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from specialists.models import Specialist, Specialty, natural_key

REQUIRED_COLUMNS = ("name", "specialty", "clinic", "city", "country", "latitude", "longitude")
OPTIONAL_COLUMNS = (
    "address",
    "phone",
    "email",
    "website",
    "languages",
    "accepting_new_patients",
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 10_000
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0"}
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{5,40}$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header, size): no row is looked at."""


@dataclass
class RejectedRow:
    line: int
    reasons: list[str]


@dataclass
class ParsedFile:
    """Rows that passed every check, as unsaved ``Specialist`` objects, and those that did not."""

    valid: list[tuple[int, Specialist]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 text without its byte-order mark, or ``ImportFileError`` saying what to do."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte 0x{data[error.start]:02x} at position "
            f"{error.start} cannot be read). Save it as 'CSV UTF-8' and import it again."
        ) from error
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV text file.")
    return text


def parse(data: bytes, *, existing_keys: set[tuple[str, str, str]]) -> ParsedFile:
    """Check every row of a specialists CSV file; ``existing_keys`` are those already saved.

    Line numbers count the header as line 1 and point at the line where a record starts.
    """
    text = decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    # csv.reader rather than DictReader: DictReader skips blank lines silently, which
    # would make the reported line numbers drift.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        raise ImportFileError(f"Line 1: the CSV is malformed ({error}).") from error
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in ALL_COLUMNS]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    if duplicated:
        problems.append(f"repeated column(s): {', '.join(duplicated)}")
    if problems:
        raise ImportFileError(
            "The header row is not right: "
            + "; ".join(problems)
            + f". Expected columns: {', '.join(ALL_COLUMNS)}."
        )

    result = ParsedFile()
    seen: dict[tuple[str, str, str], int] = {}
    next_line = reader.line_num + 1
    try:
        for count, cells in enumerate(reader, start=1):
            line, next_line = next_line, reader.line_num + 1
            if count > MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS} rows; split it.")
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            if len(cells) > len(header):
                result.rejected.append(RejectedRow(line, ["more values than columns"]))
                continue
            # A short row is padded: its missing cells count as empty.
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
            specialist, reasons = _check_row(values)
            if specialist is not None:
                key = natural_key(specialist.name, specialist.clinic, specialist.city)
                if key in seen:
                    reasons.append(f"same name, clinic and city as line {seen[key]} of this file")
                elif key in existing_keys:
                    reasons.append("a specialist with this name, clinic and city already exists")
                else:
                    seen[key] = line
            if reasons or specialist is None:
                result.rejected.append(RejectedRow(line, reasons))
            else:
                result.valid.append((line, specialist))
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num}: the CSV is malformed ({error}).") from error
    return result


def _check_row(values: dict[str, str]) -> tuple[Specialist | None, list[str]]:
    reasons = [f"{name} is required" for name in REQUIRED_COLUMNS if not values.get(name)]
    latitude = _coordinate(values.get("latitude", ""), "latitude", 90, reasons)
    longitude = _coordinate(values.get("longitude", ""), "longitude", 180, reasons)
    specialty = _specialty(values.get("specialty", ""), reasons)
    accepting = _yes_no(values.get("accepting_new_patients", ""), reasons)
    phone = values.get("phone", "")
    if phone and not PHONE_PATTERN.match(phone):
        reasons.append(f"phone {phone!r} is not a phone number")
    if reasons:
        return None, reasons
    assert latitude is not None and longitude is not None  # required, so reported above

    specialist = Specialist(
        name=" ".join(values["name"].split()),
        specialty=specialty,
        clinic=" ".join(values["clinic"].split()),
        address=values.get("address", ""),
        city=values["city"],
        country=values["country"],
        phone=phone,
        email=values.get("email", ""),
        website=values.get("website", ""),
        latitude=latitude,
        longitude=longitude,
        languages=values.get("languages", ""),
        accepting_new_patients=accepting,
    )
    try:
        # Duplicates are checked above against the whole file, with clearer messages.
        specialist.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                reasons.append(f"{name}: {message}" if name != "__all__" else message)
        return None, reasons
    return specialist, reasons


def _coordinate(raw: str, name: str, limit: int, reasons: list[str]) -> Decimal | None:
    if not raw:
        return None  # reported as required
    try:
        value = Decimal(raw)
    except InvalidOperation:
        reasons.append(f"{name} {raw!r} is not a number")
        return None
    if not value.is_finite():
        reasons.append(f"{name} {raw!r} is not a number")
        return None
    if not -limit <= value <= limit:
        reasons.append(f"{name} {raw} is outside -{limit} to {limit}")
        return None
    return value.quantize(Decimal("0.000001"))


def _specialty(raw: str, reasons: list[str]) -> str:
    if not raw:
        return ""
    wanted = raw.strip().lower()
    for value, label in Specialty.choices:
        if wanted in (value, str(label).lower()):
            return value
    known = ", ".join(value for value, _ in Specialty.choices)
    reasons.append(f"specialty {raw!r} is not known (use one of: {known})")
    return ""


def _yes_no(raw: str, reasons: list[str]) -> bool:
    word = raw.lower()
    if not word or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    reasons.append(f"accepting_new_patients {raw!r} must be yes or no")
    return True
