"""The analysis state machine: one claim at a time, one result ever, retries and the sweeper."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from diagnosis.models import Analysis, Status
from diagnosis.services import analyses as services
from tests.factories import AnalysisFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued():
    return AnalysisFactory(status=Status.QUEUED, result=None, label="", model_version=None)


def test_only_one_run_can_claim_a_queued_analysis(queued):
    first = services.analysis_claim(analysis_id=queued.id)
    second = services.analysis_claim(analysis_id=queued.id)
    assert first is not None and second is None
    queued.refresh_from_db()
    assert queued.status == Status.RUNNING and queued.run_token == first and queued.attempts == 1


def test_a_redelivered_message_takes_over_a_run_whose_worker_died(queued):
    dead = services.analysis_claim(analysis_id=queued.id)
    takeover = services.analysis_claim(analysis_id=queued.id, redelivered=True)
    assert takeover is not None and takeover != dead
    queued.refresh_from_db()
    assert queued.attempts == 2


def test_a_run_whose_lease_ran_out_can_be_taken_over(queued):
    services.analysis_claim(analysis_id=queued.id)
    Analysis.objects.filter(id=queued.id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.analysis_claim(analysis_id=queued.id) is not None


def test_a_finished_analysis_is_never_claimed_again():
    done = AnalysisFactory()
    assert services.analysis_claim(analysis_id=done.id, redelivered=True) is None


def test_only_the_current_claim_may_store_a_result(queued):
    model = ModelVersionFactory()
    stale = services.analysis_claim(analysis_id=queued.id)
    current = services.analysis_claim(analysis_id=queued.id, redelivered=True)
    result = {"input": "beat_image", "label": "NOR", "confidence": 0.9}
    args = {
        "analysis_id": queued.id,
        "result": result,
        "trace": None,
        "model_version": model,
        "timings": {},
    }
    assert services.analysis_store_result(token=stale, **args) is False
    assert services.analysis_store_result(token=current, **args) is True
    assert services.analysis_store_result(token=current, **args) is False  # already done
    queued.refresh_from_db()
    assert queued.status == Status.DONE and queued.label == "NOR"


def test_a_transient_error_gives_the_claim_back_and_raises_for_a_retry(queued):
    crash = mock.patch("diagnosis.engine.analyse_file", side_effect=OSError("disk hiccup"))
    with crash, pytest.raises(OSError):
        services.analysis_run(analysis_id=queued.id)
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED and queued.run_token is None


def test_an_engine_crash_fails_the_analysis_with_a_plain_message(queued):
    with mock.patch("diagnosis.engine.analyse_file", side_effect=ValueError("boom")):
        assert services.analysis_run(analysis_id=queued.id) == "failed"
    queued.refresh_from_db()
    assert queued.status == Status.FAILED
    assert queued.error == services.USER_MESSAGE_INTERNAL and "boom" not in queued.error


def test_the_sweeper_sends_stuck_and_abandoned_analyses_again(queued):
    abandoned = AnalysisFactory(status=Status.QUEUED, result=None, label="", model_version=None)
    services.analysis_claim(analysis_id=abandoned.id)
    Analysis.objects.filter(id=abandoned.id).update(
        lease_expires_at=timezone.now() - timedelta(minutes=1)
    )
    Analysis.objects.filter(id=queued.id).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    fresh = AnalysisFactory(status=Status.QUEUED, result=None, label="", model_version=None)
    Analysis.objects.filter(id=fresh.id).update(enqueued_at=timezone.now())
    with mock.patch.object(services, "analysis_send", return_value=True) as send:
        assert services.analysis_sweep() == 2
    assert {c.kwargs["analysis_id"] for c in send.call_args_list} == {queued.id, abandoned.id}


def test_a_broker_that_is_down_does_not_lose_the_upload(queued):
    from diagnosis.tasks import classify_analysis

    Analysis.objects.filter(id=queued.id).update(enqueued_at=timezone.now())  # as on upload
    with mock.patch.object(classify_analysis, "delay", side_effect=ConnectionError("down")):
        assert services.analysis_send(analysis_id=queued.id) is False
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED
    # Marked as never sent: the sweeper's next pass sends it, not one STUCK_AFTER later.
    assert queued.enqueued_at is None
    with mock.patch.object(services, "analysis_send", return_value=True) as send:
        assert services.analysis_sweep() == 1
    assert send.call_args.kwargs["analysis_id"] == queued.id


def test_a_dead_workers_run_is_sent_again_at_once_however_recently_it_was_sent(queued):
    services.analysis_claim(analysis_id=queued.id)
    Analysis.objects.filter(id=queued.id).update(
        enqueued_at=timezone.now(), lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with mock.patch.object(services, "analysis_send", return_value=True) as send:
        assert services.analysis_sweep() == 1
    assert send.call_args.kwargs["analysis_id"] == queued.id
    queued.refresh_from_db()
    assert queued.status == Status.QUEUED and queued.run_token is None


@pytest.mark.django_db(transaction=True)  # the lease thread has its own connection
def test_a_live_run_renews_its_lease_while_the_engine_works(queued, monkeypatch):
    """The lease is short (a killed worker's job is taken over soon); a live run renews it
    from a thread, so a long analysis is never taken over."""
    import threading

    monkeypatch.setattr(services, "RUN_LEASE_RENEW_S", 0.05)
    monkeypatch.setattr(services.queue, "tasks_in_process", lambda: False)  # as in a worker
    renewed = threading.Event()
    seen: list = []

    def slow_engine(*args, **kwargs):
        first = Analysis.objects.get(id=queued.id).lease_expires_at
        seen.append(first)
        for _ in range(100):  # until the thread has renewed the lease (at most 5 s)
            if Analysis.objects.get(id=queued.id).lease_expires_at > first:
                renewed.set()
                break
            threading.Event().wait(0.05)
        raise ValueError("stop here")

    with mock.patch("diagnosis.engine.analyse_file", side_effect=slow_engine):
        services.analysis_run(analysis_id=queued.id)
    assert seen and renewed.is_set()
    assert not [t for t in threading.enumerate() if t.name == f"lease-analysis {queued.id}"]


def test_renewing_stops_once_the_run_is_no_longer_this_workers(queued):
    token = services.analysis_claim(analysis_id=queued.id)
    assert services.analysis_lease_renew(analysis_id=queued.id, token=token)
    services.analysis_claim(analysis_id=queued.id, redelivered=True)  # another worker took it
    assert not services.analysis_lease_renew(analysis_id=queued.id, token=token)
