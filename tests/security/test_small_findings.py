"""The audit's low findings: no server error on odd input, a message when no file is sent,
and doctors' and administrators' idle sessions end."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from accounts.middleware import LAST_SEEN_KEY
from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db


def test_google_sign_in_that_is_not_set_up_is_a_404(client):
    assert client.post("/accounts/google/login/").status_code == 404


@pytest.mark.parametrize("query", ["start=nan", "start=inf", "seconds=-inf", "start=x"])
def test_a_trace_window_that_is_not_a_number_is_a_400(client, patient, query, tmp_path):
    analysis = AnalysisFactory(recording__owner=patient, trace="traces/x.npy")
    client.force_login(patient)
    response = client.get(f"/analyses/{analysis.id}/trace.json?{query}")
    assert response.status_code == 400 and "numbers" in response.json()["error"]


def test_an_api_upload_without_a_file_says_so(patient):
    api = APIClient()
    api.force_authenticate(patient)
    response = api.post("/api/v1/analyses/", {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["file"] and response.json()["file"][0]


def _go_idle(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_doctor_is_signed_out_and_an_active_one_is_not(client, doctor, settings):
    client.force_login(doctor)
    assert client.get("/analyses/doctor/").status_code == 200
    _go_idle(client, settings.STAFF_IDLE_TIMEOUT - 60)
    assert client.get("/analyses/doctor/").status_code == 200
    _go_idle(client, settings.STAFF_IDLE_TIMEOUT + 60)
    response = client.get("/analyses/doctor/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert "_auth_user_id" not in client.session


def test_a_patient_keeps_the_normal_session(client, patient, settings):
    client.force_login(patient)
    client.get("/analyses/")
    _go_idle(client, settings.STAFF_IDLE_TIMEOUT + 60)
    assert client.get("/analyses/").status_code == 200
