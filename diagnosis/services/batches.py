"""Many ECGs at once: an Apple Health ``export.zip`` (or any zip holding an
``electrocardiograms/`` folder of CSVs), or several files chosen together.

This module only splits what was sent into ECGs and records what became of each in an
``UploadBatch``; every ECG then goes through the one way in of a single upload
(:func:`~diagnosis.services.uploads.upload_prepare`: checked by content, head only;
:func:`~diagnosis.services.uploads.upload_store`: deduplicated, stored, queued on commit).
A bad file among good ones is refused alone, with its reason; the good ones are kept.

The web process never parses a whole upload: of a zip it reads the central directory and
streams out only the ``electrocardiograms/*.csv`` members, within the limits below; the
worker reads each signal as it does for a single upload.

Grouping of several files: a ``.hea`` goes with the ``.dat`` (or ``.mat``) of the same name
as one WFDB record (when the selection holds one header and one signal file, they go
together whatever their names, as a two-file upload always did); every other file is one
ECG. A selection that is one ECG is a single upload, as before: no batch.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from diagnosis.engine import InputError
from diagnosis.models import Recording, UploadBatch, UploadBatchItem
from diagnosis.services import maintenance, uploads

#: Most ECGs one upload may hold (an Apple export's folder, or files chosen at once).
MAX_BATCH_ECGS = 200
#: Most entries a zip's central directory may list: an Apple export also lists workout
#: routes and clinical records, which are never opened.
MAX_ZIP_ENTRIES = 20_000
#: Largest ECG member of a zip: a 30-s Apple Watch ECG is about 150 kB.
MAX_MEMBER_BYTES = 5 * 1024 * 1024
#: All ECG members of one zip together, uncompressed.
MAX_EXPORT_BYTES = 200 * 1024 * 1024
#: A member compressed more than this is refused as a zip bomb: a CSV of samples
#: compresses about 3x (checked above ``_RATIO_MIN_BYTES`` only).
MAX_COMPRESSION_RATIO = 50
_RATIO_MIN_BYTES = 1024 * 1024
#: What the Apple ECG header lines are read from (the samples follow them).
_APPLE_HEAD_BYTES = 4096

_SIGNAL_EXTENSIONS = ("dat", "mat")
_ECG_FOLDER = "electrocardiograms"

#: Apple's English symptom words -> the site's SYMPTOMS codes (other languages: not mapped).
_APPLE_SYMPTOMS = (
    (re.compile(r"pounding|fluttering|rapid|skipped heartbeat|palpitation"), "palpitations"),
    (re.compile(r"dizz|lightheaded|light-headed"), "dizziness"),
    (re.compile(r"chest"), "chest_pain"),
    (re.compile(r"shortness of breath|breathless"), "short_breath"),
    (re.compile(r"fatigue|tired"), "tired"),
    (re.compile(r"\bfainting\b|\bother\b"), "other"),
)


@dataclass
class _Part:
    """One ECG of what was sent: its file(s) or a zip member, the name shown for it, or the
    reason it is refused before any reading."""

    name: str
    files: list[UploadedFile] = field(default_factory=list)
    member: tuple[zipfile.ZipFile, zipfile.ZipInfo] | None = None
    error: str = ""

    def open(self) -> list[UploadedFile]:
        if self.member is None:
            return self.files
        archive, info = self.member
        # Reads stop at the size the central directory declares (and checked), CRC-checked.
        return [UploadedFile(archive.open(info), name=self.name, size=info.file_size)]


@dataclass
class AppleHeader:
    """What an Apple Watch ECG says about itself in the lines above its samples."""

    recorded_at: datetime | None = None
    reading: str = ""  # the watch's classification ("Sinus Rhythm", "Atrial Fibrillation")
    symptoms: list[str] = field(default_factory=list)  # SYMPTOMS codes


def _extension(name: str) -> str:
    base = uploads.display_name(name).lower()
    return base.rsplit(".", 1)[-1] if "." in base else ""


def _stem(name: str) -> str:
    return uploads.display_name(name).rsplit(".", 1)[0].lower()


def _is_zip(upload: UploadedFile) -> bool:
    upload.seek(0)
    magic = upload.read(4)
    upload.seek(0)
    return magic == b"PK\x03\x04"


def _is_ecg_member(info: zipfile.ZipInfo) -> bool:
    path = PurePosixPath(info.filename.replace("\\", "/"))
    return (
        not info.is_dir()
        and len(path.parts) >= 2
        and path.parent.name.lower() == _ECG_FOLDER
        and path.suffix.lower() == ".csv"
        and path.parts[0] != "__MACOSX"
        and not path.name.startswith("._")
    )


def _export_parts(upload: UploadedFile, stack: ExitStack) -> list[_Part] | None:
    """The ECGs of a zip holding an ``electrocardiograms/`` folder of CSVs, or ``None`` for
    any other zip (a WFDB record's, checked like a single upload). Only the central
    directory is read here.

    Raises:
        InputError: the zip is unsafe (paths, links, encryption, a possible zip bomb) or
            holds more than the limits allow.
    """
    try:
        archive = stack.enter_context(zipfile.ZipFile(upload))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None  # a damaged zip: the single-upload check says so
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InputError(
            f"The zip file lists {len(infos)} entries; at most {MAX_ZIP_ENTRIES} are accepted."
        )
    members = [info for info in infos if _is_ecg_member(info)]
    if not members:
        return None
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            raise InputError(f"The zip file holds an unsafe path ('{info.filename[:100]}').")
    if len(members) > MAX_BATCH_ECGS:
        raise InputError(
            f"The zip file holds {len(members)} ECGs; at most {MAX_BATCH_ECGS} are taken at "
            "once. Upload the files of its electrocardiograms folder in smaller groups."
        )
    parts = []
    total = 0
    for info in sorted(members, key=lambda m: m.filename):
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(f"The zip file holds a symbolic link ('{info.filename[:100]}').")
        if info.flag_bits & 0x1:
            raise InputError("The zip file is encrypted; upload it without a password.")
        if info.file_size > _RATIO_MIN_BYTES and (
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            raise InputError(
                f"The zip file is compressed suspiciously well ('{info.filename[:100]}'); it "
                "is refused as a possible zip bomb."
            )
        total += info.file_size
        if total > MAX_EXPORT_BYTES:
            raise InputError(
                f"The ECGs in the zip file unpack to more than {MAX_EXPORT_BYTES // 2**20} MB."
            )
        name = uploads.display_name(info.filename)
        if info.file_size > MAX_MEMBER_BYTES:
            parts.append(
                _Part(
                    name=name,
                    error=f"This file is larger than {MAX_MEMBER_BYTES // 2**20} MB, too large "
                    "for an Apple Watch ECG.",
                )
            )
        else:
            parts.append(_Part(name=name, member=(archive, info)))
    return parts


def _split(files: Sequence[UploadedFile], stack: ExitStack) -> tuple[list[_Part], bool]:
    """What was sent, as ECGs (in the order sent, WFDB records last); and whether an export
    zip was among it."""
    if len(files) == 1 and not (_is_zip(files[0])):
        return [_Part(name=uploads.display_name(files[0].name or ""), files=list(files))], False
    parts: list[_Part] = []
    export = False
    headers: dict[str, UploadedFile] = {}
    signals: dict[str, UploadedFile] = {}
    for upload in files:
        name = uploads.display_name(upload.name or "")
        ext = _extension(name)
        if ext == "hea" or ext in _SIGNAL_EXTENSIONS:
            pairs = headers if ext == "hea" else signals
            if _stem(name) in pairs:
                parts.append(_Part(name=name, error="A file of this name was chosen twice."))
            else:
                pairs[_stem(name)] = upload
        elif _is_zip(upload):
            try:
                members = _export_parts(upload, stack)
            except InputError as error:
                parts.append(_Part(name=name, error=str(error)))
                continue
            if members is None:
                parts.append(_Part(name=name, files=[upload]))
            else:
                export = True
                parts.extend(members)
        else:
            parts.append(_Part(name=name, files=[upload]))
    if len(headers) == 1 and len(signals) == 1 and not set(headers) & set(signals):
        headers, signals = {"": next(iter(headers.values()))}, {"": next(iter(signals.values()))}
    for stem, header in headers.items():
        signal = signals.pop(stem, None)
        name = uploads.display_name(header.name or "").rsplit(".", 1)[0] + " (WFDB)"
        parts.append(_Part(name=name, files=[header] if signal is None else [header, signal]))
    for signal in signals.values():
        parts.append(
            _Part(
                name=uploads.display_name(signal.name or ""),
                error="A WFDB signal file needs its .hea header: choose both together.",
            )
        )
    return parts, export


def apple_header(path: Path) -> AppleHeader:
    """Read the Recorded Date, Classification and Symptoms lines at the top of an Apple
    Watch ECG CSV (the first few kB only). Anything else gives an empty header; dates and
    symptoms Apple wrote in another language are left out."""
    with path.open("rb") as handle:
        head = handle.read(_APPLE_HEAD_BYTES).decode("utf-8-sig", errors="replace")
    fields: dict[str, str] = {}
    for row in csv.reader(head.splitlines()[:20]):
        if len(row) >= 2:
            fields.setdefault(row[0].strip().lower(), ",".join(row[1:]).strip())
    header = AppleHeader(reading=fields.get("classification", "")[:100])
    try:
        header.recorded_at = datetime.strptime(
            fields.get("recorded date", ""), "%Y-%m-%d %H:%M:%S %z"
        )
    except ValueError:
        header.recorded_at = None
    felt = fields.get("symptoms", "").lower()
    if felt in ("none", "no symptoms"):
        header.symptoms = ["none"]
    else:
        header.symptoms = list(
            dict.fromkeys(code for pattern, code in _APPLE_SYMPTOMS if pattern.search(felt))
        )
    return header


@dataclass
class _Quota:
    left: int  # new ECGs the person may still upload now
    reason: str  # why not, once none is left


@dataclass
class _Line:
    name: str
    recording: Recording | None = None
    duplicate: bool = False
    error: str = ""
    header: AppleHeader = field(default_factory=AppleHeader)


def _take(part: _Part, *, owner: User, fs: float | None, quota: _Quota) -> _Line:
    """One ECG through the single-upload steps; a refusal becomes the line's reason."""
    if part.error:
        return _Line(name=part.name, error=part.error)
    try:
        upload = uploads.upload_prepare(files=part.open(), fs=fs)
    except InputError as error:
        return _Line(name=part.name, error=str(error))
    try:
        header = apple_header(upload.path) if upload.file_format == "csv" else AppleHeader()
        earlier = uploads.upload_earlier(owner=owner, sha256=upload.sha256, fs=fs)
        if earlier is None and quota.left <= 0:
            return _Line(
                name=part.name,
                error=f"{quota.reason} (The ECGs already taken are recognised when sent "
                "again, not analysed twice.)",
            )
        outcome = uploads.upload_store(owner=owner, upload=upload, fs=fs, symptoms=header.symptoms)
        if not outcome.duplicate:
            quota.left -= 1
        return _Line(
            name=part.name,
            recording=outcome.analysis.recording,
            duplicate=outcome.duplicate,
            header=header,
        )
    finally:
        upload.cleanup()


def upload_receive(
    *,
    owner: User,
    files: Sequence[UploadedFile],
    fs: float | None = None,
    page: int | None = None,
    symptoms: Sequence[str] = (),
    symptom_note: str = "",
) -> uploads.UploadOutcome | UploadBatch:
    """The page's and the API's one entry for what a person sent. One ECG (one file, or the
    .hea and .dat of one record) is a single upload (:func:`uploads.recording_create`,
    unchanged); an Apple export or several ECGs become an ``UploadBatch``, each ECG checked,
    deduplicated and queued on its own, and counted against the upload limits.

    Raises:
        InputError: nothing could be taken (one line for the user: the reason, or each
            file's); the upload is too large or holds too many ECGs; symptoms were given for
            several ECGs (they describe one recording).
        QuotaExceeded: the upload limits were already reached.
        UnderMaintenance: uploads are paused for planned maintenance.
    """
    maintenance.uploads_check_open()
    if sum(f.size or 0 for f in files) > uploads.max_upload_bytes():
        raise InputError(uploads.too_large_message([f.name or "" for f in files]))
    with ExitStack() as stack:
        parts, export = _split(files, stack)
        if len(parts) == 1 and not export and not parts[0].error:
            return uploads.recording_create(
                owner=owner,
                files=parts[0].files,
                fs=fs,
                page=page,
                symptoms=symptoms,
                symptom_note=symptom_note,
            )
        if len(parts) > MAX_BATCH_ECGS:
            raise InputError(
                f"That is {len(parts)} ECGs; at most {MAX_BATCH_ECGS} are taken at once. "
                "Upload them in smaller groups."
            )
        if page:
            raise InputError("A PDF page is chosen for one file: upload the PDF on its own.")
        if symptoms or symptom_note.strip():
            raise InputError(
                "How you felt describes one recording: upload several ECGs without it, then "
                "add it on each result page. (An Apple Watch ECG brings the symptoms you "
                "noted on the watch.)"
            )
        quota = _Quota(*uploads.uploads_left(owner))
        at_start = quota.left
        lines = [_take(part, owner=owner, fs=fs, quota=quota) for part in parts]
    if not any(line.recording for line in lines):
        if at_start <= 0:
            raise uploads.QuotaExceeded(quota.reason)
        if len(lines) == 1:
            raise InputError(lines[0].error)
        reasons = "; ".join(f"{line.name}: {line.error}" for line in lines[:5])
        more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
        raise InputError(f"None of the {len(lines)} ECGs could be taken. {reasons}{more}")
    source = uploads.display_name(files[0].name or "") if len(files) == 1 else f"{len(files)} files"
    return _batch_save(owner=owner, source=source, lines=lines)


def _offset_minutes(moment: datetime | None) -> int | None:
    offset = moment.utcoffset() if moment is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


@transaction.atomic
def _batch_save(*, owner: User, source: str, lines: Sequence[_Line]) -> UploadBatch:
    """The batch and its lines, once every ECG in it was stored (each in its own
    transaction, so one failure never undoes the others)."""
    batch = UploadBatch.objects.create(owner=owner, source=source)
    UploadBatchItem.objects.bulk_create(
        UploadBatchItem(
            batch=batch,
            position=position,
            name=line.name[:255],
            recording=line.recording,
            duplicate=line.duplicate,
            error=line.error[:500],
            recorded_at=line.header.recorded_at,
            recorded_offset=_offset_minutes(line.header.recorded_at),
            device_reading=line.header.reading,
        )
        for position, line in enumerate(lines)
    )
    return batch
