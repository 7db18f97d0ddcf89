"""Recordings (what a user uploaded), analyses (what the model said), model versions.

State machine of an ``Analysis``::

    queued --claim--> running --result--> done
       ^                 |  \\--bad input--> failed
       |                 |
       +--- sweeper -----+  (a run whose worker died: its lease ran out)

Only the run holding the current ``run_token`` may write a result, so an analysis never
gets two results even when a message is delivered twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import User
from diagnosis import findings

CLASS_NAMES = {
    "NOR": "Normal beat",
    "LBB": "Left bundle branch block beat",
    "RBB": "Right bundle branch block beat",
    "APC": "Atrial premature contraction",
    "PVC": "Premature ventricular contraction",
    "PAB": "Paced beat",
    "VEB": "Ventricular escape beat",
    "VFW": "Ventricular flutter wave",
}


class RecordingQuerySet(models.QuerySet["Recording"]):
    def visible_to(self, user: Any) -> RecordingQuerySet:
        """The one access rule for recordings: owners; with TOTP (``mfa_satisfied``),
        administrators, and doctors holding an active share from the owner."""
        from accounts.permissions import mfa_satisfied
        from diagnosis.models.sharing import Share

        if not user.is_authenticated:
            return self.none()
        if not mfa_satisfied(user):
            # Doctors, administrators and staff see nobody else's data without TOTP.
            return self.filter(owner=user)
        if user.is_administrator:
            return self.all()
        if user.is_doctor:
            return self.filter(Q(owner=user) | Share.objects.recordings_shared_q(user))
        return self.filter(owner=user)

    def shared_with(self, doctor: Any) -> RecordingQuerySet:
        """Other people's recordings ``doctor`` may see now through a share (all of a
        patient's, or the one of a shared result), whatever ``visible_to`` adds."""
        from diagnosis.models.sharing import Share

        return self.filter(Share.objects.recordings_shared_q(doctor)).exclude(owner=doctor)


#: What a person felt when they recorded (as Kardia and Apple ask), in plain words.
SYMPTOMS = {
    "none": "No symptoms",
    "palpitations": "Palpitations (a racing, fluttering or pounding heart)",
    "dizziness": "Dizziness or light-headedness",
    "chest_pain": "Chest pain or pressure",
    "short_breath": "Shortness of breath",
    "tired": "Tiredness",
    "other": "Something else",
}


class InputKind(models.TextChoices):
    BEAT_IMAGE = "beat_image", "Single-beat image"
    RECORD = "record", "ECG recording"


def recording_upload_to(instance: Recording, filename: str) -> str:
    # Generated names only: the client's filename never reaches the filesystem.
    return f"recordings/{instance.owner_id}/{instance.id}{instance.extension}"


class Recording(models.Model):
    """An uploaded ECG file, stored privately under a generated name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recordings"
    )
    file = models.FileField(upload_to=recording_upload_to, max_length=255)
    kind = models.CharField(max_length=16, choices=InputKind.choices)
    file_format = models.CharField(max_length=16)  # png, jpeg, wfdb-zip, csv, edf
    original_name = models.CharField(max_length=255, blank=True)  # display only
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # The rate the uploader typed for a CSV of bare samples (Hz): the worker reads with it.
    sampling_rate = models.FloatField(null=True, blank=True)
    # The page of a PDF to read (1 = the first), as the person chose it; empty: the best of
    # the first pages.
    pdf_page = models.PositiveSmallIntegerField(null=True, blank=True)
    # How the person felt: SYMPTOMS codes separated by spaces (no code is part of another, so
    # a substring filter finds one on every database), and their own words.
    symptoms = models.CharField(max_length=200, blank=True)
    symptom_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecordingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "sha256"])]

    def __str__(self) -> str:
        return f"{self.original_name or self.id} ({self.get_kind_display()})"

    @property
    def symptom_codes(self) -> list[str]:
        return self.symptoms.split()

    @property
    def symptom_names(self) -> list[str]:
        return [SYMPTOMS[code] for code in self.symptoms.split() if code in SYMPTOMS]

    @property
    def is_picture(self) -> bool:
        """A PNG/JPEG/BMP upload (beat image or strip photo), shown inline on the result page."""
        return self.file_format in ("png", "jpeg", "bmp")

    @property
    def extension(self) -> str:
        return {
            "png": ".png",
            "jpeg": ".jpg",
            "bmp": ".bmp",
            "heic": ".heic",
            "pdf": ".pdf",
            "wfdb-zip": ".zip",
            "csv": ".csv",
            "edf": ".edf",
        }.get(self.file_format, ".bin")


class ModelVersionQuerySet(models.QuerySet["ModelVersion"]):
    def active(self) -> ModelVersion | None:
        return self.filter(is_active=True).first()


class ModelVersion(models.Model):
    """A trained model under ``ECG_MODELS_DIR/<directory>/``. Exactly one is active."""

    version = models.CharField(max_length=64, unique=True)
    directory = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Set when an administrator rolled back from this version: its results are flagged.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_model_version"
            )
        ]

    def __str__(self) -> str:
        return self.version + (" (active)" if self.is_active else "")

    def ds2_headline(self) -> dict[str, float | None] | None:
        """The version's headline figures on DS2 (the inter-patient test): AAMI accuracy and
        S and V sensitivity and PPV (``None`` where not measured); ``None``: never
        benchmarked. What promotion compares and the version table shows."""
        test = (self.metadata.get("metrics") or {}).get("inter_patient_DS2") or {}
        if test.get("aami_accuracy") is None:
            return None
        per_class = test.get("aami_per_class") or {}
        figures: dict[str, float | None] = {"accuracy": float(test["aami_accuracy"])}
        for code in ("S", "V"):
            for measure in ("se", "ppv"):
                value = (per_class.get(code) or {}).get(measure)
                figures[f"{code}_{measure}"] = float(value) if value is not None else None
        return figures

    def class_metrics(self, code: str, *, beat_picture: bool = False) -> dict[str, Any] | None:
        """Measured sensitivity and PPV for a class on people the model never saw (DS2), from
        the model's metadata, with its AAMI class's figures beside it: the record model's on
        recordings, or the beat model's on drawn beat pictures (``beat_picture``; no PPV)."""
        key = "beat_pictures_DS2" if beat_picture else "inter_patient_DS2"
        test = (self.metadata.get("metrics") or {}).get(key) or {}
        entry = (test.get("classes8_per_class") or {}).get(code)
        if not isinstance(entry, dict):
            return None
        aami_code = (self.metadata.get("aami_map") or {}).get(code)
        aami = (test.get("aami_per_class") or {}).get(aami_code) if aami_code else None
        return {**entry, "aami_class": aami_code, "aami": aami}


class AnalysisQuerySet(models.QuerySet["Analysis"]):
    def visible_to(self, user: Any) -> AnalysisQuerySet:
        """The one access rule for analyses: follows the recording's rule."""
        return self.filter(recording__in=Recording.objects.visible_to(user))

    def shared_with(self, doctor: Any) -> AnalysisQuerySet:
        """Analyses of other people that ``doctor`` may see and review now: what the
        doctor's queue, review page and review API start from."""
        return self.visible_to(doctor).filter(recording__in=Recording.objects.shared_with(doctor))

    def matching(
        self,
        *,
        label: str = "",
        verdict: str = "",
        date_from: Any = None,
        date_to: Any = None,
        symptom: str = "",
    ) -> AnalysisQuerySet:
        """The filters lists offer: headline class, rhythm verdict, upload date range
        (inclusive) and a symptom felt."""
        analyses = self
        if symptom:
            analyses = analyses.filter(recording__symptoms__contains=symptom)
        if label:
            analyses = analyses.filter(label=label)
        if verdict:
            analyses = analyses.filter(verdict=verdict)
        if date_from:
            analyses = analyses.filter(created_at__date__gte=date_from)
        if date_to:
            analyses = analyses.filter(created_at__date__lte=date_to)
        return analyses


class Status(models.TextChoices):
    QUEUED = "queued", "Waiting in line"
    RUNNING = "running", "Being analysed"
    DONE = "done", "Done"
    FAILED = "failed", "Could not be analysed"


class Analysis(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="analyses")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The claim of the run allowed to write the result, and until when it holds.
    run_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="analyses"
    )
    result = models.JSONField(null=True, blank=True)  # the engine's JSON object
    # A copy of result["summary"] (records): lists and trends read this small column, not
    # the per-beat result, which holds thousands of beats for a long record.
    summary = models.JSONField(default=dict, blank=True)
    label = models.CharField(max_length=8, blank=True, db_index=True)  # headline class
    # The engine's rhythm verdict (normal, af, ..., unreadable; see diagnosis.findings). Blank
    # for beat images and for results from before the engine gave one.
    verdict = models.CharField(max_length=16, blank=True, db_index=True)
    # The headline as the result page words it ("Possible atrial fibrillation, 104 bpm") and
    # its colour (an emergency is "danger"): a copy for lists, which never load the result.
    verdict_text = models.CharField(max_length=200, blank=True)
    verdict_level = models.CharField(max_length=16, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)  # for the user, plain English
    timings = models.JSONField(default=dict, blank=True)
    # Records only: the signal at inference.TRACE_FS Hz as float16 .npy, for the trace view.
    trace = models.FileField(upload_to="traces/", max_length=255, blank=True)

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "analyses"
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Analysis {self.id} ({self.status})"

    @property
    def owner(self) -> User:
        return self.recording.owner

    @property
    def is_finished(self) -> bool:
        return self.status in {Status.DONE, Status.FAILED}

    @property
    def label_name(self) -> str:
        return CLASS_NAMES.get(self.label, self.label)

    @property
    def latest_review(self) -> Any:
        """The most recent doctor's review of a finished analysis, the one people read
        (reads prefetched ``reviews`` when there are); ``None`` when there is none."""
        if self.status != Status.DONE:
            return None
        reviews = sorted(self.reviews.all(), key=lambda review: review.updated_at, reverse=True)
        return reviews[0] if reviews else None

    @property
    def shown_label(self) -> str:
        """The headline class people read: the latest reviewing doctor's, else the model's."""
        review = self.latest_review
        return review.label if review is not None else self.label

    @property
    def shown_label_name(self) -> str:
        return CLASS_NAMES.get(self.shown_label, self.shown_label)

    @property
    def shown_verdict(self) -> str:
        """The rhythm verdict people read: the latest reviewing doctor's, else the model's."""
        review = self.latest_review
        return review.rhythm if review is not None and review.rhythm else self.verdict

    @property
    def shown_verdict_text(self) -> str:
        """The verdict line of lists: the doctor's reading when it differs from the model's."""
        if self.shown_verdict == self.verdict:
            return self.verdict_text or self.verdict_name
        return f"{findings.verdict_words(self.shown_verdict)} (doctor's reading)"

    @property
    def shown_verdict_level(self) -> str:
        if self.shown_verdict == self.verdict:
            return self.verdict_level
        return findings.VERDICT_LEVELS.get(self.shown_verdict, "warning")

    @property
    def verdict_name(self) -> str:
        """The verdict in plain words, for lists (``""`` when there is none)."""
        return findings.verdict_words(self.verdict)
