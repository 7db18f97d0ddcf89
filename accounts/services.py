"""Writes to accounts: every change of role goes through these functions."""

from __future__ import annotations

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


@transaction.atomic
def doctor_application_submit(
    *, user: User, full_name: str, licence_number: str, specialty: str, workplace: str
) -> DoctorApplication:
    """A patient asks to become a doctor. At most one application waits at a time."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_patient:
        raise ValidationError("Only patients can apply to be a doctor.")
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
