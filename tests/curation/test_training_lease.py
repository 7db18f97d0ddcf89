"""Training runs survive their worker: a run whose worker died (its lease ran out) is failed
by the sweeper with a message, which frees the one-run-at-a-time rule; a worker thought dead
never reopens or overwrites it. Time is moved by writing timestamps, never by sleeping."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from diagnosis import engine, tasks
from diagnosis.models import AuditEvent, ModelVersion, TrainingRun
from diagnosis.services import queue
from diagnosis.services import training as training_service
from ecgsite.celery import app

pytestmark = pytest.mark.django_db

LEASE = training_service.TRAINING_LEASE


def running_run(administrator, *, last_heartbeat_ago: timedelta) -> TrainingRun:
    """A run its worker claimed and last renewed ``last_heartbeat_ago``."""
    run = training_service.training_start(by=administrator, small=True)
    now = timezone.now()
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", started_at=now - 2 * LEASE, heartbeat_at=now - last_heartbeat_ago
    )
    run.refresh_from_db()
    return run


def test_a_run_whose_worker_died_is_failed_by_the_sweep_and_the_next_run_starts(
    administrator, installed
):
    run = running_run(administrator, last_heartbeat_ago=LEASE + timedelta(seconds=1))
    with pytest.raises(ValidationError, match="already in progress"):
        training_service.training_start(by=administrator, small=True)

    assert tasks.sweep_training_runs() == 1

    run.refresh_from_db()
    assert run.status == "failed" and not run.is_open and run.finished_at is not None
    last_seen = f"{timezone.localtime(run.heartbeat_at):%H:%M}"
    assert run.error == (
        "The training worker stopped responding (it may have been restarted or run out of "
        f"memory) at {last_seen}; the run was marked failed. Start it again."
    )
    event = AuditEvent.objects.get(action="training.failed")
    assert event.target == f"training run #{run.pk}"
    assert event.details["reason"] == "worker lost"
    nxt = training_service.training_start(by=administrator, small=True)
    assert TrainingRun.objects.open().get() == nxt


def test_a_run_that_renews_its_lease_is_left_alone(administrator, installed):
    run = running_run(administrator, last_heartbeat_ago=LEASE - timedelta(seconds=30))
    assert training_service.training_runs_sweep() == 0
    run.refresh_from_db()
    assert run.status == "running" and run.is_open and run.error == ""
    with pytest.raises(ValidationError, match="already in progress"):
        training_service.training_start(by=administrator, small=True)


def test_a_queued_run_no_worker_ever_claims_is_failed(administrator, installed):
    lost = training_service.training_start(by=administrator, small=True)
    assert training_service.training_runs_sweep() == 0  # a fresh queued run waits
    TrainingRun.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - training_service.UNCLAIMED_RUN_AFTER - timedelta(seconds=1)
    )
    assert training_service.training_runs_sweep() == 1
    lost.refresh_from_db()
    assert lost.status == "failed" and not lost.is_open
    assert "No training worker picked this run up within 30 minutes" in lost.error
    # Its message arrives after all: the run is not claimed again.
    assert training_service.training_execute(run_id=lost.pk) == "skipped"
    training_service.training_start(by=administrator, small=True)


def test_a_late_report_from_a_worker_thought_dead_does_not_reopen_its_run(
    administrator, installed, monkeypatch
):
    def stalls_then_reports(directory, *, progress, **kwargs):
        # The worker stalls past its lease; the sweeper fails the run; then it wakes up.
        TrainingRun.objects.update(heartbeat_at=timezone.now() - LEASE - timedelta(seconds=1))
        assert training_service.training_runs_sweep() == 1
        progress({"phase": "epoch_end", "model": "record", "epoch": 1, "loss": 1.0,
                  "accuracy": 0.5})  # fmt: skip
        raise RuntimeError("the zombie crashes too")

    monkeypatch.setattr(engine, "train_candidate", stalls_then_reports)
    run = training_service.training_start(by=administrator, small=True)
    assert training_service.training_execute(run_id=run.pk) == "lost"
    failed = TrainingRun.objects.get(pk=run.pk)
    assert failed.status == "failed" and not failed.is_open
    assert failed.error.startswith("The training worker stopped responding")
    assert failed.history == [] and failed.epoch == 0  # the late report wrote nothing
    assert failed.heartbeat_at < timezone.now() - LEASE
    assert not training_service.training_lease_renew(run_id=run.pk)
    assert AuditEvent.objects.filter(action="training.failed").count() == 1


def test_a_candidate_finished_after_its_run_was_failed_is_dropped(
    administrator, installed, models_dir, monkeypatch
):
    def finishes_too_late(directory, **kwargs):
        (models_dir / directory).mkdir()
        (models_dir / directory / "metadata.json").write_text("{}")
        TrainingRun.objects.update(heartbeat_at=timezone.now() - LEASE - timedelta(seconds=1))
        training_service.training_runs_sweep()
        return {"version": "ecg-cnn-late"}

    monkeypatch.setattr(engine, "train_candidate", finishes_too_late)
    before = sorted(p.name for p in models_dir.iterdir())
    run = training_service.training_start(by=administrator, small=True)
    assert training_service.training_execute(run_id=run.pk) == "lost"
    run.refresh_from_db()
    assert run.status == "failed" and run.candidate is None
    assert not ModelVersion.objects.filter(version="ecg-cnn-late").exists()
    assert sorted(p.name for p in models_dir.iterdir()) == before


def test_the_worker_renews_its_lease_through_a_phase_that_reports_nothing(
    administrator, installed, monkeypatch
):
    renewed = threading.Event()

    def renew(*, run_id):
        renewed.set()
        return True

    def long_silent_phase(directory, **kwargs):
        assert renewed.wait(timeout=10), "the lease thread never renewed the lease"
        raise engine.TrainingCancelled("stop here")

    monkeypatch.setattr(training_service, "LEASE_RENEW_EVERY_S", 0.01)
    monkeypatch.setattr(training_service, "training_lease_renew", renew)
    monkeypatch.setattr(engine, "train_candidate", long_silent_phase)
    run = training_service.training_start(by=administrator, small=True)
    assert training_service.training_execute(run_id=run.pk) == "cancelled"
    assert not [t for t in threading.enumerate() if t.name.startswith("lease-training run")]


def test_cancel_closes_a_run_whose_lease_ran_out_at_once(administrator, installed):
    run = running_run(administrator, last_heartbeat_ago=LEASE + timedelta(seconds=1))
    training_service.training_cancel(run=run, by=administrator)
    run.refresh_from_db()
    assert run.status == "cancelled" and not run.is_open


def test_the_beat_and_the_embedded_runner_both_sweep_training_runs(monkeypatch):
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule[queue.SWEEP_TRAINING_RUNS]["schedule"] <= 60
    assert queue.SWEEP_TRAINING_RUNS in app.tasks
    # On the housekeeping queue, not training: the training worker may be the one gone.
    for sweep in (queue.SWEEP_TRAINING_RUNS, queue.SWEEP_ANALYSES):
        assert app.amqp.router.route({}, sweep)["queue"].name == "housekeeping"

    seen: list[str] = []
    twice = threading.Event()

    def record(name, args):
        seen.append(name)
        if seen.count(queue.SWEEP_TRAINING_RUNS) >= 2:  # at start, then on its period
            twice.set()

    monkeypatch.setattr(queue, "_run", record)
    monkeypatch.setattr(queue, "EMBEDDED_SWEEP_EVERY_S", 0.01)
    runner = queue._EmbeddedRunner("sweep-test", sweeps=True)
    try:
        assert twice.wait(timeout=10)
    finally:
        runner.stop()
        runner.thread.join(10)
    assert queue.SWEEP_ANALYSES in seen
