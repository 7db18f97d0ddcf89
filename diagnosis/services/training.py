"""Training runs (administrators only): start one, the training worker's run, cancel.

State machine in :mod:`diagnosis.models.curation`. A run never changes the active model:
its candidate is registered inactive; :func:`diagnosis.services.curation.model_version_activate`
switches it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from diagnosis import engine
from diagnosis.models import (
    CLASS_NAMES,
    ExampleStatus,
    LabeledExample,
    ModelVersion,
    RunStatus,
    TrainingRun,
)
from diagnosis.services import queue
from diagnosis.services.curation import audit_log

log = logging.getLogger(__name__)

RUN_ALREADY_OPEN = (
    "A training run is already in progress (run #{pk}). Only one runs at a time: wait for it "
    "to finish or cancel it."
)
#: A running run whose worker has not reported for this long may be closed by a cancel.
STALE_RUN_AFTER = timedelta(minutes=10)


def training_start(*, by: User, small: bool = False, epochs: int | None = None) -> TrainingRun:
    """Open a training run and queue it on the ``training`` queue (once committed).

    Only one run may be open: a second request is refused with a clear message, enforced by
    the ``one_open_training_run`` unique index, so two requests at once give one run.
    Raises:
        ValidationError: a run is already open, or bad options.
    """
    # Default: the engine's recipe (the same one the CLI ``train`` uses), epochs per model.
    epochs = epochs or engine.recipe_epochs(small=small)
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
    try:
        queue.task_send(queue.TRAINING_RUN, run_id)
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
    wide = engine.training_window_size()
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
                recording = example.analysis.recording
                window = engine.window_for_beat(
                    Path(recording.file.path),
                    sample=example.beat_sample,
                    fs=recording.sampling_rate,
                )
            except (engine.InputError, OSError, ValueError):
                log.warning("example %s: its beat could not be read", example.id, exc_info=True)
                skipped += 1
                continue
            raw = np.asarray(window, np.float32).tobytes()
            digest = engine.window_sha256(window)
            LabeledExample.objects.filter(pk=example.pk).update(
                window=raw, sha256=digest, holdout=int(digest[:8], 16) % 5 == 0
            )
            example.holdout = int(digest[:8], 16) % 5 == 0
        window = np.frombuffer(raw, dtype=np.float32)
        if window.size != wide:
            skipped += 1
            continue
        windows.append(window)
        labels.append(example.label)
        holdout.append(example.holdout)
    stacked = np.stack(windows) if windows else np.zeros((0, wide), np.float32)
    return stacked, labels, np.asarray(holdout, bool), skipped


def training_execute(*, run_id: int) -> str:
    """Run a queued training run (the ``training`` worker calls this). Returns the final
    status. Never touches the active model; a failure or cancel leaves no model behind."""
    if not _claim_run(run_id):
        return "skipped"
    run = TrainingRun.objects.get(pk=run_id)
    directory = f"ecg-cnn-r{run.pk}-{timezone.now():%Y%m%d%H%M%S}"
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
        meta = engine.train_candidate(
            directory,
            windows=windows,
            labels=labels,
            holdout=holdout,
            small=run.small,
            epochs=run.epochs,
            seed=run.seed,
            progress=progress,
            should_stop=should_stop,
            extra_metadata={
                "training_run": run.pk,
                "base_version": run.base_version.version if run.base_version else None,
                "examples_skipped": skipped,
            },
        )
    except engine.TrainingCancelled:
        _training_close(run_id, RunStatus.CANCELLED, "")
        return RunStatus.CANCELLED
    except Exception as exc:
        log.exception("training run %s failed", run_id)
        _training_close(run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        return RunStatus.FAILED
    try:
        _training_succeed(run_id=run_id, directory=directory, metadata=meta)
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
