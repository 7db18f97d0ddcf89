"""EDF/EDF+ records written with pyEDFlib: lead choice, units, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyedflib
import pytest
from pyedflib import highlevel

from diagnosis.ml.errors import InputError
from diagnosis.ml.io import detect_kind, read_record, validate_upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MLII = read_record(FIXTURES / "mitdb_100_excerpt.hea").signal  # 10 s at 360 Hz, mV


def _at(fs: float, seconds: float = 10.0) -> np.ndarray:
    t = np.arange(int(fs * seconds)) / fs
    return np.interp(t, np.arange(MLII.size) / 360, MLII)


def _write_edf(
    path: Path,
    labels: tuple[str, ...] = ("EEG Fz", "ECG I", "ECG II"),
    dimension: str = "uV",
    fs: int = 256,
    file_type: int = pyedflib.FILETYPE_EDFPLUS,
) -> tuple[Path, np.ndarray]:
    mv = _at(fs)
    scale = {"uV": 1000.0, "mV": 1.0, "V": 0.001}[dimension]
    signals = [mv * scale * (k + 1) for k in range(len(labels))]
    headers = [
        highlevel.make_signal_header(
            label,
            dimension=dimension,
            sample_frequency=fs,
            physical_min=-10 * scale,
            physical_max=10 * scale,
            digital_min=-32768,
            digital_max=32767,
        )
        for label in labels
    ]
    highlevel.write_edf(str(path), signals, headers, file_type=file_type)
    return path, mv


def test_it_reads_an_edf_plus_and_prefers_an_ecg_lead(tmp_path: Path) -> None:
    path, mv = _write_edf(tmp_path / "rec.edf")
    rec = read_record(path)
    assert rec.fs == 256.0
    assert rec.leads == ("EEG Fz", "ECG I", "ECG II")
    assert rec.lead == "ECG I"  # the first ECG-looking lead, not the EEG channel
    np.testing.assert_allclose(rec.signal, mv * 2, atol=1e-3)  # µV -> mV


def test_lead_is_chosen_by_name(tmp_path: Path) -> None:
    path, mv = _write_edf(tmp_path / "rec.edf")
    assert read_record(path, lead="ecg ii").lead == "ECG II"
    assert read_record(path, lead="II").lead == "ECG II"  # "ECG"/"Lead" prefixes are ignored
    np.testing.assert_allclose(read_record(path, lead="II").signal, mv * 3, atol=1e-3)
    with pytest.raises(InputError, match=r"no lead named 'V1'.*EEG Fz, ECG I, ECG II"):
        read_record(path, lead="V1")


def test_mlii_is_preferred_and_millivolts_are_kept(tmp_path: Path) -> None:
    path, mv = _write_edf(
        tmp_path / "rec.edf", labels=("V5", "MLII"), dimension="mV", fs=360,
        file_type=pyedflib.FILETYPE_EDF,
    )  # fmt: skip
    rec = read_record(path)
    assert rec.lead == "MLII" and rec.fs == 360.0
    np.testing.assert_allclose(rec.signal, mv * 2, atol=1e-3)


def test_an_edf_is_found_by_content_and_validated(tmp_path: Path) -> None:
    path, _ = _write_edf(tmp_path / "rec.edf")
    stored = path.rename(tmp_path / "upload_7c1d.bin")
    assert detect_kind(stored) == "record"
    assert validate_upload(stored) == "record"
    assert read_record(stored).signal.size == 2560


def test_a_truncated_edf_is_refused(tmp_path: Path) -> None:
    path, _ = _write_edf(tmp_path / "rec.edf")
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(InputError, match="EDF file could not be read"):
        read_record(path)
    with pytest.raises(InputError, match="EDF file could not be read"):
        validate_upload(path)


def test_an_edf_with_a_garbled_header_is_refused(tmp_path: Path) -> None:
    path, _ = _write_edf(tmp_path / "rec.edf")
    data = bytearray(path.read_bytes())
    data[236:244] = b"abcdefgh"  # number of data records
    path.write_bytes(bytes(data))
    with pytest.raises(InputError):
        read_record(path)


def test_a_too_short_edf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.edf"
    header = highlevel.make_signal_header(
        "ECG II", dimension="mV", sample_frequency=200, physical_min=-5, physical_max=5
    )
    highlevel.write_edf(str(path), [MLII[:200]], [header])
    with pytest.raises(InputError, match="too short"):
        read_record(path)


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        (b"0       ", r"data-record duration of 0 s, so the sampling rate cannot be known"),
        (b"-1      ", r"EDF file could not be read"),  # pyEDFlib refuses these itself
        (b"nan     ", r"EDF file could not be read"),
    ],
)
def test_an_edf_with_no_usable_record_duration_is_refused_clearly(
    tmp_path: Path, duration: bytes, message: str
) -> None:
    path, _ = _write_edf(tmp_path / "rec.edf", file_type=pyedflib.FILETYPE_EDF)
    data = bytearray(path.read_bytes())
    data[244:252] = duration  # duration of a data record, s: the rate is samples / duration
    path.write_bytes(bytes(data))
    for check in (read_record, validate_upload):
        with pytest.raises(InputError, match=message):
            check(path)
