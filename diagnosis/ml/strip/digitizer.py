"""The digitizing stage: from a decoded page to a signal in millivolts at :data:`OUTPUT_FS`.

Runs the stages in order (ink and grid maps, geometry, grid period, layout and the strip to
read, trace following, calibration pulse) and converts with the paper speed and gain: the
caller's, else the speed printed on the page (:mod:`~diagnosis.ml.strip.printed_text`, when
Tesseract is installed) and the gain the calibration pulse shows, else 25 mm/s and 10 mm/mV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import Record
from diagnosis.ml.strip.grid import comb_refine, detrend, geometry, grid_period, warp
from diagnosis.ml.strip.layout import HINT_CROP, HINT_PHOTO, UNKNOWN_LAYOUT, choose, find_rows
from diagnosis.ml.strip.layout import band as layout_band
from diagnosis.ml.strip.picture import ink_and_grid, is_pdf, is_screen, load_picture
from diagnosis.ml.strip.printed_text import read_speed, trace_mask
from diagnosis.ml.strip.trace import NO_TRACE, cut_pulse, follow, gain_from_pulse

#: Paper speed (mm/s) and gain (mm/mV) assumed unless the caller says otherwise.
DEFAULT_SPEED = 25.0
DEFAULT_GAIN = 10.0
#: Length of a full row of trace (mm): 10 s at 25 mm/s, 5 s at 50 mm/s. Assumed on a page
#: without a grid.
NO_GRID_STRIP_MM = 250.0
#: Rate of the digitized signal (Hz).
OUTPUT_FS = 250.0
#: Shortest trace accepted, in seconds.
MIN_TRACE_S = 2.0


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
        layout: the page layout found ("single", "3x4+1", "6x2", "12x1", "monitor", ...).
        strip: which strip was read and why, in words; lead: its lead ("II", or "as printed").
        speed_source: "given" (by the caller), "printed text" (read from the speed printed on
            the page) or "default" (25 mm/s assumed).
        gain_source: "given", "calibration pulse" or "default".
        notes: what the reader should know (only 2.5 s readable, scales assumed).
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
    layout: str = "single"
    strip: str = "the only strip"
    lead: str = "II"
    speed_source: str = "default"
    gain_source: str = "default"
    notes: tuple[str, ...] = ()

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
            "speed_source": self.speed_source,
            "gain_source": self.gain_source,
            "calibration_pulse": self.calibration_pulse,
            "page": self.page,
            "layout": self.layout,
            "strip": self.strip,
            "lead": self.lead,
            "duration_s": round(self.record.signal.size / self.record.fs, 2),
            "notes": list(self.notes),
        }


def _digitize_image(
    rgb: Image.Image,
    *,
    speed: float | None,
    gain: float | None,
    px_per_mm: float | None,
    lead: str | None,
) -> Digitized:
    rng = np.random.default_rng(0)
    screen = is_screen(np.asarray(rgb, dtype=np.float32) / 255.0)
    ink, grid = ink_and_grid(rgb)
    strongest = float(np.percentile(ink, 99.9))
    if strongest < 0.2:
        raise InputError(f"{NO_TRACE}: the picture looks blank. {HINT_PHOTO}")
    thr = max(0.25, 0.5 * strongest)
    mask = ink > thr
    if mask.mean() > 0.15:
        raise InputError(
            f"{NO_TRACE}: the picture does not look like an ECG strip (too much of it is dark). "
            + HINT_PHOTO
        )
    grid_mask = grid > max(0.08, float(np.percentile(grid, 90)))
    on_grid = grid_mask.mean() > 0.01
    # Keystone only from the grid: a trace alone has no straight lines to rectify.
    geo = geometry(grid_mask if on_grid else mask, rng, grid if on_grid else None)
    angle = geo.angle
    if not geo.identity:
        ink, grid = warp([ink, grid], geo)
        mask = ink > thr
    # Grid period in both directions; the ink rows are left out so the trace does not count.
    gx, _ = grid_period(grid.mean(axis=0))
    gy, sy = grid_period(grid.mean(axis=1))
    if gx > 0 and sy >= 30 and (gy <= 0 or abs(gx - gy) / max(gx, gy) >= 0.15):
        # The long axis is the reliable one; the short one only refines it (1 mm vs 5 mm
        # lines are easily confused over a few centimetres of paper).
        gy = comb_refine(detrend(grid.mean(axis=1)), gx)
    has_grid = gx > 0 and gy > 0 and abs(gx - gy) / max(gx, gy) < 0.15
    if px_per_mm:
        ppx = ppy = float(px_per_mm)
    elif has_grid:
        ppx, ppy = gx, gy
    else:
        ppx = ppy = 0.0  # decided from the trace length below
    guess = ppy if ppy else max(mask.shape) / 270.0
    labels, rows = find_rows(mask, guess)
    if speed:
        spd, speed_source = float(speed), "given"
    else:
        printed = read_speed(ink, trace_mask(labels, rows), guess)
        spd, speed_source = (printed, "printed text") if printed else (DEFAULT_SPEED, "default")
    choice = choose(rows, screen=screen, row_s=NO_GRID_STRIP_MM / spd)
    band, c0, c1 = layout_band(labels, rows, choice, guess)
    notes = list(choice.notes)
    if not ppx:
        # No grid: the strip is taken to fill the usual length of paper (10 s at 25 mm/s).
        ppx = ppy = (c1 - c0 + 1) / NO_GRID_STRIP_MM
        if not screen:
            notes.append(
                f"No grid was found: the strip is assumed to last {NO_GRID_STRIP_MM / spd:g} s "
                f"(the usual {NO_GRID_STRIP_MM:g} mm of paper at {spd:g} mm/s)."
            )
    span_s = (c1 - c0 + 1) / ppx / spd
    if span_s < MIN_TRACE_S:
        raise InputError(
            f"{NO_TRACE}: no line runs across the picture like an ECG trace. {HINT_PHOTO}"
        )
    y, pen, single = follow(band, ink, c0, c1)
    found = np.isfinite(y)
    coverage = float(found.mean())
    if coverage < 0.6 or single < 0.5 or pen > max(3.0, 1.0 * ppy):
        hint = HINT_CROP if len(rows) > 1 else HINT_PHOTO
        raise InputError(
            f"{NO_TRACE}: the picture does not look like an ECG strip (no single continuous "
            f"line). {hint}"
        )
    if choice.layout == "unknown":
        raise InputError(UNKNOWN_LAYOUT)
    idx = np.arange(y.size)
    y = np.interp(idx, idx[found], y[found])
    y_mm = y / ppy
    lo, hi, pulse = cut_pulse(y_mm, ppx, gain)
    if pulse is not None:
        # A pulse printed apart from the trace: start after the blank that follows it.
        gap = np.flatnonzero(~found[lo : lo + int(6 * ppx)])
        if gap.size:
            rest = np.flatnonzero(found[lo + int(gap[-1]) :])
            lo += int(gap[-1]) + (int(rest[0]) if rest.size else 0)
    pulse_gain = gain_from_pulse(pulse)
    if gain:
        g, gain_source = float(gain), "given"
    elif pulse_gain:
        g, gain_source = pulse_gain, "calibration pulse"
    else:
        g, gain_source = DEFAULT_GAIN, "default"
    y_mm = y_mm[lo:hi]
    mv = -(y_mm - np.median(y_mm)) / g
    t = np.arange(y_mm.size) / ppx / spd
    duration = float(t[-1]) if t.size else 0.0
    if duration < MIN_TRACE_S:
        raise InputError(
            f"{NO_TRACE}: the trace is shorter than {MIN_TRACE_S:g} seconds. {HINT_PHOTO}"
        )
    from scipy.interpolate import CubicSpline

    n_out = int(duration * OUTPUT_FS) + 1
    # Cubic, not linear: a column rate near 200 Hz would flatten the R peaks.
    signal = CubicSpline(t, mv)(np.arange(n_out) / OUTPUT_FS)
    signal.setflags(write=False)
    quality = coverage * (0.5 + 0.5 * single) * (1.0 if has_grid or px_per_mm else 0.7)
    name = lead or "II"
    return Digitized(
        record=Record(signal=signal, fs=OUTPUT_FS, lead=name, leads=(name,)),
        quality=float(np.clip(quality, 0.0, 1.0)),
        grid=bool(has_grid),
        rotation_deg=float(angle),
        px_per_mm=(float(ppx), float(ppy)),
        speed=spd,
        gain=g,
        calibration_pulse=pulse is not None,
        layout=choice.layout,
        strip=choice.why,
        lead=lead or choice.lead,
        speed_source=speed_source,
        gain_source=gain_source,
        notes=tuple(notes),
    )


def digitize(
    path: str | os.PathLike[str],
    *,
    speed: float | None = None,
    gain: float | None = None,
    px_per_mm: float | None = None,
    lead: str | None = None,
    page: int | None = None,
) -> Digitized:
    """Digitize the rhythm strip in a picture (PNG/JPEG) or a PDF (best of its first pages).

    Args:
        path: the picture, recognised by content.
        speed: paper speed in mm/s (default: as printed on the page when it can be read, else
            25).
        gain: millimetres per millivolt (default: from the calibration pulse, else 10).
        px_per_mm: the scale in pixels of the *working* image per mm, when there is no grid to
            measure it from (default: from the grid; without a grid, the trace is assumed to
            span 250 mm, 10 s at 25 mm/s).
        lead: name to give the lead (default: as the layout tells, "II" for a rhythm strip).
        page: a PDF's page to read (0-based); default: the best read of its first pages.
    Returns:
        :class:`Digitized` with the signal in mV at :data:`OUTPUT_FS` Hz.
    Raises:
        InputError: unreadable picture, or no ECG trace found (blank, photo, noise).
    """
    if not (1.0 <= (speed or DEFAULT_SPEED) <= 200.0 and 1.0 <= (gain or DEFAULT_GAIN) <= 100.0):
        raise InputError("The paper speed or gain is out of range (speed 1-200 mm/s, gain 1-100).")
    pages = load_picture(path, page=page)
    from_pdf = is_pdf(Path(path))
    best: Digitized | None = None
    error: InputError | None = None
    for i, picture in enumerate(pages):
        try:
            d = _digitize_image(picture, speed=speed, gain=gain, px_per_mm=px_per_mm, lead=lead)
        except InputError as exc:
            error = error or exc
            continue
        except MemoryError as exc:
            raise InputError("The picture is too large to digitize.") from exc
        if from_pdf:
            d = Digitized(**{**d.__dict__, "page": i if page is None else page})
        if best is None or d.quality > best.quality:
            best = d
    if best is None:
        raise error or InputError(f"{NO_TRACE}.")
    return best
