"""Signal front end: resampling, filtering, R-peak detection, windows, RR context."""

from __future__ import annotations

import numpy as np
import pytest

from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import BEAT_SYMBOLS
from tests.ml.engine_helpers import excerpt_names, load_excerpt


def test_resample_keeps_duration_and_frequency() -> None:
    fs_in = 250.0
    t = np.arange(int(10 * fs_in)) / fs_in
    x = np.sin(2 * np.pi * 5 * t)
    y = sig.resample(x, fs_in, sig.FS)
    assert len(y) == 3600
    t360 = np.arange(len(y)) / sig.FS
    inner = slice(100, -100)
    assert np.max(np.abs(y[inner] - np.sin(2 * np.pi * 5 * t360)[inner])) < 0.01


def test_resample_at_the_same_rate_is_a_copy() -> None:
    x = np.arange(10.0)
    y = sig.resample(x, 360.0)
    assert np.array_equal(x, y) and y is not x


def test_resample_odd_rates_give_the_expected_length() -> None:
    assert len(sig.resample(np.zeros(1000), 128.0)) == round(1000 * 360 / 128)
    assert len(sig.resample(np.zeros(5120), 512.0)) == 3600


def test_clean_removes_baseline_wander_and_offset() -> None:
    t = np.arange(3600 * 3) / sig.FS
    drift = 2.0 + 0.8 * np.sin(2 * np.pi * 0.1 * t)
    y = sig.clean(drift)
    assert np.max(np.abs(y[720:-720])) < 0.1


@pytest.mark.parametrize("name", excerpt_names())
def test_r_peaks_match_reference_annotations(name: str) -> None:
    x, fs, ref, sym = load_excerpt(name)
    ref = ref[np.isin(sym, list(BEAT_SYMBOLS))]
    peaks = sig.detect_r_peaks(x, fs)
    m = ds.match_beats(peaks, ref, round(0.15 * fs))
    tp = int((m >= 0).sum())
    assert tp / len(ref) >= 0.95, (tp, len(ref))
    assert tp / len(peaks) >= 0.95, (tp, len(peaks))


def test_r_peaks_work_at_another_sampling_rate() -> None:
    x, fs, ref, _ = load_excerpt(excerpt_names()[0])
    x250 = sig.resample(x, fs, 250.0)
    peaks, _, _ = sig.process(x250, 250.0)
    m = ds.match_beats(peaks, ref, round(0.15 * fs))
    assert (m >= 0).sum() >= len(ref) - 2


def test_detector_returns_nothing_for_flat_or_tiny_signals() -> None:
    assert len(sig.detect_r_peaks(np.zeros(100))) == 0
    assert len(sig.detect_r_peaks(np.zeros(3600))) == 0


def test_beat_windows_are_centred_and_padded_at_edges() -> None:
    x = np.arange(1000, dtype=float)
    w = sig.beat_windows(x, np.array([0, 500, 999]))
    assert w.shape == (3, sig.WIN)
    assert w[1, sig.PRE] == 500
    assert w[0, 0] == 0  # padded with the edge value
    assert w[2, -1] == 999


def test_context_marks_a_premature_beat_as_early() -> None:
    peaks = np.array([0, 300, 600, 900, 1100, 1500, 1800, 2100, 2400]) + 400
    win = np.random.default_rng(0).normal(size=(len(peaks), sig.WIN)).astype(np.float32)
    ctx = sig.record_context(peaks, win)
    assert ctx.shape == (len(peaks), sig.N_CONTEXT)
    names = list(sig.CONTEXT_FEATURES)
    early = ctx[4, names.index("pre_over_local_minus_1")]
    assert early < -0.2
    assert ctx[4, names.index("post_over_local_minus_1")] > 0.1
    assert np.all(ctx[:, -1] == 1.0)


def test_context_of_a_single_beat_is_unavailable() -> None:
    ctx = sig.record_context(np.array([400]), np.zeros((1, sig.WIN), np.float32))
    assert np.all(ctx == 0)
