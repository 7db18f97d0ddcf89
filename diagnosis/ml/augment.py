"""Training-time augmentation: signal variations plus beat-plot variations.

Why: the model must read beats from other recorders (time/amplitude differences, noise,
residual baseline) and beats traced from uploaded plots (line width, anti-aliasing, margins,
small shifts and scale, JPEG-like noise, a peak cropped by the plot border).
"""

from __future__ import annotations

import numpy as np

from diagnosis.ml import render
from diagnosis.ml.signal import PRE, WIDE_PRE, WIN


def crop_window(wide: np.ndarray) -> np.ndarray:
    """The inference window (R at PRE) from a wide training window (R at WIDE_PRE)."""
    s = WIDE_PRE - PRE
    return wide[:, s : s + WIN]


def time_warp(wide: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Random time scale (+-15 %) and shift (+-4 samples), linear interpolation.

    Args:
        wide: (k, WIDE_PRE + WIDE_POST) windows, R at WIDE_PRE.
    Returns:
        (k, WIN) float32, R near PRE.
    """
    k, n = wide.shape
    scale = 1.0 + strength * rng.uniform(-0.15, 0.15, (k, 1))
    shift = strength * rng.uniform(-4, 4, (k, 1))
    t = WIDE_PRE + shift + scale * (np.arange(WIN)[None, :] - PRE)
    t = np.clip(t, 0, n - 1.001)
    i0 = np.floor(t).astype(np.int64)
    f = (t - i0).astype(np.float32)
    rows = np.arange(k)[:, None]
    return (wide[rows, i0] * (1 - f) + wide[rows, i0 + 1] * f).astype(np.float32)


def augment_images(wide: np.ndarray, rng: np.random.Generator, *, plots: bool) -> np.ndarray:
    """Augmented beat images from wide windows.

    Args:
        wide: (k, WIDE_PRE + WIDE_POST) beat windows in millivolts.
        plots: add the variations of a traced picture (cropped peak, margins, line width,
            hard edges, JPEG noise); False for the record model, which only sees beats the
            engine draws itself.
    Returns:
        (k, H, W) float32 images.
    """
    k = wide.shape[0]
    w = time_warp(wide, rng)
    rngs = np.ptp(w, axis=1, keepdims=True) + 1e-6
    # Residual baseline (a tilt) and broadband noise relative to the beat's own range.
    tilt = (rng.random((k, 1)) < 0.3) * rng.uniform(-0.15, 0.15, (k, 1)) * rngs
    w = w + tilt * np.linspace(-1, 1, WIN, dtype=np.float32)[None, :]
    noisy = rng.random((k, 1)) < 0.5
    w = (
        w
        + noisy * rng.normal(0, 1, w.shape).astype(np.float32) * rng.uniform(0, 0.03, (k, 1)) * rngs
    )
    norm = render.normalise(w)
    if not plots:
        return render.render(norm, normalised=True)
    # A peak cropped by the plot border: clip the top (or bottom) and renormalise.
    crop = np.asarray(rng.random(k) < 0.12)
    if crop.any():
        c = rng.uniform(0.75, 0.95, (int(crop.sum()), 1)).astype(np.float32)
        sub = norm[crop]
        top = rng.random((len(sub), 1)) < 0.7
        sub = np.where(top, np.minimum(sub, c), np.maximum(sub, 1 - c))
        norm[crop] = render.normalise(sub)
    plain = np.asarray(rng.random(k) < 0.4)  # keep a good share in the exact inference style
    mt = np.where(plain, render.MARGIN, rng.uniform(0, 12, k))
    mb = np.where(plain, render.MARGIN, rng.uniform(0, 12, k))
    hw = np.where(plain, render.HALF_WIDTH, rng.uniform(0.3, 1.8, k))
    img = render.render(norm, margin_top=mt, margin_bottom=mb, half_width=hw, normalised=True)
    # No anti-aliasing (hard-edged lines).
    hard = np.asarray(rng.random(k) < 0.15)
    img[hard] = (img[hard] > 0.5).astype(np.float32)
    # JPEG-like noise: pixel noise plus 8x8 block offsets, and blur-ish speckle at edges.
    jp = np.nonzero(np.asarray(rng.random(k) < 0.25))[0]
    if len(jp):
        sig = rng.uniform(0.01, 0.08, (len(jp), 1, 1)).astype(np.float32)
        noise = rng.normal(0, 1, (len(jp), render.H, render.W)).astype(np.float32) * sig
        blocks = rng.normal(0, 0.03, (len(jp), render.H // 8, render.W // 8)).astype(np.float32)
        noise += np.repeat(np.repeat(blocks, 8, axis=1), 8, axis=2)
        img[jp] = np.clip(img[jp] + noise, 0, 1)
    return img
