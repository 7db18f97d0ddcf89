"""API for sharing and reviews: the same services, role gates and access rules as the pages.

- ``/api/v1/shares/``: a patient lists, creates (doctor id or invitation code; all results
  or one, for 7 days, 30 days or until revoked) and revokes their shares.
- ``/api/v1/reviews/queue/``: a doctor's analyses to review (patients sharing with them).
- ``/api/v1/analyses/<id>/review/``: a doctor submits or updates their review (label, note,
  per-beat corrections) of a shared analysis.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import RolePermission
from diagnosis.api.serializers import AnalysisSerializer
from diagnosis.findings import VERDICT_WORDS
from diagnosis.models import SHARE_DURATIONS, AccessVia, Analysis, Share
from diagnosis.selectors import sharing as sharing_selectors
from diagnosis.services import access_log
from diagnosis.services import sharing as sharing_services


class PatientOnly(RolePermission):
    roles = frozenset({Role.PATIENT})


class DoctorOnly(RolePermission):
    roles = frozenset({Role.DOCTOR})


class ShareSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.get_full_name", read_only=True)
    doctor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.approved_doctors(), required=False, allow_null=True
    )
    invitation_code = serializers.CharField(write_only=True, required=False, allow_blank=True)
    analysis = serializers.UUIDField(
        source="analysis_id",
        required=False,
        allow_null=True,
        help_text="Share this one result (one of yours); empty: all results, also later ones.",
    )
    duration = serializers.ChoiceField(
        choices=list(SHARE_DURATIONS),
        default="revoked",
        write_only=True,
        help_text="How long the doctor may see it: 7d, 30d, or until revoked.",
    )

    class Meta:
        model = Share
        fields = [
            "id",
            "doctor",
            "doctor_name",
            "invitation_code",
            "analysis",
            "duration",
            "created_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = ["id", "doctor_name", "created_at", "expires_at", "revoked_at"]


class ShareViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A patient's active shares: list, share with a doctor, revoke (DELETE)."""

    serializer_class = ShareSerializer
    permission_classes = [PatientOnly]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's dry run
            return Share.objects.none()
        return sharing_selectors.shares_of_patient(cast(User, self.request.user))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = cast(User, request.user)
        data = ShareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        analysis_id = data.validated_data.get("analysis_id")
        analysis = (
            get_object_or_404(Analysis.objects.filter(recording__owner=patient), id=analysis_id)
            if analysis_id
            else None
        )
        try:
            share = sharing_services.share_create(
                patient=patient,
                doctor=data.validated_data.get("doctor"),
                invitation_code=data.validated_data.get("invitation_code", ""),
                analysis=analysis,
                duration=data.validated_data["duration"],
            )
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=400)
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sharing_services.share_revoke(share=self.get_object(), by=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueItemSerializer(serializers.ModelSerializer):
    patient = serializers.CharField(source="recording.owner.get_full_name", read_only=True)
    reviewed = serializers.BooleanField(read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:analysis-detail", lookup_field="id", read_only=True
    )

    class Meta:
        model = Analysis
        fields = ["id", "url", "patient", "created_at", "status", "label", "verdict", "reviewed"]
        read_only_fields = fields


class ReviewQueueView(APIView):
    """The analyses shared with the doctor, those not yet reviewed by them first."""

    permission_classes = [DoctorOnly]

    @extend_schema(responses={200: AnalysisSerializer(many=True)})
    def get(self, request: Request) -> Response:
        state = request.query_params.get("state", "waiting")
        analyses = sharing_selectors.review_queue(cast(User, request.user), state=state)[:200]
        return Response(AnalysisSerializer(analyses, many=True, context={"request": request}).data)


class ReviewSerializer(serializers.Serializer):
    # A field called "label" shadows Field.label in the type stubs (fine at run time).
    label = serializers.CharField(max_length=8)  # type: ignore[assignment]
    rhythm = serializers.ChoiceField(
        choices=list(VERDICT_WORDS),
        required=False,
        allow_blank=True,
        help_text="A record's rhythm as you read it (the headline the patient reads first); "
        "empty: as before, else the model's.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    beat_labels = serializers.DictField(
        child=serializers.CharField(max_length=8),
        required=False,
        help_text='Per-beat classes by sample index: {"1234": "PVC", "5678": "NOT_BEAT"}.',
    )


class ReviewView(APIView):
    """A doctor with an active share submits (or updates) their review of an analysis."""

    permission_classes = [DoctorOnly]

    @extend_schema(request=ReviewSerializer, responses={200: AnalysisSerializer})
    def post(self, request: Request, id: str) -> Response:
        doctor = cast(User, request.user)
        analysis = get_object_or_404(Analysis.objects.shared_with(doctor), id=id)
        access_log.access_log_record(viewer=doctor, analysis=analysis, via=AccessVia.API)
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            beat_labels = {
                int(sample): label
                for sample, label in (data.validated_data.get("beat_labels") or {}).items()
            }
        except ValueError:
            return Response({"beat_labels": ["Beat keys are sample numbers."]}, status=400)
        try:
            sharing_services.review_submit(
                analysis=analysis,
                doctor=doctor,
                label=data.validated_data["label"],
                rhythm=data.validated_data.get("rhythm", ""),
                note=data.validated_data.get("note", ""),
                beat_labels=beat_labels,
            )
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=400)
        analysis = Analysis.objects.prefetch_related("reviews__doctor").get(pk=analysis.pk)
        return Response(AnalysisSerializer(analysis, context={"request": request}).data)
