"""Mutation fuzzing of every reader and the strip digitizer: seeds made from the committed
MIT-BIH excerpt (CSV layouts, a WFDB zip, EDF, a beat picture, a strip picture), mutated by a
seeded generator, then run through the upload check (``io.validate_upload``, the web
process) and the full read (``pipeline.read_input``, the worker). Every input must end as a
result or an ``InputError``; anything else is a crash. Used by the short test run
(``test_fuzz_readers.py``) and the long one (``benchmarks/fuzz.py``)."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wfdb

from diagnosis.ml import io as ecg_io
from diagnosis.ml.errors import InputError
from diagnosis.ml.pipeline import read_input
from tests.diagnosis import ecg_files

#: What one fuzz input may cost before it counts as a hang (seconds).
HANG_S = 20.0
#: Seeds whose rate the uploader types (a CSV of bare samples).
RATE_GIVEN = {"csv-bare": 360.0}


def _signal() -> np.ndarray:
    return wfdb.rdrecord(str(ecg_files.EXCERPT), channels=[0]).p_signal[:, 0]


def _csv_bare() -> bytes:
    return "\n".join(f"{v:.3f}" for v in _signal()).encode()


def _csv_time() -> bytes:
    x = _signal()
    return (
        "time,MLII (mV)\n" + "\n".join(f"{i / 360:.5f},{v:.3f}" for i, v in enumerate(x))
    ).encode()


def _csv_apple() -> bytes:
    head = "Name,Someone\nRecorded Date,2026-01-01 10:00:00 +0000\nSample Rate,512 hertz\n"
    head += "Lead,Lead I\nUnit,µV\n\n"
    x = np.interp(np.arange(5120) / 512, np.arange(3600) / 360, _signal()) * 1000
    return (head + "\n".join(f"{v:.1f}" for v in x)).encode()


def _edf(tmp: Path) -> bytes:
    from pyedflib import highlevel

    path = tmp / "seed.edf"
    header = highlevel.make_signal_header(
        "ECG II", dimension="mV", sample_frequency=360, physical_min=-10, physical_max=10
    )
    highlevel.write_edf(str(path), [_signal()], [header])
    return path.read_bytes()


def _strip_png() -> bytes:
    from tests.ml import strip_render

    img, _ = strip_render.render_strip(_signal(), 360, px_per_mm=6)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def seeds(tmp: Path) -> dict[str, tuple[str, bytes]]:
    """Seed files by name: (file suffix, bytes). Names ending in ``-inside`` are mutated
    inside their container (zip members, PNG pixels) by :func:`mutate_for`, so the fuzz
    reaches the readers behind a checksum."""
    zipped = ecg_files.wfdb_zip()
    beat, strip = ecg_files.beat_png("N"), _strip_png()
    return {
        "csv-bare": (".csv", _csv_bare()),
        "csv-time": (".csv", _csv_time()),
        "csv-apple-watch": (".csv", _csv_apple()),
        "wfdb-zip": (".zip", zipped),
        "wfdb-zip-inside": (".zip", zipped),
        "edf": (".edf", _edf(tmp)),
        "beat-png": (".png", beat),
        "beat-png-inside": (".png", beat),
        "strip-png-inside": (".png", strip),
    }


def _mutate_zip_members(data: bytes, rng: random.Random) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    name = rng.choice(sorted(members))
    members[name] = mutate(members[name], rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    return buffer.getvalue()


def _mutate_pixels(data: bytes, rng: random.Random) -> bytes:
    from PIL import Image

    img = np.array(Image.open(io.BytesIO(data)).convert("L"))
    h, w = img.shape
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(4)
        y, x = rng.randrange(h), rng.randrange(w)
        dy, dx = rng.randint(1, max(1, h // 3)), rng.randint(1, max(1, w // 3))
        if kind == 0:
            img[y : y + dy, x : x + dx] = rng.randrange(256)  # a blot
        elif kind == 1:
            noise = np.random.default_rng(rng.randrange(2**32)).integers(0, 256, (h, w))
            img = np.where(noise < rng.randint(1, 60), 255 - img, img).astype(np.uint8)
        elif kind == 2:
            img = img[rng.randint(0, h // 2) :, rng.randint(0, w // 2) :]  # cropped
            h, w = img.shape
        else:
            img = np.ascontiguousarray(np.rot90(img, rng.randint(1, 3)))
            h, w = img.shape
    buffer = io.BytesIO()
    Image.fromarray(img).save(buffer, format="PNG")
    return buffer.getvalue()


def mutate_for(name: str, data: bytes, rng: random.Random) -> bytes:
    """The mutation a seed gets: inside its container, or its raw bytes."""
    if name.endswith("-inside"):
        return (_mutate_zip_members if name.startswith("wfdb") else _mutate_pixels)(data, rng)
    return mutate(data, rng)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to eight random edits: flip, overwrite with a boundary value, insert, delete a
    run, truncate, or duplicate a run."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not out:
            out.extend(rng.randbytes(rng.randint(1, 64)))
            continue
        at = rng.randrange(len(out))
        kind = rng.randrange(6)
        if kind == 0:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            out[at : at + 1] = rng.choice([b"\x00", b"\xff", b"-", b"9" * 9, b"nan", b"\n" * 3])
        elif kind == 2:
            out[at:at] = rng.randbytes(rng.randint(1, 32))
        elif kind == 3:
            del out[at : at + rng.randint(1, 4096)]
        elif kind == 4:
            del out[rng.randint(0, len(out)) :]
        else:
            out[at:at] = out[at : at + rng.randint(1, 2048)] * rng.randint(1, 4)
    return bytes(out)


@dataclass
class Outcome:
    kind: str  # "accepted", "rejected" (InputError), "crash"
    seconds: float
    error: str = ""


def run_one(path: Path, fs: float | None = None) -> Outcome:
    """The upload check, then (if it passes) the worker's full read, on one file (``fs``:
    the rate a person would type for a CSV of bare samples)."""
    start = time.perf_counter()
    try:
        ecg_io.validate_upload(path, fs=fs)
        read_input(path, fs=fs)
    except InputError:
        return Outcome("rejected", time.perf_counter() - start)
    except Exception as exc:  # the finding: anything but a clean rejection
        return Outcome("crash", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    return Outcome("accepted", time.perf_counter() - start)


def fuzz(
    tmp: Path, n_per_seed: int, seed: int = 0, report: Callable[[str], None] | None = None
) -> dict[str, dict[str, object]]:
    """Run ``n_per_seed`` mutations of every seed; per seed: counts by outcome, the slowest
    input and the first crashes."""
    results: dict[str, dict[str, object]] = {}
    for name, (suffix, data) in seeds(tmp).items():
        rng = random.Random(f"{seed}:{name}")
        counts = {"accepted": 0, "rejected": 0, "crash": 0, "hang": 0}
        crashes: list[str] = []
        slowest = 0.0
        for k in range(n_per_seed):
            path = tmp / f"input{suffix}"
            path.write_bytes(mutate_for(name, data, rng))
            outcome = run_one(path, fs=RATE_GIVEN.get(name))
            counts[outcome.kind] += 1
            if outcome.seconds > HANG_S:
                counts["hang"] += 1
            slowest = max(slowest, outcome.seconds)
            if outcome.kind == "crash" and len(crashes) < 5:
                crashes.append(f"#{k}: {outcome.error[:300]}")
        results[name] = {**counts, "slowest_s": round(slowest, 2), "crashes": crashes}
        if report:
            report(f"{name}: {counts} slowest {slowest:.2f} s")
    return results
