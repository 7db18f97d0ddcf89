"""Readers for ECG records: WFDB (.hea + .dat, or a .zip holding one record), CSV and EDF.

Everything here is Django-free. Inputs are recognised by their content (magic bytes, header
text), the file extension is only a hint, because uploads are stored under generated names.
Every failure is an :class:`~diagnosis.ml.errors.InputError` whose message is one plain-English
line that can be shown to the user.

Public API:

- :func:`read_record` -> :class:`Record` (one lead, float64 millivolts, its sampling rate);
- :func:`detect_kind` -> ``"beat_image"`` or ``"record"``;
- :func:`sniff` -> the concrete format (``"png"``, ``"jpeg"``, ``"zip"``, ``"edf"``, ...);
- :func:`validate_upload` -> the cheap checks the upload form runs before anything is queued.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np

from diagnosis.ml.csvread import (
    CsvTable,
    parse_csv_text,
    scale_for_unit,
)
from diagnosis.ml.errors import InputError

__all__ = [
    "EXTENSIONS",
    "IMAGE_EXTENSIONS",
    "MAX_DURATION_S",
    "MAX_FS",
    "MAX_INPUT_BYTES",
    "MAX_SAMPLES",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "MAX_ZIP_UNCOMPRESSED_BYTES",
    "MIN_DURATION_S",
    "MIN_FS",
    "RECORD_EXTENSIONS",
    "Format",
    "Record",
    "choose_lead",
    "detect_kind",
    "read_record",
    "sniff",
    "validate_upload",
]

# --- Limits shared with the upload layer -------------------------------------------------------

#: Lowest and highest sampling rate accepted, in Hz. ECG is never sampled outside this range;
#: a value outside it means the header lies or the wrong rate was given.
MIN_FS = 50.0
MAX_FS = 10_000.0
#: Shortest record accepted, in seconds: one needs at least a couple of beats.
MIN_DURATION_S = 2.0
#: Longest record accepted, in seconds (a 24-hour Holter recording).
MAX_DURATION_S = 24 * 3600.0
#: Hard cap on the samples of the chosen lead (float64: 400 MB), whatever the rate.
MAX_SAMPLES = 50_000_000
#: Largest file read (a 24 h two-lead 360 Hz WFDB record is about 93 MB; CSV is bigger).
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: Zip archives: cap on the summed uncompressed size, the number of members, and the
#: per-member compression ratio (ECG data compresses 2-5x; zip bombs compress 1000x).
MAX_ZIP_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_ZIP_MEMBERS = 32
MAX_ZIP_RATIO = 100.0
#: Members smaller than this are not held to the ratio (tiny text compresses well).
_ZIP_RATIO_MIN_BYTES = 1024 * 1024

#: Extensions the upload form may list (content decides, these are only hints).
IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg")
RECORD_EXTENSIONS: tuple[str, ...] = (".hea", ".zip", ".csv", ".txt", ".edf", ".bdf")
EXTENSIONS: tuple[str, ...] = IMAGE_EXTENSIONS + RECORD_EXTENSIONS

Format = Literal["png", "jpeg", "zip", "edf", "bdf", "wfdb", "csv"]

_SNIFF_BYTES = 64 * 1024
_WFDB_FORMATS = {"8", "16", "24", "32", "61", "80", "160", "212", "310", "311", "508", "516", "524"}
# Bytes per sample for the uncompressed WFDB formats (used to spot truncated .dat files).
_WFDB_BYTES_PER_SAMPLE = {
    "8": 1.0,
    "16": 2.0,
    "24": 3.0,
    "32": 4.0,
    "61": 2.0,
    "80": 1.0,
    "160": 2.0,
    "212": 1.5,
    "310": 4 / 3,
    "311": 4 / 3,
}
# The digital value WFDB uses for "no sample here" in each format.
_WFDB_INVALID = {
    "8": -128,
    "80": -128,
    "508": -128,
    "16": -32768,
    "61": -32768,
    "160": -32768,
    "516": -32768,
    "24": -(2**23),
    "524": -(2**23),
    "32": -(2**31),
    "212": -2048,
    "310": -512,
    "311": -512,
}
_WFDB_RECORD_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9_.\-~]+)(?:/(?P<nseg>\d+))?\s+(?P<nsig>\d+)(?:\s+(?P<fs>\S+))?"
    r"(?:\s+(?P<nsamp>\d+))?"
)

# file format[xspf][:skew][+offset] [gain[(baseline)][/units] [res [zero [init [checksum
# [blocksize [description]]]]]]]; wfdb-python is lenient and would shift misplaced fields.
_WFDB_SIGNAL_LINE = re.compile(
    r"^\S+\s+\d+(?:x\d+)?(?::\d+)?(?:\+\d+)?"
    r"(?:\s+[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:\(-?\d+\))?(?:/\S*)?"
    r"(?:\s+-?\d+(?:\s+-?\d+(?:\s+-?\d+(?:\s+-?\d+(?:\s+\d+(?:\s+.*)?)?)?)?)?)?)?\s*$"
)


@dataclass(frozen=True)
class Record:
    """One ECG lead read from a file.

    Attributes:
        signal: shape ``(n_samples,)``, float64, millivolts; the chosen lead only.
        fs: sampling rate of ``signal`` in Hz (the file's own rate, not resampled).
        lead: name of the chosen lead, as the file spells it.
        leads: names of every lead in the file, in file order.
    """

    signal: np.ndarray
    fs: float
    lead: str
    leads: tuple[str, ...]


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


_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13))
_HIGH_BYTES = bytes(range(127, 256))


def _decode_text(data: bytes) -> str | None:
    """Decode bytes as text, or return None when they are clearly binary."""
    if b"\x00" in data:
        return None
    # Counted on the bytes (C speed): text has almost no control characters.
    if len(data) - len(data.translate(None, _CONTROL_BYTES)) > max(2, len(data) // 100):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Legacy 8-bit text (Windows-1252, Latin-1) is still mostly ASCII; binary data is not.
    if len(data) - len(data.translate(None, _HIGH_BYTES)) > max(2, len(data) // 20):
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _looks_like_wfdb_header(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        return False
    m = _WFDB_RECORD_LINE.match(lines[0])
    if not m or "," in lines[0] or ";" in lines[0]:
        return False
    nsig = int(m.group("nsig"))
    if m.group("nseg"):
        return True  # multi-segment header: recognised, refused later with a clear message
    if nsig == 0:
        return False
    if len(lines) < 2:
        # Header cut short right after the record line: still a WFDB header (refused later).
        return m.group("fs") is not None
    parts = lines[1].split()
    if len(parts) < 2:
        return False
    fmt = re.match(r"^(\d+)", parts[1])
    return fmt is not None and fmt.group(1) in _WFDB_FORMATS


def _has_numeric_line(text: str) -> bool:
    number = re.compile(r'^\s*"?[-+\u2212]?(\d|[.,]\d)')
    return any(number.match(line) for line in text.splitlines()[:2000])


def sniff(path_or_bytes: str | os.PathLike[str] | bytes) -> Format:
    """Tell a file's format from its first bytes (its content, never its name).

    Args:
        path_or_bytes: a path, or the first bytes of an upload (64 KiB are enough).

    Returns:
        ``"png"``, ``"jpeg"``, ``"zip"``, ``"edf"``, ``"bdf"``, ``"wfdb"`` (a WFDB header text)
        or ``"csv"`` (text holding numbers).

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
    text = _decode_text(head)
    if text is not None:
        if _looks_like_wfdb_header(text):
            return "wfdb"
        if _has_numeric_line(text):
            return "csv"
        raise InputError("This text file holds no numbers, so it is not an ECG recording.")
    if head.startswith((b"GIF8", b"BM", b"II*\x00", b"MM\x00*")) or head[8:12] == b"WEBP":
        raise InputError("This image format is not supported: upload a PNG or JPEG.")
    if head.startswith(b"%PDF"):
        raise InputError("PDF files are not supported: upload the recording itself or a PNG/JPEG.")
    raise InputError(
        "This file is not a supported ECG format (WFDB, a .zip of a WFDB record, CSV, EDF, "
        "PNG or JPEG)."
    )


def _resolve(path: str | os.PathLike[str]) -> tuple[Path, Format]:
    """Find the file to read and its format; the extension only helps WFDB's companion files."""
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
    if p.suffix.lower() in {".dat", ".atr"} and hea.is_file():
        return hea, sniff(hea)  # a WFDB signal or annotation file: read its record
    try:
        return p, sniff(p)
    except InputError:
        # A WFDB signal file has no magic; if its header lies beside it, read that.
        hea = p.with_suffix(".hea")
        if p.suffix.lower() in {".dat", ".atr", ".xws", ""} and hea.is_file() and hea != p:
            return hea, sniff(hea)
        if p.suffix.lower() == ".dat":
            raise InputError(
                "This is a WFDB signal file without its header: upload the .hea and .dat "
                "together in a .zip."
            ) from None
        raise


def detect_kind(path: str | os.PathLike[str]) -> Literal["beat_image", "record"]:
    """Say whether a file is a single-beat image or an ECG record, by its content.

    Args:
        path: the file (an upload stored under any name, or a WFDB record name without
            extension).

    Returns:
        ``"beat_image"`` for a PNG or JPEG (read it with
        :func:`diagnosis.ml.image.read_beat_image`), ``"record"`` for WFDB, zip, CSV or EDF
        (read it with :func:`read_record`).

    Raises:
        InputError: the file is missing, empty, too large or of no supported format.
    """
    _, fmt = _resolve(path)
    return "beat_image" if fmt in ("png", "jpeg") else "record"


# --- Lead choice and final checks ---------------------------------------------------------------

_ECG_LEAD_NAMES = {
    "i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6",
    "mli", "mlii", "mliii", "ecg", "ekg", "d1", "d2", "d3",
}  # fmt: skip


def _norm_lead(name: str) -> str:
    s = name.strip().lower()
    s = re.sub(r"^(lead|ecg|ekg)[\s_:.-]*", "", s)
    s = re.sub(r"[^0-9a-zµ]", "", s)
    return s or name.strip().lower()


def choose_lead(leads: Sequence[str], lead: str | None = None) -> int:
    """Pick the index of the lead to analyse.

    With ``lead`` given, the match is by name, case-insensitive, ignoring spaces and a leading
    "Lead"/"ECG" (so ``"mlii"`` finds ``"MLII"`` and ``"I"`` finds ``"Lead I"``). Without it:
    MLII when present, else the first lead whose name looks like an ECG lead, else the first.

    Args:
        leads: the lead names in file order.
        lead: the requested name, or None.

    Returns:
        An index into ``leads``.

    Raises:
        InputError: the requested lead is not in the file (the message lists the leads).
    """
    if not leads:
        raise InputError("The file holds no signals.")
    if lead is not None:
        wanted = lead.strip().lower()
        for i, name in enumerate(leads):
            if name.strip().lower() == wanted:
                return i
        for i, name in enumerate(leads):
            if _norm_lead(name) == _norm_lead(lead):
                return i
        raise InputError(
            f"There is no lead named '{lead}' in this file; its leads are: {', '.join(leads)}."
        )
    norms = [_norm_lead(n) for n in leads]
    if "mlii" in norms:
        return norms.index("mlii")
    for i, (name, norm) in enumerate(zip(leads, norms, strict=True)):
        if norm in _ECG_LEAD_NAMES or re.search(r"ecg|ekg", name, re.IGNORECASE):
            return i
    return 0


def _check_fs(fs: float, where: str) -> float:
    if not math.isfinite(fs) or fs <= 0:
        raise InputError(f"{where} gives an invalid sampling rate ({fs}).")
    if not MIN_FS <= fs <= MAX_FS:
        raise InputError(
            f"{where} gives a sampling rate of {fs:g} Hz; only {MIN_FS:g} to {MAX_FS:g} Hz "
            "is accepted for ECG."
        )
    return float(fs)


def _check_length(n_samples: int, fs: float) -> None:
    if n_samples <= 0:
        raise InputError("The recording holds no samples.")
    duration = n_samples / fs
    if duration < MIN_DURATION_S:
        raise InputError(
            f"The recording is too short ({n_samples} sample{'s' if n_samples != 1 else ''}, "
            f"{duration:.2f} s); at least {MIN_DURATION_S:g} s are needed."
        )
    if duration > MAX_DURATION_S or n_samples > MAX_SAMPLES:
        raise InputError(
            f"The recording is too long ({duration / 3600:.1f} h, {n_samples} samples); "
            f"the limit is {MAX_DURATION_S / 3600:g} h and {MAX_SAMPLES} samples."
        )


def _check_fs_agrees(stated: float, given: float | None, where: str) -> None:
    if given is not None and abs(given - stated) > 0.01 * stated:
        raise InputError(
            f"{where} says the sampling rate is {stated:g} Hz but {given:g} Hz was given; "
            "leave the rate out or correct it."
        )


def _finish(signal: np.ndarray, fs: float, lead: str, leads: Sequence[str]) -> Record:
    sig = np.ascontiguousarray(signal, dtype=np.float64).reshape(-1)
    _check_length(sig.size, fs)
    bad = ~np.isfinite(sig)
    if bad.any():
        first = int(np.argmax(bad))
        raise InputError(
            f"Lead {lead} has {int(bad.sum())} missing or invalid values (NaN or infinity), "
            f"the first at sample {first}."
        )
    ptp = float(np.ptp(sig))
    if ptp < 0.005:
        raise InputError(
            f"Lead {lead} is a flat line (it varies by only {ptp:.4g} mV); check the "
            "electrodes, or the units if the values are in volts."
        )
    sig.setflags(write=False)
    return Record(signal=sig, fs=float(fs), lead=lead, leads=tuple(leads))


# --- WFDB ---------------------------------------------------------------------------------------


def _check_signal_file_name(fname: str) -> None:
    """A header may only name files beside it: no folders, no '..', no absolute paths."""
    if not fname or fname != PurePosixPath(fname).name or "\\" in fname or fname in {".", ".."}:
        raise InputError(f"The WFDB header names an unsafe signal file ('{fname}').")


@dataclass(frozen=True)
class _WfdbHeader:
    header: object  # wfdb.Record without samples
    leads: tuple[str, ...]
    fs: float


def _wfdb_header(hea: Path) -> _WfdbHeader:
    """Parse and sanity-check a WFDB header; check its signal files exist and are long enough."""
    import wfdb  # heavy import, only when needed

    try:
        text = hea.read_text(encoding="latin-1")
    except OSError as exc:
        raise InputError("The WFDB header could not be read.") from exc
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    m = _WFDB_RECORD_LINE.match(lines[0]) if lines else None
    if m is None:
        raise InputError("The WFDB header's first line is not a valid record line.")
    if m.group("nseg"):
        raise InputError("Multi-segment WFDB records are not supported; upload a single record.")
    nsig = int(m.group("nsig"))
    if nsig < 1:
        raise InputError("The WFDB header lists no signals.")
    if len(lines) - 1 != nsig:
        raise InputError(
            f"The WFDB header says there are {nsig} signals but describes {len(lines) - 1}."
        )
    for number, line in enumerate(lines[1:], start=1):
        _check_signal_file_name(line.split()[0])
        if not _WFDB_SIGNAL_LINE.match(line):
            raise InputError(f"Signal line {number} of the WFDB header is malformed.")
    record_name = str(hea.with_suffix(""))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = wfdb.rdheader(record_name)
    except Exception as exc:  # wfdb raises many types on malformed headers
        raise InputError("The WFDB header is malformed and could not be read.") from exc
    fs = _check_fs(float(header.fs or 0), "The WFDB header")
    names = list(header.sig_name or [])
    if len(names) != nsig:
        names = [f"signal {i + 1}" for i in range(nsig)]
    names = [n if n else f"signal {i + 1}" for i, n in enumerate(names)]

    files: dict[str, list[int]] = {}
    for i, fname in enumerate(header.file_name):
        _check_signal_file_name(fname)
        files.setdefault(fname, []).append(i)
    sig_len = header.sig_len
    if sig_len is not None:
        _check_length(int(sig_len), fs)
    for fname, idx in files.items():
        dat = hea.parent / fname
        if not dat.is_file():
            raise InputError(f"The signal file '{fname}' named in the WFDB header is missing.")
        fmts = {header.fmt[i] for i in idx}
        if not sig_len or not fmts <= _WFDB_BYTES_PER_SAMPLE.keys():
            continue  # length unknown, or a compressed format: wfdb checks those itself
        spf = [int(header.samps_per_frame[i] or 1) for i in idx]
        per_frame = sum(
            s * _WFDB_BYTES_PER_SAMPLE[header.fmt[i]] for s, i in zip(spf, idx, strict=True)
        )
        offset = int(header.byte_offset[idx[0]] or 0)
        expected = offset + math.ceil(sig_len * per_frame)
        actual = dat.stat().st_size
        if actual + 1 < expected:
            raise InputError(
                f"The signal file '{fname}' is shorter than its header says ({actual} bytes, "
                f"{expected} expected): it is truncated or the header is wrong."
            )
        if actual > 1.5 * expected + 1024:
            raise InputError(
                f"The signal file '{fname}' is much longer than its header says ({actual} bytes, "
                f"{expected} expected): the header lists the wrong number of signals or samples."
            )
    return _WfdbHeader(header=header, leads=tuple(names), fs=fs)


@contextmanager
def _as_hea(path: Path) -> Iterator[Path]:
    """wfdb-python only opens ``<record>.hea``: give a header stored under another name one,
    in a private temp dir, with links to the signal files beside the original."""
    if path.suffix == ".hea":
        yield path
        return
    tmp = Path(tempfile.mkdtemp(prefix="ecg-hea-"))
    try:
        hea = tmp / "record.hea"
        shutil.copyfile(path, hea)
        for line in hea.read_text(encoding="latin-1").splitlines()[1:]:
            parts = line.split()
            if parts and not line.lstrip().startswith("#"):
                _check_signal_file_name(parts[0])
                target = path.parent / parts[0]
                if target.is_file() and not (tmp / parts[0]).exists():
                    (tmp / parts[0]).symlink_to(target.resolve())
        yield hea
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_wfdb(hea: Path, lead: str | None, fs: float | None) -> Record:
    import wfdb

    info = _wfdb_header(hea)
    header = info.header
    _check_fs_agrees(info.fs, fs, "The WFDB header")
    idx = choose_lead(info.leads, lead)
    unit = header.units[idx] if header.units else None
    scale = scale_for_unit(unit, info.leads[idx])
    fmt = header.fmt[idx]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec = wfdb.rdrecord(str(hea.with_suffix("")), channels=[idx], physical=False)
    except Exception as exc:
        raise InputError(
            "The WFDB signal file could not be read: it is damaged or does not match its header."
        ) from exc
    if rec.d_signal is None or rec.d_signal.ndim != 2 or rec.d_signal.shape[1] != 1:
        raise InputError("The WFDB signal file does not match its header.")
    digital = rec.d_signal[:, 0].astype(np.int64)
    if header.sig_len and digital.size < header.sig_len:
        raise InputError(
            f"The WFDB signal file holds {digital.size} samples but its header promises "
            f"{header.sig_len}: it is truncated."
        )
    checksum = header.checksum[idx] if header.checksum else None
    spf = int(header.samps_per_frame[idx] or 1)
    # 16-bit checksum; writers differ on signed vs unsigned, so compare modulo 2**16.
    if checksum is not None and spf == 1 and (int(digital.sum()) - int(checksum)) % 65536:
        raise InputError(
            f"Lead {info.leads[idx]}'s samples do not match the checksum in the WFDB header: "
            "the signal file is damaged or the header is wrong."
        )
    gain = float(header.adc_gain[idx] or 0.0)
    if not math.isfinite(gain) or gain < 0:
        raise InputError(f"The WFDB header gives an invalid gain for lead {info.leads[idx]}.")
    if gain == 0:
        gain = 200.0  # WFDB: a zero gain means "uncalibrated", read with the default 200 adu/mV
    baseline = float(header.baseline[idx] or 0)
    signal = (digital - baseline) / gain
    invalid = _WFDB_INVALID.get(fmt)
    if invalid is not None:
        signal[digital == invalid] = np.nan
    return _finish(signal * scale, info.fs, info.leads[idx], info.leads)


# --- Zip holding one WFDB record ---------------------------------------------------------------


def _zip_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Check every member is safe; return the regular files by their path in the archive."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(
            f"The zip file holds {len(infos)} entries; at most {MAX_ZIP_MEMBERS} are accepted."
        )
    total = 0
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise InputError(f"The zip file holds an unsafe path ('{info.filename}').")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(f"The zip file holds a symbolic link ('{info.filename}').")
        if info.flag_bits & 0x1:
            raise InputError("The zip file is encrypted; upload it without a password.")
        if info.is_dir():
            continue
        total += info.file_size
        if total > MAX_ZIP_UNCOMPRESSED_BYTES:
            raise InputError(
                f"The zip file unpacks to more than {MAX_ZIP_UNCOMPRESSED_BYTES / 2**20:.0f} MB."
            )
        if info.file_size > _ZIP_RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            raise InputError(
                f"The zip file is compressed suspiciously well ('{info.filename}' by "
                f"{info.file_size / max(info.compress_size, 1):.0f}x); it is refused as a "
                "possible zip bomb."
            )
        base = PurePosixPath(name).name
        if parts and (parts[0] == "__MACOSX" or base.startswith("._") or base == ".DS_Store"):
            continue  # macOS metadata
        members[name] = info
    return members


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise InputError("The zip file is damaged and could not be opened.") from exc


def _zip_record(zf: zipfile.ZipFile) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    """Return the .hea member of the single WFDB record in the archive, and all members."""
    members = _zip_members(zf)
    if not members:
        raise InputError("The zip file is empty.")
    headers = sorted(n for n in members if n.lower().endswith(".hea"))
    if not headers:
        raise InputError("The zip file holds no WFDB header (.hea); it must hold one WFDB record.")
    if len(headers) > 1:
        names = ", ".join(PurePosixPath(h).stem for h in headers[:5])
        raise InputError(
            f"The zip file holds {len(headers)} WFDB records ({names}); "
            "upload one record at a time."
        )
    return headers[0], members


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: list[int]) -> None:
    """Stream one member to ``dest``, counting real bytes (a member's declared size can lie)."""
    try:
        with zf.open(info) as src, dest.open("wb") as out:
            while chunk := src.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise InputError(
                        "The zip file unpacks to more than "
                        f"{MAX_ZIP_UNCOMPRESSED_BYTES / 2**20:.0f} MB."
                    )
                out.write(chunk)
    except InputError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputError(f"The zip file is damaged ('{info.filename}' could not be read).") from exc


@contextmanager
def _extracted_zip_record(path: Path, header_only: bool = False) -> Iterator[Path]:
    """Extract the zip's one WFDB record into a private temp dir; yield the .hea path there."""
    zf = _open_zip(path)
    tmp = Path(tempfile.mkdtemp(prefix="ecg-zip-"))
    try:
        with zf:
            hea_name, members = _zip_record(zf)
            folder = PurePosixPath(hea_name).parent
            budget = [MAX_ZIP_UNCOMPRESSED_BYTES]
            hea = tmp / PurePosixPath(hea_name).name
            _copy_member(zf, members[hea_name], hea, budget)
            text = hea.read_text(encoding="latin-1")
            if not _looks_like_wfdb_header(text):
                raise InputError("The .hea file in the zip is not a valid WFDB header.")
            wanted = set()
            for line in [ln.strip() for ln in text.splitlines()][1:]:
                if line and not line.startswith("#"):
                    wanted.add(line.split()[0])
            for fname in wanted:
                _check_signal_file_name(fname)
                member = str(folder / fname) if str(folder) != "." else fname
                info = members.get(member)
                if info is None:
                    raise InputError(
                        f"The zip file lacks the signal file '{fname}' named in its WFDB header."
                    )
                if header_only:
                    # Cheap check: a placeholder with the declared size is enough for the
                    # header's size checks, without decompressing anything.
                    with (tmp / fname).open("wb") as out:
                        out.truncate(info.file_size)
                else:
                    _copy_member(zf, info, tmp / fname, budget)
        yield hea
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- EDF / EDF+ / BDF ---------------------------------------------------------------------------


@contextmanager
def _edf_reader(path: Path) -> Iterator[object]:
    import pyedflib

    try:
        reader = pyedflib.EdfReader(str(path))
    except Exception as exc:  # pyedflib raises OSError with C-level messages
        raise InputError(
            "The EDF file could not be read: it is damaged, truncated or not a valid EDF/EDF+ "
            "file (discontinuous EDF+D files are not supported)."
        ) from exc
    try:
        yield reader
    finally:
        reader.close()


def _edf_info(reader: object) -> tuple[tuple[str, ...], int]:
    n = int(reader.signals_in_file)  # type: ignore[attr-defined]
    if n < 1:
        raise InputError("The EDF file holds no signals.")
    labels = [str(reader.getLabel(i)).strip() or f"signal {i + 1}" for i in range(n)]  # type: ignore[attr-defined]
    return tuple(labels), n


def _read_edf(
    path: Path, lead: str | None, fs: float | None, header_only: bool = False
) -> Record | None:
    with _edf_reader(path) as reader:
        leads, _ = _edf_info(reader)
        idx = choose_lead(leads, lead)
        rate = _check_fs(float(reader.getSampleFrequency(idx)), "The EDF header")  # type: ignore[attr-defined]
        _check_fs_agrees(rate, fs, "The EDF header")
        n = int(reader.getNSamples()[idx])  # type: ignore[attr-defined]
        _check_length(n, rate)
        unit = str(reader.getPhysicalDimension(idx)).strip()  # type: ignore[attr-defined]
        scale = scale_for_unit(unit, leads[idx])
        if header_only:
            return None
        try:
            signal = np.asarray(reader.readSignal(idx), dtype=np.float64)  # type: ignore[attr-defined]
        except Exception as exc:
            raise InputError("The EDF file's samples could not be read: it is damaged.") from exc
    return _finish(signal * scale, rate, leads[idx], leads)


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv_table(path: Path, fs: float | None) -> CsvTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("The CSV file could not be read.") from exc
    text = _decode_text(data)
    if text is None:
        raise InputError("The file is not text, so it cannot be read as CSV.")
    return parse_csv_text(text, fs=fs)


def _read_csv(path: Path, lead: str | None, fs: float | None) -> Record:
    table = _read_csv_table(path, fs)
    rate = _check_fs(table.fs, "The CSV file" if fs is None else "The given rate")
    idx = choose_lead(table.leads, lead)
    signal = table.columns[idx] * scale_for_unit(table.units[idx], table.leads[idx])
    return _finish(signal, rate, table.leads[idx], table.leads)


# --- Public entry points ------------------------------------------------------------------------


def read_record(
    path: str | os.PathLike[str], *, lead: str | None = None, fs: float | None = None
) -> Record:
    """Read one lead of an ECG record, in millivolts, at the file's own sampling rate.

    The format is recognised by content: a WFDB header (``.hea``; its ``.dat`` must lie beside
    it; a ``.dat`` path or a record name without extension also works), a ``.zip`` holding
    exactly one WFDB record, a CSV (one column of samples, a time column plus lead columns, or
    the Apple Watch Health export) or an EDF/EDF+/BDF file.

    Args:
        path: the file.
        lead: the lead to return, by name (case-insensitive). Default: MLII when present, else
            the first ECG-looking lead, else the first.
        fs: sampling rate in Hz for files that do not state one (a CSV of bare samples). When
            the file states a rate and ``fs`` differs by more than 1%, InputError is raised.

    Returns:
        A :class:`Record`: ``signal`` of shape ``(n_samples,)`` float64 mV (read-only), ``fs``
        in Hz, the chosen ``lead`` and all ``leads``.

    Raises:
        InputError: for any unreadable, inconsistent or implausible input (one line, for users).
    """
    p, fmt = _resolve(path)
    if fmt in ("png", "jpeg"):
        raise InputError("This is an image, not an ECG record; read it as a beat image.")
    try:
        if fmt == "wfdb":
            with _as_hea(p) as hea:
                return _read_wfdb(hea, lead, fs)
        if fmt == "zip":
            with _extracted_zip_record(p) as hea:
                return _read_wfdb(hea, lead, fs)
        if fmt in ("edf", "bdf"):
            record = _read_edf(p, lead, fs)
            assert record is not None
            return record
        return _read_csv(p, lead, fs)
    except InputError:
        raise
    except MemoryError as exc:
        raise InputError("The recording is too large to read.") from exc
    except Exception as exc:  # last line of defence: no traceback ever reaches the user
        raise InputError("The file could not be read as an ECG recording.") from exc


def validate_upload(path: str | os.PathLike[str], *, fs: float | None = None) -> str:
    """Cheap checks an upload form runs before storing and queueing a file.

    Checks the size cap and the content type, then the header only: image dimensions and
    Pillow verify (no decoding); WFDB/zip header sanity, safe zip members, zip-bomb limits and
    signal-file sizes (nothing is decompressed); EDF header (rate, duration); for CSV, that it
    parses and its sampling rate can be found (or ``fs`` is given). A file that passes may still
    fail in :func:`read_record` (for example a flat line or NaN samples).

    Args:
        path: the uploaded file, under any name.
        fs: the sampling rate the user gave, if any (CSV only).

    Returns:
        ``"beat_image"`` or ``"record"``, as :func:`detect_kind`.

    Raises:
        InputError: with a one-line reason to show the user.
    """
    p, fmt = _resolve(path)
    try:
        if fmt in ("png", "jpeg"):
            from diagnosis.ml.image import check_image

            check_image(p)
            return "beat_image"
        if fmt == "wfdb":
            with _as_hea(p) as hea:
                info = _wfdb_header(hea)
            _check_fs_agrees(info.fs, fs, "The WFDB header")
        elif fmt == "zip":
            with _extracted_zip_record(p, header_only=True) as hea:
                info = _wfdb_header(hea)
                _check_fs_agrees(info.fs, fs, "The WFDB header")
        elif fmt in ("edf", "bdf"):
            _read_edf(p, None, fs, header_only=True)
        else:
            table = _read_csv_table(p, fs)
            _check_fs(table.fs, "The CSV file" if fs is None else "The given rate")
            _check_length(table.n_samples, table.fs)
    except InputError:
        raise
    except Exception as exc:
        raise InputError("The file could not be read as an ECG recording.") from exc
    return "record"
