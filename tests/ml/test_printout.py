"""Whole printouts: the layout is found, the right strip is read, leads are never joined, the
scale comes from the page, and what cannot be trusted is refused with a hint."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from diagnosis.ml import strip
from diagnosis.ml.errors import InputError
from diagnosis.ml.io import sniff
from diagnosis.ml.pipeline import classify_input, read_input
from tests.ml import printout_render, strip_render
from tests.ml.rhythm_helpers import classifier


@cache
def _leads() -> tuple[dict[str, np.ndarray], float]:
    """Record 100's two real leads (MLII as II, V5 as V1) and ten synthetic ones, 10 s."""
    import wfdb

    rec = wfdb.rdrecord(str(printout_render.FIXTURE))
    sig = rec.p_signal.astype(np.float64)
    return printout_render.twelve_from_two(sig[:, 0], sig[:, 1]), float(rec.fs)


def _draw(
    tmp_path: Path, name: str = "page.png", **kw: object
) -> tuple[Path, printout_render.Truth]:
    leads, fs = _leads()
    img, truth = printout_render.render_printout(leads, fs, **kw)  # type: ignore[arg-type]
    path = tmp_path / name
    img.save(path)
    return path, truth


def _corr(d: strip.Digitized, truth: printout_render.Truth) -> tuple[float, float]:
    snr, corr, _ = strip_render.compare_signals(
        d.record.signal, d.record.fs, truth.strip, truth.fs, max_shift_s=0.6
    )
    return snr, corr


@pytest.mark.parametrize("ticks", [True, False], ids=["ticks", "gaps"])
def test_the_rhythm_strip_of_a_3x4_printout_is_read_and_no_lead_change_is_a_beat(
    tmp_path: Path, ticks: bool
) -> None:
    path, truth = _draw(tmp_path, layout="3x4+1", px_per_mm=6, ticks=ticks)
    data = read_input(path)
    d = data.digitized
    assert d is not None and d.layout == "3x4+1" and d.lead == "II"
    assert "rhythm strip at the bottom" in d.strip
    # One lead's 10 s, not four 2.5 s leads joined into one signal.
    assert d.record.signal.size / d.record.fs == pytest.approx(10.0, abs=0.2)
    snr, corr = _corr(d, truth)
    assert corr > 0.95 and snr > 10.0, (snr, corr)
    result = classify_input(classifier(), data)
    assert result["digitized"]["lead"] == "II" and result["digitized"]["layout"] == "3x4+1"
    labels = [b["label"] for b in result["beats"]]
    assert 11 <= len(labels) <= 14
    assert labels.count("NOR") >= len(labels) - 1 and "PVC" not in labels
    assert result["rhythm"]["verdict"] == "normal"


def test_three_rhythm_strips_give_the_middle_one_lead_ii(tmp_path: Path) -> None:
    path, truth = _draw(tmp_path, layout="3x4+3", px_per_mm=6)
    d = strip.digitize(path)
    assert d.layout == "3x4+3" and d.lead == "II"
    assert _corr(d, truth)[1] > 0.95


@pytest.mark.parametrize("ticks", [True, False], ids=["ticks", "gaps"])
def test_a_6x2_printout_gives_lead_ii_s_five_seconds_and_says_so(
    tmp_path: Path, ticks: bool
) -> None:
    path, truth = _draw(tmp_path, layout="6x2", px_per_mm=6, ticks=ticks)
    d = strip.digitize(path)
    assert d.layout == "6x2" and d.lead == "II"
    assert d.record.signal.size / d.record.fs == pytest.approx(5.0, abs=0.2)
    assert any("only 5 s" in note for note in d.notes)
    assert _corr(d, truth)[1] > 0.95


def test_a_single_strip_is_read_as_before(tmp_path: Path) -> None:
    path, truth = _draw(tmp_path, layout="single", px_per_mm=8)
    d = strip.digitize(path)
    assert d.layout == "single" and d.calibration_pulse and d.gain_source == "calibration pulse"
    assert d.record.signal.size / d.record.fs == pytest.approx(10.0, abs=0.1)
    assert _corr(d, truth)[1] > 0.95


def test_a_monitor_screenshot_is_read_from_its_top_trace(tmp_path: Path) -> None:
    path, truth = _draw(tmp_path, layout="monitor", px_per_mm=5)
    assert strip.classify_picture(path) == "strip"
    d = strip.digitize(path)
    assert d.layout == "monitor" and not d.grid
    assert any("no grid" in note for note in d.notes)
    assert _corr(d, truth)[1] > 0.95


def test_the_calibration_pulse_at_5_mm_per_mv_sets_the_gain(tmp_path: Path) -> None:
    path, truth = _draw(tmp_path, layout="3x4+1", px_per_mm=6, gain=5.0)
    d = strip.digitize(path)
    assert d.gain == 5.0 and d.gain_source == "calibration pulse"
    assert d.info()["gain_mm_mv"] == 5.0
    # Amplitude in mV right: the best fit of the truth onto the reading has a slope near 1.
    _, _, shift = strip_render.compare_signals(
        d.record.signal, d.record.fs, truth.strip, truth.fs, max_shift_s=0.6
    )
    t = np.arange(truth.strip.size) / truth.fs + shift
    ok = (t >= 0) & (t <= (d.record.signal.size - 1) / d.record.fs)
    est = np.interp(t[ok], np.arange(d.record.signal.size) / d.record.fs, d.record.signal)
    ref = truth.strip[ok]
    slope = float(np.polyfit(ref - ref.mean(), est - est.mean(), 1)[0])
    assert slope == pytest.approx(1.0, abs=0.12)


def test_a_given_gain_wins_over_the_pulse(tmp_path: Path) -> None:
    path, _ = _draw(tmp_path, layout="single", px_per_mm=6, gain=5.0)
    d = strip.digitize(path, gain=10.0)
    assert d.gain == 10.0 and d.gain_source == "given"


def test_rhythm_strips_above_lead_rows_are_refused_with_a_hint(tmp_path: Path) -> None:
    path, _ = _draw(tmp_path, layout="3x4+1", px_per_mm=6, ticks=False)
    img = Image.open(path)
    w, h = img.size
    # Move the rhythm strip to the top: no standard layout looks like this.
    cut = int(0.7 * h)
    flipped = Image.new("RGB", (w, h), "white")
    flipped.paste(img.crop((0, cut, w, h)), (0, 0))
    flipped.paste(img.crop((0, int(0.1 * h), w, cut)), (0, h - cut + int(0.1 * h)))
    flipped.save(tmp_path / "odd.png")
    with pytest.raises(InputError, match="Crop the picture to the long strip at the bottom"):
        strip.digitize(tmp_path / "odd.png")


def test_a_blank_photo_is_refused_with_a_hint_for_the_photo(tmp_path: Path) -> None:
    Image.new("RGB", (1600, 900), (250, 240, 240)).save(tmp_path / "blank.png")
    with pytest.raises(InputError, match="Take the photo straight on, in even light"):
        strip.digitize(tmp_path / "blank.png")


def test_a_12_lead_picture_without_a_grid_is_never_taken_for_a_single_beat(
    tmp_path: Path,
) -> None:
    path, _ = _draw(tmp_path, layout="3x4+1", px_per_mm=5, grid=False)
    assert strip.classify_picture(path) == "strip"


def test_a_bmp_scan_is_read(tmp_path: Path) -> None:
    path, truth = _draw(tmp_path, name="scan.bmp", layout="3x4+1", px_per_mm=6)
    assert sniff(path) == "bmp"
    data = read_input(path)
    assert data.digitized is not None and data.digitized.layout == "3x4+1"
    assert _corr(data.digitized, truth)[1] > 0.95


def test_a_page_of_a_multi_page_pdf_can_be_chosen(tmp_path: Path) -> None:
    leads, fs = _leads()
    page, truth = printout_render.render_printout(leads, fs, layout="single", px_per_mm=6)
    blank = Image.new("RGB", page.size, "white")
    pdf = tmp_path / "two.pdf"
    blank.save(pdf, format="PDF", save_all=True, append_images=[page], resolution=150.0)
    d = strip.digitize(pdf)  # the best read of the first pages
    assert d.page == 1
    d = strip.digitize(pdf, page=1)
    assert d.page == 1 and _corr(d, truth)[1] > 0.95
    with pytest.raises(InputError, match="No ECG trace"):
        strip.digitize(pdf, page=0)
    with pytest.raises(InputError, match="page 3 does not exist"):
        strip.digitize(pdf, page=2)


@pytest.mark.parametrize("layout", ["3x4+1", "3x4+3"])
def test_a_tall_complex_touching_the_row_above_leaves_the_rows_apart(
    tmp_path: Path, layout: str
) -> None:
    """A tall ectopic-like complex (4 mV) in lead II reaches up to the row above and touches
    its line: the touching ink is split between the rows, so the rhythm strip is still found
    (not taken for lead segments) and read alone, 10 s of lead II."""
    leads, fs = _leads()
    t = np.arange(leads["II"].size) / fs
    tall = leads["II"] + 4.0 * np.exp(-0.5 * ((t - 6.3) / 0.03) ** 2)
    tall -= 2.0 * np.exp(-0.5 * ((t - 6.4) / 0.04) ** 2)
    img, truth = printout_render.render_printout(
        {**leads, "II": tall}, fs, layout=layout, px_per_mm=6
    )
    path = tmp_path / "tall.png"
    img.save(path)
    d = strip.digitize(path)
    assert d.layout == layout and d.lead == "II"
    assert d.record.signal.size / d.record.fs == pytest.approx(10.0, abs=0.2)
    assert _corr(d, truth)[1] > 0.9


def test_a_rhythm_strip_running_off_the_bottom_of_the_page_is_still_read(tmp_path: Path) -> None:
    """Deep S waves leave the page at its bottom edge (a page cut short in a scan or photo):
    the strip breaks there, and its pieces touching the edge still make one full-width row,
    so the rhythm strip is found and read for its 10 s (the old rule refused the layout)."""
    leads, fs = _leads()
    t = np.arange(leads["II"].size) / fs
    deep = leads["II"].copy()
    for centre in (0.9, 3.3, 5.9, 8.4):
        deep -= 2.5 * np.exp(-0.5 * ((t - centre) / 0.03) ** 2)
    img, truth = printout_render.render_printout({**leads, "II": deep}, fs, px_per_mm=6)
    path = tmp_path / "cut.png"
    img.crop((0, 0, img.width, img.height - 14 * 6)).save(path)
    d = strip.digitize(path)
    assert d.layout == "3x4+1" and d.lead == "II"
    assert d.record.signal.size / d.record.fs == pytest.approx(10.0, abs=0.2)
    # The parts below the edge are lost, the rest is lead II.
    assert _corr(d, truth)[1] > 0.6


def test_a_thick_pen_s_merged_r_and_s_waves_are_read_from_their_extremes(tmp_path: Path) -> None:
    """A 0.5 mm pen prints a narrow R wave and its S wave as one blot, whose columns' centres
    sit halfway between them: the reading takes the peak and the trough from the blot's outer
    edges and draws the stroke between them straight (the centres alone gave 8 dB here)."""
    path, truth = _draw(tmp_path, layout="3x4+1", px_per_mm=12, pen_mm=0.5)
    d = strip.digitize(path)
    assert d.layout == "3x4+1" and d.lead == "II"
    snr, corr = _corr(d, truth)
    assert snr > 11.0 and corr > 0.96, (snr, corr)


def test_only_strokes_merged_into_one_blot_are_redrawn() -> None:
    """A peak and a trough whose columns between are one long run are joined straight; a lone
    peak, and strokes printed apart, keep the reading they had."""
    from diagnosis.ml.strip.trace import _merged_strokes

    pen = 6.0
    n = 60
    top = np.full(n, 100.0)
    bot = top + pen - 1
    # A blot: a peak cap at column 20 (top 38) and a trough cap at column 25 (bottom 162),
    # every column 18-27 one run from the peak's cap to the trough's.
    cols = np.arange(18, 28)
    top[18:28], bot[18:28] = 38.0 + 3 * abs(cols - 20), 162.0 - 3 * abs(cols - 25)
    # A peak (column 32) and a trough (column 37) printed apart: the columns between hold one
    # short piece of the stroke each.
    top[32], bot[32] = 40.0, 60.0
    top[33:37], bot[33:37] = [55.0, 75.0, 100.0, 120.0], [80.0, 105.0, 125.0, 145.0]
    top[37], bot[37] = 140.0, 162.0
    # A lone peak at column 45, far from any trough.
    cols = np.arange(42, 49)
    top[42:49] = 58.0 + 8 * abs(cols - 45)
    y = (top + bot) / 2
    long_run = (bot - top + 1) > 2 * pen + 1
    out = _merged_strokes(y, top, bot, pen, long_run)
    assert out[20] == pytest.approx(38.0 + pen / 2) and out[25] == pytest.approx(162.0 - pen / 2)
    assert np.allclose(np.diff(out[20:26]), np.diff(out[20:26])[0])  # straight
    assert np.array_equal(out[:20], y[:20]) and np.array_equal(out[26:], y[26:])
