"""Helpers for the rhythm and quality tests: the 30 s MIT-BIH excerpts and a synthetic ECG."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml import io
from diagnosis.ml.predict import Classifier

RHYTHM_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rhythm"


@cache
def classifier() -> Classifier:
    return Classifier.load()


def excerpt(name: str) -> io.Record:
    """One 30 s MLII excerpt of tests/fixtures/rhythm (made by engine/make_fixtures.py)."""
    return io.read_record(RHYTHM_FIXTURES / f"{name}.hea")


@cache
def classify_excerpt(name: str) -> dict[str, Any]:
    return classifier().classify_record(excerpt(name))


def seconds_of(result: dict[str, Any], code: str) -> float:
    """Total duration of one rhythm's episodes, in seconds."""
    eps = [e for e in result["rhythm"]["episodes"] if e["rhythm"] == code]
    return sum(e["end"] - e["start"] for e in eps) / float(result["fs"])


def synthetic_ecg(beat_times_s: np.ndarray, duration_s: float, fs: float = 360.0) -> np.ndarray:
    """A plain sinus-like ECG in mV: P, QRS and T waves (Gaussians) at the given beat times."""
    t = np.arange(int(duration_s * fs)) / fs
    x = np.zeros_like(t)
    for b in beat_times_s:
        x += 0.15 * np.exp(-(((t - (b - 0.16)) / 0.025) ** 2))  # P
        x += 1.2 * np.exp(-(((t - b) / 0.012) ** 2))  # R
        x -= 0.25 * np.exp(-(((t - (b + 0.03)) / 0.012) ** 2))  # S
        x += 0.3 * np.exp(-(((t - (b + 0.3)) / 0.05) ** 2))  # T
    rng = np.random.default_rng(0)
    return x + 0.01 * rng.standard_normal(len(t))
