"""Readiness checks behind ``/healthz``: database, broker, file storage, model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from ecgsite.celery import app as celery_app


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "down"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "engine": connection.vendor}


def check_broker() -> dict[str, Any]:
    if celery_app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process"}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as error:  # kombu raises a variety of transport errors
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "mode": "broker"}


def check_storage() -> dict[str, Any]:
    """The file storage answers (a cheap existence check: a HEAD request on object storage).
    A store that cannot be reached makes uploads fail, so the site is not ready."""
    from django.core.files.storage import default_storage

    try:
        default_storage.exists("healthz")
    except Exception as error:  # boto and the file system raise many kinds
        return {"ok": False, "error": type(error).__name__}
    from django.core.files.storage import storages

    return {"ok": True, "backend": type(storages["default"]).__name__}


def check_model() -> dict[str, Any]:
    """The shipped model directory has at least one version with readable metadata."""
    models_dir = Path(settings.ECG_MODELS_DIR)
    versions = []
    for metadata_path in sorted(models_dir.glob("*/metadata.json")):
        try:
            metadata = json.loads(metadata_path.read_text())
        except (OSError, ValueError):
            continue
        versions.append(metadata.get("version", metadata_path.parent.name))
    if not versions:
        return {"ok": False, "error": "no model found"}
    return {"ok": True, "versions": versions}


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "storage": check_storage(),
        "model": check_model(),
    }
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "unavailable", "checks": checks}
