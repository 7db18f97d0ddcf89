"""The only place Django code calls the ECG engine. Runs in Celery workers, never in a
request (in embedded mode the in-process task runner plays the worker).

A :class:`~diagnosis.ml.predict.Classifier` is loaded once per process and per model
version; when the active version changes, the next job loads the new one.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from diagnosis.ml.errors import InputError

__all__ = [
    "TRACE_FS",
    "InputError",
    "analyse_file",
    "classifier_for",
    "installed_models",
    "model_dir",
    "validate_upload",
]

#: Rate of the stored display trace (Hz): enough for the eye, ~0.5 MB per 30 minutes.
TRACE_FS = 125.0

log = logging.getLogger(__name__)
_lock = threading.Lock()
_classifiers: dict[tuple[str, str], Any] = {}


def model_dir(directory: str) -> Path:
    return Path(settings.ECG_MODELS_DIR) / directory


def classifier_for(version: str, directory: str) -> Any:
    """The process's loaded classifier for a model version (loaded and hash-checked once)."""
    from diagnosis.ml.predict import Classifier

    key = (version, str(model_dir(directory)))
    with _lock:
        classifier = _classifiers.get(key)
        if classifier is None:
            _classifiers.clear()  # one version in memory at a time
            classifier = Classifier.load(model_dir(directory), threads=1)
            _classifiers[key] = classifier
        return classifier


def analyse_file(
    path: Path, *, version: str, directory: str
) -> tuple[dict[str, Any], np.ndarray | None, dict[str, float]]:
    """Classify a stored upload.

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
    data = read_input(path)
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
