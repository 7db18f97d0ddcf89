"""docker-compose.yml describes the production shape and parses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list[str]:
    """`docker compose` (v2 plugin) when it is there, else Debian's `docker-compose`."""
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    assert legacy, "install docker-compose (make system-deps) to validate the compose file"
    return [legacy]


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "POSTGRES_PASSWORD"}}
    return subprocess.run(
        [*compose_command(), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=base | env,
    )


def test_compose_config_is_valid():
    result = compose_config(POSTGRES_PASSWORD="a-real-secret")
    assert result.returncode == 0, result.stderr


def test_compose_defaults_are_production_safe():
    # No database password by default: compose refuses to start rather than use a known one.
    missing = compose_config()
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr
    config = yaml.safe_load(compose_config(POSTGRES_PASSWORD="a-real-secret").stdout)
    env = config["services"]["web"]["environment"]
    assert env["SECURE_SSL_REDIRECT"] == env["SECURE_COOKIES"] == env["BEHIND_TLS_PROXY"] == "true"
    assert env["TRUSTED_PROXY_COUNT"] == "1"
    # Only nginx is published; it caps request bodies before Django.
    assert "ports" not in config["services"]["web"]
    assert "client_max_body_size" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_the_compose_defaults_pass_djangos_deploy_checks():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "ecg.example.org",
        "BEHIND_TLS_PROXY": "true",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_COOKIES": "true",
        "DATABASE_URL": "postgres://ecg:secret@postgres:5432/ecg",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_the_production_services_and_volumes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"nginx", "web", "worker", "training-worker", "beat", "postgres", "redis"} <= set(
        services
    )
    assert "gunicorn" in services["web"]["command"]
    assert "--queues inference" in services["worker"]["command"]
    training = services["training-worker"]["command"]
    assert "--queues training" in training and "--concurrency 1" in training
    # Sweeps run on their own worker: a killed worker's job must not wait behind busy ones.
    assert "--queues housekeeping" in services["housekeeping-worker"]["command"]
    assert {"pgdata", "media", "models"} <= set(compose["volumes"])
    for name in ("web", "worker", "training-worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"
