"""Per-recording adaptation without labels: beats of one morphology share a morphology call.

Every upload is one person's recording, so its own beats can be used: beats are grouped by
QRS shape (greedy clustering on the correlation of the +-100 ms QRS), and each beat's
probability of the *morphology groups* (supraventricular-conducted N/LBB/RBB/APC, ventricular
PVC/VEB, paced, flutter wave) is blended with its cluster's mean. The split inside a group
(NOR vs APC, which differ by timing, not shape) stays the beat's own. Whether and how much
to blend (``alpha``) is chosen by cross-validation inside DS1 (``benchmarks/beat_cv.py``).
"""

from __future__ import annotations

import numpy as np

from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES

#: Class groups that share a morphology.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("NOR", "LBB", "RBB", "APC"),
    ("PVC", "VEB"),
    ("PAB",),
    ("VFW",),
)
#: Two beats are one morphology when their QRS correlation is at least this.
CLUSTER_CORR = 0.95
#: Clusters smaller than this are left alone (too few beats to say anything).
MIN_CLUSTER = 5
#: At most this many clusters; beats like none of them stay unclustered (-1), which bounds
#: the work on long, noisy recordings.
MAX_CLUSTERS = 100


def clusters(windows: np.ndarray, fs: float = sig.FS) -> np.ndarray:
    """Greedy leader clustering of beats by QRS shape.

    Args:
        windows: (k, WIN) beat windows (R at PRE).
    Returns:
        (k,) int64 cluster ids (0 = the first leader's cluster; -1 = unclustered).
    """
    k = len(windows)
    out = np.full(k, -1, dtype=np.int64)
    if k == 0:
        return out
    q = np.asarray(windows, np.float64)[:, sig.PRE - int(0.1 * fs) : sig.PRE + int(0.1 * fs)]
    q = q - q.mean(axis=1, keepdims=True)
    q /= np.linalg.norm(q, axis=1, keepdims=True) + 1e-9
    leaders: list[np.ndarray] = []
    for i in range(k):
        if leaders:
            c = np.stack(leaders) @ q[i]
            j = int(c.argmax())
            if c[j] >= CLUSTER_CORR:
                out[i] = j
                continue
        if len(leaders) < MAX_CLUSTERS:
            leaders.append(q[i])
            out[i] = len(leaders) - 1
    return out


def adapt(probs: np.ndarray, cluster_ids: np.ndarray, alpha: float) -> np.ndarray:
    """Blend each beat's morphology-group probabilities with its cluster's mean.

    Args:
        probs: (k, 8) class probabilities. cluster_ids: (k,) from :func:`clusters`.
        alpha: 0 = no change, 1 = the cluster's group probabilities replace the beat's.
    Returns:
        (k, 8) probabilities (rows sum to 1).
    """
    if alpha <= 0 or len(probs) == 0:
        return probs
    cols = [[CLASSES.index(c) for c in g] for g in GROUPS]
    group = np.stack([probs[:, c].sum(axis=1) for c in cols], axis=1)  # (k, G)
    target = group.copy()
    for cid in np.unique(cluster_ids[cluster_ids >= 0]):
        m = cluster_ids == cid
        if m.sum() >= MIN_CLUSTER:
            target[m] = group[m].mean(axis=0)
    new_group = (1 - alpha) * group + alpha * target
    out = probs.copy()
    for g, c in enumerate(cols):
        share = probs[:, c] / np.maximum(group[:, g : g + 1], 1e-9)
        share[group[:, g] <= 1e-9] = 1.0 / len(c)
        out[:, c] = share * new_group[:, g : g + 1]
    return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-9)
