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


#: The header block of an Apple Watch ECG as the Health app exports it (the same lines as
#: tests/ml/test_io_csv.py's APPLE_METADATA), before the samples in µV at 512 Hz.
APPLE_HEADER = (
    "Name,Jane Appleseed\n"
    'Date of Birth,"Jan 1, 1980"\n'
    "Recorded Date,{recorded}\n"
    "Classification,{classification}\n"
    "Symptoms,{symptoms}\n"
    "Software Version,2.0\n"
    'Device,"Watch6,2"\n'
    "Sample Rate,512 hertz\n"
    "Lead,Lead I\n"
    "Unit,µV\n"
    "\n"
)


def apple_watch_csv(
    recorded: str = "2024-01-05 09:12:44 +0100",
    classification: str = "Sinus Rhythm",
    symptoms: str = "",
    record: Path = EXCERPT,
) -> bytes:
    """An Apple Watch ECG CSV: lead MLII of a fixture record resampled to 512 Hz, in µV.
    Each ``recorded`` date gives a different file (uploads are deduplicated by content)."""
    source = wfdb.rdrecord(str(record), channel_names=["MLII"])
    signal = source.p_signal[:, 0]
    t = np.arange(int(signal.size / source.fs * 512)) / 512
    uv = np.interp(t, np.arange(signal.size) / source.fs, signal) * 1000
    header = APPLE_HEADER.format(
        recorded=recorded, classification=classification, symptoms=symptoms
    )
    return (header + "\n".join(f"{v:.3f}" for v in uv) + "\n").encode()


def apple_export_zip(ecgs: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    """An Apple Health ``export.zip``: ``apple_health_export/export.xml`` (never read) and
    each of ``ecgs`` under ``apple_health_export/electrocardiograms/``; ``extra``: more
    members by their full path."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "apple_health_export/export.xml",
            '<?xml version="1.0"?>\n<HealthData locale="en_US">\n'
            + '<Record type="HKQuantityTypeIdentifierStepCount" value="12"/>\n' * 2000
            + "</HealthData>\n",
        )
        for name, data in ecgs.items():
            zf.writestr(f"apple_health_export/electrocardiograms/{name}", data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def three_apple_ecgs() -> dict[str, bytes]:
    """Three ECGs named as the Health app names them (two on one day get ``_1``)."""
    return {
        "ecg_2024-01-05.csv": apple_watch_csv("2024-01-05 09:12:44 +0100"),
        "ecg_2024-01-05_1.csv": apple_watch_csv(
            "2024-01-05 18:40:02 +0100", symptoms='"Rapid, pounding, or fluttering heartbeat"'
        ),
        "ecg_2024-02-11.csv": apple_watch_csv(
            "2024-02-11 07:03:15 +0100", "Inconclusive", record=PVC_EXCERPT
        ),
    }
