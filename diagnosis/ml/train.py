"""Train the beat CNN on MIT-BIH and write a model version directory.

Shipped recipe (``train_shipped``): DS1 records only, plus the paced beats ("/") of the paced
records 102, 104, 107, 217 so the PAB class exists (those records are in neither DS1 nor DS2,
so DS2 stays unseen). Each epoch draws a class-rebalanced sample (normal beats subsampled,
rare classes oversampled), renders it with augmentation, and drops the record context for
30 % of beats so the model also works on single beat images. Imports TensorFlow.
"""

from __future__ import annotations

import json
import platform
import time
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
    SYMBOL_CLASS_STRICT,
    SYMBOL_CLASS_TRAIN,
)

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
#: Patient-relative V veto thresholds (see predict.Classifier.apply_v_veto): 0.95 is above
#: the 99th percentile (0.937) of DS1 ventricular beats' QRS correlation with their record's
#: median beat; -0.1 = "not more than 10 % early".
V_VETO: dict[str, float] = {"qrs_corr_min": 0.95, "pre_ratio_min": -0.1}
#: Paced records whose paced beats train the PAB class: the two with lead MLII (102 and 104
#: have V5/V2 only; their unusual morphology made the model call DS2 beats paced).
PAB_RECORDS: tuple[str, ...] = ("107", "217")


@dataclass
class BeatSet:
    """Beats with labels: wide windows, context, record template, class index, record."""

    wide: np.ndarray
    context: np.ndarray
    template: np.ndarray  # (k, WIN) the beat's record template (median detected beat)
    y: np.ndarray
    record: np.ndarray
    sources: dict[str, Any] = field(default_factory=dict)

    def subset(self, idx: np.ndarray) -> BeatSet:
        return BeatSet(
            self.wide[idx],
            self.context[idx],
            self.template[idx],
            self.y[idx],
            self.record[idx],
            self.sources,
        )

    @staticmethod
    def concat(parts: list[BeatSet]) -> BeatSet:
        def cat(f: str) -> np.ndarray:
            return np.concatenate([getattr(p, f) for p in parts])

        return BeatSet(cat("wide"), cat("context"), cat("template"), cat("y"), cat("record"))


def collect(
    data_dir: Path,
    records: tuple[str, ...] | list[str],
    symbol_map: dict[str, str],
    cache_dir: Path | None,
    only_symbols: set[str] | None = None,
) -> BeatSet:
    """Labelled detected beats of ``records`` (unmatched detections, unmapped symbols dropped)."""
    wides, ctxs, tmpls, ys, recs = [], [], [], [], []
    counts: dict[str, int] = {}
    for r in records:
        b = ds.record_beats(data_dir, r, cache_dir)
        keep = np.array(
            [s in symbol_map and (only_symbols is None or s in only_symbols) for s in b.symbol],
            dtype=bool,
        )
        y = np.array([CLASSES.index(symbol_map[s]) for s in b.symbol[keep]], dtype=np.int64)
        wides.append(b.wide[keep])
        ctxs.append(b.context[keep])
        # Same template as inference: median of every detected beat's window in the record.
        t = sig.record_template(augment.crop_window(b.wide))
        tmpls.append(np.repeat(t[None, :], int(keep.sum()), axis=0))
        ys.append(y)
        recs.append(np.full(len(y), r))
        counts[r] = len(y)
    return BeatSet(
        np.concatenate(wides),
        np.concatenate(ctxs),
        np.concatenate(tmpls),
        np.concatenate(ys),
        np.concatenate(recs),
        {"beats_per_record": counts},
    )


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
        out.append(rng.choice(idx, n, replace=n > len(idx)))
    allidx = np.concatenate(out)
    rng.shuffle(allidx)
    return allidx


def model_inputs(beats: BeatSet, images: np.ndarray, context: np.ndarray) -> np.ndarray:
    """CNN image input: beat images plus each beat's record-template image (where context)."""
    out = np.zeros((*images.shape, render.CHANNELS), np.float32)
    out[..., 0] = images
    has = context[:, -1] > 0
    if has.any():
        out[has, :, :, 1] = render.render(beats.template[has])
    return out


def clean_inputs(beats: BeatSet) -> tuple[np.ndarray, np.ndarray]:
    """Inference-style inputs (no augmentation, context kept): (images, context)."""
    img = render.render(augment.crop_window(beats.wide))
    return model_inputs(beats, img, beats.context), beats.context


def make_sequence(beats: BeatSet, batch: int, seed: int, plan: dict[str, tuple[int, int]]) -> Any:
    """A Keras PyDataset that re-draws and re-augments a rebalanced epoch each time."""
    import keras

    class Seq(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.rng = np.random.default_rng(seed)
            self.idx = epoch_indices(beats.y, self.rng, plan)

        def __len__(self) -> int:
            return int(np.ceil(len(self.idx) / batch))

        def __getitem__(self, i: int) -> Any:
            j = self.idx[i * batch : (i + 1) * batch]
            sub = beats.subset(j)
            ctx = augment.drop_context(sub.context, self.rng)
            img = model_inputs(sub, augment.augment_images(sub.wide, self.rng), ctx)
            y = np.eye(len(CLASSES), dtype=np.float32)[sub.y]
            return (img, ctx), y

        def on_epoch_end(self) -> None:
            self.idx = epoch_indices(beats.y, self.rng, plan)

    return Seq()


def fit(
    beats: BeatSet,
    *,
    epochs: int,
    seed: int,
    plan: dict[str, tuple[int, int]] = EPOCH_PLAN,
    batch: int = 128,
    val: BeatSet | None = None,
    log: Any = print,
) -> tuple[Any, dict[str, Any]]:
    """Train a fresh model; returns (keras model, history summary)."""
    import keras

    from diagnosis.ml.model import build_model

    model = build_model(seed=seed)
    seq = make_sequence(beats, batch, seed, plan)
    steps = len(seq) * epochs
    lr = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=steps, alpha=0.02)
    model.compile(keras.optimizers.Adam(lr), "categorical_crossentropy", metrics=["accuracy"])
    val_data = None
    if val is not None:
        val_data = ((clean_inputs(val)), np.eye(len(CLASSES))[val.y])

    class Log(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = logs or {}
            log(f"epoch {epoch + 1}/{epochs} " + " ".join(f"{k}={v:.4f}" for k, v in logs.items()))

    t0 = time.perf_counter()
    hist = model.fit(seq, epochs=epochs, validation_data=val_data, verbose=0, callbacks=[Log()])
    secs = time.perf_counter() - t0
    return model, {
        "epochs": epochs,
        "batch": batch,
        "fit_seconds": round(secs, 1),
        "final": {k: round(float(v[-1]), 4) for k, v in hist.history.items()},
    }


def predict_keras(
    model: Any, images: np.ndarray, context: np.ndarray, batch: int = 1024
) -> np.ndarray:
    """Keras-side probabilities, calling the model directly (no ``predict`` overhead)."""
    out = [
        np.asarray(model([images[i : i + batch], context[i : i + batch]], training=False))
        for i in range(0, len(images), batch)
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
            },
            "context_features": list(sig.CONTEXT_FEATURES),
            "context_missing": "all zeros (including the availability flag)",
        },
        "uncertainty": {
            "threshold": UNCERTAIN_THRESHOLD,
            "rule": "a beat is uncertain when its highest class probability is below threshold",
        },
    }


def save_model(
    model: Any, out_dir: Path, meta: dict[str, Any], *, keep_keras: bool = True
) -> dict[str, Any]:
    """Export LiteRT (and .keras), hash the files, write metadata.json."""
    from diagnosis.ml.model import export_tflite

    out_dir.mkdir(parents=True, exist_ok=True)
    export_tflite(model, out_dir / "model.tflite")
    names = ["model.tflite"]
    if keep_keras:
        model.save(out_dir / "model.keras")
        names.append("model.keras")
    meta["serving_file"] = "model.tflite"
    meta["files"] = artifacts.file_entries(out_dir, names)
    artifacts.write_metadata(out_dir, meta)
    return meta


def train_shipped(
    out_dir: Path,
    *,
    data_dir: Path,
    cache_dir: Path | None,
    epochs: int = 12,
    seed: int = 0,
    paced_max: int = 4000,
    log: Any = print,
) -> dict[str, Any]:
    """Train the shipped inter-patient model (DS1 + paced beats) into ``out_dir``."""
    ds.check_data_dir(data_dir, ds.DS1 + ds.PACED)
    t0 = time.perf_counter()
    train = collect(data_dir, ds.DS1, SYMBOL_CLASS_TRAIN, cache_dir)
    paced = collect(data_dir, PAB_RECORDS, SYMBOL_CLASS_TRAIN, cache_dir, only_symbols={"/"})
    rng = np.random.default_rng(seed)
    if len(paced.y) > paced_max:
        paced = paced.subset(np.sort(rng.choice(len(paced.y), paced_max, replace=False)))
    allb = BeatSet.concat([train, paced])
    # A small random hold-out of the training records, for monitoring only (DS2 is never
    # used for any choice).
    perm = rng.permutation(len(allb.y))
    n_val = len(perm) // 20
    val, fit_set = allb.subset(perm[:n_val]), allb.subset(perm[n_val:])
    counts = {c: int((allb.y == i).sum()) for i, c in enumerate(CLASSES)}
    log(f"training beats per class: {counts}")
    model, hist = fit(fit_set, epochs=epochs, seed=seed, val=val, log=log)
    meta = base_metadata(out_dir.name)
    meta["postprocess"] = {"v_veto": v_veto(train)}
    meta["training"] = {
        "protocol": "inter-patient (de Chazal 2004): trained on DS1 only, tested on DS2",
        "records": list(ds.DS1),
        "extra_paced_beats": {
            "records": list(PAB_RECORDS),
            "symbols": ["/"],
            "n_beats": len(paced.y),
            "why": "PAB is a class but DS1 has no paced beats; paced records are in neither "
            "DS1 nor DS2, so DS2 stays unseen",
        },
        "label_map": SYMBOL_CLASS_TRAIN,
        "beats_per_class": counts,
        "beat_source": "engine's own detector, labelled by reference annotation within 150 ms",
        "epoch_plan": {k: list(v) for k, v in EPOCH_PLAN.items()},
        "augmentation": "time scale +-15%, shift +-4 samples, baseline tilt, noise, cropped peak, "
        "margins 0-12 px, line half-width 0.3-1.8 px, no-anti-aliasing, JPEG-like noise; "
        "record context dropped for 30% of beats",
        "seed": seed,
        "holdout": "5% random DS1(+paced) beats, monitoring only",
        "history": hist,
        "total_seconds": round(time.perf_counter() - t0, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={_cpus()}".strip(),
    }
    return save_model(model, out_dir, meta)


def v_veto(beats: BeatSet) -> dict[str, Any]:
    """The patient-relative V veto used by the predictor, with its cost measured on the
    training beats (only those with context): share of V-class and N-class beats it fires on."""
    names = list(sig.CONTEXT_FEATURES)
    rule: dict[str, Any] = dict(V_VETO)
    fire = (
        beats.context[:, names.index("qrs_corr_with_record_template")] > rule["qrs_corr_min"]
    ) & (beats.context[:, names.index("pre_over_local_minus_1")] > rule["pre_ratio_min"])
    is_v = np.isin(beats.y, [CLASSES.index("PVC"), CLASSES.index("VEB")])
    is_n = np.isin(beats.y, [CLASSES.index(c) for c in ("NOR", "LBB", "RBB")])
    rule["training_beats_meeting_rule"] = {
        "ventricular": round(float(fire[is_v].mean()), 4),
        "normal_lbb_rbb": round(float(fire[is_n].mean()), 4),
    }
    rule["rule"] = (
        "with record context, a beat whose QRS (+-100 ms) correlates above qrs_corr_min with "
        "the record's median beat and whose pre-RR/local-RR - 1 is above pre_ratio_min gets "
        "PVC/VEB probability 0 (renormalised)"
    )
    return rule


def _cpus() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def train_intra(
    out_dir: Path,
    *,
    data_dir: Path,
    cache_dir: Path | None,
    epochs: int = 8,
    seed: int = 1,
    log: Any = print,
) -> dict[str, Any]:
    """Intra-patient protocol (optimistic): all 48 records, strict 8 symbols, random 80/20
    beat split; trains a separate model and returns its test metrics (also in ``out_dir``)."""
    ds.check_data_dir(data_dir, ds.ALL_RECORDS)
    t0 = time.perf_counter()
    allb = collect(data_dir, ds.ALL_RECORDS, SYMBOL_CLASS_STRICT, cache_dir)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(allb.y))
    n_test = len(perm) // 5
    test, train = allb.subset(perm[:n_test]), allb.subset(perm[n_test:])
    plan = {c: (lo, hi) for c, (lo, hi) in EPOCH_PLAN.items()}
    model, hist = fit(train, epochs=epochs, seed=seed, plan=plan, log=log)
    prob = predict_keras(model, *clean_inputs(test))
    pred = prob.argmax(1)
    cm = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    np.add.at(cm, (test.y, pred), 1)
    meta = base_metadata(out_dir.name)
    meta["training"] = {
        "protocol": "intra-patient random beat split 80/20 over all 48 records, strict 8 "
        "symbols (N L R A V / E !); optimistic: beats of the same patients are in train and test",
        "n_train": len(train.y),
        "n_test": len(test.y),
        "seed": seed,
        "history": hist,
        "total_seconds": round(time.perf_counter() - t0, 1),
    }
    meta["metrics"] = {
        "intra_patient": {"accuracy": float((pred == test.y).mean()), "confusion": cm.tolist()}
    }
    save_model(model, out_dir, meta, keep_keras=False)
    (out_dir / "intra_confusion.json").write_text(json.dumps(cm.tolist()))
    return meta
