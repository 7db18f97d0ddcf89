"""A person's own data: take it all away (one zip) or close the account with every file.

The zip holds each upload as it was sent, each result as JSON (the model's output, the
doctor's review and the reading as reviewed), one CSV row per analysis and each finished
analysis's PDF report. Closing an account signs the person out at once and deletes
everything in the background (a task); the audit log keeps only that it happened.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from knox.models import AuthToken

from accounts.models import User
from diagnosis import reports
from diagnosis.models import Analysis, Recording, Status
from diagnosis.selectors.analyses import Shown, shown
from diagnosis.services import queue, uploads
from diagnosis.services.curation import audit_log

CSV_COLUMNS = [
    "uploaded",
    "file",
    "status",
    "rhythm",
    "finding",
    "reviewed_by",
    "beats",
    "heart_rate_bpm",
    "analysis_id",
]


def _analysis_json(analysis: Analysis, view: Shown) -> dict[str, Any]:
    """One analysis for the export: what the model said and, where a doctor reviewed it,
    the review and the reviewed result (``view``, from ``selectors.analyses.shown``)."""
    review = view.review
    return {
        "id": str(analysis.id),
        "uploaded": analysis.created_at.isoformat(),
        "file": analysis.recording.original_name,
        "status": analysis.status,
        "error": analysis.error or None,
        "model": analysis.model_version.version if analysis.model_version else None,
        "result": analysis.result,
        "review": None
        if review is None
        else {
            "doctor": review.doctor.get_full_name(),
            "reviewed": review.updated_at.isoformat(),
            "label": review.label,
            "rhythm": review.rhythm or None,
            "beat_corrections": review.beat_corrections,
            "note": review.note,
        },
        "reviewed_result": view.result if review is not None else None,
    }


def data_export_open(*, user: User) -> BinaryIO:
    """Everything ``user`` uploaded and was told, as a zip: an open temporary file the caller
    streams and closes. Its name is already gone from the disk (POSIX), so nothing is left
    behind whatever happens to the download."""
    path = _data_export_zip(user=user)
    handle = path.open("rb")
    shutil.rmtree(path.parent, ignore_errors=True)
    return handle


def _data_export_zip(*, user: User) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ecg-export-"))
    path = folder / "my-ecg-data.zip"
    analyses = (
        Analysis.objects.filter(recording__owner=user)
        .select_related("recording", "model_version")
        .prefetch_related("reviews__doctor")
        .order_by("created_at")
    )
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(CSV_COLUMNS)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        stored: set[str] = set()
        for analysis in analyses:
            recording = analysis.recording
            stem = f"{analysis.created_at:%Y%m%d-%H%M%S}-{str(analysis.id)[:8]}"
            upload_name = f"uploads/{stem}{recording.extension}"
            if recording.file and str(recording.id) not in stored:
                stored.add(str(recording.id))
                with recording.file.open("rb") as handle:
                    archive.writestr(upload_name, handle.read())
            view = shown(analysis)
            archive.writestr(
                f"results/{stem}.json", json.dumps(_analysis_json(analysis, view), indent=2)
            )
            if analysis.status == Status.DONE:
                archive.writestr(f"reports/{stem}.pdf", reports.report_pdf_cached(analysis))
            summary = view.result.get("summary") or {}
            writer.writerow(
                [
                    analysis.created_at.isoformat(),
                    recording.original_name,
                    analysis.status,
                    analysis.verdict_text,
                    view.label_name,
                    view.review.doctor.get_full_name() if view.review else "",
                    summary.get("n_beats", ""),
                    (view.result.get("rhythm") or {}).get("heart_rate_bpm", ""),
                    str(analysis.id),
                ]
            )
        archive.writestr("results.csv", table.getvalue())
        archive.writestr(
            "README.txt",
            "Your ECG screening data: uploads/ (your files as you sent them), results/ (what "
            "the model found, and a doctor's review where there is one, as JSON), "
            "results.csv (one line per upload) and reports/ (the PDF reports).\n",
        )
    return path


@transaction.atomic
def account_close(*, user: User) -> None:
    """Close an account: it can no longer sign in from now on, and a task deletes it with
    every upload, result and file once this transaction commits."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    AuthToken.objects.filter(user_id=user.pk).delete()  # API tokens stop working too
    user_id = user.pk
    transaction.on_commit(lambda: queue.task_send(queue.DELETE_ACCOUNT, user_id))


def account_delete(*, user_id: int) -> bool:
    """Delete a closed account, its uploads and their files (the task calls this). The audit
    log records only that an account was deleted and how many uploads went with it."""
    user = User.objects.filter(pk=user_id, is_active=False).first()
    if user is None:
        return False
    recordings = list(Recording.objects.filter(owner=user))
    for recording in recordings:
        uploads.recording_delete(recording=recording)
    audit_log(
        actor=None,
        action="account.delete",
        target=f"user #{user_id}",
        details={"uploads": len(recordings)},
    )
    user.delete()
    return True
