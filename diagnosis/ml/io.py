"""Readers for ECG records: WFDB (.hea + .dat, or a .zip holding one record), CSV and EDF.

Everything here is Django-free; the format readers live in :mod:`diagnosis.ml.readers`.
Pictures (a beat plot, a strip) are recognised here but read elsewhere: any file is read
through :func:`diagnosis.ml.pipeline.read_input`, which calls the right reader.
Inputs are recognised by their content (magic bytes, header text), the file extension is
only a hint, because uploads are stored under generated names.
Every failure is an :class:`~diagnosis.ml.errors.InputError` whose message is one plain-English
line that can be shown to the user.

Public API:

- :func:`read_record` -> :class:`Record` (one lead, float64 millivolts, its sampling rate) of a
  signal file; a picture is refused;
- :func:`locate` -> the file to read and its format (a WFDB record by name or signal file);
- :func:`detect_kind` -> ``"beat_image"``, ``"strip"`` (a picture or PDF of an ECG strip, read
  by :mod:`diagnosis.ml.strip`) or ``"record"``;
- :func:`sniff` -> the concrete format (``"png"``, ``"jpeg"``, ``"zip"``, ``"edf"``, ...);
- :func:`validate_upload` -> the cheap checks the upload form runs before anything is queued.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Literal

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import (
    EXTENSIONS,
    MAX_INPUT_BYTES,
    Record,
    check_fs_agrees,
    choose_lead,
    decode_text,
)
from diagnosis.ml.readers.csv_files import check_csv_head, read_csv
from diagnosis.ml.readers.edf_files import read_edf
from diagnosis.ml.readers.wfdb_files import as_hea, looks_like_wfdb_header, read_wfdb, wfdb_header
from diagnosis.ml.readers.zip_files import extracted_zip_record

__all__ = [
    "EXTENSIONS",
    "MAX_INPUT_BYTES",
    "PICTURES",
    "Format",
    "Kind",
    "Record",
    "choose_lead",
    "detect_kind",
    "locate",
    "read_record",
    "sniff",
    "validate_upload",
]

Format = Literal["png", "jpeg", "bmp", "heic", "pdf", "zip", "edf", "bdf", "wfdb", "csv"]
Kind = Literal["beat_image", "strip", "record"]
#: Formats that are pictures (a beat plot or a strip), read by :mod:`diagnosis.ml.pipeline`.
PICTURES: tuple[Format, ...] = ("png", "jpeg", "bmp", "heic", "pdf")
#: ISO base-media brands of HEIC/HEIF still images (iPhone photos are "heic").
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")

_SNIFF_BYTES = 64 * 1024
#: Files of a WFDB record that are read through the header beside them.
_WFDB_COMPANIONS = frozenset({".dat", ".mat", ".atr"})


# --- Content sniffing ---------------------------------------------------------------------------


def _head(path_or_bytes: str | os.PathLike[str] | bytes, n: int = _SNIFF_BYTES) -> bytes:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes[:n])
    path = Path(path_or_bytes)
    try:
        if not path.is_file():
            raise InputError(f"There is no file at '{path.name}'.")
        with path.open("rb") as fh:
            return fh.read(n)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"The file '{path.name}' could not be opened.") from exc


def _has_numeric_line(text: str) -> bool:
    number = re.compile(r'^\s*"?[-+\u2212]?(\d|[.,]\d)')
    return any(number.match(line) for line in text.splitlines()[:2000])


def sniff(path_or_bytes: str | os.PathLike[str] | bytes) -> Format:
    """Tell a file's format from its first bytes (its content, never its name).

    Args:
        path_or_bytes: a path, or the first bytes of an upload (64 KiB are enough).

    Returns:
        ``"png"``, ``"jpeg"``, ``"pdf"``, ``"zip"``, ``"edf"``, ``"bdf"``, ``"wfdb"`` (a WFDB
        header text) or ``"csv"`` (text holding numbers).

    Raises:
        InputError: empty, unreadable or unsupported content.
    """
    head = _head(path_or_bytes)
    if not head:
        raise InputError("The file is empty.")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return "bmp"  # the reserved bytes of a Windows bitmap header are zero
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if (
        head.startswith(b"0       ")
        and len(head) >= 256
        and re.fullmatch(rb"\s*\d+\s*", head[184:192])  # header size in bytes
        and re.fullmatch(rb"\s*\d+\s*", head[252:256])  # number of signals
    ):
        return "edf"
    if head.startswith(b"\xffBIOSEMI") and len(head) >= 256:
        return "bdf"
    text = decode_text(head)
    if text is not None:
        if looks_like_wfdb_header(text):
            return "wfdb"
        if _has_numeric_line(text):
            return "csv"
        raise InputError("This text file holds no numbers, so it is not an ECG recording.")
    if head.startswith((b"GIF8", b"II*\x00", b"MM\x00*")) or head[8:12] == b"WEBP":
        raise InputError("This image format is not supported: upload a PNG, JPEG, BMP or HEIC.")
    raise InputError(
        "This file is not a supported ECG format (WFDB, a .zip of a WFDB record, CSV, EDF, "
        "PNG, JPEG, BMP, HEIC or PDF)."
    )


def locate(path: str | os.PathLike[str]) -> tuple[Path, Format]:
    """Find the file to read and its format; the extension only helps WFDB's companion files.

    A WFDB record name without extension, or its ``.dat``/``.mat``/``.atr`` file, gives the
    ``.hea`` beside it.

    Raises:
        InputError: the file is missing, a folder, empty, too large or of no supported format.
    """
    p = Path(path)
    if not p.exists():
        # wfdb style: a record name without extension ("data/100").
        hea = p.with_name(p.name + ".hea")
        if hea.is_file():
            return hea, "wfdb"
        raise InputError(f"There is no file at '{p.name}'.")
    if p.is_dir():
        raise InputError(f"'{p.name}' is a folder, not a file.")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"The file '{p.name}' could not be opened.") from exc
    if size == 0:
        raise InputError("The file is empty.")
    if size > MAX_INPUT_BYTES:
        raise InputError(
            f"The file is too large ({size / 2**20:.0f} MB); the limit is "
            f"{MAX_INPUT_BYTES / 2**20:.0f} MB."
        )
    hea = p.with_suffix(".hea")
    # A WFDB signal or annotation file: read its record. ``.mat`` is a signal file with a
    # MATLAB v4 header that WFDB skips by byte offset (wfdb2mat, PhysioNet/CinC 2017).
    if p.suffix.lower() in _WFDB_COMPANIONS and hea.is_file():
        return hea, sniff(hea)
    try:
        return p, sniff(p)
    except InputError:
        # A WFDB signal file has no magic; if its header lies beside it, read that.
        if p.suffix.lower() in {*_WFDB_COMPANIONS, ".xws", ""} and hea.is_file() and hea != p:
            return hea, sniff(hea)
        if p.suffix.lower() in {".dat", ".mat"}:
            raise InputError(
                f"This is a WFDB signal file without its header: upload the .hea and "
                f"{p.suffix.lower()} together in a .zip."
            ) from None
        raise


def _check_given_fs(fs: float | None) -> None:
    """A rate given by the caller must be a positive number (the CLI's ``--fs nan``)."""
    if fs is not None and not (math.isfinite(fs) and fs > 0):
        raise InputError(
            f"The sampling rate given ({fs:g} Hz) is invalid; it must be a positive number."
        )


def detect_kind(path: str | os.PathLike[str]) -> Kind:
    """Say whether a file is a single-beat image, a picture of an ECG strip or a record.

    Pictures are told apart by content (:func:`diagnosis.ml.strip.classify_picture`: a
    millimetre grid, or a wide picture whose line has several QRS-like peaks, is a strip; a
    PDF is always a strip), which decodes the picture at a reduced size.

    Args:
        path: the file (an upload stored under any name, or a WFDB record name without
            extension).

    Returns:
        ``"beat_image"`` (read it with :func:`diagnosis.ml.image.read_beat_image`),
        ``"strip"`` (digitize it with :func:`diagnosis.ml.strip.digitize`) or ``"record"``
        for WFDB, zip, CSV or EDF (:func:`read_record`); :func:`diagnosis.ml.pipeline.read_input`
        reads any of them.

    Raises:
        InputError: the file is missing, empty, too large or of no supported format.
    """
    p, fmt = locate(path)
    if fmt in PICTURES:
        from diagnosis.ml.strip import classify_picture

        return classify_picture(p)
    return "record"


# --- Public entry points ------------------------------------------------------------------------


def read_record(
    path: str | os.PathLike[str], *, lead: str | None = None, fs: float | None = None
) -> Record:
    """Read one lead of an ECG record, in millivolts, at the file's own sampling rate.

    The format is recognised by content: a WFDB header (``.hea``; its ``.dat`` or ``.mat``
    must lie beside it; that path or a record name without extension also works), a ``.zip`` holding
    exactly one WFDB record, a CSV (one column of samples, a time column plus lead columns, or
    the Apple Watch Health export) or an EDF/EDF+/BDF file. A picture (PNG, JPEG, PDF) is
    refused: :func:`diagnosis.ml.pipeline.read_input` reads any file, pictures included.

    Args:
        path: the file.
        lead: the lead to return, by name (case-insensitive). Default: MLII when present, else
            the first ECG-looking lead, else the first.
        fs: sampling rate in Hz for files that do not state one (a CSV of bare samples). When
            the file states a rate and ``fs`` differs by more than 1%, InputError is raised.

    Returns:
        A :class:`Record`: ``signal`` of shape ``(n_samples,)`` float64 mV (read-only; NaN in
        gaps of missing samples longer than 0.5 s, shorter ones filled in), ``fs`` in Hz, the
        chosen ``lead``, all ``leads`` and ``warnings`` (what was read leniently: a wrong
        checksum, an unreadable date, gaps).

    Raises:
        InputError: for any unreadable, inconsistent or implausible input (one line, for users),
            or a picture.
    """
    _check_given_fs(fs)
    p, fmt = locate(path)
    if fmt in PICTURES:
        raise InputError(
            f"This is a picture ({fmt.upper()}), not a recorded signal; pictures are read by "
            "diagnosis.ml.pipeline.read_input."
        )
    try:
        if fmt == "wfdb":
            with as_hea(p) as hea:
                return read_wfdb(hea, lead, fs)
        if fmt == "zip":
            with extracted_zip_record(p) as hea:
                return read_wfdb(hea, lead, fs)
        if fmt in ("edf", "bdf"):
            record = read_edf(p, lead, fs)
            assert record is not None
            return record
        return read_csv(p, lead, fs)
    except InputError:
        raise
    except MemoryError as exc:
        raise InputError("The recording is too large to read.") from exc
    except Exception as exc:  # last line of defence: no traceback ever reaches the user
        raise InputError("The file could not be read as an ECG recording.") from exc


def validate_upload(
    path: str | os.PathLike[str], *, lead: str | None = None, fs: float | None = None
) -> Kind:
    """Cheap checks an upload form runs before storing and queueing a file.

    Checks the size cap and the content type, then the header only: image dimensions and
    Pillow verify, then a reduced-size decode to tell a beat image from a strip; a PDF's page
    count; WFDB/zip header sanity, safe zip members, zip-bomb limits and
    signal-file sizes (nothing is decompressed); EDF header (rate, duration); for CSV, its
    first 256 KB (layout, columns, rate, lead). A file that passes may still fail in
    :func:`read_record`, in the worker (for example a flat line, too few valid samples, or a
    bad row further down a CSV).

    Args:
        path: the uploaded file, under any name.
        lead: the lead the user asked for, if any; it must exist in the file.
        fs: the sampling rate the user gave, if any; it must agree with a rate the file states.

    Returns:
        ``"beat_image"``, ``"strip"`` or ``"record"``, as :func:`detect_kind`.

    Raises:
        InputError: with a one-line reason to show the user.
    """
    _check_given_fs(fs)
    p, fmt = locate(path)
    try:
        if fmt in PICTURES:
            from diagnosis.ml.strip import classify_picture

            return classify_picture(p)  # decodes within the pixel cap (image.check_image)
        if fmt == "wfdb":
            with as_hea(p) as hea:
                info = wfdb_header(hea)
            check_fs_agrees(info.fs, fs, "The WFDB header")
            choose_lead(info.leads, lead)
        elif fmt == "zip":
            with extracted_zip_record(p, header_only=True) as hea:
                info = wfdb_header(hea)
            check_fs_agrees(info.fs, fs, "The WFDB header")
            choose_lead(info.leads, lead)
        elif fmt in ("edf", "bdf"):
            read_edf(p, lead, fs, header_only=True)
        else:
            check_csv_head(p, lead, fs)
    except InputError:
        raise
    except Exception as exc:
        raise InputError("The file could not be read as an ECG recording.") from exc
    return "record"
