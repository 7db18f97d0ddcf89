"""Pages for sharing (patients), the review queue and reviews (doctors), and the access log
(patients see theirs, administrators export everyone's)."""

from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import (
    AuthenticatedHttpRequest,
    admin_required,
    doctor_required,
    patient_required,
)
from accounts.services import doctor_invitation_code_regenerate
from diagnosis.forms.sharing import (
    BEAT_CHOICES,
    DoctorSearchForm,
    InvitationCodeForm,
    QueueFilterForm,
    ReviewForm,
    ShareForm,
)
from diagnosis.models import CLASS_NAMES, AccessVia, Analysis, Share
from diagnosis.selectors import sharing as sharing_selectors
from diagnosis.services import access_log as access_log_services
from diagnosis.services import sharing as sharing_services
from diagnosis.services.curation import audit_log

#: Seconds of a record shown at once in the review's beat table.
REVIEW_WINDOW_S = 20.0


# --- Patients: sharing --------------------------------------------------------------------


def _own_analysis(request: AuthenticatedHttpRequest, analysis_id: object) -> Analysis | None:
    """The patient's own finished-or-not analysis named in a sharing form, or None."""
    if not analysis_id:
        return None
    return get_object_or_404(Analysis.objects.filter(recording__owner=request.user), id=analysis_id)


def _analysis_param(request: AuthenticatedHttpRequest) -> Analysis | None:
    try:
        return _own_analysis(request, uuid.UUID(request.GET.get("analysis", "")))
    except ValueError:
        return None


@patient_required
@require_GET
def sharing(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient's shares, and finding a doctor to share with (all results, or the one
    result named by ``?analysis=``)."""
    search = DoctorSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    shares = sharing_selectors.shares_of_patient(request.user)
    return render(
        request,
        "doctors/sharing.html",
        {
            "shares": shares,
            "search": search,
            "query": query,
            "found": sharing_selectors.approved_doctors_search(query) if query else [],
            "shared_all_with": {s.doctor_id for s in shares if s.analysis_id is None},
            "code_form": InvitationCodeForm(),
            "analysis": _analysis_param(request),
        },
    )


@patient_required
@require_GET
def share_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step two: the chosen doctor, what to share and for how long."""
    analysis = _analysis_param(request)
    code = request.GET.get("code", "").strip()[:32]
    doctor_id = request.GET.get("doctor", "")
    try:
        doctor = sharing_services.share_doctor_find(
            doctor_id=int(doctor_id) if doctor_id.isdigit() else None, invitation_code=code
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_sharing_url(analysis))
    form = ShareForm(
        initial={
            "doctor": doctor.pk,
            "analysis": analysis.id if analysis else None,
            "scope": "one" if analysis else "all",
        },
        one_result=analysis is not None,
    )
    return render(
        request,
        "doctors/share_confirm.html",
        {"doctor": doctor, "form": form, "analysis": analysis},
    )


def _sharing_url(analysis: Analysis | None) -> str:
    url = reverse("diagnosis:sharing")
    return f"{url}?analysis={analysis.id}" if analysis else url


@patient_required
@require_POST
def share_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ShareForm(request.POST, one_result=True)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("diagnosis:sharing")
    data = form.cleaned_data
    analysis = _own_analysis(request, data["analysis"]) if data["scope"] == "one" else None
    doctor = User.objects.filter(pk=data["doctor"]).first() if data["doctor"] else None
    try:
        share = sharing_services.share_create(
            patient=request.user,
            doctor=doctor,
            invitation_code=data["code"],
            analysis=analysis,
            duration=data["duration"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_sharing_url(analysis))
    what = (
        f"your result of {timezone.localtime(analysis.created_at):%-d %b %Y}"
        if analysis
        else "all your results"
    )
    until = (
        f"until {timezone.localtime(share.expires_at):%-d %b %Y, %H:%M}"
        if share.expires_at
        else "until you stop sharing"
    )
    messages.success(request, f"{share.doctor.get_full_name()} can now see {what}, {until}.")
    return redirect("diagnosis:sharing")


@patient_required
@require_POST
def share_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    share = get_object_or_404(Share.objects.active().filter(patient=request.user), pk=pk)
    sharing_services.share_revoke(share=share, by=request.user)
    messages.success(
        request, f"You stopped sharing with {share.doctor.get_full_name()}. Access ended now."
    )
    return redirect("diagnosis:sharing")


# --- Doctors: queue and reviews ------------------------------------------------------------


@doctor_required
@require_GET
def doctor_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    shares, waiting_total = sharing_selectors.shares_with_doctor(request.user)
    patients = list({s.patient_id: s.patient.get_full_name() for s in shares}.items())
    form = QueueFilterForm(request.GET or None, patients=patients)
    filters = form.cleaned_data if form.is_valid() else {}
    analyses = sharing_selectors.review_queue(
        request.user,
        patient_id=filters.get("patient"),
        label=filters.get("label") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        state=filters.get("state") or "waiting",
    )
    page = Paginator(analyses, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "doctors/queue.html",
        {
            "profile": request.user.doctor_profile,
            "shares": shares,
            "waiting_total": waiting_total,
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


@doctor_required
@require_POST
def invitation_code_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    doctor_invitation_code_regenerate(profile=request.user.doctor_profile)
    messages.success(request, "You have a new invitation code. The old one no longer works.")
    return redirect("diagnosis:doctor_queue")


def _analysis_to_review(request: AuthenticatedHttpRequest, analysis_id: object) -> Analysis:
    """An analysis another person shares with this doctor now; anything else (no share,
    revoked or expired, another result, own upload) is a 404."""
    analysis = get_object_or_404(
        Analysis.objects.shared_with(request.user).select_related(
            "recording", "recording__owner", "model_version"
        ),
        id=analysis_id,
    )
    access_log_services.access_log_record(
        viewer=request.user, analysis=analysis, via=AccessVia.REVIEW
    )
    return analysis


def _float_param(value: str | None, default: float) -> float:
    try:
        number = float(value) if value is not None else default
    except ValueError:
        return default
    return number if number == number else default  # NaN


@doctor_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest, analysis_id: object) -> HttpResponse:
    analysis = _analysis_to_review(request, analysis_id)
    mine = analysis.reviews.filter(doctor=request.user).first()
    initial = {
        "label": mine.label if mine else analysis.label,
        "rhythm": (mine.rhythm if mine and mine.rhythm else analysis.verdict),
        "note": mine.note if mine else "",
    }
    form = ReviewForm(request.POST or None, initial=initial)
    start = _float_param(request.POST.get("start") or request.GET.get("start"), 0.0)
    if request.method == "POST" and form.is_valid():
        beat_labels = {
            int(key.removeprefix("beat-")): str(value)
            for key, value in request.POST.items()
            if key.startswith("beat-") and key.removeprefix("beat-").isdigit()
        }
        try:
            sharing_services.review_submit(
                analysis=analysis,
                doctor=request.user,
                label=form.cleaned_data["label"],
                rhythm=form.cleaned_data["rhythm"],
                note=form.cleaned_data["note"],
                beat_labels=beat_labels,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your review is saved. The patient will be told by email.")
            url = reverse("diagnosis:review", args=[analysis.id])
            return redirect(f"{url}?start={start:g}")
    corrections = {int(c["sample"]): c["label"] for c in (mine.beat_corrections if mine else [])}
    record = sharing_selectors.is_record(analysis)
    window = (
        sharing_selectors.beats_window(
            analysis, start_s=start, seconds=REVIEW_WINDOW_S, corrections=corrections
        )
        if record
        else None
    )
    return render(
        request,
        "doctors/review.html",
        {
            "analysis": analysis,
            "patient": analysis.recording.owner,
            "form": form,
            "mine": mine,
            "record": record,
            "window": window,
            "class_choices": BEAT_CHOICES,
            "class_names": CLASS_NAMES,
        },
        status=400 if form.errors else 200,
    )


# --- Access log -----------------------------------------------------------------------------


@login_required
@require_GET
def access_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Who saw my data": every view of the user's uploads by someone else."""
    entries = sharing_selectors.access_log_of_patient(request.user)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "doctors/access_log.html", {"page": page})


def _csv_safe(value: object) -> str:
    # A cell starting with = + - @ would run as a formula when opened in a spreadsheet.
    text = str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@admin_required
@require_GET
def access_log_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone's access log as CSV, newest first (administrators only, with a reason that
    goes in the audit log: ``?reason=...``)."""
    reason = request.GET.get("reason", "").strip()
    if not reason:
        return HttpResponse(
            "Say why you export the access log: add ?reason=... (it is kept in the audit log).",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    audit_log(actor=request.user, action="access_log.export", details={"reason": reason[:1000]})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["when", "patient", "viewer", "viewer_role", "analysis", "via"])
    for entry in sharing_selectors.access_log_all().iterator(chunk_size=2000):
        writer.writerow(
            [
                entry.created_at.isoformat(),
                _csv_safe(entry.patient.sign_in_name),
                _csv_safe(entry.viewer_email),
                entry.viewer_role,
                entry.analysis_ref,
                entry.via,
            ]
        )
    return response
