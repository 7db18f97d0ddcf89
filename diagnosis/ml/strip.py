"""Digitize a picture of an ECG strip (photo, scan, screenshot or PDF page) into a signal.

Pipeline: decode (bounded by the pixel cap, reduced to :data:`WORK_SIDE`) -> flatten the
lighting (divide by a smooth background) -> split "ink" (dark, colourless: the trace, text)
from "grid" (pink/red lines, dark in green but not in red) -> estimate rotation from the
grid (or the trace) by projection profiles, and perspective (keystone) from how the grid
spacing changes across the picture, and undo both with one homography -> measure the grid
period (1 mm and 5 mm lines) in both directions for the scale -> pick the trace row (the
longest continuous trace, the bottom rhythm strip on a 12-lead printout; bottom-most on ties)
-> follow the line column by column (keeping the peaks of steep complexes, steep strokes
placed by their horizontal centre) -> drop the calibration pulse ->
convert to millivolts with the paper speed and gain -> resample to :data:`OUTPUT_FS`.

Everything here is Django-free; every failure is an :class:`~diagnosis.ml.errors.InputError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import Record

__all__ = [
    "DEFAULT_GAIN",
    "DEFAULT_SPEED",
    "OUTPUT_FS",
    "WORK_SIDE",
    "Digitized",
    "classify_picture",
    "digitize",
    "load_picture",
]

#: Paper speed (mm/s) and gain (mm/mV) assumed unless the caller says otherwise.
DEFAULT_SPEED = 25.0
DEFAULT_GAIN = 10.0
#: Rate of the digitized signal (Hz).
OUTPUT_FS = 250.0
#: Longest side of the working image (pixels); bigger pictures are reduced first.
WORK_SIDE = 3000
#: At most this many PDF pages are looked at.
MAX_PDF_PAGES = 4
#: Shortest trace accepted, in seconds.
MIN_TRACE_S = 2.0

#: Smallest keystone corrected (relative change of scale per half image side).
KEYSTONE_MIN = 0.003

_NO_TRACE = "No ECG trace was found in the picture"


@dataclass(frozen=True)
class Digitized:
    """A digitized strip.

    Attributes:
        record: the signal as a :class:`~diagnosis.ml.io.Record` (mV at :data:`OUTPUT_FS`).
        quality: 0..1, how cleanly the trace could be followed (coverage, ambiguity, grid).
        grid: whether a millimetre grid was found (scale from the grid, not assumed).
        rotation_deg: the rotation that was undone (degrees, counter-clockwise).
        px_per_mm: horizontal and vertical scale found (pixels of the working image per mm).
        speed, gain: paper speed (mm/s) and gain (mm/mV) used.
        calibration_pulse: whether a calibration pulse was found and cut off.
        page: the PDF page used (0-based), or None for an image.
    """

    record: Record
    quality: float
    grid: bool
    rotation_deg: float
    px_per_mm: tuple[float, float]
    speed: float
    gain: float
    calibration_pulse: bool
    page: int | None = None

    def info(self) -> dict[str, Any]:
        """The ``"digitized"`` member of the engine's JSON result."""
        return {
            "quality": round(self.quality, 3),
            "fs": self.record.fs,
            "grid": self.grid,
            "rotation_deg": round(self.rotation_deg, 2),
            "px_per_mm": [round(v, 3) for v in self.px_per_mm],
            "speed_mm_s": self.speed,
            "gain_mm_mv": self.gain,
            "calibration_pulse": self.calibration_pulse,
            "page": self.page,
        }


# --- Decoding ------------------------------------------------------------------------------------


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"%PDF-"


def _pdf_pages(path: Path, max_side: int) -> list[Image.Image]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:
        raise InputError("The PDF file is damaged or protected and could not be read.") from exc
    try:
        if len(pdf) == 0:
            raise InputError("The PDF file has no pages.")
        pages = []
        for i in range(min(len(pdf), MAX_PDF_PAGES)):
            page = pdf[i]
            w, h = page.get_size()  # points
            scale = min(max_side / max(w, h, 1.0), 8.0)
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
            pages.append(bitmap.to_pil().convert("RGB"))
            page.close()
        return pages
    except InputError:
        raise
    except Exception as exc:
        raise InputError("The PDF page could not be rendered.") from exc
    finally:
        pdf.close()


def pdf_page_count(path: str | os.PathLike[str]) -> int:
    """Pages of a PDF (cheap: nothing is rendered). Raises InputError when unreadable."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:
        raise InputError("The PDF file is damaged or protected and could not be read.") from exc
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n == 0:
        raise InputError("The PDF file has no pages.")
    return n


def load_picture(path: str | os.PathLike[str], max_side: int = WORK_SIDE) -> list[Image.Image]:
    """Decode a PNG/JPEG (one image) or a PDF (its first pages) as RGB, reduced to ``max_side``.

    Raises:
        InputError: unreadable, too large (pixel cap checked before decoding) or damaged.
    """
    from diagnosis.ml.image import _open, check_image

    p = Path(path)
    if _is_pdf(p):
        return _pdf_pages(p, max_side)
    check_image(p)
    im = _open(p)
    try:
        if im.format == "JPEG" and max(im.size) > 2 * max_side:
            im.draft("RGB", (im.size[0] // 2, im.size[1] // 2))
        im = ImageOps.exif_transpose(im)
        im.load()
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            im = Image.alpha_composite(white, rgba)
        elif im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
            grey = np.asarray(im, dtype=np.float32)
            top = float(grey.max()) or 1.0
            im = Image.fromarray(np.clip(grey / top * 255, 0, 255).astype(np.uint8))
        rgb = im.convert("RGB")
        if max(rgb.size) > max_side:
            rgb.thumbnail((max_side, max_side), Image.Resampling.BOX)
        return [rgb]
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, MemoryError) as exc:
        raise InputError("The image file is damaged and could not be read.") from exc
    finally:
        im.close()


# --- Maps: ink and grid -----------------------------------------------------------------------


def _maps(rgb: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """(ink, grid) maps in 0..1: ink = dark in every channel, grid = dark in green only."""
    from scipy import ndimage

    a = np.asarray(rgb, dtype=np.float32) / 255.0
    h, w = a.shape[:2]
    # Lighting: the local brightest paper, smoothed, per channel (shadows, vignetting).
    step = max(1, min(h, w) // 64)
    small = a[::step, ::step]
    size = max(3, min(small.shape[:2]) // 6)
    bg = ndimage.maximum_filter(small, size=(size, size, 1))
    bg = ndimage.uniform_filter(bg, size=(size, size, 1))
    zoom = (h / bg.shape[0], w / bg.shape[1], 1)
    bg = ndimage.zoom(bg, zoom, order=1)[:h, :w]
    if bg.shape[:2] != (h, w):
        bg = np.pad(bg, ((0, h - bg.shape[0]), (0, w - bg.shape[1]), (0, 0)), mode="edge")
    norm = np.clip(a / np.maximum(bg, 0.05), 0.0, 1.0)
    ink = 1.0 - norm.max(axis=2)
    grid = np.clip((1.0 - norm[..., 1]) - ink, 0.0, 1.0)
    return ink, grid


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


def _geometry(
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
            (pr, sr), (pk, sk) = (_period(_profile(sc * t, wts), refine=False) for t in (r, k))
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


def _warp(arrs: list[np.ndarray], geo: _Geometry) -> list[np.ndarray]:
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


def _comb_refine(
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


def _detrend(profile: np.ndarray) -> np.ndarray:
    x = profile.astype(np.float64)
    k = max(3, x.size // 40)
    x = x - np.convolve(x, np.ones(k) / k, mode="same")
    return x[k:-k] if x.size > 4 * k else x


def _period(profile: np.ndarray, refine: bool = True) -> tuple[float, float]:
    """(pixels per mm, strength) of a grid profile; (0, strength) when there is no grid.
    ``refine=False``: the spectral estimate only (no sub-pixel comb fit)."""
    from scipy.signal import find_peaks

    if profile.size < 64:
        return 0.0, 0.0
    x = _detrend(profile)
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
    return (_comb_refine(x, mm) if refine else mm), strength


# --- Trace following ----------------------------------------------------------------------------


def _runs(col: np.ndarray) -> list[tuple[int, int]]:
    rows = np.flatnonzero(col)
    if rows.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(rows) > 1)
    starts = np.concatenate(([rows[0]], rows[cuts + 1]))
    ends = np.concatenate((rows[cuts], [rows[-1]]))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _next_run(runs: list[tuple[int, int]], prev: float, last: tuple[int, int]) -> tuple[int, int]:
    """The run that continues the line: the one touching the previous column's run ``last``
    (the most overlap), else the one nearest to the previous position ``prev``."""

    def gap(r: tuple[int, int]) -> float:
        overlap = min(r[1], last[1] + 1) - max(r[0], last[0] - 1)
        if overlap >= 0:
            return -float(overlap)
        return 0.0 if r[0] <= prev <= r[1] else min(abs(r[0] - prev), abs(r[1] - prev))

    return min(runs, key=gap)


def _choose_band(mask: np.ndarray, ppmm_y: float) -> tuple[np.ndarray, int, int]:
    """Keep the trace row: the component with the longest horizontal extent (bottom-most of
    near-ties), plus the pieces lying in its band. Returns (band mask, first col, last col)."""
    from scipy import ndimage

    labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        raise InputError(f"{_NO_TRACE}: the picture looks blank.")
    objs = ndimage.find_objects(labels)
    extents = np.array([(s[1].stop - s[1].start) for s in objs], dtype=np.float64)
    best_extent = extents.max()
    candidates = [i for i in range(count) if extents[i] >= 0.85 * best_extent]
    main = max(candidates, key=lambda i: objs[i][0].start + objs[i][0].stop)
    rs = objs[main][0]
    pad = int(2 * ppmm_y)
    y0, y1 = max(0, rs.start - pad), min(mask.shape[0], rs.stop + pad)
    centres = ndimage.center_of_mass(mask, labels, np.arange(1, count + 1))
    sizes = ndimage.sum(mask, labels, np.arange(1, count + 1))
    keep = np.zeros(count + 1, dtype=bool)
    min_size = max(4.0, 0.3 * ppmm_y * ppmm_y)
    for i, (cy, _cx) in enumerate(centres):
        if y0 <= cy < y1 and sizes[i] >= min_size:
            keep[i + 1] = True
    keep[main + 1] = True
    band = keep[labels]
    band[:y0] = False
    band[y1:] = False
    colmask = band.any(axis=0)
    cols = np.flatnonzero(colmask)
    return band, int(cols[0]), int(cols[-1])


def _follow(band: np.ndarray, ink: np.ndarray, c0: int, c1: int) -> tuple[np.ndarray, float, float]:
    """Row of the trace for each column c0..c1 (NaN where none), pen width, share of columns
    with a single candidate line."""
    width = c1 - c0 + 1
    runs_per_col = [_runs(band[:, c]) for c in range(c0, c1 + 1)]
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
    return y, pen, single / max(1, int(found.sum()))


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


def _cut_pulse(y_mm: np.ndarray, ppmm_x: float, gain: float) -> tuple[int, int, bool]:
    """Find a calibration pulse (a ~gain mm high plateau 3-7 mm wide) at either end of the
    trace; return the column range to keep and whether one was cut."""
    n = y_mm.size
    lo, hi = 0, n
    cut = False
    win = int(20 * ppmm_x)
    for side in ("left", "right"):
        seg = y_mm[:win] if side == "left" else y_mm[::-1][:win]
        level = float(np.median(seg))  # the pulse is a quarter of the window at most
        up = (level - seg) > 0.6 * gain  # plateau above the baseline (rows grow down)
        runs = _runs(up)
        for a, b in runs:
            length_mm = (b - a + 1) / ppmm_x
            plateau = level - seg[a : b + 1]
            if (
                3.0 <= length_mm <= 8.0
                and float(np.ptp(np.percentile(plateau, [20, 80]))) < 0.1 * gain
            ):
                end = b + int(1.5 * ppmm_x)
                if side == "left":
                    lo = max(lo, end)
                else:
                    hi = min(hi, n - end)
                cut = True
                break
    if hi - lo < n // 4:
        return 0, n, False
    return lo, hi, cut


# --- Public --------------------------------------------------------------------------------------


def _digitize_image(
    rgb: Image.Image,
    *,
    speed: float,
    gain: float,
    px_per_mm: float | None,
    lead: str,
) -> Digitized:
    rng = np.random.default_rng(0)
    ink, grid = _maps(rgb)
    strongest = float(np.percentile(ink, 99.9))
    if strongest < 0.2:
        raise InputError(f"{_NO_TRACE}: the picture looks blank.")
    thr = max(0.25, 0.5 * strongest)
    mask = ink > thr
    if mask.mean() > 0.15:
        raise InputError(
            f"{_NO_TRACE}: the picture does not look like an ECG strip (too much of it is dark)."
        )
    grid_mask = grid > max(0.08, float(np.percentile(grid, 90)))
    on_grid = grid_mask.mean() > 0.01
    # Keystone only from the grid: a trace alone has no straight lines to rectify.
    geo = _geometry(grid_mask if on_grid else mask, rng, grid if on_grid else None)
    angle = geo.angle
    if not geo.identity:
        ink, grid = _warp([ink, grid], geo)
        mask = ink > thr
    # Grid period in both directions; the ink rows are left out so the trace does not count.
    gx, _ = _period(grid.mean(axis=0))
    gy, sy = _period(grid.mean(axis=1))
    if gx > 0 and sy >= 30 and (gy <= 0 or abs(gx - gy) / max(gx, gy) >= 0.15):
        # The long axis is the reliable one; the short one only refines it (1 mm vs 5 mm
        # lines are easily confused over a few centimetres of paper).
        gy = _comb_refine(_detrend(grid.mean(axis=1)), gx)
    has_grid = gx > 0 and gy > 0 and abs(gx - gy) / max(gx, gy) < 0.15
    if px_per_mm:
        ppx = ppy = float(px_per_mm)
    elif has_grid:
        ppx, ppy = gx, gy
    else:
        ppx = ppy = 0.0  # decided from the trace length below
    # Drop specks; the trace is followed inside its band.
    guess = ppy if ppy else max(mask.shape) / 270.0
    band, c0, c1 = _choose_band(mask, guess)
    if not ppx:
        ppx = ppy = (c1 - c0 + 1) / (10.0 * speed)  # no grid: assume a 10 s strip
    span_s = (c1 - c0 + 1) / ppx / speed
    if span_s < MIN_TRACE_S:
        raise InputError(f"{_NO_TRACE}: no line runs across the picture like an ECG trace.")
    y, pen, single = _follow(band, ink, c0, c1)
    found = np.isfinite(y)
    coverage = float(found.mean())
    if coverage < 0.6 or single < 0.5 or pen > max(3.0, 1.0 * ppy):
        raise InputError(
            f"{_NO_TRACE}: the picture does not look like an ECG strip (no single continuous line)."
        )
    idx = np.arange(y.size)
    y = np.interp(idx, idx[found], y[found])
    y_mm = y / ppy
    lo, hi, pulse = _cut_pulse(y_mm, ppx, gain)
    y_mm = y_mm[lo:hi]
    mv = -(y_mm - np.median(y_mm)) / gain
    t = np.arange(y_mm.size) / ppx / speed
    duration = float(t[-1]) if t.size else 0.0
    if duration < MIN_TRACE_S:
        raise InputError(f"{_NO_TRACE}: the trace is shorter than {MIN_TRACE_S:g} seconds.")
    from scipy.interpolate import CubicSpline

    n_out = int(duration * OUTPUT_FS) + 1
    # Cubic, not linear: a column rate near 200 Hz would flatten the R peaks.
    signal = CubicSpline(t, mv)(np.arange(n_out) / OUTPUT_FS)
    signal.setflags(write=False)
    quality = coverage * (0.5 + 0.5 * single) * (1.0 if has_grid or px_per_mm else 0.7)
    return Digitized(
        record=Record(signal=signal, fs=OUTPUT_FS, lead=lead, leads=(lead,)),
        quality=float(np.clip(quality, 0.0, 1.0)),
        grid=bool(has_grid),
        rotation_deg=float(angle),
        px_per_mm=(float(ppx), float(ppy)),
        speed=speed,
        gain=gain,
        calibration_pulse=pulse,
    )


def digitize(
    path: str | os.PathLike[str],
    *,
    speed: float | None = None,
    gain: float | None = None,
    px_per_mm: float | None = None,
    lead: str | None = None,
) -> Digitized:
    """Digitize the rhythm strip in a picture (PNG/JPEG) or a PDF (best of its first pages).

    Args:
        path: the picture, recognised by content.
        speed: paper speed in mm/s (default 25).
        gain: millimetres per millivolt (default 10).
        px_per_mm: the scale in pixels of the *working* image per mm, when there is no grid to
            measure it from (default: from the grid; without a grid, the trace is assumed to
            span 10 s).
        lead: name to give the lead (default "II", the usual rhythm strip).
    Returns:
        :class:`Digitized` with the signal in mV at :data:`OUTPUT_FS` Hz.
    Raises:
        InputError: unreadable picture, or no ECG trace found (blank, photo, noise).
    """
    speed = float(speed or DEFAULT_SPEED)
    gain = float(gain or DEFAULT_GAIN)
    if not (1.0 <= speed <= 200.0 and 1.0 <= gain <= 100.0):
        raise InputError("The paper speed or gain is out of range (speed 1-200 mm/s, gain 1-100).")
    pages = load_picture(path)
    is_pdf = _is_pdf(Path(path))
    best: Digitized | None = None
    error: InputError | None = None
    for i, page in enumerate(pages):
        try:
            d = _digitize_image(
                page, speed=speed, gain=gain, px_per_mm=px_per_mm, lead=lead or "II"
            )
        except InputError as exc:
            error = error or exc
            continue
        except MemoryError as exc:
            raise InputError("The picture is too large to digitize.") from exc
        if is_pdf:
            d = Digitized(**{**d.__dict__, "page": i})
        if best is None or d.quality > best.quality:
            best = d
    if best is None:
        raise error or InputError(f"{_NO_TRACE}.")
    return best


def _peak_count(curve: np.ndarray) -> int:
    from scipy.signal import find_peaks

    c = curve - np.median(curve)
    rng = float(np.ptp(c)) or 1.0
    n = 0
    for sign in (1.0, -1.0):
        peaks, _ = find_peaks(sign * c, prominence=0.35 * rng, distance=max(1, c.size // 40))
        n = max(n, peaks.size)
    return n


def classify_picture(path: str | os.PathLike[str]) -> Literal["beat_image", "strip"]:
    """Tell a single-beat plot from an ECG strip by content.

    A strip is a picture with a millimetre grid, or a wide picture (at least 1.8:1) whose line
    has three or more QRS-like peaks across its width; a PDF is always read as a strip. The
    picture is decoded at a reduced size (at most 1200 pixels a side).
    """
    p = Path(path)
    if _is_pdf(p):
        pdf_page_count(p)
        return "strip"
    rgb = load_picture(p, max_side=1200)[0]
    ink, grid = _maps(rgb)
    h, w = ink.shape
    gx, _ = _period(grid.mean(axis=0))
    gy, _ = _period(grid.mean(axis=1))
    if gx > 0 and gy > 0 and abs(gx - gy) / max(gx, gy) < 0.15 and float(grid.mean()) > 0.01:
        return "strip"
    if w < 1.8 * h:
        return "beat_image"
    strongest = float(ink.max())
    if strongest < 0.2:
        return "beat_image"
    mask = ink > 0.5 * strongest
    cols = mask.any(axis=0)
    if cols.sum() < 16:
        return "beat_image"
    rows = np.arange(h, dtype=np.float64)[:, None]
    curve = (mask * rows).sum(axis=0)[cols] / mask.sum(axis=0)[cols]
    return "strip" if _peak_count(-curve) >= 3 else "beat_image"
