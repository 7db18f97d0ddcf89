"""Users, roles and doctor applications.

Every sign-up is a patient. A patient becomes a doctor only when an administrator
approves their application; administrators are staff users with the ``admin`` role.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

#: Words before a name that are not the name.
TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "sir", "dame"})


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    DOCTOR = "doctor", "Doctor"
    ADMIN = "admin", "Administrator"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str | None, password: str | None = None, **extra: Any) -> User:
        # Sign-up by mobile number gives an account without an email address.
        if not email and not extra.get("phone"):
            raise ValueError("An email address or a mobile number is required")
        user = self.model(email=self.normalize_email(email).lower() if email else None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **extra)

    def approved_doctors(self) -> models.QuerySet[User]:
        """The one rule for "an approved doctor": an active account with the doctor role and
        the profile an administrator's approval creates."""
        return self.filter(role=Role.DOCTOR, is_active=True, doctor_profile__isnull=False)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address or a mobile number (or both). ``role``
    decides which areas of the site open."""

    # Null, not blank, when absent: unique only among the accounts that have one.
    email = models.EmailField("email address", unique=True, null=True, blank=True)
    # E.164 ("+919876543210"), normalised by accounts.phone; set at sign-up or on the
    # account page, and trusted for sign-in and password reset only once confirmed by SMS.
    phone = models.CharField("mobile number", max_length=16, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField("mobile number confirmed", default=False)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    # Where the person lives, to suggest the nearest specialists with a result.
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log in to the admin site. Set for administrators."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.sign_in_name

    @property
    def sign_in_name(self) -> str:
        """What the person signs in with: the email address, else the mobile number."""
        return self.email or self.phone or f"user {self.pk}"

    def clean(self) -> None:
        super().clean()
        if self.phone:  # typed in the admin: stored as E.164 like every other number
            from accounts.phone import phone_normalize

            try:
                self.phone = phone_normalize(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error.messages}) from error
        stored = type(self).objects.filter(pk=self.pk).values_list("phone", flat=True).first()
        if self.pk and self.phone != stored:
            # A number typed for someone is not confirmed until its owner types a code.
            self.phone_verified = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        # "" would collide with every other account without one (the columns are unique).
        self.email = self.email or None
        self.phone = self.phone or None
        # The admin role and staff status are one thing seen from two sides.
        if self.role == Role.ADMIN:
            self.is_staff = True
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """How the site names the person on screen: their name, else their email, else their
        mobile number masked ("+91 ••••• 43210")."""
        from accounts.phone import phone_mask

        return self.full_name.strip() or self.email or phone_mask(self.phone) or self.sign_in_name

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        """The first name, past a title ("Dr Daniel Okafor" -> "Daniel")."""
        words = [w for w in self.full_name.split() if w.rstrip(".").lower() not in TITLES]
        return words[0] if words else self.display_name

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_doctor(self) -> bool:
        return self.role == Role.DOCTOR

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN and self.is_staff


class Specialty(models.TextChoices):
    CARDIOLOGY = "cardiology", "Cardiologist"
    ELECTROPHYSIOLOGY = "electrophysiology", "Electrophysiologist"
    INTERNAL_MEDICINE = "internal_medicine", "Internal medicine"
    GENERAL_PRACTICE = "general_practice", "General practitioner"
    EMERGENCY_MEDICINE = "emergency_medicine", "Emergency medicine"
    PEDIATRIC_CARDIOLOGY = "pediatric_cardiology", "Paediatric cardiologist"
    OTHER = "other", "Other"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class DoctorApplication(models.Model):
    """A patient's request to be a doctor on the site. Only an administrator decides it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_applications"
    )
    full_name = models.CharField(max_length=150)
    licence_number = models.CharField(max_length=64)
    specialty = models.CharField(max_length=32, choices=Specialty.choices)
    workplace = models.CharField("clinic or hospital", max_length=200)
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="one_pending_doctor_application_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_specialty_display()}, {self.get_status_display()})"


#: Letters and digits that cannot be mistaken for one another when read aloud or typed.
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITATION_CODE_LENGTH = 10


def invitation_code_generate() -> str:
    """A random code a doctor gives patients so they can share with them (50 bits)."""
    return "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(INVITATION_CODE_LENGTH))


class DoctorProfile(models.Model):
    """What an approved doctor is known by: created when an application is approved."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_profile"
    )
    licence_number = models.CharField(max_length=64)
    specialty = models.CharField(max_length=32, choices=Specialty.choices)
    workplace = models.CharField("clinic or hospital", max_length=200)
    approved_at = models.DateTimeField(default=timezone.now)
    application = models.OneToOneField(
        DoctorApplication, on_delete=models.PROTECT, related_name="profile"
    )
    # Patients type this to share with this doctor; the doctor can replace it at any time.
    invitation_code = models.CharField(
        max_length=16, unique=True, default=invitation_code_generate, editable=False
    )

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} ({self.get_specialty_display()})"
