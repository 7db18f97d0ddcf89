"""Retrain the beat CNN from the base database plus curated labeled examples (Django-free).

A *candidate* model version is trained with the engine's own recipe (``train.make_sequence``,
``model.build_model``, ``train.save_model``) on:

- the base database: beats of ``base_records`` under ``base_dir`` (DS1 and the paced beats of
  the paced records for a full run, exactly as ``train.train_shipped``), and
- the approved examples: beat windows at 360 Hz (R at ``WIDE_PRE``) with a class code; they
  carry no record context (like an uploaded beat image), so the template channel is empty.

It is evaluated on the fixed benchmark (DS2 inter-patient, when the MIT-BIH database is
present; the metrics say so when it is not) and on the held-out part of the examples, and
written as ``out_dir`` with complete, hash-verified metadata.

``small=True`` is for tests and smoke runs: a capped epoch plan (a few hundred beats), no DS2.

Progress is reported through ``progress(event)`` (a dict: phase, epoch, epochs, batch,
batches, loss, accuracy) and a run is stopped between batches when ``should_stop()`` is true
(:class:`TrainingCancelled` is raised and nothing is written).
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml import artifacts, augment, render
from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES, SYMBOL_CLASS_TRAIN

WIDE = sig.WIDE_PRE + sig.WIDE_POST
#: Per-class epoch plan of a small run: a few hundred beats in all.
SMALL_PLAN: dict[str, tuple[int, int]] = {c: (0, 60) for c in CLASSES}
#: Approved examples are few next to the base database: each is drawn this many times more
#: often than a base beat (through repetition), so curation has an effect.
EXAMPLE_WEIGHT = 4

Progress = Callable[[dict[str, Any]], None]


class TrainingCancelled(RuntimeError):
    """``should_stop()`` said stop; no model directory was written."""


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


def _examples_beatset(wide: np.ndarray, labels: list[str]) -> Any:
    from diagnosis.ml.train import BeatSet

    k = len(labels)
    return BeatSet(
        np.asarray(wide, np.float32).reshape(k, WIDE),
        np.zeros((k, sig.N_CONTEXT), np.float32),
        np.zeros((k, sig.WIN), np.float32),
        np.array([CLASSES.index(c) for c in labels], dtype=np.int64),
        np.full(k, "example"),
    )


def base_beats(
    base_dir: Path, records: Sequence[str], cache_dir: Path | None, paced_max: int, seed: int
) -> Any:
    """Beats of the base database: ``records`` (all mapped symbols) plus, for the paced records
    among the known ones, their paced beats only (capped at ``paced_max``)."""
    from diagnosis.ml.train import BeatSet, collect

    plain = [r for r in records if r not in ds.PACED]
    paced = [r for r in records if r in ds.PACED]
    parts = []
    if plain:
        parts.append(collect(base_dir, plain, SYMBOL_CLASS_TRAIN, cache_dir))
    if paced:
        p = collect(base_dir, paced, SYMBOL_CLASS_TRAIN, cache_dir, only_symbols={"/"})
        if len(p.y) > paced_max:
            rng = np.random.default_rng(seed)
            p = p.subset(np.sort(rng.choice(len(p.y), paced_max, replace=False)))
        parts.append(p)
    return BeatSet.concat(parts) if parts else None


def fit_with_progress(
    beats: Any,
    *,
    epochs: int,
    seed: int,
    plan: dict[str, tuple[int, int]],
    batch: int,
    progress: Progress,
    should_stop: Callable[[], bool],
) -> tuple[Any, dict[str, Any]]:
    """``train.fit``'s recipe (same model, sequence, schedule, loss) with per-batch progress
    and cancellation. Returns (keras model, history summary)."""
    import keras

    from diagnosis.ml.model import build_model
    from diagnosis.ml.train import make_sequence

    model = build_model(seed=seed)
    seq = make_sequence(beats, batch, seed, plan)
    batches = len(seq)
    lr = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=batches * epochs, alpha=0.02)
    model.compile(keras.optimizers.Adam(lr), "categorical_crossentropy", metrics=["accuracy"])
    state = {"epoch": 0}
    every = max(1, batches // 20)

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            state["epoch"] = epoch + 1

        def on_train_batch_end(self, i: int, logs: dict[str, float] | None = None) -> None:
            if should_stop():
                raise TrainingCancelled("the run was cancelled")
            if (i + 1) % every == 0 and i + 1 < batches:
                _emit(progress, "training", state["epoch"], epochs, i + 1, batches, logs)

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            _emit(progress, "epoch_end", epoch + 1, epochs, batches, batches, logs)

    t0 = time.perf_counter()
    hist = model.fit(seq, epochs=epochs, verbose=0, callbacks=[Report()])
    return model, {
        "epochs": epochs,
        "batch": batch,
        "fit_seconds": round(time.perf_counter() - t0, 1),
        "final": {k: round(float(v[-1]), 4) for k, v in hist.history.items()},
        "per_epoch": {k: [round(float(x), 4) for x in v] for k, v in hist.history.items()},
    }


def _emit(
    progress: Progress,
    phase: str,
    epoch: int,
    epochs: int,
    batch: int,
    batches: int,
    logs: dict[str, Any] | None,
) -> None:
    logs = logs or {}
    progress(
        {
            "phase": phase,
            "epoch": epoch,
            "epochs": epochs,
            "batch": batch,
            "batches": batches,
            "loss": float(logs["loss"]) if "loss" in logs else None,
            "accuracy": float(logs["accuracy"]) if "accuracy" in logs else None,
        }
    )


def holdout_metrics(model_dir: Path, wide: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Accuracy and per-class metrics of the written (LiteRT) model on held-out examples,
    classified like an uploaded beat image (no record context)."""
    from diagnosis.ml.evaluate import class_metrics
    from diagnosis.ml.predict import Classifier

    if not labels:
        return {"n": 0, "note": "no held-out examples"}
    clf = Classifier.load(model_dir, threads=1)
    k = len(labels)
    img = render.model_input(
        render.render(augment.crop_window(np.asarray(wide, np.float32))), None, np.zeros(k, bool)
    )
    probs = clf.predict_proba(img, np.zeros((k, sig.N_CONTEXT), np.float32))
    pred = probs.argmax(1)
    truth = np.array([CLASSES.index(c) for c in labels])
    cm = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    np.add.at(cm, (truth, pred), 1)
    return {
        "n": k,
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
    from diagnosis.ml.evaluate import evaluate_inter
    from diagnosis.ml.predict import Classifier

    inter = evaluate_inter(Classifier.load(model_dir, threads=1), data_dir)
    return {
        "inter_patient_DS2": {
            "detection": inter["detection"],
            "aami_accuracy": inter["aami"]["accuracy"],
            "aami_per_class": inter["aami"]["per_class"],
            "classes8_per_class": inter["classes8"]["per_class"],
            "uncertain": inter["uncertain"],
        }
    }


def train_candidate(
    out_dir: Path,
    *,
    examples: Examples,
    base_dir: Path | None,
    base_records: Sequence[str] | None = None,
    benchmark_dir: Path | None = None,
    cache_dir: Path | None = None,
    epochs: int = 16,
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
        base_records: record names under ``base_dir`` (default: DS1 + the paced records).
        benchmark_dir: MIT-BIH folder for the DS2 benchmark (None: not evaluated, said so).
        small: capped epoch plan (a few hundred beats per epoch), for tests.
    Raises:
        TrainingCancelled: ``should_stop()`` became true; ``out_dir`` is not left behind.
        DataMissingError: ``base_dir`` lacks a record.
        ValueError: nothing to train on.
    """
    from diagnosis.ml.train import EPOCH_PLAN, BeatSet, base_metadata, save_model

    report = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    t0 = time.perf_counter()
    records = list(base_records) if base_records is not None else [*ds.DS1, *ds.PACED]
    report({"phase": "loading", "epoch": 0, "epochs": epochs})
    parts = []
    if base_dir is not None and records:
        ds.check_data_dir(base_dir, records)
        base = base_beats(base_dir, records, cache_dir, paced_max, seed)
        if base is not None:
            parts.append(base)
    train_mask = ~np.asarray(examples.holdout, bool)
    train_idx = np.nonzero(train_mask)[0]
    n_base = int(sum(len(p.y) for p in parts))
    if len(train_idx):
        ex = _examples_beatset(examples.wide[train_idx], [examples.labels[i] for i in train_idx])
        parts.extend([ex] * (1 if small else EXAMPLE_WEIGHT))
    if not parts:
        raise ValueError("nothing to train on: no base records and no approved examples")
    beats = BeatSet.concat(parts)
    if stop():
        raise TrainingCancelled("the run was cancelled")
    plan = SMALL_PLAN if small else EPOCH_PLAN
    counts = {c: int((beats.y == i).sum()) for i, c in enumerate(CLASSES)}
    try:
        model, hist = fit_with_progress(
            beats,
            epochs=epochs,
            seed=seed,
            plan=plan,
            batch=64 if small else 128,
            progress=report,
            should_stop=stop,
        )
        report({"phase": "saving", "epoch": epochs, "epochs": epochs})
        meta = base_metadata(out_dir.name)
        meta["training"] = {
            "protocol": "retraining: base database plus curated examples; inter-patient "
            "benchmark DS2 is never trained on",
            "base_records": records if base_dir is not None else [],
            "base_beats": n_base,
            "examples": {
                "train": len(train_idx),
                "holdout": int((~train_mask).sum()),
                "weight": 1 if small else EXAMPLE_WEIGHT,
                "context": "none (examples are trained like single beat images)",
            },
            "label_map": SYMBOL_CLASS_TRAIN,
            "beats_per_class": counts,
            "epoch_plan": {k: list(v) for k, v in plan.items()},
            "small": small,
            "seed": seed,
            "history": hist,
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            **(extra_metadata or {}),
        }
        save_model(model, out_dir, meta, keep_keras=not small)
        if stop():
            raise TrainingCancelled("the run was cancelled")
        report({"phase": "evaluating", "epoch": epochs, "epochs": epochs})
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
