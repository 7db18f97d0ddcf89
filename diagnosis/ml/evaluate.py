"""Benchmarks: inter-patient DS2 (headline) and intra-patient random split, written to benchmarks/.

Inter-patient: the shipped model runs the full engine path on each DS2 record (filter, own
R-peak detector, windows, context, LiteRT); detections are matched to the reference beats
within 150 ms (EC57 style) and scored per AAMI class. Needs wfdb and the MIT-BIH database.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml import dataset as ds
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import AAMI_CLASSES, CLASS_AAMI, CLASSES, SYMBOL_AAMI, SYMBOL_CLASS_STRICT
from diagnosis.ml.predict import Classifier

#: Prediction columns of the AAMI confusion matrix: VFW has no AAMI class ("-").
AAMI_PRED: tuple[str, ...] = (*AAMI_CLASSES, "-")
GOALS = {
    "accuracy": 0.985,
    "S_se": 0.85,
    "S_ppv": 0.85,
    "V_se": 0.95,
    "V_ppv": 0.95,
    "detection": 0.995,
}


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


def evaluate_inter(
    clf: Classifier, data_dir: Path, records: tuple[str, ...] = ds.DS2
) -> dict[str, Any]:
    """Score the classifier on ``records`` with the engine's own detection (see module doc)."""
    ds.check_data_dir(data_dir, records)
    import wfdb

    tol = round(ds.MATCH_TOL_S * sig.FS)
    cm_aami = np.zeros((len(AAMI_CLASSES), len(AAMI_PRED)), dtype=np.int64)
    cm8 = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    n_ref = n_det = n_tp = 0
    n_unc = n_unc_correct = n_cert_correct = 0
    per_record: dict[str, Any] = {}
    t_engine = 0.0
    for r in records:
        x, fs, lead = ds.read_mitdb_lead(data_dir, r)
        t0 = time.perf_counter()
        peaks, windows, ctx = sig.process(x, fs)
        probs = clf.classify_windows(windows, ctx)
        t_engine += time.perf_counter() - t0
        ann = wfdb.rdann(str(data_dir / r), "atr")
        syms = np.asarray(ann.symbol)
        keep = np.isin(syms, list(SYMBOL_AAMI))
        ref = np.round(np.asarray(ann.sample)[keep] * (sig.FS / fs)).astype(np.int64)
        rsym = syms[keep]
        m = ds.match_beats(peaks, ref, tol)
        hit = m >= 0
        n_ref += len(ref)
        n_det += len(peaks)
        n_tp += int(hit.sum())
        pred = probs.argmax(1)
        conf = probs.max(1)
        unc = conf < clf.threshold
        correct_rec = 0
        for di in np.nonzero(hit)[0]:
            s = rsym[m[di]]
            ti = AAMI_CLASSES.index(SYMBOL_AAMI[s])
            pa = CLASS_AAMI[CLASSES[pred[di]]] or "-"
            pj = AAMI_PRED.index(pa)
            cm_aami[ti, pj] += 1
            ok = ti == pj
            correct_rec += ok
            if unc[di]:
                n_unc += 1
                n_unc_correct += ok
            else:
                n_cert_correct += ok
            if s in SYMBOL_CLASS_STRICT:
                cm8[CLASSES.index(SYMBOL_CLASS_STRICT[s]), pred[di]] += 1
        per_record[r] = {
            "lead": lead,
            "ref_beats": len(ref),
            "detected": len(peaks),
            "matched": int(hit.sum()),
            "aami_accuracy": round(correct_rec / max(1, int(hit.sum())), 4),
        }
    matched = int(cm_aami.sum())
    return {
        "protocol": "inter-patient: model trained on DS1 (+paced beats), tested on DS2 records "
        f"{' '.join(records)}; engine's own detection; "
        f"match tolerance {ds.MATCH_TOL_S * 1000:.0f} ms",
        "model": clf.version,
        "detection": {
            "reference_beats": n_ref,
            "detected": n_det,
            "matched": n_tp,
            "se": n_tp / n_ref,
            "ppv": n_tp / n_det,
        },
        "aami": {
            "labels_true": list(AAMI_CLASSES),
            "labels_pred": list(AAMI_PRED),
            "confusion": cm_aami.tolist(),
            "accuracy": float(np.trace(cm_aami[:, : len(AAMI_CLASSES)]) / matched),
            "per_class": class_metrics(cm_aami, AAMI_CLASSES),
        },
        "classes8": {
            "note": "matched beats whose reference symbol is one of N L R A V / E !",
            "confusion": cm8.tolist(),
            "accuracy": float(np.trace(cm8) / max(1, cm8.sum())),
            "per_class": class_metrics(cm8, CLASSES),
        },
        "uncertain": {
            "threshold": clf.threshold,
            "fraction": n_unc / matched,
            "aami_accuracy_uncertain": n_unc_correct / n_unc if n_unc else None,
            "aami_accuracy_certain": n_cert_correct / (matched - n_unc)
            if matched > n_unc
            else None,
        },
        "per_record": per_record,
        "engine_seconds_total": round(t_engine, 2),
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def markdown(res: dict[str, Any]) -> str:
    """The engine's RESULTS.md section."""
    lines = ["## ECG engine: accuracy", ""]
    inter = res.get("inter_patient")
    if inter:
        d = inter["detection"]
        a = inter["aami"]
        pc = a["per_class"]
        lines += [
            f"### Inter-patient (headline): DS2, model `{inter['model']}` (trained on DS1 only)",
            "",
            f"{inter['protocol']}.",
            "",
            f"- Beat detection: Se {d['se']:.4f}, PPV {d['ppv']:.4f} "
            f"({d['matched']} of {d['reference_beats']} reference beats; "
            f"{d['detected']} detections)",
            f"- AAMI accuracy over matched beats: **{a['accuracy']:.4f}**",
            f"- Uncertain (max probability < {inter['uncertain']['threshold']}): "
            f"{inter['uncertain']['fraction']:.2%} of beats; accuracy on the rest "
            f"{_fmt(inter['uncertain']['aami_accuracy_certain'])}",
            "",
            "| AAMI class | n | Se | PPV | Sp | F1 |",
            "|---|---|---|---|---|---|",
        ]
        for c in AAMI_CLASSES:
            m = pc[c]
            lines.append(
                f"| {c} | {m['n']} | {_fmt(m['se'])} | {_fmt(m['ppv'])} "
                f"| {_fmt(m['sp'])} | {_fmt(m['f1'])} |"
            )
        lines += [
            "",
            "Confusion (rows = reference, columns = predicted; `-` = VFW, no AAMI class):",
            "",
        ]
        lines.append("| | " + " | ".join(a["labels_pred"]) + " |")
        lines.append("|---" * (len(a["labels_pred"]) + 1) + "|")
        for c, row in zip(a["labels_true"], a["confusion"], strict=True):
            lines.append(f"| **{c}** | " + " | ".join(str(v) for v in row) + " |")
        g = GOALS
        lines += [
            "",
            "Goals vs result: "
            + ", ".join(
                f"{k} {v:.3f} -> {val:.4f} {'met' if val >= v else 'NOT met'}"
                for k, v, val in (
                    ("accuracy", g["accuracy"], a["accuracy"]),
                    ("S Se", g["S_se"], pc["S"]["se"] or 0.0),
                    ("S PPV", g["S_ppv"], pc["S"]["ppv"] or 0.0),
                    ("V Se", g["V_se"], pc["V"]["se"] or 0.0),
                    ("V PPV", g["V_ppv"], pc["V"]["ppv"] or 0.0),
                    ("detection Se", g["detection"], d["se"]),
                    ("detection PPV", g["detection"], d["ppv"]),
                )
            )
            + ".",
            "",
            "8-class view on DS2 (beats whose symbol is one of the 8 classes):",
            "",
            "| class | n | Se | PPV |",
            "|---|---|---|---|",
        ]
        for c in CLASSES:
            m = inter["classes8"]["per_class"][c]
            lines.append(f"| {c} | {m['n']} | {_fmt(m['se'])} | {_fmt(m['ppv'])} |")
        lines += ["", "![DS2 confusion](engine_confusion.png)", ""]
    intra = res.get("intra_patient")
    if intra:
        lines += [
            f"### Intra-patient (optimistic), separate model `{intra['model']}`",
            "",
            f"{intra['protocol']}. Accuracy **{intra['accuracy']:.4f}** "
            f"on {intra['n_test']} test beats "
            "(Jun et al. 2018 report 0.9905 under a similar random-beat protocol). This protocol "
            "is optimistic: beats of the same patients are in both train and test sets, so it "
            "measures memorising patients, not generalising to new ones; the DS2 numbers above "
            "are the honest ones.",
            "",
            "| class | n | Se | PPV |",
            "|---|---|---|---|",
        ]
        for c in CLASSES:
            m = intra["per_class"][c]
            lines.append(f"| {c} | {m['n']} | {_fmt(m['se'])} | {_fmt(m['ppv'])} |")
        lines.append("")
    lines += [
        "Reproduce: `python -m diagnosis.ml evaluate` "
        "(add `--intra` to retrain the intra-patient model).",
        "",
    ]
    return "\n".join(lines)


def update_section(path: Path, name: str, text: str) -> None:
    """Replace (or append) the ``<!-- name:begin -->``...``<!-- name:end -->`` section."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    new = pat.sub(lambda _m: block, old) if pat.search(old) else old.rstrip() + "\n\n" + block
    path.write_text(new)


def confusion_png(inter: dict[str, Any], path: Path) -> None:
    """Row-normalised DS2 AAMI confusion matrix with counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(inter["aami"]["confusion"], dtype=float)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=110)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(
                j,
                i,
                f"{int(cm[i, j])}",
                ha="center",
                va="center",
                color="white" if norm[i, j] > 0.5 else "black",
                fontsize=8,
            )
    ax.set_xticks(range(cm.shape[1]), inter["aami"]["labels_pred"])
    ax.set_yticks(range(cm.shape[0]), inter["aami"]["labels_true"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("reference")
    ax.set_title(f"DS2 inter-patient, {inter['model']}\naccuracy {inter['aami']['accuracy']:.4f}")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run(
    *,
    model_dir: str | Path | None,
    data_dir: Path,
    out_dir: Path,
    intra: bool,
    cache_dir: Path | None,
    log: Any = print,
) -> dict[str, Any]:
    """Evaluate, write ``engine_eval.json``, ``engine_confusion.png`` and the RESULTS.md section,
    and store the DS2 metrics in the model's metadata.json (which is not itself hashed)."""
    from diagnosis.ml import artifacts

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "engine_eval.json"
    prev = json.loads(json_path.read_text()) if json_path.exists() else {}
    clf = Classifier.load(model_dir)
    log(f"evaluating {clf.version} on DS2 ...")
    inter = evaluate_inter(clf, data_dir)
    res: dict[str, Any] = {"inter_patient": inter, "intra_patient": prev.get("intra_patient")}
    if intra:
        from diagnosis.ml import train

        log("training the intra-patient model (separate, not shipped) ...")
        meta = train.train_intra(
            cache_dir.parent / "intra-model" if cache_dir else out_dir / "intra-model",
            data_dir=data_dir,
            cache_dir=cache_dir,
            log=log,
        )
        cm = np.asarray(meta["metrics"]["intra_patient"]["confusion"])
        res["intra_patient"] = {
            "model": meta["version"],
            "protocol": meta["training"]["protocol"],
            "n_train": meta["training"]["n_train"],
            "n_test": meta["training"]["n_test"],
            "train_seconds": meta["training"]["total_seconds"],
            "accuracy": meta["metrics"]["intra_patient"]["accuracy"],
            "confusion": cm.tolist(),
            "per_class": class_metrics(cm, CLASSES),
        }
    json_path.write_text(json.dumps(res, indent=2) + "\n")
    confusion_png(inter, out_dir / "engine_confusion.png")
    update_section(out_dir / "RESULTS.md", "engine", markdown(res))
    meta = json.loads((clf.model_dir / artifacts.METADATA).read_text())
    meta["metrics"] = {
        "inter_patient_DS2": {
            "detection": inter["detection"],
            "aami_accuracy": inter["aami"]["accuracy"],
            "aami_per_class": inter["aami"]["per_class"],
            "classes8_per_class": inter["classes8"]["per_class"],
            "uncertain": inter["uncertain"],
        },
        "intra_patient_note": "intra-patient numbers come from a separate model; "
        "see benchmarks/RESULTS.md",
    }
    artifacts.write_metadata(clf.model_dir, meta)
    return res
