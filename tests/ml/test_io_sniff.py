"""Recognising inputs by content, and refusing anything else with an InputError (never a crash)."""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from diagnosis.ml.errors import InputError
from diagnosis.ml.image import read_beat_image
from diagnosis.ml.io import EXTENSIONS, detect_kind, read_record, sniff, validate_upload
from diagnosis.ml.pipeline import read_input

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXCERPT = FIXTURES / "mitdb_100_excerpt"
ENTRY_POINTS: list[Callable[[Path], object]] = [
    read_input, read_record, detect_kind, validate_upload, read_beat_image, sniff,
]  # fmt: skip


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buf, format="PNG")
    return buf.getvalue()


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buf, format="JPEG")
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(EXCERPT.with_suffix(".hea"), "r.hea")
        zf.write(EXCERPT.with_suffix(".dat"), "mitdb_100_excerpt.dat")
    return buf.getvalue()


def test_sniff_names_each_format_from_its_first_bytes() -> None:
    assert sniff(_png_bytes()) == "png"
    assert sniff(_jpeg_bytes()) == "jpeg"
    assert sniff(_zip_bytes()) == "zip"
    assert sniff(EXCERPT.with_suffix(".hea").read_bytes()) == "wfdb"
    assert sniff(b"0       " + b" " * 176 + b"768     " + b" " * 60 + b"3   ") == "edf"
    assert sniff(b"time,II\n0.0,0.1\n") == "csv"
    assert sniff(b"1 16\n2 16\n3 212\n") == "csv"  # integer samples, not a WFDB header
    assert sniff("\ufeffSample Rate,512 hertz\nUnit,µV\n\n-1,5\n".encode()) == "csv"
    assert sniff(b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic") == "heic"  # an iPhone photo


def test_the_supported_extensions_are_listed_for_the_upload_form() -> None:
    assert {".png", ".jpg", ".jpeg", ".hea", ".zip", ".csv", ".edf"} <= set(EXTENSIONS)


def test_content_wins_over_a_misleading_extension(tmp_path: Path) -> None:
    hea = tmp_path / "beat.png"  # a WFDB header named like an image
    shutil.copy(EXCERPT.with_suffix(".hea"), hea)
    shutil.copy(EXCERPT.with_suffix(".dat"), tmp_path)
    assert detect_kind(hea) == "record"
    assert read_record(hea).lead == "MLII"
    csv = tmp_path / "scan.jpg"
    csv.write_text("# fs = 360\n" + "\n".join(f"{np.sin(i / 9):.3f}" for i in range(1000)))
    assert detect_kind(csv) == "record"
    assert read_record(csv).fs == 360.0


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda f: f.__name__)
def test_an_empty_file_is_refused_everywhere(
    tmp_path: Path, entry: Callable[[Path], object]
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        entry(path)


@pytest.mark.parametrize(
    "entry", [read_input, read_record, detect_kind, validate_upload, read_beat_image]
)
def test_a_missing_file_or_a_folder_is_refused(
    tmp_path: Path, entry: Callable[[Path], object]
) -> None:
    with pytest.raises(InputError):
        entry(tmp_path / "nothing-here.csv")
    with pytest.raises(InputError):
        entry(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (gzip.compress(b"0.1\n" * 100), "not a supported ECG format"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "PDF file is damaged"),
        (b"GIF89a" + bytes(200), "upload a PNG, JPEG, BMP or HEIC"),
        (bytes(range(256)) * 40, "not a supported ECG format"),
        (b"hello, world\nno numbers here\n", "holds no numbers"),
    ],
    ids=["gzip", "pdf", "gif", "binary", "prose"],
)
def test_unsupported_content_is_refused_with_a_reason(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    for entry in (read_input, detect_kind, validate_upload):
        with pytest.raises(InputError, match=message):
            entry(path)
    # The signal reader refuses a picture before looking inside it.
    picture = content.startswith(b"%PDF")
    with pytest.raises(InputError, match="not a recorded signal" if picture else message):
        read_record(path)


def _mutations(seed: int) -> list[bytes]:
    """Valid openings followed by junk, truncations and bit flips of every format."""
    rng = np.random.default_rng(seed)
    junk = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    hea = EXCERPT.with_suffix(".hea").read_bytes()
    samples = [_png_bytes(), _jpeg_bytes(), _zip_bytes(), hea, b"time,II\n0,1\n0.1,2\n"]
    out = [s[: len(s) // 2] for s in samples] + [s[:12] + junk for s in samples]
    for s in samples:
        flipped = bytearray(s)
        for i in rng.integers(0, len(s), 8):
            flipped[i] ^= 0xFF
        out.append(bytes(flipped))
    out += [b"0       " + junk, b"\xffBIOSEMI" + junk, b"PK\x03\x04" + junk, b"100 2 360 650000\n"]
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_garbage_never_escapes_as_anything_but_an_input_error(tmp_path: Path, seed: int) -> None:
    for i, content in enumerate(_mutations(seed)):
        path = tmp_path / f"fuzz{i}"
        path.write_bytes(content)
        for entry in ENTRY_POINTS:
            try:
                entry(path)
            except InputError as exc:
                message = str(exc)
                assert message and "\n" not in message and "Traceback" not in message
