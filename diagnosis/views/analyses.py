"""Pages: upload, result (followed live with htmx), history, file download, delete, report."""

from __future__ import annotations

import math
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import AuthenticatedHttpRequest
from diagnosis import reports
from diagnosis.engine import InputError
from diagnosis.forms.analyses import HistoryFilterForm, SymptomsForm, UploadForm
from diagnosis.models import Analysis, Recording, Status, UploadBatch
from diagnosis.selectors import analyses as selectors
from diagnosis.services import access_log, analyses, batches, queue, uploads


def _own_analysis(request: AuthenticatedHttpRequest, analysis_id: object) -> Analysis:
    """An analysis of the person's own upload, for what only its owner may do (anyone
    else's, even one they may see: 404)."""
    return get_object_or_404(
        Analysis.objects.visible_to(request.user).filter(recording__owner=request.user),
        id=analysis_id,
    )


def _analysis_for(request: HttpRequest, analysis_id: object) -> Analysis:
    """Someone else's analysis is a 404, never a 403: its existence is not disclosed.

    Every view of it by someone other than its owner goes to the owner's access log."""
    analysis = get_object_or_404(
        Analysis.objects.visible_to(request.user).select_related("recording", "model_version"),
        id=analysis_id,
    )
    access_log.access_log_record(
        viewer=request.user, analysis=analysis, via=access_log.access_via_for(request)
    )
    return analysis


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = batches.upload_receive(
                owner=request.user,
                files=form.cleaned_data["file"],
                fs=form.cleaned_data["fs"],
                page=form.cleaned_data["page"],
                symptoms=form.cleaned_data["symptoms"],
                symptom_note=form.cleaned_data["symptom_note"],
            )
        except InputError as error:
            form.add_error("file", str(error))
        else:
            if isinstance(outcome, UploadBatch):  # an Apple export or several ECGs
                return redirect("diagnosis:batch", batch_id=outcome.id)
            if outcome.duplicate:
                messages.info(
                    request,
                    "You uploaded this same file on "
                    f"{outcome.analysis.created_at:%d %b %Y}. Here is its result.",
                )
            return redirect("diagnosis:result", analysis_id=outcome.analysis.id)
    return render(
        request,
        "diagnosis/upload.html",
        {
            "form": form,
            "accepted": uploads.ACCEPTED_DESCRIPTION,
            "accept_attribute": uploads.ACCEPT_ATTRIBUTE,
            "max_mb": uploads.max_upload_bytes() // (1024 * 1024),
            "max_bytes": uploads.max_upload_bytes(),
            "max_ecgs": batches.MAX_BATCH_ECGS,
            "too_large_hint": uploads.EXPORT_TOO_LARGE_HINT,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def result(request: HttpRequest, analysis_id: object) -> HttpResponse:
    analysis = _analysis_for(request, analysis_id)
    model_only = request.GET.get("model") == "1"
    return render(
        request, "diagnosis/result.html", selectors.result_context(analysis, model_only=model_only)
    )


@login_required
@require_GET
def result_status(request: HttpRequest, analysis_id: object) -> HttpResponse:
    """The htmx fragment the result page polls until the analysis is finished."""
    analysis = _analysis_for(request, analysis_id)
    if analysis.status in (Status.QUEUED, Status.RUNNING):
        queue.embedded_runner_start()  # embedded mode after a restart; no-op with workers
    model_only = request.GET.get("model") == "1"
    return render(
        request,
        "diagnosis/_result_body.html",
        selectors.result_context(analysis, model_only=model_only),
    )


@login_required
@require_GET
def trace(request: HttpRequest, analysis_id: object) -> JsonResponse:
    analysis = _analysis_for(request, analysis_id)
    if not analysis.trace:
        raise Http404("This analysis has no trace.")
    try:
        start = float(request.GET.get("start", 0))
        seconds = float(request.GET.get("seconds", 10))
    except ValueError:
        start = seconds = math.nan
    if not (math.isfinite(start) and math.isfinite(seconds)):
        return JsonResponse({"error": "start and seconds must be numbers"}, status=400)
    return JsonResponse(selectors.trace_window(analysis, start_s=start, seconds=seconds))


@login_required
@require_GET
def recording_file(request: HttpRequest, analysis_id: object) -> FileResponse:
    """The original upload. Pictures (beat images, strip photos) are shown inline on the
    result page; other files (records, PDFs) download."""
    analysis = _analysis_for(request, analysis_id)
    recording = analysis.recording
    inline = recording.is_picture and request.GET.get("inline") == "1"
    name = f"ecg-{recording.created_at:%Y%m%d}-{str(recording.id)[:8]}{recording.extension}"
    response = FileResponse(
        recording.file.open("rb"),
        as_attachment=not inline,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    analyses = selectors.history(
        request.user,
        label=filters.get("label") or "",
        verdict=filters.get("verdict") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        symptom=filters.get("symptom") or "",
    )
    page = Paginator(analyses, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "diagnosis/history.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "trend": selectors.burden_trend(request.user),
        },
    )


@login_required
@require_POST
def delete(request: AuthenticatedHttpRequest, analysis_id: object) -> HttpResponse:
    # Only the owner deletes: an administrator's wider view does not include deleting.
    recording = get_object_or_404(
        Recording.objects.visible_to(request.user).filter(owner=request.user),
        analyses__id=analysis_id,
    )
    uploads.recording_delete(recording=recording)
    messages.success(request, "The upload and its results were deleted.")
    return redirect("diagnosis:history")


@login_required
@require_GET
def report_pdf(request: HttpRequest, analysis_id: object) -> HttpResponse:
    return reports.report_pdf_response(_analysis_for(request, analysis_id))


@login_required
@require_POST
def symptoms(request: AuthenticatedHttpRequest, analysis_id: object) -> HttpResponse:
    """The owner says (or changes) how they felt when they recorded."""
    analysis = _own_analysis(request, analysis_id)
    form = SymptomsForm(request.POST)
    if form.is_valid():
        try:
            uploads.recording_symptoms_set(
                recording=analysis.recording,
                symptoms=form.cleaned_data["symptoms"],
                note=form.cleaned_data["symptom_note"],
            )
        except InputError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Saved how you felt.")
    return redirect("diagnosis:result", analysis_id=analysis.id)


@login_required
@require_POST
def rerun(request: AuthenticatedHttpRequest, analysis_id: object) -> HttpResponse:
    """Only the owner asks for a new analysis of their upload."""
    analysis = _own_analysis(request, analysis_id)
    fresh = analyses.analysis_rerun(analysis=analysis)
    return redirect("diagnosis:result", analysis_id=fresh.id)


@login_required
@require_GET
def report(request: HttpRequest, analysis_id: object) -> HttpResponse:
    analysis = _analysis_for(request, analysis_id)
    return render(request, "diagnosis/report.html", selectors.result_context(analysis))
