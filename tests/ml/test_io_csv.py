"""CSV records: bare samples, time + lead columns, rate in a header line, the Apple Watch export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import diagnosis.ml.readers.common as limits
from diagnosis.ml.errors import InputError
from diagnosis.ml.io import read_record, validate_upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MLII = read_record(FIXTURES / "mitdb_100_excerpt.hea").signal  # 10 s at 360 Hz, mV
V5 = read_record(FIXTURES / "mitdb_100_excerpt.hea", lead="V5").signal


def _write(tmp_path: Path, text: str, name: str = "ecg.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _at_512(signal: np.ndarray) -> np.ndarray:
    t = np.arange(int(signal.size / 360 * 512)) / 512
    return np.interp(t, np.arange(signal.size) / 360, signal)


def test_one_column_of_samples_needs_the_rate(tmp_path: Path) -> None:
    path = _write(tmp_path, "\n".join(f"{v:.4f}" for v in MLII) + "\n")
    with pytest.raises(InputError, match="does not say its sampling rate"):
        read_record(path)
    rec = read_record(path, fs=360)
    assert (rec.fs, rec.lead, rec.leads) == (360.0, "ECG", ("ECG",))
    np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)


def test_a_time_column_in_seconds_gives_the_rate_and_mlii_is_chosen(tmp_path: Path) -> None:
    rows = [f"{i / 360:.6f},{a:.4f},{b:.4f}" for i, (a, b) in enumerate(zip(V5, MLII, strict=True))]
    path = _write(tmp_path, "time,V5,MLII\n" + "\n".join(rows) + "\n")
    rec = read_record(path)
    assert rec.fs == pytest.approx(360.0, rel=1e-4)
    assert rec.lead == "MLII" and rec.leads == ("V5", "MLII")
    np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)
    assert read_record(path, lead="v5").lead == "V5"
    with pytest.raises(InputError, match=r"no lead named 'V1'.*V5, MLII"):
        read_record(path, lead="V1")


def test_a_time_column_in_milliseconds_is_recognised(tmp_path: Path) -> None:
    rows = [f"{i * 4},{v:.4f}" for i, v in enumerate(MLII[:2500])]  # 250 Hz
    for header in ("time_ms,II\n", "Time (ms),II\n", ""):
        rec = read_record(_write(tmp_path, header + "\n".join(rows) + "\n"))
        assert rec.fs == pytest.approx(250.0)


def test_an_unnamed_time_column_in_seconds_is_recognised(tmp_path: Path) -> None:
    rows = [f"{i / 500:.4f} {v:.4f}" for i, v in enumerate(MLII[:2000])]  # whitespace, 500 Hz
    rec = read_record(_write(tmp_path, "\n".join(rows) + "\n", name="x.txt"))
    assert rec.fs == pytest.approx(500.0)
    assert rec.signal.size == 2000


def test_a_sample_index_column_gives_no_rate(tmp_path: Path) -> None:
    rows = [f"{i},{v:.4f}" for i, v in enumerate(MLII)]
    path = _write(tmp_path, "sample,MLII\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match="does not say its sampling rate"):
        read_record(path)
    assert read_record(path, fs=360).fs == 360.0


def test_a_header_line_with_the_rate_is_used(tmp_path: Path) -> None:
    body = "\n".join(f"{v:.4f}" for v in MLII)
    for header in ("# fs = 360\n", "Sampling frequency: 360 Hz\n", "fs,360\nMLII\n"):
        rec = read_record(_write(tmp_path, header + body + "\n"))
        assert rec.fs == 360.0
        np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)
    assert rec.lead == "MLII"
    # A unit in the column name applies: these values are in µV.
    uv = "\n".join(f"{v * 1000:.1f}" for v in MLII)
    rec = read_record(_write(tmp_path, "fs,360\nMLII (uV)\n" + uv + "\n"))
    np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)


def test_a_frequency_that_is_not_the_sampling_rate_is_ignored(tmp_path: Path) -> None:
    body = "\n".join(f"{v:.4f}" for v in MLII)
    path = _write(tmp_path, "# band-pass filtered 0.5-40 Hz\n# Sample rate: 360 Hz\n" + body)
    assert read_record(path).fs == 360.0
    path = _write(tmp_path, "# band-pass filtered 0.5-40 Hz\n" + body)
    with pytest.raises(InputError, match="does not say its sampling rate"):
        read_record(path)


def test_a_given_rate_that_contradicts_the_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "# fs = 360\n" + "\n".join(f"{v:.4f}" for v in MLII) + "\n")
    assert read_record(path, fs=360).fs == 360.0
    with pytest.raises(InputError, match="says the sampling rate is 360 Hz but 250 Hz was given"):
        read_record(path, fs=250)


APPLE_METADATA = (
    "Name,Jane Appleseed\n"
    'Date of Birth,"Jan 1, 1980"\n'
    "Recorded Date,2024-03-01 09:12:44 +0100\n"
    "Classification,Sinus Rhythm\n"
    "Symptoms,\n"
    "Software Version,2.0\n"
    'Device,"Watch6,2"\n'
    "Sample Rate,512 hertz\n"
    "Lead,Lead I\n"
    "Unit,µV\n"
    "\n"
)


def test_the_apple_watch_export_with_a_decimal_point_and_bom(tmp_path: Path) -> None:
    uv = _at_512(MLII) * 1000
    text = "\ufeff" + APPLE_METADATA + "\n".join(f"{v:.3f}" for v in uv) + "\n"
    rec = read_record(_write(tmp_path, text, name="ecg_2024-03-01.csv"))
    assert (rec.fs, rec.lead, rec.leads) == (512.0, "Lead I", ("Lead I",))
    np.testing.assert_allclose(rec.signal, uv / 1000, atol=1e-5)
    assert read_record(_write(tmp_path, text), lead="I").lead == "Lead I"


def test_the_apple_watch_export_with_a_blank_line_inside_the_metadata(tmp_path: Path) -> None:
    uv = _at_512(MLII) * 1000
    metadata = APPLE_METADATA.replace("512 hertz\n", "512 hertz\n\n")
    rec = read_record(_write(tmp_path, metadata + "\n".join(f"{v:.3f}" for v in uv) + "\n"))
    assert (rec.fs, rec.lead) == (512.0, "Lead I")
    np.testing.assert_allclose(rec.signal, uv / 1000, atol=1e-5)


def test_the_apple_watch_export_with_quoted_decimal_commas(tmp_path: Path) -> None:
    uv = _at_512(MLII) * 1000
    body = "\n".join('"' + f"{v:.3f}".replace(".", ",") + '"' for v in uv)
    text = APPLE_METADATA.replace("512 hertz", '"512 Hertz"') + body + "\n"
    rec = read_record(_write(tmp_path, text))
    assert rec.fs == 512.0
    np.testing.assert_allclose(rec.signal, uv / 1000, atol=1e-5)


def test_the_apple_watch_export_with_bare_decimal_commas(tmp_path: Path) -> None:
    uv = _at_512(MLII) * 1000
    body = "\n".join(f"{v:.3f}".replace(".", ",") for v in uv)
    rec = read_record(_write(tmp_path, APPLE_METADATA + body + "\n", encoding="utf-8-sig"))
    np.testing.assert_allclose(rec.signal, uv / 1000, atol=1e-5)


def test_semicolons_with_decimal_commas(tmp_path: Path) -> None:
    rows = [f"{i / 360:.6f};{v:.4f}".replace(".", ",") for i, v in enumerate(MLII)]
    rec = read_record(_write(tmp_path, "Zeit;Ableitung II\n" + "\n".join(rows) + "\n"))
    assert rec.fs == pytest.approx(360.0, rel=1e-4)
    np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)


def test_a_latin1_file_is_read(tmp_path: Path) -> None:
    text = "Unit,µV\nSample Rate,360 Hz\n\n" + "\n".join(f"{v * 1000:.1f}" for v in MLII)
    rec = read_record(_write(tmp_path, text, encoding="latin-1"))
    np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)


def test_a_utf16_file_from_excel_is_read(tmp_path: Path) -> None:
    text = "time\tII\r\n" + "\r\n".join(f"{i / 360:.6f}\t{v:.4f}" for i, v in enumerate(MLII))
    rec = read_record(_write(tmp_path, text, encoding="utf-16"))
    assert rec.fs == 360.0
    np.testing.assert_allclose(rec.signal, MLII, atol=1e-4)


def test_a_one_sample_csv_is_too_short(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"too short \(1 sample,"):
        read_record(_write(tmp_path, "0.5\n"), fs=360)


def test_a_nan_or_empty_value_is_filled_in_with_a_warning(tmp_path: Path) -> None:
    values = [f"{v:.4f}" for v in MLII]
    values[100] = "NaN"
    rec = read_record(_write(tmp_path, "\n".join(values) + "\n"), fs=360)
    assert rec.signal[100] == pytest.approx((MLII[99] + MLII[101]) / 2, abs=1e-4)
    assert rec.warnings == ("1 short gap (3 ms) of missing samples was filled in.",)
    values[100] = ""
    text = "time,II\n" + "\n".join(f"{i / 360:.6f},{v}" for i, v in enumerate(values))
    rec = read_record(_write(tmp_path, text))
    assert np.isfinite(rec.signal).all() and len(rec.warnings) == 1


def test_text_in_the_data_is_named(tmp_path: Path) -> None:
    values = [f"{v:.4f}" for v in MLII]
    values[50] = "lead off"
    with pytest.raises(InputError, match="not a number \\('lead off'\\)"):
        read_record(_write(tmp_path, "\n".join(values) + "\n"), fs=360)


def test_ragged_rows_are_refused(tmp_path: Path) -> None:
    rows = [f"{i / 360:.6f},{v:.4f},{v:.4f}" for i, v in enumerate(MLII)]
    rows[10] = "0.03,0.1"
    with pytest.raises(InputError, match="Line 12 of the CSV file has 2 values"):
        read_record(_write(tmp_path, "t,I,II\n" + "\n".join(rows) + "\n"))


def test_a_time_column_with_a_gap_is_refused(tmp_path: Path) -> None:
    t = np.arange(MLII.size) / 360
    t[1000:] += 5.0
    rows = [f"{a:.6f},{v:.4f}" for a, v in zip(t, MLII, strict=True)]
    with pytest.raises(InputError, match="jumps at line 1002"):
        read_record(_write(tmp_path, "time,II\n" + "\n".join(rows) + "\n"))


def test_an_absurd_rate_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "\n".join(f"{v:.4f}" for v in MLII) + "\n")
    with pytest.raises(InputError, match="only 50 to 10000 Hz"):
        read_record(path, fs=5)
    with pytest.raises(InputError, match="only 50 to 10000 Hz"):
        read_record(path, fs=1e6)


def test_a_flat_line_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="flat line"):
        read_record(_write(tmp_path, "0.1\n" * 2000), fs=360)


def test_a_too_long_recording_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_DURATION_S", 5.0)
    path = _write(tmp_path, "\n".join(f"{v:.4f}" for v in MLII) + "\n")
    with pytest.raises(InputError, match=r"too long \(0\.0 h, 3600 samples\)"):
        read_record(path, fs=360)


def test_text_without_numbers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no numbers"):
        read_record(_write(tmp_path, "hello,world\nthis is not an ecg\n"))


def test_validate_upload_checks_that_the_rate_can_be_found(tmp_path: Path) -> None:
    path = _write(tmp_path, "\n".join(f"{v:.4f}" for v in MLII) + "\n")
    with pytest.raises(InputError, match="sampling rate"):
        validate_upload(path)
    assert validate_upload(path, fs=360) == "record"
