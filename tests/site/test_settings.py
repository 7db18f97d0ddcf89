"""Settings come from the environment, fail loudly on bad values, and pass check --deploy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ecgsite.env import database_from_url, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-value-0123456789",
    "ALLOWED_HOSTS": "ecg.example.org",
    "DATABASE_URL": "postgres://ecg:secret@db.internal:5432/ecg",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "EMAIL_HOST": "smtp.example.org",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DJANGO_SETTINGS_MODULE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    env = PRODUCTION | {"SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_typo_in_a_boolean_stops_start_up():
    result = run_manage("check", env=PRODUCTION | {"DEBUG": "ture"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_env_helpers_reject_bad_values(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_NUMBER", "12a")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1, minimum=1)


def test_database_url_is_parsed():
    db = database_from_url("postgres://u%40x:p%2Fw@h:6543/name?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u@x",
        "p/w",
        "h",
        "6543",
        "name",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}
    assert database_from_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://u:p@h/db")
    with pytest.raises(ImproperlyConfigured):
        database_from_url("postgres://u:p@h:5432/")


def test_empty_values_mean_the_default(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "")
    monkeypatch.setenv("SOME_LIST", " ")
    assert env_bool("SOME_FLAG", True) is True
    assert env_list("SOME_LIST", ["a"]) == ["a"]


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "ecgsite" / "settings.py").read_text()
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no env_* calls found"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def test_an_unknown_phone_region_stops_start_up():
    result = run_manage("check", env={"PHONE_DEFAULT_REGION": "XX"})
    assert result.returncode != 0
    assert "PHONE_DEFAULT_REGION" in result.stderr


def test_the_sms_backend_is_chosen_by_name():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SMS_BACKEND)",
        env={"SMS_BACKEND": "twilio"},
    )
    assert result.stdout.strip().splitlines()[-1] == "accounts.sms.TwilioBackend", result.stderr
    result = run_manage("check", env={"SMS_BACKEND": "carrier-pigeon"})
    assert result.returncode != 0 and "SMS_BACKEND" in result.stderr
