"""pipeline.read_input: the one place that decides what a file is and which reader reads it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from diagnosis.ml.errors import InputError
from diagnosis.ml.io import read_record
from diagnosis.ml.pipeline import read_input
from diagnosis.ml.strip import OUTPUT_FS
from tests.ml import strip_render
from tests.ml.engine_helpers import load_excerpt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXCERPT = FIXTURES / "mitdb_100_excerpt"
MLII = read_record(EXCERPT.with_suffix(".hea")).signal  # 10 s at 360 Hz, mV


def test_a_csv_of_bare_samples_is_read_at_the_rate_the_caller_gives(tmp_path: Path) -> None:
    path = tmp_path / "upload_1"  # stored under a generated name
    path.write_text("\n".join(f"{v:.4f}" for v in MLII) + "\n")
    with pytest.raises(InputError, match="does not say its sampling rate"):
        read_input(path)
    data = read_input(path, fs=360)
    assert data.kind == "record" and data.record is not None and data.digitized is None
    assert data.record.fs == 360.0
    np.testing.assert_allclose(data.record.signal, MLII, atol=1e-4)


def test_a_wfdb_record_is_read_by_name_or_by_its_signal_file(tmp_path: Path) -> None:
    for ext in (".hea", ".dat"):
        shutil.copy(EXCERPT.with_suffix(ext), tmp_path)
    record = tmp_path / EXCERPT.name
    for path in (record, record.with_suffix(".dat")):
        data = read_input(path, lead="V5")
        assert data.kind == "record" and data.record is not None
        assert (data.record.lead, data.record.fs) == ("V5", 360.0)
    with pytest.raises(InputError, match="but 250 Hz was given"):
        read_input(record, fs=250)


def test_pictures_go_to_the_beat_reader_or_the_digitizer(tmp_path: Path) -> None:
    signal, fs, _, _ = load_excerpt("mitdb_100_302760")
    strip, _ = strip_render.render_strip(signal[: int(10 * fs)], fs, px_per_mm=8)
    strip.save(tmp_path / "strip.png")
    data = read_input(tmp_path / "strip.png", lead="MLII", speed=25, gain=10)
    assert data.kind == "strip" and data.record is not None and data.digitized is not None
    assert (data.record.fs, data.record.lead, data.digitized.speed) == (OUTPUT_FS, "MLII", 25)
    beat = signal[200:452]
    one, _ = strip_render.render_strip(beat, fs, px_per_mm=20, grid=False, calibration=False)
    one.save(tmp_path / "beat.png")
    data = read_input(tmp_path / "beat.png")
    assert data.kind == "beat_image" and data.curve is not None and data.record is None
