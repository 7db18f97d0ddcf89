"""Read a single-beat image (the classic 2-D beat plot) back into a 1-D curve.

The expected picture is one heartbeat drawn as a line on a plain background, as in
Jun et al. 2018 and the common "ECG 2D CNN" 128x128 beat plots: a dark trace on a light
background, no axes needed. The reader is tolerant of size, aspect ratio, margins,
anti-aliasing, JPEG noise, line width, colour, transparency and a peak that runs off the image.

Everything here is Django-free; every failure is an :class:`~diagnosis.ml.errors.InputError`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from diagnosis.ml.errors import InputError

__all__ = [
    "MAX_DECODE_SIDE",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_INK_FRACTION",
    "MIN_IMAGE_SIDE",
    "check_image",
    "read_beat_image",
]

#: Largest image accepted, in pixels (width x height), checked from the header before decoding.
MAX_IMAGE_PIXELS = 40_000_000
#: Largest image file accepted, in bytes.
MAX_IMAGE_BYTES = 32 * 1024 * 1024
#: Images with a longer side are reduced to it (box filter) before tracing, to bound memory;
#: the curve then has one value per column of the reduced image.
MAX_DECODE_SIDE = 4096
#: Smallest side accepted, in pixels (the classic plots are 128 x 128).
MIN_IMAGE_SIDE = 16
#: A beat plot is mostly background; above this share of "ink" it is not a beat plot.
MAX_INK_FRACTION = 0.30
#: Ink contrast (0..1) below which nothing is drawn.
_MIN_CONTRAST = 0.15
_FORMATS = {"PNG", "JPEG", "BMP", "HEIF"}
_heif_registered = False


def _register_heif() -> None:
    """Let Pillow open HEIC/HEIF (what iPhones save photos as) through pillow-heif's bundled
    libheif, once per process."""
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def _open(path: str | os.PathLike[str]) -> Image.Image:
    """Open lazily (header only) with every size guard applied; the caller must close it."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError("The image file could not be opened.") from exc
    if size == 0:
        raise InputError("The file is empty.")
    if size > MAX_IMAGE_BYTES:
        raise InputError(
            f"The image file is too large ({size / 2**20:.0f} MB); the limit is "
            f"{MAX_IMAGE_BYTES / 2**20:.0f} MB."
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on huge images; both become a clear InputError.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _register_heif()
            im = Image.open(p)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(
            f"The image is too large; at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels "
            "are accepted."
        ) from exc
    except UnidentifiedImageError as exc:
        raise InputError(
            "The file is not an image that can be read (PNG, JPEG, BMP or HEIC)."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError("The image file is damaged and could not be read.") from exc
    if im.format not in _FORMATS:
        im.close()
        raise InputError(
            f"{im.format or 'This'} images are not supported: upload a PNG, JPEG, BMP or HEIC."
        )
    width, height = im.size
    if width * height > MAX_IMAGE_PIXELS:
        im.close()
        raise InputError(
            f"The image is too large ({width} x {height} pixels); at most "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels are accepted."
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        im.close()
        raise InputError(
            f"The image is too small ({width} x {height} pixels); at least "
            f"{MIN_IMAGE_SIDE} pixels a side are needed."
        )
    return im


def check_image(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Cheap upload check: PNG/JPEG by content, size caps from the header, Pillow verify.

    Nothing is decoded, so this is safe on hostile files.

    Args:
        path: the image file.

    Returns:
        ``(width, height)`` in pixels.

    Raises:
        InputError: not a PNG/JPEG, too big, too small, or damaged.
    """
    im = _open(path)
    try:
        size = im.size
        im.verify()
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError("The image file is damaged and could not be read.") from exc
    finally:
        im.close()
    return size


def _to_ink(im: Image.Image) -> np.ndarray:
    """Per-pixel contrast against the background, 0 (background) .. 1 (full contrast)."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit or float greyscale: scale to 0..255 before the usual path.
        grey = np.asarray(im, dtype=np.float32)
        top = float(grey.max()) or 1.0
        im = Image.fromarray(np.clip(grey / top * 255.0, 0, 255).astype(np.uint8), mode="L")
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    rgba = np.asarray(im.convert("RGBA" if has_alpha else "RGB"), dtype=np.float32) / 255.0
    if has_alpha:
        alpha = rgba[..., 3:4]
        rgb = rgba[..., :3] * alpha + (1.0 - alpha)  # on white, as a viewer would show it
    else:
        alpha = None
        rgb = rgba
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    background = np.median(border, axis=0)
    ink = np.max(np.abs(rgb - background), axis=-1)
    if alpha is not None and float(ink.max()) < _MIN_CONTRAST:
        # A light trace on a transparent background: what is drawn is what is opaque.
        ink = alpha[..., 0] * (float(alpha.min()) < 0.5)
    return ink


def _runs(rows: np.ndarray) -> list[np.ndarray]:
    return np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)


def _extent(ink: np.ndarray, mask: np.ndarray, strongest: float) -> tuple[int, int]:
    """First and last column of the trace.

    The faint anti-aliased ends of a thin line still mark where the trace starts and stops
    (one column matters on a 64-pixel plot), so faint pixels connected to the trace count.
    """
    from scipy import ndimage

    cols = np.flatnonzero(mask.any(axis=0))
    faint = ink >= max(0.2 * strongest, _MIN_CONTRAST)
    labels, _ = ndimage.label(faint, structure=np.ones((3, 3), dtype=bool))
    attached = np.isin(labels, np.unique(labels[mask & faint])) & (labels > 0)
    if attached.any():
        wide = np.flatnonzero(attached.any(axis=0))
        return int(min(cols[0], wide[0])), int(max(cols[-1], wide[-1]))
    return int(cols[0]), int(cols[-1])


def _pen_width(mask: np.ndarray) -> float:
    """Line thickness in pixels: a low percentile of the vertical runs (slopes only add)."""
    lengths: list[int] = []
    for col in mask.T:
        rows = np.flatnonzero(col)
        if rows.size:
            lengths.extend(len(r) for r in _runs(rows))
    return float(np.percentile(lengths, 20)) if lengths else 1.0


def read_beat_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Recover the plotted curve of a single-beat image.

    Args:
        path: a PNG or JPEG (by content) showing one beat as a line on a plain background.

    Returns:
        Shape ``(n_columns,)`` float32: for each image column across the trace's horizontal
        extent (empty margins cut off; images wider or taller than :data:`MAX_DECODE_SIDE`
        are first reduced to it), the trace's height in [0, 1], 1 = top of the image,
        0 = bottom. Columns where the trace is missing (for example a peak cut off by the top
        edge) are filled by linear interpolation. The sampling rate is unknown: callers
        resample this to their beat length.

    Raises:
        InputError: not a readable PNG/JPEG, too large (> :data:`MAX_IMAGE_PIXELS`, checked
            before decoding), blank, or not a beat plot (too much dark area, or no single line).
    """
    from scipy import ndimage

    check_image(path)
    im = _open(path)
    try:
        if im.format == "JPEG" and max(im.size) > 2 * MAX_DECODE_SIDE:
            im.draft("RGB", (im.size[0] // 2, im.size[1] // 2))  # decode big JPEGs smaller
        im = ImageOps.exif_transpose(im)
        im.load()
        if max(im.size) > MAX_DECODE_SIDE:
            # Bound the memory of the float arrays below; a beat needs no more columns.
            im.thumbnail((MAX_DECODE_SIDE, MAX_DECODE_SIDE), Image.Resampling.BOX)
        ink = _to_ink(im)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, MemoryError) as exc:
        raise InputError("The image file is damaged and could not be read.") from exc
    finally:
        im.close()

    height, _ = ink.shape
    strongest = float(ink.max())
    if strongest < _MIN_CONTRAST:
        raise InputError("The image is blank: no trace was found.")
    mask = ink >= max(0.5 * strongest, _MIN_CONTRAST)
    if mask.mean() > MAX_INK_FRACTION:
        raise InputError(
            "The image does not look like a single-beat plot: too much of it is dark "
            "(a beat plot is a thin line on a plain background)."
        )
    # Drop specks (JPEG noise, dust): keep components at least 2% the size of the largest.
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    if count > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        keep = sizes >= max(3, 0.02 * sizes.max())
        mask = keep[labels]
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size < 8:
        raise InputError("The image is blank: no trace was found.")
    left, right = _extent(ink, mask, strongest)

    # A thick pen widens steep strokes sideways (a QRS drawn 5 px wide at 128 px spreads over
    # neighbouring columns); erode by the pen's radius to read the centre line where it survives.
    radius = int((_pen_width(mask) - 1) // 2)
    core = mask
    while radius >= 1:
        yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        eroded = ndimage.binary_erosion(mask, structure=xx**2 + yy**2 <= radius**2, border_value=1)
        if eroded.any(axis=0).sum() >= 0.9 * mask.any(axis=0).sum():
            core = eroded
            break
        radius -= 1  # thin strokes vanished: the pen is thinner than it looked
    if radius >= 1:
        # The cap of a thick line sticks out by its radius where it does not reach the edge.
        if left > 0:
            left = min(left + radius, right)
        if right < mask.shape[1] - 1:
            right = max(right - radius, left)

    width = right - left + 1
    values = np.full(width, np.nan, dtype=np.float64)
    run_counts = []
    for j in range(width):
        column = left + j
        rows = np.flatnonzero(core[:, column])
        if rows.size == 0:
            continue
        runs = _runs(rows)
        run_counts.append(len(runs))
        best = max(runs, key=lambda r: float(ink[r, column].sum()))
        w = ink[best, column]
        centre = float((best * w).sum() / w.sum())
        values[j] = 1.0 - (centre + 0.5) / height
    if not run_counts or float(np.median(run_counts)) > 2 or np.isnan(values).mean() > 0.5:
        raise InputError(
            "The image does not look like a single-beat plot: no single continuous trace was found."
        )
    missing = np.isnan(values)
    if missing.any():
        idx = np.arange(width)
        values[missing] = np.interp(idx[missing], idx[~missing], values[~missing])
    return np.clip(values, 0.0, 1.0).astype(np.float32)
