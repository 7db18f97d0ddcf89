"""Tell a single-beat plot from a picture of an ECG strip, by content."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np

from diagnosis.ml.errors import InputError
from diagnosis.ml.strip.grid import grid_period
from diagnosis.ml.strip.layout import find_rows
from diagnosis.ml.strip.picture import (
    ink_and_grid,
    is_pdf,
    is_screen,
    load_picture,
    pdf_page_count,
)


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

    A strip is a picture with a millimetre grid, a dark screenshot, a picture with two or more
    rows of trace (a 12-lead page), or a wide picture (at least 1.8:1) whose line
    has three or more QRS-like peaks across its width; a PDF is always read as a strip. The
    picture is decoded at a reduced size (at most 1200 pixels a side).
    """
    p = Path(path)
    if is_pdf(p):
        pdf_page_count(p)
        return "strip"
    rgb = load_picture(p, max_side=1200)[0]
    ink, grid = ink_and_grid(rgb)
    h, w = ink.shape
    gx, _ = grid_period(grid.mean(axis=0))
    gy, _ = grid_period(grid.mean(axis=1))
    if gx > 0 and gy > 0 and abs(gx - gy) / max(gx, gy) < 0.15 and float(grid.mean()) > 0.01:
        return "strip"
    if is_screen(np.asarray(rgb, dtype=np.float32) / 255.0):
        return "strip"  # a monitor screenshot
    strongest = float(ink.max())
    if strongest >= 0.2:
        try:
            _, found = find_rows(ink > 0.5 * strongest, max(h, w) / 270.0)
        except InputError:
            found = []
        # Rows of trace (not flat lines such as a plot's axes): a 12-lead page, never one beat.
        if sum(1 for r in found if r.bottom - r.top >= 0.02 * h) >= 2:
            return "strip"
    if w < 1.8 * h:
        return "beat_image"
    if strongest < 0.2:
        return "beat_image"
    mask = ink > 0.5 * strongest
    cols = mask.any(axis=0)
    if cols.sum() < 16:
        return "beat_image"
    rows = np.arange(h, dtype=np.float64)[:, None]
    curve = (mask * rows).sum(axis=0)[cols] / mask.sum(axis=0)[cols]
    return "strip" if _peak_count(-curve) >= 3 else "beat_image"
