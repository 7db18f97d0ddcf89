"""A .zip holding one WFDB record, and the zips that must be refused."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

import diagnosis.ml.readers.zip_files as zip_files
from diagnosis.ml.errors import InputError
from diagnosis.ml.io import detect_kind, read_record, validate_upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXCERPT = FIXTURES / "mitdb_100_excerpt"


def _zip(path: Path, members: dict[str, bytes], **kwargs: object) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kwargs) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _record_members(prefix: str = "") -> dict[str, bytes]:
    return {
        f"{prefix}mitdb_100_excerpt.hea": EXCERPT.with_suffix(".hea").read_bytes(),
        f"{prefix}mitdb_100_excerpt.dat": EXCERPT.with_suffix(".dat").read_bytes(),
        f"{prefix}mitdb_100_excerpt.atr": EXCERPT.with_suffix(".atr").read_bytes(),
    }


def test_it_reads_the_one_record_in_a_zip(tmp_path: Path) -> None:
    path = _zip(tmp_path / "upload", _record_members())  # no extension: content decides
    rec = read_record(path)
    np.testing.assert_array_equal(rec.signal, read_record(EXCERPT.with_suffix(".hea")).signal)
    assert (rec.fs, rec.lead, rec.leads) == (360.0, "MLII", ("MLII", "V5"))
    assert read_record(path, lead="V5").lead == "V5"
    assert detect_kind(path) == "record"
    assert validate_upload(path) == "record"
    assert validate_upload(path, lead="v5", fs=360) == "record"
    with pytest.raises(InputError, match="no lead named 'V1'"):
        validate_upload(path, lead="V1")
    with pytest.raises(InputError, match="but 250 Hz was given"):
        validate_upload(path, fs=250)


def test_it_reads_a_record_in_a_folder_and_ignores_macos_metadata(tmp_path: Path) -> None:
    members = _record_members("mitdb/")
    members["__MACOSX/mitdb/._mitdb_100_excerpt.hea"] = b"\x00\x05\x16\x07junk"
    path = _zip(tmp_path / "r.zip", members)
    assert read_record(path).signal.shape == (3600,)


def test_a_zip_with_two_records_is_refused(tmp_path: Path) -> None:
    members = _record_members()
    hea = EXCERPT.with_suffix(".hea").read_text().replace("mitdb_100_excerpt", "other")
    members["other.hea"] = hea.encode()
    members["other.dat"] = EXCERPT.with_suffix(".dat").read_bytes()
    path = _zip(tmp_path / "two.zip", members)
    with pytest.raises(InputError, match="2 WFDB records"):
        read_record(path)
    with pytest.raises(InputError, match="2 WFDB records"):
        validate_upload(path)


@pytest.mark.parametrize("name", ["../mitdb_100_excerpt.dat", "/tmp/evil.dat", "a/../../x.dat"])
def test_a_zip_with_an_escaping_path_is_refused(tmp_path: Path, name: str) -> None:
    members = _record_members()
    members[name] = b"x"
    path = _zip(tmp_path / "evil.zip", members)
    with pytest.raises(InputError, match="unsafe path"):
        read_record(path)
    with pytest.raises(InputError, match="unsafe path"):
        validate_upload(path)


def test_a_zip_with_a_symlink_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in _record_members().items():
            zf.writestr(name, data)
        info = zipfile.ZipInfo("passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InputError, match="symbolic link"):
        read_record(path)


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    members = _record_members()
    members["mitdb_100_excerpt.dat"] = bytes(20 * 1024 * 1024)  # 20 MB of zeros -> ~20 KB
    path = _zip(tmp_path / "bomb.zip", members)
    assert path.stat().st_size < 200_000
    with pytest.raises(InputError, match="zip bomb"):
        read_record(path)
    with pytest.raises(InputError, match="zip bomb"):
        validate_upload(path)


def test_a_zip_that_unpacks_too_large_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zip_files, "MAX_ZIP_UNCOMPRESSED_BYTES", 5000)
    path = _zip(tmp_path / "big.zip", _record_members())
    with pytest.raises(InputError, match="unpacks to more than"):
        read_record(path)


def test_a_zip_without_a_header_or_without_its_dat_is_refused(tmp_path: Path) -> None:
    members = _record_members()
    no_dat = {k: v for k, v in members.items() if not k.endswith(".dat")}
    no_hea = {k: v for k, v in members.items() if not k.endswith(".hea")}
    with pytest.raises(InputError, match=r"lacks the signal file 'mitdb_100_excerpt\.dat'"):
        read_record(_zip(tmp_path / "a.zip", no_dat))
    with pytest.raises(InputError, match="no WFDB header"):
        read_record(_zip(tmp_path / "b.zip", no_hea))


def test_an_empty_or_damaged_zip_is_refused(tmp_path: Path) -> None:
    empty = _zip(tmp_path / "empty.zip", {})
    with pytest.raises(InputError, match="empty"):
        read_record(empty)
    good = _zip(tmp_path / "good.zip", _record_members())
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(InputError, match="damaged"):
        read_record(damaged)


def test_a_truncated_dat_inside_a_zip_is_refused(tmp_path: Path) -> None:
    members = _record_members()
    members["mitdb_100_excerpt.dat"] = members["mitdb_100_excerpt.dat"][:4000]
    path = _zip(tmp_path / "t.zip", members)
    with pytest.raises(InputError, match="truncated"):
        read_record(path)
    with pytest.raises(InputError, match="truncated"):
        validate_upload(path)
