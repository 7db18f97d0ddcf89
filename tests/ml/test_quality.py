"""Signal quality: flat lines, noise, clipping and gaps become NOISE or `unreadable`."""

from __future__ import annotations

import numpy as np

from diagnosis.ml import quality
from diagnosis.ml import signal as sig
from tests.ml.rhythm_helpers import classifier, classify_excerpt, excerpt, synthetic_ecg


def test_a_clean_recording_is_fully_usable() -> None:
    out = classify_excerpt("mitdb_100_600s")
    assert out["quality"]["usable_fraction"] == 1.0
    assert all(s["usable"] for s in out["quality"]["segments"])
    assert all(b["quality"] == "ok" for b in out["beats"])


def test_the_two_detectors_agree_on_clean_ecg_and_not_on_noise() -> None:
    rec = excerpt("mitdb_100_600s")
    xc = sig.clean(rec.signal)
    peaks = sig.detect_r_peaks(rec.signal, filtered=xc)
    assert quality.bsqi(peaks, quality.second_detector(xc), 0, len(xc)) >= 0.95
    noise = sig.clean(np.random.default_rng(1).standard_normal(len(xc)) * 0.5)
    noise_peaks = sig.detect_r_peaks(noise, filtered=noise)
    assert quality.bsqi(noise_peaks, quality.second_detector(noise), 0, len(noise)) < 0.8


def test_a_flat_line_is_unreadable_because_it_is_flat() -> None:
    out = classifier().classify_signal(np.zeros(30 * 360) + 0.3, 360.0)
    assert out["rhythm"]["verdict"] == "unreadable"
    assert out["rhythm"]["unreadable_cause"] == "flat_line"
    assert out["beats"] == [] or all(b["quality"] == "noise" for b in out["beats"])


def test_pure_noise_is_unreadable_and_gets_no_beat_classes() -> None:
    x = np.random.default_rng(2).standard_normal(30 * 360) * 0.4
    out = classifier().classify_signal(x, 360.0)
    assert out["rhythm"]["verdict"] == "unreadable"
    assert out["rhythm"]["unreadable_cause"] == "too_noisy"
    assert out["quality"]["usable_fraction"] < 0.5
    assert all(b["label"] is None for b in out["beats"] if b["quality"] == "noise")
    assert sum(out["summary"]["counts"].values()) + out["summary"]["n_noise_beats"] == len(
        out["beats"]
    )


def test_a_clipped_recording_is_unreadable_because_it_is_clipped() -> None:
    times = np.arange(0.5, 30, 0.8)
    x = np.clip(synthetic_ecg(times, 30.0) * 8, -0.2, 0.2)
    out = classifier().classify_signal(x, 360.0)
    assert out["rhythm"]["verdict"] == "unreadable"
    assert out["rhythm"]["unreadable_cause"] == "clipped"


def test_a_recording_too_short_for_a_verdict_says_so() -> None:
    times = np.arange(0.5, 8, 0.8)
    out = classifier().classify_signal(synthetic_ecg(times, 8.0), 360.0)
    assert out["rhythm"]["verdict"] == "unreadable"
    assert out["rhythm"]["unreadable_cause"] == "too_short"
    assert out["beats"], "the beats are still found and classified"


def test_a_long_gap_is_a_noise_episode_and_the_rest_is_analysed() -> None:
    rec = excerpt("mitdb_100_600s")
    x = rec.signal.copy()
    x[10 * 360 : 16 * 360] = np.nan
    out = classifier().classify_signal(x, rec.fs)
    noise = [e for e in out["rhythm"]["episodes"] if e["rhythm"] == "NOISE"]
    assert noise and noise[0]["start"] <= 10 * 360 and noise[0]["end"] >= 16 * 360
    assert out["rhythm"]["verdict"] == "normal"
    inside = [b for b in out["beats"] if noise[0]["start"] <= b["sample"] < noise[0]["end"]]
    assert all(b["quality"] == "noise" and b["label"] is None for b in inside)
    outside = [b for b in out["beats"] if b not in inside]
    assert len(outside) >= 25 and all(b["label"] for b in outside)
