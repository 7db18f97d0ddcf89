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


def _peaks(rr_s: list[float], start: int = 400) -> np.ndarray:
    return (start + np.concatenate(([0.0], np.cumsum(rr_s))) * sig.FS).round().astype(np.int64)


def _context(rr_s: list[float]) -> tuple[np.ndarray, list[str]]:
    peaks = _peaks(rr_s)
    win = np.random.default_rng(0).normal(size=(len(peaks), sig.WIN)).astype(np.float32)
    return sig.record_context(peaks, win), list(sig.CONTEXT_FEATURES)


def test_context_marks_a_premature_beat_as_early() -> None:
    rr = [0.8] * 20 + [0.5, 1.1] + [0.8] * 20
    ctx, names = _context(rr)
    assert ctx.shape == (len(rr) + 1, sig.N_CONTEXT)
    apc = 21  # the beat that ends the 0.5 s interval
    for f in ("pre_over_prev", "pre_over_sinus", "pre_over_window", "pre_over_post"):
        assert ctx[apc, names.index(f)] < -0.3, f
    assert ctx[apc, names.index("post_over_prev")] > 0.3
    on_time = ctx[10]
    assert np.all(np.abs(on_time[:8]) < 0.02)


def test_a_premature_beat_gives_the_same_ratios_in_a_slow_and_a_fast_heart() -> None:
    slow, names = _context([1.2] * 30 + [0.78, 1.62] + [1.2] * 30)  # 50 bpm
    fast, _ = _context([0.5] * 30 + [0.325, 0.675] + [0.5] * 30)  # 120 bpm
    rr_cols = [names.index(f) for f in names if "corr" not in f]
    for i in (15, 31, 32, 45):
        np.testing.assert_allclose(slow[i, rr_cols], fast[i, rr_cols], atol=0.01)
    assert slow[31, names.index("pre_over_prev")] == pytest.approx(0.78 / 1.2 - 1, abs=0.01)


def test_the_sinus_reference_sees_premature_beats_that_outnumber_sinus_ones() -> None:
    # Like MIT-BIH 232: runs of early beats are the most common interval; the record's median
    # RR is the premature interval, so a median reference would call them on time.
    rr = ([1.5] + [0.7] * 3) * 20
    ctx, names = _context(rr)
    early = [i + 1 for i, r in enumerate(rr) if r == 0.7][5:-5]
    assert np.median(rr) == 0.7
    assert np.all(ctx[early, names.index("pre_over_sinus")] < -0.45)
    assert np.all(ctx[early, names.index("pre_over_window")] < -0.1)


def test_the_previous_beats_reference_does_not_include_the_beat() -> None:
    rr = [0.8] * 12 + [0.4]
    ctx, names = _context(rr)
    # A centred mean would include the 0.4 s interval itself; the causal one does not.
    assert ctx[-1, names.index("pre_over_prev")] == pytest.approx(0.4 / 0.8 - 1, abs=1e-3)


def test_context_has_no_absolute_seconds() -> None:
    assert not any(f.endswith("_s") for f in sig.CONTEXT_FEATURES)


def test_context_of_a_single_beat_is_on_time_and_like_its_template() -> None:
    ctx = sig.record_context(np.array([400]), np.random.default_rng(1).normal(size=(1, sig.WIN)))
    names = list(sig.CONTEXT_FEATURES)
    assert np.all(ctx[0, :8] == 0)
    assert ctx[0, names.index("beat_corr_with_record_template")] == pytest.approx(1.0)
