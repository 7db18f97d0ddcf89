"""A PhysioNet/CinC 2017 record (.hea + .mat, an ISO date, checksum 0) is accepted by the
upload page, as its two files or as one .zip, and analysed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import Status
from tests.ml.published_records import write_cinc_2017_record

pytestmark = pytest.mark.django_db


def _files(tmp_path: Path) -> tuple[bytes, bytes]:
    hea, _ = write_cinc_2017_record(tmp_path)
    return hea.read_bytes(), (tmp_path / "A00001.mat").read_bytes()


def test_a_hea_and_mat_pair_is_packed_into_one_record_and_analysed(
    client, patient, upload, tmp_path
):
    client.force_login(patient)
    header, mat = _files(tmp_path)
    analysis = upload(
        SimpleUploadedFile("A00001.hea", header), SimpleUploadedFile("A00001.mat", mat)
    )
    assert analysis.recording.file_format == "wfdb-zip"
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.result["fs"] == 300 and analysis.result["n_samples"] == 9000


def test_a_zip_of_the_hea_and_mat_is_accepted(client, patient, upload, tmp_path):
    client.force_login(patient)
    header, mat = _files(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("training2017/A00001.hea", header)
        zf.writestr("training2017/A00001.mat", mat)
    analysis = upload(SimpleUploadedFile("A00001.zip", buffer.getvalue()))
    assert analysis.recording.file_format == "wfdb-zip"
    assert analysis.status == Status.DONE, analysis.error


def test_the_upload_form_offers_mat_files(client, patient):
    client.force_login(patient)
    page = client.get("/analyses/upload/").content.decode()
    assert ".mat" in page
