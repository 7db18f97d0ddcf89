"""Files through Django's storage API, so every process can run on another machine.

Everything a user or the training worker writes (uploads, traces, reports, retrained model
versions) lives in the default storage: the local ``MEDIA_ROOT`` in embedded mode, an S3
bucket when ``STORAGE_URL`` / ``AWS_STORAGE_BUCKET_NAME`` are set (``ecgsite.settings``).
Nothing here assumes a file has a local path; the two places that need one (the engine
reads a path, a model is loaded from a folder) go through :func:`local_copy` and
:func:`model_path`.

Model versions shipped with the code stay in ``ECG_MODELS_DIR`` (read-only, in the image);
retrained ones are published under ``models/<directory>/`` in the storage and each worker
keeps a local copy in ``ECG_MODEL_CACHE_DIR``, keyed by the hash of their ``metadata.json``
(which holds the sha256 of every weight file, checked again when the model is loaded).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db.models.fields.files import FieldFile


def _storage_errors() -> tuple[type[Exception], ...]:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is a requirement
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


#: What reading or writing the storage raises when it is unreachable or refuses (a local
#: disk's OSError; S3's botocore errors): transient, so tasks retry instead of failing.
STORAGE_ERRORS = _storage_errors()

#: Where retrained model versions live in the storage.
MODELS_PREFIX = "models"
METADATA = "metadata.json"
_CHUNK = 1024 * 1024

log = logging.getLogger(__name__)
_lock = threading.Lock()
_resolved: dict[str, Path] = {}


def local_path(storage: Storage, name: str) -> Path | None:
    """The file's path when ``storage`` is a local filesystem, else ``None``."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # object storage: no local path
        return None


@contextlib.contextmanager
def local_copy(field_file: FieldFile) -> Iterator[Path]:
    """A path to a stored file for code that needs one (the engine): the file itself on a
    local filesystem, else a temporary copy (same name, so the same extension) that is
    removed on exit, whatever happens."""
    path = local_path(field_file.storage, field_file.name or "")
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="ecg-file-") as tmp:
        target = Path(tmp) / Path(field_file.name or "file").name
        with field_file.storage.open(field_file.name or "", "rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)
        yield target


# --- Model versions -------------------------------------------------------------------------


def _stored_name(directory: str, relative: str = "") -> str:
    return f"{MODELS_PREFIX}/{directory}/{relative}" if relative else f"{MODELS_PREFIX}/{directory}"


def model_stored(directory: str) -> bool:
    """Whether a retrained model version ``directory`` is in the storage."""
    return bool(default_storage.exists(_stored_name(directory, METADATA)))


def model_publish(*, directory: str, source: Path) -> None:
    """Copy a trained model version's folder into the storage (``metadata.json`` last, so a
    half-published version is never taken for a complete one).
    Raises:
        FileExistsError: a version with that directory name is already stored.
    """
    if model_stored(directory):
        raise FileExistsError(f"model version {directory} is already stored")
    files = sorted(p for p in source.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == METADATA)
    for path in files:
        relative = path.relative_to(source).as_posix()
        wanted = _stored_name(directory, relative)
        with path.open("rb") as handle:
            saved = default_storage.save(wanted, File(handle))
        if saved != wanted:  # storage renamed it: a leftover of an earlier attempt
            default_storage.delete(saved)
            raise FileExistsError(f"{wanted} is already stored")


def model_unpublish(directory: str) -> None:
    """Remove a stored model version (a candidate that could not be registered). Best
    effort: called on an error path, it logs a storage failure instead of raising (an
    unregistered leftover is never served)."""
    try:
        for name in _stored_files(directory):
            default_storage.delete(_stored_name(directory, name))
    except STORAGE_ERRORS:
        log.warning("model version %s: could not remove it from the storage", directory)


def _stored_files(directory: str, sub: str = "") -> list[str]:
    try:
        folders, files = default_storage.listdir(_stored_name(directory, sub))
    except FileNotFoundError:  # a local storage without it (object storage lists nothing)
        return []
    found = [f"{sub}{name}" for name in files]
    for folder in folders:
        found += _stored_files(directory, f"{sub}{folder}/")
    return found


def model_path(directory: str) -> Path:
    """A local folder holding model version ``directory``, for the engine to load.

    Shipped versions (``ECG_MODELS_DIR``) and a local storage are used in place; a version in
    object storage is downloaded once into ``ECG_MODEL_CACHE_DIR/<directory>-<hash>`` (the
    hash of its metadata, so a changed version is never served from a stale copy).
    """
    shipped = Path(settings.ECG_MODELS_DIR) / directory
    if (shipped / METADATA).is_file() or not model_stored(directory):
        return shipped  # a missing version fails where it is loaded, with its own message
    local = local_path(default_storage, _stored_name(directory))
    if local is not None:
        return local
    with _lock:
        cached = _resolved.get(directory)
        if cached is not None and (cached / METADATA).is_file():
            return cached
        cached = _model_download(directory)
        _resolved[directory] = cached
        return cached


def _model_download(directory: str) -> Path:
    with default_storage.open(_stored_name(directory, METADATA), "rb") as handle:
        metadata = handle.read()
    root = Path(settings.ECG_MODEL_CACHE_DIR)
    target = root / f"{directory}-{hashlib.sha256(metadata).hexdigest()[:16]}"
    if (target / METADATA).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=root))
    try:
        for name in _stored_files(directory):
            if name == METADATA:
                continue
            out = staging / name
            out.parent.mkdir(parents=True, exist_ok=True)
            with (
                default_storage.open(_stored_name(directory, name), "rb") as src,
                out.open("wb") as dst,
            ):
                shutil.copyfileobj(src, dst, _CHUNK)
        (staging / METADATA).write_bytes(metadata)
        try:
            staging.rename(target)  # atomic: another process may have won the race
        except OSError:
            if not (target / METADATA).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
