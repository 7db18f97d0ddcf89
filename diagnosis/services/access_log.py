"""The access log: every time someone other than the patient sees the patient's data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from diagnosis.models import AccessLogEntry, AccessVia, Analysis

#: Polling the live status fragment re-reads the same analysis every second: repeated reads
#: of it by the same person within this window are one entry, not hundreds.
STATUS_POLL_DEDUP_SECONDS = 60


def access_log_record(*, viewer: Any, analysis: Analysis, via: str) -> AccessLogEntry | None:
    """Record that ``viewer`` saw a patient's analysis (not recorded: the patient's own
    views). Status-fragment polls by the same viewer are recorded once a minute."""
    owner_id = analysis.recording.owner_id
    if not viewer.is_authenticated or viewer.pk == owner_id:
        return None
    if via == AccessVia.STATUS:
        since = timezone.now() - timedelta(seconds=STATUS_POLL_DEDUP_SECONDS)
        if AccessLogEntry.objects.filter(
            viewer=viewer, analysis_ref=analysis.pk, via=via, created_at__gte=since
        ).exists():
            return None
    return AccessLogEntry.objects.create(
        patient_id=owner_id,
        viewer=viewer,
        viewer_email=viewer.email or viewer.sign_in_name,
        viewer_role=viewer.role,
        analysis=analysis,
        analysis_ref=analysis.pk,
        via=via,
    )


#: URL names of the pages that show an analysis -> how the access log says it was seen.
VIA_BY_URL_NAME = {
    "result": AccessVia.PAGE,
    "result_status": AccessVia.STATUS,
    "batch": AccessVia.PAGE,
    "batch_status": AccessVia.STATUS,
    "batch-detail": AccessVia.API,
    "trace": AccessVia.TRACE,
    "file": AccessVia.FILE,
    "report": AccessVia.REPORT,
    "review": AccessVia.REVIEW,
    "analysis-detail": AccessVia.API,
}


def access_via_for(request: Any) -> str:
    """How a request saw the data, from the URL it came through."""
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else None
    return VIA_BY_URL_NAME.get(name or "", AccessVia.PAGE)
