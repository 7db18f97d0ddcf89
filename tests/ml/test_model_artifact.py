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
    assert meta["serving_file"] in meta["files"]
    per_class = meta["metrics"]["inter_patient_DS2"]["aami_per_class"]
    assert set(per_class) == {"N", "S", "V", "F", "Q"}


def test_model_directory_is_small(model_dir: Path) -> None:
    total = sum(p.stat().st_size for p in model_dir.iterdir())
    assert total < 20 * 1024 * 1024


def test_a_changed_weight_file_is_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / model_dir.name
    shutil.copytree(model_dir, bad)
    tfl = bad / "model.tflite"
    data = bytearray(tfl.read_bytes())
    data[-1] ^= 0xFF
    tfl.write_bytes(bytes(data))
    with pytest.raises(artifacts.ModelIntegrityError, match="sha256"):
        Classifier.load(bad)


def test_a_missing_weight_file_is_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / model_dir.name
    shutil.copytree(model_dir, bad)
    (bad / "model.tflite").unlink()
    with pytest.raises(artifacts.ModelIntegrityError, match="missing"):
        Classifier.load(bad)


def test_env_var_chooses_the_model_dir(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "copy-1"
    shutil.copytree(model_dir, other)
    monkeypatch.setenv("ECG_MODEL_DIR", str(other))
    assert Classifier.load().model_dir == other
    monkeypatch.setenv("ECG_MODEL_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError):
        Classifier.load()


def test_keras_and_litert_give_the_same_labels(model_dir: Path) -> None:
    keras = pytest.importorskip("keras")
    meta = artifacts.load_metadata(model_dir)
    assert "model.keras" in meta["files"]
    km = keras.saving.load_model(model_dir / "model.keras")
    clf = Classifier(model_dir, meta)
    imgs, ctxs = [], []
    for k, name in enumerate(excerpt_names()):
        x, fs, _, _ = load_excerpt(name)
        _, w, c = sig.process(x, fs)
        if k % 2:
            c[::3] = 0.0  # also without context, as for single beat images
        imgs.append(render.model_input(render.render(w), sig.record_template(w), c[:, -1] > 0))
        ctxs.append(c)
    img = np.concatenate(imgs)
    c = np.concatenate(ctxs)
    p_lite = clf.predict_proba(img, c)
    p_keras = np.asarray(km([img, c], training=False))
    assert (p_lite.argmax(1) == p_keras.argmax(1)).all()
    assert np.abs(p_lite - p_keras).max() < 1e-3
