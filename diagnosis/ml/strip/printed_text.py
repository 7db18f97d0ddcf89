"""The paper speed printed on the page ("25 mm/s", "Speed: 50 mm/sec"), read by OCR.

Tesseract reads the page's text lines only: the trace is blanked out, the grid is already
gone from the ink map, and the short lines of lettering left are cut out, enlarged so that
their glyphs are about :data:`GLYPH_PX` pixels high and stacked into one small image. The
speed is taken only when it is 25 or 50 mm/s and no other speed is printed.

OCR is optional: without the ``tesseract`` program (or ``pytesseract``), on a timeout or any
other OCR trouble, :func:`read_speed` answers None and the caller assumes the usual speed.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from diagnosis.ml.strip.layout import Row

#: Speeds that are taken when printed (mm/s).
SPEEDS = (25.0, 50.0)
#: Height the text lines are scaled to before OCR (pixels, ascender to descender).
GLYPH_PX = 40
#: Seconds Tesseract may take on one page.
OCR_TIMEOUT_S = 5.0
#: At most this many text lines, and this many pixels in the image given to Tesseract.
MAX_LINES = 40
MAX_PIXELS = 6_000_000

# A number, then mm/s as printed or as OCR slips on it: "mm" may come out as "rn", "rnm",
# "nm", "mrn"; the slash as "l", "I", "1", "|"; "s" as "S" or "5"; "sec" is allowed.
_SPEED_TEXT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[.,]\d)?)\s*(?:mm|rnm|mrn|rnrn|nm|mn|rn)\s*[/|\\l1i]\s*(?:sec|s|5)"
    r"(?![a-z])"
)


def speeds_in(text: str) -> list[float]:
    """The paper speeds (mm/s) written in ``text``, in order: "25 mm/s" -> [25.0]. A gain
    ("10 mm/mV") is not a speed."""
    return [float(m.group(1).replace(",", ".")) for m in _SPEED_TEXT.finditer(text.lower())]


def speed_from_text(text: str) -> float | None:
    """25.0 or 50.0 when that is the only speed written in ``text``; else None."""
    found = set(speeds_in(text))
    if len(found) != 1:
        return None
    value = found.pop()
    return value if value in SPEEDS else None


def text_lines(dark: np.ndarray, ppmm: float) -> list[tuple[int, int, int, int]]:
    """Boxes (top, bottom, left, right; bottom and right exclusive) of the lines of lettering
    in the boolean ``dark`` map (trace already removed), ``ppmm`` pixels per mm, widest first.
    A line is a run of marks 1-10 mm high and at least twice as wide as high."""
    from scipy import ndimage

    if not dark.any():
        return []
    # Letters join into words and words into a line; lines stay apart.
    kx = max(3, int(2.5 * ppmm) | 1)
    ky = max(1, int(0.3 * ppmm) | 1)
    grown = ndimage.maximum_filter(dark, size=(ky, kx))  # a dilation, separable: fast
    labels, count = ndimage.label(grown)
    boxes = []
    for s in ndimage.find_objects(labels)[:count]:
        if s is None:
            continue
        h, w = s[0].stop - s[0].start, s[1].stop - s[1].start
        if 1.0 * ppmm <= h <= 10.0 * ppmm and w >= 2 * h and w >= 4 * ppmm:
            boxes.append((s[0].start, s[0].stop, s[1].start, s[1].stop))
    boxes.sort(key=lambda b: b[3] - b[2], reverse=True)
    return boxes[:MAX_LINES]


def text_image(ink: np.ndarray, trace_mask: np.ndarray, ppmm: float) -> np.ndarray | None:
    """The page's lines of lettering, black on white (uint8), each scaled to about
    :data:`GLYPH_PX` high and stacked one under the other; None when there is no text."""
    from PIL import Image
    from scipy import ndimage

    strongest = float(np.percentile(ink, 99.9))
    if strongest < 0.2:
        return None
    # Faint marks (what is left of the grid, paper texture) turn white.
    level = np.clip((ink / strongest - 0.2) / 0.6, 0.0, 1.0)
    # The trace and what touches it (its antialiased edge) is not text.
    pad = max(1, int(0.3 * ppmm))
    level[ndimage.maximum_filter(trace_mask, size=2 * pad + 1)] = 0.0
    boxes = text_lines(level > 0.5, ppmm)
    pieces = []
    for top, bottom, left, right in boxes:
        m = max(2, int(0.5 * ppmm))
        crop = level[max(0, top - m) : bottom + m, max(0, left - m) : right + m]
        scale = float(np.clip(GLYPH_PX / (bottom - top), 0.5, 4.0))
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        grey = Image.fromarray(np.uint8(255 - 255 * crop)).resize(size, Image.Resampling.BICUBIC)
        pieces.append(np.asarray(grey))
    if not pieces:
        return None
    gap = GLYPH_PX // 2
    width = max(p.shape[1] for p in pieces) + 2 * gap
    height = sum(p.shape[0] + gap for p in pieces) + gap
    while width * height > MAX_PIXELS and len(pieces) > 1:
        height -= pieces.pop().shape[0] + gap  # the narrowest lines go first
    page = np.full((height, width), 255, dtype=np.uint8)
    y = gap
    for p in pieces:
        page[y : y + p.shape[0], gap : gap + p.shape[1]] = p[:, : width - 2 * gap]
        y += p.shape[0] + gap
    return page


def ocr(image: np.ndarray) -> str | None:
    """Tesseract's reading of a text image (uniform block of lines), or None when Tesseract is
    missing, times out or fails."""
    if shutil.which("tesseract") is None:
        return None
    try:
        import pytesseract
        from PIL import Image

        return str(
            pytesseract.image_to_string(
                Image.fromarray(image), config="--psm 6", timeout=OCR_TIMEOUT_S
            )
        )
    except Exception:  # OCR is a bonus: any trouble means "not read"
        return None


def read_speed(ink: np.ndarray, trace_mask: np.ndarray, ppmm: float) -> float | None:
    """The paper speed printed on the page (25.0 or 50.0 mm/s), or None when none is printed,
    several are, or it cannot be read.

    Args:
        ink: the page's ink map (0..1, grid suppressed), as the digitizer works on it.
        trace_mask: the trace's pixels (blanked out before OCR).
        ppmm: pixels per mm (from the grid, or a guess).
    """
    image = text_image(ink, trace_mask, max(ppmm, 1.0))
    if image is None:
        return None
    text = ocr(image)
    return speed_from_text(text) if text else None


def trace_mask(labels: np.ndarray, rows: list[Row]) -> np.ndarray:
    """The pixels of the rows' long components (the trace) in the component ``labels``."""
    ids = [lab for r in rows for lab in r.labels]
    return np.isin(labels, ids) if ids else np.zeros(labels.shape, dtype=bool)
