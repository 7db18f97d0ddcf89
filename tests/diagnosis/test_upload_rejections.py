"""Every rejected upload gets a clear reason and leaves nothing behind."""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import Analysis, Recording
from tests.diagnosis import ecg_files

pytestmark = pytest.mark.django_db


def huge_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny file declaring a huge image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def nothing_stored() -> bool:
    media = Path(settings.MEDIA_ROOT) / "recordings"
    files = list(media.rglob("*")) if media.exists() else []
    return (
        not Recording.objects.exists()
        and not Analysis.objects.exists()
        and not [f for f in files if f.is_file()]
    )


def rejected(client, *files, **data) -> str:
    """Post an upload that must be refused; returns the reason shown under the field."""
    response = client.post("/analyses/upload/", {"file": list(files), **data})
    assert response.status_code == 400
    assert nothing_stored()
    reasons = re.findall(
        r'<div class="invalid-feedback d-block">(.*?)</div>', response.content.decode(), re.S
    )
    assert len(reasons) == 1, reasons
    return html.unescape(reasons[0])


@pytest.fixture(autouse=True)
def _logged_in_with_empty_storage(client, patient, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(patient)


def test_a_file_of_the_wrong_type_is_refused(client):
    reason = rejected(client, SimpleUploadedFile("notes.png", b"MZ\x90\x00 a program, not an ECG"))
    assert "not a supported ECG format" in reason


def test_a_text_file_that_is_not_an_ecg_is_refused(client):
    reason = rejected(client, SimpleUploadedFile("letter.csv", b"Dear doctor,\nplease look.\n"))
    assert "not an ECG recording" in reason


def test_an_empty_file_is_refused(client):
    assert "empty" in rejected(client, SimpleUploadedFile("empty.png", b""))


def test_a_file_over_the_size_limit_is_refused(client, settings):
    settings.MAX_UPLOAD_MB = 1
    reason = rejected(client, SimpleUploadedFile("big.csv", b"0.1\n" * 400_000))
    assert reason == "The file is too large: the limit is 1 MB."


def test_a_corrupt_png_is_refused(client):
    good = ecg_files.beat_png("N")
    assert "damaged" in rejected(client, SimpleUploadedFile("beat.png", good[:200]))


def test_an_image_bomb_is_refused_before_decoding(client):
    assert "megapixels" in rejected(client, SimpleUploadedFile("bomb.png", huge_png()))


def test_a_zip_bomb_is_refused(client):
    bomb = zip_of(
        {
            "r.hea": b"r 1 360 1000000000\nr.dat 16 200 16 0 0 0 0 MLII\n",
            "r.dat": b"\0" * (300 * 1024 * 1024),
        }
    )
    assert "unpacks to more than" in rejected(client, SimpleUploadedFile("bomb.zip", bomb))


def test_a_zip_with_path_traversal_names_is_refused(client):
    header, data = ecg_files.wfdb_files()
    evil = zip_of({"../../mitdb_100_excerpt.hea": header, "../../mitdb_100_excerpt.dat": data})
    assert "unsafe path" in rejected(client, SimpleUploadedFile("evil.zip", evil))


def test_a_zip_with_two_records_is_refused(client):
    header, data = ecg_files.wfdb_files()
    two = zip_of(
        {
            "a.hea": header.replace(b"mitdb_100_excerpt", b"a"),
            "a.dat": data,
            "b.hea": header.replace(b"mitdb_100_excerpt", b"b"),
            "b.dat": data,
        }
    )
    assert "upload one record at a time" in rejected(client, SimpleUploadedFile("two.zip", two))


def test_a_wfdb_header_alone_is_refused_with_a_hint(client):
    header, _ = ecg_files.wfdb_files()
    reason = rejected(client, SimpleUploadedFile("mitdb_100_excerpt.hea", header))
    assert "choose the .hea and .dat files together" in reason


def test_a_truncated_dat_file_is_refused(client):
    header, data = ecg_files.wfdb_files()
    reason = rejected(
        client,
        SimpleUploadedFile("mitdb_100_excerpt.hea", header),
        SimpleUploadedFile("mitdb_100_excerpt.dat", data[: len(data) // 3]),
    )
    assert "truncated" in reason


def test_more_files_than_one_upload_may_hold_are_refused(client, monkeypatch):
    from diagnosis.services import batches

    monkeypatch.setattr(batches, "MAX_BATCH_ECGS", 2)
    png = ecg_files.beat_png("N")
    reason = rejected(client, *(SimpleUploadedFile(f"{i}.png", png) for i in range(3)))
    assert "That is 3 ECGs; at most 2 are taken at once" in reason


def test_an_absurd_sampling_rate_is_refused(client):
    csv = SimpleUploadedFile("samples.csv", b"\n".join(b"0.1" for _ in range(3000)))
    response = client.post("/analyses/upload/", {"file": [csv], "fs": "5"})
    assert response.status_code == 400
    assert nothing_stored()
