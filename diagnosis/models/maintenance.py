"""Planned maintenance: a window an administrator opens with an end time. While one is
current, every page shows a banner with a countdown and uploads are refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class MaintenanceQuerySet(models.QuerySet["MaintenanceWindow"]):
    def current(self) -> MaintenanceQuerySet:
        """Windows open now: started, not ended early, end time still ahead."""
        now = timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now, ended_at__isnull=True)


class MaintenanceWindow(models.Model):
    message = models.CharField(
        max_length=300, blank=True, help_text="What people read in the banner (optional)."
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(help_text="When the site is expected to be fully back.")
    ended_at = models.DateTimeField(null=True, blank=True)  # switched off before ends_at
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MaintenanceQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"Maintenance {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.ends_at - timezone.now()).total_seconds()))
