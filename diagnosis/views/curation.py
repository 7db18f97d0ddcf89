"""Administrator pages for curation and retraining. Thin: forms in, services and selectors
out. Every view is ``admin_required`` (administrator role, staff, TOTP)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import AuthenticatedHttpRequest, admin_required
from diagnosis.forms.curation import (
    BulkDecisionForm,
    ExampleFilterForm,
    ImportForm,
    TrainingStartForm,
)
from diagnosis.models import (
    AccessVia,
    ImportBatch,
    InputKind,
    LabeledExample,
    ModelVersion,
    TrainingRun,
)
from diagnosis.selectors import curation as curation_selectors
from diagnosis.services import access_log, curation
from diagnosis.services import training as training_services

EXAMPLES_PER_PAGE = 48


@admin_required
@require_GET
def examples(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ExampleFilterForm(request.GET or {"status": "pending"})
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = curation_selectors.examples_filtered(
        status=filters.get("status", ""),
        label=filters.get("label", ""),
        source=filters.get("source", ""),
        split=filters.get("split", ""),
    )
    page = Paginator(queryset, EXAMPLES_PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {
            "example": example,
            "has_image": curation_selectors.example_has_image(example),
            "trace": None if example.image else curation_selectors.example_trace(example),
        }
        for example in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "curation/examples.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "counts": curation_selectors.example_counts(),
            "decision_form": BulkDecisionForm(),
            "query": query.urlencode(),
        },
    )


@admin_required
@require_POST
def examples_decide(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Select examples and an action.")
    else:
        try:
            n = curation.examples_decide(
                ids=form.cleaned_data["ids"],
                action=form.cleaned_data["action"],
                label=form.cleaned_data["label"] or None,
                by=request.user,
            )
            messages.success(request, f"{n} example(s) updated.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    back = request.POST.get("next", "")
    return redirect(reverse("diagnosis:curation_examples") + (f"?{back}" if back else ""))


@admin_required
@require_GET
def example_image(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    example = get_object_or_404(LabeledExample.objects.select_related("analysis__recording"), pk=pk)
    if example.analysis is not None:
        # A patient's own upload, seen by an administrator: it goes in their access log.
        access_log.access_log_record(
            viewer=request.user, analysis=example.analysis, via=AccessVia.CURATION
        )
    if example.image:
        return cast(HttpResponse, FileResponse(example.image.open("rb"), content_type="image/png"))
    analysis = example.analysis
    if analysis is not None and analysis.recording.kind == InputKind.BEAT_IMAGE:
        recording = analysis.recording
        content_type = {"png": "image/png", "bmp": "image/bmp"}.get(
            recording.file_format, "image/jpeg"
        )
        return cast(
            HttpResponse, FileResponse(recording.file.open("rb"), content_type=content_type)
        )
    raise Http404("No picture for this example.")


@admin_required
@require_http_methods(["GET", "POST"])
def import_archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["archive"]
        with tempfile.TemporaryDirectory(prefix="ecg-import-upload-") as tmp:
            path = Path(tmp) / "archive.zip"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                batch = curation.examples_import(
                    path=path,
                    original_name=upload.name or "",
                    by=request.user,
                    approve=form.cleaned_data["approve"],
                )
            except ValidationError as error:
                form.add_error("archive", " ".join(error.messages))
            else:
                return redirect("diagnosis:curation_import_report", pk=batch.pk)
    batches = ImportBatch.objects.select_related("created_by")[:20]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "curation/import.html", {"form": form, "batches": batches}, status=status
    )


@admin_required
@require_GET
def import_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    return render(request, "curation/import_report.html", {"batch": batch})


@admin_required
@require_GET
def training(request: AuthenticatedHttpRequest) -> HttpResponse:
    versions = curation_selectors.model_versions()
    return render(
        request,
        "curation/training.html",
        {
            "form": TrainingStartForm(),
            "runs": curation_selectors.training_runs()[:20],
            "open_run": TrainingRun.objects.open().first(),
            "comparison": curation_selectors.comparison_rows(versions),
            "counts": curation_selectors.example_counts(),
        },
    )


@admin_required
@require_POST
def training_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TrainingStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the training options.")
        return redirect("diagnosis:curation_training")
    try:
        run = training_services.training_start(
            by=request.user,
            small=form.cleaned_data["small"],
            epochs=form.cleaned_data["epochs"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("diagnosis:curation_training")
    messages.success(request, f"Training run #{run.pk} is queued.")
    return redirect("diagnosis:curation_run", pk=run.pk)


@admin_required
@require_GET
def training_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(curation_selectors.training_runs(), pk=pk)
    versions = [v for v in (run.base_version, run.candidate) if v is not None]
    active = ModelVersion.objects.active()
    if active is not None and active not in versions:
        versions.insert(0, active)
    return render(
        request,
        "curation/run.html",
        {"run": run, "comparison": curation_selectors.comparison_rows(versions)},
    )


@admin_required
@require_GET
def training_run_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live progress fragment (htmx polls it until the run is finished)."""
    run = get_object_or_404(curation_selectors.training_runs(), pk=pk)
    response = render(request, "curation/_run_status.html", {"run": run})
    if run.is_finished and request.headers.get("HX-Request"):
        # Reload the whole page once, so the comparison table shows the candidate.
        response["HX-Refresh"] = "true"
    return response


@admin_required
@require_POST
def training_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(TrainingRun, pk=pk)
    try:
        run = training_services.training_cancel(run=run, by=request.user)
        messages.info(
            request,
            "The run was cancelled."
            if run.is_finished
            else "Cancelling: the run stops after its current batch.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("diagnosis:curation_run", pk=pk)


@admin_required
@require_POST
def model_activate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion, pk=pk)
    confirmed = request.POST.get("confirm") == "yes"
    reason = request.POST.get("reason", "") if confirmed else ""
    try:
        version = curation.model_version_activate(
            version=version, by=request.user, override_reason=reason
        )
        messages.success(
            request,
            f"{version.version} is now the active model; workers use it from their next job.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("diagnosis:curation_training")


@admin_required
@require_GET
def audit(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(curation_selectors.audit_events(), 100).get_page(request.GET.get("page"))
    return render(request, "curation/audit.html", {"page": page})
