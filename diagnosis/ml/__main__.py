"""CLI: ``python -m diagnosis.ml classify|train|evaluate``.

``classify`` prints the contract JSON (ARCHITECTURE.md); bad input exits 2 with one line on
stderr and nothing on stdout. ``train`` and ``evaluate`` need the MIT-BIH database (exit 2
with a clear message when it is missing). Heavy imports stay inside the commands so
``classify`` starts fast (no TensorFlow).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from diagnosis.ml.errors import InputError


def _classify(args: argparse.Namespace) -> int:
    from diagnosis.ml.artifacts import ModelIntegrityError
    from diagnosis.ml.pipeline import classify_input, read_input
    from diagnosis.ml.predict import Classifier

    try:
        # Read the input first: bad input is reported without paying for the model load.
        data = read_input(
            args.path,
            lead=args.lead,
            fs=args.fs,
            speed=args.speed,
            gain=args.gain,
            page=args.page - 1 if args.page else None,
        )
        try:
            clf = Classifier.load(args.model)
        except (ModelIntegrityError, FileNotFoundError) as exc:
            print(f"error: cannot load the model: {exc}", file=sys.stderr)
            return 1
        result = classify_input(clf, data)
    except InputError as exc:
        print(
            str(exc).splitlines()[0] if str(exc) else "The input could not be read.",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        _print_human(result)
    return 0


def _print_human(result: dict[str, Any]) -> None:
    if result["input"] == "beat_image":
        flag = " (uncertain)" if result["uncertain"] else ""
        print(
            f"{result['label']} (AAMI {result['aami']}), "
            f"confidence {result['confidence']:.2f}{flag}"
        )
        return
    s = result["summary"]
    rhythm = result.get("rhythm") or {}
    if rhythm:
        print(f"verdict: {rhythm['verdict']} - {rhythm['reason']}")
    for warning in result.get("warnings") or []:
        print(f"warning: {warning}")
    print(
        f"{s['n_beats']} beats, lead {result['lead']}, {s['duration_s']} s, "
        f"mean HR {s['mean_heart_rate_bpm']} bpm"
    )
    for c, n in s["counts"].items():
        if n:
            print(f"  {c}: {n} ({s['burden'][c]:.1%})")
    print(f"  uncertain: {s['uncertain']}")


def _data_dir(args: argparse.Namespace) -> Path:
    from diagnosis.ml import dataset as ds

    return Path(args.data) if args.data else ds.default_data_dir()


def _train(args: argparse.Namespace) -> int:
    from diagnosis.ml import dataset as ds

    data_dir = _data_dir(args)
    try:
        ds.check_data_dir(data_dir, ds.DS1 + ds.PACED)
    except ds.DataMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from diagnosis.ml import artifacts, train

    out = Path(args.out) if args.out else artifacts.repo_root() / "models" / args.version
    if out.exists() and any(out.iterdir()) and not args.force:
        print(f"error: {out} exists; pass --force to overwrite", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    recipe = replace(train.RECIPE, epochs=args.epochs or train.RECIPE.epochs, seed=args.seed)

    def progress(event: dict[str, Any]) -> None:
        if event.get("phase") == "epoch_end":
            print(
                f"{event['model']} model: epoch {event['epoch']}/{event['epochs']} "
                f"loss {event['loss']:.4f} accuracy {event['accuracy']:.4f}",
                flush=True,
            )

    meta = train.train_shipped(
        out,
        data_dir=data_dir,
        cache_dir=Path(args.cache) if args.cache else None,
        recipe=recipe,
        progress=progress,
    )
    print(f"wrote {out} ({', '.join(meta['files'])}) in {time.perf_counter() - t0:.0f} s")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from diagnosis.ml import dataset as ds

    data_dir = _data_dir(args)
    try:
        ds.check_data_dir(data_dir, ds.DS2 if not args.intra else ds.ALL_RECORDS)
    except ds.DataMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from diagnosis.ml import artifacts, evaluate

    out = Path(args.out) if args.out else artifacts.repo_root() / "benchmarks"
    res = evaluate.run(
        model_dir=args.model,
        data_dir=data_dir,
        out_dir=out,
        intra=args.intra,
        cache_dir=Path(args.cache) if args.cache else None,
        log=lambda s: print(s, flush=True),
    )
    inter = res["inter_patient"]
    pc = inter["aami"]["per_class"]
    print(
        f"DS2 accuracy {inter['aami']['accuracy']:.4f}  "
        f"S Se {pc['S']['se']:.4f} PPV {pc['S']['ppv'] or 0:.4f}  "
        f"V Se {pc['V']['se']:.4f} PPV {pc['V']['ppv'] or 0:.4f}  "
        f"detection Se {inter['detection']['se']:.4f}"
        f" PPV {inter['detection']['ppv']:.4f}"
    )
    if res.get("intra_patient"):
        print(
            f"intra-patient accuracy {res['intra_patient']['accuracy']:.4f} "
            f"({res['intra_patient']['model']})"
        )
    print(f"wrote {out / 'engine_eval.json'}, {out / 'RESULTS.md'}, {out / 'engine_confusion.png'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m diagnosis.ml", description="ECG beat classification engine"
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser(
        "classify", help="classify a record, a single-beat image or a picture/PDF of a strip"
    )
    c.add_argument("path")
    c.add_argument(
        "--model",
        help="model version directory, or a folder of versions (default: the DEFAULT version "
        "of $ECG_MODELS_DIR or models/)",
    )
    c.add_argument("--lead", help="lead name (default: MLII when present, else the first)")
    c.add_argument("--fs", type=float, help="sampling rate in Hz, for files that do not state it")
    c.add_argument(
        "--speed",
        type=float,
        help="strip pictures: paper speed in mm/s (default: as printed, else 25)",
    )
    c.add_argument(
        "--gain",
        type=float,
        help="strip pictures: gain in mm/mV (default: the calibration pulse's, else 10)",
    )
    c.add_argument("--page", type=int, help="PDF: the page to read (1 = first; default: best)")
    c.add_argument("--json", action="store_true", help="print the contract JSON")
    c.set_defaults(func=_classify)
    for name, fn, helptext in (
        ("train", _train, "train a model version (record and beat models) on DS1 (+paced beats)"),
        ("evaluate", _evaluate, "DS2 inter-patient (and optionally intra-patient) benchmark"),
    ):
        s = sub.add_parser(name, help=helptext)
        s.add_argument(
            "--data", help="MIT-BIH directory (default: $ECG_MITDB_DIR or ../shared/data/mitdb)"
        )
        s.add_argument(
            "--cache", default="var/cache/beats", help="beat cache directory ('' to disable)"
        )
        s.add_argument("--out", help="output directory")
        s.set_defaults(func=fn)
        if name == "train":
            s.add_argument("--version", default="ecg-cnn-2.0.0")
            s.add_argument(
                "--epochs", type=int, help="epochs per model (default: the shipped recipe's)"
            )
            s.add_argument("--seed", type=int, default=0)
            s.add_argument("--force", action="store_true")
        else:
            s.add_argument("--model", help="model version directory")
            s.add_argument(
                "--intra", action="store_true", help="also train+score the intra-patient model"
            )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
