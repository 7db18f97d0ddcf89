"""Draw ECG signals on synthetic ECG paper, and degrade the pictures like photos and scans.

Shared by the strip tests and ``benchmarks/strip_benchmark.py``: the digitizer
(:mod:`diagnosis.ml.strip`) is measured by drawing a known signal, reading it back and
comparing. Paper follows the usual printout: pink millimetre grid with darker 5 mm lines,
25 mm/s and 10 mm/mV by default, a 1 mV calibration pulse before the trace, a lead label.

Everything here is Django-free.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

__all__ = ["StripLayout", "degrade", "render_strip", "render_twelve_lead"]

_PAPER = (255, 246, 246)
_MINOR = (246, 196, 196)
_MAJOR = (233, 128, 128)
_INK = (20, 20, 28)


@dataclass(frozen=True)
class StripLayout:
    """Where the signal was drawn on a rendered strip (before any degradation).

    Attributes:
        x0_px: column of the signal's first sample.
        baseline_px: row of 0 mV.
        px_per_mm: drawing scale.
        speed: paper speed in mm/s.
        gain: mm per mV.
        n_samples / fs: the drawn signal's length and rate.
    """

    x0_px: float
    baseline_px: float
    px_per_mm: float
    speed: float
    gain: float
    n_samples: int
    fs: float


def _grid(width: int, height: int, ppmm: float, grid: bool) -> np.ndarray:
    img = np.empty((height, width, 3), np.uint8)
    img[:] = _PAPER
    if not grid:
        return img
    minor_w = max(1, round(0.08 * ppmm))
    major_w = max(1, round(0.16 * ppmm))
    for k in range(int(max(width, height) / ppmm) + 1):
        pos = round(k * ppmm)
        colour, w = (_MAJOR, major_w) if k % 5 == 0 else (_MINOR, minor_w)
        if pos < width:
            img[:, pos : pos + w] = colour
        if pos < height:
            img[pos : pos + w, :] = colour
    return img


def _draw_trace(
    draw: ImageDraw.ImageDraw,
    signal: np.ndarray,
    fs: float,
    *,
    x0: float,
    baseline: float,
    ppmm: float,
    speed: float,
    gain: float,
    width: int,
    calibration: bool,
) -> None:
    xs = x0 + np.arange(signal.size) / fs * speed * ppmm
    ys = baseline - signal * gain * ppmm
    points = list(zip(xs.tolist(), ys.tolist(), strict=True))
    if calibration:
        # 1 mV, 0.2 s pulse drawn before the trace, with a little baseline either side.
        mm = ppmm
        start = x0 - 9 * mm
        top = baseline - gain * mm
        pulse = [
            (start, baseline),
            (start + 2 * mm, baseline),
            (start + 2 * mm, top),
            (start + 7 * mm, top),
            (start + 7 * mm, baseline),
            (x0 - 1 * mm, baseline),
        ]
        draw.line(pulse, fill=_INK, width=width, joint="curve")
    draw.line(points, fill=_INK, width=width, joint="curve")


def render_strip(
    signal: np.ndarray,
    fs: float,
    *,
    px_per_mm: float = 8.0,
    speed: float = 25.0,
    gain: float = 10.0,
    grid: bool = True,
    calibration: bool = True,
    label: str = "II",
    line_mm: float = 0.3,
) -> tuple[Image.Image, StripLayout]:
    """Draw one lead as a rhythm strip.

    Args:
        signal: (n,) millivolts at ``fs`` Hz.
        px_per_mm: resolution (8 px/mm is about 200 dpi).
        speed, gain: paper speed (mm/s) and gain (mm/mV).
        grid: draw the pink millimetre grid.
        calibration: draw the 1 mV calibration pulse before the trace.
        label: lead name printed above the start of the trace ("" for none).
        line_mm: pen width in millimetres.
    Returns:
        (RGB image, :class:`StripLayout`).
    """
    x = np.asarray(signal, dtype=np.float64)
    ss = 3  # supersampling for anti-aliased lines
    ppmm = px_per_mm * ss
    span_mm = x.size / fs * speed
    top_mm = max(12.0, float(x.max()) * gain + 6.0)
    bottom_mm = max(8.0, -float(x.min()) * gain + 6.0)
    width = round((span_mm + 20.0) * ppmm)
    height = round((top_mm + bottom_mm) * ppmm)
    x0 = 15.0 * ppmm
    baseline = top_mm * ppmm
    img = Image.fromarray(_grid(width, height, ppmm, grid))
    draw = ImageDraw.Draw(img)
    _draw_trace(
        draw,
        x,
        fs,
        x0=x0,
        baseline=baseline,
        ppmm=ppmm,
        speed=speed,
        gain=gain,
        width=max(1, round(line_mm * ppmm)),
        calibration=calibration,
    )
    if label:
        _text(draw, label, (x0 - 12 * ppmm, 2 * ppmm), 4 * ppmm)
    small = img.resize((round(width / ss), round(height / ss)), Image.Resampling.BOX)
    layout = StripLayout(
        x0_px=(x0 + 0.5) / ss - 0.5,
        baseline_px=(baseline + 0.5) / ss - 0.5,
        px_per_mm=px_per_mm,
        speed=speed,
        gain=gain,
        n_samples=x.size,
        fs=fs,
    )
    return small, layout


def _text(draw: ImageDraw.ImageDraw, text: str, at: tuple[float, float], size: float) -> None:
    """Print-like lettering without depending on a font file: strokes of a simple block font."""
    x, y = at
    w = max(1, round(size / 8))
    for ch in text:
        if ch in "IVX":
            if ch == "I":
                draw.line([(x, y), (x, y + size)], fill=_INK, width=w)
                x += size * 0.4
            elif ch == "V":
                draw.line(
                    [(x, y), (x + size * 0.3, y + size), (x + size * 0.6, y)], fill=_INK, width=w
                )
                x += size * 0.8
            else:
                draw.line([(x, y), (x + size * 0.6, y + size)], fill=_INK, width=w)
                draw.line([(x, y + size), (x + size * 0.6, y)], fill=_INK, width=w)
                x += size * 0.8
        else:
            draw.rectangle([x, y, x + size * 0.6, y + size], outline=_INK, width=w)
            x += size * 0.8


def render_twelve_lead(
    leads: list[np.ndarray], rhythm: np.ndarray, fs: float, *, px_per_mm: float = 6.0
) -> Image.Image:
    """A 12-lead style printout: three rows of four 2.5 s segments, then a 10 s rhythm strip.

    Args:
        leads: 12 signals (mV at ``fs``), at least 2.5 s each; segments are separated by a gap.
        rhythm: the bottom rhythm strip (mV at ``fs``), about 10 s.
    Returns:
        RGB image.
    """
    ss = 2
    ppmm = px_per_mm * ss
    seg = round(2.5 * fs)
    width = round((rhythm.size / fs * 25.0 + 20) * ppmm)
    row_mm = 30.0
    height = round((4 * row_mm + 10) * ppmm)
    img = Image.fromarray(_grid(width, height, ppmm, True))
    draw = ImageDraw.Draw(img)
    pen = max(1, round(0.3 * ppmm))
    x0 = 12.0 * ppmm
    for r in range(3):
        base = (r + 0.6) * row_mm * ppmm
        for c in range(4):
            s = np.asarray(leads[r * 4 + c][:seg], dtype=np.float64)
            xs = x0 + (c * 62.5 + np.arange(s.size) / fs * 25.0) * ppmm
            keep = xs < x0 + (c * 62.5 + 61.0) * ppmm  # a gap where the lead changes
            pts = list(zip(xs[keep].tolist(), (base - s[keep] * 10 * ppmm).tolist(), strict=True))
            draw.line(pts, fill=_INK, width=pen, joint="curve")
    base = 3.6 * row_mm * ppmm
    _draw_trace(
        draw,
        np.asarray(rhythm, dtype=np.float64),
        fs,
        x0=x0,
        baseline=base,
        ppmm=ppmm,
        speed=25.0,
        gain=10.0,
        width=pen,
        calibration=False,
    )
    return img.resize((round(width / ss), round(height / ss)), Image.Resampling.BOX)


def degrade(
    img: Image.Image,
    *,
    rotate_deg: float = 0.0,
    perspective: float = 0.0,
    blur: float = 0.0,
    jpeg_quality: int | None = None,
    shadow: float = 0.0,
    marks: int = 0,
    seed: int = 0,
) -> Image.Image:
    """Make a clean rendering look photographed or scanned.

    Args:
        rotate_deg: rotation, degrees counter-clockwise (the canvas grows, filled with white).
        perspective: keystone strength (0.03 = the far edge 3% shorter).
        blur: Gaussian blur radius in pixels.
        jpeg_quality: re-encode as JPEG at this quality.
        shadow: darkening 0..1 of a smooth shadow across the page.
        marks: number of handwriting-like pen marks (blue and black scribbles).
        seed: random seed for the marks.
    Returns:
        RGB image.
    """
    rng = np.random.default_rng(seed)
    out = img.convert("RGB")
    w, h = out.size
    if marks:
        draw = ImageDraw.Draw(out)
        for k in range(marks):
            colour = (30, 50, 170) if k % 2 == 0 else (25, 25, 25)
            cx, cy = rng.uniform(0.05, 0.95) * w, rng.uniform(0.05, 0.95) * h
            t = np.linspace(0, 1, 60)
            length = rng.uniform(0.05, 0.15) * w
            xs = cx + length * t
            ys = cy + 0.02 * h * np.sin(2 * np.pi * rng.uniform(3, 6) * t) + 0.05 * h * t
            draw.line(
                list(zip(xs.tolist(), ys.tolist(), strict=True)),
                fill=colour,
                width=max(1, round(w / 700)),
            )
    if perspective:
        d = perspective * w
        # Source quad for each output corner: the right edge squeezed vertically (keystone).
        coeffs = _perspective_coeffs(
            [(0, 0), (w, 0), (w, h), (0, h)],
            [(0, 0), (w, -d * h / w), (w, h + d * h / w), (0, h)],
        )
        out = out.transform(
            (w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor="white"
        )
    if rotate_deg:
        out = out.rotate(
            rotate_deg, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(250, 250, 250)
        )
    if shadow:
        arr = np.asarray(out, dtype=np.float32)
        hh, ww = arr.shape[:2]
        yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
        cx, cy = rng.uniform(0.2, 0.8) * ww, rng.uniform(0.2, 0.8) * hh
        blob = np.exp(-(((xx - cx) / (0.4 * ww)) ** 2 + ((yy - cy) / (0.6 * hh)) ** 2))
        ramp = xx / ww
        dark = 1.0 - shadow * np.clip(0.6 * ramp + 0.6 * blob, 0, 1)
        out = Image.fromarray(np.clip(arr * dark[..., None], 0, 255).astype(np.uint8))
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if jpeg_quality is not None:
        buf = io.BytesIO()
        out.save(buf, format="JPEG", quality=jpeg_quality)
        buf.seek(0)
        out = Image.open(buf).convert("RGB")
    return out


def _perspective_coeffs(
    out_pts: list[tuple[float, float]], src_pts: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Coefficients for PIL's PERSPECTIVE transform mapping output points to source points."""
    a = []
    b = []
    for (x, y), (u, v) in zip(out_pts, src_pts, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.extend([u, v])
    sol = np.linalg.solve(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return tuple(float(c) for c in sol)


def compare_signals(
    est: np.ndarray, fs_est: float, ref: np.ndarray, fs_ref: float, *, max_shift_s: float = 0.6
) -> tuple[float, float, float]:
    """How well a digitized signal matches the one that was drawn.

    The estimate is interpolated (cubic) onto the reference's time axis at the time shift,
    within ``max_shift_s`` and to a tenth of a reference sample, that maximises their
    correlation; both are mean-removed.

    Args:
        est: (n,) digitized signal at ``fs_est`` Hz; ref: (m,) drawn signal at ``fs_ref`` Hz.
    Returns:
        (SNR in dB, correlation, shift in seconds).
    """
    from scipy.interpolate import CubicSpline

    cs = CubicSpline(np.arange(est.size) / fs_est, est)
    t_ref = np.arange(ref.size) / fs_ref
    end = (est.size - 1) / fs_est

    def pair(d: float) -> tuple[np.ndarray, np.ndarray]:
        t = t_ref + d
        ok = (t >= 0) & (t <= end)
        a, b = ref[ok] - ref[ok].mean(), cs(t[ok])
        return a, b - b.mean()

    def corr(d: float) -> float:
        a, b = pair(d)
        return float(a @ b / np.sqrt((a @ a) * (b @ b))) if a.size > ref.size // 2 else -1.0

    d0 = max(np.arange(-max_shift_s, max_shift_s, 1 / fs_ref), key=corr)
    d1 = max(np.arange(d0 - 1 / fs_ref, d0 + 1 / fs_ref, 0.1 / fs_ref), key=corr)
    a, b = pair(d1)
    return float(10 * np.log10((a @ a) / ((a - b) @ (a - b)))), corr(d1), float(d1)
