"""The page layout: which rows of trace a picture holds, and which one strip to read.

Rows are found from the long ink components (clustered by height); a row is *segmented*
when gaps split it into pieces (2.5 s or 5 s leads), *full* when it spans the page's width.
Different leads are never joined: the strip read is one row's full-width trace (a rhythm
strip) or one piece. Where lead changes are marked by ticks instead of gaps, the rows look
full and the standard conventions decide (the rhythm strip is the bottom row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from diagnosis.ml.errors import InputError
from diagnosis.ml.strip.trace import NO_TRACE, ink_runs

HINT_CROP = "Crop the picture to the long strip at the bottom and upload it again."
HINT_PHOTO = "Take the photo straight on, in even light, with the whole strip in the frame."
UNKNOWN_LAYOUT = (
    "The layout of this ECG printout could not be recognised (its rows of trace do not "
    f"follow a standard layout), so no strip can be trusted. {HINT_CROP}"
)


@dataclass
class Row:
    """One row of trace: its long components, vertical extent and the column spans of its
    pieces (left to right)."""

    labels: list[int]
    top: int
    bottom: int
    centre: float
    pieces: list[tuple[int, int]] = field(default_factory=list)

    @property
    def c0(self) -> int:
        return self.pieces[0][0]

    @property
    def c1(self) -> int:
        return self.pieces[-1][1]


@dataclass(frozen=True)
class Choice:
    """The strip to read: ``row`` (index into the rows), columns ``c0..c1``, and in words."""

    layout: str
    row: int
    c0: int
    c1: int
    lead: str
    why: str
    notes: tuple[str, ...] = ()


def find_rows(mask: np.ndarray, ppmm: float) -> tuple[np.ndarray, list[Row]]:
    """(component labels, rows top to bottom) of the ink ``mask``; ``ppmm`` pixels per mm."""
    from scipy import ndimage

    # A thin pen at low resolution breaks into dashes: join what lies within 0.8 mm sideways
    # (the gaps between leads are wider), and label only the ink itself.
    k = max(3, int(0.8 * ppmm) | 1)
    grown = ndimage.binary_dilation(mask, structure=np.ones((3, k), dtype=bool))
    joined, count = ndimage.label(grown, structure=np.ones((3, 3), dtype=bool))
    labels = np.where(mask, joined, 0)
    if count == 0:
        raise InputError(f"{NO_TRACE}: the picture looks blank. {HINT_PHOTO}")
    count = _split_touching_rows(labels, count, ppmm)
    objs = ndimage.find_objects(labels)
    extents = np.array([s[1].stop - s[1].start for s in objs], dtype=np.float64)
    widest = float(extents.max())
    # Text, lead labels and calibration pulses are short; a lead's trace is 2.5 s at least.
    # A trace running off the paper's edge (a deep S wave at the bottom) breaks there: its
    # pieces that touch the edge count from 8 mm, so that the row keeps its full extent.
    h = mask.shape[0]
    edge = [s[0].start == 0 or s[0].stop == h for s in objs]
    long_ = [
        i
        for i in range(count)
        if extents[i] >= max(0.2 * widest, 12 * ppmm) or (edge[i] and extents[i] >= 8 * ppmm)
    ]
    if not long_:
        long_ = [int(np.argmax(extents))]
    centres = ndimage.center_of_mass(mask, labels, [i + 1 for i in long_])
    order = sorted(range(len(long_)), key=lambda k: centres[k][0])
    rows: list[Row] = []
    for k in order:
        i, cy = long_[k], float(centres[k][0])
        s = objs[i]
        if rows and cy - rows[-1].centre < 6 * ppmm:
            r = rows[-1]
            n = len(r.labels)
            r.labels.append(i + 1)
            r.top, r.bottom = min(r.top, s[0].start), max(r.bottom, s[0].stop)
            r.centre = (r.centre * n + cy) / (n + 1)
            r.pieces.append((s[1].start, s[1].stop - 1))
        else:
            rows.append(Row([i + 1], s[0].start, s[0].stop, cy, [(s[1].start, s[1].stop - 1)]))
    for r in rows:
        r.pieces = _join_breaks(_merge(sorted(r.pieces), gap=1), ppmm)
    # A line of text or a pen mark is not a row of trace: rows span most of the page.
    span = max(r.c1 - r.c0 for r in rows)
    rows = [r for r in rows if r.c1 - r.c0 >= 0.35 * span]
    _split_at_ticks(labels, rows, ppmm)
    return labels, rows


def _baselines(comp: np.ndarray, ppmm: float) -> list[int]:
    """Rows (top to bottom) where a component's ink runs level: one per trace it holds.

    A trace spends most of its time near its baseline, so each trace gives a peak of the
    component's ink count per image row; peaks closer than 10 mm are one trace (wander)."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import find_peaks

    prof = uniform_filter1d(comp.sum(axis=1).astype(np.float64), size=max(3, int(ppmm)))
    if prof.max() <= 0:
        return []
    peaks, _ = find_peaks(prof, height=0.3 * prof.max(), distance=max(1, int(10 * ppmm)))
    return [int(p) for p in peaks]


def _split_touching_rows(labels: np.ndarray, count: int, ppmm: float) -> int:
    """Split components in which rows of trace touch (a tall R wave reaching the row above),
    so that each row keeps its own ink. In place; returns the new label count.

    A component holds several traces when it has several ink baselines, most of its columns
    cut separate lines on both sides of the level halfway between two of them, and each
    trace's share spans most of the component's width (a lead printed higher than its
    neighbours is not a row of its own)."""
    from scipy import ndimage

    objs = ndimage.find_objects(labels)
    for i, s in enumerate(objs):
        if (
            s is None
            or (s[0].stop - s[0].start) < 15 * ppmm
            or (s[1].stop - s[1].start) < 40 * ppmm
        ):
            continue
        comp = labels[s] == i + 1
        bases = np.array(_baselines(comp, ppmm), dtype=np.float64)
        runs = [(c, ink_runs(comp[:, c])) for c in np.flatnonzero(comp.any(axis=0)).tolist()]
        while bases.size >= 2:
            mids = (bases[:-1] + bases[1:]) / 2
            two = sum(
                1
                for _, rr in runs
                if any(any(b < m for _, b in rr) and any(a > m for a, _ in rr) for m in mids)
            )
            if two < 0.5 * len(runs):
                bases = bases[:0]
                break
            owner = _owners(comp.shape, runs, bases, ppmm)
            spans = np.array([(owner == k + 1).any(axis=0).sum() for k in range(bases.size)])
            if spans.min() >= 0.7 * len(runs):
                break
            bases = np.delete(bases, int(np.argmin(spans)))
        if bases.size < 2:
            continue
        sub = labels[s]
        for k in range(2, bases.size + 1):
            part = comp & (owner == k)
            if part.any():
                count += 1
                sub[part] = count
    return count


def _owners(
    shape: tuple[int, ...],
    runs: list[tuple[int, list[tuple[int, int]]]],
    bases: np.ndarray,
    ppmm: float,
) -> np.ndarray:
    """Which trace (1..len(bases)) each vertical run of ink belongs to: the one whose zone
    (between the halfway levels) holds the whole run; else the one whose baseline the run
    passes (a tall QRS reaches across the halfway level from its own baseline). A run passing
    two baselines is a stroke shooting through the other line (it goes to the trace at whose
    baseline it ends, the other end lying well past the other line) or two lines touching
    (cut halfway); a run passing none goes to the nearer end's trace."""
    owner = np.zeros(shape, dtype=np.int64)
    mids = (bases[:-1] + bases[1:]) / 2
    near = 3 * ppmm
    for c, rr in runs:
        for a, b in rr:
            ka, kb = int(np.searchsorted(mids, a)), int(np.searchsorted(mids, b))
            if ka == kb:
                owner[a : b + 1, c] = ka + 1
                continue
            passed = [k for k in range(ka, kb + 1) if a - 2 * ppmm <= bases[k] <= b + 2 * ppmm]
            if len(passed) == 1:
                owner[a : b + 1, c] = passed[0] + 1
            elif passed:
                up, low = passed[0], passed[-1]
                if a < bases[up] - near and b <= bases[low] + near:
                    owner[a : b + 1, c] = low + 1  # the lower trace's R wave, through the line
                elif b > bases[low] + near and a >= bases[up] - near:
                    owner[a : b + 1, c] = up + 1  # the upper trace's S wave, through the line
                else:
                    cut = int(mids[up])
                    owner[a : cut + 1, c] = up + 1
                    owner[cut + 1 : b + 1, c] = up + 2
            else:
                near_a = abs(a - bases[ka]) <= abs(b - bases[kb])
                owner[a : b + 1, c] = (ka if near_a else kb) + 1
    return owner


def _tick(labels: np.ndarray, row: Row, x: int, ppmm: float) -> bool:
    """A lead-change tick near column ``x``: one column of the row's ink running straight for
    4 mm or more near the trace's level (a vertical bar; QRS strokes are slanted)."""
    half = max(1, int(1.0 * ppmm))
    lo, hi = max(0, x - half), min(labels.shape[1], x + half + 1)
    # The tick may stand apart from the trace (drawn about the nominal baseline, while the
    # trace sits higher or lower): any ink in the row's band counts.
    top = max(0, row.top - int(3 * ppmm))
    sub = labels[top : row.bottom + int(3 * ppmm), lo:hi] > 0
    near = labels[top : row.bottom + int(3 * ppmm), max(0, x - int(6 * ppmm)) : x + int(6 * ppmm)]
    ys, _ = np.nonzero(np.isin(near, row.labels))
    if ys.size == 0:
        return False
    base = float(np.median(ys))
    need = 4.0 * ppmm
    for col in sub.T:
        if col.sum() < need:
            continue
        for a, b in ink_runs(col):
            if b - a + 1 >= need and a - 3 * ppmm <= base <= b + 3 * ppmm:
                return True
    return False


def _split_at_ticks(labels: np.ndarray, rows: list[Row], ppmm: float) -> None:
    """Split rows whose lead changes are marked by ticks (no gap) into their leads: ticks at
    the three quarter points (3 x 4: once one row shows all three, the top three rows are
    all lead rows) or at the middle of most rows (6 x 2: then every row is split)."""
    if not 2 <= len(rows) < 10:
        return  # 12 x 1: every row is one lead (ticks there would be QRS strokes in step)
    width = max(r.c1 - r.c0 for r in rows)
    marks: list[tuple[bool, bool, bool]] = []
    for r in rows:
        if len(r.pieces) != 1 or (r.c1 - r.c0) < 0.8 * width:
            marks.append((False, False, False))
            continue
        # Measured back from the end: a calibration pulse joined to the start moves c0.
        span = r.c1 - r.c0
        qs = [r.c1 - round(k * span / 4) for k in (3, 2, 1)]
        marks.append(tuple(_tick(labels, r, q, ppmm) for q in qs))  # type: ignore[arg-type]
    halves = sum(1 for m in marks if m[1] and not (m[0] and m[2]))
    quarters = any(all(m) for m in marks)
    n = len(rows)
    for i, (r, m) in enumerate(zip(rows, marks, strict=True)):
        if len(r.pieces) != 1 or (r.c1 - r.c0) < 0.8 * width:
            continue
        a, b = r.pieces[0]
        span = b - a
        # The row under three lead rows is a rhythm strip: QRS strokes in step with the lead
        # changes above must not cut it.
        rhythm = i == 3 and n == 4
        if (all(m) and not rhythm) or (quarters and i < 3):
            cuts = [b - round(k * span / 4) for k in (3, 2, 1)]
        elif halves >= 0.6 * len(rows) and not quarters:
            cuts = [b - round(span / 2)]
        else:
            continue
        edges = [a, *cuts, b]
        r.pieces = [(edges[j] + (1 if j else 0), edges[j + 1]) for j in range(len(edges) - 1)]


def _join_breaks(pieces: list[tuple[int, int]], ppmm: float) -> list[tuple[int, int]]:
    """Join the pieces of a row across breaks that are not lead changes: leads change at the
    quarter or half points of the row (measured from either end, a calibration pulse may
    lengthen one); elsewhere the line only broke (a stroke off the paper's edge, a steep
    stroke at low resolution)."""
    if len(pieces) < 2:
        return pieces
    a, b = pieces[0][0], pieces[-1][1]
    span = b - a
    changes = [e + sgn * round(k * span / 4) for e, sgn in ((a, 1), (b, -1)) for k in (1, 2, 3)]
    out = [pieces[0]]
    for p in pieces[1:]:
        mid = (out[-1][1] + p[0]) / 2
        if min(abs(mid - c) for c in changes) > 3 * ppmm:
            out[-1] = (out[-1][0], p[1])
        else:
            out.append(p)
    return out


def _merge(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def choose(rows: list[Row], *, screen: bool, row_s: float = 10.0) -> Choice:
    """The strip to read, by layout: the rhythm strip (bottom row; the middle of three rhythm
    strips, lead II on standard printouts), else the longest single-lead piece. ``row_s``: the
    seconds a full row shows (10 at 25 mm/s, 5 at 50 mm/s).

    Rows that fit no known layout give the layout ``"unknown"`` (the caller refuses, once it
    knows the picture holds a trace at all).
    """
    if not rows:
        raise InputError(f"{NO_TRACE}. {HINT_PHOTO}")
    width = max(r.c1 - r.c0 for r in rows)
    full = [(r.c1 - r.c0) >= 0.8 * width and len(r.pieces) == 1 for r in rows]
    segmented = [len(r.pieces) >= 2 for r in rows]
    n = len(rows)
    if screen:
        i = full.index(True) if any(full) else 0
        return Choice(
            "monitor",
            i,
            rows[i].c0,
            rows[i].c1,
            "unknown",
            "the top trace of the screen (monitors show the ECG first)",
            ("A screenshot has no grid: the time and amplitude scales are assumed.",),
        )
    if n == 1:
        return Choice("single", 0, rows[0].c0, rows[0].c1, "as printed", "the only strip")
    # Rhythm strips: full rows at the bottom, below every segmented row.
    k = 0
    while k < n and full[n - 1 - k]:
        k += 1
    seg_rows = [i for i in range(n) if segmented[i]]
    if k and (not seg_rows or max(seg_rows) < n - k):
        if not seg_rows and n >= 10:
            i = 1
            return Choice(
                "12x1",
                i,
                rows[i].c0,
                rows[i].c1,
                "II",
                "lead II, the second of twelve full-width rows (I, II, III, ...)",
            )
        pieces = {len(rows[i].pieces) for i in seg_rows}
        cols = max(pieces) if pieces else 4
        n_lead_rows = n - k
        name = (
            f"{n_lead_rows}x{cols}+{k}"
            if seg_rows
            else ("3x4+1" if n == 4 else "3x4+3" if n == 6 else f"{n} strips")
        )
        if k == 3 and (seg_rows or n == 6):
            i = n - 2
            why = "the middle of three full-width rhythm strips (V1, II, V5 on standard printouts)"
        else:
            i = n - 1
            why = (
                "the full-width rhythm strip at the bottom, as printed on standard 12-lead layouts"
            )
            if not seg_rows and n not in (4, 6):
                why = f"the bottom one of {n} full-width strips"
        lead = "II" if (seg_rows or n in (4, 6)) else "as printed"
        return Choice(name, i, rows[i].c0, rows[i].c1, lead, why)
    if seg_rows and len(seg_rows) == n:
        # No rhythm strip: the first piece of the second row (lead II on 3 x 4 and 6 x 2).
        cols = max(len(r.pieces) for r in rows)
        i = 1
        a, b = max(rows[i].pieces[:1], key=lambda p: p[1] - p[0])
        seconds = row_s / cols
        name = f"{n}x{cols}"
        note = (
            f"There is no full-width rhythm strip: only {seconds:g} s of one lead were "
            "readable, too short to judge the rhythm."
        )
        return Choice(name, i, a, b, "II", "lead II, the first lead of the second row", (note,))
    # Rhythm strips above lead rows, or rows of any other kind: nothing standard to go by.
    i = n - 1
    return Choice("unknown", i, rows[i].c0, rows[i].c1, "unknown", "the bottom row")


def band(
    labels: np.ndarray, rows: list[Row], choice: Choice, ppmm: float
) -> tuple[np.ndarray, int, int]:
    """The chosen strip's ink: its row's long components plus the short pieces lying in its
    band (the peaks of broken QRS complexes, a calibration pulse just before it), never
    another row's trace. Returns (band mask, first col, last col)."""
    from scipy import ndimage

    row = rows[choice.row]
    pad = int(2 * ppmm)
    y0, y1 = max(0, row.top - pad), min(labels.shape[0], row.bottom + pad)
    others = {lab for j, r in enumerate(rows) if j != choice.row for lab in r.labels}
    # The pulse may sit well above or below the trace (a trace far off the zero line).
    reach = int(12 * ppmm)
    sub = labels[max(0, y0 - reach) : y1 + reach]
    ids = np.unique(sub[sub > 0])
    centres = np.array([r.centre for r in rows])
    keep = np.zeros(int(labels.max()) + 1, dtype=bool)
    objs = ndimage.find_objects(labels)
    lo = choice.c0 - int(16 * ppmm) if choice.c0 == row.c0 else choice.c0
    top, bottom = y0, y1
    pulse: tuple[int, int] | None = None  # (right end, label) of the pulse nearest the trace
    for lab in ids.tolist():
        if lab in others:
            continue
        s = objs[lab - 1]
        if s[1].start < lo or s[1].stop - 1 > choice.c1:
            continue
        if s[1].start >= choice.c0:
            if s[0].start >= y0 - pad and s[0].stop <= y1 + pad:
                keep[lab] = True
            continue
        # Before the trace: a calibration pulse (wide, not a letter), kept whole, since a
        # pulse cut by the band would read as a spike.
        w_mm, h_mm = (s[1].stop - s[1].start) / ppmm, (s[0].stop - s[0].start) / ppmm
        pulse_like = 4 <= w_mm <= 12 and 4 <= h_mm <= 25 and s[1].stop <= choice.c0 + ppmm
        mid = (s[0].start + s[0].stop) / 2
        ours = int(np.argmin(np.abs(centres - mid))) == choice.row
        if pulse_like and ours and (pulse is None or s[1].stop > pulse[0]):
            pulse = (s[1].stop, lab)  # a lead label before the pulse is not one
    if pulse is not None:
        keep[pulse[1]] = True
        s = objs[pulse[1] - 1]
        top, bottom = min(top, s[0].start), max(bottom, s[0].stop)
    for lab in row.labels:
        s = objs[lab - 1]
        if s[1].stop - 1 >= choice.c0 and s[1].start <= choice.c1:
            keep[lab] = True
    out = keep[labels]
    out[:top] = False
    out[bottom:] = False
    out[:, : max(0, lo)] = False
    out[:, choice.c1 + 1 :] = False
    cols = np.flatnonzero(out.any(axis=0))
    if cols.size == 0:
        raise InputError(f"{NO_TRACE}. {HINT_PHOTO}")
    return out, int(cols[0]), int(cols[-1])
