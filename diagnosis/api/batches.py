"""API for multi-ECG uploads: the summary of one (``GET /api/v1/batches/<id>/``), also the
answer to a ``POST /api/v1/analyses/`` that sent an Apple export or several ECGs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from diagnosis.models import AccessVia, Analysis, UploadBatch
from diagnosis.selectors import batches as selectors
from diagnosis.services import access_log


class BatchAnalysisSerializer(serializers.ModelSerializer):
    """An ECG's analysis as a batch lists it (poll its ``url`` for the full result)."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:analysis-detail", lookup_field="id", read_only=True
    )
    created = serializers.DateTimeField(source="created_at", read_only=True)
    label_name = serializers.CharField(read_only=True)
    verdict_name = serializers.CharField(read_only=True)

    class Meta:
        model = Analysis
        fields = [
            "id",
            "url",
            "status",
            "created",
            "label",
            "label_name",
            "verdict",
            "verdict_name",
            "error",
        ]
        read_only_fields = fields


class BatchLineSerializer(serializers.Serializer):
    file_name = serializers.CharField(source="item.name")
    outcome = serializers.ChoiceField(
        source="item.outcome",
        choices=["new", "duplicate", "rejected"],
        help_text="new: analysed now; duplicate: the same file was uploaded before, "
        "`analysis` is that earlier one; rejected: not taken, `reason` says why.",
    )
    reason = serializers.CharField(
        source="item.reason", allow_null=True, help_text="Why a rejected file was not taken."
    )
    recorded = serializers.DateTimeField(
        source="item.recorded_at",
        allow_null=True,
        help_text="When an Apple Watch ECG was recorded (its own header); else null.",
    )
    device_reading = serializers.CharField(
        source="item.device_reading",
        allow_blank=True,
        help_text="What the Apple Watch said (its Classification line); else blank.",
    )
    analysis = BatchAnalysisSerializer(allow_null=True)


class BatchCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    rejected = serializers.IntegerField()
    waiting = serializers.IntegerField(help_text="Analyses not finished yet.")


class BatchSerializer(serializers.Serializer):
    """A multi-ECG upload: each ECG (or refused file) in upload order."""

    id = serializers.UUIDField(source="batch.id")
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField(help_text="The summary page on the site.")
    sent = serializers.CharField(
        source="batch.source", help_text="What was sent: the zip's name, or how many files."
    )
    created = serializers.DateTimeField(source="batch.created_at")
    finished = serializers.BooleanField(help_text="Every analysis is done or failed.")
    counts = BatchCountsSerializer()
    items = BatchLineSerializer(many=True, source="all_lines")

    def get_url(self, summary: dict[str, Any]) -> str:
        path = reverse("api:batch-detail", kwargs={"id": summary["batch"].id})
        return self.context["request"].build_absolute_uri(path)

    def get_page(self, summary: dict[str, Any]) -> str:
        path = reverse("diagnosis:batch", kwargs={"batch_id": summary["batch"].id})
        return self.context["request"].build_absolute_uri(path)


def batch_body(batch: UploadBatch, request: Request) -> dict[str, Any]:
    """The batch as ``request.user`` may see it (the owner: every line; anyone else: the
    ECGs they may see, each logged in the owner's access log)."""
    summary = selectors.batch_context(batch, request.user)
    if not summary["is_owner"]:
        for line in summary["lines"]:
            if line.analysis is not None:
                access_log.access_log_record(
                    viewer=request.user, analysis=line.analysis, via=AccessVia.API
                )
    return dict(BatchSerializer(summary, context={"request": request}).data)


class BatchViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A multi-ECG upload (an Apple export or several files): its ECGs and their status."""

    serializer_class = BatchSerializer
    lookup_field = "id"

    def get_queryset(self) -> Any:
        return UploadBatch.objects.visible_to(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(batch_body(self.get_object(), request))
