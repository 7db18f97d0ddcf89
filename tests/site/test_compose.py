"""docker-compose.yml describes the production shape and parses."""

from __future__ import annotations

import os
import shutil
import subprocess
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


def test_compose_config_is_valid():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [*compose_command(), "config", "-q"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr


def test_compose_has_the_production_services_and_volumes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "training-worker", "beat", "postgres", "redis", "mailpit"} <= set(
        services
    )
    assert "gunicorn" in services["web"]["command"]
    assert "--queues inference" in services["worker"]["command"]
    training = services["training-worker"]["command"]
    assert "--queues training" in training and "--concurrency 1" in training
    assert {"pgdata", "media", "models"} <= set(compose["volumes"])
    for name in ("web", "worker", "training-worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"
