"""Missing samples (NaN, inf, WFDB's invalid value) never refuse a record by themselves: short
gaps are filled in, long ones stay NaN for the engine to mark as noise, each with a warning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from diagnosis.ml.errors import InputError
from diagnosis.ml.io import read_record, validate_upload
from diagnosis.ml.readers.common import fill_short_gaps
from tests.ml.published_records import ecg_like

FS = 360.0
ECG = ecg_like(FS, 20.0)  # 7200 samples, mV


def _csv(tmp_path: Path, values: np.ndarray, header: str = "") -> Path:
    path = tmp_path / "ecg.csv"
    path.write_text(header + "\n".join("NaN" if np.isnan(v) else f"{v:.4f}" for v in values))
    return path


def _wfdb(tmp_path: Path, values: np.ndarray) -> Path:
    # wrsamp writes NaN as the format's invalid-sample value (-32768 in format 16).
    wfdb.wrsamp(
        "gaps", fs=FS, units=["mV"], sig_name=["MLII"], p_signal=values[:, None], fmt=["16"],
        write_dir=str(tmp_path),
    )  # fmt: skip
    return tmp_path / "gaps.hea"


def test_a_signal_without_gaps_is_returned_as_it_is() -> None:
    filled, notes = fill_short_gaps(ECG, FS)
    np.testing.assert_array_equal(filled, ECG)
    assert notes == ()


def test_short_gaps_are_interpolated_linearly_and_ends_take_the_nearest_value() -> None:
    x = np.arange(100, dtype=np.float64)
    x[[0, 1, 10, 50, 51, 52, 99]] = [np.nan, np.nan, np.nan, np.nan, np.inf, -np.inf, np.nan]
    filled, notes = fill_short_gaps(x, 100.0)
    expected = np.arange(100, dtype=np.float64)
    expected[[0, 1]] = 2.0
    expected[99] = 98.0
    np.testing.assert_allclose(filled, expected)
    assert notes == ("4 short gaps (up to 30 ms) of missing samples were filled in.",)
    assert np.isnan(x[0])  # the caller's array is not changed


def test_a_gap_longer_than_half_a_second_stays_missing_with_a_warning() -> None:
    x = ECG.copy()
    x[1000:1181] = np.nan  # 181 samples: just over 0.5 s at 360 Hz
    x[3000:3180] = np.nan  # 180 samples: exactly 0.5 s, still filled
    filled, notes = fill_short_gaps(x, FS)
    assert np.isnan(filled[1000:1181]).all()
    assert np.isfinite(np.delete(filled, np.arange(1000, 1181))).all()
    np.testing.assert_allclose(filled[3000:3180], np.linspace(x[2999], x[3180], 182)[1:-1])
    assert notes == (
        "1 short gap (0.5 s) of missing samples was filled in.",
        "1 gap of missing samples (0.5 s) could not be analysed.",
    )


def test_a_csv_with_a_short_gap_is_filled_in_with_a_warning(tmp_path: Path) -> None:
    values = ECG.copy()
    values[100:110] = np.nan
    rec = read_record(_csv(tmp_path, values), fs=FS)
    assert np.isfinite(rec.signal).all()
    np.testing.assert_allclose(
        rec.signal[100:110], np.linspace(ECG[99], ECG[110], 12)[1:-1], atol=1e-4
    )
    assert rec.warnings == ("1 short gap (28 ms) of missing samples was filled in.",)


def test_empty_fields_in_a_csv_are_gaps_too(tmp_path: Path) -> None:
    rows = [f"{i / FS:.6f},{v:.4f}" for i, v in enumerate(ECG)]
    rows[500] = f"{500 / FS:.6f},"
    path = tmp_path / "ecg.csv"
    path.write_text("time,II\n" + "\n".join(rows) + "\n")
    rec = read_record(path)
    assert rec.fs == FS and np.isfinite(rec.signal).all()
    assert len(rec.warnings) == 1 and "filled in" in rec.warnings[0]


def test_a_csv_with_long_gaps_keeps_them_missing_and_reads_the_rest(tmp_path: Path) -> None:
    values = ECG.copy()
    values[720:1440] = np.nan  # 2 s
    values[3600:5760] = np.nan  # 6 s
    rec = read_record(_csv(tmp_path, values, header="# fs = 360\n"))
    assert np.isnan(rec.signal[720:1440]).all() and np.isnan(rec.signal[3600:5760]).all()
    np.testing.assert_allclose(rec.signal[:720], ECG[:720], atol=1e-4)
    assert rec.warnings == ("2 gaps of missing samples (8.0 s in all) could not be analysed.",)
    assert validate_upload(_csv(tmp_path, values), fs=FS) == "record"


def test_wfdb_invalid_samples_are_gaps_filled_or_kept(tmp_path: Path) -> None:
    values = ECG.copy()
    values[500] = np.nan  # one invalid sample
    values[2000:2720] = np.nan  # 2 s
    rec = read_record(_wfdb(tmp_path, values))
    assert np.isfinite(rec.signal[500])
    assert np.isnan(rec.signal[2000:2720]).all()
    assert np.isfinite(np.delete(rec.signal, np.arange(2000, 2720))).all()
    assert rec.warnings == (
        "1 short gap (3 ms) of missing samples was filled in.",
        "1 gap of missing samples (2.0 s) could not be analysed.",
    )


def test_a_record_with_no_valid_samples_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ecg.csv"
    path.write_text("time,II\n" + "\n".join(f"{i / FS:.6f},NaN" for i in range(ECG.size)))
    with pytest.raises(InputError, match="Lead II holds no valid samples"):
        read_record(path)


def test_a_record_with_too_little_valid_signal_left_is_refused(tmp_path: Path) -> None:
    values = np.full(ECG.size, np.nan)
    values[:360] = ECG[:360]  # 1 s of signal in 20 s
    with pytest.raises(InputError, match=r"only 1\.0 s of valid samples \(6840 of 7200"):
        read_record(_wfdb(tmp_path, values))


def test_a_flat_line_with_gaps_is_still_a_flat_line(tmp_path: Path) -> None:
    values = np.full(ECG.size, 0.2)
    values[1000:2000] = np.nan
    with pytest.raises(InputError, match="flat line"):
        read_record(_csv(tmp_path, values), fs=FS)


@pytest.mark.parametrize("rate", ["0", "-1", "nan"])
def test_a_csv_stating_a_zero_negative_or_nan_rate_is_refused(tmp_path: Path, rate: str) -> None:
    path = _csv(tmp_path, ECG, header=f"fs,{rate}\n")
    for check in (read_record, validate_upload):
        with pytest.raises(InputError, match=r"The CSV file gives an invalid sampling rate"):
            check(path)


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan")])
def test_a_given_rate_of_zero_negative_or_nan_is_refused(tmp_path: Path, rate: float) -> None:
    path = _csv(tmp_path, ECG)
    for check in (read_record, validate_upload):
        with pytest.raises(InputError, match=r"The sampling rate given .* is invalid"):
            check(path, fs=rate)
