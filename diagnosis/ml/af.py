"""Atrial fibrillation from RR intervals and atrial activity, beat by beat.

After Petrenas et al. (2015): RR intervals next to ventricular beats and short-long
(premature beat + pause) pairs are dropped, then irregularity is the median absolute
difference of successive intervals over an 8-interval window divided by their median; the
smaller of the lag-1 and lag-2 differences is used so bigeminal rhythms do not look
irregular. Atrial activity is the other half: in sinus rhythm the stretch before each QRS
(a P wave) looks like its neighbours' (correlation near 1), in AF it is fibrillatory and
does not. A beat is in AF when its irregularity passes :data:`AF_IRREGULARITY` and its P
wave consistency stays below :data:`AF_P_CONSISTENCY_MAX`, after a majority vote over
:data:`AF_SMOOTH_BEATS` beats; runs shorter than :data:`AF_MIN_BEATS` are dropped.
Thresholds were chosen on DS1 only (ectopy, sinus arrhythmia and junctional rhythm made
RR irregularity alone call AF in 7 of its 20 non-AF records).
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from diagnosis.ml import signal as sig

#: AF decision (chosen on DS1, ``benchmarks/rhythm_benchmark.py --tune``).
AF_IRREGULARITY: float = 0.08
AF_P_CONSISTENCY_MAX: float = 0.6
AF_WINDOW: int = 8
AF_SMOOTH_BEATS: int = 15
AF_MIN_BEATS: int = 20
#: RR intervals longer than this (s) are pauses, not part of the rhythm's irregularity.
PAUSE_S: float = 2.0


def af_irregularity(peaks: np.ndarray, is_v: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Per-beat RR irregularity (NaN where there is too little clean RR data).

    Args:
        peaks: (k,) R peaks at 360 Hz; is_v: (k,) ventricular beats; bad: (k,) noise beats.
    Returns:
        (k,) float: median |delta RR| / median RR over the nearest ``AF_WINDOW`` usable intervals.
    """
    k = len(peaks)
    out = np.full(k, np.nan)
    if k < AF_WINDOW + 2:
        return out
    rr = np.diff(peaks) / sig.FS  # rr[i] ends at beat i + 1
    ok = ~(is_v[1:] | is_v[:-1] | bad[1:] | bad[:-1]) & (rr > 0.2) & (rr < PAUSE_S)
    # A premature beat followed by a pause: drop both intervals (ectopic, not AF).
    ref = np.median(sliding_window_view(np.pad(rr, (AF_WINDOW, 0), mode="edge"), AF_WINDOW + 1), 1)
    short_long = (rr[:-1] < 0.85 * ref[:-1]) & (rr[1:] > 1.15 * ref[:-1])
    short_long &= np.abs(rr[:-1] + rr[1:] - 2 * ref[:-1]) < 0.2 * ref[:-1]
    ok[:-1] &= ~short_long
    ok[1:] &= ~short_long
    idx = np.nonzero(ok)[0]
    if len(idx) < AF_WINDOW + 2:
        return out
    v = rr[idx]
    w = AF_WINDOW
    med = np.median(sliding_window_view(v, w), axis=1)
    lag1 = np.median(sliding_window_view(np.abs(np.diff(v)), w - 1), axis=1)
    lag2 = np.median(sliding_window_view(np.abs(v[2:] - v[:-2]), w - 2), axis=1)
    per_window = np.minimum(lag1[: len(med)], lag2[: len(med)]) / med
    # Interval j takes the window centred on it (clipped at the ends).
    start = np.clip(np.arange(len(v)) - w // 2, 0, len(med) - 1)
    score = per_window[start]
    # Map back: each beat takes the score of the nearest usable interval.
    pos = np.clip(np.searchsorted(idx + 1, np.arange(k)), 0, len(idx) - 1)
    out = score[pos]
    out[bad] = np.nan
    return out


def p_wave_consistency(xc: np.ndarray, peaks: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Per-beat atrial activity: how alike the 300-80 ms before each QRS is to its neighbours'.

    Args:
        xc: (n,) cleaned ECG at 360 Hz; peaks: (k,) R peaks; use: (k,) beats to compare
            (ventricular and noise beats have no P wave of their own and are left out).
    Returns:
        (k,) float: correlation of each used beat's pre-QRS stretch with the median of the 8
        nearest used beats' (a beat not used takes its nearest used neighbour's value; 1.0
        where there are too few beats).
    """
    k = len(peaks)
    out = np.ones(k)
    idx = np.nonzero(use)[0]
    if len(idx) < 9:
        return out
    offsets = np.arange(-int(0.3 * sig.FS), -int(0.08 * sig.FS))
    values = np.empty(len(idx))
    for c in range(0, len(idx), 4096):  # chunks bound the memory of long recordings
        lo, hi = max(0, c - 4), min(len(idx), c + 4096 + 4)
        at = np.clip(peaks[idx[lo:hi], None] + offsets[None, :], 0, len(xc) - 1)
        w = xc[at]
        w = w - w.mean(axis=1, keepdims=True)
        padded = np.pad(w, ((4, 4), (0, 0)), mode="edge")
        hood = sliding_window_view(padded, 9, axis=0)[:, :, [0, 1, 2, 3, 5, 6, 7, 8]]
        t = np.median(hood, axis=2)
        t = t - t.mean(axis=1, keepdims=True)
        corr = (w * t).sum(axis=1) / (np.linalg.norm(w, axis=1) * np.linalg.norm(t, axis=1) + 1e-9)
        values[c : min(len(idx), c + 4096)] = corr[c - lo : c - lo + min(4096, len(idx) - c)]
    pos = np.clip(np.searchsorted(idx, np.arange(k)), 0, len(idx) - 1)
    out = values[pos]
    return out


def _centred(values: np.ndarray, size: int) -> np.ndarray:
    """(k, size) windows centred on each value, the ends padded with the edge values."""
    half = size // 2
    return sliding_window_view(np.pad(values, half, mode="edge"), 2 * half + 1)


def af_beats(xc: np.ndarray, peaks: np.ndarray, is_v: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """(k,) bool: beats in atrial fibrillation.

    Args:
        xc: (n,) cleaned ECG at 360 Hz; peaks: (k,) R peaks; is_v: (k,) ventricular beats;
        noise: (k,) beats in unreadable signal (never AF).
    """
    k = len(peaks)
    irregular = af_irregularity(peaks, is_v, noise)
    p_wave = p_wave_consistency(xc, peaks, ~(is_v | noise))
    if k >= AF_SMOOTH_BEATS:
        p_wave = np.median(_centred(p_wave, AF_SMOOTH_BEATS), axis=1)
    af = (np.nan_to_num(irregular, nan=0.0) > AF_IRREGULARITY) & (p_wave < AF_P_CONSISTENCY_MAX)
    if k >= AF_SMOOTH_BEATS:
        af = _centred(af.astype(float), AF_SMOOTH_BEATS).mean(axis=1) > 0.5
        # A short dip between two AF runs is the same episode (fewer than a window of beats).
        for (_, end), (start, _) in itertools.pairwise(sig.true_runs(af)):
            if start - end < AF_SMOOTH_BEATS:
                af[end:start] = True
    af &= ~noise
    for a, b in sig.true_runs(af):
        if b - a < AF_MIN_BEATS:
            af[a:b] = False
            continue
        # The first and last beats have one RR interval only: they follow their neighbours.
        if a <= 2 and not noise[:a].any():
            af[:a] = True
        if b >= k - 2 and not noise[b:].any():
            af[b:] = True
    return af
