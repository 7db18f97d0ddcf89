"""Writes to accounts: every change of role goes through these functions."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    ApplicationStatus,
    DoctorApplication,
    DoctorProfile,
    Role,
    User,
    invitation_code_generate,
)

log = logging.getLogger(__name__)


@transaction.atomic
def doctor_application_submit(
    *, user: User, full_name: str, licence_number: str, specialty: str, workplace: str
) -> DoctorApplication:
    """A patient asks to become a doctor. At most one application waits at a time."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_patient:
        raise ValidationError("Only patients can apply to be a doctor.")
    if not user.email:
        # Doctors are reached by email (reviews waiting, approval) and sign in with a
        # password and TOTP, never with an SMS code.
        raise ValidationError(
            "Add an email address to your account (Email page) before applying to be a doctor."
        )
    if user.doctor_applications.filter(status=ApplicationStatus.PENDING).exists():
        raise ValidationError("You already have an application waiting for review.")
    application = DoctorApplication(
        user=user,
        full_name=full_name.strip(),
        licence_number=licence_number.strip(),
        specialty=specialty,
        workplace=workplace.strip(),
    )
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def doctor_application_approve(
    *, application: DoctorApplication, decided_by: User
) -> DoctorProfile:
    """An administrator approves: the applicant becomes a doctor with a profile."""
    application = DoctorApplication.objects.select_for_update().get(pk=application.pk)
    if not decided_by.is_administrator:
        raise ValidationError("Only administrators can approve doctors.")
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError("This application has already been decided.")
    user = User.objects.select_for_update().get(pk=application.user_id)
    if not user.is_patient:
        raise ValidationError("Only a patient account can be made a doctor.")
    application.status = ApplicationStatus.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = decided_by
    application.save()
    user.role = Role.DOCTOR
    if not user.full_name:
        user.full_name = application.full_name
    user.save(update_fields=["role", "full_name"])
    user_id = user.pk
    transaction.on_commit(lambda: _doctor_approved_email(user_id=user_id))
    return DoctorProfile.objects.update_or_create(
        user=user,
        defaults={
            "licence_number": application.licence_number,
            "specialty": application.specialty,
            "workplace": application.workplace,
            "approved_at": application.decided_at,
            "application": application,
        },
    )[0]


@transaction.atomic
def doctor_application_reject(
    *, application: DoctorApplication, decided_by: User, note: str = ""
) -> DoctorApplication:
    """An administrator rejects; the applicant stays a patient and may apply again."""
    application = DoctorApplication.objects.select_for_update().get(pk=application.pk)
    if not decided_by.is_administrator:
        raise ValidationError("Only administrators can reject doctor applications.")
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError("This application has already been decided.")
    application.status = ApplicationStatus.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = decided_by
    application.decision_note = note.strip()
    application.save()
    return application


@transaction.atomic
def doctor_invitation_code_regenerate(*, profile: DoctorProfile) -> str:
    """Give a doctor a new invitation code; the old one stops working at once (shares made
    with it stay)."""
    profile = DoctorProfile.objects.select_for_update().get(pk=profile.pk)
    profile.invitation_code = invitation_code_generate()
    profile.save(update_fields=["invitation_code"])
    return profile.invitation_code


# --- Mobile numbers ---------------------------------------------------------------------


def user_phone_set(*, user: User, phone: str | None, verified: bool) -> None:
    """Give ``user`` the mobile number ``phone`` (E.164; None removes it), confirmed or not.
    A user not saved yet (allauth's sign-up sets the number before the first save) only gets
    the fields; the caller saves it. Another account holding the number unconfirmed loses it.

    Raises:
        ValidationError: another account has this number (allauth checks before it gets
            here; this covers two requests at once).
    """
    user.phone = phone
    user.phone_verified = bool(phone) and verified
    with transaction.atomic():
        if phone:
            # A number another account holds unconfirmed is not theirs: it goes to whoever
            # signs up with it or confirms it (only its owner can read the codes).
            User.objects.filter(phone=phone, phone_verified=False).exclude(pk=user.pk).update(
                phone=None
            )
        if user.pk is None:
            return
        taken = User.objects.filter(phone=phone).exclude(pk=user.pk).exists() if phone else False
        if taken:
            raise ValidationError("A user is already registered with this phone number.")
        user.save(update_fields=["phone", "phone_verified"])


# --- API tokens ------------------------------------------------------------------------


class TokenRefused(Exception):
    """An API token was not issued; ``message`` is for the client, ``status`` the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def api_token_issue(*, request: Any, email: str, password: str, code: str = "") -> tuple[str, Any]:
    """Exchange a confirmed account's email and password (and, for accounts the two-factor
    policy covers, a current TOTP code) for a new API token: hashed at rest, expiring
    (``REST_KNOX["TOKEN_TTL"]``), one per device (django-rest-knox). Returns (the token, its
    row). Failed attempts count against the same per-account and per-address lockout as the
    web login (allauth's ``login_failed`` rate limit, client address from the trusted proxy
    setting).

    Raises:
        TokenRefused: wrong credentials or code (400), locked out (429), no second factor set
            up (403), email not confirmed (400).
    """
    from allauth.account.adapter import get_adapter
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from knox.models import AuthToken

    from accounts.permissions import mfa_satisfied

    adapter = get_adapter(request)
    email = email.strip().lower()
    try:
        user = adapter.authenticate(request, email=email, password=password)
    except ValidationError as error:
        raise TokenRefused(" ".join(error.messages), status=429) from error
    if user is None or not user.is_active:
        raise TokenRefused("Wrong email or password.")
    if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        raise TokenRefused("Confirm your email address first (see the email we sent).")
    if user.is_doctor or user.is_administrator or user.is_staff:
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is None or not mfa_satisfied(user):
            raise TokenRefused(
                "Turn on two-factor authentication on the site before asking for an API token.",
                status=403,
            )
        if not TOTP(totp).validate_code(code.strip()):
            try:
                # A wrong code is a failed login: it counts against the same lockout.
                adapter.pre_authenticate(request, email=email)
            except ValidationError as error:
                raise TokenRefused(" ".join(error.messages), status=429) from error
            raise TokenRefused("Enter the current 6-digit code from your authenticator app.")
    instance, token = AuthToken.objects.create(user=user)
    return token, instance


def api_tokens_revoke(*, user: User, token: Any = None) -> int:
    """Revoke one API token (``token``, a knox ``AuthToken`` of ``user``) or every token of
    ``user`` (logout everywhere; also done when the password changes). Returns how many."""
    from knox.models import AuthToken

    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    count, _ = tokens.delete()
    return count


def _doctor_approved_email(*, user_id: int) -> None:
    """Tell a new doctor they were approved (a mail server that is down is logged, and does
    not undo the approval)."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    user = User.objects.get(pk=user_id)
    body = render_to_string(
        "accounts/email/doctor_approved.txt",
        {"user": user, "url": settings.SITE_URL.rstrip("/") + reverse("accounts:doctor_home")},
    )
    try:
        send_mail(
            f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You are approved as a doctor",
            body,
            None,
            [user.email or ""],  # an applicant always has one (doctor_application_submit)
        )
    except Exception:
        log.warning("could not send the approval email to user %s", user_id, exc_info=True)
