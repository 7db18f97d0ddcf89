"""CSV parsing for ECG records: bare samples, time + lead columns, and the Apple Watch export.

How the sampling rate is found, in this order:

1. a rate stated in the lines before the data: ``Sample Rate,512 hertz``, ``# fs = 360``,
   ``Sampling frequency: 250 Hz``, ``fs,360``;
2. a time column: a column named like ``time``/``t``/``seconds``/``ms`` (unit from the name:
   ``ms``/``msec``/``millis`` -> milliseconds, otherwise seconds unless the spacing only makes
   sense in milliseconds), or an unnamed first column that strictly increases; its spacing must
   be even (no gaps); rate = (n - 1) / (last - first);
3. the caller's ``fs``.

A column named ``sample``/``index``/``n`` (or an unnamed 0, 1, 2, ... first column) counts
samples and gives no rate. When the file states a rate (1 or 2) and ``fs`` is also given, they
must agree within 1%; a header rate and a time column must agree too.

Units: a ``Unit,µV`` line, or a unit in the column name (``MLII (mV)``, ``ecg_uV``, ``[V]``);
default millivolts. Decimal commas are read (``"-12,345"``, or ``-12,345`` one value per line
when the file is clearly a single column of decimal-comma values, or with ``;`` as delimiter).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import Record, check_fs, choose_lead, decode_text, finish

__all__ = [
    "CSV_HEAD_BYTES",
    "MAX_CSV_LINE_CHARS",
    "CsvTable",
    "check_csv_head",
    "parse_csv_text",
    "read_csv",
    "read_csv_table",
    "scale_for_unit",
]

#: How much of a CSV the upload check reads (the worker reads the whole file).
CSV_HEAD_BYTES = 256 * 1024
#: The longest line accepted: an ECG CSV holds one time point per line, so a longer line is
#: not one (and a one-line file of millions of values must not be split in memory).
MAX_CSV_LINE_CHARS = 16 * 1024

_UNIT_SCALE = {"v": 1000.0, "mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "nv": 1e-6}
_NUMBER_START = re.compile(r'^\s*"?\s*[-+\u2212]?(\d|[.,]\d|nan|inf)', re.IGNORECASE)
_RATE_WITH_HZ = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(?:hz|hertz|sps|samples?\s*/\s*s(?:ec)?|samples?\s+per\s+second)\b",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(r'^\s*#?\s*"?([^,;:=\t"]{1,60}?)"?\s*[,;:=\t]\s*"?(.*?)"?\s*[,;]*\s*$')
_RATE_KEY = re.compile(
    r"^(fs|sampling|sample\s*rate|sampling\s*(rate|frequency)|frequency|rate|srate|samplerate)$",
    re.IGNORECASE,
)
# Words that say a line is about the sampling rate (so "filtered 0.5-40 Hz" is not taken),
# in the languages of the Apple Health export among others.
_RATE_WORDS = re.compile(
    r"\bfs\b|rate|sampl|freq|abtast|échantillon|echantillon|muestreo|campionamento",
    re.IGNORECASE,
)
_UNIT_IN_NAME = re.compile(
    r"[\(\[]\s*(µv|μv|uv|mv|nv|v)\s*[\)\]]|[_ ](µv|μv|uv|mv|nv|v)$", re.IGNORECASE
)
_TIME_NAME = re.compile(
    r"^(time|t|sec|secs|seconds|s|ms|msec|millis|milliseconds|timestamp|elapsed|zeit|temps|"
    r"tiempo|tempo|tijd)(?=$|[\s_(\[])",
    re.IGNORECASE,
)
_INDEX_NAME = re.compile(r"^(sample|samples|sample\s*#|index|idx|n|#|no\.?|nr\.?)$", re.IGNORECASE)
_MS_NAME = re.compile(r"\b(ms|msec|millis|milliseconds)\b|_ms\b|\(ms\)|\[ms\]", re.IGNORECASE)


@dataclass(frozen=True)
class CsvTable:
    """A parsed CSV record: the lead columns (float64, file units), names, units and rate."""

    columns: tuple[np.ndarray, ...]
    leads: tuple[str, ...]
    units: tuple[str | None, ...]
    fs: float
    n_samples: int


def scale_for_unit(unit: str | None, lead: str) -> float:
    """Factor that turns values in ``unit`` into millivolts.

    Args:
        unit: a unit such as ``"mV"``, ``"uV"``, ``"µV"``, ``"V"``; None or empty means mV.
        lead: the lead's name, for the error message.

    Returns:
        The multiplier (``1000.0`` for V, ``1.0`` for mV, ``0.001`` for µV).

    Raises:
        InputError: the unit is not a voltage (for example ``mmHg``).
    """
    if unit is None:
        return 1.0
    u = unit.strip().lower().replace("micro", "µ").replace("volts", "v").replace("volt", "v")
    u = u.replace(" ", "")
    if u in ("", "adu", "nu", "none", "unknown", "?"):
        return 1.0
    if u in _UNIT_SCALE:
        return _UNIT_SCALE[u]
    raise InputError(
        f"Lead {lead} is measured in '{unit.strip()}', not in volts, so it is not an ECG lead."
    )


def _to_float(field: str) -> float:
    s = field.strip().strip('"').strip().replace("\u2212", "-")
    if not s:
        return math.nan
    if "," in s and "." not in s and s.count(",") == 1:
        s = s.replace(",", ".")
    return float(s)


def _guess_delimiter(sample: list[str]) -> str | None:
    """The delimiter of the data lines: ';', tab, ',', or None (whitespace or one column)."""

    def unquoted(line: str, ch: str) -> int:
        return len(re.sub(r'"[^"]*"', "", line).split(ch)) - 1

    for ch in (";", "\t", ","):
        counts = {unquoted(line, ch) for line in sample}
        if len(counts) == 1 and counts.pop() > 0:
            return ch
    for ch in (";", "\t", ","):
        if sum(unquoted(line, ch) > 0 for line in sample) > 0.9 * len(sample):
            return ch  # mostly consistent; the row check below reports the odd line
    widths = {len(line.split()) for line in sample}
    if len(widths) == 1 and widths.pop() > 1:
        return " "  # columns separated by spaces
    return None  # one value per line


def _splitter(delim: str | None) -> Callable[[str], list[str]]:
    if delim is None:
        return lambda line: [line.strip()]
    if delim == " ":
        return lambda line: line.split()

    def split(line: str) -> list[str]:
        if '"' not in line:
            return line.split(delim)  # fast path: csv.reader per line is slow on big files
        return next(csv.reader([line], delimiter=delim, quotechar='"'))

    return split


def _is_numeric_row(fields: list[str]) -> bool:
    if not fields:
        return False
    try:
        for f in fields:
            if f.strip():
                _to_float(f)
    except ValueError:
        return False
    return any(f.strip() for f in fields)


def _stated_rate(preamble: list[str]) -> float | None:
    """The sampling rate stated before the data (``Sample Rate,512 hertz``, ``# fs = 360``)."""
    for line in preamble:
        kv = _KEY_VALUE.match(line)
        if kv and _RATE_KEY.match(kv.group(1).strip()):
            try:
                return _to_float(kv.group(2).split()[0])
            except (ValueError, IndexError):
                continue
    for line in preamble:
        m = _RATE_WITH_HZ.search(line)
        if m and _RATE_WORDS.search(line):
            return float(m.group(1).replace(",", "."))
    return None


def _stated_unit_and_lead(preamble: list[str]) -> tuple[str | None, str | None]:
    unit = lead = None
    for line in preamble:
        kv = _KEY_VALUE.match(line)
        if not kv:
            continue
        key, value = kv.group(1).strip().lower(), kv.group(2).strip()
        if unit is None and (
            re.match(r"^(unit|units|einheit|unité|unite|unidad|unità|eenheid)$", key)
            or value.lower().replace(" ", "") in _UNIT_SCALE
        ):
            unit = value
        elif lead is None and (
            re.match(r"^(lead|ableitung|dérivation|derivación|derivazione)$", key)
            or re.match(r"^lead\s+\w+$", value, re.IGNORECASE)
        ):
            lead = value
    return unit, lead


def _unit_from_name(name: str) -> str | None:
    m = _UNIT_IN_NAME.search(name.strip())
    return (m.group(1) or m.group(2)) if m else None


def _time_rate(name: str | None, t: np.ndarray, line0: int) -> float | None:
    """Rate from a time column, or None when the column counts samples. Raises on gaps."""
    if name is not None and _INDEX_NAME.match(name.strip()):
        return None
    steps = np.diff(t)
    if steps.size == 0:
        return None
    bad = np.flatnonzero(~(steps > 0))
    if bad.size:
        raise InputError(f"The time column does not increase at line {line0 + int(bad[0]) + 2}.")
    median = float(np.median(steps))
    gaps = np.flatnonzero(steps > 2.5 * median)
    if gaps.size:
        raise InputError(
            f"The time column jumps at line {line0 + int(gaps[0]) + 2}, so the samples are not "
            "evenly spaced; split the recording or remove the gap."
        )
    step = float(t[-1] - t[0]) / (t.size - 1)
    is_integer_count = bool(np.all(t == np.round(t))) and abs(median - 1.0) < 1e-9
    if name is None and is_integer_count:
        return None  # 0, 1, 2, ... without a name: a sample counter
    # Timestamps are printed rounded: give the rate to 6 significant digits (360, not
    # 359.99999996).
    if name is not None and _MS_NAME.search(name):
        return float(f"{1000.0 / step:.6g}")
    if 50.0 <= 1.0 / step <= 10_000.0:
        return float(f"{1.0 / step:.6g}")
    if 50.0 <= 1000.0 / step <= 10_000.0:
        return float(f"{1000.0 / step:.6g}")
    return 1.0 / step  # implausible; the caller's range check explains


def _maybe_decimal_comma_pairs(
    sample: list[str], delim: str | None, ncols: int, names: list[str] | None
) -> bool:
    """Could these rows be one column of decimal-comma values written without quotes?"""
    if delim != "," or ncols != 2 or names is not None:
        return False
    return all(re.fullmatch(r"\s*[-+\u2212]?\d+,\d+\s*", ln) for ln in sample)


def _fast_matrix(body: list[str], delim: str | None, ncols: int) -> np.ndarray | None:
    """Parse plain numeric rows in C (numpy); None when anything needs the careful path."""
    text = "\n".join(body)
    if not body or '"' in text or "\u2212" in text:
        return None
    if delim not in (None, " ") and any(ln.count(delim) != ncols - 1 for ln in body):
        return None
    if delim != ",":
        text = text.replace(",", ".")  # a decimal comma (the delimiter is not a comma)
    if delim not in (None, " "):
        text = text.replace(delim, " ")
    tokens = text.split()
    if len(tokens) != len(body) * ncols:
        return None
    try:
        return np.array(tokens, dtype=np.float64).reshape(len(body), ncols)
    except ValueError:
        return None


def _slow_matrix(
    lines: list[str],
    start: int,
    split: Callable[[str], list[str]],
    delim: str | None,
    ncols: int,
    names: list[str] | None,
) -> tuple[np.ndarray, int]:
    """Parse row by row (quotes, decimal commas, odd values), naming the line of any error."""
    rows: list[list[str]] = []
    for offset, line in enumerate(lines[start:]):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = split(line)
        if len(fields) != ncols:
            # A trailing empty field ("1.2,") is harmless.
            if len(fields) == ncols + 1 and not fields[-1].strip():
                fields = fields[:-1]
            else:
                raise InputError(
                    f"Line {start + offset + 1} of the CSV file has {len(fields)} values; "
                    f"the lines before it have {ncols}."
                )
        rows.append(fields)

    # One column of decimal-comma values written without quotes: "-12,345" splits in two.
    if delim == "," and ncols == 2 and names is None and len(rows) >= 3:
        ints = all(
            re.fullmatch(r"[-+\u2212]?\d+", a.strip()) and re.fullmatch(r"\d+", b.strip())
            for a, b in rows
        )
        if ints:
            first = np.array([float(a.replace("\u2212", "-")) for a, _ in rows])
            if not np.all(np.diff(first) > 0):
                rows = [[f"{a.strip()}.{b.strip()}"] for a, b in rows]
                ncols = 1

    try:
        matrix = np.array([[_to_float(f) for f in row] for row in rows], dtype=np.float64)
    except ValueError:
        for offset, row in enumerate(rows):
            for f in row:
                try:
                    _to_float(f)
                except ValueError:
                    raise InputError(
                        f"The CSV file has a value that is not a number ('{f.strip()[:20]}') "
                        f"in data row {offset + 1}."
                    ) from None
        raise  # pragma: no cover
    return matrix.reshape(len(rows), ncols), ncols


def _check_line_lengths(text: str) -> None:
    """Refuse a line over :data:`MAX_CSV_LINE_CHARS` before the text is split into lines."""
    start = 0
    while start < len(text):
        end = text.find("\n", start, start + MAX_CSV_LINE_CHARS + 2)
        if end < 0:
            if len(text) - start > MAX_CSV_LINE_CHARS + 1:
                raise InputError(
                    f"The CSV file has a line longer than {MAX_CSV_LINE_CHARS // 1024} KB; an "
                    "ECG CSV holds one time point (or one sample) per line."
                )
            return
        start = end + 1


def parse_csv_text(text: str, *, fs: float | None = None) -> CsvTable:
    """Parse the text of an ECG CSV (see the module docstring for the layouts understood).

    Args:
        text: the whole file, decoded (a BOM is tolerated).
        fs: sampling rate in Hz given by the caller, used when the file states none.

    Returns:
        A :class:`CsvTable` with one float64 array per lead column (file units, not yet mV).

    Raises:
        InputError: no numbers, ragged rows, non-numeric values in the data, no way to tell
            the sampling rate, or a stated rate that disagrees with ``fs``.
    """
    _check_line_lengths(text)
    lines = text.lstrip("\ufeff").splitlines()
    candidates = [i for i, ln in enumerate(lines) if _NUMBER_START.match(ln)]
    if not candidates:
        raise InputError("The CSV file holds no numbers.")
    sample = [lines[i] for i in candidates[-200:]]
    delim = _guess_delimiter(sample)
    split = _splitter(delim)

    start = None
    for i in candidates:
        if _is_numeric_row(split(lines[i])):
            start = i
            break
    if start is None:
        raise InputError("The CSV file holds no rows of numbers.")
    preamble = [ln for ln in lines[:start] if ln.strip()]

    # Column names: a non-numeric line right above the data (no blank line between).
    first_fields = split(lines[start])
    ncols = len(first_fields)
    names: list[str] | None = None
    above = lines[start - 1].strip() if start > 0 else ""
    if (
        above
        and not above.startswith("#")
        and _stated_rate([above]) is None
        and not (ncols == 1 and re.search(r"[,;\t=:]", above))
    ):
        fields = [f.strip().strip('"').strip() for f in split(above)]
        if len(fields) == ncols and not _is_numeric_row(fields):
            names = fields

    body = [ln for ln in lines[start:] if ln.strip() and not ln.lstrip().startswith("#")]
    matrix = None
    if not _maybe_decimal_comma_pairs(body[:50], delim, ncols, names):
        matrix = _fast_matrix(body, delim, ncols)
    if matrix is None:
        matrix, ncols = _slow_matrix(lines, start, split, delim, ncols, names)
    n = matrix.shape[0]

    stated_unit, stated_lead = _stated_unit_and_lead(preamble)
    header_rate = _stated_rate(preamble)
    if header_rate is not None:  # "fs,0", "fs = -1", "fs: nan": refused, never guessed
        check_fs(header_rate, "The CSV file")

    # Time column.
    time_col: int | None = None
    time_rate: float | None = None
    if ncols >= 2 and n >= 2:
        named = [
            i for i, nm in enumerate(names or []) if _TIME_NAME.match(nm) or _INDEX_NAME.match(nm)
        ]
        if named:
            time_col = named[0]
        elif bool(np.all(np.diff(matrix[:, 0]) > 0)) and n >= 10:
            time_col = 0  # ECG values never rise steadily for ten samples: this counts time
        if time_col is not None:
            col = matrix[:, time_col]
            if not np.all(np.isfinite(col)):
                raise InputError("The time column has missing or invalid values.")
            time_rate = _time_rate(names[time_col] if names else None, col, start)

    if (
        header_rate is not None
        and time_rate is not None
        and abs(header_rate - time_rate) > 0.01 * header_rate
    ):
        raise InputError(
            f"The CSV header says {header_rate:g} Hz but its time column gives {time_rate:.4g} Hz."
        )
    stated = header_rate if header_rate is not None else time_rate
    if stated is not None and fs is not None and abs(stated - fs) > 0.01 * stated:
        raise InputError(
            f"The CSV file says the sampling rate is {stated:.4g} Hz but {fs:g} Hz was given; "
            "leave the rate out or correct it."
        )
    rate = stated if stated is not None else fs
    if rate is None:
        raise InputError(
            "The CSV file does not say its sampling rate: add a time column or a "
            "'Sample Rate,360 Hz' line, or give the rate (for example --fs 360)."
        )

    lead_idx = [i for i in range(ncols) if i != time_col]
    if not lead_idx:
        raise InputError("The CSV file has a time column but no ECG values.")
    leads: list[str] = []
    units: list[str | None] = []
    for k, i in enumerate(lead_idx):
        if names and names[i]:
            name = names[i]
        elif len(lead_idx) == 1:
            name = stated_lead or "ECG"
        else:
            name = f"ECG{k + 1}"
        leads.append(name)
        units.append(_unit_from_name(name) or stated_unit)
    columns = tuple(np.ascontiguousarray(matrix[:, i]) for i in lead_idx)
    return CsvTable(
        columns=columns, leads=tuple(leads), units=tuple(units), fs=float(rate), n_samples=n
    )


# --- CSV ----------------------------------------------------------------------------------------


def read_csv_table(path: Path, fs: float | None) -> CsvTable:
    """Read and parse a CSV file (bytes decoded as UTF-8, with or without BOM, or Windows-1252)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("The CSV file could not be read.") from exc
    text = decode_text(data)
    if text is None:
        raise InputError("The file is not text, so it cannot be read as CSV.")
    return parse_csv_text(text, fs=fs)


def check_csv_head(path: Path, lead: str | None, fs: float | None) -> None:
    """The upload check of a CSV from its first :data:`CSV_HEAD_BYTES` only (the web process
    never parses a whole upload): text, layout, columns, a rate found or given, the lead.
    :func:`read_csv` parses the whole file later, in the worker.

    Raises:
        InputError: what is wrong, in one line for the user.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(CSV_HEAD_BYTES + 1)
    except OSError as exc:
        raise InputError("The CSV file could not be read.") from exc
    whole = len(data) <= CSV_HEAD_BYTES
    text = decode_text(data[:CSV_HEAD_BYTES])
    if text is None:
        raise InputError("The file is not text, so it cannot be read as CSV.")
    if not whole:
        cut = text.rfind("\n")
        if cut < 0:
            _check_line_lengths(text)  # one line over the limit: refused here
        text = text[:cut]  # the last line may be cut short
    table = parse_csv_text(text, fs=fs)
    check_fs(table.fs, "The CSV file" if fs is None else "The given rate")
    choose_lead(table.leads, lead)


def read_csv(path: Path, lead: str | None, fs: float | None) -> Record:
    """Read the chosen lead of a CSV file as a Record (mV, at the rate found or given)."""
    table = read_csv_table(path, fs)
    rate = check_fs(table.fs, "The CSV file" if fs is None else "The given rate")
    idx = choose_lead(table.leads, lead)
    signal = table.columns[idx] * scale_for_unit(table.units[idx], table.leads[idx])
    return finish(signal, rate, table.leads[idx], table.leads)
