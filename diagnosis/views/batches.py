"""The summary page of a multi-ECG upload, followed live with htmx like a result page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from diagnosis.models import UploadBatch
from diagnosis.selectors import batches as selectors
from diagnosis.services import access_log


def _batch_context(request: HttpRequest, batch_id: object) -> dict[str, Any]:
    """Someone else's batch is a 404; a viewer other than the owner sees only the ECGs they
    may see, and each shown result goes to the owner's access log."""
    batch = get_object_or_404(UploadBatch.objects.visible_to(request.user), id=batch_id)
    context = selectors.batch_context(batch, request.user)
    if not context["is_owner"]:
        via = access_log.access_via_for(request)
        for line in context["lines"]:
            if line.analysis is not None:
                access_log.access_log_record(viewer=request.user, analysis=line.analysis, via=via)
    return context


@login_required
@require_GET
def batch(request: HttpRequest, batch_id: object) -> HttpResponse:
    return render(request, "diagnosis/batch.html", _batch_context(request, batch_id))


@login_required
@require_GET
def batch_status(request: HttpRequest, batch_id: object) -> HttpResponse:
    """The htmx fragment the summary page polls until every analysis is finished."""
    return render(request, "diagnosis/_batch_body.html", _batch_context(request, batch_id))
