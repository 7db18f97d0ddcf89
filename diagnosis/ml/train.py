"""Train the beat CNNs and write a model version directory: the one training path.

A model version holds two networks trained by :func:`train_version` with one :class:`Recipe`:
the *record model* (beat image, the record's dominant beat and RR-ratio context; used for
every recording) and the *beat model* (image only; used for a picture of one beat, which has
no timing). The CLI ``train`` (:func:`train_shipped`) and the administrators' retraining
(``retrain.train_candidate``) both call :func:`train_version`.

Shipped data: DS1 records only, plus the paced beats ("/") of the paced records 107 and 217
so the PAB class exists (those records are in neither DS1 nor DS2, so DS2 stays unseen). Each
epoch draws a class-rebalanced sample (normal beats subsampled, rare classes oversampled) and
renders it with augmentation. Imports TensorFlow.
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml import artifacts, augment, render
from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import (
    CLASS_AAMI,
    CLASS_NAMES,
    CLASS_SYMBOL,
    CLASSES,
    SYMBOL_CLASS_TRAIN,
)
from diagnosis.ml.errors import TrainingCancelled

#: Beats per class drawn each epoch: (minimum, maximum); NOR is capped hardest.
EPOCH_PLAN: dict[str, tuple[int, int]] = {
    "NOR": (24000, 24000),
    "LBB": (2500, 4000),
    "RBB": (2500, 4000),
    "APC": (1500, 1500),
    "PVC": (3000, 4500),
    "PAB": (2500, 3500),
    "VEB": (800, 800),
    "VFW": (1000, 1000),
}
UNCERTAIN_THRESHOLD = 0.6
#: Paced records whose paced beats train the PAB class: the two with lead MLII (102 and 104
#: have V5/V2 only; their unusual morphology made the model call DS2 beats paced).
PAB_RECORDS: tuple[str, ...] = ("107", "217")
#: Record and beat networks of a model version (LiteRT files).
RECORD_FILE = "record.tflite"
BEAT_FILE = "beat.tflite"


@dataclass(frozen=True)
class Recipe:
    """How a model version is trained; the same for the CLI and the retraining task."""

    epochs: int = 8
    batch: int = 128
    plan: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(EPOCH_PLAN))
    seed: int = 0
    learning_rate: float = 3e-3


#: The shipped recipe, and a capped one (a few hundred beats, one epoch) for tests and smoke runs.
RECIPE = Recipe()
SMALL_RECIPE = Recipe(epochs=1, batch=64, plan={c: (0, 60) for c in CLASSES})
#: The decision rule of the record model, chosen by 4-fold cross-validation grouped by record
#: inside DS1 (``benchmarks/beat_cv.py``, results in benchmarks/beat_cv.json; DS2 never used
#: to choose), in this order: no paced (PAB) label (DS1 has no paced beats, yet the model
#: called all of record 207 paced; CV accuracy 0.954 vs 0.922), the V veto (V F1 0.872 vs
#: 0.859), per-recording adaptation (alpha 1.0: V F1 0.879 vs 0.872) and the APC threshold
#: (no threshold kept CV S Se >= 0.85 with PPV >= 0.5, so the best CV S F1: APC when
#: p(APC) >= 0.8). See ``predict.decide``.
DECISION: dict[str, Any] = {
    "apc_min": 0.8,
    "v_veto": {"qrs_corr_min": 0.95, "pre_ratio_min": -0.1},
    "adapt_alpha": 1.0,
    "allow_pab": False,
    "pab_to_nor": False,
    "source": "benchmarks/beat_cv.py: no threshold keeps CV S Se >= 0.85 with PPV >= 0.5: "
    "best CV S F1",
}

Progress = Callable[[dict[str, Any]], None]


@dataclass
class BeatSet:
    """Beats with labels: wide windows, record context and template (``has_context`` False
    for beats without a record, e.g. curated beat pictures), class index, record."""

    wide: np.ndarray
    context: np.ndarray
    template: np.ndarray  # (k, WIN) the beat's record template (median detected beat)
    y: np.ndarray
    record: np.ndarray
    has_context: np.ndarray  # (k,) bool
    sources: dict[str, Any] = field(default_factory=dict)

    def subset(self, idx: np.ndarray) -> BeatSet:
        return BeatSet(
            self.wide[idx],
            self.context[idx],
            self.template[idx],
            self.y[idx],
            self.record[idx],
            self.has_context[idx],
            self.sources,
        )

    @staticmethod
    def concat(parts: list[BeatSet]) -> BeatSet:
        def cat(f: str) -> np.ndarray:
            return np.concatenate([getattr(p, f) for p in parts])

        return BeatSet(
            cat("wide"),
            cat("context"),
            cat("template"),
            cat("y"),
            cat("record"),
            cat("has_context"),
        )

    @staticmethod
    def without_context(wide: np.ndarray, y: np.ndarray, record: str) -> BeatSet:
        """Beats that have no record (beat pictures): only the beat model learns from them."""
        k = len(y)
        return BeatSet(
            np.asarray(wide, np.float32).reshape(k, -1),
            np.zeros((k, sig.N_CONTEXT), np.float32),
            np.zeros((k, sig.WIN), np.float32),
            np.asarray(y, np.int64),
            np.full(k, record),
            np.zeros(k, bool),
        )


def collect(
    data_dir: Path,
    records: tuple[str, ...] | list[str],
    symbol_map: dict[str, str],
    cache_dir: Path | None,
    only_symbols: set[str] | None = None,
) -> BeatSet:
    """Labelled detected beats of ``records`` (unmatched detections, unmapped symbols dropped)."""
    parts, counts = [], {}
    for r in records:
        b = ds.record_beats(data_dir, r, cache_dir)
        keep = np.array(
            [s in symbol_map and (only_symbols is None or s in only_symbols) for s in b.symbol],
            dtype=bool,
        )
        y = np.array([CLASSES.index(symbol_map[s]) for s in b.symbol[keep]], dtype=np.int64)
        # Same template as inference: median of every detected beat's window in the record.
        t = sig.record_template(augment.crop_window(b.wide))
        k = int(keep.sum())
        parts.append(
            BeatSet(
                b.wide[keep],
                b.context[keep],
                np.repeat(t[None, :], k, axis=0),
                y,
                np.full(k, r),
                np.ones(k, bool),
            )
        )
        counts[r] = k
    out = BeatSet.concat(parts)
    out.sources = {"beats_per_record": counts}
    return out


def base_beats(
    data_dir: Path,
    records: tuple[str, ...] | list[str],
    cache_dir: Path | None,
    *,
    paced_max: int = 4000,
    seed: int = 0,
) -> BeatSet:
    """Training beats of ``records``: every mapped beat of an ordinary record, only the paced
    beats (capped at ``paced_max``) of the paced records."""
    plain = [r for r in records if r not in ds.PACED]
    paced = [r for r in records if r in ds.PACED]
    parts = []
    if plain:
        parts.append(collect(data_dir, plain, SYMBOL_CLASS_TRAIN, cache_dir))
    if paced:
        p = collect(data_dir, paced, SYMBOL_CLASS_TRAIN, cache_dir, only_symbols={"/"})
        if len(p.y) > paced_max:
            rng = np.random.default_rng(seed)
            p = p.subset(np.sort(rng.choice(len(p.y), paced_max, replace=False)))
        parts.append(p)
    if not parts:
        raise ValueError("no records to collect beats from")
    return BeatSet.concat(parts)


def epoch_indices(
    y: np.ndarray, rng: np.random.Generator, plan: dict[str, tuple[int, int]]
) -> np.ndarray:
    """One epoch's rebalanced sample of beat indices (with replacement only when oversampling)."""
    out = []
    for ci, c in enumerate(CLASSES):
        idx = np.nonzero(y == ci)[0]
        if len(idx) == 0:
            continue
        lo, hi = plan[c]
        n = int(np.clip(len(idx), lo, hi))
        if n:
            out.append(rng.choice(idx, n, replace=n > len(idx)))
    allidx = np.concatenate(out) if out else np.zeros(0, np.int64)
    rng.shuffle(allidx)
    return allidx


def inputs(
    beats: BeatSet, images: np.ndarray, *, with_context: bool, templates: np.ndarray | None = None
) -> Any:
    """Network inputs for rendered ``images`` of ``beats``: (image+template, context) for the
    record model, image alone for the beat model. ``templates`` (k, H, W) are the beats'
    template images when already drawn."""
    if not with_context:
        return render.model_input(images, None)
    out = np.zeros((*images.shape, render.CHANNELS), np.float32)
    out[..., 0] = images
    out[..., 1] = render.render(beats.template) if templates is None else templates
    return (out, beats.context)


def clean_inputs(beats: BeatSet, *, with_context: bool) -> Any:
    """Inference-style inputs (no augmentation)."""
    return inputs(beats, render.render(augment.crop_window(beats.wide)), with_context=with_context)


class EpochData:
    """Batches of one training run: each epoch re-draws a rebalanced sample and re-augments it."""

    def __init__(self, beats: BeatSet, *, with_context: bool, recipe: Recipe) -> None:
        self.beats, self.with_context, self.recipe = beats, with_context, recipe
        self.rng = np.random.default_rng(recipe.seed)
        self.idx = epoch_indices(beats.y, self.rng, recipe.plan)
        # A record's template is the same for all its beats: draw each once (drawing them per
        # batch took as long as drawing the beats).
        _, first, self.which = np.unique(beats.record, return_index=True, return_inverse=True)
        self.templates = render.render(beats.template[first]) if with_context else None

    def __len__(self) -> int:
        return max(1, int(np.ceil(len(self.idx) / self.recipe.batch)))

    def __getitem__(self, i: int) -> tuple[Any, np.ndarray]:
        j = self.idx[i * self.recipe.batch : (i + 1) * self.recipe.batch]
        sub = self.beats.subset(j)
        img = augment.augment_images(sub.wide, self.rng, plots=not self.with_context)
        y = np.eye(len(CLASSES), dtype=np.float32)[sub.y]
        tmpl = None if self.templates is None else self.templates[self.which[j]]
        return inputs(sub, img, with_context=self.with_context, templates=tmpl), y

    def next_epoch(self) -> None:
        self.idx = epoch_indices(self.beats.y, self.rng, self.recipe.plan)


def fit(
    beats: BeatSet,
    *,
    with_context: bool,
    recipe: Recipe,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    epoch_offset: int = 0,
    total_epochs: int | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train a fresh record (``with_context``) or beat model on ``beats``.

    ``progress(event)`` gets dicts (phase ``training`` / ``epoch_end``, model, epoch, epochs,
    batch, batches, loss, accuracy: means over the epoch so far), epochs counted from
    ``epoch_offset`` of ``total_epochs``; ``should_stop()`` is checked after every batch
    (:class:`TrainingCancelled`). A plain ``train_on_batch`` loop: on this 2-core machine it
    runs twice as fast as ``Model.fit`` over a Python dataset.
    Returns (keras model, history summary).
    """
    import keras

    from diagnosis.ml.model import build_model

    report = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    total = total_epochs or recipe.epochs
    if with_context:
        beats = beats.subset(np.nonzero(beats.has_context)[0])
    model = build_model(with_context=with_context, seed=recipe.seed)
    data = EpochData(beats, with_context=with_context, recipe=recipe)
    batches = len(data)
    lr = keras.optimizers.schedules.CosineDecay(
        recipe.learning_rate, decay_steps=batches * recipe.epochs, alpha=0.02
    )
    model.compile(keras.optimizers.Adam(lr), "categorical_crossentropy", metrics=["accuracy"])
    every = max(1, batches // 20)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    t0 = time.perf_counter()
    for e in range(recipe.epochs):
        epoch = epoch_offset + e + 1
        sums = {"loss": 0.0, "accuracy": 0.0}
        for i in range(batches):
            x, y = data[i]
            logs = model.train_on_batch(x, y, return_dict=True)
            for k in sums:
                sums[k] += float(logs[k])
            if stop():
                raise TrainingCancelled("the run was cancelled")
            done = i + 1
            if done % every == 0 or done == batches:
                report(
                    {
                        "phase": "epoch_end" if done == batches else "training",
                        "model": "record" if with_context else "beat",
                        "epoch": epoch,
                        "epochs": total,
                        "batch": done,
                        "batches": batches,
                        "loss": sums["loss"] / done,
                        "accuracy": sums["accuracy"] / done,
                    }
                )
        for k in sums:
            history[k].append(round(sums[k] / batches, 4))
        data.next_epoch()
    return model, {
        "epochs": recipe.epochs,
        "batch": recipe.batch,
        "beats": len(beats.y),
        "fit_seconds": round(time.perf_counter() - t0, 1),
        "per_epoch": history,
    }


def predict_keras(model: Any, x: Any, batch: int = 1024) -> np.ndarray:
    """Keras-side probabilities for :func:`clean_inputs` output (no ``predict`` overhead)."""
    parts = x if isinstance(x, tuple) else (x,)
    n = len(parts[0])
    out = [
        np.asarray(model([p[i : i + batch] for p in parts], training=False))
        for i in range(0, n, batch)
    ]
    return np.concatenate(out) if out else np.zeros((0, len(CLASSES)), np.float32)


def base_metadata(version: str) -> dict[str, Any]:
    """Metadata common to every model version (classes and the input contract)."""
    return {
        "format_version": artifacts.FORMAT_VERSION,
        "version": version,
        "classes": list(CLASSES),
        "class_names": CLASS_NAMES,
        "mitbih_symbol": CLASS_SYMBOL,
        "aami_map": CLASS_AAMI,
        "input": {
            "fs_hz": sig.FS,
            "lead": "MLII when present, else the first lead",
            "filter": "Butterworth band-pass 0.5-40 Hz, order 2, zero phase (sosfiltfilt)",
            "detector": "Pan-Tompkins-style (5-15 Hz, derivative, square, 150 ms MWI, adaptive "
            "thresholds, search-back), R at largest |deflection| within +-100 ms",
            "window": {"pre_samples": sig.PRE, "post_samples": sig.POST, "r_index": sig.PRE},
            "image": {
                "height": render.H,
                "width": render.W,
                "samples_per_column": render.SPC,
                "amplitude": "per-beat min-max to plot height",
                "margin_px": render.MARGIN,
                "half_width_px": render.HALF_WIDTH,
                "values": "float32 [0,1], trace=1 on 0 background",
                "channels": "record model: beat, record's median beat; beat model: beat",
            },
            "context_features": list(sig.CONTEXT_FEATURES),
            "context_references": {
                "prev_beats": sig.PREV_BEATS,
                "sinus_beats": sig.SINUS_BEATS,
                "sinus_percentile": sig.SINUS_PERCENTILE,
                "window_s": sig.WINDOW_S,
                "encoding": "ratio - 1, clipped to [-1, 3]",
            },
        },
        "uncertainty": {
            "threshold": UNCERTAIN_THRESHOLD,
            "rule": "a beat is uncertain when the probability of its label is below threshold",
        },
    }


def train_version(
    out_dir: Path,
    beats: BeatSet,
    *,
    recipe: Recipe = RECIPE,
    decision: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Train the record and beat models on ``beats`` and write the version ``out_dir`` (its
    name is the version): both LiteRT files, hashed, and metadata.json with the recipe, the
    decision rule and ``training`` (what the caller knows about the data). Returns the
    metadata. Nothing is left behind when training fails or is cancelled."""
    from diagnosis.ml.model import export_tflite

    if not beats.has_context.any():
        raise ValueError(
            "the record model learns from beats of recordings (with their RR context); "
            "only single-beat examples were given"
        )
    t0 = time.perf_counter()
    counts = {c: int((beats.y == i).sum()) for i, c in enumerate(CLASSES)}
    try:
        record_model, record_hist = fit(
            beats, with_context=True, recipe=recipe, progress=progress,
            should_stop=should_stop, total_epochs=2 * recipe.epochs,
        )  # fmt: skip
        beat_model, beat_hist = fit(
            beats, with_context=False, recipe=recipe, progress=progress,
            should_stop=should_stop, epoch_offset=recipe.epochs, total_epochs=2 * recipe.epochs,
        )  # fmt: skip
        if progress:
            progress({"phase": "saving", "epoch": 2 * recipe.epochs, "epochs": 2 * recipe.epochs})
        out_dir.mkdir(parents=True, exist_ok=True)
        export_tflite(record_model, out_dir / RECORD_FILE)
        export_tflite(beat_model, out_dir / BEAT_FILE)
        meta = base_metadata(out_dir.name)
        meta["serving_files"] = {"record": RECORD_FILE, "beat": BEAT_FILE}
        meta["files"] = artifacts.file_entries(out_dir, [RECORD_FILE, BEAT_FILE])
        meta["decision"] = dict(decision if decision is not None else DECISION)
        meta["training"] = {
            **(training or {}),
            "recipe": {
                "epochs": recipe.epochs,
                "batch": recipe.batch,
                "learning_rate": recipe.learning_rate,
                "schedule": "cosine decay to 2 %",
                "seed": recipe.seed,
                "epoch_plan": {k: list(v) for k, v in recipe.plan.items()},
                "augmentation": "record model: time scale +-15 %, shift +-4 samples, baseline "
                "tilt, noise; beat model: the same plus cropped peak, margins 0-12 px, line "
                "half-width 0.3-1.8 px, hard edges, JPEG-like noise",
            },
            "label_map": SYMBOL_CLASS_TRAIN,
            "beats_per_class": counts,
            "beats_with_context": int(beats.has_context.sum()),
            "history": {"record": record_hist, "beat": beat_hist},
            "total_seconds": round(time.perf_counter() - t0, 1),
            "machine": f"{platform.machine()} cpus={_cpus()}",
        }
        if should_stop and should_stop():
            raise TrainingCancelled("the run was cancelled")
        artifacts.write_metadata(out_dir, meta)
        return meta
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise


def train_shipped(
    out_dir: Path,
    *,
    data_dir: Path,
    cache_dir: Path | None,
    recipe: Recipe = RECIPE,
    paced_max: int = 4000,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train the shipped inter-patient version (DS1 + paced beats of 107 and 217)."""
    ds.check_data_dir(data_dir, ds.DS1 + PAB_RECORDS)
    beats = base_beats(
        data_dir, [*ds.DS1, *PAB_RECORDS], cache_dir, paced_max=paced_max, seed=recipe.seed
    )
    return train_version(
        out_dir,
        beats,
        recipe=recipe,
        progress=progress,
        training={
            "protocol": "inter-patient (de Chazal 2004): trained on DS1 only, tested on DS2",
            "records": list(ds.DS1),
            "extra_paced_beats": {
                "records": list(PAB_RECORDS),
                "symbols": ["/"],
                "n_beats": int((beats.y == CLASSES.index("PAB")).sum()),
                "why": "PAB is a class but DS1 has no paced beats; paced records are in "
                "neither DS1 nor DS2, so DS2 stays unseen",
            },
            "beat_source": "engine's own detector, labelled by reference annotation within 150 ms",
        },
    )


def _cpus() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
