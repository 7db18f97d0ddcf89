"""Grouped cross-validation: records never on both sides; the decision is chosen from folds."""

from __future__ import annotations

import numpy as np

from diagnosis.ml import cv, scoring
from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES
from diagnosis.ml.predict import decide, rule_probs


def _counts() -> dict[str, tuple[int, int]]:
    rng = np.random.default_rng(0)
    return {r: (int(rng.integers(0, 400)), int(rng.integers(0, 900))) for r in ds.DS1}


def test_every_ds1_record_is_in_exactly_one_fold() -> None:
    folds = cv.deal_folds(_counts(), cv.N_FOLDS)
    flat = [r for f in folds for r in f]
    assert sorted(flat) == sorted(ds.DS1) and len(flat) == len(set(flat))
    assert all(len(f) >= 4 for f in folds)
    assert not set(flat) & set(ds.DS2)


def test_a_fold_never_trains_on_its_held_out_records() -> None:
    folds = cv.deal_folds(_counts(), cv.N_FOLDS)
    for k, held in enumerate(folds):
        fit = cv.training_records(folds, k, ("107", "217"))
        assert not set(fit) & set(held)
        assert set(fit) | set(held) == set(ds.DS1) | {"107", "217"}


def test_the_beat_heaviest_records_are_spread_over_folds() -> None:
    counts = {r: (0, 0) for r in ds.DS1}
    for r in ("209", "207", "118", "220", "223"):
        counts[r] = (300, 0)
    folds = cv.deal_folds(counts, 5)
    heavy = [sum(counts[r][0] > 0 for r in f) for f in folds]
    assert heavy == [1, 1, 1, 1, 1]


def _pooled(p_apc: list[float], truth: list[str]) -> dict[str, np.ndarray]:
    k = len(truth)
    probs = np.zeros((k, len(CLASSES)), np.float32)
    probs[:, CLASSES.index("APC")] = p_apc
    probs[:, CLASSES.index("NOR")] = 1 - np.asarray(p_apc)
    return {
        "probs": probs,
        "context": np.zeros((k, 10), np.float32),
        "af": np.zeros(k, bool),
        "noise": np.zeros(k, bool),
        "truth": np.array(truth),
        "record": np.array(["a"] * (k // 2) + ["b"] * (k - k // 2)),
        "cluster": np.zeros(k, np.int64),
    }


def test_the_apc_threshold_keeps_sensitivity_and_then_maximises_ppv() -> None:
    # S beats score 0.3-0.9, N beats 0.05-0.6: at 0.3 every S is found; higher thresholds lose
    # S beats; lower ones add false S.
    s = [0.3, 0.5, 0.7, 0.9] * 5
    n = [0.05, 0.1, 0.2, 0.25, 0.35, 0.6] * 10
    res = cv.choose(_pooled(s + n, ["S"] * len(s) + ["N"] * len(n)))
    assert res["chosen"]["apc_min"] == 0.3
    assert res["cv"]["per_class"]["S"]["se"] >= cv.S_SE_FLOOR


def test_apc_in_af_and_beats_in_noise_are_scored_as_the_site_shows_them() -> None:
    top = decide(
        np.eye(len(CLASSES), dtype=np.float32)[[CLASSES.index("APC")] * 3], {"apc_min": 0.5}
    )
    labels = scoring.gated_labels(top, np.array([False, True, False]), np.array([0, 0, 1], bool))
    assert labels == ["APC", "NOR", None]
    cm = scoring.aami_confusion(np.array(["S", "S", "S"]), labels)
    assert cm[1, 1] == 1 and cm[1, 0] == 1 and cm[1, -1] == 1


def test_record_bootstrap_intervals_contain_the_pooled_value() -> None:
    rng = np.random.default_rng(2)
    per_record = []
    for _ in range(12):
        cm = np.zeros((5, 6), np.int64)
        cm[0, 0], cm[1, 1], cm[1, 0], cm[0, 1] = rng.integers(50, 100), *rng.integers(1, 20, 3)
        per_record.append(cm)
    ci = scoring.bootstrap_ci(per_record)
    se = scoring.summary(sum(per_record))["per_class"]["S"]["se"]
    assert ci["S_se"][0] <= se <= ci["S_se"][1] and ci["S_se"][0] < ci["S_se"][1]


def test_the_apc_threshold_decides_apc_and_none_means_most_probable() -> None:
    p = np.zeros((2, len(CLASSES)), np.float32)
    p[0, CLASSES.index("NOR")], p[0, CLASSES.index("APC")] = 0.7, 0.3
    p[1, CLASSES.index("NOR")], p[1, CLASSES.index("APC")] = 0.4, 0.6
    assert [CLASSES[i] for i in decide(p, {"apc_min": 0.25})] == ["APC", "APC"]
    assert [CLASSES[i] for i in decide(p, {"apc_min": 0.65})] == ["NOR", "NOR"]
    assert [CLASSES[i] for i in decide(p, {"apc_min": None})] == ["NOR", "APC"]


def test_without_the_paced_label_a_paced_looking_beat_gets_its_next_class() -> None:
    p = np.zeros((1, len(CLASSES)), np.float32)
    p[0, CLASSES.index("PAB")], p[0, CLASSES.index("LBB")] = 0.9, 0.1
    assert CLASSES[decide(p, {"apc_min": 0.8})[0]] == "PAB"
    assert CLASSES[decide(p, {"apc_min": 0.8, "allow_pab": False})[0]] == "LBB"
    assert CLASSES[decide(p, {"apc_min": None, "allow_pab": False})[0]] == "LBB"


def test_paced_mass_goes_to_nor_only_when_the_rule_says_so() -> None:
    p = np.zeros((2, len(CLASSES)), np.float32)
    p[:, CLASSES.index("PAB")], p[:, CLASSES.index("PVC")], p[:, CLASSES.index("NOR")] = (
        0.6,
        0.3,
        0.1,
    )
    ctx = np.zeros((2, len(sig.CONTEXT_FEATURES)), np.float32)
    rule = {"apc_min": 0.8, "allow_pab": False}
    next_class = rule_probs(p, ctx, None, rule)
    assert [CLASSES[i] for i in decide(next_class, rule)] == ["PVC", "PVC"]
    as_nor = rule_probs(p, ctx, None, {**rule, "pab_to_nor": True})
    assert [CLASSES[i] for i in decide(as_nor, rule)] == ["NOR", "NOR"]
    np.testing.assert_allclose(as_nor[:, CLASSES.index("NOR")], 0.7, atol=1e-6)
    np.testing.assert_allclose(as_nor.sum(axis=1), 1.0, atol=1e-6)
    # With the paced label allowed the flag changes nothing.
    allowed = rule_probs(p, ctx, None, {"apc_min": 0.8, "pab_to_nor": True})
    assert [CLASSES[i] for i in decide(allowed, {"apc_min": 0.8})] == ["PAB", "PAB"]
    assert cv.paced_name({**rule, "pab_to_nor": True}) == "never (as NOR)"
    assert cv.paced_name({"apc_min": 0.8}) == "allowed"
