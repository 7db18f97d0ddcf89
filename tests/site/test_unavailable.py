"""A service that cannot be reached (database, cache, broker) gives a clear "temporarily
unavailable, try again in N s" page or JSON with 503 and Retry-After, never a bare 500
(issue 16, point 4)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.test import APIClient

from ecgsite.views import outage

pytestmark = pytest.mark.django_db


def test_a_database_that_is_down_gives_the_503_page(patient, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(patient)  # the session exists; then the database goes away

    def down(self):
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(SessionStore, "load", down)
    response = client.get("/analyses/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Temporarily unavailable" in page and "the database" in page
    assert "Nothing you uploaded before has been lost" in page
    assert '<meta http-equiv="refresh" content="10">' in page


def test_the_api_answers_json_503_with_retry_after(patient, monkeypatch):
    from diagnosis.api.views import AnalysisViewSet

    def down(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(AnalysisViewSet, "get_queryset", down)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(patient)
    response = api.get("/api/v1/analyses/")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert response.json()["retry_after_s"] == 10
    assert "try again in 10 s" in response.json()["detail"]


def test_any_other_error_is_still_a_500(patient, monkeypatch):
    from diagnosis.api.views import AnalysisViewSet

    def broken(self):
        raise ValueError("a bug")

    monkeypatch.setattr(AnalysisViewSet, "get_queryset", broken)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(patient)
    response = api.get("/api/v1/analyses/")
    assert response.status_code == 500 and "Retry-After" not in response


def test_outages_are_recognised_through_the_errors_they_caused():
    try:
        try:
            raise BrokerError("Error 111 connecting to redis:6379. Connection refused.")
        except BrokerError as error:
            raise RuntimeError("could not queue") from error
    except RuntimeError as wrapped:
        assert outage(wrapped) == "the task queue"
    assert outage(ValueError("x")) is None
    assert outage(None) is None


def test_an_object_store_that_is_down_or_refusing_gives_the_503_page(patient, monkeypatch):
    from botocore.exceptions import ClientError, EndpointConnectionError

    from diagnosis.services import uploads

    client = Client(raise_request_exception=False)
    client.force_login(patient)
    for failure in (
        EndpointConnectionError(endpoint_url="http://minio:9000/ecg"),
        ClientError(
            {"Error": {"Code": "ServiceUnavailable"}, "ResponseMetadata": {"HTTPStatusCode": 503}},
            "PutObject",
        ),
    ):

        def down(*args, failure=failure, **kwargs):
            raise failure

        monkeypatch.setattr(uploads, "upload_store", down)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tests.diagnosis import ecg_files

        beat = SimpleUploadedFile("beat.png", ecg_files.beat_png("N"), content_type="image/png")
        response = client.post("/analyses/upload/", {"file": [beat]})
        assert response.status_code == 503, response.content[:300]
        page = response.content.decode()
        assert "the file storage" in page and "it was not saved" in page


def test_a_missing_object_is_not_an_outage():
    from botocore.exceptions import ClientError

    missing = ClientError(
        {"Error": {"Code": "NoSuchKey"}, "ResponseMetadata": {"HTTPStatusCode": 404}}, "GetObject"
    )
    assert outage(missing) is None
