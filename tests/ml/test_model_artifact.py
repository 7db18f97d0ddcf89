"""The shipped model artifact: metadata, hashes, size, and Keras vs LiteRT agreement."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from diagnosis.ml import artifacts, render
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES
from diagnosis.ml.predict import Classifier
from tests.ml.engine_helpers import excerpt_names, load_excerpt


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return artifacts.resolve_model_dir()


def test_default_model_has_complete_metadata(model_dir: Path) -> None:
    meta = artifacts.load_metadata(model_dir)
    assert meta["format_version"] == artifacts.FORMAT_VERSION
    assert meta["classes"] == list(CLASSES)
    assert meta["aami_map"]["APC"] == "S" and meta["aami_map"]["VFW"] is None
    assert meta["input"]["fs_hz"] == sig.FS
    assert meta["input"]["image"]["height"] == render.H
    assert meta["input"]["context_features"] == list(sig.CONTEXT_FEATURES)
    assert "DS1" in meta["training"]["protocol"]
    assert 0 < meta["uncertainty"]["threshold"] < 1
    assert set(meta["serving_files"].values()) == set(meta["files"])
    assert set(meta["serving_files"]) == {"record", "beat"}
    assert 0 < meta["decision"]["apc_min"] < 1 and "beat_cv" in meta["decision"]["source"]
    per_class = meta["metrics"]["inter_patient_DS2"]["aami_per_class"]
    assert set(per_class) == {"N", "S", "V", "F", "Q"}
    assert meta["metrics"]["inter_patient_DS2"]["ci95_by_record"]["S_se"]
    cv = meta["metrics"]["cross_validation_DS1"]
    assert cv["decision"] == meta["decision"] and set(cv["aami_per_class"]) >= {"S", "V"}


def test_model_directory_is_small(model_dir: Path) -> None:
    total = sum(p.stat().st_size for p in model_dir.iterdir())
    assert total < 20 * 1024 * 1024


def test_a_changed_weight_file_is_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / model_dir.name
    shutil.copytree(model_dir, bad)
    tfl = bad / "record.tflite"
    data = bytearray(tfl.read_bytes())
    data[-1] ^= 0xFF
    tfl.write_bytes(bytes(data))
    with pytest.raises(artifacts.ModelIntegrityError, match="sha256"):
        Classifier.load(bad)


def test_a_missing_weight_file_is_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / model_dir.name
    shutil.copytree(model_dir, bad)
    (bad / "beat.tflite").unlink()
    with pytest.raises(artifacts.ModelIntegrityError, match="missing"):
        Classifier.load(bad)


def test_env_var_chooses_the_model_dir(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "models"  # the site's folder of versions, as ECG_MODELS_DIR names it
    other = root / "copy-1"
    shutil.copytree(model_dir, other)
    (root / "DEFAULT").write_text("copy-1\n")
    monkeypatch.setenv("ECG_MODELS_DIR", str(root))
    assert Classifier.load().model_dir == other
    assert Classifier.load(other).model_dir == other  # a version folder given explicitly
    monkeypatch.setenv("ECG_MODELS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError):
        Classifier.load()


@pytest.mark.parametrize("with_context", [True, False])
def test_litert_export_gives_the_keras_probabilities(with_context: bool, tmp_path: Path) -> None:
    """The export the training path uses keeps the network's outputs (record and beat model)."""
    pytest.importorskip("keras")
    from diagnosis.ml.model import build_model, export_tflite
    from diagnosis.ml.predict import _Runner

    km = build_model(with_context=with_context, seed=3)
    path = export_tflite(km, tmp_path / "m.tflite")
    imgs, ctxs = [], []
    for name in excerpt_names():
        x, fs, _, _ = load_excerpt(name)
        _, w, c = sig.process(x, fs)
        template = sig.record_template(w) if with_context else None
        imgs.append(render.model_input(render.render(w), template))
        ctxs.append(c)
    img, c = np.concatenate(imgs), np.concatenate(ctxs)
    runner = _Runner(path, 64, 1)
    p_lite = runner(img, c if with_context else None)
    p_keras = np.asarray(km([img, c] if with_context else [img], training=False))
    assert np.abs(p_lite - p_keras).max() < 1e-4
