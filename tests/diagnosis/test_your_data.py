"""A person can take all their data away (one zip) and close their account, which deletes
every upload, result and file and logs nothing about their health."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from accounts.models import User
from diagnosis.models import Analysis, AuditEvent, Recording, Share
from diagnosis.services.sharing import review_submit
from tests.diagnosis.rhythm_results import record_analysis, record_result
from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db


def test_the_zip_holds_uploads_results_csv_and_reports(client, patient, other_patient, doctor):
    record = record_analysis(patient, record_result(duration_s=10.0), with_trace=True)
    beat = AnalysisFactory(recording__owner=patient)
    Share.objects.create(patient=patient, doctor=doctor)
    review_submit(analysis=beat, doctor=doctor, label="NOR", note="Fine.")
    AnalysisFactory(recording__owner=other_patient)  # never in this person's zip
    client.force_login(patient)
    response = client.get("/analyses/my-data/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert sum(n.startswith("uploads/") for n in names) == 2
    assert sum(n.startswith("reports/") and n.endswith(".pdf") for n in names) == 2
    results = [json.loads(archive.read(n)) for n in names if n.startswith("results/")]
    assert {r["id"] for r in results} == {str(record.id), str(beat.id)}
    reviewed = next(r for r in results if r["id"] == str(beat.id))
    assert reviewed["review"]["label"] == "NOR" and reviewed["review"]["note"] == "Fine."
    rows = list(csv.DictReader(io.StringIO(archive.read("results.csv").decode())))
    assert len(rows) == 2 and {r["analysis_id"] for r in rows} == {str(record.id), str(beat.id)}


def test_the_export_needs_a_sign_in(client):
    response = client.get("/analyses/my-data/export.zip")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_closing_the_account_deletes_everything_and_logs_no_health_data(
    client, patient, django_capture_on_commit_callbacks
):
    analysis = record_analysis(patient, record_result(duration_s=10.0), with_trace=True)
    files = [Path(analysis.recording.file.path), Path(analysis.trace.path)]
    assert all(f.exists() for f in files)
    client.force_login(patient)
    wrong = client.post("/analyses/my-data/", {"confirm_email": "someone@else.org"})
    assert wrong.status_code == 200 and User.objects.filter(pk=patient.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/analyses/my-data/", {"confirm_email": patient.email.upper()})
    assert response.status_code == 302
    assert not User.objects.filter(pk=patient.pk).exists()
    assert not Recording.objects.exists() and not Analysis.objects.exists()
    assert not any(f.exists() for f in files)
    event = AuditEvent.objects.get(action="account.delete")
    assert event.details == {"uploads": 1} and patient.email not in str(event.details)
    assert "_auth_user_id" not in client.session


def test_the_api_export_is_the_same_zip_and_only_the_callers(patient, other_patient):
    from rest_framework.test import APIClient

    mine = AnalysisFactory(recording__owner=patient)
    AnalysisFactory(recording__owner=other_patient)
    api = APIClient()
    assert api.get("/api/v1/me/export.zip").status_code == 401
    api.force_authenticate(patient)
    response = api.get("/api/v1/me/export.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    results = [json.loads(archive.read(n)) for n in archive.namelist() if n.startswith("results/")]
    assert [r["id"] for r in results] == [str(mine.id)]


def test_the_api_closes_the_account_with_its_token_and_deletes_everything(
    patient, django_capture_on_commit_callbacks
):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    analysis = record_analysis(patient, record_result(duration_s=10.0), with_trace=True)
    files = [Path(analysis.recording.file.path), Path(analysis.trace.path)]
    _, token = AuthToken.objects.create(user=patient)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/analyses/").status_code == 200
    wrong = api.post("/api/v1/me/close/", {"confirm_email": "someone@else.org"}, format="json")
    assert wrong.status_code == 400 and User.objects.get(pk=patient.pk).is_active
    with django_capture_on_commit_callbacks(execute=True):
        closed = api.post("/api/v1/me/close/", {"confirm_email": patient.email}, format="json")
    assert closed.status_code == 202
    assert not User.objects.filter(pk=patient.pk).exists()
    assert not any(f.exists() for f in files)
    assert api.get("/api/v1/analyses/").status_code == 401  # the token died with the account
    assert APIClient().post("/api/v1/me/close/", {}, format="json").status_code == 401


def test_the_api_closes_an_account_made_with_only_a_mobile_number():
    """Confirmed by what the person signs in with, as on the page: here the number."""
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    patient = User.objects.create_user(None, "a-long-passphrase-1", phone="+919876543210")
    _, token = AuthToken.objects.create(user=patient)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    closed = api.post("/api/v1/me/close/", {"confirm_email": "+91 98765 43210"}, format="json")
    assert closed.status_code == 202, closed.content
    assert not User.objects.get(pk=patient.pk).is_active  # deleted in the background next
