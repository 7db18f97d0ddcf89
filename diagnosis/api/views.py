"""REST API (``/api/v1/``): tokens, analyses. Same services, validation and access rule as
the pages."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import User
from diagnosis import reviews, services
from diagnosis.api.serializers import (
    AnalysisSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UploadSerializer,
)
from diagnosis.forms import UploadForm
from diagnosis.models import AccessVia, Analysis


class TokenView(APIView):
    """Exchange a confirmed account's email and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        user = authenticate(
            request._request, username=email, password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            return Response(
                {"detail": "Wrong email or password."}, status=status.HTTP_400_BAD_REQUEST
            )
        if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
            return Response(
                {"detail": "Confirm your email address first (see the email we sent)."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class AnalysisViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Your analyses: upload a file (queued, 202), poll one, list your history."""

    serializer_class = AnalysisSerializer
    lookup_field = "id"
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        analyses = Analysis.objects.visible_to(self.request.user).select_related(
            "recording", "model_version"
        )
        if self.action == "list":
            analyses = analyses.filter(recording__owner=cast(User, self.request.user))
        return analyses.order_by("-created_at")

    def get_object(self) -> Analysis:
        analysis = super().get_object()
        reviews.access_log_record(viewer=self.request.user, analysis=analysis, via=AccessVia.API)
        return analysis

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={202: AnalysisSerializer, 200: AnalysisSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid() or form.prepared is None:
            return Response(
                {field: [str(e) for e in errors] for field, errors in form.errors.items()},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            outcome = services.recording_create(
                owner=cast(User, request.user), upload=form.prepared
            )
        finally:
            form.prepared.cleanup()
        body = self.get_serializer(outcome.analysis).data | {"duplicate": outcome.duplicate}
        code = status.HTTP_200_OK if outcome.duplicate else status.HTTP_202_ACCEPTED
        return Response(body, status=code)
