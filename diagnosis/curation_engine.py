"""The curation side of the Django -> engine bridge (``diagnosis/inference.py`` is the
inference side): reading labeled-data archives, cutting beats out of stored analyses, and
training a candidate. TensorFlow is imported only by :func:`train_candidate`, which runs in
the training worker.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml.errors import InputError
from diagnosis.ml.retrain import TrainingCancelled
from diagnosis.ml.train import RECIPE, SMALL_RECIPE

#: Epochs per model of the shipped and of the small recipe (the retraining form's defaults).
RECIPE_EPOCHS = RECIPE.epochs
SMALL_RECIPE_EPOCHS = SMALL_RECIPE.epochs

__all__ = [
    "MAX_IMPORT_EXAMPLES",
    "RECIPE_EPOCHS",
    "SMALL_RECIPE_EPOCHS",
    "ImportItem",
    "InputError",
    "ParsedImport",
    "TrainingCancelled",
    "parse_import",
    "train_candidate",
    "verify_model",
    "window_for_beat",
    "window_sha256",
]

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


def window_for_beat(path: Path, *, sample: int | None) -> np.ndarray:
    """The (WIDE,) training window of a stored upload's beat: the beat at ``sample`` (at the
    file's own rate) of a record, or the single beat of a beat image (``sample`` None).

    Raises:
        InputError: the file cannot be read.
    """
    from diagnosis.ml import io as ecg_io
    from diagnosis.ml import retrain

    if ecg_io.detect_kind(path) == "beat_image":
        return retrain.wide_from_image(path)
    if sample is None:
        raise InputError("a record's example needs a beat position")
    record = ecg_io.read_record(path)
    return retrain.wide_from_signal(record.signal, float(record.fs), [sample])[0]


def verify_model(directory: Path) -> dict[str, Any]:
    """A model version's metadata, after checking every file's sha256.

    Raises:
        ModelIntegrityError: a file is missing or changed.
    """
    from diagnosis.ml import artifacts

    return artifacts.load_metadata(directory, verify=True)


def train_candidate(
    out_dir: Path,
    *,
    windows: np.ndarray,
    labels: list[str],
    holdout: np.ndarray,
    small: bool,
    epochs: int,
    seed: int,
    data_dir: Path,
    small_dir: Path,
    cache_dir: Path | None,
    progress: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    extra_metadata: dict[str, Any],
) -> dict[str, Any]:
    """Train and evaluate a candidate into ``out_dir`` (see ``diagnosis.ml.retrain``).

    A full run uses DS1 + the paced records of ``data_dir`` and the DS2 benchmark; a small
    run uses the annotated records found in ``small_dir`` and no benchmark.
    """
    from diagnosis.ml import retrain

    examples = retrain.Examples(np.asarray(windows, np.float32), labels, np.asarray(holdout, bool))
    if small:
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
        cache_dir=None if small else cache_dir,
        epochs=epochs,
        seed=seed,
        small=small,
        progress=progress,
        should_stop=should_stop,
        extra_metadata=extra_metadata,
    )
