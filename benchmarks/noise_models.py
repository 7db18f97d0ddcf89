"""Synthetic ECG noise for the quality benchmark: baseline wander, muscle, electrode motion.

The MIT-BIH Noise Stress Test Database is not available here, so its three noise types are
imitated from their published descriptions (Moody, Muldrow & Mark 1984): ``bw`` is slow
(< 0.5 Hz) wander of large amplitude, ``ma`` is broadband muscle noise in bursts, ``em``
(electrode motion) mixes 1-10 Hz wander with abrupt steps and spikes, which is why it fools
QRS detectors most. SNR follows nstdbgen's convention: signal power is the mean QRS
peak-to-peak amplitude squared over 8, noise power its mean square. These are imitations:
results on them are not NSTDB results.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

KINDS: tuple[str, ...] = ("bw", "ma", "em")


def _band(x: np.ndarray, lo: float, hi: float, fs: float) -> np.ndarray:
    hi = min(hi, 0.45 * fs)
    sos = sps.butter(2, [lo / (fs / 2), hi / (fs / 2)], btype="bandpass", output="sos")
    return np.asarray(sps.sosfiltfilt(sos, x))


def noise(kind: str, n: int, fs: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-power noise of one kind: (n,) float64 at ``fs`` Hz."""
    t = np.arange(n) / fs
    if kind == "bw":
        x = sum(
            rng.uniform(0.5, 1.0)
            * np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t + rng.uniform(0, 6.3))
            for _ in range(4)
        )
        x = np.asarray(x) + _band(rng.standard_normal(n), 0.05, 0.7, fs) * 5
    elif kind == "ma":
        envelope = 0.4 + np.abs(_band(rng.standard_normal(n), 0.1, 1.0, fs)) * 8
        x = _band(rng.standard_normal(n), 15.0, 150.0, fs) * envelope
    elif kind == "em":
        base = _band(rng.standard_normal(n), 0.5, 10.0, fs)
        jumps = np.zeros(n)
        events = rng.integers(0, n, size=max(1, int(n / fs * 1.2)))
        jumps[events] = rng.standard_normal(len(events)) * 6
        decay = np.exp(-np.arange(int(0.3 * fs)) / (0.08 * fs))
        spikes = np.convolve(jumps, decay)[:n]
        x = base + _band(spikes, 0.3, 15.0, fs)
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    x = np.asarray(x, dtype=np.float64)
    x -= x.mean()
    return x / max(float(np.sqrt(np.mean(x * x))), 1e-12)


def qrs_power(x: np.ndarray, peaks: np.ndarray, fs: float) -> float:
    """nstdbgen's signal power: (mean QRS peak-to-peak amplitude)^2 / 8."""
    h = int(0.05 * fs)
    amps = [np.ptp(x[max(0, p - h) : p + h + 1]) for p in peaks if p - h >= 0 and p + h < len(x)]
    return float(np.mean(amps)) ** 2 / 8 if amps else float(np.var(x))


def add_noise(
    x: np.ndarray, peaks: np.ndarray, fs: float, kind: str, snr_db: float, seed: int
) -> np.ndarray:
    """``x`` (mV) plus ``kind`` noise at ``snr_db`` (nstdbgen convention); reproducible by seed."""
    rng = np.random.default_rng(seed)
    power = qrs_power(x, peaks, fs) / (10 ** (snr_db / 10))
    return x + noise(kind, len(x), fs, rng) * np.sqrt(power)
