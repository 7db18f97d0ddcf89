"""Records as PhysioNet publishes them (CinC 2017 .hea + .mat), read as the WFDB tools read
them: an odd date or a wrong checksum is a warning; a missing or impossible rate an error."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from diagnosis.ml.errors import InputError
from diagnosis.ml.io import detect_kind, read_record, validate_upload
from tests.ml.published_records import CINC_2017_SIGNAL_LINE, write_cinc_2017_record

ROOT = Path(__file__).resolve().parents[2]
DATE_WARNING = "The recording's date in the header is not in WFDB's format and was ignored."
CHECKSUM_WARNING = (
    "The checksum in the WFDB header does not match lead ECG's samples; "
    "the samples were read anyway."
)


def test_it_reads_a_cinc_2017_record_with_warnings(tmp_path: Path) -> None:
    hea, digital = write_cinc_2017_record(tmp_path)
    rec = read_record(hea)
    assert rec.fs == 300.0
    assert (rec.lead, rec.leads) == ("ECG", ("ECG",))
    assert rec.signal.shape == (9000,)
    np.testing.assert_allclose(rec.signal, digital / 1000.0)  # 1000 adu/mV, baseline 0
    assert rec.warnings == (DATE_WARNING, CHECKSUM_WARNING)


def test_the_header_with_the_odd_date_is_left_as_it_was(tmp_path: Path) -> None:
    hea, _ = write_cinc_2017_record(tmp_path)
    before = hea.read_bytes()
    read_record(hea)
    validate_upload(hea)
    assert hea.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A00001.hea", "A00001.mat"]


def test_the_mat_file_or_the_record_name_also_reads_the_record(tmp_path: Path) -> None:
    hea, digital = write_cinc_2017_record(tmp_path)
    for path in (tmp_path / "A00001.mat", tmp_path / "A00001"):
        rec = read_record(path)
        assert rec.fs == 300.0
        np.testing.assert_allclose(rec.signal, digital / 1000.0)
    assert detect_kind(tmp_path / "A00001.mat") == "record"
    assert validate_upload(hea) == "record"


def test_a_zip_holding_the_hea_and_mat_is_read_and_validated(tmp_path: Path) -> None:
    hea, digital = write_cinc_2017_record(tmp_path)
    archive = tmp_path / "upload"  # no extension: content decides
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(hea, "A00001.hea")
        zf.write(tmp_path / "A00001.mat", "A00001.mat")
    assert validate_upload(archive) == "record"
    rec = read_record(archive)
    np.testing.assert_allclose(rec.signal, digital / 1000.0)
    assert rec.warnings == (DATE_WARNING, CHECKSUM_WARNING)


def test_a_wfdb_date_and_a_right_checksum_give_no_warning(tmp_path: Path) -> None:
    _, digital = write_cinc_2017_record(tmp_path)
    checksum = int(digital.astype(np.int64).sum()) % 65536
    hea = tmp_path / "A00001.hea"
    hea.write_text(
        "A00001 1 300 9000 11:05:48 01/05/2014\n"
        + CINC_2017_SIGNAL_LINE.replace(" -127 0 0 ", f" -127 {checksum} 0 ")
        + "\n"
    )
    assert read_record(hea).warnings == ()


@pytest.mark.parametrize(
    "record_line", ["A00001 1 300 9000 25:99:99", "A00001 1 300 9000 10:00:00 31/02/2014"]
)
def test_an_impossible_wfdb_date_or_time_is_ignored_with_a_warning(
    tmp_path: Path, record_line: str
) -> None:
    hea, _ = write_cinc_2017_record(tmp_path, record_line)
    rec = read_record(hea)
    assert rec.fs == 300.0 and rec.signal.shape == (9000,)
    assert rec.warnings[0] == DATE_WARNING


def test_a_rate_with_a_counter_frequency_is_read(tmp_path: Path) -> None:
    hea, _ = write_cinc_2017_record(tmp_path, "A00001 1 300/1000(0) 9000")
    assert read_record(hea).fs == 300.0


def test_a_header_without_a_sampling_rate_is_refused_not_read_at_250_hz(tmp_path: Path) -> None:
    hea, _ = write_cinc_2017_record(tmp_path, "A00001 1")
    for check in (read_record, validate_upload):
        with pytest.raises(InputError, match="The WFDB header gives no sampling rate;"):
            check(hea)


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("0", r"invalid sampling rate \(0 Hz\)"),
        ("-1", r"invalid sampling rate \(-1 Hz\)"),
        ("nan", r"invalid sampling rate \(nan Hz\)"),
        ("abc", r"sampling rate \('abc'\) is not a number"),
    ],
)
def test_a_zero_negative_or_nan_rate_in_the_header_is_refused(
    tmp_path: Path, rate: str, message: str
) -> None:
    hea, _ = write_cinc_2017_record(tmp_path, f"A00001 1 {rate} 9000")
    for check in (read_record, validate_upload):
        with pytest.raises(InputError, match=message):
            check(hea)


def test_the_cli_classifies_a_cinc_2017_record(tmp_path: Path) -> None:
    hea, _ = write_cinc_2017_record(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "diagnosis.ml", "classify", str(hea), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["input"], out["fs"], out["n_samples"]) == ("record", 300, 9000)
    # The reader's leniency is told to the person, in the result itself.
    assert any("checksum" in w for w in out["warnings"])
    assert any("date" in w for w in out["warnings"])
    assert out["rhythm"]["verdict"] in {
        "normal",
        "af",
        "bradycardia",
        "tachycardia",
        "other",
        "unreadable",
    }
