"""A run that fails or is cancelled midway leaves the active model and the models folder
as they were."""

from __future__ import annotations

import time

import pytest

from diagnosis.ml import retrain, train
from diagnosis.models import AuditEvent, ModelVersion, TrainingRun
from diagnosis.services import training as curation
from tests.curation.conftest import SHIPPED

pytestmark = pytest.mark.django_db


def folders(models_dir):
    return sorted(p.name for p in models_dir.iterdir())


def test_a_run_that_fails_midway_leaves_the_active_model_untouched(
    administrator, installed, models_dir, monkeypatch
):
    before = folders(models_dir)

    def fails_after_an_epoch(beats, *, progress, **kwargs):
        progress(
            {"phase": "epoch_end", "model": "record", "epoch": 1, "epochs": 3, "loss": 1.2,
             "accuracy": 0.5}
        )  # fmt: skip
        raise RuntimeError("out of memory")

    monkeypatch.setattr(train, "fit", fails_after_an_epoch)
    run = curation.training_start(by=administrator, small=True, epochs=3)
    assert curation.training_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and not run.is_open
    assert "out of memory" in run.error
    assert run.history == [{"epoch": 1, "loss": 1.2, "accuracy": 0.5, "model": "record"}]
    assert ModelVersion.objects.get(is_active=True).version == SHIPPED.name
    assert ModelVersion.objects.count() == 2 and run.candidate is None
    assert folders(models_dir) == before
    assert AuditEvent.objects.filter(action="training.failed").exists()


def test_a_cancelled_run_stops_and_leaves_no_candidate(
    administrator, installed, models_dir, monkeypatch
):
    before = folders(models_dir)

    def cancelled_midway(beats, *, should_stop, **kwargs):
        curation.training_cancel(run=TrainingRun.objects.get(), by=administrator)
        time.sleep(1.05)  # the worker reads the cancel flag at most once a second
        assert should_stop()
        raise retrain.TrainingCancelled("cancelled")

    monkeypatch.setattr(train, "fit", cancelled_midway)
    run = curation.training_start(by=administrator, small=True)
    # The worker has claimed it and reports (a live heartbeat): cancel only asks it to stop.
    assert curation.training_execute(run_id=run.pk) == "cancelled"
    run.refresh_from_db()
    assert run.status == "cancelled" and not run.is_open
    assert ModelVersion.objects.get(is_active=True).version == SHIPPED.name
    assert folders(models_dir) == before


def test_a_run_cancelled_while_queued_is_never_trained(administrator, installed):
    run = curation.training_start(by=administrator, small=True)
    curation.training_cancel(run=run, by=administrator)
    assert curation.training_execute(run_id=run.pk) == "skipped"
