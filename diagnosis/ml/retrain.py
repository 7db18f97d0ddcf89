"""Retrain the beat CNNs from the base database plus curated labeled examples (Django-free).

A *candidate* model version is trained by the one training path, ``train.train_version``,
with the shipped recipe ``train.RECIPE`` (``train.SMALL_RECIPE`` for a small run) and the
decision rule chosen by cross-validation (``train.DECISION``), on:

- the base database: beats of ``base_records`` under ``base_dir`` (DS1 and the paced beats of
  107 and 217 for a full run, exactly as ``train.train_shipped``), and
- the approved examples: beat windows at 360 Hz (R at ``WIDE_PRE``) with a class code; they
  carry no record context (like an uploaded beat image), so only the beat model learns them.

It is evaluated on the fixed benchmark (DS2 inter-patient, when the MIT-BIH database is
present; the metrics say so when it is not) and on the held-out part of the examples, and
written as ``out_dir`` with complete, hash-verified metadata.

``small=True`` is for tests and smoke runs: a capped epoch plan (a few hundred beats), no DS2.

Progress is reported through ``progress(event)`` (a dict: phase, model, epoch, epochs, batch,
batches, loss, accuracy; the two models' epochs are counted one after the other) and a run is
stopped between batches when ``should_stop()`` is true (:class:`TrainingCancelled` is raised
and nothing is written).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml import artifacts, augment, render
from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES, SYMBOL_CLASS_TRAIN
from diagnosis.ml.scoring import class_metrics
from diagnosis.ml.train import (
    PAB_RECORDS,
    RECIPE,
    SMALL_RECIPE,
    BeatSet,
    Progress,
    TrainingCancelled,
    base_beats,
    train_version,
)

WIDE = sig.WIDE_PRE + sig.WIDE_POST
#: Approved examples are few next to the base database: each is drawn this many times more
#: often than a base beat (through repetition), so curation has an effect.
EXAMPLE_WEIGHT = 4

__all__ = ["TrainingCancelled", "train_candidate"]


@dataclass
class Examples:
    """Labeled beats: ``wide`` (k, WIDE) float32 windows at 360 Hz, R at WIDE_PRE (any
    amplitude unit, each beat is normalised when drawn); ``labels`` (k,) class codes;
    ``holdout`` (k,) bool, True for the beats kept for evaluation only."""

    wide: np.ndarray
    labels: list[str]
    holdout: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


# --- Turning inputs into beat windows ------------------------------------------------------------


def window_to_wide(window: np.ndarray) -> np.ndarray:
    """A (WIN,) inference window (R at PRE) -> (WIDE,) training window (R at WIDE_PRE),
    edges repeated (the augmentation's time warp reads a little beyond the window)."""
    w = np.asarray(window, np.float32).ravel()
    if w.size != sig.WIN:
        raise ValueError(f"a beat window has {sig.WIN} samples, got {w.size}")
    return np.pad(w, (sig.WIDE_PRE - sig.PRE, sig.WIDE_POST - sig.POST), mode="edge")


def wide_from_image(path: Path) -> np.ndarray:
    """A single-beat plot (PNG/JPEG) -> (WIDE,) window in [0, 1], the way inference reads it.

    Raises:
        InputError: not a readable beat plot.
    """
    from diagnosis.ml.image import read_beat_image
    from diagnosis.ml.predict import curve_to_window

    return window_to_wide(curve_to_window(read_beat_image(path)))


def wide_from_signal(x: np.ndarray, fs: float, samples: Sequence[int]) -> np.ndarray:
    """Training windows of the beats at ``samples`` (indices at ``fs``) of a one-lead ECG.

    Args:
        x: (n,) signal in millivolts at ``fs`` Hz.
    Returns:
        (k, WIDE) float32, filtered like inference, R refined to the largest deflection.
    """
    xc = sig.clean(sig.resample(np.asarray(x, np.float64), fs), sig.FS)
    approx = np.round(np.asarray(samples, np.float64) * (sig.FS / fs)).astype(np.int64)
    approx = np.clip(approx, 0, len(xc) - 1)
    peaks = sig.refine_peaks(xc, approx, sig.FS) if len(approx) else approx
    return sig.beat_windows(xc, peaks, sig.WIDE_PRE, sig.WIDE_POST).astype(np.float32)


def beat_image_png(wide: np.ndarray) -> bytes:
    """A (WIDE,) window drawn as the model sees it, dark on light, as PNG bytes (64 x 64)."""
    import io

    from PIL import Image

    img = render.render(augment.crop_window(np.asarray(wide, np.float32)[None, :]))[0]
    buffer = io.BytesIO()
    Image.fromarray(render.to_png_array(img), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def record_examples(record_dir: Path, record: str) -> tuple[np.ndarray, list[str], list[int]]:
    """Labeled beats of a WFDB record with a reference annotation file (``<record>.atr``).

    The engine's detector finds the beats and each takes the label of the annotation matched
    within 150 ms (as for the base database); unmatched beats and symbols outside the 8
    classes are left out.
    Returns:
        (windows (k, WIDE), class codes, sample indices at 360 Hz).
    """
    beats = ds.record_beats(record_dir, record, None)
    keep = [i for i, s in enumerate(beats.symbol) if s in SYMBOL_CLASS_TRAIN]
    labels = [SYMBOL_CLASS_TRAIN[str(beats.symbol[i])] for i in keep]
    return beats.wide[keep].astype(np.float32), labels, [int(beats.peaks[i]) for i in keep]


# --- Training ------------------------------------------------------------------------------------


def holdout_metrics(model_dir: Path, wide: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Accuracy and per-class metrics of the written beat model on held-out examples,
    classified like an uploaded beat image (no record context)."""
    from diagnosis.ml.predict import Classifier

    if not labels:
        return {"n": 0, "note": "no held-out examples"}
    clf = Classifier.load(model_dir, threads=1)
    img = render.model_input(render.render(augment.crop_window(np.asarray(wide, np.float32))), None)
    pred = clf.beat_proba(img).argmax(1)
    truth = np.array([CLASSES.index(c) for c in labels])
    cm = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    np.add.at(cm, (truth, pred), 1)
    return {
        "n": len(labels),
        "accuracy": float((pred == truth).mean()),
        "confusion": cm.tolist(),
        "per_class": class_metrics(cm, CLASSES),
    }


def benchmark_metrics(model_dir: Path, data_dir: Path | None) -> dict[str, Any]:
    """DS2 inter-patient metrics in the metadata format, or a note saying why there are none."""
    if data_dir is None:
        return {"inter_patient_DS2_note": "not evaluated on DS2 (small run)"}
    try:
        ds.check_data_dir(data_dir, ds.DS2)
    except ds.DataMissingError as exc:
        return {"inter_patient_DS2_note": f"not evaluated on DS2: {exc}"}
    from diagnosis.ml.evaluate import evaluate_inter, metadata_metrics
    from diagnosis.ml.predict import Classifier

    inter = evaluate_inter(Classifier.load(model_dir, threads=1), data_dir)
    return {"inter_patient_DS2": metadata_metrics(inter)}


def train_candidate(
    out_dir: Path,
    *,
    examples: Examples,
    base_dir: Path | None,
    base_records: Sequence[str] | None = None,
    benchmark_dir: Path | None = None,
    cache_dir: Path | None = None,
    epochs: int | None = None,
    seed: int = 0,
    small: bool = False,
    paced_max: int = 4000,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    extra_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train, evaluate and write a candidate model version into ``out_dir`` (its name is the
    version). Returns the metadata written (verified by re-reading with hash checks).

    Args:
        examples: curated beats; ``holdout`` ones are only evaluated on.
        base_dir: folder of the base WFDB records with ``.atr`` annotations, or None to train
            on the examples only.
        base_records: record names under ``base_dir`` (default: DS1 + 107 and 217's paced beats).
        benchmark_dir: MIT-BIH folder for the DS2 benchmark (None: not evaluated, said so).
        epochs: epochs per model instead of the recipe's (the administrators' form offers it).
        small: the capped recipe (a few hundred beats, one epoch per model), for tests.
    Raises:
        TrainingCancelled: ``should_stop()`` became true; ``out_dir`` is not left behind.
        DataMissingError: ``base_dir`` lacks a record.
        ValueError: nothing to train on.
    """
    report = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    base_recipe = SMALL_RECIPE if small else RECIPE
    recipe = replace(base_recipe, seed=seed, epochs=epochs or base_recipe.epochs)
    records = list(base_records) if base_records is not None else [*ds.DS1, *PAB_RECORDS]
    report({"phase": "loading", "epoch": 0, "epochs": 2 * recipe.epochs})
    parts = []
    if base_dir is not None and records:
        ds.check_data_dir(base_dir, records)
        parts.append(base_beats(base_dir, records, cache_dir, paced_max=paced_max, seed=seed))
    n_base = int(sum(len(p.y) for p in parts))
    train_mask = ~np.asarray(examples.holdout, bool)
    train_idx = np.nonzero(train_mask)[0]
    if len(train_idx):
        y = np.array([CLASSES.index(examples.labels[i]) for i in train_idx], dtype=np.int64)
        ex = BeatSet.without_context(examples.wide[train_idx], y, "example")
        parts.extend([ex] * (1 if small else EXAMPLE_WEIGHT))
    if not parts:
        raise ValueError("nothing to train on: no base records and no approved examples")
    if stop():
        raise TrainingCancelled("the run was cancelled")
    t0 = time.perf_counter()
    meta = train_version(
        out_dir,
        BeatSet.concat(parts),
        recipe=recipe,
        progress=report,
        should_stop=stop,
        training={
            "protocol": "retraining: base database plus curated examples; inter-patient "
            "benchmark DS2 is never trained on",
            "base_records": records if base_dir is not None else [],
            "base_beats": n_base,
            "examples": {
                "train": len(train_idx),
                "holdout": int((~train_mask).sum()),
                "weight": 1 if small else EXAMPLE_WEIGHT,
                "context": "none (examples train the beat model only, like beat pictures)",
            },
            "small": small,
            **(extra_metadata or {}),
        },
    )
    try:
        if stop():
            raise TrainingCancelled("the run was cancelled")
        report({"phase": "evaluating", "epoch": 2 * recipe.epochs, "epochs": 2 * recipe.epochs})
        hold = np.nonzero(~train_mask)[0]
        metrics = benchmark_metrics(out_dir, None if small else benchmark_dir)
        metrics["holdout_examples"] = holdout_metrics(
            out_dir, examples.wide[hold], [examples.labels[i] for i in hold]
        )
        meta["metrics"] = metrics
        meta["training"]["total_seconds"] = round(time.perf_counter() - t0, 1)
        artifacts.write_metadata(out_dir, meta)
        return artifacts.load_metadata(out_dir, verify=True)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
