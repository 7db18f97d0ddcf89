"""Upgrading the engine: versions made for an older engine never serve and never block."""

from __future__ import annotations

import json

import pytest

from diagnosis.ml import artifacts
from diagnosis.models import ModelVersion
from diagnosis.services import analyses as services
from tests.curation.conftest import SHIPPED

pytestmark = pytest.mark.django_db


def _old_format_version(models_dir, name="ecg-cnn-1.0.0"):
    old = models_dir / name
    old.mkdir()
    (old / "model.tflite").write_bytes(b"old network")
    meta = {
        "format_version": 1,
        "version": name,
        "files": artifacts.file_entries(old, ["model.tflite"]),
    }
    (old / "metadata.json").write_text(json.dumps(meta))
    return old


def test_an_old_format_version_on_disk_is_skipped_not_fatal(models_dir) -> None:
    _old_format_version(models_dir)
    active = services.model_versions_install(activate_default=True)
    assert active.version == SHIPPED.name
    assert not ModelVersion.objects.filter(version="ecg-cnn-1.0.0").exists()


def test_an_active_version_that_can_no_longer_serve_hands_over_to_the_default(
    models_dir,
) -> None:
    old = ModelVersion.objects.create(
        version="ecg-cnn-1.0.0", directory="ecg-cnn-1.0.0", metadata={}, is_active=True
    )
    _old_format_version(models_dir)
    active = services.model_versions_install(activate_default=True)
    assert active.version == SHIPPED.name and active.is_active
    old.refresh_from_db()
    assert not old.is_active  # kept for the analyses that name it


def test_loading_an_old_format_version_says_why(models_dir) -> None:
    old = _old_format_version(models_dir)
    with pytest.raises(artifacts.UnsupportedFormatError, match="older engine"):
        artifacts.load_metadata(old)
