"""Curation test set-up: a private models folder holding the shipped model (and a second
version to switch to), and labeled archives built in memory."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from diagnosis.ml import retrain
from diagnosis.ml import signal as sig

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "models" / (ROOT / "models" / "DEFAULT").read_text().strip()
CLASS_SHAPES = ("NOR", "PVC", "LBB", "APC")


def copy_model(root: Path, version: str) -> Path:
    """A copy of the shipped model under another version name (same verified files)."""
    target = root / version
    shutil.copytree(SHIPPED, target)
    meta = json.loads((target / "metadata.json").read_text())
    meta["version"] = version
    (target / "metadata.json").write_text(json.dumps(meta, indent=2))
    return target


@pytest.fixture
def models_dir(tmp_path, settings):
    """ECG_MODELS_DIR in a temporary folder: the shipped model (default) and a copy named
    ``ecg-cnn-alt``; candidates are written here, never into the repository."""
    root = tmp_path / "models"
    root.mkdir()
    shutil.copytree(SHIPPED, root / SHIPPED.name)
    copy_model(root, "ecg-cnn-alt")
    (root / "DEFAULT").write_text(SHIPPED.name + "\n")
    settings.ECG_MODELS_DIR = root
    return root


@pytest.fixture
def installed(models_dir, db):
    """Both versions registered; the shipped one active."""
    from diagnosis.services import analyses as services

    return services.model_versions_install(activate_default=True)


def synthetic_wide(label: str, seed: int) -> np.ndarray:
    """A beat window (WIDE samples) whose shape depends on the class, with noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(retrain.WIDE) - sig.WIDE_PRE
    width = {"NOR": 6.0, "PVC": 22.0, "LBB": 14.0, "APC": 5.0}.get(label, 8.0)
    height = -1.0 if label == "PVC" else 1.0
    beat = height * np.exp(-((t / width) ** 2))
    beat += 0.25 * np.exp(-(((t - 90) / 18.0) ** 2))  # a T wave
    if label == "APC":
        beat += 0.2 * np.exp(-(((t + 40) / 8.0) ** 2))
    return (beat + rng.normal(0, 0.02, beat.shape)).astype(np.float32)


def beat_png(label: str, seed: int) -> bytes:
    return retrain.beat_image_png(synthetic_wide(label, seed))


def images_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def import_and_approve(client, per_class: int = 60) -> list[int]:
    """As a signed-in administrator: import a labelled archive through the page and approve
    every example in it, ready for a training run. Returns the examples' ids."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from diagnosis.models import LabeledExample

    archive = labeled_images_zip(per_class=per_class)
    response = client.post(
        "/analyses/curation/import/", {"archive": SimpleUploadedFile("beats.zip", archive)}
    )
    assert response.status_code == 302
    ids = list(LabeledExample.objects.values_list("id", flat=True))
    client.post("/analyses/curation/decide/", {"ids": ids, "action": "approve"})
    return ids


def labeled_images_zip(per_class: int = 3, seed: int = 0, test_share: int = 3) -> bytes:
    """The original project's layout: train/<class>/*.png and test/<class>/*.png."""
    files = {}
    for ci, label in enumerate(CLASS_SHAPES):
        for i in range(per_class):
            split = "test" if i % test_share == 0 else "train"
            files[f"dataset/{split}/{label.lower()}/{i}.png"] = beat_png(
                label, seed + 1000 * ci + i
            )
    return images_zip(files)


# The real-worker fixtures of the end-to-end tests.
from tests.e2e.conftest import shared_redis_url, worker_factory  # noqa: E402, F401
