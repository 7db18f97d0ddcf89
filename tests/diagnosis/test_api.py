"""The REST API as ARCHITECTURE.md describes it: tokens, create (202), poll, list, schema."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Analysis, Status
from tests.diagnosis import ecg_files
from tests.factories import PASSWORD, AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db


def token_for(user) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_confirmed_account_gets_a_token_that_authenticates(patient):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(patient)}")
    assert api.get("/api/v1/analyses/").status_code == 200


def test_an_unconfirmed_account_gets_no_token(patient):
    EmailAddress.objects.filter(user=patient).update(verified=False)
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": patient.email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Confirm your email" in response.json()["detail"]


def test_a_wrong_password_gets_no_token(patient):
    response = APIClient().post("/api/v1/auth/token/", {"email": patient.email, "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_token_requests_are_throttled(patient):
    api = APIClient()
    codes = [
        api.post("/api/v1/auth/token/", {"email": patient.email, "password": "nope"}).status_code
        for _ in range(12)
    ]
    assert codes[-1] == 429


def test_upload_returns_202_queued_then_poll_gives_the_contract_result(
    patient, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(patient)}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/analyses/",
            {"file": SimpleUploadedFile("beat.png", ecg_files.beat_png("N"))},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["duplicate"] is False
    poll = api.get(f"/api/v1/analyses/{body['id']}/").json()
    assert poll["status"] == "done"
    assert poll["error"] is None
    result = poll["result"]
    assert result["input"] == "beat_image"
    assert set(result) >= {"label", "aami", "confidence", "probabilities", "model"}
    assert set(result["probabilities"]) == {"NOR", "LBB", "RBB", "APC", "PVC", "PAB", "VEB", "VFW"}


def test_a_wfdb_record_can_be_sent_as_two_file_fields(patient, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(patient)
    header, data = ecg_files.wfdb_files()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/analyses/",
            {
                "file": [
                    SimpleUploadedFile("r.hea", header),
                    SimpleUploadedFile("mitdb_100_excerpt.dat", data),
                ]
            },
            format="multipart",
        )
    assert response.status_code == 202, response.content
    analysis = Analysis.objects.get(id=response.json()["id"])
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.result["input"] == "record"
    assert analysis.result["beats"][0].keys() >= {"sample", "label", "aami", "confidence"}


def test_a_rejected_file_is_a_400_with_the_reason(patient):
    api = APIClient()
    api.force_authenticate(patient)
    response = api.post(
        "/api/v1/analyses/",
        {"file": SimpleUploadedFile("x.png", b"\x00\x01MZ binary junk")},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert "not a supported ECG format" in response.json()["file"][0]
    assert not Analysis.objects.exists()


def test_a_duplicate_upload_returns_the_earlier_analysis(
    patient, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(patient)
    png = ecg_files.beat_png("N")
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(
            "/api/v1/analyses/", {"file": SimpleUploadedFile("a.png", png)}, format="multipart"
        )
    second = api.post(
        "/api/v1/analyses/", {"file": SimpleUploadedFile("b.png", png)}, format="multipart"
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["duplicate"] is True


def test_the_list_is_the_callers_history_newest_first_and_paginated(patient):
    analyses = [AnalysisFactory(recording=RecordingFactory(owner=patient)) for _ in range(23)]
    api = APIClient()
    api.force_authenticate(patient)
    page = api.get("/api/v1/analyses/").json()
    assert page["count"] == 23 and len(page["results"]) == 20 and page["next"]
    newest_first = [str(a.id) for a in sorted(analyses, key=lambda a: a.created_at, reverse=True)]
    assert [row["id"] for row in page["results"]] == newest_first[:20]


def test_the_openapi_schema_and_docs_are_served_without_a_cdn(client, patient):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/analyses/" in schema.content
    client.force_login(patient)
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content.lower()
    assert b"cdn." not in docs.content.lower()


def test_the_api_gives_the_verdict_beside_the_result(patient):
    from tests.diagnosis.rhythm_results import episode, record_analysis, record_result

    analysis = record_analysis(
        patient, record_result(verdict="af", episodes=[episode("AFIB", 0, 30)], af_burden=1.0)
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(patient)}")
    body = api.get(f"/api/v1/analyses/{analysis.id}/").json()
    assert (body["verdict"], body["verdict_name"]) == ("af", "Possible atrial fibrillation")
    assert body["result"]["rhythm"]["episodes"][0]["rhythm"] == "AFIB"
