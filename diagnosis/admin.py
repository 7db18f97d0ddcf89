"""Django admin screens for operators. Everything is read-only here: records change only
through the site's own flows (services). The access log and the audit log are append-only
(no deletion, even for superusers); an upload deleted here goes through the same service as
the patient's own delete (its files go too); opening a patient's upload or analysis here is
written to the patient's access log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from diagnosis.models import (
    AccessLogEntry,
    AccessVia,
    Analysis,
    AuditEvent,
    ImportBatch,
    LabeledExample,
    MaintenanceWindow,
    ModelVersion,
    Recording,
    Review,
    Share,
    TrainingRun,
)
from diagnosis.services import access_log, maintenance, uploads


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppendOnlyAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _log_view(request: HttpRequest, analyses: list[Analysis]) -> None:
    for analysis in analyses:
        access_log.access_log_record(viewer=request.user, analysis=analysis, via=AccessVia.ADMIN)


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "kind", "file_format", "size_bytes", "created_at"]
    list_filter = ["kind", "file_format"]
    search_fields = ["owner__email", "sha256"]

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        _log_view(request, list(Analysis.objects.filter(recording_id=object_id)))
        return super().change_view(request, object_id, *args, **kwargs)

    def delete_model(self, request: HttpRequest, obj: Recording) -> None:
        uploads.recording_delete(recording=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for recording in queryset:
            uploads.recording_delete(recording=recording)


@admin.register(Analysis)
class AnalysisAdmin(ReadOnlyAdmin):
    list_display = ["id", "recording", "status", "label", "model_version", "attempts", "created_at"]
    list_filter = ["status", "label", "model_version"]
    search_fields = ["id", "recording__owner__email"]
    exclude = ["result"]

    # An upload and its analyses are deleted together, with their files.
    def delete_model(self, request: HttpRequest, obj: Analysis) -> None:
        uploads.recording_delete(recording=obj.recording)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for recording in Recording.objects.filter(analyses__in=queryset).distinct():
            uploads.recording_delete(recording=recording)

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        _log_view(request, list(Analysis.objects.filter(pk=object_id)))
        return super().change_view(request, object_id, *args, **kwargs)


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
class AccessLogEntryAdmin(AppendOnlyAdmin):
    list_display = ["patient", "viewer_email", "viewer_role", "analysis_ref", "via", "created_at"]
    list_filter = ["via", "viewer_role"]
    search_fields = ["patient__email", "viewer_email"]


@admin.register(AuditEvent)
class AuditEventAdmin(AppendOnlyAdmin):
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


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    """Plan maintenance: a window with an end time shows a countdown banner on every page
    and pauses uploads; "End maintenance now" closes it early."""

    list_display = ["starts_at", "ends_at", "ended_at", "message", "created_by"]
    fields = ["message", "starts_at", "ends_at", "ended_at"]
    readonly_fields = ["ended_at"]
    actions = ["end_now"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        maintenance.maintenance_changed()

    @admin.action(description="End maintenance now")
    def end_now(self, request: HttpRequest, queryset: Any) -> None:
        ended = queryset.filter(ended_at__isnull=True).update(ended_at=timezone.now())
        maintenance.maintenance_changed()
        self.message_user(request, f"Ended {ended} maintenance window(s).")
