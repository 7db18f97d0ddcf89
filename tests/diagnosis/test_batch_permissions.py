"""Who sees the summary of a multi-ECG upload: its owner; others only through the ECGs they
may see (``Recording.visible_to``), never the files that were refused; anyone else a 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from diagnosis.models import AccessLogEntry, Share, UploadBatch, UploadBatchItem
from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db

PAGES = ["/analyses/uploads/{id}/", "/analyses/uploads/{id}/status/"]
API = "/api/v1/batches/{id}/"


@pytest.fixture
def batch(patient):
    """The patient's upload of three files: two ECGs analysed, one refused."""
    batch = UploadBatch.objects.create(owner=patient, source="export.zip")
    for position, name in enumerate(["ecg_a.csv", "ecg_b.csv"]):
        analysis = AnalysisFactory(recording=RecordingFactory(owner=patient, original_name=name))
        UploadBatchItem.objects.create(
            batch=batch, position=position, name=name, recording=analysis.recording
        )
    UploadBatchItem.objects.create(
        batch=batch, position=2, name="ecg_c.csv", error="This file is not an ECG recording."
    )
    return batch


def viewer(name, request):
    return request.getfixturevalue(name)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("patient", 200),
        ("other_patient", 404),
        ("doctor", 404),
        ("doctor_without_totp", 404),
        ("administrator", 200),
    ],
)
def test_pages(client, batch, request, url, who, expected):
    client.force_login(viewer(who, request))
    assert client.get(url.format(id=batch.id)).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("patient", 200), ("other_patient", 404), ("doctor", 404), ("administrator", 200)],
)
def test_api(batch, request, who, expected):
    api = APIClient()
    api.force_authenticate(viewer(who, request))
    assert api.get(API.format(id=batch.id)).status_code == expected


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, batch, url):
    response = client.get(url.format(id=batch.id))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_anonymous_api_calls_are_refused(batch):
    assert APIClient().get(API.format(id=batch.id)).status_code in (401, 403)


def test_patient_b_cannot_see_patient_as_batch_even_by_listing(client, batch, other_patient):
    client.force_login(other_patient)
    assert client.get(f"/analyses/uploads/{batch.id}/").status_code == 404
    assert not UploadBatch.objects.visible_to(other_patient).exists()


def test_the_owner_sees_every_line_and_the_refused_file(client, batch, patient):
    client.force_login(patient)
    html = client.get(f"/analyses/uploads/{batch.id}/").content.decode()
    assert "ecg_a.csv" in html and "ecg_b.csv" in html
    assert "ecg_c.csv" in html and "This file is not an ECG recording." in html
    assert not AccessLogEntry.objects.exists()  # the owner's own views are not logged


def test_a_doctor_with_a_share_of_one_result_sees_only_that_ecg_and_it_is_logged(
    client, batch, patient, doctor
):
    shared = batch.items.get(name="ecg_a.csv").recording.analyses.get()
    Share.objects.create(patient=patient, doctor=doctor, analysis=shared)
    client.force_login(doctor)
    html = client.get(f"/analyses/uploads/{batch.id}/").content.decode()
    assert "ecg_a.csv" in html
    assert "ecg_b.csv" not in html and "ecg_c.csv" not in html and "Not taken" not in html
    entry = AccessLogEntry.objects.get()
    assert (entry.viewer, entry.analysis, entry.patient) == (doctor, shared, patient)
    api = APIClient()
    api.force_authenticate(doctor)
    body = api.get(API.format(id=batch.id)).json()
    assert [item["file_name"] for item in body["items"]] == ["ecg_a.csv"]


def test_a_doctor_sharing_everything_sees_the_ecgs_but_not_the_refused_file(
    client, batch, patient, doctor
):
    Share.objects.create(patient=patient, doctor=doctor)
    client.force_login(doctor)
    html = client.get(f"/analyses/uploads/{batch.id}/").content.decode()
    assert "ecg_a.csv" in html and "ecg_b.csv" in html and "ecg_c.csv" not in html


def test_deleting_an_upload_removes_its_line(
    client, batch, patient, django_capture_on_commit_callbacks
):
    analysis = batch.items.get(name="ecg_a.csv").recording.analyses.get()
    client.force_login(patient)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/analyses/{analysis.id}/delete/").status_code == 302
    assert list(batch.items.values_list("name", flat=True)) == ["ecg_b.csv", "ecg_c.csv"]


def test_the_schema_lists_the_batch_endpoint_and_the_upload_answer(client):
    schema = client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/batches/{id}/" in schema
    assert "UploadResult" in schema and "Batch" in schema
