"""WFDB records: a ``.hea`` header with its signal files beside it."""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import (
    Record,
    check_fs,
    check_fs_agrees,
    check_length,
    choose_lead,
    finish,
)
from diagnosis.ml.readers.csv_files import scale_for_unit

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
WFDB_RECORD_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9_.\-~]+)(?:/(?P<nseg>\d+))?\s+(?P<nsig>\d+)(?:\s+(?P<fs>\S+))?"
    r"(?:\s+(?P<nsamp>\d+)(?=\s|$))?"
)
# WFDB's base time (SS, MM:SS or HH:MM:SS, optional fraction) and base date (dd/mm/yyyy).
_WFDB_TIME = re.compile(r"^\d{1,2}(?::\d{1,2}){0,2}(?:\.\d{1,6})?$")
_WFDB_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_DATE_WARNING = "The recording's date in the header is not in WFDB's format and was ignored."

# file format[xspf][:skew][+offset] [gain[(baseline)][/units] [res [zero [init [checksum
# [blocksize [description]]]]]]]; wfdb-python is lenient and would shift misplaced fields.
_WFDB_SIGNAL_LINE = re.compile(
    r"^\S+\s+\d+(?:x\d+)?(?::\d+)?(?:\+\d+)?"
    r"(?:\s+[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:\(-?\d+\))?(?:/\S*)?"
    r"(?:\s+-?\d+(?:\s+-?\d+(?:\s+-?\d+(?:\s+-?\d+(?:\s+\d+(?:\s+.*)?)?)?)?)?)?)?\s*$"
)


def looks_like_wfdb_header(text: str) -> bool:
    """Whether ``text`` starts like a WFDB header: a record line, then a signal line."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        return False
    m = WFDB_RECORD_LINE.match(lines[0])
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
    # A signal line starts with a file name ("100.dat", "~"), not a number: this keeps
    # space-separated integer samples ("1 16") from passing for a header.
    if len(parts) < 2 or not re.search(r"[A-Za-z_.~-]", parts[0]):
        return False
    fmt = re.match(r"^(\d+)", parts[1])
    return fmt is not None and fmt.group(1) in _WFDB_FORMATS


# --- WFDB ---------------------------------------------------------------------------------------


def check_signal_file_name(fname: str) -> None:
    """A header may only name files beside it: no folders, no '..', no absolute paths."""
    if not fname or fname != PurePosixPath(fname).name or "\\" in fname or fname in {".", ".."}:
        raise InputError(f"The WFDB header names an unsafe signal file ('{fname}').")


@dataclass(frozen=True)
class WfdbHeader:
    """A parsed, checked WFDB header: wfdb's header object, the lead names and the rate in Hz.

    ``record_line`` is the record line to give wfdb-python instead of the file's (None when
    the file's is fine); ``warnings`` say what was read leniently.
    """

    header: Any  # a wfdb.Record without samples (wfdb ships no type hints)
    leads: tuple[str, ...]
    fs: float
    record_line: str | None = None
    warnings: tuple[str, ...] = ()


def _record_line_fs(match: re.Match[str]) -> float:
    """The sampling rate of a record line (``360``, ``360/1000``, ``360(0)``), checked.

    wfdb-python silently assumes 250 Hz when the field is missing or unreadable (``-1``,
    ``nan``), which would put every beat at the wrong time: refuse instead.
    """
    field = match.group("fs")
    if field is None:
        raise InputError(
            "The WFDB header gives no sampling rate; add it after the number of signals on "
            "its first line (for example 'A00001 1 300 9000' for 300 Hz)."
        )
    value = re.split(r"[/(]", field, maxsplit=1)[0]
    try:
        fs = float(value)
    except ValueError:
        raise InputError(
            f"The WFDB header's sampling rate ('{field[:20]}') is not a number."
        ) from None
    return check_fs(fs, "The WFDB header")


def _wfdb_date_time_ok(fields: list[str]) -> bool:
    """Whether the fields after the sample count are a time and date wfdb-python can parse."""
    if len(fields) > 2 or not _WFDB_TIME.match(fields[0]):
        return False
    whole = fields[0].split(".")[0]
    try:
        datetime.strptime(whole, ("%S", "%M:%S", "%H:%M:%S")[whole.count(":")])
        if len(fields) == 2:
            if not _WFDB_DATE.match(fields[1]):
                return False
            datetime.strptime(fields[1], "%d/%m/%Y")
    except ValueError:
        return False
    return True


def _readable_record_line(line: str, match: re.Match[str]) -> str | None:
    """The record line without its base time/date when wfdb-python could not parse them
    (CinC 2017 writes ``2014-05-01 11:05:48``); None when the line is fine as it is."""
    rest = line[match.end() :].split()
    if not rest or (match.group("nsamp") is not None and _wfdb_date_time_ok(rest)):
        return None
    return line[: match.end()]


def wfdb_header(hea: Path) -> WfdbHeader:
    """Parse and sanity-check a WFDB header; check its signal files exist and are long enough."""
    import wfdb  # heavy import, only when needed

    try:
        text = hea.read_text(encoding="latin-1")
    except OSError as exc:
        raise InputError("The WFDB header could not be read.") from exc
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    m = WFDB_RECORD_LINE.match(lines[0]) if lines else None
    if m is None:
        raise InputError("The WFDB header's first line is not a valid record line.")
    if m.group("nseg"):
        raise InputError("Multi-segment WFDB records are not supported; upload a single record.")
    fs = _record_line_fs(m)
    nsig = int(m.group("nsig"))
    if nsig < 1:
        raise InputError("The WFDB header lists no signals.")
    if len(lines) - 1 != nsig:
        raise InputError(
            f"The WFDB header says there are {nsig} signals but describes {len(lines) - 1}."
        )
    for number, line in enumerate(lines[1:], start=1):
        check_signal_file_name(line.split()[0])
        if not _WFDB_SIGNAL_LINE.match(line):
            raise InputError(f"Signal line {number} of the WFDB header is malformed.")
    record_line = _readable_record_line(lines[0], m)
    notes = (_DATE_WARNING,) if record_line is not None else ()
    try:
        with warnings.catch_warnings(), as_hea(hea, record_line) as readable:
            warnings.simplefilter("ignore")
            header = wfdb.rdheader(str(readable.with_suffix("")))
    except InputError:
        raise
    except Exception as exc:  # wfdb raises many types on malformed headers
        raise InputError("The WFDB header is malformed and could not be read.") from exc
    names = list(header.sig_name or [])
    if len(names) != nsig:
        names = [f"signal {i + 1}" for i in range(nsig)]
    names = [n if n else f"signal {i + 1}" for i, n in enumerate(names)]

    files: dict[str, list[int]] = {}
    for i, fname in enumerate(header.file_name):
        check_signal_file_name(fname)
        files.setdefault(fname, []).append(i)
    sig_len = header.sig_len
    if sig_len is not None:
        check_length(int(sig_len), fs)
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
    return WfdbHeader(
        header=header, leads=tuple(names), fs=fs, record_line=record_line, warnings=notes
    )


@contextmanager
def as_hea(path: Path, record_line: str | None = None) -> Iterator[Path]:
    """A copy of the header that wfdb-python can open, in a private temp dir, with links to
    the signal files beside the original (the original is never changed).

    wfdb-python only opens ``<record>.hea``, so a header stored under another name needs a
    copy; ``record_line`` replaces the header's record line (to drop a date wfdb-python
    cannot parse). A ``.hea`` with nothing to replace is used as it is.
    """
    if path.suffix == ".hea" and record_line is None:
        yield path
        return
    tmp = Path(tempfile.mkdtemp(prefix="ecg-hea-"))
    try:
        hea = tmp / "record.hea"
        lines = path.read_text(encoding="latin-1").splitlines()
        body = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
        if record_line is not None and body:
            lines[body[0]] = record_line
        hea.write_text("\n".join(lines) + "\n", encoding="latin-1")
        for i in body[1:]:
            fname = lines[i].split()[0]
            check_signal_file_name(fname)
            target = path.parent / fname
            if target.is_file() and not (tmp / fname).exists():
                (tmp / fname).symlink_to(target.resolve())
        yield hea
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_wfdb(hea: Path, lead: str | None, fs: float | None) -> Record:
    """Read the chosen lead of the WFDB record whose header is ``hea`` as a Record.

    Digital samples are checked against the header's checksum (a mismatch is a warning:
    CinC 2017 headers all say 0), then converted with the header's gain and baseline and its
    units to mV; WFDB's invalid-sample value becomes NaN, a gap that :func:`finish` fills or
    leaves for the engine to mark as noise.
    """
    import wfdb

    info = wfdb_header(hea)
    header = info.header
    check_fs_agrees(info.fs, fs, "The WFDB header")
    idx = choose_lead(info.leads, lead)
    unit = header.units[idx] if header.units else None
    scale = scale_for_unit(unit, info.leads[idx])
    fmt = header.fmt[idx]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with as_hea(hea, info.record_line) as readable:
                rec = wfdb.rdrecord(str(readable.with_suffix("")), channels=[idx], physical=False)
    except InputError:
        raise
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
    notes = list(info.warnings)
    checksum = header.checksum[idx] if header.checksum else None
    spf = int(header.samps_per_frame[idx] or 1)
    # 16-bit checksum; writers differ on signed vs unsigned, so compare modulo 2**16. Real
    # records carry zero or stale checksums (CinC 2017): the WFDB tools warn, so do we.
    if checksum is not None and spf == 1 and (int(digital.sum()) - int(checksum)) % 65536:
        notes.append(
            f"The checksum in the WFDB header does not match lead {info.leads[idx]}'s samples; "
            "the samples were read anyway."
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
    return finish(signal * scale, info.fs, info.leads[idx], info.leads, warnings=notes)
