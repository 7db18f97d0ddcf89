"""The only place Django code calls the ECG engine (``diagnosis.ml``): inference on uploads,
model versions on disk, labelled-data imports and training. Runs in Celery workers, never in
a request (in embedded mode the in-process task runner plays the worker); the web process
only calls the cheap content checks of :func:`validate_upload`.

A :class:`~diagnosis.ml.predict.Classifier` is loaded once per process and per model
version; when the active version changes, the next job loads the new one. TensorFlow is
imported only by :func:`train_candidate`, in the training worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

# Only light modules at import (the class table, the error types): the web process loads
# this module; the engine's signal code (SciPy) and TensorFlow load inside the functions.
from diagnosis.ml.classes import CLASS_AAMI
from diagnosis.ml.errors import InputError, TrainingCancelled

__all__ = [
    "CLASS_AAMI",
    "MAX_IMPORT_EXAMPLES",
    "TRACE_FS",
    "ImportItem",
    "InputError",
    "ParsedImport",
    "TrainingCancelled",
    "analyse_file",
    "classifier_for",
    "file_sha256",
    "installed_models",
    "model_dir",
    "parse_import",
    "recipe_epochs",
    "train_candidate",
    "training_window_size",
    "validate_upload",
    "verify_model",
    "window_for_beat",
    "window_sha256",
]

#: Rate of the stored display trace (Hz): enough for the eye, ~0.5 MB per 30 minutes.
TRACE_FS = 125.0

log = logging.getLogger(__name__)
_lock = threading.Lock()
_classifiers: dict[tuple[str, str, str], Any] = {}


def model_dir(directory: str) -> Path:
    """A local folder holding the model version (shipped, or fetched from the storage)."""
    from diagnosis.files import model_path

    return model_path(directory)


def classifier_for(version: str, directory: str) -> Any:
    """The process's loaded classifier for a model version (loaded and hash-checked once)."""
    from diagnosis.ml.predict import Classifier

    # The shipped folder is part of the key (tests switch ECG_MODELS_DIR); a stored
    # version is resolved (and maybe downloaded) only when it is not loaded yet.
    key = (version, directory, str(settings.ECG_MODELS_DIR))
    with _lock:
        classifier = _classifiers.get(key)
        if classifier is None:
            _classifiers.clear()  # one version in memory at a time
            classifier = Classifier.load(model_dir(directory), threads=1)
            _classifiers[key] = classifier
        return classifier


def analyse_file(
    path: Path,
    *,
    version: str,
    directory: str,
    fs: float | None = None,
    page: int | None = None,
) -> tuple[dict[str, Any], np.ndarray | None, dict[str, float]]:
    """Classify a stored upload (``fs``: the rate the uploader gave for a CSV of bare
    samples; ``page``: the PDF page the person chose, 1 = the first).

    Returns:
        (the engine's JSON object, the display trace as ``(TRACE_FS Hz float16 array)`` or
        ``None`` for a beat image, timings in seconds). A picture or PDF of an ECG strip is
        digitized and gives the record format plus ``"digitized"`` (quality, rate, grid,
        rotation); its trace is the digitized signal.
    Raises:
        InputError: the file is not a readable ECG (message for the user).
    """
    from diagnosis.ml import signal as ecg_signal
    from diagnosis.ml.pipeline import classify_input, read_input

    started = time.perf_counter()
    classifier = classifier_for(version, directory)
    loaded = time.perf_counter()
    with memory_cap(int(settings.TASK_MEMORY_MB)):
        data = read_input(path, fs=fs, page=page - 1 if page else None)
        read = time.perf_counter()
        result = classify_input(classifier, data)
        trace = None
        if data.record is not None:
            record = data.record
            trace = ecg_signal.resample(record.signal, record.fs, TRACE_FS).astype(np.float16)
    finished = time.perf_counter()
    timings = {
        "model_load_s": round(loaded - started, 3),
        "read_s": round(read - loaded, 3),
        "classify_s": round(finished - read, 3),
    }
    return result, trace, timings


TOO_LARGE = (
    "This recording is too large to analyse: it needs more than {mb} MB of memory. Upload a "
    "shorter stretch (up to a few hours), or a lower sampling rate."
)


@contextlib.contextmanager
def memory_cap(mb: int) -> Iterator[None]:
    """Cap this process's address space at its current size + ``mb`` MB while reading and
    classifying one upload (Linux ``RLIMIT_AS``; 0: no cap), so a hostile or huge file ends
    as a clear failure instead of taking the worker's machine down.

    Raises:
        InputError: the work needed more (a ``MemoryError`` inside).
    """
    if mb <= 0 or not hasattr(resource, "RLIMIT_AS"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    limit = size + mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    except MemoryError as exc:
        raise InputError(TOO_LARGE.format(mb=mb)) from exc
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def validate_upload(path: Path, *, fs: float | None = None) -> tuple[str, str]:
    """Cheap content checks of an upload (no signal decoding).

    Returns:
        (kind, format): kind ``beat_image`` or ``record`` (a strip picture is a record: it is
        digitized into one); format as stored: png, jpeg, pdf, wfdb (a bare header),
        wfdb-zip, csv or edf.
    Raises:
        InputError: with a one-line reason for the user.
    """
    from diagnosis.ml import io as ecg_io

    fmt = ecg_io.sniff(path)
    kind = "" if fmt == "wfdb" else ecg_io.validate_upload(path, fs=fs)
    if kind == "strip":
        kind = "record"
    return kind, {"zip": "wfdb-zip", "bdf": "edf"}.get(fmt, fmt)


def installed_models() -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """Every model version under ``ECG_MODELS_DIR`` as (directory name, verified metadata),
    and the directory name of the default version."""
    from diagnosis.ml import artifacts

    root = Path(settings.ECG_MODELS_DIR)
    default = artifacts.resolve_model_dir(root).name
    versions = []
    for directory in sorted(root.iterdir()):
        if not (directory / artifacts.METADATA).is_file():
            continue
        try:
            versions.append((directory.name, artifacts.load_metadata(directory, verify=True)))
        except artifacts.UnsupportedFormatError as exc:
            # Candidates trained by an older engine stay on disk but cannot serve.
            log.warning("model version skipped: %s", exc)
    return versions, default


# --- Labelled-data imports and training examples ------------------------------------------


#: Most examples one archive may add (the rest are refused, said so in the report).
MAX_IMPORT_EXAMPLES = 20_000


@dataclass
class ImportItem:
    """One labeled beat read from an archive."""

    name: str  # where it came from (archive path, or record:sample)
    label: str
    holdout: bool
    window: bytes  # float32 (WIDE,) at 360 Hz, R at WIDE_PRE
    sha256: str  # of the image file, or of the window for record beats
    png: bytes  # the picture to show (the image itself, or the beat drawn)


@dataclass
class ParsedImport:
    kind: str  # "images" or "wfdb"
    items: list[ImportItem] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)


def window_sha256(window: np.ndarray) -> str:
    return hashlib.sha256(np.asarray(window, np.float32).tobytes()).hexdigest()


def parse_import(path: Path) -> ParsedImport:
    """Read a labeled-data zip (see ``diagnosis.ml.readers.labeled_zip``).

    Per-item problems (unknown class folder, corrupt image, duplicate inside the archive,
    unreadable record) become ``refused`` entries; problems with the whole archive raise.
    Raises:
        InputError: damaged, unsafe or unrecognised archive (message for the administrator).
    """
    from diagnosis.ml.readers import labeled_zip

    zf, members, kind = labeled_zip.open_labeled_zip(path)
    parsed = ParsedImport(kind=kind)
    tmp = Path(tempfile.mkdtemp(prefix="ecg-import-"))
    try:
        with zf:
            if kind == "images":
                _parse_images(zf, members, tmp, parsed)
            else:
                _parse_records(zf, members, tmp, parsed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return parsed


def _refuse(parsed: ParsedImport, name: str, reason: str) -> None:
    parsed.refused.append({"name": name, "reason": reason})


def _parse_images(zf: Any, members: dict[str, Any], tmp: Path, parsed: ParsedImport) -> None:
    from diagnosis.ml import retrain
    from diagnosis.ml.readers import labeled_zip

    images, others = labeled_zip.image_members(members)
    for name in others:
        _refuse(parsed, name, "not a beat image in a class folder (train/<class>/*.png)")
    seen: dict[str, str] = {}
    for member in images:
        if member.label is None:
            _refuse(
                parsed,
                member.name,
                f"unknown class folder '{member.folder}' (expected one of "
                "NOR LBB RBB APC PVC PAB VEB VFW)",
            )
            continue
        if len(parsed.items) >= MAX_IMPORT_EXAMPLES:
            _refuse(parsed, member.name, f"more than {MAX_IMPORT_EXAMPLES} examples in one import")
            continue
        try:
            data = labeled_zip.read_member(zf, member.info, labeled_zip.MAX_BEAT_IMAGE_BYTES)
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                raise InputError(f"duplicate of '{seen[digest]}' in the same archive")
            target = tmp / f"beat{Path(member.name).suffix.lower()}"
            target.write_bytes(data)
            wide = retrain.wide_from_image(target)
        except InputError as exc:
            _refuse(parsed, member.name, str(exc))
            continue
        seen[digest] = member.name
        parsed.items.append(
            ImportItem(
                name=member.name,
                label=member.label,
                holdout=member.holdout,
                window=wide.astype(np.float32).tobytes(),
                sha256=digest,
                png=data,
            )
        )


def _parse_records(zf: Any, members: dict[str, Any], tmp: Path, parsed: ParsedImport) -> None:
    from diagnosis.ml import retrain
    from diagnosis.ml.readers import labeled_zip

    records, refused = labeled_zip.extract_records(zf, members, tmp)
    for name, reason in refused:
        _refuse(parsed, name, reason)
    seen: set[str] = set()
    for record in records:
        try:
            wide, labels, peaks = retrain.record_examples(tmp, record)
        except Exception as exc:  # wfdb raises many kinds on a broken record
            _refuse(parsed, f"{record}.hea", f"the record could not be read ({exc})")
            continue
        for window, label, peak in zip(wide, labels, peaks, strict=True):
            name = f"{record}:{peak}"
            if len(parsed.items) >= MAX_IMPORT_EXAMPLES:
                _refuse(parsed, name, f"more than {MAX_IMPORT_EXAMPLES} examples in one import")
                continue
            digest = window_sha256(window)
            if digest in seen:
                _refuse(parsed, name, "duplicate beat in the same archive")
                continue
            seen.add(digest)
            parsed.items.append(
                ImportItem(
                    name=name,
                    label=label,
                    # Held out by content hash: about one beat in five, stable across imports.
                    holdout=int(digest[:8], 16) % 5 == 0,
                    window=np.asarray(window, np.float32).tobytes(),
                    sha256=digest,
                    png=retrain.beat_image_png(window),
                )
            )


def window_for_beat(path: Path, *, sample: int | None, fs: float | None = None) -> np.ndarray:
    """The (WIDE,) training window of a stored upload's beat: the beat at ``sample`` (at the
    file's own rate) of a record or a strip picture, or the single beat of a beat image
    (``sample`` None). ``fs``: the rate the uploader gave for a CSV of bare samples.

    Raises:
        InputError: the file cannot be read.
    """
    from diagnosis.ml import retrain
    from diagnosis.ml.pipeline import read_input

    data = read_input(path, fs=fs)
    if data.kind == "beat_image":
        return retrain.wide_from_image(path)
    if sample is None or data.record is None:
        raise InputError("a record's example needs a beat position")
    return retrain.wide_from_signal(data.record.signal, float(data.record.fs), [sample])[0]


# --- Model versions and training -----------------------------------------------------------


def verify_model(directory: str) -> dict[str, Any]:
    """A model version's metadata (shipped or stored, see :func:`model_dir`), after checking
    every file's sha256.

    Raises:
        ModelIntegrityError: a file is missing or changed.
    """
    from diagnosis.ml import artifacts

    return artifacts.load_metadata(model_dir(directory), verify=True)


def file_sha256(path: Path) -> str:
    from diagnosis.ml.artifacts import sha256_file

    return sha256_file(path)


def training_window_size() -> int:
    """Samples in a training window (360 Hz, R peak at ``WIDE_PRE``)."""
    from diagnosis.ml.retrain import WIDE

    return int(WIDE)


def recipe_epochs(*, small: bool) -> int:
    """Epochs per model of the shipped (or the small) recipe: what the CLI ``train`` uses,
    and the retraining form's default."""
    from diagnosis.ml.train import RECIPE, SMALL_RECIPE

    return (SMALL_RECIPE if small else RECIPE).epochs


def train_candidate(
    out_dir: Path,
    *,
    windows: np.ndarray,
    labels: list[str],
    holdout: np.ndarray,
    small: bool,
    epochs: int,
    seed: int,
    progress: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    extra_metadata: dict[str, Any],
) -> dict[str, Any]:
    """Train and evaluate a candidate into the local folder ``out_dir`` with the engine's
    one training path (``diagnosis.ml.retrain``). Returns its metadata. The caller
    publishes the folder to the storage (``diagnosis.files.model_publish``).

    A full run uses DS1 + the paced records of ``ECG_TRAINING_DATA_DIR`` and the DS2
    benchmark; a small run uses the annotated records in ``ECG_TRAINING_SMALL_DIR`` and no
    benchmark.
    Raises:
        TrainingCancelled: ``should_stop`` said so; nothing is left behind.
    """
    from diagnosis.ml import retrain

    data_dir = Path(settings.ECG_TRAINING_DATA_DIR)
    examples = retrain.Examples(np.asarray(windows, np.float32), labels, np.asarray(holdout, bool))
    if small:
        small_dir = Path(settings.ECG_TRAINING_SMALL_DIR)
        records = sorted(
            p.stem for p in small_dir.glob("*.hea") if (small_dir / f"{p.stem}.atr").is_file()
        )
        base_dir: Path | None = small_dir if records else None
    else:
        records = None
        base_dir = data_dir
    return retrain.train_candidate(
        out_dir,
        examples=examples,
        base_dir=base_dir,
        base_records=records,
        benchmark_dir=data_dir,
        cache_dir=None if small else Path(settings.ECG_TRAINING_CACHE_DIR),
        epochs=epochs,
        seed=seed,
        small=small,
        progress=progress,
        should_stop=should_stop,
        extra_metadata=extra_metadata,
    )


def candidate_remove(directory: str) -> None:
    """Delete a trained candidate's folder that was never registered (its run was closed
    meanwhile, or registering failed): a failed run leaves no model behind."""
    if not directory or Path(directory).name != directory:
        raise ValueError(f"not a model folder name: {directory!r}")
    shutil.rmtree(model_dir(directory), ignore_errors=True)
