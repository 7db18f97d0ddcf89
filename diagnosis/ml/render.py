"""Beat window -> 2-D grayscale image: the beat drawn as a line plot (after Jun et al. 2018).

Rasterised in numpy, batched: each image column spans 4 samples; the trace is drawn from the
min to the max of the samples in that column (plus one neighbour on each side so consecutive
columns connect, as a plotted line does), with an anti-aliased edge of the chosen half-width.
Amplitude is normalised per beat to the plot height because an uploaded plot has no units.
Images are float32 in [0, 1], trace = 1 on a 0 background (the CNN input convention).
"""

from __future__ import annotations

import numpy as np

from diagnosis.ml.signal import WIN

#: Image size (rows, columns).
H: int = 64
W: int = 64
#: Samples per image column at 360 Hz.
SPC: int = WIN // W
#: Default drawing style, the style used for inference.
MARGIN: float = 4.0
#: Input channels of the record model: the beat, and the record's dominant beat.
CHANNELS: int = 2
HALF_WIDTH: float = 0.8


def normalise(windows: np.ndarray) -> np.ndarray:
    """Scale each beat to [0, 1] (min -> 0, max -> 1); flat beats become 0.5.

    Args:
        windows: (k, n) beat samples, any unit.
    Returns:
        (k, n) float32 in [0, 1].
    """
    w = np.asarray(windows, dtype=np.float32)
    lo = w.min(axis=1, keepdims=True)
    rng = w.max(axis=1, keepdims=True) - lo
    flat = rng < 1e-6
    out = (w - lo) / np.where(flat, 1.0, rng)
    return np.where(flat, 0.5, out).astype(np.float32)


def column_extents(norm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min/max of each column's samples, connected to the neighbouring columns.

    Args:
        norm: (k, WIN) normalised beats in [0, 1].
    Returns:
        lo, hi: (k, W) float32 in [0, 1].
    """
    k = norm.shape[0]
    cols = norm.reshape(k, W, SPC)
    lo = cols.min(axis=2)
    hi = cols.max(axis=2)
    # Include the last sample of the previous column and the first of the next one.
    prev_last = np.concatenate((cols[:, :1, 0], cols[:, :-1, -1]), axis=1)
    next_first = np.concatenate((cols[:, 1:, 0], cols[:, -1:, -1]), axis=1)
    lo = np.minimum(lo, np.minimum(prev_last, next_first))
    hi = np.maximum(hi, np.maximum(prev_last, next_first))
    return lo, hi


_ROWS = np.arange(H, dtype=np.float32)[None, :, None]


def render(
    windows: np.ndarray,
    *,
    margin_top: np.ndarray | float = MARGIN,
    margin_bottom: np.ndarray | float = MARGIN,
    half_width: np.ndarray | float = HALF_WIDTH,
    normalised: bool = False,
) -> np.ndarray:
    """Draw beats as images.

    Args:
        windows: (k, WIN) beat windows at 360 Hz (R at column PRE), millivolts or already
            normalised to [0, 1] (``normalised=True``).
        margin_top, margin_bottom: blank rows above/below the trace (scalar or (k,)).
        half_width: half the line width in pixels (scalar or (k,)).
    Returns:
        (k, H, W) float32 images in [0, 1], trace bright on dark.
    """
    norm = np.asarray(windows, dtype=np.float32) if normalised else normalise(windows)
    k = norm.shape[0]
    lo, hi = column_extents(norm)
    mt = np.broadcast_to(np.asarray(margin_top, dtype=np.float32), (k,))[:, None]
    mb = np.broadcast_to(np.asarray(margin_bottom, dtype=np.float32), (k,))[:, None]
    span = (H - 1) - mt - mb
    # Row 0 is the top of the image; value 1 is drawn at the top margin.
    top = mt + (1.0 - hi) * span
    bot = mt + (1.0 - lo) * span
    dist = np.maximum(np.maximum(top[:, None, :] - _ROWS, _ROWS - bot[:, None, :]), 0.0)
    hw = np.broadcast_to(np.asarray(half_width, dtype=np.float32), (k,))[:, None, None]
    return np.clip(hw + 0.5 - dist, 0.0, 1.0).astype(np.float32)


def model_input(beats: np.ndarray, template: np.ndarray | None) -> np.ndarray:
    """The CNN image input.

    Args:
        beats: (k, H, W) rendered beats.
        template: the record's dominant beat window (WIN,) shared by all beats, or (k, WIN)
            one per beat, for the record model; None for the beat-picture model.
    Returns:
        (k, H, W, CHANNELS) float32 with the template image in channel 1, or (k, H, W, 1)
        without a template.
    """
    if template is None:
        return np.asarray(beats, np.float32)[..., None]
    out = np.zeros((*beats.shape, CHANNELS), np.float32)
    out[..., 0] = beats
    t = np.asarray(template, np.float32)
    if t.ndim == 1:
        out[..., 1] = render(t[None, :])[0]
    else:
        out[..., 1] = render(t)
    return out


def to_png_array(image: np.ndarray) -> np.ndarray:
    """A rendered beat as a dark-on-light uint8 picture (how beat plots are usually shown).

    Args:
        image: (H, W) float image from :func:`render`.
    Returns:
        (H, W) uint8, 255 = white background.
    """
    return (255 - np.round(np.clip(image, 0, 1) * 255)).astype(np.uint8)
