"""Signal quality: which stretches of a recording can be read, and why not the others.

A recording is cut into :data:`SEGMENT_S` segments at the internal rate (360 Hz). Each gets:

- ``missing``: more than a fifth of its samples were missing in the file (NaN gaps);
- ``flat_line``: the cleaned signal hardly moves (electrode off, lead disconnected);
- ``clipped``: the raw signal sits on the recording's top or bottom rail (amplifier saturated);
- ``too_noisy``: the two QRS detectors disagree (bSQI, Li et al. 2008): the engine's
  Pan-Tompkins detector and an independent Elgendi-style detector (two moving averages of the
  squared 8-20 Hz band) are matched within 150 ms over a 10 s window centred on the segment;
  where noise hides or fakes QRS complexes they stop agreeing.

Thresholds were chosen on DS1 only (``benchmarks/rhythm_benchmark.py --tune``), see
``benchmarks/RESULTS.md``. Ventricular flutter/fibrillation also makes the detectors disagree,
so the rhythm module looks for it in unusable segments before they are called noise.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import signal as sps
from scipy.ndimage import uniform_filter1d

from diagnosis.ml import signal as sig

#: Segment length in seconds.
SEGMENT_S: float = 5.0
#: bSQI is measured over this window centred on each segment (5 s holds too few beats).
BSQI_WINDOW_S: float = 10.0
#: A segment is usable when the two detectors agree at least this well (chosen on DS1).
BSQI_MIN: float = 0.8
#: Cleaned signal with a standard deviation below this (mV) is a flat line.
FLAT_STD_MV: float = 0.01
#: Share of samples on a rail above which a segment is clipped.
CLIPPED_SHARE: float = 0.05
#: Share of missing samples above which a segment is unusable.
MISSING_SHARE: float = 0.2


@dataclass(frozen=True)
class Segment:
    """One segment at :data:`~diagnosis.ml.signal.FS`: ``[start, end)`` samples."""

    start: int
    end: int
    usable: bool
    reason: str | None  # when not usable: "missing", "flat_line", "clipped" or "too_noisy"
    bsqi: float


def second_detector(xc: np.ndarray, fs: float = sig.FS) -> np.ndarray:
    """Elgendi-style QRS detector (two moving averages of the squared 8-20 Hz band).

    Independent of :func:`diagnosis.ml.signal.detect_r_peaks` on purpose: the two only agree
    where QRS complexes are plain to see.

    Args:
        xc: (n,) cleaned ECG in mV at ``fs`` (no NaN).
    Returns:
        (k,) int64 sample indices of QRS complexes (largest absolute deflection in a block).
    """
    n = len(xc)
    if n < int(fs):
        return np.zeros(0, dtype=np.int64)
    sos = sps.butter(3, [8 / (fs / 2), 20 / (fs / 2)], btype="bandpass", output="sos")
    y = sps.sosfiltfilt(sos, xc) ** 2
    ma_qrs = uniform_filter1d(y, size=max(1, int(0.097 * fs)))
    ma_beat = uniform_filter1d(y, size=max(1, int(0.611 * fs)))
    above = ma_qrs > ma_beat + 0.08 * float(np.mean(y))
    min_width = int(0.097 * fs * 0.5)
    peaks = [
        s + int(np.argmax(np.abs(xc[s:e]))) for s, e in sig.true_runs(above) if e - s >= min_width
    ]
    out = np.asarray(peaks, dtype=np.int64)
    if len(out) > 1:
        out = out[np.concatenate(([True], np.diff(out) > int(0.2 * fs)))]
    return out


def _agreement(a: np.ndarray, b: np.ndarray, tol: int) -> tuple[int, int, int]:
    """(matched, len(a), len(b)): ``matched`` counts the peaks of ``a`` with a peak of ``b``
    within ``tol`` samples (nearest neighbour, not a strict one-to-one pairing; both
    detectors keep 200 ms between their own peaks, so pairs rarely share a partner)."""
    if len(a) == 0 or len(b) == 0:
        return 0, len(a), len(b)
    j = np.clip(np.searchsorted(b, a), 1, len(b) - 1) if len(b) > 1 else np.zeros(len(a), int)
    near = np.minimum(np.abs(b[j] - a), np.abs(b[j - 1] - a)) if len(b) > 1 else np.abs(b[0] - a)
    return int((near <= tol).sum()), len(a), len(b)


def bsqi(peaks: np.ndarray, other: np.ndarray, start: int, end: int, fs: float = sig.FS) -> float:
    """Share of QRS complexes both detectors found in ``[start, end)`` (1 when both find none).

    Li, Mark & Clifford (2008): matched / (n1 + n2 - matched), 150 ms tolerance. Both peak
    arrays are sorted, so the window is cut by binary search (a 24 h record has 17,000
    segments and 100,000 beats).
    """
    a = peaks[np.searchsorted(peaks, start) : np.searchsorted(peaks, end)]
    b = other[np.searchsorted(other, start) : np.searchsorted(other, end)]
    matched, n1, n2 = _agreement(a, b, int(0.15 * fs))
    total = n1 + n2 - matched
    return 1.0 if total == 0 else matched / total


def assess(
    raw: np.ndarray,
    xc: np.ndarray,
    peaks: np.ndarray,
    missing: np.ndarray | None = None,
    fs: float = sig.FS,
) -> list[Segment]:
    """Score every segment of a recording.

    Args:
        raw: (n,) ECG in mV at ``fs`` as read (gaps already filled, for the rail test).
        xc: (n,) the same after :func:`diagnosis.ml.signal.clean`.
        peaks: (k,) R peaks from :func:`diagnosis.ml.signal.detect_r_peaks`, at ``fs``.
        missing: (n,) bool, True where the file had no sample (or None).
    Returns:
        Segments covering ``[0, n)`` in order; a last piece shorter than half a segment is
        merged into the one before.
    """
    n = len(xc)
    seg = int(SEGMENT_S * fs)
    bounds = [*range(0, n, seg), n]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < seg // 2:
        bounds.pop(-2)
    other = second_detector(xc, fs)
    finite = raw[np.isfinite(raw)]
    top, bottom = (float(finite.max()), float(finite.min())) if len(finite) else (0.0, 0.0)
    rail = 0.002 * max(top - bottom, 1e-9)
    half = int(BSQI_WINDOW_S * fs / 2)
    out: list[Segment] = []
    for s, e in itertools.pairwise(bounds):
        mid = (s + e) // 2
        lo, hi = max(0, min(s, mid - half)), min(n, max(e, mid + half))
        b = bsqi(peaks, other, lo, hi, fs)
        part = raw[s:e]
        reason: str | None = None
        if missing is not None and missing[s:e].mean() > MISSING_SHARE:
            reason = "missing"
        elif float(np.std(xc[s:e])) < FLAT_STD_MV:
            reason = "flat_line"
        elif (
            top - bottom > 0
            and float(((part >= top - rail) | (part <= bottom + rail)).mean()) > CLIPPED_SHARE
        ):
            reason = "clipped"
        elif b < BSQI_MIN:
            reason = "too_noisy"
        out.append(Segment(start=s, end=e, usable=reason is None, reason=reason, bsqi=round(b, 3)))
    return out


def unusable_mask(segments: list[Segment], n: int) -> np.ndarray:
    """(n,) bool, True inside unusable segments."""
    mask = np.zeros(n, dtype=bool)
    for s in segments:
        if not s.usable:
            mask[s.start : s.end] = True
    return mask
