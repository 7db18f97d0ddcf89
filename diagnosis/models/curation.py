"""Curation and retraining: labelled examples, audit events, imports, training runs.

State machine of a ``TrainingRun``::

    queued --worker starts--> running --candidate written--> succeeded
       |                        |  \\--error--> failed
       +------ cancel ----------+--- cancel --> cancelled

At most one run is open (queued or running): a partial unique index on ``is_open`` makes a
second one impossible even for two requests at the same instant. No state of a run touches
the active model: a candidate goes live only by ``model_version_activate``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AuditEvent(models.Model):
    """Who did what to labeled data or models, and when. Kept after the actor's account is
    deleted (``actor_email``)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=48, db_index=True)
    target = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"


class ImportBatch(models.Model):
    """One uploaded archive of labeled beats and the report of what was taken and refused."""

    class Kind(models.TextChoices):
        IMAGES = "images", "Beat images in class folders"
        WFDB = "wfdb", "WFDB records with annotations"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    original_name = models.CharField(max_length=255, blank=True)  # display only
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status_on_import = models.CharField(max_length=16)
    n_taken = models.PositiveIntegerField(default=0)
    n_refused = models.PositiveIntegerField(default=0)
    # {"taken": {"NOR": 3, ...}, "refused": [{"name": ..., "reason": ...}, ...]}
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.n_taken} taken, {self.n_refused} refused)"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the training worker"
    RUNNING = "running", "Training"
    SUCCEEDED = "succeeded", "Candidate ready"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class TrainingRunQuerySet(models.QuerySet["TrainingRun"]):
    def open(self) -> TrainingRunQuerySet:
        return self.filter(is_open=True)


class TrainingRun(models.Model):
    """One retraining: its options, live progress (the UI polls this row) and its result."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_runs",
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    # True while queued or running; the partial unique index allows one such row.
    is_open = models.BooleanField(default=True)
    cancel_requested = models.BooleanField(default=False)
    small = models.BooleanField(default=False)
    epochs = models.PositiveSmallIntegerField(default=16)
    seed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Live progress, written by the worker.
    phase = models.CharField(max_length=16, blank=True)
    epoch = models.PositiveSmallIntegerField(default=0)
    batch = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    accuracy = models.FloatField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True)  # [{"epoch", "loss", "accuracy"}]
    n_train_examples = models.PositiveIntegerField(default=0)
    n_holdout_examples = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    base_version = models.ForeignKey(
        "diagnosis.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    candidate = models.OneToOneField(
        "diagnosis.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_run",
    )

    objects = TrainingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_open"], condition=Q(is_open=True), name="one_open_training_run"
            )
        ]

    def __str__(self) -> str:
        return f"Training run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return not self.is_open

    @property
    def total_epochs(self) -> int:
        """Epochs of the whole run: ``epochs`` for the record model, then for the beat model
        (the engine counts them one after the other)."""
        return 2 * self.epochs

    @property
    def percent(self) -> int:
        """Rough progress over all epochs, for the progress bar."""
        if self.status == RunStatus.SUCCEEDED:
            return 100
        if not self.epochs or not self.batches or not self.epoch:
            return 0
        done = (self.epoch - 1) + self.batch / self.batches
        return max(0, min(99, int(100 * done / self.total_epochs)))


class ExampleSource(models.TextChoices):
    DOCTOR_CORRECTION = "doctor_correction", "Doctor's correction"
    IMPORT = "import", "Import"
    BASE_DATABASE = "base_database", "Base database"


class ExampleStatus(models.TextChoices):
    PENDING = "pending", "Waiting for curation"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class LabeledExample(models.Model):
    """A label someone vouches for, waiting for an administrator to curate it before it may
    be used for training. ``beat_sample`` is None for a label of the whole analysis."""

    source = models.CharField(max_length=24, choices=ExampleSource.choices)
    status = models.CharField(
        max_length=16, choices=ExampleStatus.choices, default=ExampleStatus.PENDING
    )
    label = models.CharField(max_length=8)
    analysis = models.ForeignKey(
        "diagnosis.Analysis",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="labeled_examples",
    )
    beat_sample = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="labeled_examples",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Curation: the beat itself, so an example outlives its analysis and can be shown and
    # trained on. ``window``: float32 bytes, WIDE_PRE + WIDE_POST samples
    # at 360 Hz with the R peak at WIDE_PRE (filtered like inference); filled when the
    # example is imported, or from the analysis's file when it is first needed.
    image = models.FileField(upload_to="curation/", max_length=255, blank=True)
    window = models.BinaryField(null=True, blank=True, editable=False)
    # Content hash of what was imported (the image file, or the beat window): duplicates.
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # Kept out of training, used to evaluate candidates (an import's test/ folder, or a
    # fixed share of the rest chosen by hash).
    holdout = models.BooleanField(default=False)
    import_batch = models.ForeignKey(
        "diagnosis.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="examples",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curated_examples",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "label"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(source="import") & ~Q(sha256=""),
                name="one_imported_example_per_content",
            )
        ]

    def __str__(self) -> str:
        where = "analysis" if self.beat_sample is None else f"beat @{self.beat_sample}"
        return f"{self.label} ({where}, {self.get_status_display()})"
