"""Which RR features find supraventricular beats of people never seen? A fast check, DS1 only.

Leave-one-record-out inside DS1 with a linear model (logistic regression, class-balanced) on
the record-context features alone, S beats against the rest, scored outside the reference
atrial fibrillation/flutter episodes (where the engine's AF gate decides instead). Compared:
the first engine's features (absolute seconds, a centred local mean that includes the beat,
the record's median RR) and the current ones (ratios to the previous beats, a sinus reference
and a 5-minute mean; ``signal.CONTEXT_FEATURES``). Both sets carry the same two template
correlations. DS2 is not read. Needs scikit-learn (requirements-dev.txt) and the database.

    python benchmarks/rr_features_cv.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnosis.ml import dataset as ds  # noqa: E402
from diagnosis.ml import signal as sig  # noqa: E402
from diagnosis.ml.classes import SYMBOL_AAMI  # noqa: E402
from diagnosis.ml.evaluate import update_section  # noqa: E402


def first_engine_rr(peaks: np.ndarray) -> np.ndarray:
    """The RR part of ecg-cnn-1.0.0's context (seconds, centred mean, record median)."""
    from scipy.ndimage import uniform_filter1d

    rr = np.diff(peaks) / sig.FS
    pre = np.concatenate(([rr[0]], rr))
    post = np.concatenate((rr, [rr[-1]]))
    local = uniform_filter1d(pre, size=min(11, len(pre)), mode="nearest")
    rec = np.median(rr)
    return np.stack(
        [pre, post, local, pre / local - 1, post / local - 1, pre / post - 1, local / rec - 1], 1
    )


def in_af(data_dir: Path, record: str, peaks: np.ndarray) -> np.ndarray:
    import wfdb

    ann = wfdb.rdann(str(data_dir / record), "atr")
    marks = [
        (int(s), n.strip("\x00"))
        for s, n in zip(ann.sample, ann.aux_note, strict=True)
        if n.startswith("(")
    ]
    out = np.zeros(len(peaks), bool)
    for k, (s0, note) in enumerate(marks):
        s1 = marks[k + 1][0] if k + 1 < len(marks) else 1 << 40
        if note in ("(AFIB", "(AFL"):
            out |= (peaks >= s0) & (peaks < s1)
    return out


def operating_points(p: np.ndarray, s: np.ndarray) -> dict[str, Any]:
    grid = np.linspace(0.01, 0.99, 99)
    rows = []
    for t in grid:
        pred = p >= t
        tp = int((pred & s).sum())
        se, ppv = tp / max(1, s.sum()), tp / max(1, pred.sum())
        rows.append((float(t), se, ppv, 2 * se * ppv / max(1e-9, se + ppv)))
    best = max(rows, key=lambda r: r[3])
    keep = [r for r in rows if r[1] >= 0.85]
    at85 = max(keep, key=lambda r: r[2]) if keep else None
    return {
        "best_f1": {"se": best[1], "ppv": best[2], "f1": best[3]},
        "ppv_at_se_0.85": at85[2] if at85 else None,
    }


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = ds.default_data_dir()
    try:
        ds.check_data_dir(data, ds.DS1)
    except ds.DataMissingError as exc:
        print(f"rr_features_cv: skipped, {exc}")
        return 0
    cache = ROOT / "var" / "cache" / "beats"
    sets: dict[str, list[np.ndarray]] = {"first engine": [], "current": []}
    ys, groups, af = [], [], []
    for r in ds.DS1:
        b = ds.record_beats(data, r, cache)
        aami = np.array([SYMBOL_AAMI.get(str(s), "") for s in b.symbol])
        keep = np.isin(aami, ["N", "S", "V"])
        sets["first engine"].append(
            np.concatenate([first_engine_rr(b.peaks), b.context[:, 8:10]], 1)[keep]
        )
        sets["current"].append(b.context[keep])
        ys.append(aami[keep] == "S")
        groups.append(np.full(int(keep.sum()), r))
        af.append(in_af(data, r, b.peaks)[keep])
    y, g, outside = np.concatenate(ys), np.concatenate(groups), ~np.concatenate(af)
    res: dict[str, Any] = {"beats": int(outside.sum()), "S": int(y[outside].sum())}
    for name, parts in sets.items():
        x = np.concatenate(parts)
        p = np.zeros(len(y))
        for r in ds.DS1:
            te = g == r
            m = make_pipeline(
                StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000)
            )
            m.fit(x[~te], y[~te])
            p[te] = m.predict_proba(x[te])[:, 1]
        res[name] = operating_points(p[outside], y[outside])
    (ROOT / "benchmarks" / "rr_features_cv.json").write_text(json.dumps(res, indent=2) + "\n")
    lines = [
        "## Beat classifier: RR features, a linear check inside DS1",
        "",
        f"Leave-one-record-out over DS1, logistic regression on the context features only, S "
        f"against the rest, {res['beats']} beats ({res['S']} S) outside reference AF/flutter.",
        "",
        "| features | best S F1 (Se / PPV) | S PPV at Se >= 0.85 |",
        "|---|---|---|",
    ]
    for name in sets:
        b, at = res[name]["best_f1"], res[name]["ppv_at_se_0.85"]
        lines.append(
            f"| {name} | {b['f1']:.3f} ({b['se']:.3f} / {b['ppv']:.3f}) "
            f"| {'-' if at is None else f'{at:.3f}'} |"
        )
    lines += [
        "",
        "Timing alone does not separate S beats well in DS1 (few S beats, two AF records). The "
        "current ratios give a higher PPV at the operating point the goal asks for (Se >= 0.85) "
        "and a similar best F1, with no absolute seconds, which is what lets a premature beat "
        "look the same in a slow and a fast heart (record 232, in DS2, is the case the first "
        "features failed). The CNN adds the beat's shape (the P wave) to them.",
        "",
        "Reproduce: `python benchmarks/rr_features_cv.py` (under a minute).",
        "",
    ]
    update_section(ROOT / "benchmarks" / "RESULTS.md", "rr-features", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
