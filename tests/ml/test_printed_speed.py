"""The paper speed printed on a page ("25 mm/s", "50 mm/s") is read by OCR and used, said in
the result; without it (no text, only a gain, no Tesseract) 25 mm/s is assumed and said.

These tests need the ``tesseract`` program (``make system-deps`` installs it); the engine
itself does not.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from diagnosis.ml import strip
from diagnosis.ml.pipeline import classify_input, read_input
from diagnosis.ml.strip import printed_text
from tests.ml import printout_render
from tests.ml.rhythm_helpers import classifier


@cache
def _leads() -> tuple[dict[str, np.ndarray], float]:
    import wfdb

    rec = wfdb.rdrecord(str(printout_render.FIXTURE))
    sig = rec.p_signal.astype(np.float64)
    return printout_render.twelve_from_two(sig[:, 0], sig[:, 1]), float(rec.fs)


def _draw(tmp_path: Path, **kw: object) -> tuple[Path, printout_render.Truth]:
    leads, fs = _leads()
    img, truth = printout_render.render_printout(leads, fs, **kw)  # type: ignore[arg-type]
    path = tmp_path / "page.png"
    img.save(path)
    return path, truth


@pytest.mark.parametrize(
    ("text", "speed"),
    [
        ("25 mm/s   10 mm/mV", 25.0),
        ("Speed: 50 mm/s", 50.0),
        ("25mm/s", 25.0),
        ("50 mm/sec 10 mm/mV 0.05-150 Hz", 50.0),
        ("25 mm/S", 25.0),
        ("25 mrn/s", 25.0),
        ("25 rnm/s", 25.0),
        ("10 mm/mV", None),
        ("Gain 10 mm/mV  Filter 0.05-150 Hz  QRS 92 ms", None),
        ("25 mm/s  50 mm/s", None),
        ("12.5 mm/s", None),
        ("150 mm/s", None),
        ("25 mm/s ... 25 mm/s", 25.0),
        ("", None),
    ],
)
def test_the_speed_is_found_in_ocr_text(text: str, speed: float | None) -> None:
    assert printed_text.speed_from_text(text) == speed


def test_a_single_strip_at_50_mm_s_is_read_at_the_printed_speed(tmp_path: Path) -> None:
    path, truth = _draw(tmp_path, layout="single", px_per_mm=8, speed=50.0)
    data = read_input(path)
    d = data.digitized
    assert d is not None
    assert (d.speed, d.speed_source) == (50.0, "printed text")
    assert d.record.signal.size / d.record.fs == pytest.approx(5.0, abs=0.3)
    result = classify_input(classifier(), data)
    assert result["digitized"]["speed_source"] == "printed text"
    reference = classifier().classify_signal(truth.strip, truth.fs, "MLII")
    rate = result["summary"]["mean_heart_rate_bpm"]
    assert rate == pytest.approx(reference["summary"]["mean_heart_rate_bpm"], abs=5)
    # Read at the default 25 mm/s the same page would have half the rate.
    assert rate > 60


def test_a_12_lead_printout_at_25_mm_s_says_the_speed_was_printed(tmp_path: Path) -> None:
    path, _ = _draw(tmp_path, layout="3x4+1", px_per_mm=6)
    d = strip.digitize(path)
    assert (d.layout, d.speed, d.speed_source) == ("3x4+1", 25.0, "printed text")
    assert d.record.signal.size / d.record.fs == pytest.approx(10.0, abs=0.3)


def test_a_page_without_text_assumes_25_mm_s(tmp_path: Path) -> None:
    path, _ = _draw(tmp_path, layout="single", px_per_mm=6, text=False)
    d = strip.digitize(path)
    assert (d.speed, d.speed_source) == (25.0, "default")


def test_a_printed_gain_alone_is_not_taken_for_a_speed(tmp_path: Path) -> None:
    path, _ = _draw(tmp_path, layout="single", px_per_mm=8, header="10 mm/mV   0.05-150 Hz")
    d = strip.digitize(path)
    assert (d.speed, d.speed_source) == (25.0, "default")


def test_without_tesseract_the_default_is_assumed_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _draw(tmp_path, layout="single", px_per_mm=8, speed=50.0)
    monkeypatch.setattr(printed_text.shutil, "which", lambda name: None)
    d = strip.digitize(path)
    assert (d.speed, d.speed_source) == (25.0, "default")


def test_ocr_trouble_is_never_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    def fail(*args: object, **kwargs: object) -> str:
        raise RuntimeError("Tesseract process timeout")

    path, _ = _draw(tmp_path, layout="single", px_per_mm=8, speed=50.0)
    monkeypatch.setattr(pytesseract, "image_to_string", fail)
    d = strip.digitize(path)
    assert (d.speed, d.speed_source) == (25.0, "default")


def test_a_speed_given_by_the_caller_wins_over_the_printed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _draw(tmp_path, layout="single", px_per_mm=8, speed=50.0)

    def no_ocr(*args: object) -> str:
        raise AssertionError("OCR runs only when the speed is not given")

    monkeypatch.setattr(printed_text, "ocr", no_ocr)
    d = strip.digitize(path, speed=25.0)
    assert (d.speed, d.speed_source) == (25.0, "given")
    assert d.record.signal.size / d.record.fs == pytest.approx(10.0, abs=0.3)
