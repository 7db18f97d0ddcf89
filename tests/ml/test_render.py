"""Beat rendering: the beat drawn as a 64x64 line plot, normalised per beat."""

from __future__ import annotations

import numpy as np

from diagnosis.ml import render
from diagnosis.ml.signal import PRE, WIN


def _spike(height: float = 1.0) -> np.ndarray:
    w = np.zeros((1, WIN), np.float32)
    w[0, PRE - 4 : PRE + 5] = height * np.hanning(9)
    return w


def test_render_shape_and_range() -> None:
    img = render.render(np.random.default_rng(0).normal(size=(5, WIN)))
    assert img.shape == (5, render.H, render.W)
    assert img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() <= 1.0


def test_the_r_peak_is_drawn_at_the_top_margin_in_its_column() -> None:
    img = render.render(_spike())[0]
    col = PRE // render.SPC
    rows = np.nonzero(img[:, col] > 0.5)[0]
    assert rows.min() == int(render.MARGIN)
    # The baseline is drawn at the bottom margin far from the peak.
    assert img[render.H - 1 - int(render.MARGIN), 2] > 0.5


def test_amplitude_is_normalised_per_beat() -> None:
    small = render.render(_spike(0.1))
    big = render.render(_spike(5.0))
    assert np.allclose(small, big, atol=1e-5)


def test_flat_beat_draws_a_horizontal_line() -> None:
    img = render.render(np.zeros((1, WIN)))[0]
    assert np.all(img.max(axis=0) > 0.5)
    assert np.count_nonzero(img.max(axis=1) > 0.5) <= 3


def test_line_width_and_margins_change_the_drawing() -> None:
    thin = render.render(_spike(), half_width=0.4)[0]
    thick = render.render(_spike(), half_width=1.8)[0]
    assert thick.sum() > thin.sum() * 1.5
    shifted = render.render(_spike(), margin_top=12.0)[0]
    col = PRE // render.SPC
    assert np.nonzero(shifted[:, col] > 0.5)[0].min() == 12


def test_consecutive_columns_are_connected() -> None:
    img = render.render(np.random.default_rng(1).normal(size=(3, WIN)))
    for k in range(3):
        on = img[k] > 0.3
        for c in range(render.W - 1):
            a, b = np.nonzero(on[:, c])[0], np.nonzero(on[:, c + 1])[0]
            assert a.size and b.size
            assert a.min() <= b.max() + 1 and b.min() <= a.max() + 1


def test_png_array_is_dark_trace_on_white() -> None:
    png = render.to_png_array(render.render(_spike())[0])
    assert png.dtype == np.uint8
    assert png[0, 0] == 255 and png.min() == 0
