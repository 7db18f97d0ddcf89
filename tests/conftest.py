"""Shared test set-up: a cast of users and a clean cache for every test."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache

from tests.factories import (
    AdminFactory,
    DoctorFactory,
    UserFactory,
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests use a file, not memory, so a real Celery worker process can share it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / "test-db.sqlite3")


@pytest.fixture(autouse=True, scope="session")
def _test_settings(tmp_path_factory):
    """Settings every test shares, applied once before the live server starts (middleware
    reads them once).

    With DATABASE_URL set (CI), DEBUG is off and the production security settings apply;
    the test client and the live server speak plain HTTP on localhost. Uploads go to a
    temporary folder that worker processes started by tests share.
    """
    from django.conf import settings

    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))

    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0  # a browser would remember HSTS for localhost
    # The hashed-name manifest only exists after collectstatic, which tests do not run.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }


@pytest.fixture(autouse=True)
def _tasks_run_in_process(monkeypatch, settings):
    """Tests run Celery tasks in-process (embedded mode) even when CI sets a broker, inline
    in the request so a test reads the finished result; the end-to-end tests switch to a
    real broker and worker, and the embedded-runner tests to background threads,
    explicitly."""
    from ecgsite.celery import app as celery_app

    settings.EMBEDDED_TASKS_IN_BACKGROUND = False

    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    celery_app.conf.update(task_always_eager=True, broker_url="memory://")
    yield
    celery_app.conf.update(saved)


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to ``accounts.sms.outbox`` (like ``mail.outbox``), empty per test."""
    from accounts import sms

    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate limits and TOTP replay protection live in the cache.
    cache.clear()
    yield
    cache.clear()


def enable_totp(user):
    """Give ``user`` an authenticator app, as if they had scanned the QR code."""
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def patient(db):
    return UserFactory()


@pytest.fixture
def other_patient(db):
    return UserFactory()


@pytest.fixture
def doctor(db):
    return enable_totp(DoctorFactory())


@pytest.fixture
def doctor_without_totp(db):
    return DoctorFactory()


@pytest.fixture
def administrator(db):
    return enable_totp(AdminFactory())


@pytest.fixture
def redis_url() -> str:
    """The Redis to test against: CELERY_BROKER_URL when set, else the local default.

    A test that needs Redis fails (it is not skipped) when none answers: CI always has one.
    """
    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
    parsed = urlparse(url)
    with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
        pass
    return url
