"""REST API (``/api/v1/``): tokens, analyses. Same services, validation and access rule as
the pages."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from diagnosis.api.batches import BatchSerializer, batch_body
from diagnosis.api.serializers import (
    AnalysisSerializer,
    UploadSerializer,
)
from diagnosis.engine import InputError
from diagnosis.models import AccessVia, Analysis, UploadBatch
from diagnosis.services import access_log, batches, uploads
from diagnosis.services.maintenance import UnderMaintenance

UPLOAD_RESULT = PolymorphicProxySerializer(
    component_name="UploadResult",
    serializers=[AnalysisSerializer, BatchSerializer],
    resource_type_field_name=None,
)


class AnalysisViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Your analyses: upload a file (queued, 202), poll one, list your history. Several
    ECGs at once (an Apple Health export.zip, or several files) answer with their batch."""

    serializer_class = AnalysisSerializer
    lookup_field = "id"
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        analyses = (
            Analysis.objects.visible_to(self.request.user)
            .select_related("recording", "model_version")
            .prefetch_related("reviews__doctor")
        )
        if self.action == "list":
            analyses = analyses.filter(recording__owner=cast(User, self.request.user))
        return analyses.order_by("-created_at")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path="report.pdf")
    def report_pdf(self, request: Request, id: str | None = None) -> HttpResponse:
        """The PDF report of a finished analysis."""
        from diagnosis import reports

        return reports.report_pdf_response(self.get_object())

    def get_object(self) -> Analysis:
        analysis = super().get_object()
        access_log.access_log_record(viewer=self.request.user, analysis=analysis, via=AccessVia.API)
        return analysis

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={202: UPLOAD_RESULT, 200: UPLOAD_RESULT},
        description="One ECG: its analysis (202 queued; 200 `duplicate`: the same file was "
        "uploaded before). An Apple Health export.zip or several ECGs: the batch (202 when "
        "any ECG was taken new, else 200), listing each ECG's analysis, the duplicates and "
        "the files refused with their reason.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            outcome = batches.upload_receive(
                owner=cast(User, request.user),
                files=upload.validated_data["file"],
                fs=upload.validated_data.get("fs"),
                page=upload.validated_data.get("page"),
                symptoms=upload.validated_data.get("symptoms") or [],
                symptom_note=upload.validated_data.get("symptom_note") or "",
            )
        except uploads.QuotaExceeded as error:
            return Response({"file": [str(error)]}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except UnderMaintenance as error:
            return Response(
                {"file": [str(error)]},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(error.retry_after_s)},
            )
        except InputError as error:
            return Response({"file": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(outcome, UploadBatch):
            body = batch_body(outcome, request)
            new = body["counts"]["new"] > 0
            return Response(body, status=status.HTTP_202_ACCEPTED if new else status.HTTP_200_OK)
        body = self.get_serializer(outcome.analysis).data | {"duplicate": outcome.duplicate}
        code = status.HTTP_200_OK if outcome.duplicate else status.HTTP_202_ACCEPTED
        return Response(body, status=code)
