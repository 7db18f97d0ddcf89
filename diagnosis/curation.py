"""Curation and retraining services (administrators only): review labeled examples, import
labeled archives, run training, activate model versions. Every action writes an
``AuditEvent``.

A training run never changes the active model: its candidate is registered inactive, and
only :func:`model_version_activate` (an administrator's explicit action) switches it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from diagnosis.curation_models import AuditEvent, ImportBatch, RunStatus, TrainingRun
from diagnosis.models import (
    CLASS_NAMES,
    ExampleSource,
    ExampleStatus,
    LabeledExample,
    ModelVersion,
)

log = logging.getLogger(__name__)

RUN_ALREADY_OPEN = (
    "A training run is already in progress (run #{pk}). Only one runs at a time: wait for it "
    "to finish or cancel it."
)
#: A running run whose worker has not reported for this long may be closed by a cancel.
STALE_RUN_AFTER = timedelta(minutes=10)


# --- Audit ---------------------------------------------------------------------------------


def audit_log(
    *, actor: User | None, action: str, target: str = "", details: dict[str, Any] | None = None
) -> AuditEvent:
    """Record who did what (``action`` like ``examples.approve``) to what, now."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        action=action,
        target=target[:255],
        details=details or {},
    )


# --- Reviewing examples --------------------------------------------------------------------


@transaction.atomic
def examples_decide(*, ids: list[int], action: str, by: User, label: str | None = None) -> int:
    """Approve, reject or relabel examples in bulk. Returns how many changed.

    ``relabel`` sets ``label`` (one of the 8 codes) and approves, since the administrator has
    just said what the beat is.
    """
    if action not in {"approve", "reject", "relabel"}:
        raise ValidationError("Choose approve, reject or relabel.")
    if action == "relabel" and label not in CLASS_NAMES:
        raise ValidationError("Choose the class to relabel the examples as.")
    examples = list(LabeledExample.objects.select_for_update().filter(id__in=ids).order_by("id"))
    if not examples:
        raise ValidationError("Select at least one example.")
    now = timezone.now()
    changes: list[dict[str, Any]] = []
    for example in examples:
        before = {"status": example.status, "label": example.label}
        if action == "approve":
            example.status = ExampleStatus.APPROVED
        elif action == "reject":
            example.status = ExampleStatus.REJECTED
        else:
            example.label = str(label)
            example.status = ExampleStatus.APPROVED
        example.reviewed_by = by
        example.reviewed_at = now
        changes.append({"id": example.id, "before": before, "label": example.label})
    LabeledExample.objects.bulk_update(examples, ["status", "label", "reviewed_by", "reviewed_at"])
    audit_log(
        actor=by,
        action=f"examples.{action}",
        target=f"{len(examples)} example(s)",
        details={"label": label, "examples": changes[:500]},
    )
    return len(examples)


# --- Import --------------------------------------------------------------------------------


def examples_import(
    *, path: Path, original_name: str, by: User, approve: bool = False
) -> ImportBatch:
    """Import a labeled zip (beat images in class folders, or WFDB records with .atr).

    Examples come in as pending (or approved when ``approve``: the administrator vouches for
    the whole archive). Duplicates, of earlier imports or inside the archive, are refused by
    content hash. Returns the batch with its report.
    Raises:
        ValidationError: the archive as a whole is unusable (damaged, unsafe, bad layout).
    """
    from diagnosis import curation_engine
    from diagnosis.ml.artifacts import sha256_file

    try:
        parsed = curation_engine.parse_import(path)
    except curation_engine.InputError as exc:
        audit_log(
            actor=by,
            action="import.refuse",
            target=original_name,
            details={"reason": str(exc)},
        )
        raise ValidationError(str(exc)) from exc
    return _import_store(
        parsed=parsed,
        archive_sha256=sha256_file(path),
        original_name=original_name,
        by=by,
        approve=approve,
    )


@transaction.atomic
def _import_store(
    *, parsed: Any, archive_sha256: str, original_name: str, by: User, approve: bool
) -> ImportBatch:
    status = ExampleStatus.APPROVED if approve else ExampleStatus.PENDING
    batch = ImportBatch.objects.create(
        created_by=by,
        original_name=original_name[:255],
        sha256=archive_sha256,
        kind=parsed.kind,
        status_on_import=status,
    )
    refused = list(parsed.refused)
    existing = dict(
        LabeledExample.objects.filter(
            source=ExampleSource.IMPORT, sha256__in=[item.sha256 for item in parsed.items]
        ).values_list("sha256", "id")
    )
    taken: dict[str, int] = {}
    stored_files: list[str] = []
    now = timezone.now()
    try:
        for item in parsed.items:
            if item.sha256 in existing:
                refused.append(
                    {
                        "name": item.name,
                        "reason": f"duplicate of example #{existing[item.sha256]}",
                    }
                )
                continue
            example = LabeledExample(
                source=ExampleSource.IMPORT,
                status=status,
                label=item.label,
                created_by=by,
                window=item.window,
                sha256=item.sha256,
                holdout=item.holdout,
                import_batch=batch,
                reviewed_by=by if approve else None,
                reviewed_at=now if approve else None,
            )
            example.image.save(f"{item.sha256[:32]}.png", ContentFile(item.png), save=False)
            stored_files.append(example.image.name or "")
            example.save()
            existing[item.sha256] = example.id
            taken[item.label] = taken.get(item.label, 0) + 1
    except Exception:
        storage = LabeledExample._meta.get_field("image").storage
        for name in stored_files:
            storage.delete(name)
        raise
    batch.n_taken = sum(taken.values())
    batch.n_refused = len(refused)
    batch.report = {"taken": taken, "refused": refused[:2000]}
    batch.save(update_fields=["n_taken", "n_refused", "report"])
    audit_log(
        actor=by,
        action="import.create",
        target=f"import #{batch.pk} ({original_name})",
        details={"taken": taken, "refused": len(refused), "status": status},
    )
    return batch


# --- Training runs -------------------------------------------------------------------------


def training_start(*, by: User, small: bool = False, epochs: int | None = None) -> TrainingRun:
    """Open a training run and queue it on the ``training`` queue (once committed).

    Only one run may be open: a second request is refused with a clear message, enforced by
    the ``one_open_training_run`` unique index, so two requests at once give one run.
    Raises:
        ValidationError: a run is already open, or bad options.
    """
    from diagnosis import curation_engine

    # Default: the engine's recipe (the same one the CLI ``train`` uses), epochs per model.
    epochs = epochs or (
        curation_engine.SMALL_RECIPE_EPOCHS if small else curation_engine.RECIPE_EPOCHS
    )
    if not 1 <= epochs <= 100:
        raise ValidationError("Epochs must be between 1 and 100.")
    try:
        with transaction.atomic():
            open_run = TrainingRun.objects.open().first()
            if open_run is not None:
                raise ValidationError(RUN_ALREADY_OPEN.format(pk=open_run.pk))
            run = TrainingRun.objects.create(
                requested_by=by,
                small=small,
                epochs=epochs,
                base_version=ModelVersion.objects.active(),
            )
            audit_log(
                actor=by,
                action="training.start",
                target=f"training run #{run.pk}",
                details={"small": small, "epochs": epochs},
            )
            transaction.on_commit(lambda: training_send(run_id=run.pk))
    except IntegrityError as exc:
        # Another request opened a run between our check and our insert.
        open_run = TrainingRun.objects.open().first()
        raise ValidationError(RUN_ALREADY_OPEN.format(pk=open_run.pk if open_run else "?")) from exc
    return run


def training_send(*, run_id: int) -> bool:
    """Publish the training task; a broker that is down fails the run (it can be started
    again) rather than leaving it open forever."""
    from diagnosis.tasks import training_run

    try:
        training_run.delay(run_id)
    except Exception:
        log.warning("could not queue training run %s", run_id, exc_info=True)
        TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            is_open=False,
            finished_at=timezone.now(),
            error="The training worker could not be reached; start the run again.",
        )
        return False
    return True


@transaction.atomic
def training_cancel(*, run: TrainingRun, by: User) -> TrainingRun:
    """Cancel a run: a queued one at once; a running one stops at its next batch (its
    worker closes it). A running run whose worker went silent is closed at once."""
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if not run.is_open:
        raise ValidationError("This run has already finished.")
    now = timezone.now()
    silent = run.heartbeat_at is None or run.heartbeat_at < now - STALE_RUN_AFTER
    if run.status == RunStatus.QUEUED or (run.status == RunStatus.RUNNING and silent):
        run.status = RunStatus.CANCELLED
        run.is_open = False
        run.finished_at = now
    run.cancel_requested = True
    run.save(update_fields=["status", "is_open", "finished_at", "cancel_requested"])
    audit_log(actor=by, action="training.cancel", target=f"training run #{run.pk}")
    return run


def _run_update(run_id: int, **fields: Any) -> None:
    TrainingRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now(), **fields)


def _claim_run(run_id: int) -> bool:
    now = timezone.now()
    return bool(
        TrainingRun.objects.filter(
            pk=run_id, status=RunStatus.QUEUED, cancel_requested=False
        ).update(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, phase="loading")
    )


def training_examples() -> tuple[np.ndarray, list[str], np.ndarray, int]:
    """The approved examples as training windows: (windows (k, WIDE), labels, holdout,
    number skipped because their beat could not be read). Windows of doctor corrections
    are cut from the analysis's file the first time and stored."""
    from diagnosis import curation_engine
    from diagnosis.ml.retrain import WIDE

    windows: list[np.ndarray] = []
    labels: list[str] = []
    holdout: list[bool] = []
    skipped = 0
    queryset = LabeledExample.objects.filter(status=ExampleStatus.APPROVED).select_related(
        "analysis__recording"
    )
    for example in queryset.iterator(chunk_size=500):
        if example.label not in CLASS_NAMES:
            skipped += 1
            continue
        raw = bytes(example.window) if example.window is not None else b""
        if not raw:
            if example.analysis is None:
                skipped += 1
                continue
            try:
                window = curation_engine.window_for_beat(
                    Path(example.analysis.recording.file.path), sample=example.beat_sample
                )
            except (curation_engine.InputError, OSError, ValueError):
                log.warning("example %s: its beat could not be read", example.id, exc_info=True)
                skipped += 1
                continue
            raw = np.asarray(window, np.float32).tobytes()
            digest = curation_engine.window_sha256(window)
            LabeledExample.objects.filter(pk=example.pk).update(
                window=raw, sha256=digest, holdout=int(digest[:8], 16) % 5 == 0
            )
            example.holdout = int(digest[:8], 16) % 5 == 0
        window = np.frombuffer(raw, dtype=np.float32)
        if window.size != WIDE:
            skipped += 1
            continue
        windows.append(window)
        labels.append(example.label)
        holdout.append(example.holdout)
    stacked = np.stack(windows) if windows else np.zeros((0, WIDE), np.float32)
    return stacked, labels, np.asarray(holdout, bool), skipped


def training_execute(*, run_id: int) -> str:
    """Run a queued training run (the ``training`` worker calls this). Returns the final
    status. Never touches the active model; a failure or cancel leaves no model behind."""
    from diagnosis import curation_engine

    if not _claim_run(run_id):
        return "skipped"
    run = TrainingRun.objects.get(pk=run_id)
    version = f"ecg-cnn-r{run.pk}-{timezone.now():%Y%m%d%H%M%S}"
    out_dir = Path(settings.ECG_MODELS_DIR) / version
    last_check = [0.0, False]

    def should_stop() -> bool:
        # The cancel flag is read from the database at most once a second.
        now = time.monotonic()
        if now - last_check[0] >= 1.0:
            last_check[0] = now
            last_check[1] = TrainingRun.objects.filter(pk=run_id, cancel_requested=True).exists()
        return bool(last_check[1])

    def progress(event: dict[str, Any]) -> None:
        fields: dict[str, Any] = {"phase": event.get("phase", "")[:16]}
        for key in ("epoch", "batch", "batches", "loss", "accuracy"):
            if event.get(key) is not None:
                fields[key] = event[key]
        if event.get("phase") == "epoch_end":
            row = {"epoch": event["epoch"], "loss": event["loss"], "accuracy": event["accuracy"]}
            if event.get("model"):
                row["model"] = event["model"]
            run.history.append(row)
            fields["history"] = run.history
        _run_update(run_id, **fields)

    try:
        windows, labels, holdout, skipped = training_examples()
        _run_update(
            run_id,
            n_train_examples=int((~holdout).sum()),
            n_holdout_examples=int(holdout.sum()),
        )
        meta = curation_engine.train_candidate(
            out_dir,
            windows=windows,
            labels=labels,
            holdout=holdout,
            small=run.small,
            epochs=run.epochs,
            seed=run.seed,
            data_dir=Path(settings.ECG_TRAINING_DATA_DIR),
            small_dir=Path(settings.ECG_TRAINING_SMALL_DIR),
            cache_dir=Path(settings.ECG_TRAINING_CACHE_DIR),
            progress=progress,
            should_stop=should_stop,
            extra_metadata={
                "training_run": run.pk,
                "base_version": run.base_version.version if run.base_version else None,
                "examples_skipped": skipped,
            },
        )
    except curation_engine.TrainingCancelled:
        _training_close(run_id, RunStatus.CANCELLED, "")
        return RunStatus.CANCELLED
    except Exception as exc:
        log.exception("training run %s failed", run_id)
        _training_close(run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        return RunStatus.FAILED
    try:
        _training_succeed(run_id=run_id, directory=out_dir.name, metadata=meta)
    except Exception as exc:
        log.exception("training run %s: the candidate could not be registered", run_id)
        _training_close(run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        return RunStatus.FAILED
    return RunStatus.SUCCEEDED


def _training_close(run_id: int, status: str, error: str) -> None:
    TrainingRun.objects.filter(pk=run_id).update(
        status=status, is_open=False, finished_at=timezone.now(), error=error
    )
    audit_log(actor=None, action=f"training.{status}", target=f"training run #{run_id}")


@transaction.atomic
def _training_succeed(*, run_id: int, directory: str, metadata: dict[str, Any]) -> None:
    candidate = ModelVersion.objects.create(
        version=metadata["version"], directory=directory, metadata=metadata, is_active=False
    )
    TrainingRun.objects.filter(pk=run_id).update(
        status=RunStatus.SUCCEEDED,
        is_open=False,
        finished_at=timezone.now(),
        phase="done",
        candidate=candidate,
    )
    audit_log(
        actor=None,
        action="training.succeeded",
        target=f"training run #{run_id}",
        details={"candidate": candidate.version},
    )


# --- Model versions ------------------------------------------------------------------------


@transaction.atomic
def model_version_activate(*, version: ModelVersion, by: User) -> ModelVersion:
    """Make ``version`` the active model (promote a candidate, or roll back to any earlier
    version): one transaction switches ``is_active``; workers load it on their next job.
    Its files are hash-checked first.
    Raises:
        ValidationError: the model's files are missing or changed.
    """
    from diagnosis import curation_engine, inference

    try:
        curation_engine.verify_model(inference.model_dir(version.directory))
    except Exception as exc:
        raise ValidationError(f"{version.version} cannot be activated: {exc}") from exc
    current = list(ModelVersion.objects.select_for_update().filter(is_active=True))
    target = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if target.is_active:
        raise ValidationError(f"{target.version} is already the active model.")
    previous = current[0] if current else None
    ModelVersion.objects.filter(is_active=True).update(is_active=False)
    target.is_active = True
    target.activated_at = timezone.now()
    target.save(update_fields=["is_active", "activated_at"])
    kind = (
        "rollback"
        if previous is not None and target.created_at < previous.created_at
        else "promote"
    )
    audit_log(
        actor=by,
        action=f"model.{kind}",
        target=target.version,
        details={"from": previous.version if previous else None, "to": target.version},
    )
    return target


def model_versions_for_comparison() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.order_by("-is_active", "-created_at")
