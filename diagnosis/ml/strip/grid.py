"""The millimetre grid: rotation and keystone (perspective) to undo, and its period (the scale).

Rotation comes from the projection profiles of the grid (or the trace), keystone from how the
grid spacing changes across the picture; both are undone with one homography. The period of
the 1 mm and 5 mm lines gives the pixels per millimetre in each direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Smallest keystone corrected (relative change of scale per half image side).
KEYSTONE_MIN = 0.003


# --- Rotation --------------------------------------------------------------------------------


def _projection_score(
    u: np.ndarray,
    v: np.ndarray,
    scale: float,
    angles: np.ndarray,
    p: float = 0.0,
    q: float = 0.0,
    bins: float = 1.0,
) -> np.ndarray:
    """Sharpness of the row and column histograms of the points (u, v) (centred, in units of
    ``scale`` pixels) after undoing a keystone (p, q) and then a rotation, for each angle."""
    d = 1.0 + p * u + q * v
    x, y = bins * scale * u / d, bins * scale * v / d
    scores = np.empty(angles.size)
    for i, a in enumerate(np.deg2rad(angles)):
        c, s = np.cos(a), np.sin(a)
        # Rows after rotating by -a: horizontal lines become constant; likewise columns.
        r = np.round(y * c + x * s).astype(np.int64)
        k = np.round(x * c - y * s).astype(np.int64)
        hr = np.bincount(r - r.min())
        hk = np.bincount(k - k.min())
        scores[i] = float((hr.astype(np.float64) ** 2).sum() + (hk.astype(np.float64) ** 2).sum())
    return scores


@dataclass(frozen=True)
class _Geometry:
    """Rectifying map: points are centred on (cx, cy), divided by ``scale``, un-keystoned by
    (p, q) (``u / (1 + p u + q v)``) and rotated by ``-angle`` degrees."""

    angle: float = 0.0
    p: float = 0.0
    q: float = 0.0
    cx: float = 0.0
    cy: float = 0.0
    scale: float = 1.0

    @property
    def identity(self) -> bool:
        return abs(self.angle) < 0.02 and self.p == 0.0 and self.q == 0.0

    def forward(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u, v = (xs - self.cx) / self.scale, (ys - self.cy) / self.scale
        d = 1.0 + self.p * u + self.q * v
        x, y = self.scale * u / d, self.scale * v / d
        a = np.deg2rad(self.angle)
        c, s = np.cos(a), np.sin(a)
        return x * c - y * s, y * c + x * s

    def inverse(self, cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.deg2rad(self.angle)
        c, s = np.cos(a), np.sin(a)
        u1 = (cols * c + rows * s) / self.scale
        v1 = (rows * c - cols * s) / self.scale
        d = 1.0 - self.p * u1 - self.q * v1
        d = np.where(np.abs(d) < 1e-3, 1e-3, d)
        return u1 / d * self.scale + self.cx, v1 / d * self.scale + self.cy


def geometry(
    mask: np.ndarray, rng: np.random.Generator, lines: np.ndarray | None = None
) -> _Geometry:
    """Rotation (within +-20 degrees) and keystone (perspective) of the lines in ``mask``.

    The rotation makes the row and column projections of the lines sharpest; the keystone
    is the one that makes the grid spacing even (the spacing of each family of lines grows
    linearly across the picture under perspective), measured on the grey levels of ``lines``
    (sub-pixel); no ``lines``: rotation only."""
    h, w = mask.shape
    base = _Geometry(cx=w / 2, cy=h / 2, scale=max(h, w) / 2)
    ys, xs = np.nonzero(mask)
    if ys.size < 100:
        return base
    if ys.size > 150_000:
        pick = rng.choice(ys.size, 150_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    u = (xs.astype(np.float64) - base.cx) / base.scale
    v = (ys.astype(np.float64) - base.cy) / base.scale

    def best(cands: np.ndarray, scores: np.ndarray) -> float:
        return float(cands[int(np.argmax(scores))])

    sc = base.scale
    coarse = np.arange(-20.0, 20.01, 0.5)
    angle = best(coarse, _projection_score(u, v, sc, coarse))
    fine = np.arange(angle - 0.5, angle + 0.501, 0.05)
    angle = best(fine, _projection_score(u, v, sc, fine))
    mu, mv = u, v
    p = q = period = 0.0
    if lines is not None:
        gys, gxs = np.nonzero(lines > 0.02)
        if gys.size > 400_000:
            pick = rng.choice(gys.size, 400_000, replace=False)
            gys, gxs = gys[pick], gxs[pick]
        wts = lines[gys, gxs].astype(np.float64)
        u = (gxs.astype(np.float64) - base.cx) / base.scale
        v = (gys.astype(np.float64) - base.cy) / base.scale
    for _ in range(3 if lines is not None and u.size >= 1000 else 0):
        # The spacing of the lines of each family grows linearly across the other axis under
        # a keystone; measure it in slices and fit (in the frame rectified so far).
        d = 1.0 + p * u + q * v
        x, y = u / d, v / d
        a = np.deg2rad(angle)
        c, s = np.cos(a), np.sin(a)
        k, r = x * c - y * s, y * c + x * s
        # A slope needs some extent to be measured across (a strip is short).
        if period <= 0:
            # The whole profiles are smeared by the keystone itself: take the steadier one.
            (pr, sr), (pk, sk) = (grid_period(_profile(sc * t, wts), refine=False) for t in (r, k))
            period = pr if sr >= sk else pk
            period = period or pr or pk
            if period <= 0:
                break
        dp = _spacing_slope(sc * r, k, wts, period) if w >= 400 else 0.0
        dq = _spacing_slope(sc * k, r, wts, period) if h >= 400 else 0.0
        p, q = p + dp * c - dq * s, q + dq * c + dp * s
        if max(abs(p), abs(q)) < KEYSTONE_MIN or max(abs(p), abs(q)) > 0.2:
            p = q = 0.0
            break
        fine = np.arange(angle - 0.1, angle + 0.101, 0.02)
        angle = best(fine, _projection_score(mu, mv, sc, fine, p, q))
        if max(abs(dp), abs(dq)) < 2e-4:
            break
    return _Geometry(angle=angle, p=p, q=q, cx=base.cx, cy=base.cy, scale=base.scale)


def _profile(t: np.ndarray, wts: np.ndarray) -> np.ndarray:
    """Weighted histogram of positions ``t`` (pixels) with linear sharing between bins."""
    t = t - t.min()
    f = np.floor(t).astype(np.int64)
    frac = t - f
    n = int(f.max()) + 2
    return np.bincount(f, wts * (1 - frac), n) + np.bincount(f + 1, wts * frac, n)


def _line_period(prof: np.ndarray, period: float) -> float:
    """Spacing of the grid lines in a profile (pixels per mm, near ``period``): sub-pixel line
    centres fitted against their line numbers; 0 when too few lines are found."""
    from scipy.signal import find_peaks

    peaks, _ = find_peaks(prof, distance=max(1, int(0.6 * period)), prominence=0.15 * prof.max())
    peaks = peaks[(peaks > 0) & (peaks < prof.size - 1)]
    if peaks.size < 5:
        return 0.0
    a, b, c = prof[peaks - 1], prof[peaks], prof[peaks + 1]
    den = a - 2 * b + c
    pos = peaks + np.where(np.abs(den) > 1e-12, 0.5 * (a - c) / np.where(den == 0, 1, den), 0.0)
    steps = np.round(np.diff(pos) / period)
    if (steps < 1).any():
        return 0.0
    idx = np.concatenate(([0.0], np.cumsum(steps)))
    slope = float(np.polyfit(idx, pos, 1)[0])
    return slope if abs(slope / period - 1) < 0.1 else 0.0


def _spacing_slope(
    pos: np.ndarray, across: np.ndarray, wts: np.ndarray, period: float, slices: int = 6
) -> float:
    """Relative growth of the line spacing in ``pos`` (pixels) per unit of ``across``
    (normalized coordinates), from the grid period (near ``period``, pixels per mm) in
    ``slices`` slices; 0 when unsure."""
    lo, hi = float(across.min()), float(across.max())
    if hi - lo <= 0 or pos.size < 1000:
        return 0.0
    base = pos - pos.min()
    edges = np.linspace(lo, hi, slices + 1)
    profiles, centres = [], []
    for i in range(slices):
        sel = (across >= edges[i]) & (across <= edges[i + 1])
        if sel.sum() < 200:
            continue
        prof = _profile(base[sel], wts[sel])
        if prof.size < 64:
            continue
        profiles.append(prof)
        centres.append(float(across[sel].mean()))
    if len(profiles) < 3:
        return 0.0
    found = [(c, _line_period(prof, period)) for c, prof in zip(centres, profiles, strict=True)]
    centres = [c for c, pp in found if pp > 0]
    periods = [pp for _, pp in found if pp > 0]
    if len(periods) < 3:
        return 0.0
    slope, intercept = np.polyfit(np.asarray(centres), np.asarray(periods), 1)
    return float(slope / intercept) if intercept > 0 else 0.0


def warp(arrs: list[np.ndarray], geo: _Geometry) -> list[np.ndarray]:
    """Resample the maps onto the rectified view (the canvas grows to hold every corner)."""
    from scipy import ndimage

    h, w = arrs[0].shape
    cx, cy = geo.forward(np.array([0.0, w, w, 0.0]), np.array([0.0, 0.0, h, h]))
    c0, r0 = float(np.floor(cx.min())), float(np.floor(cy.min()))
    ow = int(min(np.ceil(cx.max()) - c0 + 1, 2 * (w + h)))
    oh = int(min(np.ceil(cy.max()) - r0 + 1, 2 * (w + h)))
    rows, cols = np.mgrid[0:oh, 0:ow].astype(np.float64)
    xs, ys = geo.inverse(cols + c0, rows + r0)
    coords = np.stack([ys, xs])
    return [
        ndimage.map_coordinates(a, coords, order=1, mode="constant", cval=0.0).astype(np.float32)
        for a in arrs
    ]


# --- Grid period ------------------------------------------------------------------------------


def comb_refine(
    x: np.ndarray,
    period: float,
    spans: tuple[tuple[float, int, int], ...] = ((0.015, 31, 12), (0.0012, 25, 12)),
) -> float:
    """Sub-pixel period: the 5 mm comb (all its harmonics below Nyquist) that fits best."""
    n = x.size
    t = np.arange(n, dtype=np.float64)
    best = period
    for span, count, jmax in spans:
        cands = best * np.linspace(1 - span, 1 + span, count)
        scores = []
        for p in cands:
            js = np.arange(1, min(int(0.45 * 5 * p), jmax) + 1)
            basis = np.exp(-2j * np.pi * np.outer(js / (5 * p), t))
            scores.append(float((np.abs(basis @ x) ** 2).sum()))
        best = float(cands[int(np.argmax(scores))])
    return best


def detrend(profile: np.ndarray) -> np.ndarray:
    x = profile.astype(np.float64)
    k = max(3, x.size // 40)
    x = x - np.convolve(x, np.ones(k) / k, mode="same")
    return x[k:-k] if x.size > 4 * k else x


def grid_period(profile: np.ndarray, refine: bool = True) -> tuple[float, float]:
    """(pixels per mm, strength) of a grid profile; (0, strength) when there is no grid.
    ``refine=False``: the spectral estimate only (no sub-pixel comb fit)."""
    from scipy.signal import find_peaks

    if profile.size < 64:
        return 0.0, 0.0
    x = detrend(profile)
    n = x.size
    spec = np.abs(np.fft.rfft(x * np.hanning(n), 4 * n)) ** 2
    freqs = np.fft.rfftfreq(4 * n)
    valid = (freqs > 1 / 90.0) & (freqs < 1 / 2.2)
    if not valid.any():
        return 0.0, 0.0
    floor = float(np.median(spec[valid])) + 1e-12
    idx = np.flatnonzero(valid)
    top = int(idx[np.argmax(spec[valid])])
    strength = float(spec[top]) / floor
    if strength < 30:
        return 0.0, strength
    f_top = float(freqs[top])
    peaks, _ = find_peaks(spec, height=15 * floor)
    peaks = peaks[valid[peaks]]

    def has_peak(freq: float, share: float = 0.0) -> bool:
        if not (1 / 90.0 < freq < 1 / 2.2):
            return False
        near = peaks[np.abs(freqs[peaks] - freq) <= 0.02 * freq + 1.0 / n]
        return bool(near.size) and float(spec[near].max()) >= share * float(spec[top])

    # The lowest line family whose frequency divides the strongest one: 5 mm lines when
    # the major lines show, else the 1 mm lines (or 5 mm lines alone on a coarse picture).
    f0 = f_top
    for m in range(5, 1, -1):
        if has_peak(f_top / m, 0.03):
            f0 = f_top / m
            break
    p0 = 1.0 / f0
    five_mm = p0 >= 14.0 or has_peak(5 * f0)
    mm = p0 / 5.0 if five_mm else p0
    if has_peak(1.0 / (10.0 * mm), 0.03):
        # A harmonic was taken for the line family (1 mm lines 6 px apart, their second
        # harmonic strongest): the 5 mm lines show at twice the period found.
        mm *= 2.0
    return (comb_refine(x, mm) if refine else mm), strength
