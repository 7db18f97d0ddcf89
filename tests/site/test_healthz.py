"""/healthz reports the database, the broker, the file storage and the model."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from ecgsite.celery import app as celery_app


@pytest.fixture
def model_dir(tmp_path):
    version = tmp_path / "test-model-1"
    version.mkdir()
    (version / "metadata.json").write_text(json.dumps({"version": "test-model-1"}))
    with override_settings(ECG_MODELS_DIR=tmp_path):
        yield tmp_path


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at a broker URL (or in-process mode) for the length of a test."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)

    def use(url: str | None) -> None:
        if url is None:
            celery_app.conf.update(task_always_eager=True, broker_url="memory://")
        else:
            celery_app.conf.update(task_always_eager=False, broker_url=url)

    yield use
    celery_app.conf.update(saved)


@pytest.mark.django_db
def test_healthy_in_embedded_mode(client, model_dir, broker):
    broker(None)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["broker"] == {"ok": True, "mode": "in-process"}
    assert body["checks"]["model"]["versions"] == ["test-model-1"]
    assert body["checks"]["storage"] == {"ok": True, "backend": "FileSystemStorage"}


@pytest.mark.django_db
def test_healthy_with_a_reachable_redis_broker(client, model_dir, broker, redis_url):
    broker(redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "broker"}


@pytest.mark.django_db
def test_503_when_the_broker_is_unreachable(client, model_dir, broker):
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_503_when_no_model_is_installed(client, tmp_path):
    with override_settings(ECG_MODELS_DIR=tmp_path):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["model"]["ok"] is False


@pytest.mark.django_db
def test_503_when_the_file_storage_cannot_be_reached(client, model_dir, broker, monkeypatch):
    from botocore.exceptions import EndpointConnectionError
    from django.core.files.storage import default_storage

    broker(None)

    def unreachable(name):
        raise EndpointConnectionError(endpoint_url="http://minio:9000")

    monkeypatch.setattr(default_storage, "exists", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {
        "ok": False,
        "error": "EndpointConnectionError",
    }
