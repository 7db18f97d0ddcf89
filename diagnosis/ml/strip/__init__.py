"""Digitize a picture of an ECG strip (photo, scan, screenshot or PDF page) into a signal.

Pipeline: decode (bounded by the pixel cap, reduced to :data:`WORK_SIDE`) -> flatten the
lighting (divide by a smooth background) -> split "ink" (dark, colourless: the trace, text)
from "grid" (pink/red lines, dark in green but not in red) -> estimate rotation from the
grid (or the trace) by projection profiles, and perspective (keystone) from how the grid
spacing changes across the picture, and undo both with one homography -> measure the grid
period (1 mm and 5 mm lines) in both directions for the scale -> find the
layout and pick one strip (:mod:`.layout`: rows whose tall complexes touch are split by
their ink baselines; the rhythm strip of a 12-lead page, else one lead's segment; leads are
never joined) -> read the paper speed printed on the page, unless
given (OCR of the text lines, when Tesseract is installed) -> follow the line column by
column (keeping the peaks of steep complexes, steep strokes placed by their horizontal
centre) -> drop the calibration pulse (its height gives the gain) -> convert to millivolts
with the paper speed and gain -> resample to :data:`OUTPUT_FS`.

One module per stage: :mod:`.picture` (decoding, ink and grid maps), :mod:`.grid` (geometry
and period of the millimetre grid), :mod:`.layout` (rows, layout, the strip to read),
:mod:`.trace` (following the ink line, calibration pulse), :mod:`.printed_text` (the paper
speed printed on the page), :mod:`.digitizer` (the stages in order, the result) and
:mod:`.classify` (a beat plot or a strip?).

Everything here is Django-free; every failure is an :class:`~diagnosis.ml.errors.InputError`.
"""

from __future__ import annotations

from diagnosis.ml.strip.classify import classify_picture
from diagnosis.ml.strip.digitizer import (
    DEFAULT_GAIN,
    DEFAULT_SPEED,
    OUTPUT_FS,
    Digitized,
    digitize,
)
from diagnosis.ml.strip.picture import WORK_SIDE, load_picture, pdf_page_count

__all__ = [
    "DEFAULT_GAIN",
    "DEFAULT_SPEED",
    "OUTPUT_FS",
    "WORK_SIDE",
    "Digitized",
    "classify_picture",
    "digitize",
    "load_picture",
    "pdf_page_count",
]
