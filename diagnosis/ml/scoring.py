"""Beat scoring shared by cross-validation, the DS2 evaluation and retraining (numpy only).

Beats are scored the way the site shows them: the engine's decided label after the AF gate;
a beat in unreadable signal (no label) counts as predicted "-" (no class), so it costs
sensitivity instead of disappearing. Confidence intervals resample records, not beats,
because beats of one person are not independent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from diagnosis.ml.classes import AAMI_CLASSES, CLASS_AAMI, CLASSES

#: Prediction columns of the AAMI confusion matrix: "-" = no class (VFW, or unreadable).
AAMI_PRED: tuple[str, ...] = (*AAMI_CLASSES, "-")


def class_metrics(
    cm: np.ndarray, labels: tuple[str, ...]
) -> dict[str, dict[str, float | int | None]]:
    """Per-class sensitivity, PPV, specificity, F1 from a confusion matrix (rows = truth).

    ``cm`` may have extra prediction columns (predictions outside ``labels``).
    """
    total = cm.sum()
    out: dict[str, dict[str, float | int | None]] = {}
    for i, c in enumerate(labels):
        tp = int(cm[i, i])
        fn = int(cm[i].sum() - tp)
        fp = int(cm[:, i].sum() - tp)
        tn = int(total - tp - fn - fp)
        se = tp / (tp + fn) if tp + fn else None
        ppv = tp / (tp + fp) if tp + fp else None
        sp = tn / (tn + fp) if tn + fp else None
        f1 = 2 * se * ppv / (se + ppv) if se and ppv else (0.0 if se is not None else None)
        out[c] = {"n": tp + fn, "se": se, "ppv": ppv, "sp": sp, "f1": f1}
    return out


def aami_confusion(truth: np.ndarray, labels: list[str | None] | np.ndarray) -> np.ndarray:
    """AAMI confusion (5 x 6) of matched beats.

    Args:
        truth: (k,) AAMI class of each detected beat's reference beat, "" when unmatched.
        labels: (k,) the engine's class code per beat, None (or "") for unreadable beats.
    """
    cm = np.zeros((len(AAMI_CLASSES), len(AAMI_PRED)), dtype=np.int64)
    for t, lab in zip(truth, labels, strict=True):
        if not t:
            continue
        a = (CLASS_AAMI[str(lab)] if lab else None) or "-"
        cm[AAMI_CLASSES.index(str(t)), AAMI_PRED.index(a)] += 1
    return cm


def gated_labels(top: np.ndarray, af: np.ndarray, noise: np.ndarray) -> list[str | None]:
    """Class codes from decided indices with the AF gate (APC in AF -> NOR) and no label for
    beats in unreadable signal."""
    apc = CLASSES.index("APC")
    return [
        None if noise[i] else ("NOR" if (int(t) == apc and af[i]) else CLASSES[int(t)])
        for i, t in enumerate(top)
    ]


def total(confusions: list[np.ndarray]) -> np.ndarray:
    """Sum of AAMI confusions (a zero matrix for none)."""
    out = np.zeros((len(AAMI_CLASSES), len(AAMI_PRED)), dtype=np.int64)
    for cm in confusions:
        out += cm
    return out


def summary(cm: np.ndarray) -> dict[str, Any]:
    """Accuracy and per-class metrics of an AAMI confusion."""
    n = int(cm.sum())
    return {
        "accuracy": float(np.trace(cm[:, : len(AAMI_CLASSES)]) / n) if n else None,
        "per_class": class_metrics(cm, AAMI_CLASSES),
        "confusion": cm.tolist(),
    }


def bootstrap_ci(
    per_record: list[np.ndarray], *, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """95 % intervals of accuracy and of S/V/N Se, PPV, F1, resampling records with
    replacement (``per_record``: one AAMI confusion per record)."""
    rng = np.random.default_rng(seed)
    stack = np.stack(per_record)
    draws: dict[str, list[float]] = {}
    for _ in range(n_boot):
        cm = stack[rng.integers(0, len(stack), len(stack))].sum(axis=0)
        s = summary(cm)
        draws.setdefault("accuracy", []).append(s["accuracy"] or 0.0)
        for c in ("N", "S", "V"):
            for m in ("se", "ppv", "f1"):
                v = s["per_class"][c][m]
                if v is not None:
                    draws.setdefault(f"{c}_{m}", []).append(float(v))
    return {
        k: [round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4)]
        for k, v in draws.items()
    }
