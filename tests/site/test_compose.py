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
    secrets = {"SECRET_KEY", "POSTGRES_PASSWORD", "AWS_SECRET_ACCESS_KEY"}
    base = {k: v for k, v in os.environ.items() if k not in secrets}
    return subprocess.run(
        [*compose_command(), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=base | env,
    )


SECRETS = {"POSTGRES_PASSWORD": "a-real-secret", "AWS_SECRET_ACCESS_KEY": "another-secret"}


def test_compose_config_is_valid():
    result = compose_config(**SECRETS)
    assert result.returncode == 0, result.stderr


def test_compose_defaults_are_production_safe():
    # No database password by default: compose refuses to start rather than use a known one.
    missing = compose_config()
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr
    # Nor a known object-storage key.
    no_key = compose_config(POSTGRES_PASSWORD="a-real-secret")
    assert no_key.returncode != 0 and "set AWS_SECRET_ACCESS_KEY" in no_key.stderr
    config = yaml.safe_load(compose_config(**SECRETS).stdout)
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
    # State lives only in PostgreSQL, Redis and the object store (MinIO): the app
    # containers share nothing on disk, so any of them can run on another host.
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "miniodata"}
    assert "minio" in services and "ports" not in services["minio"]
    for name in ("web", "worker", "training-worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert "s3://" in env["STORAGE_URL"] and "minio" in env["AWS_S3_ENDPOINT_URL"]
        assert env["DEBUG"] == "false"
        assert "volumes" not in services[name]
