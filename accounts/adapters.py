"""allauth hooks: every new account, by email or Google, is a patient."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest

from accounts.models import Role, User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        # Roles are never self-granted: whatever the form carried, a sign-up is a patient.
        user.role = Role.PATIENT
        user.is_staff = False
        user.is_superuser = False
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where people land after signing in: what they came for (patients: uploading an
        ECG; doctors: their review queue); administrators and pending set-ups: the account
        page."""
        from django.urls import reverse

        user = request.user
        if getattr(user, "is_patient", False):
            return reverse("diagnosis:upload")
        if getattr(user, "is_doctor", False):
            return reverse("diagnosis:doctor_queue")
        return super().get_login_redirect_url(request)

    def set_password(self, user: Any, password: str) -> None:
        """Every password change, reset or first set also revokes the account's API tokens."""
        from accounts.services import api_tokens_revoke

        super().set_password(user, password)
        api_tokens_revoke(user=user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> User:
        user: User = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = (name or "")[:150]
        user.role = Role.PATIENT
        user.is_staff = False
        user.is_superuser = False
        return user
