"""Workers on different machines share only PostgreSQL, Redis and the S3 endpoint: each
has its own local folders (MEDIA_ROOT, model cache) here, and still any of them finishes any
upload, and a version retrained on one is used by another after promotion."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from diagnosis.models import TrainingRun
from diagnosis.services import analyses as analysis_services
from diagnosis.services import curation
from tests.curation.conftest import import_and_approve
from tests.diagnosis import ecg_files
from tests.e2e.conftest import app_uses_broker, classify_through_api, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def machine(tmp_path: Path, name: str) -> dict[str, str]:
    """One machine's own folders (nothing shared with the test or the other workers)."""
    folders = {
        "MEDIA_ROOT": tmp_path / name / "media",
        "ECG_MODEL_CACHE_DIR": tmp_path / name / "model-cache",
    }
    for folder in folders.values():
        folder.mkdir(parents=True)
    return {key: str(value) for key, value in folders.items()}


def local_files(env: dict[str, str], key: str) -> list[Path]:
    return sorted(p for p in Path(env[key]).rglob("*") if p.is_file())


def succeeded(worker, task: str) -> int:
    return sum(1 for line in worker.log if task in line and " succeeded in " in line)


def test_an_upload_is_finished_by_whichever_worker_takes_it(
    patient, s3_bucket, shared_redis_url, worker_factory, tmp_path
):
    analysis_services.model_versions_install(activate_default=True)
    api = APIClient()
    api.force_authenticate(patient)
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    with app_uses_broker(shared_redis_url):
        first = worker_factory(shared_redis_url, **s3_bucket.env, **a)
        one = classify_through_api(api, ecg_files.wfdb_zip(), "one.zip", timeout=90)
        assert succeeded(first, "classify_analysis") == 1
        first.stop()  # the other machine takes the next upload
        second = worker_factory(shared_redis_url, **s3_bucket.env, **b)
        two = classify_through_api(api, ecg_files.beat_png("N"), "two.png", timeout=90)
        assert succeeded(second, "classify_analysis") == 1
    assert one.result["input"] == "record" and two.result["input"] == "beat_image"
    assert one.trace.name in s3_bucket.keys("traces/")
    assert len(s3_bucket.keys("recordings/")) == 2
    assert local_files(a, "MEDIA_ROOT") == local_files(b, "MEDIA_ROOT") == []


def test_a_version_retrained_on_one_worker_is_used_by_another_after_promotion(
    client, administrator, patient, s3_bucket, shared_redis_url, worker_factory, tmp_path
):
    shipped = analysis_services.model_versions_install(activate_default=True)
    client.force_login(administrator)
    import_and_approve(client, per_class=60)
    api = APIClient()
    api.force_authenticate(patient)
    trainer, inference = machine(tmp_path, "trainer"), machine(tmp_path, "inference")
    with app_uses_broker(shared_redis_url):
        worker_factory(shared_redis_url, "training", **s3_bucket.env, **trainer)
        worker = worker_factory(shared_redis_url, **s3_bucket.env, **inference)
        before = classify_through_api(api, ecg_files.beat_png("N"), "before.png", timeout=90)
        assert before.model_version == shipped

        response = client.post("/analyses/curation/training/start/", {"small": "on"})
        assert response.status_code == 302
        run = TrainingRun.objects.get()

        def finished() -> bool:
            run.refresh_from_db()
            return not run.is_open

        wait_for(finished, timeout=180, interval=0.5, what="the training run")
        assert run.status == "succeeded", run.error
        candidate = run.candidate
        assert candidate is not None
        assert f"models/{candidate.directory}/metadata.json" in s3_bucket.keys("models/")
        curation.model_version_activate(
            version=candidate, by=administrator, override_reason="small test run"
        )

        after = classify_through_api(api, ecg_files.beat_png("A"), "after.png", timeout=90)
    assert after.model_version == candidate
    assert after.result["model"] == candidate.version
    assert succeeded(worker, "classify_analysis") == 2
    # The inference machine fetched it from the bucket into its own cache; the trainer kept
    # nothing on disk.
    cached = [p.name for p in Path(inference["ECG_MODEL_CACHE_DIR"]).iterdir()]
    assert [name.rsplit("-", 1)[0] for name in cached] == [candidate.directory]
    assert local_files(trainer, "MEDIA_ROOT") == local_files(trainer, "ECG_MODEL_CACHE_DIR") == []
