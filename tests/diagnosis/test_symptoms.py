"""What the person felt when recording: given with the upload (page and API) or afterwards,
shown in history, the report, the PDF and to the doctor, and a history filter."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Analysis, Share
from tests.diagnosis import ecg_files
from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db


def test_symptoms_given_with_an_upload_show_everywhere(client, patient, doctor, upload):
    client.force_login(patient)
    analysis = upload(
        SimpleUploadedFile("b.png", ecg_files.beat_png("N")),
        symptoms=["palpitations", "dizziness"],
        symptom_note="After climbing stairs",
    )
    assert analysis.recording.symptom_codes == ["palpitations", "dizziness"]
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "Palpitations" in page and "After climbing stairs" in page
    assert "felt: palpitations" in client.get("/analyses/").content.decode()
    assert 'id="report-symptoms"' in client.get(f"/analyses/{analysis.id}/report/").content.decode()
    Share.objects.create(patient=patient, doctor=doctor)
    client.force_login(doctor)
    review = client.get(f"/analyses/{analysis.id}/review/").content.decode()
    assert 'id="review-symptoms"' in review and "Dizziness" in review


def test_symptoms_can_be_added_later_by_the_owner_only(client, patient, other_patient):
    analysis = AnalysisFactory(recording__owner=patient)
    client.force_login(other_patient)
    url = f"/analyses/{analysis.id}/symptoms/"
    assert client.post(url, {"symptoms": ["chest_pain"]}).status_code == 404
    client.force_login(patient)
    assert (
        client.post(url, {"symptoms": ["chest_pain"], "symptom_note": "brief"}).status_code == 302
    )
    analysis.recording.refresh_from_db()
    assert analysis.recording.symptom_codes == ["chest_pain"]
    client.post(url, {"symptoms": ["none", "tired"]})  # refused: both at once
    analysis.recording.refresh_from_db()
    assert analysis.recording.symptom_codes == ["chest_pain"]


def test_history_filters_by_symptom(client, patient):
    felt = AnalysisFactory(recording__owner=patient, recording__symptoms="tired palpitations")
    AnalysisFactory(recording__owner=patient)
    client.force_login(patient)
    page = client.get("/analyses/", {"symptom": "palpitations"})
    assert [a.id for a in page.context["page"].object_list] == [felt.id]


def test_the_api_takes_and_returns_symptoms(patient, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/analyses/",
            {"file": SimpleUploadedFile("b.png", ecg_files.beat_png("N")), "symptoms": ["tired"]},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = api.get(f"/api/v1/analyses/{response.json()['id']}/").json()
    assert body["symptoms"] == ["tired"]
    assert Analysis.objects.get(id=body["id"]).recording.symptoms == "tired"
