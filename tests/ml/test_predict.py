"""The shipped model on fixture excerpts, the contract output, and single-beat curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from diagnosis.ml import dataset as ds
from diagnosis.ml import render
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASSES, SYMBOL_CLASS_STRICT
from diagnosis.ml.errors import InputError
from diagnosis.ml.predict import Classifier, curve_to_window
from tests.ml.engine_helpers import excerpt_names, load_excerpt


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load()


def _labelled(clf: Classifier, name: str) -> list[tuple[str, str]]:
    """(expected class, predicted class) for every matched beat of one excerpt."""
    x, fs, ref, sym = load_excerpt(name)
    res = clf.classify_signal(x, fs, "MLII")
    det = np.array([b["sample"] for b in res["beats"]])
    m = ds.match_beats(det, ref, round(0.15 * fs))
    out = []
    for b, mi in zip(res["beats"], m, strict=True):
        if mi >= 0 and sym[mi] in SYMBOL_CLASS_STRICT:
            out.append((SYMBOL_CLASS_STRICT[sym[mi]], b["label"]))
    return out


def test_shipped_model_labels_fixture_beats_of_each_class(clf: Classifier) -> None:
    pairs = [p for n in excerpt_names() for p in _labelled(clf, n)]
    aami = {"NOR": "N", "LBB": "N", "RBB": "N", "APC": "S", "PVC": "V"}
    for c, floor in (("NOR", 0.9), ("LBB", 0.75), ("RBB", 0.75), ("PVC", 0.9), ("APC", 0.3)):
        got = [pred for exp, pred in pairs if exp == c]
        assert got, c
        share = sum(aami.get(g) == aami[c] for g in got) / len(got)
        # AAMI class, as measured: ecg-cnn-2.0.0 gets every NOR and PVC fixture beat, calls
        # most of record 109's LBB beats RBB (same AAMI class N), and with its CV-chosen APC
        # threshold (0.8) finds 3 of 9 fixture APCs (those of 202; 100's and 223's are missed).
        assert share >= floor, (c, share, got)
    overall = sum(aami.get(p) == aami[e] for e, p in pairs) / len(pairs)
    assert overall >= 0.9


def test_record_result_follows_the_contract(clf: Classifier) -> None:
    x, fs, _, _ = load_excerpt(excerpt_names()[0])
    res = clf.classify_signal(x, fs, "MLII")
    assert res["input"] == "record" and res["fs"] == fs and res["n_samples"] == len(x)
    assert res["lead"] == "MLII" and res["model"] == clf.version
    b = res["beats"][0]
    assert set(b) >= {"sample", "label", "aami", "confidence", "uncertain"}
    s = res["summary"]
    assert s["n_beats"] == len(res["beats"]) == sum(s["counts"].values())
    assert 40 < s["mean_heart_rate_bpm"] < 120
    assert s["uncertain"] == sum(bb["uncertain"] for bb in res["beats"])


def test_beat_samples_are_at_the_input_rate(clf: Classifier) -> None:
    x, fs, ref, _ = load_excerpt(excerpt_names()[1])
    x250 = sig.resample(x, fs, 250.0)
    res = clf.classify_signal(x250, 250.0, "MLII")
    det = np.array([b["sample"] for b in res["beats"]])
    ref250 = np.round(ref * 250.0 / fs).astype(int)
    m = ds.match_beats(det, ref250, round(0.15 * 250))
    assert (m >= 0).sum() >= len(ref) - 2
    assert det.max() < len(x250)


def test_record_like_objects_are_accepted(clf: Classifier) -> None:
    class Rec:
        def __init__(self, signal: np.ndarray, fs: float) -> None:
            self.signal, self.fs, self.lead, self.leads = signal, fs, "MLII", ("MLII",)

    x, fs, _, _ = load_excerpt(excerpt_names()[0])
    assert clf.classify_record(Rec(x, fs))["beats"]


@pytest.mark.parametrize(
    ("x", "fs"),
    [(np.zeros(100), 360.0), (np.full(3600, np.nan), 360.0), (np.zeros(3600), 0.0)],
)
def test_bad_signals_raise_input_error(clf: Classifier, x: np.ndarray, fs: float) -> None:
    with pytest.raises(InputError):
        clf.classify_signal(x, fs)


def _beat_curve(name: str, symbol: str) -> np.ndarray:
    """The plotted curve of the first ``symbol`` beat in an excerpt, as an image reader sees it."""
    x, fs, ref, sym = load_excerpt(name)
    xc = sig.clean(x, fs)
    r = int(ref[list(sym).index(symbol)])
    peaks = sig.refine_peaks(xc, np.array([r]), fs)
    w = sig.beat_windows(xc, peaks)
    return render.normalise(w)[0][::2]  # 128 columns, values in [0, 1]


def test_a_single_beat_curve_is_classified_without_context(clf: Classifier) -> None:
    res = clf.classify_beat_waveform(_beat_curve("mitdb_109_360", "L"))
    assert res["input"] == "beat_image"
    assert set(res["probabilities"]) == set(CLASSES)
    assert abs(sum(res["probabilities"].values()) - 1) < 1e-3
    assert res["label"] == "LBB", res
    assert res["aami"] == "N"


def test_single_pvc_curve_is_a_pvc(clf: Classifier) -> None:
    res = clf.classify_beat_waveform(_beat_curve("mitdb_233_482400", "V"))
    assert res["aami"] == "V", res


def test_curve_to_window_places_the_peak_at_the_r_index() -> None:
    c = np.zeros(200)
    c[90] = 1.0
    w = curve_to_window(c)
    assert w.shape == (sig.WIN,)
    assert abs(int(np.argmax(w)) - sig.PRE) <= 1


@pytest.mark.parametrize("curve", [np.zeros(3), np.array([0.1, np.nan] * 20)])
def test_bad_curves_raise_input_error(curve: np.ndarray) -> None:
    with pytest.raises(InputError):
        curve_to_window(curve)


def test_inference_does_not_import_tensorflow() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from diagnosis.ml.predict import Classifier\n"
        "from tests.ml.engine_helpers import excerpt_names, load_excerpt\n"
        "x, fs, _, _ = load_excerpt(excerpt_names()[0])\n"
        "Classifier.load().classify_signal(x, fs)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]\n"
        "print(len(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "0"
