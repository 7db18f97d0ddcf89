"""Writes for analyses: queueing, the worker's run, its result, and model versions on disk.

The worker's task, the sweeper and the ``install_models`` command call these; uploads come in
through :func:`diagnosis.services.uploads.recording_create`.
"""

from __future__ import annotations

import io
import logging
import uuid
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from diagnosis import engine, files, findings
from diagnosis.models import Analysis, ModelVersion, Status
from diagnosis.services import leases, queue

log = logging.getLogger(__name__)
#: Errors after which a run gives its claim back and the task retries (storage, network).
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (*files.STORAGE_ERRORS, ConnectionError)

#: How long a claimed run is this worker's without renewal (seconds). A live run renews it
#: every ``RUN_LEASE_RENEW_S`` (``leases.lease_kept``), so only a dead or killed worker's run
#: runs out, and the sweeper (every 5 s, ``CELERY_BEAT_SCHEDULE``) sends it to another
#: worker: a worker killed mid-job has its job taken over within about 25 s.
RUN_LEASE_SECONDS = 20
RUN_LEASE_RENEW_S = 5.0
#: A queued analysis older than this is sent to the broker again by the sweeper.
STUCK_AFTER = timedelta(minutes=2)

USER_MESSAGE_TOO_LONG = (
    "This recording took too long to analyse. Upload a shorter stretch (up to a few hours), "
    "or a lower sampling rate."
)
USER_MESSAGE_INTERNAL = (
    "Something went wrong on our side while analysing this file. Your upload is safe; "
    "please try again later."
)


# --- Queueing ------------------------------------------------------------------------------


def analysis_enqueue_on_commit(*, analysis_id: uuid.UUID) -> None:
    """Send the analysis to the workers once the current transaction commits."""
    transaction.on_commit(lambda: analysis_send(analysis_id=analysis_id))


def analysis_send(*, analysis_id: uuid.UUID) -> bool:
    """Publish the task. A broker that is down is logged, not raised: the analysis stays
    queued, marked as never sent, and the sweeper sends it at its next pass once the broker
    is back (within seconds, not after ``STUCK_AFTER``), so the user's upload is never lost."""
    try:
        queue.task_send(queue.CLASSIFY_ANALYSIS, str(analysis_id))
    except Exception:  # kombu raises many transport errors; all mean "not sent"
        log.warning(
            "could not queue analysis %s; the sweeper will retry", analysis_id, exc_info=True
        )
        try:
            Analysis.objects.filter(id=analysis_id, status=Status.QUEUED).update(enqueued_at=None)
        except DatabaseError:  # the sweeper finds it after STUCK_AFTER instead
            log.warning("could not mark analysis %s as not sent", analysis_id)
        return False
    return True


@transaction.atomic
def analysis_rerun(*, analysis: Analysis) -> Analysis:
    """Analyse a recording again with the active model (a result made by a model that was
    since withdrawn). The earlier result stays in the history. An analysis of the same
    recording already made or under way with the active model is returned instead."""
    active = model_version_active()
    current = (
        Analysis.objects.filter(recording=analysis.recording)
        .filter(Q(model_version=active) | Q(status__in=[Status.QUEUED, Status.RUNNING]))
        .first()
    )
    if current is not None:
        return current
    fresh = Analysis.objects.create(recording=analysis.recording, enqueued_at=timezone.now())
    analysis_enqueue_on_commit(analysis_id=fresh.id)
    return fresh


def analysis_sweep(*, stuck_after: timedelta = STUCK_AFTER) -> int:
    """Send again analyses stuck in ``queued`` and runs whose lease ran out.

    Returns the number of analyses sent.
    """
    now = timezone.now()
    expired = Analysis.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    # A dead worker's run goes to another worker now, however recently it was sent.
    abandoned = list(expired.values_list("id", flat=True)[:500])
    expired.filter(id__in=abandoned).update(
        status=Status.QUEUED, run_token=None, lease_expires_at=None
    )
    stuck = list(
        Analysis.objects.filter(status=Status.QUEUED)
        .filter(Q(enqueued_at__lt=now - stuck_after) | Q(enqueued_at__isnull=True))
        .exclude(id__in=abandoned)
        .values_list("id", flat=True)[:500]
    )
    sent = 0
    for analysis_id in abandoned + stuck:
        if analysis_send(analysis_id=analysis_id):
            Analysis.objects.filter(id=analysis_id).update(enqueued_at=timezone.now())
            sent += 1
    return sent


# --- Running -------------------------------------------------------------------------------


def analysis_claim(*, analysis_id: uuid.UUID | str, redelivered: bool = False) -> uuid.UUID | None:
    """Take the right to run an analysis. Returns the run token, or None when another run
    holds it or it is finished.

    A redelivered message (its worker died) may take over a running analysis at once;
    otherwise a running analysis is taken over only when its lease has run out.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now)
    if redelivered:
        claimable |= Q(status=Status.RUNNING)
    updated = Analysis.objects.filter(Q(id=analysis_id) & claimable).update(
        status=Status.RUNNING,
        run_token=token,
        started_at=now,
        lease_expires_at=now + timedelta(seconds=RUN_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    return token if updated else None


def model_version_active() -> ModelVersion:
    """The active model version; on a fresh install, the shipped default is registered."""
    active = ModelVersion.objects.active()
    if active is not None:
        return active
    return model_versions_install(activate_default=True)


def analysis_run(*, analysis_id: uuid.UUID | str, redelivered: bool = False) -> str:
    """Claim, classify and store one analysis. Returns what happened (for logs and tests).

    Bad input ends as ``failed`` with a message for the user; transient errors (database,
    storage) release the claim and propagate so the task retries.
    """
    token = analysis_claim(analysis_id=analysis_id, redelivered=redelivered)
    if token is None:
        return "skipped"
    analysis = Analysis.objects.select_related("recording").get(id=analysis_id)
    model_version = model_version_active()
    try:
        # The engine reads a path: the stored file itself, or a temporary copy of it.
        with _lease_kept(analysis.id, token), files.local_copy(analysis.recording.file) as path:
            result, trace, timings = engine.analyse_file(
                path,
                version=model_version.version,
                directory=model_version.directory,
                fs=analysis.recording.sampling_rate,
                page=analysis.recording.pdf_page,
            )
    except engine.InputError as error:
        analysis_fail(analysis_id=analysis.id, token=token, message=str(error))
        return "failed"
    except SoftTimeLimitExceeded:
        analysis_fail(analysis_id=analysis.id, token=token, message=USER_MESSAGE_TOO_LONG)
        return "failed"
    except TRANSIENT_ERRORS:
        analysis_release(analysis_id=analysis.id, token=token)
        raise
    except Exception:
        log.exception("analysis %s crashed in the engine", analysis_id)
        analysis_fail(analysis_id=analysis.id, token=token, message=USER_MESSAGE_INTERNAL)
        return "failed"
    timings["queue_wait_s"] = round(
        ((analysis.started_at or timezone.now()) - analysis.created_at).total_seconds(), 3
    )
    stored = analysis_store_result(
        analysis_id=analysis.id,
        token=token,
        result=result,
        trace=trace,
        model_version=model_version,
        timings=timings,
    )
    return "done" if stored else "superseded"


def analysis_store_result(
    *,
    analysis_id: uuid.UUID,
    token: uuid.UUID,
    result: dict[str, Any],
    trace: np.ndarray | None,
    model_version: ModelVersion,
    timings: dict[str, float],
) -> bool:
    """Write the result if this run still holds the claim. Returns False (and writes
    nothing) when another run took over: an analysis never gets two results.

    The headline class and the rhythm verdict are stored beside the result (see
    ``diagnosis.findings``) for lists, filters and the condition page."""
    label, confidence = findings.headline(result)
    verdict = findings.verdict(result)
    trace_name = ""
    analysis = Analysis.objects.select_related("recording").get(id=analysis_id)
    storage = analysis.trace.storage
    if trace is not None:
        buffer = io.BytesIO()
        np.save(buffer, trace, allow_pickle=False)
        trace_name = storage.save(
            f"traces/{analysis.recording.owner_id}/{analysis_id}.npy",
            ContentFile(buffer.getvalue()),
        )
    with transaction.atomic():
        updated = Analysis.objects.filter(
            id=analysis_id, status=Status.RUNNING, run_token=token
        ).update(
            status=Status.DONE,
            finished_at=timezone.now(),
            result=result,
            summary=result.get("summary") or {},
            label=label,
            confidence=confidence,
            verdict=findings.verdict_code(result)[:16],
            verdict_text=verdict.text[:200] if verdict else "",
            verdict_level=verdict.level if verdict else "",
            model_version=model_version,
            timings=timings,
            trace=trace_name,
            error="",
            lease_expires_at=None,
        )
    if not updated and trace_name:
        storage.delete(trace_name)
    return bool(updated)


def analysis_fail(*, analysis_id: uuid.UUID, token: uuid.UUID, message: str) -> bool:
    """End a run as failed with a message for the user (only the claim holder may)."""
    return bool(
        Analysis.objects.filter(id=analysis_id, status=Status.RUNNING, run_token=token).update(
            status=Status.FAILED, finished_at=timezone.now(), error=message, lease_expires_at=None
        )
    )


def _lease_kept(analysis_id: uuid.UUID, token: uuid.UUID) -> AbstractContextManager[None]:
    """Keep the run's lease while the engine works. In-process (no broker) nobody else could
    take the job over, and the renewing thread's own connection would wait on the claim's
    transaction, so there is none."""
    if queue.tasks_in_process():
        return nullcontext()
    return leases.lease_kept(
        lambda: analysis_lease_renew(analysis_id=analysis_id, token=token),
        every_s=RUN_LEASE_RENEW_S,
        name=f"analysis {analysis_id}",
    )


def analysis_lease_renew(*, analysis_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Extend this run's lease; False when the run is no longer this worker's."""
    return bool(
        Analysis.objects.filter(id=analysis_id, status=Status.RUNNING, run_token=token).update(
            lease_expires_at=timezone.now() + timedelta(seconds=RUN_LEASE_SECONDS)
        )
    )


def analysis_release(*, analysis_id: uuid.UUID, token: uuid.UUID) -> None:
    """Give a claim back (a transient error): the analysis is queued again for a retry."""
    Analysis.objects.filter(id=analysis_id, status=Status.RUNNING, run_token=token).update(
        status=Status.QUEUED, run_token=None, lease_expires_at=None
    )


# --- Model versions ------------------------------------------------------------------------


@transaction.atomic
def model_versions_install(*, activate_default: bool = True) -> ModelVersion:
    """Register every model version found under ``ECG_MODELS_DIR`` (hash-checked), and make
    the directory's default the active one when none is active. Returns the active version.

    Idempotent: `make run`, the web container's start and a fresh worker all call it. An
    active version that can no longer be served (removed, or made for an older engine) is
    replaced by the default.
    """
    versions, default_directory = engine.installed_models()
    for directory, metadata in versions:
        ModelVersion.objects.update_or_create(
            version=metadata["version"], defaults={"directory": directory, "metadata": metadata}
        )
    active = ModelVersion.objects.select_for_update().filter(is_active=True).first()
    servable = {d for d, _ in versions}
    if (
        active is not None
        and active.directory not in servable
        and not files.model_stored(active.directory)  # a retrained version, in the storage
    ):
        # The active version is gone or was made for an older engine (an upgrade): the
        # shipped default takes over; the old row stays for the history that names it.
        active.is_active = False
        active.save(update_fields=["is_active"])
        active = None
    if active is None and activate_default:
        active = ModelVersion.objects.get(directory=default_directory)
        active.is_active = True
        active.activated_at = timezone.now()
        active.save(update_fields=["is_active", "activated_at"])
    if active is None:
        raise ModelVersion.DoesNotExist("no active model version")
    return active
