"""WFDB records: the committed mitdb excerpt, generated records at other rates, broken files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import wfdb

from diagnosis.ml.errors import InputError
from diagnosis.ml.io import Record, detect_kind, read_record, validate_upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXCERPT = FIXTURES / "mitdb_100_excerpt"


def _copy_excerpt(tmp_path: Path) -> Path:
    for ext in (".hea", ".dat", ".atr"):
        shutil.copy(EXCERPT.with_suffix(ext), tmp_path)
    return tmp_path / "mitdb_100_excerpt.hea"


def _write(
    tmp_path: Path,
    name: str = "gen",
    fs: float = 250,
    leads: tuple[str, ...] = ("I", "II", "V1"),
    units: tuple[str, ...] | None = None,
    seconds: float = 8,
    fmt: str = "16",
) -> tuple[Path, np.ndarray]:
    n = int(fs * seconds)
    t = np.arange(n) / fs
    sig = np.stack(
        [(k + 1) * 0.5 * np.sin(2 * np.pi * 1.2 * t + k) for k in range(len(leads))], axis=1
    )
    units = units or ("mV",) * len(leads)
    wfdb.wrsamp(
        name,
        fs=fs,
        units=list(units),
        sig_name=list(leads),
        p_signal=sig,
        fmt=[fmt] * len(leads),
        write_dir=str(tmp_path),
    )
    return tmp_path / f"{name}.hea", sig


def test_it_reads_the_mitdb_excerpt_mlii_in_millivolts() -> None:
    rec = read_record(EXCERPT.with_suffix(".hea"))
    ref = wfdb.rdrecord(str(EXCERPT))
    assert isinstance(rec, Record)
    assert rec.fs == 360.0
    assert rec.lead == "MLII"
    assert rec.leads == ("MLII", "V5")
    assert rec.signal.dtype == np.float64
    assert rec.signal.shape == (3600,)
    np.testing.assert_allclose(rec.signal, ref.p_signal[:, 0])


def test_it_accepts_the_record_name_or_the_dat_path() -> None:
    by_name = read_record(EXCERPT)
    by_dat = read_record(EXCERPT.with_suffix(".dat"))
    np.testing.assert_array_equal(by_name.signal, by_dat.signal)


def test_lead_is_chosen_by_name_case_insensitively() -> None:
    rec = read_record(EXCERPT.with_suffix(".hea"), lead="v5")
    assert rec.lead == "V5"
    np.testing.assert_allclose(rec.signal, wfdb.rdrecord(str(EXCERPT)).p_signal[:, 1])


def test_a_wrong_lead_name_lists_the_available_leads() -> None:
    with pytest.raises(InputError, match=r"no lead named 'V1'.*MLII, V5"):
        read_record(EXCERPT.with_suffix(".hea"), lead="V1")


def test_it_reads_a_250_hz_three_lead_record_and_picks_the_first_lead(tmp_path: Path) -> None:
    hea, sig = _write(tmp_path)
    rec = read_record(hea)
    assert rec.fs == 250.0
    assert rec.leads == ("I", "II", "V1")
    assert rec.lead == "I"
    np.testing.assert_allclose(rec.signal, sig[:, 0], atol=2e-3)
    assert read_record(hea, lead="ii").lead == "II"


def test_mlii_is_preferred_when_it_is_not_the_first_lead(tmp_path: Path) -> None:
    hea, sig = _write(tmp_path, leads=("V5", "MLII"), fs=1000, seconds=3)
    rec = read_record(hea)
    assert rec.lead == "MLII"
    assert rec.fs == 1000.0
    np.testing.assert_allclose(rec.signal, sig[:, 1], atol=2e-3)


def test_microvolt_and_volt_units_are_converted_to_millivolts(tmp_path: Path) -> None:
    t = np.arange(1000) / 250
    mv = 0.8 * np.sin(2 * np.pi * 1.2 * t)
    wfdb.wrsamp(
        "units", fs=250, units=["uV", "V"], sig_name=["I", "II"],
        p_signal=np.stack([mv * 1000, mv / 1000], axis=1), fmt=["16", "16"],
        write_dir=str(tmp_path),
    )  # fmt: skip
    hea = tmp_path / "units.hea"
    np.testing.assert_allclose(read_record(hea, lead="I").signal, mv, atol=1e-3)
    np.testing.assert_allclose(read_record(hea, lead="II").signal, mv, atol=1e-3)


def test_a_non_voltage_lead_is_refused(tmp_path: Path) -> None:
    hea, _ = _write(tmp_path, leads=("ABP",), units=("mmHg",), seconds=4)
    with pytest.raises(InputError, match="mmHg"):
        read_record(hea)


def test_a_truncated_dat_is_refused(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    dat = tmp_path / "mitdb_100_excerpt.dat"
    dat.write_bytes(dat.read_bytes()[:5000])
    with pytest.raises(InputError, match="truncated"):
        read_record(hea)
    with pytest.raises(InputError, match="truncated"):
        validate_upload(hea)


def test_a_missing_dat_is_named(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    (tmp_path / "mitdb_100_excerpt.dat").unlink()
    with pytest.raises(InputError, match=r"'mitdb_100_excerpt\.dat'.*missing"):
        read_record(hea)


def _edit_header(hea: Path, old: str, new: str) -> None:
    text = hea.read_text()
    assert old in text
    hea.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("rate", ["0", "5", "100000"])
def test_a_header_with_an_absurd_sampling_rate_is_refused(tmp_path: Path, rate: str) -> None:
    hea = _copy_excerpt(tmp_path)
    _edit_header(hea, "mitdb_100_excerpt 2 360 3600", f"mitdb_100_excerpt 2 {rate} 3600")
    with pytest.raises(InputError, match="sampling rate"):
        read_record(hea)


def test_a_header_that_lies_about_the_number_of_signals_is_refused(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    _edit_header(hea, "mitdb_100_excerpt 2 360", "mitdb_100_excerpt 3 360")
    with pytest.raises(InputError, match="says there are 3 signals but describes 2"):
        read_record(hea)


def test_a_header_listing_too_few_signals_for_its_dat_is_refused(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    lines = hea.read_text().splitlines()
    hea.write_text("\n".join(["mitdb_100_excerpt 1 360 3600", lines[1]]) + "\n")
    with pytest.raises(InputError, match="longer than its header says"):
        read_record(hea)


def test_a_header_promising_more_samples_than_the_dat_holds_is_refused(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    _edit_header(hea, "360 3600", "360 7200")
    with pytest.raises(InputError, match="shorter than its header says"):
        read_record(hea)


def test_a_checksum_mismatch_is_a_warning_and_the_samples_are_read(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    _edit_header(hea, " 48184 ", " 12345 ")
    rec = read_record(hea)
    np.testing.assert_array_equal(rec.signal, read_record(EXCERPT.with_suffix(".hea")).signal)
    assert rec.warnings == (
        "The checksum in the WFDB header does not match lead MLII's samples; "
        "the samples were read anyway.",
    )
    assert read_record(hea, lead="V5").warnings == ()  # V5's checksum is right


def test_a_record_with_a_right_checksum_has_no_warnings() -> None:
    assert read_record(EXCERPT.with_suffix(".hea")).warnings == ()


def test_a_header_naming_a_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    hea.write_text(hea.read_text().replace("mitdb_100_excerpt.dat", "../secret.dat"))
    with pytest.raises(InputError, match="unsafe"):
        read_record(hea)


def test_a_garbled_header_is_refused(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    _edit_header(hea, "212 200.0(1024)/mV", "212 abc(xyz)/mV")
    with pytest.raises(InputError):
        read_record(hea)


def test_a_too_short_record_is_refused(tmp_path: Path) -> None:
    hea, _ = _write(tmp_path, fs=250, seconds=1)
    with pytest.raises(InputError, match="too short"):
        read_record(hea)


def test_a_header_declaring_more_than_24_hours_is_refused_before_reading(tmp_path: Path) -> None:
    hea = _copy_excerpt(tmp_path)
    _edit_header(hea, "360 3600", "360 40000000")
    with pytest.raises(InputError, match="too long"):
        read_record(hea)


def test_a_flat_line_is_refused(tmp_path: Path) -> None:
    wfdb.wrsamp(
        "flat", fs=250, units=["mV"], sig_name=["II"], p_signal=np.zeros((1000, 1)),
        fmt=["16"], write_dir=str(tmp_path),
    )  # fmt: skip
    with pytest.raises(InputError, match="flat line"):
        read_record(tmp_path / "flat.hea")


def test_an_invalid_sample_is_filled_in_with_a_warning(tmp_path: Path) -> None:
    sig = np.sin(np.linspace(0, 20, 1000))[:, None]
    sig[500] = np.nan
    wfdb.wrsamp(
        "gap", fs=250, units=["mV"], sig_name=["II"], p_signal=sig, fmt=["16"],
        write_dir=str(tmp_path),
    )  # fmt: skip
    rec = read_record(tmp_path / "gap.hea")
    assert np.isfinite(rec.signal).all()
    assert rec.signal[500] == pytest.approx((rec.signal[499] + rec.signal[501]) / 2)
    assert rec.warnings == ("1 short gap (4 ms) of missing samples was filled in.",)


def test_a_header_is_detected_as_a_record_and_validated() -> None:
    assert detect_kind(EXCERPT.with_suffix(".hea")) == "record"
    assert validate_upload(EXCERPT.with_suffix(".hea")) == "record"
