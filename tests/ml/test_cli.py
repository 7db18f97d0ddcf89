"""The CLI contract: classify prints the JSON; bad input exits 2 with one line on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from diagnosis.ml import artifacts, render
from diagnosis.ml import signal as sig
from tests.ml.engine_helpers import FIXTURES, load_excerpt

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diagnosis.ml", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_classify_a_wfdb_record_prints_contract_json() -> None:
    r = _cli("classify", str(FIXTURES / "mitdb_233_482400.hea"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["input"] == "record" and out["fs"] == 360 and out["lead"] == "MLII"
    assert out["n_samples"] == 15 * 360
    labels = [b["label"] for b in out["beats"]]
    assert len(labels) >= 15 and "PVC" in labels and "NOR" in labels
    assert out["model"] == artifacts.resolve_model_dir().name


def test_classify_a_beat_image_prints_contract_json(tmp_path: Path) -> None:
    x, fs, ref, sym = load_excerpt("mitdb_233_482400")
    xc = sig.clean(x, fs)
    r = int(ref[list(sym).index("V")])
    w = sig.beat_windows(xc, sig.refine_peaks(xc, np.array([r]), fs))
    png = render.to_png_array(render.render(w, half_width=1.5)[0])
    big = np.asarray(Image.fromarray(png).resize((300, 220), Image.Resampling.BILINEAR))
    path = tmp_path / "beat.png"
    Image.fromarray(np.pad(big, 20, constant_values=255)).save(path)
    res = _cli("classify", str(path), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["input"] == "beat_image"
    assert set(out) >= {"label", "aami", "confidence", "probabilities", "uncertain", "model"}
    assert out["aami"] == "V", out


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    r = _cli("classify", str(bad), "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1


def test_train_and_evaluate_exit_2_without_the_database(tmp_path: Path) -> None:
    for cmd in ("train", "evaluate"):
        r = _cli(cmd, "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
        assert r.returncode == 2
        assert "MIT-BIH database not found" in r.stderr
