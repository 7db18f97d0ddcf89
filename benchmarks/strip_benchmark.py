"""Strip digitizer benchmark: draw MIT-BIH excerpts on ECG paper, degrade, digitize, compare.

Usage: ``python benchmarks/strip_benchmark.py [--data DIR] [--per-record N]``. Needs the
MIT-BIH database (default ``$ECG_MITDB_DIR`` or ../shared/data/mitdb; exit 2 when missing).
Writes ``benchmarks/strip_eval.json`` and the table between the strips markers of RESULTS.md.

(a) SNR (dB) and correlation of the digitized signal against the drawn MLII signal at 360 Hz,
after the best time shift (sub-sample, cubic interpolation) and mean removal; (b) AAMI beat
label accuracy against the reference annotations (beats matched within 150 ms), for the
digitized strip and for the plain signal pipeline on the same 10 s excerpts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnosis.ml import strip  # noqa: E402
from diagnosis.ml.classes import SYMBOL_AAMI  # noqa: E402
from tests.ml import strip_render  # noqa: E402

RECORDS = ["100", "103", "105", "119", "200", "208", "213", "221", "228", "233"]
CONDITIONS: dict[str, tuple[float, dict]] = {
    "clean 6 px/mm (150 dpi)": (6.0, {}),
    "clean 8 px/mm (200 dpi)": (8.0, {}),
    "clean 12 px/mm (300 dpi)": (12.0, {}),
    "rotated 3 deg": (8.0, {"rotate_deg": 3.0}),
    "blur 1.2 px + JPEG q40": (8.0, {"blur": 1.2, "jpeg_quality": 40}),
    "shadow 0.5": (8.0, {"shadow": 0.5}),
    "pen marks x6": (8.0, {"marks": 6}),
    "perspective 2%": (8.0, {"perspective": 0.02}),
    "photo: rot -2, blur, JPEG, shadow, marks": (
        8.0,
        {"rotate_deg": -2.0, "blur": 0.8, "jpeg_quality": 60, "shadow": 0.3, "marks": 3},
    ),
}


def agreement(
    result: dict, ref_t: np.ndarray, ref_aami: list[str], offset_s: float
) -> tuple[int, int]:
    """(correct, reference beats) with predictions matched within 150 ms."""
    fs = float(result["fs"])
    pred_t = np.array([b["sample"] / fs - offset_s for b in result["beats"]])
    correct = 0
    for t, a in zip(ref_t, ref_aami, strict=True):
        if pred_t.size:
            j = int(np.argmin(np.abs(pred_t - t)))
            if abs(pred_t[j] - t) <= 0.15 and result["beats"][j]["aami"] == a:
                correct += 1
    return correct, len(ref_t)


def main() -> int:
    import os

    import wfdb

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data",
        default=os.environ.get("ECG_MITDB_DIR", str(ROOT.parent / "shared" / "data" / "mitdb")),
    )
    p.add_argument("--per-record", type=int, default=2, help="10 s excerpts per record")
    args = p.parse_args()
    data = Path(args.data)
    if not all((data / f"{r}.hea").is_file() for r in RECORDS):
        print(
            f"error: the MIT-BIH database is missing under {data} (set --data or $ECG_MITDB_DIR)",
            file=sys.stderr,
        )
        return 2
    from diagnosis.ml.predict import Classifier

    clf = Classifier.load()
    rows: dict[str, dict[str, list[float]]] = {
        c: {"snr": [], "corr": [], "ok": [], "n": [], "sec": [], "fail": []} for c in CONDITIONS
    }
    base_ok = base_n = 0
    tmp = Path(tempfile.mkdtemp())
    for rec_name in RECORDS:
        rec = wfdb.rdrecord(str(data / rec_name), channels=[0])
        ann = wfdb.rdann(str(data / rec_name), "atr")
        x_all, fs = rec.p_signal[:, 0], float(rec.fs)
        for k in range(args.per_record):
            start = int((60 + 600 * k) * fs)
            x = x_all[start : start + int(10 * fs)]
            inside = (ann.sample >= start + 0.4 * fs) & (ann.sample < start + 9.6 * fs)
            keep = [i for i in np.flatnonzero(inside) if SYMBOL_AAMI.get(ann.symbol[i])]
            ref_t = (ann.sample[keep] - start) / fs
            ref_aami = [SYMBOL_AAMI[ann.symbol[i]] for i in keep]
            ok, n = agreement(clf.classify_signal(x, fs, "MLII"), ref_t, ref_aami, 0.0)
            base_ok, base_n = base_ok + ok, base_n + n
            for name, (ppmm, opts) in CONDITIONS.items():
                img, _ = strip_render.render_strip(x, fs, px_per_mm=ppmm, label="MLII")
                img = strip_render.degrade(img, seed=k, **opts)
                path = tmp / "strip.jpg"
                img.save(path, quality=92)
                t0 = time.perf_counter()
                try:
                    d = strip.digitize(path)
                except Exception:
                    rows[name]["fail"].append(1)
                    continue
                rows[name]["sec"].append(time.perf_counter() - t0)
                snr, corr, shift = strip_render.compare_signals(d.record.signal, d.record.fs, x, fs)
                # Digitized time t matches drawn time t - shift (the alignment of the SNR).
                result = clf.classify_signal(d.record.signal, d.record.fs, d.record.lead)
                ok, n = agreement(result, ref_t, ref_aami, shift)
                for key, v in (("snr", snr), ("corr", corr), ("ok", ok), ("n", n)):
                    rows[name][key].append(v)
        print(f"record {rec_name} done", flush=True)
    summary: dict[str, Any] = {
        "baseline_aami_accuracy": base_ok / max(1, base_n),
        "baseline_beats": base_n,
        "conditions": {},
    }
    lines = [
        "| condition | SNR dB (median) | SNR dB (mean) | correlation (median) "
        "| AAMI accuracy | failed | s/image |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        acc = sum(r["ok"]) / max(1, sum(r["n"]))
        summary["conditions"][name] = {
            "snr_db_median": float(np.median(r["snr"])) if r["snr"] else None,
            "snr_db_mean": float(np.mean(r["snr"])) if r["snr"] else None,
            "corr_median": float(np.median(r["corr"])) if r["corr"] else None,
            "aami_accuracy": acc,
            "failed": len(r["fail"]),
            "images": len(r["snr"]) + len(r["fail"]),
            "seconds_per_image": float(np.mean(r["sec"])) if r["sec"] else None,
        }
        s = summary["conditions"][name]
        lines.append(
            f"| {name} | {s['snr_db_median']:.1f} | {s['snr_db_mean']:.1f} "
            f"| {s['corr_median']:.3f} | "
            f"{acc:.3f} | {s['failed']}/{s['images']} | {s['seconds_per_image']:.2f} |"
        )
    lines.append(
        "| plain signal pipeline (same excerpts) | — | — | — "
        f"| {summary['baseline_aami_accuracy']:.3f} | — | — |"
    )
    (ROOT / "benchmarks" / "strip_eval.json").write_text(json.dumps(summary, indent=2) + "\n")
    table = "\n".join(lines)
    print(table)
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text()
    block = (
        "<!-- strips:begin -->\n## Strip pictures (digitizer)\n\n"
        f"`python benchmarks/strip_benchmark.py --per-record {args.per_record}`: records "
        f"{', '.join(RECORDS)}, {args.per_record} x 10 s MLII excerpt(s) each, drawn on pink "
        "ECG paper (25 mm/s, 10 mm/mV, calibration pulse, lead label) by "
        "`tests/ml/strip_render.py`, saved as JPEG q92, digitized by `diagnosis/ml/strip/`. "
        "SNR/correlation vs the drawn 360 Hz signal after the best sub-sample shift; AAMI "
        f"accuracy over {base_n} reference beats matched within 150 ms.\n\n{table}\n"
        "<!-- strips:end -->"
    )
    if "<!-- strips:begin -->" in text:
        a = text.index("<!-- strips:begin -->")
        b = text.index("<!-- strips:end -->") + len("<!-- strips:end -->")
        text = text[:a] + block + text[b:]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    results.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
