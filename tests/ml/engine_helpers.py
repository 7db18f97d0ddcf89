"""Shared helpers for the engine tests: the MIT-BIH excerpt fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())


def load_excerpt(name: str) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(signal mV, fs, reference beat samples, reference symbols) of one fixture excerpt."""
    import wfdb

    rec = wfdb.rdrecord(str(FIXTURES / name))
    ann = wfdb.rdann(str(FIXTURES / name), "atr")
    return (
        rec.p_signal[:, 0].astype(np.float64),
        float(rec.fs),
        np.asarray(ann.sample),
        np.asarray(ann.symbol),
    )


def excerpt_names() -> list[str]:
    """Names of all excerpt fixtures."""
    return [m["name"] for m in MANIFEST]
