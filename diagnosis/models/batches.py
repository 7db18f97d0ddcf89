"""Upload batches: the ECGs of one multi-ECG upload (an Apple Health ``export.zip``, or
several files chosen at once), listed on one summary page.

A batch only groups: each ECG in it is an ordinary ``Recording`` with its ``Analysis``,
stored and queued by the same service as a single upload. A line that was refused keeps its
file name and the reason, so the person sees which file failed and why.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from diagnosis.models.analyses import Recording


class UploadBatchQuerySet(models.QuerySet["UploadBatch"]):
    def visible_to(self, user: Any) -> UploadBatchQuerySet:
        """The one access rule for batches: the owner, and anyone ``Recording.visible_to``
        lets see at least one ECG in it (who then sees only those lines)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(owner=user) | Q(items__recording__in=Recording.objects.visible_to(user))
        ).distinct()


class UploadBatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_batches"
    )
    # What was sent, for display: "export.zip", or "3 files".
    source = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UploadBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Upload {self.id} ({self.source})"


class UploadBatchItem(models.Model):
    """One ECG of a batch: a new recording, an earlier one (the same file uploaded before:
    ``duplicate``), or a file refused with ``error``.

    Deleting a recording deletes its lines: nothing about a deleted upload is kept."""

    batch = models.ForeignKey(UploadBatch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255)  # the client's file name, display only
    recording = models.ForeignKey(
        Recording,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="batch_items",
    )
    duplicate = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)  # why it was refused, for the user
    # From an Apple Watch ECG's own header: when it was recorded and what the watch said.
    recorded_at = models.DateTimeField(null=True, blank=True)
    # The watch's UTC offset then (minutes), so the page shows the time the person saw.
    recorded_offset = models.SmallIntegerField(null=True, blank=True)
    device_reading = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="one_item_per_position"),
            models.CheckConstraint(
                condition=Q(recording__isnull=True, duplicate=False) & ~Q(error="")
                | Q(recording__isnull=False, error=""),
                name="batch_item_is_an_ecg_or_a_refusal",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def outcome(self) -> str:
        """``new``, ``duplicate`` or ``rejected``."""
        if self.error:
            return "rejected"
        return "duplicate" if self.duplicate else "new"

    @property
    def recorded_wall_clock(self) -> datetime | None:
        """When it was recorded, as the watch's clock showed it (naive: no conversion)."""
        if self.recorded_at is None:
            return None
        offset = timezone(timedelta(minutes=self.recorded_offset or 0))
        return self.recorded_at.astimezone(offset).replace(tzinfo=None)

    @property
    def reason(self) -> str | None:
        """Why the file was refused; ``None`` for an ECG that was taken."""
        return self.error or None
