"""Upload -> classify -> result with tasks run in-process (embedded mode, no broker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import Analysis, ModelVersion, Recording, Status
from tests.diagnosis import ecg_files

pytestmark = pytest.mark.django_db


def test_a_beat_image_is_classified_and_shown_with_its_probabilities(
    client, patient, upload, beat_image
):
    client.force_login(patient)
    analysis = upload(beat_image)
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.result["input"] == "beat_image"
    assert analysis.label == analysis.result["label"] == "NOR"
    assert analysis.model_version == ModelVersion.objects.get(is_active=True)
    page = client.get(f"/analyses/{analysis.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Normal beat" in html
    assert 'id="probabilities-chart"' in html
    assert "sensitivity" in html and "screening aid, not a diagnosis" in html
    assert "hx-get" not in html  # finished: the page stops polling


def test_a_wfdb_zip_gives_per_beat_labels_a_summary_and_a_trace(client, patient, upload, wfdb_zip):
    client.force_login(patient)
    analysis = upload(wfdb_zip)
    assert analysis.status == Status.DONE, analysis.error
    result = analysis.result
    assert result["input"] == "record" and result["fs"] == 360
    assert len(result["beats"]) >= 11
    assert result["summary"]["n_beats"] == len(result["beats"])
    assert analysis.trace
    window = client.get(f"/analyses/{analysis.id}/trace.json?start=0&seconds=5").json()
    assert window["fs"] == 125 and len(window["values"]) == 625
    assert all(0 <= beat["t"] < 5 for beat in window["beats"])
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="trace-chart"' in page and 'id="counts-table"' in page


def test_hea_and_dat_uploaded_together_are_packed_into_one_record(client, patient, upload):
    client.force_login(patient)
    header, data = ecg_files.wfdb_files()
    analysis = upload(
        SimpleUploadedFile("mitdb_100_excerpt.hea", header),
        SimpleUploadedFile("mitdb_100_excerpt.dat", data),
    )
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.recording.file_format == "wfdb-zip"


def test_a_csv_needs_and_uses_the_sampling_rate(client, patient, upload):
    client.force_login(patient)
    values = np.sin(np.linspace(0, 60, 3600)) * 0.1
    csv = SimpleUploadedFile("samples.csv", "\n".join(f"{v:.4f}" for v in values).encode())
    missing = client.post("/analyses/upload/", {"file": csv})
    assert missing.status_code == 400
    assert "sampling rate" in missing.content.decode().lower()
    csv.seek(0)
    analysis = upload(csv, fs="360")
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.result["fs"] == 360


def test_the_stored_file_has_a_generated_name_not_the_clients(client, patient, upload):
    client.force_login(patient)
    analysis = upload(SimpleUploadedFile("../../etc/passwd.png", ecg_files.beat_png("N")))
    stored = analysis.recording.file.name
    assert "passwd" not in stored and ".." not in stored
    assert stored == f"recordings/{patient.id}/{analysis.recording.id}.png"
    assert analysis.recording.original_name == "passwd.png"
    assert Path(analysis.recording.file.path).is_file()


def test_uploading_the_same_file_again_shows_the_earlier_result(client, patient, upload):
    client.force_login(patient)
    first = upload(SimpleUploadedFile("a.png", ecg_files.beat_png("N")))
    second = upload(SimpleUploadedFile("b.png", ecg_files.beat_png("N")))
    assert first.id == second.id
    assert Recording.objects.count() == 1


def test_another_patient_uploading_the_same_file_gets_their_own_copy(
    client, patient, other_patient, upload
):
    client.force_login(patient)
    first = upload(SimpleUploadedFile("a.png", ecg_files.beat_png("N")))
    client.force_login(other_patient)
    second = upload(SimpleUploadedFile("a.png", ecg_files.beat_png("N")))
    assert first.id != second.id
    assert second.recording.owner == other_patient


def test_a_file_that_passes_checks_but_cannot_be_read_fails_with_a_message(
    client, patient, upload, tmp_path
):
    """The upload checks read headers only; a flat-line signal is found by the worker."""
    import wfdb

    wfdb.wrsamp(
        "flat",
        fs=360,
        units=["mV"],
        sig_name=["MLII"],
        p_signal=np.zeros((3600, 1)),
        fmt=["16"],
        write_dir=str(tmp_path),
    )
    client.force_login(patient)
    analysis = upload(SimpleUploadedFile("flat.zip", ecg_files.wfdb_zip(tmp_path / "flat")))
    assert analysis.status == Status.FAILED
    assert analysis.error and "Traceback" not in analysis.error
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "We could not analyse this file" in page
    assert Recording.objects.filter(id=analysis.recording_id).exists()  # the upload is kept


def test_the_upload_page_states_the_accepted_types_and_the_size_limit(client, patient, settings):
    settings.MAX_UPLOAD_MB = 7
    client.force_login(patient)
    html = client.get("/analyses/upload/").content.decode()
    assert "7 MB" in html
    for word in ("PNG", "JPG", "WFDB", "CSV", "Apple Watch", "EDF"):
        assert word in html


def test_deleting_an_upload_removes_its_files_and_results(
    client, patient, upload, wfdb_zip, django_capture_on_commit_callbacks
):
    client.force_login(patient)
    analysis = upload(wfdb_zip)
    paths = [Path(analysis.recording.file.path), Path(analysis.trace.path)]
    assert all(p.is_file() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/analyses/{analysis.id}/delete/")
    assert response.status_code == 302
    assert not Analysis.objects.filter(id=analysis.id).exists()
    assert not any(p.exists() for p in paths)


def test_the_printable_report_shows_the_finding(client, patient, upload, beat_image):
    client.force_login(patient)
    analysis = upload(beat_image)
    html = client.get(f"/analyses/{analysis.id}/report/").content.decode()
    assert "ECG screening report" in html and "Normal beat" in html
    assert "data-print" in html and "js/site.js" in html  # the print button


def test_install_models_registers_and_activates_the_shipped_default():
    from django.core.management import call_command

    from diagnosis.models import ModelVersion

    call_command("install_models")
    call_command("install_models")
    active = ModelVersion.objects.get(is_active=True)
    assert ModelVersion.objects.filter(is_active=True).count() == 1
    assert active.metadata["files"]  # hash-checked metadata is stored
