"""ECG files for upload tests, made from the committed MIT-BIH excerpts (see
tests/fixtures/README.md for attribution)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import matplotlib
import numpy as np
import wfdb

matplotlib.use("Agg")
import matplotlib.pyplot as plt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXCERPT = FIXTURES / "mitdb_100_excerpt"
PVC_EXCERPT = FIXTURES / "engine" / "mitdb_233_482400"


def wfdb_files(record: Path = EXCERPT) -> tuple[bytes, bytes]:
    """(.hea bytes, .dat bytes) of a fixture record."""
    return record.with_suffix(".hea").read_bytes(), record.with_suffix(".dat").read_bytes()


def wfdb_zip(record: Path = EXCERPT) -> bytes:
    header, data = wfdb_files(record)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{record.name}.hea", header)
        zf.writestr(f"{record.name}.dat", data)
    return buffer.getvalue()


def beat_png(symbol: str = "N", record: Path = EXCERPT) -> bytes:
    """A classic 2-D beat plot (128 x 128 PNG, dark line, no axes) of the first beat with
    this MIT-BIH annotation symbol in the record."""
    signal = wfdb.rdrecord(str(record), channels=[0]).p_signal[:, 0]
    ann = wfdb.rdann(str(record), "atr")
    sample = next(
        s
        for s, sym in zip(ann.sample, ann.symbol, strict=True)
        if sym == symbol and s - 90 >= 0 and s + 162 <= signal.size
    )
    beat = signal[sample - 90 : sample + 162]
    fig = plt.figure(figsize=(1.28, 1.28), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.plot(np.arange(beat.size), beat, color="black", linewidth=1.0)
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def long_record_zip(tmp_dir: Path, minutes: float = 30.0) -> bytes:
    """A WFDB zip of ``minutes`` of ECG: the 15-s PVC excerpt repeated, 2 leads, 360 Hz,
    like a full MIT-BIH record in size."""
    source = wfdb.rdrecord(str(PVC_EXCERPT))
    repeats = int(np.ceil(minutes * 60 / (source.sig_len / source.fs)))
    signal = np.tile(source.p_signal, (repeats, 1))
    wfdb.wrsamp(
        "long",
        fs=source.fs,
        units=source.units,
        sig_name=source.sig_name,
        p_signal=signal,
        fmt=["212"] * signal.shape[1],
        write_dir=str(tmp_dir),
    )
    return wfdb_zip(tmp_dir / "long")
