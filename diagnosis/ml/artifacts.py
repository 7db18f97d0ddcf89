"""Model artifacts: find a model directory, read its metadata, verify file hashes.

A model directory ``models/<version>/`` holds the weight files and ``metadata.json``, whose
``files`` map gives each weight file's sha256. Loading refuses a directory whose files do not
match (why: a silently swapped or corrupted model would give wrong diagnoses).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

FORMAT_VERSION = 2
METADATA = "metadata.json"
DEFAULT_FILE = "DEFAULT"


class ModelIntegrityError(RuntimeError):
    """A model file is missing or its sha256 differs from metadata.json."""


class UnsupportedFormatError(ModelIntegrityError):
    """A model version written for another engine (its metadata ``format_version`` differs):
    format 1 versions had one network and absolute-seconds RR features, which this engine
    no longer computes."""


def repo_root() -> Path:
    """The repository root (two levels above this package)."""
    return Path(__file__).resolve().parents[2]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_model_dir(model_dir: str | Path | None = None) -> Path:
    """The model version directory to use.

    Order: ``model_dir`` argument, ``$ECG_MODELS_DIR`` (the site's setting of the same name:
    the folder of model versions), then ``<repo>/models``. A directory holding
    ``metadata.json`` is used as is; a models root is resolved through its ``DEFAULT`` file
    (one line: the version directory name), else its newest version.
    """
    raw = model_dir or os.environ.get("ECG_MODELS_DIR") or repo_root() / "models"
    path = Path(raw)
    if (path / METADATA).is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"model directory not found: {path}")
    default = path / DEFAULT_FILE
    if default.is_file():
        chosen = path / default.read_text().strip()
        if (chosen / METADATA).is_file():
            return chosen
        raise FileNotFoundError(f"{default} names {chosen.name}, which has no {METADATA}")
    versions = sorted(p for p in path.iterdir() if (p / METADATA).is_file())
    if not versions:
        raise FileNotFoundError(f"no model version (a folder with {METADATA}) under {path}")
    return versions[-1]


def load_metadata(model_dir: Path, *, verify: bool = True) -> dict[str, Any]:
    """Read ``metadata.json`` and (by default) check every listed file's sha256.

    Raises:
        ModelIntegrityError: a listed file is missing or its hash differs.
    """
    meta = json.loads((model_dir / METADATA).read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise UnsupportedFormatError(
            f"{model_dir}: metadata format {meta.get('format_version')!r}, "
            f"expected {FORMAT_VERSION} (a version made for an older engine cannot be used)"
        )
    if verify:
        for name, info in meta["files"].items():
            path = model_dir / name
            if not path.is_file():
                raise ModelIntegrityError(f"{model_dir}: model file {name} is missing")
            got = sha256_file(path)
            if got != info["sha256"]:
                raise ModelIntegrityError(
                    f"{model_dir}: sha256 of {name} is {got}, metadata.json says {info['sha256']}"
                    " - the model file was changed or corrupted; refusing to load it"
                )
    return meta


def file_entries(model_dir: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """``files`` entries (sha256 and size) for the named files in ``model_dir``."""
    return {
        n: {"sha256": sha256_file(model_dir / n), "bytes": (model_dir / n).stat().st_size}
        for n in names
    }


def write_metadata(model_dir: Path, meta: dict[str, Any]) -> None:
    """Write ``metadata.json`` (pretty, stable key order for readable diffs)."""
    (model_dir / METADATA).write_text(json.dumps(meta, indent=2) + "\n")
