"""API for "your data": download everything as one zip, or close the account (the same
services and rules as the page)."""

from __future__ import annotations

from typing import cast

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from diagnosis.services import your_data


class DataExportView(APIView):
    """Everything you uploaded and were told: your files as sent, results as JSON and CSV,
    and the PDF reports, in one zip."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request: Request) -> FileResponse:
        return FileResponse(
            your_data.data_export_open(user=cast(User, request.user)),
            as_attachment=True,
            filename="my-ecg-data.zip",
            content_type="application/zip",
        )


class AccountCloseSerializer(serializers.Serializer):
    confirm_email = serializers.CharField(
        help_text="What you sign in with (your email, or your mobile number), to confirm."
    )


class AccountCloseView(APIView):
    """Close your account: sign-in and API tokens stop at once, and every upload, result
    and file is deleted in the background. Download your data first."""

    @extend_schema(
        request=AccountCloseSerializer,
        responses={202: inline_serializer("AccountClosed", {"detail": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        user = cast(User, request.user)
        data = AccountCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        typed = data.validated_data["confirm_email"].strip().lower().replace(" ", "")
        if typed != user.sign_in_name.lower():  # as the page checks it
            return Response(
                {"confirm_email": ["Type what you sign in with exactly to confirm."]}, status=400
            )
        your_data.account_close(user=user)
        return Response(
            {"detail": "Your account is closed. Your uploads and results are being deleted."},
            status=202,
        )
