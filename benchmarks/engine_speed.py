"""Engine speed benchmark (not a test): engine_speed.json and a RESULTS.md section.

Run from the repo root: ``python benchmarks/engine_speed.py`` (needs ../shared/data/mitdb for
the full-record and detector numbers). Targets on the 2-core machine: one beat image <= 20 ms
once loaded; batched <= 1 ms/beat; a 30-min 2-lead 360 Hz record file -> labels <= 5 s;
process start -> first label <= 5 s.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnosis.ml import dataset as ds  # noqa: E402
from diagnosis.ml import render  # noqa: E402
from diagnosis.ml import signal as sig  # noqa: E402
from diagnosis.ml.evaluate import update_section  # noqa: E402
from diagnosis.ml.predict import Classifier  # noqa: E402


def _have_io() -> bool:
    try:
        import diagnosis.ml.image
        import diagnosis.ml.io  # noqa: F401
    except ImportError:
        return False
    return True


def _median_ms(fn: Any, n: int) -> float:
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts) * 1000)


def main() -> int:
    data = ds.default_data_dir()
    have_data = (data / "100.hea").exists()
    res: dict[str, object] = {
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs visible, "
        f"load average {os.getloadavg()[0]:.2f} at start (CPU shared with other work)",
    }
    t = time.perf_counter()
    clf = Classifier.load()
    res["model"] = clf.version
    res["model_load_s"] = round(time.perf_counter() - t, 3)

    # Windows from a real record when we have one, else synthetic beats.
    if have_data:
        x, fs, _ = ds.read_mitdb_lead(data, "100")
        _, windows, ctx = sig.process(x, fs)
    else:
        rng = np.random.default_rng(0)
        windows = rng.normal(size=(2048, sig.WIN)).astype(np.float32)
        ctx = np.zeros((2048, sig.N_CONTEXT), np.float32)

    # One beat image, once loaded: PNG -> curve -> label (curve-only when no image reader).
    one = windows[len(windows) // 2]
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "beat.png"
        from PIL import Image

        big = np.kron(render.to_png_array(render.render(one[None])[0]), np.ones((4, 4), np.uint8))
        Image.fromarray(big).save(png)
        if _have_io():
            from diagnosis.ml.image import read_beat_image

            clf.classify_beat_waveform(read_beat_image(png))
            res["beat_image_ms"] = round(
                _median_ms(lambda: clf.classify_beat_waveform(read_beat_image(png)), 50), 2
            )
            res["beat_image_note"] = (
                "read_beat_image(256x256 PNG) + classify_beat_waveform, median of 50"
            )
        curve = render.normalise(one[None])[0]
        clf.classify_beat_waveform(curve)
        res["beat_curve_ms"] = round(_median_ms(lambda: clf.classify_beat_waveform(curve), 100), 2)

    # Batched: render + LiteRT, and LiteRT alone.
    n = len(windows)
    t = time.perf_counter()
    imgs = render.model_input(render.render(windows), sig.record_template(windows))
    t_render = time.perf_counter() - t
    clf.record_proba(imgs[:256], ctx[:256])
    t = time.perf_counter()
    clf.record_proba(imgs, ctx)
    t_inf = time.perf_counter() - t
    res["batched"] = {
        "beats": n,
        "render_ms_per_beat": round(t_render / n * 1000, 4),
        "inference_ms_per_beat": round(t_inf / n * 1000, 4),
        "total_ms_per_beat": round((t_render + t_inf) / n * 1000, 4),
    }

    if have_data:
        # Full record, file -> labels, through the readers when present.
        def full() -> int:
            if _have_io():
                from diagnosis.ml.io import read_record

                rec = read_record(data / "100.hea")
                return len(clf.classify_record(rec)["beats"])
            xx, ffs, lead = ds.read_mitdb_lead(data, "100")
            return len(clf.classify_signal(xx, ffs, lead)["beats"])

        full()
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            nb = full()
            ts.append(time.perf_counter() - t)
        res["record_100_file_to_labels_s"] = round(float(np.median(ts)), 3)
        res["record_100_beats"] = nb
        res["record_reader"] = "diagnosis.ml.io.read_record" if _have_io() else "wfdb.rdrecord"
        # Detector alone vs wfdb XQRS (why we wrote our own).
        t = time.perf_counter()
        sig.detect_r_peaks(x, fs)
        res["own_detector_s"] = round(time.perf_counter() - t, 3)
        from wfdb import processing

        t = time.perf_counter()
        processing.xqrs_detect(x, fs, verbose=False)
        res["wfdb_xqrs_s"] = round(time.perf_counter() - t, 3)

        # Process start -> first label, in a fresh interpreter.
        code = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from diagnosis.ml.predict import Classifier\n"
            "from diagnosis.ml import dataset as ds\n"
            "c = Classifier.load()\n"
            "x, fs, lead = ds.read_mitdb_lead(ds.default_data_dir(), '100')\n"
            "print(c.classify_signal(x[: int(60 * fs)], fs, lead)['beats'][0]['label'])\n"
        )
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            ts.append(time.perf_counter() - t)
        res["process_start_to_first_label_s"] = round(float(np.median(ts)), 3)
        res["first_label"] = out.stdout.strip()
        # The CLI on the whole record: process start -> all labels printed as JSON.
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "diagnosis.ml", "classify", str(data / "100.hea"), "--json"],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            ts.append(time.perf_counter() - t)
        res["cli_classify_record_100_s"] = round(float(np.median(ts)), 3)
        res["cli_beats"] = len(json.loads(out.stdout)["beats"])

    (ROOT / "benchmarks" / "engine_speed.json").write_text(json.dumps(res, indent=2) + "\n")
    update_section(ROOT / "benchmarks" / "RESULTS.md", "engine-speed", _markdown(res))
    print(json.dumps(res, indent=2))
    return 0


def _markdown(res: dict[str, Any]) -> str:
    b = res["batched"]
    rows = [
        ("one beat image once loaded (PNG -> label)", res.get("beat_image_ms"), "ms", 20),
        ("one traced beat curve once loaded", res.get("beat_curve_ms"), "ms", 20),
        ("batched, render + inference per beat", b["total_ms_per_beat"], "ms", 1),
        (
            "30-min 2-lead 360 Hz record (mitdb 100) file -> labels",
            res.get("record_100_file_to_labels_s"),
            "s",
            5,
        ),
        (
            "process start -> first label (fresh python)",
            res.get("process_start_to_first_label_s"),
            "s",
            5,
        ),
        (
            "`python -m diagnosis.ml classify 100.hea --json` (start -> all labels)",
            res.get("cli_classify_record_100_s"),
            "s",
            5,
        ),
    ]
    lines = [
        "## ECG engine: speed",
        "",
        f"Model `{res['model']}` served by LiteRT (no TensorFlow import). {res['machine']}.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
    ]
    for name, val, unit, target in rows:
        v = "-" if val is None else f"{val} {unit}"
        lines.append(f"| {name} | {v} | <= {target} {unit} |")
    lines += [
        "",
        f"Batched detail: {b['beats']} beats; render {b['render_ms_per_beat']} ms/beat, "
        f"LiteRT {b['inference_ms_per_beat']} ms/beat. Model load {res['model_load_s']} s.",
    ]
    if "wfdb_xqrs_s" in res:
        lines.append(
            f"R-peak detection on one 30-min record: own detector {res['own_detector_s']} s, "
            f"wfdb XQRS {res['wfdb_xqrs_s']} s (record reader: {res['record_reader']})."
        )
    lines += ["", "Reproduce: `python benchmarks/engine_speed.py`.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
