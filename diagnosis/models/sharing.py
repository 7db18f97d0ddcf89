"""Sharing and reviews: a patient's share with a doctor, the doctor's review of an analysis,
and the access log of who else looked at a patient's data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from accounts.models import Role
from diagnosis import findings
from diagnosis.models.analyses import CLASS_NAMES

#: How long a patient can share for: a choice on the page and in the API.
SHARE_DURATIONS = {
    "7d": ("7 days", timedelta(days=7)),
    "30d": ("30 days", timedelta(days=30)),
    "revoked": ("Until I stop sharing", None),
}


class ShareQuerySet(models.QuerySet["Share"]):
    def open(self) -> ShareQuerySet:
        """Not revoked, whether or not its time has run out."""
        return self.filter(revoked_at__isnull=True)

    def active(self) -> ShareQuerySet:
        """Not revoked and not expired, checked against the database clock at query time."""
        return self.open().filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))

    def active_for(self, doctor: Any) -> ShareQuerySet:
        """The one rule for "this doctor may see this patient's data now"."""
        return self.active().filter(doctor=doctor)

    def recordings_shared_q(self, doctor: Any) -> Q:
        """A filter on recordings: those ``doctor`` may see now through a share, every
        recording of a patient sharing all, or the recording of a shared result."""
        shares = self.active_for(doctor)
        return Q(owner__in=shares.filter(analysis__isnull=True).values("patient_id")) | Q(
            pk__in=shares.filter(analysis__isnull=False).values("analysis__recording_id")
        )


class Share(models.Model):
    """A patient lets a doctor see their whole history (``analysis`` empty) or one result,
    until a time (``expires_at``) or until they revoke it.

    Access follows ``revoked_at`` and ``expires_at`` directly (``visible_to`` reads them on
    every request), so a revoked or expired share closes the doctor's access at once.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_given"
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_received"
    )
    # One result only; empty: every upload, past and future.
    analysis = models.ForeignKey(
        "diagnosis.Analysis", on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # empty: until revoked
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The doctor's digest has announced this patient's uploads up to here.
    digest_sent_until = models.DateTimeField(null=True, blank=True)

    objects = ShareQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An expired share is closed (``revoked_at`` set) before a new one is opened.
            models.UniqueConstraint(
                fields=["patient", "doctor"],
                condition=Q(revoked_at__isnull=True, analysis__isnull=True),
                name="one_open_share_of_all_per_patient_and_doctor",
            ),
            models.UniqueConstraint(
                fields=["patient", "doctor", "analysis"],
                condition=Q(revoked_at__isnull=True, analysis__isnull=False),
                name="one_open_share_of_a_result_per_patient_and_doctor",
            ),
        ]

    def __str__(self) -> str:
        state = "active" if self.is_active else "ended"
        return f"{self.patient} -> {self.doctor} ({self.scope_text}, {state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @property
    def scope_text(self) -> str:
        return "all results" if self.analysis_id is None else "one result"


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CORRECTED = "corrected", "Corrected"


class Review(models.Model):
    """A doctor's reading of one analysis: the label they give it, per-beat corrections
    (records) and a note for the patient. One per doctor and analysis; writing again
    updates it."""

    analysis = models.ForeignKey(
        "diagnosis.Analysis", on_delete=models.CASCADE, related_name="reviews"
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_written"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    model_label = models.CharField(max_length=8)  # what the model said, kept for the record
    label = models.CharField(max_length=8)  # what the doctor says
    # A record's rhythm as the doctor reads it (a verdict code: normal, af, ...); empty for a
    # beat picture or a result without a rhythm verdict.
    rhythm = models.CharField(max_length=16, blank=True)
    # [{"sample": int, "t": seconds, "model_label": "NOR", "label": "PVC"}, ...] by sample
    beat_corrections = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "doctor"], name="one_review_per_doctor_and_analysis"
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.analysis_id} by {self.doctor} ({self.verdict})"

    @property
    def label_name(self) -> str:
        return CLASS_NAMES.get(self.label, self.label)

    @property
    def is_corrected(self) -> bool:
        return self.verdict == Verdict.CORRECTED

    @property
    def model_label_name(self) -> str:
        return CLASS_NAMES.get(self.model_label, self.model_label)

    @property
    def rhythm_changed(self) -> bool:
        """The doctor reads the rhythm differently from the model."""
        return bool(self.rhythm) and self.rhythm != self.analysis.verdict

    @property
    def rhythm_name(self) -> str:
        return findings.verdict_words(self.rhythm)

    @property
    def model_rhythm_name(self) -> str:
        return findings.verdict_words(self.analysis.verdict)

    @property
    def corrections_in_words(self) -> list[dict[str, str]]:
        """The per-beat corrections for people: when (m:ss) and plain names."""
        names = {**CLASS_NAMES, **findings.NON_BEAT_CORRECTIONS}
        return [
            {
                "at": findings.clock(float(c["t"])) if c.get("t") is not None else "",
                "model": names.get(c["model_label"], c["model_label"]),
                "doctor": names.get(c["label"], c["label"]),
            }
            for c in self.beat_corrections
        ]


class AccessVia(models.TextChoices):
    PAGE = "page", "Result page"
    STATUS = "status", "Result page (live update)"
    TRACE = "trace", "ECG trace"
    FILE = "file", "File download"
    REPORT = "report", "Printable report"
    REVIEW = "review", "Review page"
    API = "api", "API"
    ADMIN = "admin", "Administration site"
    CURATION = "curation", "Curation (a beat in the training data)"


class AccessLogEntry(models.Model):
    """Someone other than the patient looked at the patient's data. Kept after the analysis
    is deleted (``analysis_ref``) and after the viewer's account is gone (``viewer_email``)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_log"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="access_log_as_viewer",
    )
    viewer_email = models.EmailField()
    viewer_role = models.CharField(max_length=16, choices=Role.choices)
    analysis = models.ForeignKey(
        "diagnosis.Analysis", on_delete=models.SET_NULL, null=True, related_name="access_log"
    )
    analysis_ref = models.UUIDField()
    via = models.CharField(max_length=16, choices=AccessVia.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.viewer_email} saw {self.analysis_ref} ({self.via})"
