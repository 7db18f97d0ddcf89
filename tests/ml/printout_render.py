"""Draw whole ECG printouts (12-lead layouts, one strip, a monitor screenshot) with known truth.

Shared by the strip tests and ``benchmarks/printout_benchmark.py``: the digitizer must find
the layout and read the right strip, so every printout says what it drew (:class:`Truth`).

MIT-BIH records have two leads only. :func:`twelve_from_two` fills the 12 lead slots with the
record's two real leads (its first lead printed as II, its second as V1) and ten plainly
synthetic leads (scaled, inverted and mixed copies of the two); the rhythm strip is always
lead II, a real lead whose true signal is known.

Everything here is Django-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.ml.strip_render import _grid, _text

__all__ = ["FIXTURE", "LAYOUTS", "Truth", "crease", "render_printout", "twelve_from_two"]

#: A two-lead MIT-BIH excerpt (record 100, MLII and V5, 10 s) for tests without the database.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mitdb_100_excerpt"

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
LAYOUTS = ("3x4+1", "3x4+3", "6x2", "12x1", "single", "monitor")
_INK = (20, 20, 28)
_SEG_S = 2.5


@dataclass(frozen=True)
class Truth:
    """What a printout holds.

    Attributes:
        layout: one of :data:`LAYOUTS`.
        strip_lead: the lead the digitizer should read (II).
        strip: that lead's drawn signal (mV at ``fs``): the rhythm strip, or on layouts without
            one the lead's own segment.
        fs: rate of ``strip``.
        gain, speed: mm/mV and mm/s drawn.
        rows: the leads drawn on each row, left to right.
    """

    layout: str
    strip_lead: str
    strip: np.ndarray
    fs: float
    gain: float
    speed: float
    rows: list[list[str]] = field(default_factory=list)


def twelve_from_two(first: np.ndarray, second: np.ndarray) -> dict[str, np.ndarray]:
    """Twelve lead slots from a two-lead record: II = ``first`` and V1 = ``second`` (real), the
    other ten synthetic (scaled, inverted and mixed copies, only so the page looks like a
    12-lead printout with leads that differ). None is within 40 % of II's scale with II's
    shape, so a reading can be told to be II and not a copy.

    Each real lead is first centred on its median, as an electrocardiograph's 0.05 Hz high-pass
    filter centres it: MIT-BIH leads carry offsets of up to 1.2 mV, which would print a deep S
    wave of the rhythm strip off the bottom of the paper."""
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    a, b = a - np.median(a), b - np.median(b)
    return {
        "I": 0.5 * a + 0.3 * b,
        "II": a,
        "III": 0.5 * a - 0.3 * b,
        "aVR": -0.7 * a,
        "aVL": 0.4 * b - 0.2 * a,
        "aVF": 0.6 * a - 0.2 * b,
        "V1": b,
        "V2": 0.8 * b - 0.3 * a,
        "V3": 0.5 * (a + b),
        "V4": 0.5 * a + 0.4 * b,
        "V5": 0.6 * a + 0.2 * b,
        "V6": 0.5 * a,
    }


def _pulse(draw: ImageDraw.ImageDraw, x: float, base: float, ppmm: float, gain: float, w: int):
    """The 1 mV calibration pulse, 5 mm wide, starting at column ``x``."""
    top = base - gain * ppmm
    pts = [(x, base), (x + ppmm, base), (x + ppmm, top), (x + 6 * ppmm, top)]
    pts += [(x + 6 * ppmm, base), (x + 8 * ppmm, base)]
    draw.line(pts, fill=_INK, width=w, joint="curve")


def _row(
    draw: ImageDraw.ImageDraw,
    sigs: dict[str, np.ndarray],
    names: list[str],
    fs: float,
    *,
    x0: float,
    base: float,
    ppmm: float,
    gain: float,
    pen: int,
    ticks: bool,
    seg_s: float,
    speed: float = 25.0,
    ink: tuple[int, int, int] = _INK,
) -> None:
    """One printed row: lead ``names[c]`` shows seconds ``c*seg_s .. (c+1)*seg_s`` (the leads of
    a column are simultaneous); a tick marks each lead change, or a gap when ``ticks`` is False."""
    n = round(seg_s * fs)
    prev_end: tuple[float, float] | None = None
    for c, name in enumerate(names):
        s = np.asarray(sigs[name][c * n : (c + 1) * n + (1 if c + 1 < len(names) else 0)])
        xs = x0 + (c * seg_s + np.arange(s.size) / fs) * speed * ppmm
        ys = base - s * gain * ppmm
        if not ticks and c + 1 < len(names):
            keep = xs < x0 + ((c + 1) * seg_s * speed - 1.5) * ppmm
            xs, ys = xs[keep], ys[keep]
        pts = list(zip(xs.tolist(), ys.tolist(), strict=True))
        if ticks and prev_end is not None:
            # The pen jumps to the new lead's level; a short vertical tick marks the change.
            x = prev_end[0]
            draw.line([(x, base - 3 * ppmm), (x, base + 3 * ppmm)], fill=ink, width=pen)
            pts.insert(0, (x, prev_end[1]))
        draw.line(pts, fill=ink, width=pen, joint="curve")
        _text(
            draw,
            name if name in ("I", "II", "III", "V") else name[:2],
            (xs[0] + ppmm, base - 9 * ppmm),
            2.5 * ppmm,
        )
        prev_end = pts[-1]


def render_printout(
    leads: dict[str, np.ndarray],
    fs: float,
    *,
    layout: str = "3x4+1",
    px_per_mm: float = 6.0,
    gain: float = 10.0,
    pen_mm: float = 0.3,
    ticks: bool = True,
    text: bool = True,
    calibration: bool = True,
    grid: bool = True,
    speed: float = 25.0,
    header: str | None = None,
) -> tuple[Image.Image, Truth]:
    """Draw a printout of the 12 ``leads`` (mV at ``fs``, at least 10 s each): 250 mm of paper,
    10 s at 25 mm/s, 5 s at 50 mm/s.

    Layouts: ``"3x4+1"`` (three rows of four 2.5 s leads, lead II's 10 s rhythm strip at the
    bottom), ``"3x4+3"`` (rhythm strips V1, II, V5), ``"6x2"`` (two columns of 5 s), ``"12x1"``
    (12 rows of 10 s), ``"single"`` (lead II alone) and ``"monitor"`` (a bedside monitor
    screenshot: black, no grid, green ECG, a cyan pleth wave below, "HR" digits).

    Args:
        px_per_mm: resolution (6 px/mm is about 150 dpi).
        gain: mm/mV (10 or 5); the calibration pulse is drawn at this gain.
        pen_mm: pen width.
        ticks: mark lead changes with ticks (True) or gaps (False).
        text: print a header: an ID line on the left, the scales on the right (``header``).
        calibration, grid: draw the calibration pulses and the pink grid.
        speed: paper speed (mm/s), 25 or 50 on real printouts; each row holds
            ``250 / speed`` seconds (at 50 mm/s: 1.25 s per lead of a 3 x 4, a 5 s rhythm strip).
        header: the scales printed on the right (default "25 mm/s   10 mm/mV   0.05-150 Hz"
            with the speed and gain drawn); "" for none.
    Returns:
        (RGB image, :class:`Truth`).
    """
    if layout not in LAYOUTS:
        raise ValueError(layout)
    ss = 3
    ppmm = px_per_mm * ss
    pen = max(1, round(pen_mm * ppmm))
    n10 = round(10 * fs)
    seconds = 250.0 / speed
    if layout == "monitor":
        return _monitor(leads["II"][:n10], fs, ppmm, ss, pen)
    rows: list[list[str]]
    if layout == "3x4+1":
        rows = [["I", "aVR", "V1", "V4"], ["II", "aVL", "V2", "V5"], ["III", "aVF", "V3", "V6"]]
        rows += [["II"]]
    elif layout == "3x4+3":
        rows = [["I", "aVR", "V1", "V4"], ["II", "aVL", "V2", "V5"], ["III", "aVF", "V3", "V6"]]
        rows += [["V1"], ["II"], ["V5"]]
    elif layout == "6x2":
        rows = [[LEADS[i], LEADS[i + 6]] for i in range(6)]
    elif layout == "12x1":
        rows = [[name] for name in LEADS]
    else:
        rows = [["II"]]
    pitch = {"3x4+1": 38.0, "3x4+3": 30.0, "6x2": 30.0, "12x1": 16.0, "single": 40.0}[layout]
    head = 14.0 if text else 4.0
    width = round(275 * ppmm)
    height = round((head + pitch * len(rows) + 4) * ppmm)
    img = Image.fromarray(_grid(width, height, ppmm, grid))
    draw = ImageDraw.Draw(img)
    if text:
        if header is None:
            header = f"{speed:g} mm/s   {gain:g} mm/mV   0.05-150 Hz"
        font = ImageFont.load_default(size=3.5 * ppmm)  # Pillow's bundled font: no file needed
        draw.text((12 * ppmm, 3 * ppmm), "ID 0000   Test Patient   2026-01-01 10:00", _INK, font)
        draw.text((160 * ppmm, 3 * ppmm), header, _INK, font)
    x0 = 14.0 * ppmm
    for r, names in enumerate(rows):
        base = (head + pitch * (r + 0.55)) * ppmm
        if calibration:
            _pulse(draw, 3.0 * ppmm, base, ppmm, gain, pen)
        _row(
            draw,
            leads,
            names,
            fs,
            x0=x0,
            base=base,
            ppmm=ppmm,
            gain=gain,
            pen=pen,
            ticks=ticks,
            seg_s=seconds / len(names),
            speed=speed,
        )
    small = img.resize((round(width / ss), round(height / ss)), Image.Resampling.BOX)
    if layout in ("3x4+1", "3x4+3", "12x1", "single"):
        strip = np.asarray(leads["II"][: round(seconds * fs)])
    else:  # 6x2: lead II's half, the left half of the second row
        strip = np.asarray(leads["II"][: round(seconds / 2 * fs)])
    return small, Truth(layout, "II", strip, fs, gain, speed, rows)


def _monitor(
    sig: np.ndarray, fs: float, ppmm: float, ss: int, pen: int
) -> tuple[Image.Image, Truth]:
    """A monitor screenshot: 10 s of ECG in green on black, a pleth wave and digits below."""
    width, height = round(270 * ppmm), round(150 * ppmm)
    img = Image.new("RGB", (width, height), (8, 10, 12))
    draw = ImageDraw.Draw(img)
    green, cyan = (60, 230, 90), (60, 200, 230)
    x0 = 10 * ppmm
    xs = x0 + np.arange(sig.size) / fs * 25.0 * ppmm
    base = 40 * ppmm
    draw.line(
        list(zip(xs.tolist(), (base - sig * 10 * ppmm).tolist(), strict=True)),
        fill=green,
        width=pen,
    )
    t = np.arange(sig.size) / fs
    pleth = 0.5 * (1 - np.cos(2 * np.pi * 1.2 * t)) ** 2
    draw.line(
        list(zip(xs.tolist(), (100 * ppmm - pleth * 12 * ppmm).tolist(), strict=True)),
        fill=cyan,
        width=pen,
    )
    for k, ch in enumerate("XVII"):
        _text_colour(draw, ch, (150 * ppmm + k * 6 * ppmm, 120 * ppmm), 8 * ppmm, green)
    small = img.resize((round(width / ss), round(height / ss)), Image.Resampling.BOX)
    return small, Truth("monitor", "II", np.asarray(sig), fs, 10.0, 25.0, [["II"], ["pleth"]])


def _text_colour(draw: ImageDraw.ImageDraw, ch: str, at: tuple[float, float], size: float, colour):
    x, y = at
    w = max(1, round(size / 8))
    draw.rectangle([x, y, x + size * 0.6, y + size], outline=colour, width=w)


def crease(img: Image.Image, *, seed: int = 0, strength: float = 0.25) -> Image.Image:
    """A folded page: a lighter and a darker half either side of a slanted fold, and the fold
    itself as a thin grey line."""
    rng = np.random.default_rng(seed)
    a = np.asarray(img.convert("RGB"), dtype=np.float32)
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    x0 = rng.uniform(0.3, 0.7) * w
    slope = rng.uniform(-0.15, 0.15)
    d = xx - (x0 + slope * (yy - h / 2))
    shade = 1.0 - strength * 0.5 * (1 + np.tanh(d / (0.02 * w))) * np.exp(-np.abs(d) / (0.3 * w))
    shade -= 0.35 * np.exp(-((d / 1.5) ** 2))  # the fold line
    return Image.fromarray(np.clip(a * shade[..., None], 0, 255).astype(np.uint8))
