"""MIT-BIH beat datasets for training and evaluation (needs wfdb and the database).

Beats come from the engine's own detector (the same front end as inference) and take the
label of the reference annotation matched within 150 ms, so the model trains on exactly the
beat alignment it sees in production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diagnosis.ml import signal as sig
from diagnosis.ml.augment import crop_window

#: De Chazal et al. (2004) inter-patient split; paced records 102, 104, 107, 217 excluded.
DS1: tuple[str, ...] = (
    "101",
    "106",
    "108",
    "109",
    "112",
    "114",
    "115",
    "116",
    "118",
    "119",
    "122",
    "124",
    "201",
    "203",
    "205",
    "207",
    "208",
    "209",
    "215",
    "220",
    "223",
    "230",
)
DS2: tuple[str, ...] = (
    "100",
    "103",
    "105",
    "111",
    "113",
    "117",
    "121",
    "123",
    "200",
    "202",
    "210",
    "212",
    "213",
    "214",
    "219",
    "221",
    "222",
    "228",
    "231",
    "232",
    "233",
    "234",
)
PACED: tuple[str, ...] = ("102", "104", "107", "217")
ALL_RECORDS: tuple[str, ...] = tuple(sorted(DS1 + DS2 + PACED))

#: Matching tolerance between detected and reference beats (ANSI/AAMI EC57 style).
MATCH_TOL_S: float = 0.15


class DataMissingError(RuntimeError):
    """The MIT-BIH database is not where it was expected."""


def default_data_dir() -> Path:
    """``$ECG_MITDB_DIR`` or ``<repo>/../shared/data/mitdb``."""
    env = os.environ.get("ECG_MITDB_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "data" / "mitdb"


def check_data_dir(data_dir: Path, records: tuple[str, ...] | list[str]) -> None:
    """Raise :class:`DataMissingError` with a clear message if any record file is missing."""
    missing = [r for r in records if not (data_dir / f"{r}.hea").exists()]
    if not data_dir.is_dir() or missing:
        raise DataMissingError(
            f"MIT-BIH database not found at {data_dir} (missing records: "
            f"{', '.join(missing[:5]) or 'all'}); set ECG_MITDB_DIR or pass --data DIR"
        )


def match_beats(det: np.ndarray, ref: np.ndarray, tol: int) -> np.ndarray:
    """One-to-one matching of detected to reference beats, closest pairs first.

    Args:
        det: (k,) detected sample indices, sorted. ref: (m,) reference indices, sorted.
        tol: largest allowed distance in samples.
    Returns:
        (k,) int64: index into ``ref`` of each detection's match, or -1.
    """
    out = np.full(len(det), -1, dtype=np.int64)
    if len(det) == 0 or len(ref) == 0:
        return out
    j = np.searchsorted(ref, det)
    pairs = []
    for cand in (j - 1, j):
        ok = (cand >= 0) & (cand < len(ref))
        di = np.nonzero(ok)[0]
        dist = np.abs(ref[cand[ok]] - det[ok])
        keep = dist <= tol
        pairs.append(np.stack((dist[keep], di[keep], cand[ok][keep]), axis=1))
    allp = np.concatenate(pairs)
    allp = allp[np.argsort(allp[:, 0], kind="stable")]
    used_ref: set[int] = set()
    for _, d_i, r_i in allp:
        if out[d_i] == -1 and int(r_i) not in used_ref:
            out[d_i] = r_i
            used_ref.add(int(r_i))
    return out


@dataclass
class RecordBeats:
    """Detected beats of one record with matched reference symbols.

    ``symbol`` is "" for a detection without a reference beat; ``ref_sample``/``ref_symbol``
    list every reference beat (for detection sensitivity).
    """

    record: str
    peaks: np.ndarray  # (k,) int64 at 360 Hz
    wide: np.ndarray  # (k, WIDE_PRE + WIDE_POST) float32 mV, R at WIDE_PRE
    context: np.ndarray  # (k, N_CONTEXT) float32
    symbol: np.ndarray  # (k,) <U1
    ref_sample: np.ndarray  # (m,) int64
    ref_symbol: np.ndarray  # (m,) <U1


def read_mitdb_lead(data_dir: Path, record: str) -> tuple[np.ndarray, float, str]:
    """MLII when present, else the first lead: (signal mV, fs, lead name)."""
    import wfdb

    rec = wfdb.rdrecord(str(data_dir / record))
    names = list(rec.sig_name)
    ch = names.index("MLII") if "MLII" in names else 0
    return rec.p_signal[:, ch].astype(np.float64), float(rec.fs), names[ch]


def record_beats(data_dir: Path, record: str, cache_dir: Path | None = None) -> RecordBeats:
    """Run the engine front end on one MIT-BIH record and label detections.

    The detections and windows are cached; the record context is computed from them on every
    load (cheap), so a change of context features never reads a stale cache.
    """
    cache = cache_dir / f"{record}.npz" if cache_dir else None
    if cache is not None and cache.exists():
        z = np.load(cache)
        peaks, wide = z["peaks"], z["wide"]
        ctx = sig.record_context(peaks, crop_window(wide))
        return RecordBeats(record, peaks, wide, ctx, z["symbol"], z["rs"], z["rsym"])
    import wfdb

    x, fs, _ = read_mitdb_lead(data_dir, record)
    front = sig.front_end(x, fs)
    peaks, ctx = front.peaks, front.context
    wide = sig.beat_windows(front.xc, peaks, sig.WIDE_PRE, sig.WIDE_POST)
    ann = wfdb.rdann(str(data_dir / record), "atr")
    scale = sig.FS / fs
    syms = np.asarray(ann.symbol)
    samp = np.round(np.asarray(ann.sample) * scale).astype(np.int64)
    from diagnosis.ml.classes import BEAT_SYMBOLS

    is_ref = np.isin(syms, [*BEAT_SYMBOLS, "!"])
    rs, rsym = samp[is_ref], syms[is_ref]
    m = match_beats(peaks, rs, round(MATCH_TOL_S * sig.FS))
    symbol = np.where(m >= 0, rsym[np.maximum(m, 0)], "").astype("<U1")
    out = RecordBeats(record, peaks, wide, ctx, symbol, rs, rsym.astype("<U1"))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, peaks=peaks, wide=wide, symbol=symbol, rs=rs, rsym=out.ref_symbol)
    return out
