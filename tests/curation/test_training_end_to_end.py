"""Import -> approve -> a small training run on a real Celery worker (training queue) ->
a candidate with metrics, shown beside the active model; the active model is unchanged."""

from __future__ import annotations

import pytest

from diagnosis.models import ModelVersion, TrainingRun
from tests.curation.conftest import SHIPPED, import_and_approve
from tests.e2e.conftest import app_uses_broker, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_small_run_on_the_training_worker_produces_a_candidate_with_metrics(
    client, administrator, installed, models_dir, shared_redis_url, worker_factory
):
    client.force_login(administrator)
    ids = import_and_approve(client, per_class=60)
    assert len(ids) == 240

    worker_factory(shared_redis_url, "training", ECG_MODELS_DIR=str(models_dir))
    with app_uses_broker(shared_redis_url):
        response = client.post("/analyses/curation/training/start/", {"small": "on"})
        assert response.status_code == 302
        run = TrainingRun.objects.get()

        def finished():
            run.refresh_from_db()
            return not run.is_open

        wait_for(finished, timeout=120, interval=0.5, what="the training run")
    assert run.status == "succeeded", run.error
    # One epoch per model: the record model's, then the beat model's.
    assert run.epoch == 2 == run.total_epochs and run.loss is not None
    assert [(h["epoch"], h["model"]) for h in run.history] == [(1, "record"), (2, "beat")]
    assert run.n_train_examples == 160 and run.n_holdout_examples == 80

    candidate = run.candidate
    assert candidate is not None and not candidate.is_active
    # Published to the storage (shared by every worker), not left in the models folder.
    from django.core.files.storage import default_storage

    assert default_storage.exists(f"models/{candidate.directory}/record.tflite")
    assert not (models_dir / candidate.directory).exists()
    metrics = candidate.metadata["metrics"]
    assert metrics["holdout_examples"]["n"] == 80
    assert 0.0 <= metrics["holdout_examples"]["accuracy"] <= 1.0
    assert "not evaluated on DS2" in metrics["inter_patient_DS2_note"]
    assert set(candidate.metadata["files"]) == {"record.tflite", "beat.tflite"}
    assert candidate.metadata["training"]["recipe"]["epochs"] == 1
    assert candidate.metadata["training"]["base_beats"] > 0  # the base records were used
    assert ModelVersion.objects.get(is_active=True).version == SHIPPED.name

    page = client.get(f"/analyses/curation/training/{run.pk}/")
    assert candidate.version.encode() in page.content
    assert SHIPPED.name.encode() in page.content and b"model-comparison" in page.content
