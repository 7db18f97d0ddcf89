"""Record-level outputs of the engine on MIT-BIH, grouped folds, and the decision choice.

:func:`record_outputs` runs the full engine path on one annotated record and keeps what
scoring needs (probabilities, context, AF and noise marks, matched reference classes), so the
cross-validation inside DS1 (``benchmarks/beat_cv.py``) and the DS2 evaluation score beats the
same way. :func:`choose` picks the decision rule from pooled out-of-fold outputs only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml import adapt, scoring
from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import SYMBOL_AAMI
from diagnosis.ml.predict import Classifier, decide, rule_probs

N_FOLDS = 4
#: Sensitivity the APC threshold must keep (the S goal), and the least PPV worth keeping it
#: for: below it, too many normal beats would be called premature, and the threshold with
#: the best S F1 is used instead (both fixed before any CV result was seen).
S_SE_FLOOR = 0.85
S_PPV_FLOOR = 0.5
APC_GRID: tuple[float, ...] = tuple(float(round(x, 2)) for x in np.arange(0.05, 0.96, 0.05))
#: Per-beat arrays kept from :func:`record_outputs` for choosing the decision.
POOLED: tuple[str, ...] = ("probs", "context", "af", "noise", "truth", "cluster")
#: Adaptation strengths judged in CV (0 = off).
ADAPT_GRID: tuple[float, ...] = (0.0, 0.5, 1.0)
#: How a beat the network finds paced is labelled, judged in CV on accuracy: (name,
#: allow_pab, pab_to_nor); the first of equals wins.
PACED_OPTIONS: tuple[tuple[str, bool, bool], ...] = (
    ("allowed", True, False),
    ("never (next class)", False, False),
    ("never (as NOR)", False, True),
)
#: The V veto candidate judged in CV (QRS correlation with the record's median beat above
#: 0.95, not more than 10 % early).
V_VETO_CANDIDATE: dict[str, float] = {"qrs_corr_min": 0.95, "pre_ratio_min": -0.1}


def folds(data_dir: Path, cache_dir: Path | None, n: int = N_FOLDS) -> list[list[str]]:
    """DS1 records in ``n`` folds (see :func:`deal_folds`), from their reference beats."""
    counts = {}
    for r in ds.DS1:
        b = ds.record_beats(data_dir, r, cache_dir)
        a = np.array([SYMBOL_AAMI.get(str(s), "") for s in b.ref_symbol])
        counts[r] = (int((a == "S").sum()), int((a == "V").sum()))
    return deal_folds(counts, n)


def deal_folds(counts: dict[str, tuple[int, int]], n: int) -> list[list[str]]:
    """Records sorted by (S, V) beat counts and dealt in a snake order, so every fold holds
    some of each; each record in exactly one fold (deterministic)."""
    order = sorted(counts, key=lambda r: (*counts[r], r), reverse=True)
    out: list[list[str]] = [[] for _ in range(n)]
    for i, r in enumerate(order):
        lap, pos = divmod(i, n)
        out[pos if lap % 2 == 0 else n - 1 - pos].append(r)
    return [sorted(f) for f in out]


def training_records(folds_: list[list[str]], k: int, extra: tuple[str, ...]) -> list[str]:
    """Records fold ``k``'s model trains on: every other fold's, plus ``extra`` (records in
    neither DS1 nor DS2, e.g. the paced ones)."""
    held = set(folds_[k])
    return [r for i, f in enumerate(folds_) if i != k for r in f if r not in held] + [
        r for r in extra if r not in held
    ]


def record_outputs(clf: Classifier, data_dir: Path, record: str) -> dict[str, Any]:
    """The engine's view of one annotated record, for scoring under any decision rule."""
    import wfdb

    x, fs, _ = ds.read_mitdb_lead(data_dir, record)
    a = clf.analyse(x, fs)
    ann = wfdb.rdann(str(data_dir / record), "atr")
    syms = np.asarray(ann.symbol)
    keep = np.isin(syms, list(SYMBOL_AAMI))
    ref = np.round(np.asarray(ann.sample)[keep] * (sig.FS / fs)).astype(np.int64)
    m = ds.match_beats(a.front.peaks, ref, round(ds.MATCH_TOL_S * sig.FS))
    symbol = np.array([str(syms[keep][j]) if j >= 0 else "" for j in m], dtype="<U1")
    truth = np.array([SYMBOL_AAMI[s] if s else "" for s in symbol], dtype="<U1")
    return {
        "record": record,
        "probs": a.raw_probs,
        "context": a.front.context,
        "af": a.rhythm.beat_rhythm == "AFIB",
        "noise": a.rhythm.noise_beats.astype(bool),
        "truth": truth,
        "symbol": symbol,
        "n_ref": len(ref),
        "labels": np.array(
            [
                "" if noise else lab
                for lab, noise in zip(a.labels, a.rhythm.noise_beats, strict=True)
            ],
            dtype="<U3",
        ),
        "conf": a.conf,
        "cluster": adapt.clusters(a.front.windows),
    }


def pack(parts: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Concatenate record outputs into arrays for ``np.savez``."""
    rec = np.concatenate([np.full(len(p["truth"]), p["record"]) for p in parts])
    out = {k: np.concatenate([p[k] for p in parts]) for k in POOLED}
    out["record"] = rec
    out["n_ref"] = np.array([p["n_ref"] for p in parts])
    out["n_ref_record"] = np.array([p["record"] for p in parts])
    return out


def load_folds(out: Path, n: int) -> dict[str, np.ndarray]:
    """Pooled out-of-fold arrays of the saved folds."""
    zs = [np.load(out / f"fold-{k}.npz") for k in range(n)]
    return {k: np.concatenate([z[k] for z in zs]) for k in (*POOLED, "record")}


def per_record_confusions(
    pooled: dict[str, np.ndarray], decision: dict[str, Any]
) -> dict[str, np.ndarray]:
    """AAMI confusion of every record under ``decision`` (V veto, adaptation, APC threshold,
    AF gate), applied in the engine's order."""
    out = {}
    for r in sorted(set(pooled["record"].tolist())):
        idx = np.nonzero(pooled["record"] == r)[0]
        probs = rule_probs(
            pooled["probs"][idx], pooled["context"][idx], pooled["cluster"][idx], decision
        )
        labels = scoring.gated_labels(
            decide(probs, decision), pooled["af"][idx], pooled["noise"][idx]
        )
        out[r] = scoring.aami_confusion(pooled["truth"][idx], labels)
    return out


def choose(pooled: dict[str, np.ndarray]) -> dict[str, Any]:
    """Choose, in this order and from out-of-fold outputs only: whether PAB may be called (on
    accuracy), the V veto (on V F1), the adaptation strength (on V F1, then accuracy), and the
    APC threshold (highest S PPV with S Se >= ``S_SE_FLOOR`` if that PPV reaches
    ``S_PPV_FLOOR``, else the best S F1)."""

    def total(decision: dict[str, Any]) -> dict[str, Any]:
        confusions = per_record_confusions(pooled, decision)
        return scoring.summary(scoring.total(list(confusions.values())))

    def brief(s: dict[str, Any]) -> dict[str, Any]:
        pc = s["per_class"]
        return {
            "accuracy": s["accuracy"],
            **{f"{c}_{m}": pc[c][m] for c in ("N", "S", "V") for m in ("se", "ppv", "f1")},
        }

    base: dict[str, Any] = {"apc_min": 0.5, "v_veto": None, "adapt_alpha": 0.0, "allow_pab": True}
    # Paced beats: DS1 has none, so CV can only count false paced calls, not missed ones.
    paced_options = {
        name: {"allow_pab": allow, "pab_to_nor": to_nor} for name, allow, to_nor in PACED_OPTIONS
    }
    paced = {name: brief(total({**base, **opt})) for name, opt in paced_options.items()}
    base.update(paced_options[max(paced, key=lambda name: paced[name]["accuracy"] or 0)])
    veto = {
        name: brief(total({**base, "v_veto": rule}))
        for name, rule in (("without", None), ("with", V_VETO_CANDIDATE))
    }
    better = (veto["with"]["V_f1"] or 0) > (veto["without"]["V_f1"] or 0)
    base["v_veto"] = V_VETO_CANDIDATE if better else None
    adapt_rows = {a: brief(total({**base, "adapt_alpha": a})) for a in ADAPT_GRID}
    base["adapt_alpha"] = max(
        ADAPT_GRID, key=lambda a: (round(adapt_rows[a]["V_f1"] or 0, 3), adapt_rows[a]["accuracy"])
    )
    sweep = []
    for t in APC_GRID:
        s = total({**base, "apc_min": t})["per_class"]["S"]
        sweep.append({"apc_min": t, "se": s["se"], "ppv": s["ppv"], "f1": s["f1"]})
    ok = [row for row in sweep if (row["se"] or 0) >= S_SE_FLOOR]
    best = max(ok, key=lambda row: row["ppv"] or 0) if ok else None
    if best is not None and (best["ppv"] or 0) >= S_PPV_FLOOR:
        how = f"highest CV S PPV with CV S Se >= {S_SE_FLOOR}"
    else:
        best = max(sweep, key=lambda row: row["f1"] or 0)
        how = f"no threshold keeps CV S Se >= {S_SE_FLOOR} with PPV >= {S_PPV_FLOOR}: best CV S F1"
    chosen = {**base, "apc_min": best["apc_min"], "source": f"benchmarks/beat_cv.py: {how}"}
    per_record = per_record_confusions(pooled, chosen)
    return {
        "protocol": f"{N_FOLDS}-fold cross-validation grouped by record inside DS1; full engine "
        "path on held-out records (AF gate, quality marks); DS2 not read",
        "paced": paced,
        "v_veto": veto,
        "adaptation": {str(a): row for a, row in adapt_rows.items()},
        "apc_sweep": sweep,
        "chosen": chosen,
        "cv": scoring.summary(scoring.total(list(per_record.values()))),
        "ci95": scoring.bootstrap_ci(list(per_record.values())),
        "per_record": {r: per_record_row(cm) for r, cm in per_record.items()},
    }


def paced_name(decision: dict[str, Any]) -> str:
    """The :data:`PACED_OPTIONS` name of a decision."""
    key = (decision.get("allow_pab", True) is not False, bool(decision.get("pab_to_nor")))
    return next(name for name, allow, to_nor in PACED_OPTIONS if (allow, to_nor) == key)


def per_record_row(cm: np.ndarray) -> dict[str, int]:
    """S and V errors of one record's AAMI confusion."""
    s, v = 1, 2
    return {
        "S": int(cm[s].sum()),
        "S_found": int(cm[s, s]),
        "S_false": int(cm[:, s].sum() - cm[s, s]),
        "V": int(cm[v].sum()),
        "V_found": int(cm[v, v]),
        "V_false": int(cm[:, v].sum() - cm[v, v]),
        "beats": int(cm.sum()),
    }


def _f(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def markdown(res: dict[str, Any]) -> str:
    """The "beat-cv" section of RESULTS.md."""
    pc = res["cv"]["per_class"]
    ci = res["ci95"]
    c = res["chosen"]
    lines = [
        "## Beat classifier: cross-validation inside DS1 (where every choice is made)",
        "",
        f"{res['protocol']}. Folds: " + "; ".join(" ".join(f) for f in res["folds"]) + ".",
        "",
        f"Chosen decision: paced label {paced_name(c)}; "
        f"V veto {'on' if c['v_veto'] else 'off'}; adaptation alpha "
        f"{c['adapt_alpha']}; APC when p(APC) >= {c['apc_min']} ({c['source']}).",
        "",
        f"Pooled out-of-fold result: accuracy {_f(res['cv']['accuracy'])} "
        f"[{ci['accuracy'][0]:.3f}, {ci['accuracy'][1]:.3f}]",
        "",
        "| AAMI class | n | Se [95 % CI by record] | PPV [95 % CI] | F1 |",
        "|---|---|---|---|---|",
    ]
    for k in ("N", "S", "V", "F"):
        m = pc[k]
        se_ci = ci.get(f"{k}_se")
        ppv_ci = ci.get(f"{k}_ppv")
        lines.append(
            f"| {k} | {m['n']} | {_f(m['se'])}"
            + (f" [{se_ci[0]:.3f}, {se_ci[1]:.3f}]" if se_ci else "")
            + f" | {_f(m['ppv'])}"
            + (f" [{ppv_ci[0]:.3f}, {ppv_ci[1]:.3f}]" if ppv_ci else "")
            + f" | {_f(m['f1'])} |"
        )
    v = res["v_veto"]
    lines += [
        "",
        "Choices, in order (APC threshold 0.5 until it is chosen last):",
        "",
        "| option | accuracy | N Se | S Se | S PPV | V Se | V PPV | V F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [(f"paced (PAB) label {k}", row) for k, row in res.get("paced", {}).items()]
    rows += [(f"V veto {k}", row) for k, row in v.items()] + [
        (f"adaptation alpha {a}", row) for a, row in res["adaptation"].items()
    ]
    for name, row in rows:
        lines.append(
            f"| {name} | {_f(row['accuracy'])} | {_f(row['N_se'])} | {_f(row['S_se'])} "
            f"| {_f(row['S_ppv'])} | {_f(row['V_se'])} | {_f(row['V_ppv'])} | {_f(row['V_f1'])} |"
        )
    lines += [
        "",
        "APC threshold sweep (CV, S): "
        + ", ".join(
            f"{r['apc_min']:.2f}: {_f(r['se'])}/{_f(r['ppv'])}" for r in res["apc_sweep"][::2]
        )
        + " (Se/PPV).",
        "",
        "| record | S | S found | false S | V | V found | false V |",
        "|---|---|---|---|---|---|---|",
    ]
    for r, row in res["per_record"].items():
        lines.append(
            f"| {r} | {row['S']} | {row['S_found']} | {row['S_false']} | {row['V']} "
            f"| {row['V_found']} | {row['V_false']} |"
        )
    lines += ["", "Reproduce: `python benchmarks/beat_cv.py` (about 35 min on 2 cores).", ""]
    return "\n".join(lines)
