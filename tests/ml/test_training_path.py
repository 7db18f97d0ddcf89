"""One training path: the CLI and the retraining task train through ``train.train_version``
with the same recipe, and a small run end to end gives a version the engine can serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from diagnosis.ml import artifacts, retrain, train
from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.__main__ import main as cli
from diagnosis.ml.classes import CLASSES
from diagnosis.ml.predict import Classifier
from tests.ml.engine_helpers import excerpt_names, load_excerpt


def fixture_beats() -> train.BeatSet:
    """Labelled beats of the engine's fixture excerpts, with their record context."""
    from diagnosis.ml.classes import SYMBOL_CLASS_TRAIN

    parts = []
    for name in excerpt_names():
        x, fs, ref, sym = load_excerpt(name)
        f = sig.front_end(x, fs)
        m = ds.match_beats(f.peaks, np.round(ref * sig.FS / fs).astype(np.int64), 54)
        keep = np.array([j >= 0 and str(sym[j]) in SYMBOL_CLASS_TRAIN for j in m])
        y = np.array([CLASSES.index(SYMBOL_CLASS_TRAIN[str(sym[j])]) for j in m[keep]])
        wide = sig.beat_windows(f.xc, f.peaks[keep], sig.WIDE_PRE, sig.WIDE_POST)
        t = sig.record_template(f.windows)
        k = int(keep.sum())
        parts.append(
            train.BeatSet(
                wide, f.context[keep], np.repeat(t[None], k, 0), y, np.full(k, name),
                np.ones(k, bool),
            )
        )  # fmt: skip
    return train.BeatSet.concat(parts)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_train_version(out_dir: Path, beats: train.BeatSet, **kwargs: Any) -> dict[str, Any]:
        calls.append({"out_dir": out_dir, "beats": beats, **kwargs})
        return {"files": {}, "training": {}}

    monkeypatch.setattr(train, "train_version", fake_train_version)
    monkeypatch.setattr(retrain, "train_version", fake_train_version)
    return calls


def test_cli_train_and_retraining_share_one_function_and_recipe(
    spy: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    beats = fixture_beats()
    monkeypatch.setattr(ds, "check_data_dir", lambda *a, **k: None)
    monkeypatch.setattr(train, "base_beats", lambda *a, **k: beats)
    monkeypatch.setattr(retrain, "base_beats", lambda *a, **k: beats)
    monkeypatch.setattr(retrain, "benchmark_metrics", lambda *a, **k: {})
    monkeypatch.setattr(retrain, "holdout_metrics", lambda *a, **k: {})
    monkeypatch.setattr(artifacts, "write_metadata", lambda *a, **k: None)
    monkeypatch.setattr(artifacts, "load_metadata", lambda *a, **k: {})
    assert cli(["train", "--data", str(tmp_path), "--out", str(tmp_path / "cli")]) == 0
    examples = retrain.Examples(np.zeros((0, retrain.WIDE), np.float32), [], np.zeros(0, bool))
    retrain.train_candidate(tmp_path / "task", examples=examples, base_dir=tmp_path)
    assert [c["out_dir"].name for c in spy] == ["cli", "task"]
    assert spy[0]["recipe"] == spy[1]["recipe"] == train.RECIPE
    assert len(spy[0]["beats"].y) == len(spy[1]["beats"].y) == len(beats.y)


def test_a_small_training_run_gives_a_version_the_engine_serves(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    beats = fixture_beats()
    out = tmp_path / "ecg-small-test"
    meta = train.train_version(out, beats, recipe=train.SMALL_RECIPE)
    assert set(meta["serving_files"]) == {"record", "beat"}
    assert meta["training"]["recipe"]["epochs"] == train.SMALL_RECIPE.epochs
    clf = Classifier.load(out, threads=1)
    x, fs, _, _ = load_excerpt(excerpt_names()[0])
    res = clf.classify_signal(x, fs, "MLII")
    assert res["model"] == "ecg-small-test" and len(res["beats"]) > 5
    assert all(b["label"] in CLASSES for b in res["beats"] if b["quality"] == "ok")
    one = clf.classify_beat_waveform(np.sin(np.linspace(0, 3, 64)) * 0.5 + 0.5)
    assert one["label"] in CLASSES and abs(sum(one["probabilities"].values()) - 1) < 1e-3


def test_a_cancelled_run_leaves_nothing(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    out = tmp_path / "cancelled"
    with pytest.raises(train.TrainingCancelled):
        train.train_version(
            out, fixture_beats(), recipe=train.SMALL_RECIPE, should_stop=lambda: True
        )
    assert not out.exists()
