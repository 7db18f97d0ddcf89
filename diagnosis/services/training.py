"""Training runs (administrators only): start one, the training worker's run, cancel, and
the sweeper that closes runs whose worker is gone.

State machine in :mod:`diagnosis.models.curation`. A run never changes the active model:
its candidate is registered inactive; :func:`diagnosis.services.curation.model_version_activate`
switches it.

The lease: a running run's ``heartbeat_at`` is renewed by its progress reports and, between
them, by a thread in the worker (:func:`_lease_kept`). A run not renewed for
``TRAINING_LEASE_SECONDS`` lost its worker (killed, out of memory, restarted): the sweeper
fails it with a message, which frees the one-run-at-a-time rule. Every write of the worker is
guarded by ``status=running``, so a late report from a worker thought dead changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from diagnosis import engine, files
from diagnosis.models import (
    CLASS_NAMES,
    ExampleStatus,
    LabeledExample,
    ModelVersion,
    RunStatus,
    TrainingRun,
)
from diagnosis.services import leases, queue
from diagnosis.services.curation import audit_log

log = logging.getLogger(__name__)
#: A labelled example whose beat cannot be read from its upload is skipped, not fatal.
UNREADABLE: tuple[type[Exception], ...] = (engine.InputError, ValueError, *files.STORAGE_ERRORS)

RUN_ALREADY_OPEN = (
    "A training run is already in progress (run #{pk}). Only one runs at a time: wait for it "
    "to finish or cancel it."
)
#: A running run whose worker has not renewed its lease for this long lost its worker: the
#: sweeper fails it, and a cancel closes it at once.
TRAINING_LEASE_SECONDS = 300
TRAINING_LEASE = timedelta(seconds=TRAINING_LEASE_SECONDS)
#: How often the worker's lease thread renews the lease (well inside the lease).
LEASE_RENEW_EVERY_S = 30.0
#: A queued run that no worker has claimed for this long lost its message (or no training
#: worker runs): the sweeper fails it rather than leave it blocking the next run.
UNCLAIMED_RUN_AFTER = timedelta(minutes=30)

WORKER_LOST = (
    "The training worker stopped responding (it may have been restarted or run out of "
    "memory) at {time}; the run was marked failed. Start it again."
)
NEVER_CLAIMED = (
    "No training worker picked this run up within {minutes} minutes (the training worker "
    "may be stopped or its message lost); the run was marked failed. Start it again once "
    "the training worker is running."
)


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
    worker closes it). A running run whose lease ran out (no worker) is closed at once."""
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if not run.is_open:
        raise ValidationError("This run has already finished.")
    now = timezone.now()
    if run.status == RunStatus.QUEUED or (
        run.status == RunStatus.RUNNING and _lease_expired(run, now)
    ):
        run.status = RunStatus.CANCELLED
        run.is_open = False
        run.finished_at = now
    run.cancel_requested = True
    run.save(update_fields=["status", "is_open", "finished_at", "cancel_requested"])
    audit_log(actor=by, action="training.cancel", target=f"training run #{run.pk}")
    return run


def _lease_expired(run: TrainingRun, now: datetime) -> bool:
    return run.heartbeat_at is None or run.heartbeat_at < now - TRAINING_LEASE


def _run_update(run_id: int, **fields: Any) -> bool:
    """Renew the lease (and write progress) while the run is still running. Returns False
    once it is not: a worker thought dead never writes over the sweeper's verdict."""
    return bool(
        TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            heartbeat_at=timezone.now(), **fields
        )
    )


def training_lease_renew(*, run_id: int) -> bool:
    """Renew a running run's lease; False when the run is no longer running."""
    return _run_update(run_id)


def _lease_kept(run_id: int) -> contextlib.AbstractContextManager[None]:
    """Renew the lease from a background thread while the block runs: some phases (loading
    the base records, the benchmark) report nothing for minutes. The thread dies with its
    process, so a killed worker stops renewing, which is what the sweeper looks for."""
    return leases.lease_kept(
        lambda: training_lease_renew(run_id=run_id),
        every_s=LEASE_RENEW_EVERY_S,
        name=f"training run {run_id}",
    )


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
                with files.local_copy(recording.file) as path:
                    window = engine.window_for_beat(
                        path, sample=example.beat_sample, fs=recording.sampling_rate
                    )
            except UNREADABLE:
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
    status, or ``"skipped"`` (not claimable) or ``"lost"`` (closed by the sweeper or a cancel
    while it ran; its result is dropped). Never touches the active model; a failure or
    cancel leaves no model behind.

    The candidate is trained into a local temporary folder and published to the storage
    (``diagnosis.files``), where every inference worker finds it once promoted."""
    if not _claim_run(run_id):
        return "skipped"
    with _lease_kept(run_id):
        return _training_train(TrainingRun.objects.get(pk=run_id))


def _training_train(run: TrainingRun) -> str:
    run_id = run.pk
    directory = f"ecg-cnn-r{run.pk}-{timezone.now():%Y%m%d%H%M%S}"
    last_check = [0.0, False]

    def should_stop() -> bool:
        # Read from the database at most once a second: a cancel, or the run closed by the
        # sweeper (this worker was thought dead), stops it at the next batch.
        now = time.monotonic()
        if now - last_check[0] >= 1.0:
            last_check[0] = now
            last_check[1] = not TrainingRun.objects.filter(
                pk=run_id, status=RunStatus.RUNNING, cancel_requested=False
            ).exists()
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
        meta = _train_and_publish(
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
        return _worker_close(run_id, RunStatus.CANCELLED, "")
    except Exception as exc:
        log.exception("training run %s failed", run_id)
        return _worker_close(run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
    try:
        registered = _training_succeed(run_id=run_id, directory=directory, metadata=meta)
    except Exception as exc:
        log.exception("training run %s: the candidate could not be registered", run_id)
        files.model_unpublish(directory)
        return _worker_close(run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
    if not registered:
        files.model_unpublish(directory)
        return _lost(run_id)
    return RunStatus.SUCCEEDED


def _worker_close(run_id: int, status: str, error: str) -> str:
    """The worker ends its run; ``"lost"`` when the run was closed meanwhile."""
    return status if _training_close(run_id, status, error) else _lost(run_id)


def _lost(run_id: int) -> str:
    log.warning("training run %s was closed while it ran; its result is dropped", run_id)
    return "lost"


def _training_close(
    run_id: int,
    status: str,
    error: str,
    *,
    only: Q | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Close an open run (the audit log says so). ``only`` guards the update: a run already
    closed (by the sweeper, a cancel, or its worker) stays as it was (False). Default: the
    run is still running."""
    only = only if only is not None else Q(status=RunStatus.RUNNING)
    with transaction.atomic():
        closed = TrainingRun.objects.filter(only, pk=run_id).update(
            status=status, is_open=False, finished_at=timezone.now(), error=error
        )
        if closed:
            audit_log(
                actor=None,
                action=f"training.{status}",
                target=f"training run #{run_id}",
                details=details,
            )
    return bool(closed)


def _train_and_publish(directory: str, **options: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ecg-train-") as staging:
        out_dir = Path(staging) / directory
        metadata = engine.train_candidate(out_dir, **options)
        try:
            files.model_publish(directory=directory, source=out_dir)
        except FileExistsError:
            raise  # not ours to remove
        except Exception:
            files.model_unpublish(directory)  # never half a version in the storage
            raise
    return metadata


@transaction.atomic
def _training_succeed(*, run_id: int, directory: str, metadata: dict[str, Any]) -> bool:
    """Register the candidate if the run is still this worker's; False (nothing written)
    when it was closed meanwhile."""
    closed = TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.SUCCEEDED, is_open=False, finished_at=timezone.now(), phase="done"
    )
    if not closed:
        return False
    candidate = ModelVersion.objects.create(
        version=metadata["version"], directory=directory, metadata=metadata, is_active=False
    )
    TrainingRun.objects.filter(pk=run_id).update(candidate=candidate)
    audit_log(
        actor=None,
        action="training.succeeded",
        target=f"training run #{run_id}",
        details={"candidate": candidate.version},
    )
    return True


# --- The sweeper ---------------------------------------------------------------------------


def training_runs_sweep() -> int:
    """Fail the open runs no worker holds any more, with a message for the administrator,
    so the one-run-at-a-time rule never waits forever (the beat runs it every minute).

    A running run whose lease ran out lost its worker; a queued run unclaimed for
    ``UNCLAIMED_RUN_AFTER`` lost its message. Returns the number of runs failed.
    """
    now = timezone.now()
    lease_expired = Q(status=RunStatus.RUNNING) & (
        Q(heartbeat_at__lt=now - TRAINING_LEASE) | Q(heartbeat_at__isnull=True)
    )
    failed = 0
    for run in TrainingRun.objects.filter(lease_expired).only("pk", "heartbeat_at", "started_at"):
        last_seen = run.heartbeat_at or run.started_at or now
        message = WORKER_LOST.format(time=f"{timezone.localtime(last_seen):%H:%M}")
        details = {"reason": "worker lost", "last_heartbeat": last_seen.isoformat()}
        # The same condition again in the update: a heartbeat just now keeps the run.
        if _training_close(run.pk, RunStatus.FAILED, message, only=lease_expired, details=details):
            failed += 1
    never_claimed = Q(status=RunStatus.QUEUED, created_at__lt=now - UNCLAIMED_RUN_AFTER)
    minutes = int(UNCLAIMED_RUN_AFTER.total_seconds() // 60)
    for run_id in TrainingRun.objects.filter(never_claimed).values_list("pk", flat=True):
        message = NEVER_CLAIMED.format(minutes=minutes)
        details = {"reason": "never claimed"}
        if _training_close(run_id, RunStatus.FAILED, message, only=never_claimed, details=details):
            failed += 1
    return failed
