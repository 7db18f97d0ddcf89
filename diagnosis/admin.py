"""Django admin screens for operators. Analyses and uploads are read-only here: they change
only through the site's own flows (services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diagnosis.models import (
    AccessLogEntry,
    Analysis,
    AuditEvent,
    ImportBatch,
    LabeledExample,
    ModelVersion,
    Recording,
    Review,
    Share,
    TrainingRun,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "kind", "file_format", "size_bytes", "created_at"]
    list_filter = ["kind", "file_format"]
    search_fields = ["owner__email", "sha256"]


@admin.register(Analysis)
class AnalysisAdmin(ReadOnlyAdmin):
    list_display = ["id", "recording", "status", "label", "model_version", "attempts", "created_at"]
    list_filter = ["status", "label", "model_version"]
    search_fields = ["id", "recording__owner__email"]
    exclude = ["result"]


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ["version", "directory", "is_active", "activated_at", "created_at"]


@admin.register(Share)
class ShareAdmin(ReadOnlyAdmin):
    list_display = ["patient", "doctor", "created_at", "revoked_at"]
    search_fields = ["patient__email", "doctor__email"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["analysis", "doctor", "verdict", "model_label", "label", "updated_at"]


@admin.register(LabeledExample)
class LabeledExampleAdmin(ReadOnlyAdmin):
    list_display = ["label", "source", "status", "analysis", "beat_sample", "created_at"]
    list_filter = ["status", "source", "label"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["patient", "viewer_email", "viewer_role", "analysis_ref", "via", "created_at"]
    list_filter = ["via", "viewer_role"]
    search_fields = ["patient__email", "viewer_email"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_email", "action", "target"]
    list_filter = ["action"]
    search_fields = ["actor_email", "target"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "created_by", "original_name", "kind", "n_taken", "n_refused"]


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "requested_by", "status", "epoch", "loss", "accuracy"]
    list_filter = ["status"]
