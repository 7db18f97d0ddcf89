"""Records laid out as PhysioNet publishes them, generated (no downloaded data)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

CINC_2017_RECORD_LINE = "A00001 1 300 9000 2014-05-01 11:05:48"
CINC_2017_SIGNAL_LINE = "A00001.mat 16+24 1000/mV 16 0 -127 0 0 ECG"


def ecg_like(fs: float, seconds: float, bpm: float = 72.0) -> np.ndarray:
    """A synthetic ECG in mV: P, QRS and T waves as Gaussian bumps at ``bpm``."""
    t = np.arange(int(fs * seconds)) / fs
    x = np.zeros_like(t)
    for beat in np.arange(0.3, seconds, 60.0 / bpm):
        for offset, width, height in ((-0.2, 0.025, 0.15), (0.0, 0.01, 1.2), (0.3, 0.05, 0.3)):
            x += height * np.exp(-0.5 * ((t - beat - offset) / width) ** 2)
    return x


def write_cinc_2017_record(
    folder: Path, record_line: str = CINC_2017_RECORD_LINE
) -> tuple[Path, np.ndarray]:
    """Write ``A00001.hea`` + ``A00001.mat`` as the PhysioNet/CinC 2017 set has them.

    The .mat is what wfdb2mat writes: a 24-byte MATLAB v4 header (int16 matrix "val",
    1 x 9000) followed by the samples as little-endian int16; the header's signal line skips
    it with ``16+24`` and its checksum is 0.

    Returns:
        The .hea path and the digital samples (1000 adu/mV, 9000 at 300 Hz).
    """
    digital = np.round(ecg_like(300.0, 30.0) * 1000).astype("<i2")
    assert digital.size == 9000
    matlab_v4 = struct.pack("<5i", 30, 1, digital.size, 0, 4) + b"val\x00"  # type 30: int16
    (folder / "A00001.mat").write_bytes(matlab_v4 + digital.tobytes())
    hea = folder / "A00001.hea"
    hea.write_text(f"{record_line}\n{CINC_2017_SIGNAL_LINE}\n")
    return hea, digital
