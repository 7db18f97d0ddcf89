"""Grouped cross-validation of the record model inside DS1: the only place choices are made.

DS1's 22 records are split into 4 folds by record (no record's beats on both sides; folds
balanced by their supraventricular and ventricular beat counts). For each fold the record
model is trained with the shipped recipe on the other folds (plus the paced beats of 107 and
217, which are in neither DS1 nor DS2), and the full engine path (front end, quality, record
model, rhythm, AF gate) runs on the held-out records. From the pooled out-of-fold
probabilities the decision rule is chosen: the APC threshold (highest S PPV that keeps S
Se >= 0.85) and whether the V veto helps. DS2 is never read here.

    python benchmarks/beat_cv.py              # train the folds (resumable) and choose
    python benchmarks/beat_cv.py --choose     # only re-run the choice on saved folds

Writes var/cv/<tag>/fold-*.npz, benchmarks/beat_cv.json and the "beat-cv" RESULTS.md section.
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

from diagnosis.ml import (  # noqa: E402
    artifacts,
    cv,
    train,
)
from diagnosis.ml import dataset as ds  # noqa: E402
from diagnosis.ml.evaluate import update_section  # noqa: E402


def run_fold(
    k: int, folds: list[list[str]], data_dir: Path, cache: Path, out: Path, paced: bool = True
) -> None:
    """Train fold ``k``'s record model and save the engine's output on its held-out records
    (``paced``: with the paced beats of 107 and 217, as the shipped recipe)."""
    from diagnosis.ml.model import export_tflite
    from diagnosis.ml.predict import Classifier

    held = folds[k]
    extra = train.PAB_RECORDS if paced else ()
    beats = train.base_beats(data_dir, cv.training_records(folds, k, extra), cache)
    t0 = time.perf_counter()

    def progress(event: dict[str, Any]) -> None:
        if event["phase"] == "epoch_end":
            print(
                f"fold {k}: epoch {event['epoch']}/{event['epochs']} loss {event['loss']:.4f}",
                flush=True,
            )

    model, hist = train.fit(beats, with_context=True, recipe=train.RECIPE, progress=progress)
    print(
        f"fold {k}: trained on {len(beats.y)} beats in {time.perf_counter() - t0:.0f} s", flush=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / f"cv-fold-{k}"
        d.mkdir()
        export_tflite(model, d / train.RECORD_FILE)
        meta = train.base_metadata(d.name)
        meta["serving_files"] = {"record": train.RECORD_FILE}
        meta["files"] = artifacts.file_entries(d, [train.RECORD_FILE])
        meta["decision"] = {"apc_min": 0.5, "v_veto": None}
        artifacts.write_metadata(d, meta)
        clf = Classifier.load(d, threads=2)
        parts = [cv.record_outputs(clf, data_dir, r) for r in held]
    arrays: dict[str, Any] = {**cv.pack(parts), "history": np.array(json.dumps(hist))}
    np.savez_compressed(out / f"fold-{k}.npz", **arrays)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data", help="MIT-BIH directory (default $ECG_MITDB_DIR or ../shared/data/mitdb)"
    )
    p.add_argument("--cache", default=str(ROOT / "var" / "cache" / "beats"))
    p.add_argument("--tag", default="record-v2")
    p.add_argument("--choose", action="store_true", help="only choose from saved folds")
    p.add_argument(
        "--no-paced",
        action="store_true",
        help="experiment: train without any paced beats (no PAB class); writes only under var/",
    )
    args = p.parse_args(argv)
    data_dir = Path(args.data) if args.data else ds.default_data_dir()
    try:
        ds.check_data_dir(data_dir, ds.DS1 + train.PAB_RECORDS)
    except ds.DataMissingError as exc:
        print(f"beat_cv: skipped, {exc}")
        return 0
    out = ROOT / "var" / "cv" / args.tag
    out.mkdir(parents=True, exist_ok=True)
    folds = cv.folds(data_dir, Path(args.cache))
    if not args.choose:
        for k in range(len(folds)):
            if not (out / f"fold-{k}.npz").exists():
                run_fold(k, folds, data_dir, Path(args.cache), out, paced=not args.no_paced)
    pooled = cv.load_folds(out, len(folds))
    result = cv.choose(pooled)
    result["folds"] = folds
    result["tag"] = args.tag
    if args.no_paced:
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
        print(cv.markdown(result))
        return 0
    (ROOT / "benchmarks" / "beat_cv.json").write_text(json.dumps(result, indent=2) + "\n")
    update_section(ROOT / "benchmarks" / "RESULTS.md", "beat-cv", cv.markdown(result))
    print(json.dumps(result["chosen"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
