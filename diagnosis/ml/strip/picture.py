"""Decode a strip picture (PNG/JPEG/BMP, or the first pages of a PDF); split ink from grid.

Pictures are recognised by content, decoded within the pixel cap and reduced to
:data:`WORK_SIDE`, so that the later stages work on a bounded image.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from diagnosis.ml.errors import InputError

#: Longest side of the working image (pixels); bigger pictures are reduced first.
WORK_SIDE = 3000
#: At most this many PDF pages are looked at.
MAX_PDF_PAGES = 4


# --- Decoding ------------------------------------------------------------------------------------


def is_pdf(path: Path) -> bool:
    """A PDF by its first bytes (uploads are stored under generated names)."""
    with path.open("rb") as fh:
        return fh.read(5) == b"%PDF-"


def _pdf_pages(path: Path, max_side: int, page: int | None = None) -> list[Image.Image]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:
        raise InputError("The PDF file is damaged or protected and could not be read.") from exc
    try:
        if len(pdf) == 0:
            raise InputError("The PDF file has no pages.")
        if page is not None and not 0 <= page < len(pdf):
            raise InputError(f"The PDF has {len(pdf)} page(s); page {page + 1} does not exist.")
        pages = []
        chosen = [page] if page is not None else range(min(len(pdf), MAX_PDF_PAGES))
        for i in chosen:
            sheet = pdf[i]
            w, h = sheet.get_size()  # points
            scale = min(max_side / max(w, h, 1.0), 8.0)
            bitmap = sheet.render(scale=scale, fill_color=(255, 255, 255, 255))
            pages.append(bitmap.to_pil().convert("RGB"))
            sheet.close()
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


def load_picture(
    path: str | os.PathLike[str], max_side: int = WORK_SIDE, page: int | None = None
) -> list[Image.Image]:
    """Decode a PNG/JPEG/BMP (one image) or a PDF (its first pages, or only ``page``, 0-based)
    as RGB, reduced to ``max_side``.

    Raises:
        InputError: unreadable, too large (pixel cap checked before decoding) or damaged.
    """
    from diagnosis.ml.image import _open, check_image

    p = Path(path)
    if is_pdf(p):
        return _pdf_pages(p, max_side, page)
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


def is_screen(a: np.ndarray) -> bool:
    """A dark picture (a monitor screenshot): most of it is darker than a third of full scale.
    ``a``: (h, w, 3) in 0..1."""
    return float(np.median(a.max(axis=2))) < 0.33


def ink_and_grid(rgb: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """(ink, grid) maps in 0..1: ink = dark in every channel, grid = dark in green only (on a
    dark screen: ink = bright, no grid)."""
    from scipy import ndimage

    a = np.asarray(rgb, dtype=np.float32) / 255.0
    h, w = a.shape[:2]
    if is_screen(a):
        # A monitor screenshot: a bright trace on a dark screen, no grid.
        bright = a.max(axis=2)
        return np.clip(bright - float(np.median(bright)), 0.0, 1.0), np.zeros_like(bright)
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
