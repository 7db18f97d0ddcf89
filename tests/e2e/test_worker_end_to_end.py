"""Upload -> Redis -> a real Celery worker process -> result, including the bad days: a
worker killed mid-task, and a broker that is down when the file is uploaded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Analysis, Status
from diagnosis.services import analyses as services
from tests.diagnosis import ecg_files
from tests.e2e.conftest import RedisServer, app_uses_broker, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def status_of(analysis_id) -> str:
    return Analysis.objects.values_list("status", flat=True).get(id=analysis_id)


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_an_api_upload_is_classified_by_a_worker_process(patient, shared_redis_url, worker_factory):
    worker_factory(shared_redis_url)
    api = api_for(patient)
    with app_uses_broker(shared_redis_url):
        response = api.post(
            "/api/v1/analyses/",
            {"file": SimpleUploadedFile("record.zip", ecg_files.wfdb_zip())},
            format="multipart",
        )
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "queued"
        analysis_id = response.json()["id"]
        wait_for(
            lambda: status_of(analysis_id) in {"done", "failed"}, timeout=60, what="the result"
        )
    body = api.get(f"/api/v1/analyses/{analysis_id}/").json()
    assert body["status"] == "done", body["error"]
    assert body["result"]["input"] == "record"
    assert len(body["result"]["beats"]) >= 11
    assert body["model"] == body["result"]["model"]


def test_a_worker_killed_mid_task_is_replaced_and_the_analysis_finishes_once(
    patient, shared_redis_url, worker_factory, tmp_path
):
    # A short visibility timeout: Redis hands the unacknowledged task on after 3 s.
    first = worker_factory(shared_redis_url, CELERY_VISIBILITY_TIMEOUT="3")
    api = api_for(patient)
    long_record = ecg_files.long_record_zip(tmp_path, minutes=30)
    with app_uses_broker(shared_redis_url):
        response = api.post(
            "/api/v1/analyses/",
            {"file": SimpleUploadedFile("long.zip", long_record)},
            format="multipart",
        )
        analysis_id = response.json()["id"]
        wait_for(
            lambda: status_of(analysis_id) == "running", timeout=60, interval=0.02, what="running"
        )
        first.kill()
        assert status_of(analysis_id) == "running"
        second = worker_factory(shared_redis_url, CELERY_VISIBILITY_TIMEOUT="3")
        wait_for(
            lambda: status_of(analysis_id) in {"done", "failed"}, timeout=120, what="the result"
        )
    analysis = Analysis.objects.get(id=analysis_id)
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.attempts == 2  # the killed run and the one that finished
    assert analysis.result["summary"]["n_beats"] > 1500
    runs = [line for line in second.log if "classify_analysis" in line and "succeeded" in line]
    assert len(runs) == 1 and runs[0].endswith("'done'"), second.log[-20:]


def test_an_upload_while_the_broker_is_down_is_kept_and_completes_when_it_returns(
    patient, worker_factory
):
    broker = RedisServer()
    try:
        worker_factory(broker.url)
        api = api_for(patient)
        with app_uses_broker(broker.url):
            broker.stop()
            response = api.post(
                "/api/v1/analyses/",
                {"file": SimpleUploadedFile("beat.png", ecg_files.beat_png("N"))},
                format="multipart",
            )
            assert response.status_code == 202, response.content
            analysis_id = response.json()["id"]
            analysis = Analysis.objects.select_related("recording").get(id=analysis_id)
            assert analysis.status == Status.QUEUED
            assert analysis.recording.file.storage.exists(analysis.recording.file.name)

            broker.start()
            # The sweeper (a beat task every minute in production) sends it again.
            wait_for(
                lambda: (
                    services.analysis_sweep(stuck_after=timedelta(0))
                    or status_of(analysis_id) != "queued"
                ),
                timeout=30,
                interval=1,
                what="the sweeper to reach the broker",
            )
            wait_for(
                lambda: status_of(analysis_id) in {"done", "failed"}, timeout=60, what="the result"
            )
        assert Analysis.objects.get(id=analysis_id).status == Status.DONE
    finally:
        broker.stop()
