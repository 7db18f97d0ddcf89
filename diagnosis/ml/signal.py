"""Signal processing: resampling, filtering, R-peak detection, beat windows, RR context.

Everything downstream of the readers works at one internal rate, :data:`FS` = 360 Hz (the
MIT-BIH rate the model was trained at), on a single lead in millivolts. Only numpy and scipy
are used so the inference path starts fast (no TensorFlow, no wfdb).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal as sps
from scipy.ndimage import percentile_filter, uniform_filter1d

#: Internal sampling rate in Hz.
FS: float = 360.0
#: Beat window around the R peak, in samples at :data:`FS`: 92 before (0.256 s) and 164
#: from the peak on (0.456 s); 256 samples = 4 per image column of a 64-column image.
PRE: int = 92
POST: int = 164
WIN: int = PRE + POST
#: Wider window kept for training so time-shift/scale augmentation has real signal to use.
WIDE_PRE: int = 128
WIDE_POST: int = 200

#: Record-context vector of the record model: RR timing as ratios (no absolute seconds, so a
#: premature beat looks the same in a slow and in a fast heart) and similarity to the record's
#: dominant beat. References, each from the record itself:
#: ``prev``: mean of the previous 8 intervals only (a centred mean would include the beat);
#: ``sinus``: 90th percentile of the 41 intervals around the beat (the underlying sinus rate
#: even when ectopic beats outnumber sinus ones, as in MIT-BIH 232);
#: ``window``: mean RR over 5 minutes around the beat, pauses included.
CONTEXT_FEATURES: tuple[str, ...] = (
    "pre_over_prev",
    "post_over_prev",
    "pre_over_post",
    "pre_over_sinus",
    "post_over_sinus",
    "pre_over_window",
    "post_over_window",
    "prev_over_window",
    "qrs_corr_with_record_template",
    "beat_corr_with_record_template",
)
#: Intervals of the causal reference, beats of the sinus reference, seconds of the window.
PREV_BEATS: int = 8
SINUS_BEATS: int = 41
SINUS_PERCENTILE: float = 90.0
WINDOW_S: float = 300.0
N_CONTEXT: int = len(CONTEXT_FEATURES)


def resample(x: np.ndarray, fs_in: float, fs_out: float = FS) -> np.ndarray:
    """Resample a 1-D signal from ``fs_in`` to ``fs_out`` Hz (polyphase, anti-aliased).

    Args:
        x: (n,) samples, any unit.
        fs_in: input rate in Hz; fs_out: output rate in Hz.
    Returns:
        (round(n * fs_out / fs_in),) float64 samples, same unit.
    """
    x = np.asarray(x, dtype=np.float64)
    if abs(fs_in - fs_out) < 1e-9:
        return x.copy()
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    y = sps.resample_poly(x, ratio.numerator, ratio.denominator)
    n_out = round(len(x) * fs_out / fs_in)
    if len(y) >= n_out:
        return y[:n_out]
    return np.pad(y, (0, n_out - len(y)), mode="edge")


def _sos_bandpass(lo: float, hi: float, fs: float, order: int = 2) -> np.ndarray:
    return sps.butter(order, [lo / (fs / 2), hi / (fs / 2)], btype="bandpass", output="sos")


def clean(x: np.ndarray, fs: float = FS) -> np.ndarray:
    """Remove baseline wander (< 0.5 Hz) and high-frequency noise (> 40 Hz, mains, EMG).

    Zero-phase Butterworth band-pass so the waves keep their timing.

    Args:
        x: (n,) ECG in millivolts at ``fs`` Hz.
    Returns:
        (n,) float64 filtered ECG in millivolts.
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 64:
        return x - np.median(x) if len(x) else x.copy()
    return sps.sosfiltfilt(_sos_bandpass(0.5, 40.0, fs), x)


def detect_r_peaks(
    x: np.ndarray, fs: float = FS, *, filtered: np.ndarray | None = None
) -> np.ndarray:
    """Find R peaks: a Pan-Tompkins-style detector with adaptive thresholds and search-back.

    Steps: 5-15 Hz band-pass, derivative, squaring, 150 ms moving-window integration; peaks of
    the integrated signal are accepted against running signal/noise levels (with a T-wave
    slope check and a search-back with half the threshold after 1.66 mean RR of silence);
    each accepted QRS is then placed at the largest absolute deflection of the cleaned ECG
    within +-100 ms, the same fiducial used to centre beat windows and uploaded beats.

    Args:
        x: (n,) ECG in millivolts at ``fs`` Hz (raw; it is filtered here).
        fs: sampling rate in Hz.
        filtered: optional ``clean(x, fs)`` if the caller already has it.
    Returns:
        (k,) int64 sample indices (at ``fs``) of R peaks, increasing.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n < int(0.5 * fs):
        return np.zeros(0, dtype=np.int64)
    xc = clean(x, fs) if filtered is None else filtered
    bp = sps.sosfiltfilt(_sos_bandpass(5.0, 15.0, fs), x)
    d = np.gradient(bp)
    mwi = uniform_filter1d(d * d, size=max(1, int(0.15 * fs)))
    refractory = int(0.2 * fs)
    cand, _ = sps.find_peaks(mwi, distance=refractory)
    if len(cand) == 0:
        return np.zeros(0, dtype=np.int64)
    vals = mwi[cand]
    slope = np.abs(d)
    half_qrs = int(0.075 * fs)

    def max_slope(i: int) -> float:
        return float(slope[max(0, i - half_qrs) : i + half_qrs + 1].max())

    # Initial levels from the first 2 s, as in Pan & Tompkins (1985).
    init = mwi[: int(2 * fs)]
    spki = float(init.max()) / 3.0
    npki = float(init.mean()) / 2.0
    thr1 = npki + 0.25 * (spki - npki)
    qrs: list[int] = []
    qrs_slope: list[float] = []
    rr_recent: list[int] = []
    since_last: list[int] = []  # candidate positions (indexes into cand) after the last QRS

    for ci in range(len(cand)):
        i = int(cand[ci])
        v = float(vals[ci])
        # Search-back: if too long since the last beat, accept the best missed candidate.
        if qrs and rr_recent:
            rr_mean = float(np.mean(rr_recent[-8:]))
            if i - qrs[-1] > 1.66 * rr_mean and since_last:
                thr2 = 0.5 * thr1
                best = max(since_last, key=lambda k: vals[k])
                j = int(cand[best])
                if vals[best] > thr2 and j - qrs[-1] > refractory:
                    rr_recent.append(j - qrs[-1])
                    qrs.append(j)
                    qrs_slope.append(max_slope(j))
                    spki = 0.25 * float(vals[best]) + 0.75 * spki
                    thr1 = npki + 0.25 * (spki - npki)
                    since_last = [k for k in since_last if cand[k] > j]
        is_qrs = v > thr1 and (not qrs or i - qrs[-1] > refractory)
        # T-wave check: a wave soon after a QRS with half its slope is a T wave.
        if is_qrs and qrs and i - qrs[-1] < int(0.36 * fs) and max_slope(i) < 0.5 * qrs_slope[-1]:
            is_qrs = False
        if is_qrs:
            if qrs:
                rr_recent.append(i - qrs[-1])
            qrs.append(i)
            qrs_slope.append(max_slope(i))
            spki = 0.125 * v + 0.875 * spki
            since_last = []
        else:
            npki = 0.125 * v + 0.875 * npki
            since_last.append(ci)
        thr1 = npki + 0.25 * (spki - npki)

    if not qrs:
        return np.zeros(0, dtype=np.int64)
    peaks = refine_peaks(xc, np.asarray(qrs, dtype=np.int64), fs)
    # Refinement can pull two detections onto one deflection; keep one per 200 ms.
    keep = np.concatenate(([True], np.diff(peaks) > refractory))
    return peaks[keep]


def refine_peaks(xc: np.ndarray, approx: np.ndarray, fs: float = FS) -> np.ndarray:
    """Move each approximate QRS location to the largest absolute deflection within +-100 ms.

    Args:
        xc: (n,) cleaned ECG (baseline ~0) at ``fs``.
        approx: (k,) int sample indices.
    Returns:
        (k,) int64 refined indices, sorted.
    """
    if len(approx) == 0:
        return np.zeros(0, dtype=np.int64)
    h = int(0.1 * fs)
    padded = np.pad(np.abs(xc), (h, h), mode="constant")
    idx = approx[:, None] + np.arange(2 * h + 1)[None, :]
    off = np.argmax(padded[idx], axis=1) - h
    return np.sort(approx + off).astype(np.int64)


def beat_windows(xc: np.ndarray, peaks: np.ndarray, pre: int = PRE, post: int = POST) -> np.ndarray:
    """Cut a fixed window around each R peak (edges padded with the edge value).

    Args:
        xc: (n,) cleaned ECG in millivolts at :data:`FS`.
        peaks: (k,) R-peak sample indices.
    Returns:
        (k, pre + post) float32; the R peak is at column ``pre``.
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    if len(peaks) == 0:
        return np.zeros((0, pre + post), dtype=np.float32)
    padded = np.pad(np.asarray(xc, dtype=np.float32), (pre, post), mode="edge")
    idx = peaks[:, None] + np.arange(pre + post)[None, :]
    return padded[idx]


def _corr(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    t = t - t.mean()
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(t) + 1e-9
    return (a @ t) / den


def record_template(windows: np.ndarray) -> np.ndarray:
    """The record's dominant beat: the sample-wise median of all its beat windows.

    Args:
        windows: (k, WIN) beat windows of one record.
    Returns:
        (WIN,) float32 (zeros when there are no beats).
    """
    if len(windows) == 0:
        return np.zeros(WIN, np.float32)
    return np.median(np.asarray(windows, dtype=np.float32), axis=0)


def rr_references(peaks: np.ndarray, fs: float = FS) -> dict[str, np.ndarray]:
    """Per-beat RR intervals and the record's own references for them, in seconds.

    Args:
        peaks: (k,) R-peak indices at ``fs``, k >= 2, increasing.
    Returns:
        ``pre``, ``post``, ``prev``, ``sinus``, ``window``: (k,) float64 seconds (see
        :data:`CONTEXT_FEATURES`); the first beat's ``pre`` is its ``post`` and the last
        beat's ``post`` its ``pre``.
    """
    t = np.asarray(peaks, dtype=np.float64) / fs
    rr = np.diff(t)
    pre = np.concatenate(([rr[0]], rr))
    post = np.concatenate((rr, [rr[-1]]))
    # Mean of the PREV_BEATS intervals before this beat's own (fewer at the start).
    csum = np.concatenate(([0.0], np.cumsum(pre)))
    i = np.arange(len(pre))
    lo = np.maximum(i - PREV_BEATS, 0)
    n_prev = i - lo
    prev = np.where(n_prev > 0, (csum[i] - csum[lo]) / np.maximum(n_prev, 1), pre)
    sinus = percentile_filter(
        pre, SINUS_PERCENTILE, size=min(SINUS_BEATS, len(pre)), mode="nearest"
    )
    # Mean RR over the window = its time span over its intervals (pauses count in full).
    first = np.searchsorted(t, t - WINDOW_S / 2, side="left")
    last = np.searchsorted(t, t + WINDOW_S / 2, side="right") - 1
    n_int = last - first
    window = np.where(n_int > 0, (t[last] - t[first]) / np.maximum(n_int, 1), pre)
    return {"pre": pre, "post": post, "prev": prev, "sinus": sinus, "window": window}


def record_context(peaks: np.ndarray, windows: np.ndarray, fs: float = FS) -> np.ndarray:
    """Per-beat record context: RR ratios to the record's own references (why: premature beats
    are defined by timing relative to the person's rhythm) and correlation with the record's
    median beat (why: ectopic beats differ from the patient's dominant morphology, which
    generalises across patients better than absolute shape).

    Args:
        peaks: (k,) R-peak indices at ``fs``.
        windows: (k, WIN) beat windows from :func:`beat_windows` (R at column PRE).
    Returns:
        (k, N_CONTEXT) float32, columns as in :data:`CONTEXT_FEATURES`; ratios r are given as
        r - 1 clipped to [-1, 3]. A single beat has no timing: its ratios are 0 (on time).
    """
    k = len(peaks)
    out = np.zeros((k, N_CONTEXT), dtype=np.float32)
    if k == 0:
        return out
    if k >= 2:
        r = rr_references(peaks, fs)
        pairs = (
            ("pre", "prev"),
            ("post", "prev"),
            ("pre", "post"),
            ("pre", "sinus"),
            ("post", "sinus"),
            ("pre", "window"),
            ("post", "window"),
            ("prev", "window"),
        )
        for col, (a, b) in enumerate(pairs):
            out[:, col] = np.clip(r[a] / np.maximum(r[b], 1e-6) - 1.0, -1.0, 3.0)
    w = np.asarray(windows, dtype=np.float64)
    template = record_template(w)
    q = slice(PRE - int(0.1 * fs), PRE + int(0.1 * fs))
    out[:, 8] = _corr(w[:, q], template[q])
    out[:, 9] = _corr(w, template)
    return out


@dataclass(frozen=True)
class FrontEnd:
    """A record after the front end, at :data:`FS`."""

    x360: np.ndarray  # (n,) resampled ECG in mV
    xc: np.ndarray  # (n,) the same, cleaned (0.5-40 Hz)
    peaks: np.ndarray  # (k,) int64 R peaks
    windows: np.ndarray  # (k, WIN) float32 beat windows
    context: np.ndarray  # (k, N_CONTEXT) float32 record context


def front_end(x: np.ndarray, fs: float) -> FrontEnd:
    """Full record front end: resample to :data:`FS`, clean, detect, cut, context.

    Args:
        x: (n,) ECG in millivolts at ``fs`` Hz (no NaN).
    """
    x360 = resample(x, fs, FS)
    xc = clean(x360, FS)
    peaks = detect_r_peaks(x360, FS, filtered=xc)
    win = beat_windows(xc, peaks)
    return FrontEnd(x360, xc, peaks, win, record_context(peaks, win, FS))


def process(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`front_end`'s peaks (k,) int64 at :data:`FS`, windows (k, WIN) float32 and
    context (k, N_CONTEXT)."""
    f = front_end(x, fs)
    return f.peaks, f.windows, f.context


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` index runs where the 1-D boolean ``mask`` is True, in order."""
    edges = np.diff(np.concatenate(([0], np.asarray(mask).astype(np.int8), [0])))
    return list(
        zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(), strict=True)
    )
