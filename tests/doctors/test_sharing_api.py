"""Sharing and reviews through the API: the same rules as the pages (patients share and
revoke, only a doctor with an active share reviews), each endpoint with its permission
checks."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from diagnosis.models import Review, Share
from tests.doctors.conftest import RECORD_FS

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_patient_shares_by_code_lists_and_revokes(patient, doctor):
    api = api_for(patient)
    code = doctor.doctor_profile.invitation_code
    created = api.post("/api/v1/shares/", {"invitation_code": code}, format="json")
    assert created.status_code == 201, created.content
    listed = api.get("/api/v1/shares/").json()
    assert [s["doctor"] for s in listed["results"]] == [doctor.pk]
    assert api.delete(f"/api/v1/shares/{created.json()['id']}/").status_code == 204
    assert not Share.objects.active().exists()


def test_sharing_with_someone_who_is_not_a_doctor_is_refused(patient, other_patient):
    response = api_for(patient).post("/api/v1/shares/", {"doctor": other_patient.pk}, format="json")
    assert response.status_code == 400


def test_shares_are_for_patients_and_their_own(patient, other_patient, doctor_with_share):
    share = Share.objects.get(patient=patient)
    assert api_for(other_patient).delete(f"/api/v1/shares/{share.pk}/").status_code == 404
    assert api_for(doctor_with_share).get("/api/v1/shares/").status_code == 403
    assert APIClient().get("/api/v1/shares/").status_code == 401


def test_a_doctor_reviews_through_the_api(doctor_with_share, record_analysis):
    api = api_for(doctor_with_share)
    queue = api.get("/api/v1/reviews/queue/").json()
    assert [item["id"] for item in queue] == [str(record_analysis.id)]
    beat = int(RECORD_FS * (0.5 + 0.8 * 5))
    response = api.post(
        f"/api/v1/analyses/{record_analysis.id}/review/",
        {"label": "APC", "note": "Atrial.", "beat_labels": {str(beat): "APC"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["review"]["label"] == "APC"
    assert Review.objects.get().beat_corrections[0]["label"] == "APC"
    assert api.get("/api/v1/reviews/queue/").json() == []


def test_only_a_doctor_with_a_share_may_review(
    patient, doctor_without_share, record_analysis, other_patient
):
    url = f"/api/v1/analyses/{record_analysis.id}/review/"
    body = {"label": "NOR"}
    assert api_for(doctor_without_share).post(url, body, format="json").status_code == 404
    assert api_for(patient).post(url, body, format="json").status_code == 403
    assert api_for(other_patient).post(url, body, format="json").status_code == 403
    assert APIClient().post(url, body, format="json").status_code == 401
    assert api_for(patient).get("/api/v1/reviews/queue/").status_code == 403
    assert not Review.objects.exists()


def test_the_schema_lists_the_sharing_and_review_endpoints(patient):
    schema = api_for(patient).get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/shares/", "/api/v1/reviews/queue/", "/api/v1/analyses/{id}/review/"):
        assert path in schema, path
