"""Uploads: what a user sent becomes one validated file, checked by content before anything
is saved, then a stored ``Recording`` and a queued ``Analysis``.

A WFDB record may arrive as its ``.hea`` and ``.dat`` files (or ``.mat``: a signal file behind a
MATLAB v4 header, as PhysioNet/CinC 2017 publishes them); they are packed into one zip so a
recording is always a single stored file. Client file names are used for display only.

Every ECG, alone or one of many (:mod:`diagnosis.services.batches`), comes in through the same
two steps: :func:`upload_prepare` (checked by content) and :func:`upload_store` (deduplicated,
stored, queued on commit).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from diagnosis import reports
from diagnosis.engine import InputError, validate_upload
from diagnosis.models import SYMPTOMS, Analysis, Recording
from diagnosis.services.analyses import analysis_enqueue_on_commit

ACCEPTED_DESCRIPTION = (
    "a picture of one heartbeat (PNG or JPG); a photo, scan, screenshot (PNG, JPG, BMP or "
    "an iPhone's HEIC) or PDF of an ECG strip or 12-lead printout (25 mm/s; 10 mm/mV unless "
    "its pulse shows 5); "
    "a WFDB record (its .hea and .dat or .mat files together, or both in one .zip); a CSV "
    "file (including Apple Watch ECG exports); or an EDF file"
)
#: The highest PDF page number a person may choose (a printout is a few pages).
MAX_PDF_PAGE = 200
ACCEPT_ATTRIBUTE = ".png,.jpg,.jpeg,.bmp,.heic,.heif,.pdf,.hea,.dat,.mat,.zip,.csv,.txt,.edf"
#: Signal-file extensions of a WFDB record uploaded as two files (WFDB reads by byte offset,
#: so a .mat written by wfdb2mat is read like a .dat).
_SIGNAL_EXTENSIONS = ("dat", "mat")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class PreparedUpload:
    """A validated upload in a temporary file, ready to be stored."""

    path: Path
    kind: str  # "beat_image" or "record"
    file_format: str  # png, jpeg, pdf, wfdb-zip, csv, edf
    original_name: str
    size_bytes: int
    sha256: str

    def cleanup(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


def max_upload_bytes() -> int:
    return int(settings.MAX_UPLOAD_MB) * 1024 * 1024


def display_name(name: str) -> str:
    """A client file name reduced to something safe to show (never used as a path)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _SAFE_NAME.sub("_", base).strip("._")[:120] or "upload"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(upload: UploadedFile, dest: Path) -> None:
    with dest.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)


def _pack_wfdb(files: Sequence[UploadedFile], workdir: Path) -> Path:
    """Pack a ``.hea`` + ``.dat`` (or ``.mat``) pair into one zip, named as the header says."""
    by_ext = {display_name(f.name or "").lower().rsplit(".", 1)[-1]: f for f in files}
    signal_ext = next((ext for ext in _SIGNAL_EXTENSIONS if ext in by_ext), "")
    if set(by_ext) != {"hea", signal_ext}:
        raise InputError(
            "To upload a WFDB record as separate files, choose exactly its .hea and .dat "
            "(or .mat) files."
        )
    header = by_ext["hea"].read(64 * 1024).decode("ascii", errors="replace")
    first = header.strip().split(maxsplit=1)[0] if header.strip() else ""
    record = display_name(first.split("/")[0])
    if not record or record == "upload":
        raise InputError("The .hea file does not start with a record name.")
    dat_name = display_name(by_ext[signal_ext].name or "")
    archive = workdir / "record.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        by_ext["hea"].seek(0)
        zf.writestr(f"{record}.hea", by_ext["hea"].read())
        with zf.open(dat_name, "w") as member:
            for chunk in by_ext[signal_ext].chunks():
                member.write(chunk)
    return archive


#: Added to "too large" for a zip: an Apple Health export is mostly data we never read.
EXPORT_TOO_LARGE_HINT = (
    "For an Apple Health export, upload just its electrocardiograms folder instead: select "
    "the files inside it, or zip that folder alone."
)


def too_large_message(names: Sequence[str]) -> str:
    """Why an upload over ``MAX_UPLOAD_MB`` is refused; for a zip, how to send less."""
    what = "file is" if len(names) == 1 else "files are"
    message = f"The {what} too large: the limit is {settings.MAX_UPLOAD_MB} MB."
    if any(name.lower().endswith(".zip") for name in names):
        message += " " + EXPORT_TOO_LARGE_HINT
    return message


def upload_prepare(*, files: Sequence[UploadedFile], fs: float | None) -> PreparedUpload:
    """Validate the file(s) of one ECG by content (the engine reads the head only) and
    return them as one temporary file.

    Raises:
        InputError: with a one-line reason for the user; nothing is left behind.
    """
    if not files:
        raise InputError("Choose a file to upload.")
    if len(files) > 2:
        raise InputError(
            "Upload one file, or the .hea and .dat (or .mat) files of one WFDB record."
        )
    total = sum(f.size or 0 for f in files)
    if total == 0:
        raise InputError("The file is empty.")
    if total > max_upload_bytes():
        raise InputError(too_large_message([f.name or "" for f in files]))

    workdir = Path(tempfile.mkdtemp(prefix="ecg-upload-"))
    try:
        if len(files) == 2:
            path = _pack_wfdb(files, workdir)
            original = display_name(files[0].name or "").rsplit(".", 1)[0] + " (WFDB)"
        else:
            path = workdir / "upload"
            _copy(files[0], path)
            original = display_name(files[0].name or "")
        kind, file_format = validate_upload(path, fs=fs)
        if file_format == "wfdb":
            raise InputError(
                "A WFDB header needs its signal file: choose the .hea and .dat files together, "
                "or put both in one .zip."
            )
        return PreparedUpload(
            path=path,
            kind=kind,
            file_format=file_format,
            original_name=original,
            size_bytes=path.stat().st_size,
            sha256=_sha256(path),
        )
    except InputError:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    except Exception as error:
        shutil.rmtree(workdir, ignore_errors=True)
        raise InputError("The file could not be read as an ECG.") from error


@dataclass
class UploadOutcome:
    analysis: Analysis
    duplicate: bool  # True: the same file was uploaded before; this is its analysis


# --- Uploads -------------------------------------------------------------------------------


def recording_create(
    *,
    owner: User,
    files: Sequence[UploadedFile],
    fs: float | None = None,
    page: int | None = None,
    symptoms: Sequence[str] = (),
    symptom_note: str = "",
) -> UploadOutcome:
    """The one way an upload comes in (the page and the API call it): validate the file(s)
    by content, store them, and queue the analysis with every option the engine needs (the
    sampling rate ``fs`` typed for a CSV of bare samples); one transaction, queued on commit.

    The same file with the same options uploaded again by the same user is not stored
    twice: the earlier analysis is returned with ``duplicate=True``.
    Raises:
        InputError: the upload is not an ECG we can read (one line for the user); nothing
            is stored.
        QuotaExceeded: the person uploaded too much in the last hour or day.
    """
    _check_quota(owner)
    felt = _symptoms(symptoms)
    upload = upload_prepare(files=files, fs=fs)
    try:
        if page and upload.file_format != "pdf":
            raise InputError("A page number is only for a PDF; leave it empty for this file.")
        outcome = upload_store(owner=owner, upload=upload, fs=fs, page=page)
        if not outcome.duplicate and (felt or symptom_note.strip()):
            recording_symptoms_set(
                recording=outcome.analysis.recording, symptoms=felt, note=symptom_note
            )
        return outcome
    finally:
        upload.cleanup()


class QuotaExceeded(InputError):
    """Too many uploads from one person in the last hour or day (the message says which)."""


def uploads_left(owner: User) -> tuple[int, str]:
    """How many more uploads ``owner`` may store now under the per-person limits
    (``UPLOADS_PER_HOUR``, ``UPLOADS_PER_DAY``), counted from the database so every web
    process agrees; and, for the limit that binds, the reason to give once none is left."""
    now = timezone.now()
    recent = Recording.objects.filter(owner=owner, created_at__gte=now - timedelta(days=1))
    day_left = settings.UPLOADS_PER_DAY - recent.count()
    hour_left = (
        settings.UPLOADS_PER_HOUR - recent.filter(created_at__gte=now - timedelta(hours=1)).count()
    )
    if day_left <= hour_left:
        return max(day_left, 0), (
            f"You have uploaded {settings.UPLOADS_PER_DAY} files in the last 24 hours, the "
            "most we accept in a day. Your earlier results are kept; please try again tomorrow."
        )
    return max(hour_left, 0), (
        f"You have uploaded {settings.UPLOADS_PER_HOUR} files in the last hour, the most "
        "we accept in an hour. Please wait a little and try again."
    )


def _check_quota(owner: User) -> None:
    left, reason = uploads_left(owner)
    if left <= 0:
        raise QuotaExceeded(reason)


def upload_earlier(
    *, owner: User, sha256: str, fs: float | None, page: int | None = None
) -> Analysis | None:
    """The analysis of the same file (and options) ``owner`` uploaded before, if any."""
    return (
        Analysis.objects.filter(
            recording__owner=owner,
            recording__sha256=sha256,
            recording__sampling_rate=fs,
            recording__pdf_page=page,
        )
        .select_related("recording")
        .first()
    )


def upload_store(
    *,
    owner: User,
    upload: PreparedUpload,
    fs: float | None,
    page: int | None = None,
    symptoms: Sequence[str] = (),
) -> UploadOutcome:
    """Store a prepared upload as a ``Recording`` with a queued ``Analysis`` (one
    transaction; the task is sent on commit), unless the same file was uploaded before:
    then its earlier analysis, ``duplicate=True``. ``symptoms``: valid ``SYMPTOMS`` codes
    already known (an Apple Watch ECG's own)."""
    earlier = upload_earlier(owner=owner, sha256=upload.sha256, fs=fs, page=page)
    if earlier is not None:
        return UploadOutcome(analysis=earlier, duplicate=True)

    recording = Recording(
        owner=owner,
        kind=upload.kind,
        file_format=upload.file_format,
        original_name=upload.original_name,
        size_bytes=upload.size_bytes,
        sha256=upload.sha256,
        sampling_rate=fs,
        pdf_page=page,
        symptoms=" ".join(_symptoms(symptoms)),
    )
    try:
        with transaction.atomic():
            with upload.path.open("rb") as handle:
                recording.file.save("upload", File(handle), save=False)
            recording.save()
            analysis = Analysis.objects.create(recording=recording, enqueued_at=timezone.now())
            analysis_enqueue_on_commit(analysis_id=analysis.id)
    except Exception:
        # Nothing half-saved: a file written before a failed transaction is removed.
        if recording.file.name:
            recording.file.storage.delete(recording.file.name)
        raise
    return UploadOutcome(analysis=analysis, duplicate=False)


@transaction.atomic
def recording_delete(*, recording: Recording) -> None:
    """Delete a recording, its analyses and every stored file (the upload, traces, PDFs)."""
    analyses = list(recording.analyses.all())
    names = [recording.file.name] + [a.trace.name for a in analyses if a.trace]
    names += [name for a in analyses for name in reports.report_files(a)]
    storage = recording.file.storage
    recording.delete()

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)


def _symptoms(codes: Sequence[str]) -> list[str]:
    unknown = [code for code in codes if code not in SYMPTOMS]
    if unknown:
        raise InputError(f"Unknown symptom {unknown[0]!r}.")
    return list(dict.fromkeys(codes))


def recording_symptoms_set(*, recording: Recording, symptoms: Sequence[str], note: str) -> None:
    """What the person felt when they recorded (``SYMPTOMS`` codes and their own words);
    "no symptoms" cannot go with a symptom."""
    felt = _symptoms(symptoms)
    if "none" in felt and len(felt) > 1:
        raise InputError("Choose either no symptoms or the symptoms you felt, not both.")
    recording.symptoms = " ".join(felt)
    recording.symptom_note = note.strip()[:500]
    recording.save(update_fields=["symptoms", "symptom_note"])
