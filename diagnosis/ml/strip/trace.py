"""Follow the ink line of a strip column by column, and find the calibration pulse.

The peaks of steep complexes are kept, steep strokes are placed by their horizontal centre,
and the strokes a thick pen merges into one blot are drawn straight between their extremes.
The row to follow is chosen by :mod:`.layout`.
"""

from __future__ import annotations

import itertools

import numpy as np

from diagnosis.ml import signal as sig

NO_TRACE = "No ECG trace was found in the picture"


# --- Trace following ----------------------------------------------------------------------------


def ink_runs(col: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of each run of ink (nonzero) along a 1-D array, in order."""
    return [(a, b - 1) for a, b in sig.true_runs(np.asarray(col) != 0)]


def _next_run(runs: list[tuple[int, int]], prev: float, last: tuple[int, int]) -> tuple[int, int]:
    """The run that continues the line: the one touching the previous column's run ``last``
    (the most overlap), else the one nearest to the previous position ``prev``."""

    def gap(r: tuple[int, int]) -> float:
        overlap = min(r[1], last[1] + 1) - max(r[0], last[0] - 1)
        if overlap >= 0:
            return -float(overlap)
        return 0.0 if r[0] <= prev <= r[1] else min(abs(r[0] - prev), abs(r[1] - prev))

    return min(runs, key=gap)


def follow(band: np.ndarray, ink: np.ndarray, c0: int, c1: int) -> tuple[np.ndarray, float, float]:
    """Row of the trace for each column c0..c1 (NaN where none), pen width, share of columns
    with a single candidate line."""
    width = c1 - c0 + 1
    runs_per_col = [ink_runs(band[:, c]) for c in range(c0, c1 + 1)]
    lengths = [b - a + 1 for rr in runs_per_col if len(rr) == 1 for a, b in rr]
    pen = float(np.percentile(lengths, 25)) if lengths else 1.0
    centre = np.full(width, np.nan)
    top = np.full(width, np.nan)
    bot = np.full(width, np.nan)
    prev: float | None = None
    last: tuple[int, int] | None = None
    single = 0
    for j, rr in enumerate(runs_per_col):
        if not rr:
            continue
        if len(rr) > 1:
            # Specks (anti-aliasing, JPEG) beside the line are not candidates.
            rr = [r for r in rr if r[1] - r[0] + 1 >= 0.5 * pen] or rr
        if len(rr) == 1:
            single += 1
            a, b = rr[0]
        elif prev is None:
            a, b = max(rr, key=lambda r: r[1] - r[0])
        else:
            a, b = _next_run(rr, prev, last or (int(prev), int(prev)))
        col = c0 + j
        wts = ink[a : b + 1, col].astype(np.float64) + 1e-6
        centre[j] = float((np.arange(a, b + 1) * wts).sum() / wts.sum())
        top[j], bot[j] = a, b
        prev, last = centre[j], (a, b)
    y = centre.copy()
    half = pen / 2.0
    long_run = (bot - top + 1) > 2.0 * pen + 1
    for j in np.flatnonzero(long_run).tolist():
        left = centre[j - 1] if j > 0 else np.nan
        right = centre[j + 1] if j + 1 < width else np.nan
        nb = [v for v in (left, right) if np.isfinite(v)]
        if not nb:
            continue
        # Up-pointing peak (image rows grow downwards): neighbours lie lower -> take the top.
        if all(v > centre[j] for v in nb) and (top[j] + half) < min(nb):
            y[j] = top[j] + half
        elif all(v < centre[j] for v in nb) and (bot[j] - half) > max(nb):
            y[j] = bot[j] - half
        else:
            v = _crossing(band, ink, c0 + j, int(top[j]), int(bot[j]), float(y[j]), pen)
            # A stroke's crossing lies between its neighbours, near the run's centre.
            if min(nb) <= v <= max(nb) and abs(v - y[j]) <= 0.25 * (bot[j] - top[j]):
                y[j] = v
    found = np.isfinite(centre)
    y = _merged_strokes(y, top, bot, pen, long_run)
    return y, pen, single / max(1, int(found.sum()))


def _extremes(edge: np.ndarray, sign: float, k: int, long_run: np.ndarray) -> list[int]:
    """Columns (on long runs) where ``sign * edge`` is highest within +-k columns; a flat
    top counts once, at its middle."""
    e = np.where(np.isfinite(edge), sign * edge, -np.inf)
    out: list[int] = []
    j = 0
    while j < e.size:
        if long_run[j] and np.isfinite(e[j]) and e[j] >= e[max(0, j - k) : j + k + 1].max():
            t = j
            while t + 1 < e.size and e[t + 1] == e[j]:
                t += 1
            out.append(round((j + t) / 2))
            j = t + 1
        else:
            j += 1
    return out


def _merged_strokes(
    y: np.ndarray, top: np.ndarray, bot: np.ndarray, pen: float, long_run: np.ndarray
) -> np.ndarray:
    """The stroke between a peak and a trough that a thick pen has merged into one blot, drawn
    straight between the two extremes (each half a pen inside the blot's outer edge).

    A narrow R wave and its S wave, drawn with a pen as wide as the complex (0.5 mm at
    25 mm/s is 20 ms), print as one blot: every column between them runs from the peak's cap
    to the trough's, and its centre says nothing of the stroke. Only the extremes survive (a
    pen's half width inside the outer edge), and a straight line between them is the best
    reading. Strokes far enough apart to print separately, and lone peaks, are left as
    :func:`follow` read them (moving those changed the classifier's reading of thin-pen
    strips).
    """
    half = pen / 2.0
    k = max(1, int(np.ceil(0.6 * pen)))
    ext = sorted(
        [(c, top[c] + half, "peak") for c in _extremes(top, -1.0, k, long_run)]
        + [(c, bot[c] - half, "trough") for c in _extremes(bot, 1.0, k, long_run)]
    )
    out = y.copy()
    for (c1, v1, kind1), (c2, v2, kind2) in itertools.pairwise(ext):
        rise = abs(v2 - v1)
        if kind1 == kind2 or not (1 < c2 - c1 <= 2.0 * pen and rise > 2.0 * pen):
            continue
        # Merged: the columns between are runs spanning most of the rise.
        if float(np.median((bot - top + 1)[c1 + 1 : c2])) >= 0.7 * rise:
            out[c1 : c2 + 1] = np.linspace(v1, v2, c2 - c1 + 1)
    return out


def _crossing(
    band: np.ndarray, ink: np.ndarray, col: int, a: int, b: int, guess: float, pen: float
) -> float:
    """Row where a steep stroke crosses column ``col``: its rows ``a..b`` are scanned
    horizontally, and the row where the stroke's horizontal centre passes ``col`` is
    interpolated (a column's run mixes the neighbouring strokes near an apex). Only where
    the rows cut a single thin stroke (not merged strokes, not a blurred smear)."""
    w = band.shape[1]
    rows = np.arange(a, b + 1)
    d = np.full(rows.size, np.nan)
    thin = np.zeros(rows.size, dtype=bool)
    for i, r in enumerate(rows.tolist()):
        line = band[r]
        lo = col
        while lo > 0 and line[lo - 1]:
            lo -= 1
        hi = col
        while hi + 1 < w and line[hi + 1]:
            hi += 1
        thin[i] = hi - lo + 1 <= 2.0 * pen + 1
        wts = ink[r, lo : hi + 1].astype(np.float64) + 1e-6
        d[i] = float((np.arange(lo, hi + 1) * wts).sum() / wts.sum()) - col
    sgn = np.sign(d)
    cross = np.flatnonzero((sgn[:-1] * sgn[1:] < 0) & thin[:-1] & thin[1:])
    exact = rows[(d == 0) & thin].astype(np.float64)
    cands = list(exact) + [float(rows[i] + d[i] / (d[i] - d[i + 1])) for i in cross.tolist()]
    if not cands:
        return guess
    return min(cands, key=lambda v: abs(v - guess))


def cut_pulse(y_mm: np.ndarray, ppmm_x: float, gain: float | None) -> tuple[int, int, float | None]:
    """Find a calibration pulse (a plateau 3-8 mm wide, ``0.6 * gain`` mm or more above the
    baseline; at least 3 mm when the gain is unknown) at either end of the trace.

    Returns:
        (first column to keep, end column, the pulse's height in mm or None).
    """
    n = y_mm.size
    lo, hi = 0, n
    height: float | None = None
    win = int(20 * ppmm_x)
    least = 0.6 * gain if gain else 3.0
    for side in ("left", "right"):
        seg = y_mm[:win] if side == "left" else y_mm[::-1][:win]
        # The baseline: the window's median (the trace's level), else the first millimetre
        # (the pulse's own zero line, when the trace lies well apart from it).
        levels = (float(np.median(seg)), float(np.median(seg[: max(2, int(ppmm_x))])))
        runs = [(lv, a, b) for lv in levels for a, b in ink_runs((lv - seg) > least)]
        for level, a, b in runs:
            length_mm = (b - a + 1) / ppmm_x
            plateau = level - seg[a : b + 1]
            h = float(np.median(plateau))
            foot = seg[max(0, a - int(ppmm_x)) : max(0, a - 1)]
            if foot.size >= 2:
                # The height from the pulse's own foot, not from the trace's level.
                plateau = float(np.median(foot)) - seg[a : b + 1]
                h = float(np.median(plateau))
            if (
                3.0 <= length_mm <= 8.0
                and float(np.ptp(np.percentile(plateau, [20, 80]))) < 0.1 * h
            ):
                end = b + int(1.5 * ppmm_x)
                if side == "left":
                    lo = max(lo, end)
                else:
                    hi = min(hi, n - end)
                height = height or h
                break
    if hi - lo < n // 4:
        return 0, n, None
    return lo, hi, height


def gain_from_pulse(height_mm: float | None) -> float | None:
    """The printed gain (5, 10 or 20 mm/mV) a 1 mV pulse of this height shows, or None."""
    if height_mm is None:
        return None
    for g in (5.0, 10.0, 20.0):
        if abs(height_mm / g - 1.0) < 0.2:
            return g
    return None
