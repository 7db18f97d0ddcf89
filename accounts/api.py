"""API tokens (``/api/v1/auth/token/``): issue one per device, revoke it, revoke them all.

Tokens are django-rest-knox tokens: stored hashed, expiring, one per device. Doctors and
administrators must send a current TOTP code; failures share the web login's lockout.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.models import User


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="Doctors and administrators: the current code of your authenticator app.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class TokenView(APIView):
    """POST: exchange a confirmed account's email and password (and TOTP code where the
    two-factor policy applies) for a new token. DELETE: revoke the token sent with the
    request (log this device out)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def _revoking(self) -> bool:
        return getattr(self.request, "method", None) == "DELETE"

    def get_authenticators(self) -> list[Any]:
        # Issuing needs no credentials but the body's; revoking needs the token itself.
        return [TokenAuthentication()] if self._revoking() else []

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self._revoking() else [AllowAny()]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token, instance = services.api_token_issue(
                request=request._request,
                email=data.validated_data["email"],
                password=data.validated_data["password"],
                code=data.validated_data.get("code", ""),
            )
        except services.TokenRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        return Response({"token": token, "expiry": instance.expiry})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.api_tokens_revoke(user=cast(User, request.user), token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokensView(APIView):
    """DELETE: revoke every token of the account (log out everywhere)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.api_tokens_revoke(user=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
