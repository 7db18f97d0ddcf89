"""Account pages: the profile, password reset by SMS, the doctor application, the doctor and
administrator homes."""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import (
    ApplicationDecisionForm,
    DoctorApplicationForm,
    LocationForm,
    PasswordResetBySmsForm,
    PasswordResetSmsCodeForm,
)
from accounts.models import ApplicationStatus, DoctorApplication
from accounts.permissions import (
    AuthenticatedHttpRequest,
    admin_required,
    doctor_required,
    has_totp,
    patient_required,
)
from accounts.phone_reset import PasswordResetBySms


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = LocationForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your details were saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "has_totp": has_totp(user),
            "google_enabled": bool(settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET),
            "applications": user.doctor_applications.all()[:5],
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def password_reset_by_sms(request: HttpRequest) -> HttpResponse:
    """Ask for a password reset code by SMS. The next page is the same whether or not the
    number has an account (the text message says which)."""
    form = PasswordResetBySmsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limited = ratelimit.consume_or_429(request, action="reset_password_by_sms")
        if limited is not None:
            return limited
        PasswordResetBySms.start(request=request, phone=form.cleaned_data["phone"])
        return redirect("accounts:password_reset_sms_code")
    return render(request, "accounts/password_reset_by_sms.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_sms_code(request: HttpRequest) -> HttpResponse:
    """Type the code from the text message and a new password."""
    process = PasswordResetBySms.resume(request)
    if process is None:
        messages.info(request, "That code has expired. Ask for a new one.")
        return redirect("accounts:password_reset_by_sms")
    form = PasswordResetSmsCodeForm(
        request.POST or None, code=process.code, user=process.user, phone=process.phone
    )
    if request.method == "POST":
        if form.is_valid():
            process.finish(form.cleaned_data["password1"])
            return redirect("account_login")
        if "code" in form.errors and not process.record_invalid_attempt():
            messages.error(request, "Too many wrong codes. Ask for a new one.")
            return redirect("accounts:password_reset_by_sms")
    return render(
        request,
        "accounts/password_reset_sms_code.html",
        {"form": form, "phone": process.phone},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def doctor_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = request.user.doctor_applications.filter(status=ApplicationStatus.PENDING).first()
    form = DoctorApplicationForm(
        request.POST or None, initial={"full_name": request.user.full_name}
    )
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            services.doctor_application_submit(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "Thank you. An administrator will check your licence. You keep your patient "
                "account until then.",
            )
            return redirect("accounts:profile")
    return render(request, "accounts/doctor_apply.html", {"form": form, "pending": pending})


@doctor_required
def doctor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/doctor_home.html", {"profile": request.user.doctor_profile})


@admin_required
def staff_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = DoctorApplication.objects.filter(status=ApplicationStatus.PENDING).select_related(
        "user"
    )
    decided = (
        DoctorApplication.objects.exclude(status=ApplicationStatus.PENDING)
        .select_related("user", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "accounts/staff_home.html",
        {"pending": pending, "decided": decided, "decision_form": ApplicationDecisionForm()},
    )


@admin_required
@require_POST
def doctor_application_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(DoctorApplication, pk=pk)
    form = ApplicationDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("accounts:staff_home")
    try:
        if form.cleaned_data["decision"] == "approve":
            services.doctor_application_approve(application=application, decided_by=request.user)
            messages.success(request, f"{application.full_name} is now a doctor.")
        else:
            services.doctor_application_reject(
                application=application, decided_by=request.user, note=form.cleaned_data["note"]
            )
            messages.info(request, f"The application from {application.full_name} was rejected.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:staff_home")
