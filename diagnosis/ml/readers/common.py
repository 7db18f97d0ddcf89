"""What every reader shares: the limits, the Record type, lead choice and the final checks."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from diagnosis.ml.errors import InputError

# --- Limits shared with the upload layer ---------------------------------------------------

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
ZIP_RATIO_MIN_BYTES = 1024 * 1024

#: Extensions the upload form may list (content decides, these are only hints).
IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg")
RECORD_EXTENSIONS: tuple[str, ...] = (".hea", ".zip", ".csv", ".txt", ".edf", ".bdf")
EXTENSIONS: tuple[str, ...] = IMAGE_EXTENSIONS + RECORD_EXTENSIONS


@dataclass(frozen=True)
class Record:
    """One ECG lead read from a file.

    Attributes:
        signal: shape ``(n_samples,)``, float64, millivolts; the chosen lead only.
        fs: sampling rate of ``signal`` in Hz (the file's own rate, not resampled).
        lead: name of the chosen lead, as the file spells it.
        leads: names of every lead in the file, in file order.
        warnings: plain-English notes about what was read leniently (a wrong checksum, an
            odd date, short gaps filled in); they go into the result's ``warnings``.
    """

    signal: np.ndarray
    fs: float
    lead: str
    leads: tuple[str, ...]
    warnings: tuple[str, ...] = ()


_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13))
_HIGH_BYTES = bytes(range(127, 256))


def decode_text(data: bytes) -> str | None:
    """Decode bytes as text, or return None when they are clearly binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a BOM ("Unicode text" from Excel); a cut-off last byte is dropped.
        try:
            text = data[: len(data) // 2 * 2].decode("utf-16")
        except UnicodeDecodeError:
            return None
        return decode_text(text.encode("utf-8"))
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


def check_fs(fs: float, where: str) -> float:
    """Return ``fs`` (Hz) as a float; InputError when not finite or outside MIN_FS..MAX_FS."""
    if not math.isfinite(fs) or fs <= 0:
        raise InputError(
            f"{where} gives an invalid sampling rate ({fs:g} Hz); it must be a positive number."
        )
    if not MIN_FS <= fs <= MAX_FS:
        raise InputError(
            f"{where} gives a sampling rate of {fs:g} Hz; only {MIN_FS:g} to {MAX_FS:g} Hz "
            "is accepted for ECG."
        )
    return float(fs)


def check_length(n_samples: int, fs: float) -> None:
    """InputError unless ``n_samples`` at ``fs`` Hz lasts MIN..MAX_DURATION_S (<= MAX_SAMPLES)."""
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


def check_fs_agrees(stated: float, given: float | None, where: str) -> None:
    """Raise InputError when a rate given by the caller differs from the file's by more than 1%."""
    if given is not None and abs(given - stated) > 0.01 * stated:
        raise InputError(
            f"{where} says the sampling rate is {stated:g} Hz but {given:g} Hz was given; "
            "leave the rate out or correct it."
        )


#: Longest run of missing samples that is filled in by linear interpolation, in seconds;
#: longer gaps stay NaN and the engine marks them as noise.
MAX_FILLED_GAP_S = 0.5


def _seconds(duration: float) -> str:
    return f"{duration:.1f} s" if duration >= 0.1 else f"{duration * 1000:.0f} ms"


def fill_short_gaps(signal: np.ndarray, fs: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """Fill short runs of missing samples; leave longer ones as NaN, and say so.

    Real recordings have dropouts (NaN, WFDB's invalid-sample value, inf): refusing a whole
    record over a few of them loses hours of good signal. Runs of at most MAX_FILLED_GAP_S
    are interpolated linearly between their neighbours (a run at either end takes the
    nearest value); longer runs stay NaN for the engine to treat as noise.

    Args:
        signal: shape ``(n_samples,)``, any units, at ``fs`` Hz.
        fs: sampling rate in Hz.

    Returns:
        ``(signal, warnings)``: a float64 copy (or the input, when nothing was missing) with
        every non-finite sample either filled or NaN, and plain-English warnings (at most one
        for the filled gaps and one for the gaps left open).
    """
    sig = np.asarray(signal, dtype=np.float64).reshape(-1)
    bad = ~np.isfinite(sig)
    if not bad.any():
        return sig, ()
    sig = sig.copy()
    sig[bad] = np.nan
    if bad.all():
        return sig, ()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], bad.view(np.int8), [0]))))
    starts, ends = edges[0::2], edges[1::2]  # runs are sig[start:end]
    lengths = ends - starts
    short = lengths <= MAX_FILLED_GAP_S * fs
    notes: list[str] = []
    if short.any():
        runs = zip(starts[short], ends[short], strict=True)
        fill = np.concatenate([np.arange(a, b) for a, b in runs])
        good = np.flatnonzero(~bad)
        # Every short run is bounded by finite samples (or an end), so interp is linear
        # between its two neighbours and holds the nearest value at the ends.
        sig[fill] = np.interp(fill, good, sig[good])
        k = int(short.sum())
        notes.append(
            f"{k} short gap{'s' if k != 1 else ''} "
            f"({'up to ' if k != 1 else ''}{_seconds(int(lengths[short].max()) / fs)}) "
            f"of missing samples {'were' if k != 1 else 'was'} filled in."
        )
    if not short.all():
        k = int((~short).sum())
        notes.append(
            f"{k} gap{'s' if k != 1 else ''} of missing samples "
            f"({_seconds(int(lengths[~short].sum()) / fs)}{' in all' if k != 1 else ''}) "
            "could not be analysed."
        )
    return sig, tuple(notes)


def finish(
    signal: np.ndarray,
    fs: float,
    lead: str,
    leads: Sequence[str],
    warnings: Sequence[str] = (),
) -> Record:
    """Check one lead (mV, ``fs`` Hz) for length, missing samples and a flat line.

    Missing samples (NaN, inf) are handled by :func:`fill_short_gaps`; the record is refused
    only when less than MIN_DURATION_S of real samples is left. ``warnings`` (the reader's
    own, such as a wrong checksum) come first in the Record's warnings.

    Returns:
        A Record whose signal is a read-only contiguous float64 array of shape
        ``(n_samples,)``, NaN where a long gap could not be filled.
    """
    sig = np.ascontiguousarray(signal, dtype=np.float64).reshape(-1)
    check_length(sig.size, fs)
    sig, gap_warnings = fill_short_gaps(sig, fs)
    n_finite = int(np.isfinite(sig).sum())
    if n_finite == 0:
        raise InputError(f"Lead {lead} holds no valid samples: all are missing (NaN or invalid).")
    if n_finite < MIN_DURATION_S * fs:
        raise InputError(
            f"Lead {lead} has only {n_finite / fs:.1f} s of valid samples "
            f"({sig.size - n_finite} of {sig.size} are missing or invalid); at least "
            f"{MIN_DURATION_S:g} s are needed."
        )
    ptp = float(np.nanmax(sig) - np.nanmin(sig))
    if ptp < 0.005:
        raise InputError(
            f"Lead {lead} is a flat line (it varies by only {ptp:.4g} mV); check the "
            "electrodes, or the units if the values are in volts."
        )
    sig.setflags(write=False)
    return Record(
        signal=sig,
        fs=float(fs),
        lead=lead,
        leads=tuple(leads),
        warnings=tuple(warnings) + gap_warnings,
    )
