"""Per-recording adaptation: beats are grouped by QRS shape; a cluster shares its morphology
call, while the timing split (NOR vs APC) stays each beat's own."""

from __future__ import annotations

import numpy as np

from diagnosis.ml import adapt
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES

T = np.arange(sig.WIN) - sig.PRE


def _beats(width: float, n: int, seed: int, sign: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    beat = sign * np.exp(-((T / width) ** 2))
    return (beat[None, :] + rng.normal(0, 0.01, (n, sig.WIN))).astype(np.float32)


def test_beats_of_one_shape_share_a_cluster_and_other_shapes_do_not() -> None:
    w = np.concatenate([_beats(5, 20, 0), _beats(20, 6, 1, -1.0), _beats(5, 5, 2)])
    ids = adapt.clusters(w)
    assert len(set(ids[:20])) == 1 and len(set(ids[20:26])) == 1
    assert ids[0] != ids[20] and ids[26] == ids[0]


def _probs(rows: list[dict[str, float]]) -> np.ndarray:
    p = np.zeros((len(rows), len(CLASSES)), np.float32)
    for i, r in enumerate(rows):
        for c, v in r.items():
            p[i, CLASSES.index(c)] = v
    return p


def test_a_cluster_shares_its_morphology_call_but_not_its_timing_call() -> None:
    rows = [{"NOR": 0.9, "PVC": 0.1}] * 8 + [{"APC": 0.5, "PVC": 0.5}]
    p = _probs(rows)
    ids = np.zeros(len(rows), np.int64)
    out = adapt.adapt(p, ids, 1.0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-6)
    pvc = CLASSES.index("PVC")
    assert np.allclose(out[:, pvc], out[0, pvc])  # one morphology for the cluster
    # The outlier stays "APC" within the N group: its supraventricular share is all APC.
    assert out[-1, CLASSES.index("APC")] > 0.8 and out[-1, CLASSES.index("NOR")] == 0


def test_no_adaptation_leaves_probabilities_and_small_clusters_alone() -> None:
    p = _probs([{"NOR": 0.2, "PVC": 0.8}, {"NOR": 0.9, "PVC": 0.1}])
    assert adapt.adapt(p, np.zeros(2, np.int64), 0.0) is p
    np.testing.assert_allclose(adapt.adapt(p, np.zeros(2, np.int64), 1.0), p, atol=1e-6)
    np.testing.assert_allclose(adapt.adapt(p, np.array([-1, -1]), 1.0), p, atol=1e-6)
