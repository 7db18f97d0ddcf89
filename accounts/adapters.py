"""allauth hooks: every new account, by email, mobile number or Google, is a patient; the
mobile number lives on the User (allauth's phone support asks the adapter for it), and
every text message goes through one place, with its limits."""

from __future__ import annotations

from typing import Any

from allauth.account import stages
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts import sms
from accounts.models import Role, User
from accounts.permissions import sms_sign_in_allowed
from accounts.phone import phone_normalize, sms_send_allow

SMS_FAILED_MESSAGE = (
    "We could not send the text message just now. Wait a minute, then ask for a new code."
)


class EmailVerificationStage(stages.EmailVerificationStage):
    """allauth's mandatory email confirmation, for accounts that have an email address. An
    account made with only a mobile number has confirmed that number with its SMS code in
    the stage before this one, and has no address to confirm."""

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        if user is not None and not user.email and not self.login.email and user.phone:
            return None, True
        response, cont = super().handle()
        return response, cont


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

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins are counted per email address or per mobile number. allauth keys
        only on email or username, so every number would share one counter (and five wrong
        passwords for any number would lock out sign-in by number for everyone)."""
        from django.contrib.sites.shortcuts import get_current_site

        login = (
            credentials.get("email") or credentials.get("phone") or credentials.get("username", "")
        )
        return f"{get_current_site(request).domain}:{str(login).lower()}"

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.adapters.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    # --- Mobile numbers (allauth's phone support) ----------------------------------------

    def phone_form_field(self, **kwargs: Any) -> Any:
        from accounts.forms import MobileNumberField

        return MobileNumberField(**kwargs)

    def get_phone(self, user: Any) -> tuple[str, bool] | None:
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone(self, user: Any, phone: str, verified: bool) -> None:
        from accounts.services import user_phone_set

        user_phone_set(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user: Any, phone: str) -> None:
        # Also the end of a change of number: the confirmed number replaces the old one.
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = phone_normalize(phone)
        except ValidationError:
            return None
        # Only a confirmed number is a way into an account: a number someone typed but never
        # confirmed (perhaps another person's) signs nobody in, gets no sign-in or reset
        # code, and does not stop its owner from signing up with it.
        return User.objects.filter(phone=phone, phone_verified=True).first()

    def send_verification_code_sms(self, user: Any, phone: str, code: str, **kwargs: Any) -> None:
        self.send_text(phone, "account/sms/code.txt", {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        # Sent instead of a code, so the screen looks the same whether or not the number
        # has an account (no enumeration); only the number's owner reads which it was.
        holder = self.get_user_by_phone(phone)
        if holder is not None and not sms_sign_in_allowed(holder):
            self.send_text(phone, "account/sms/staff_account.txt", {})
        else:
            self.send_text(phone, "account/sms/unknown_account.txt", {})

    def send_account_already_exists_sms(self, phone: str) -> None:
        self.send_text(phone, "account/sms/account_already_exists.txt", {})

    def send_text(self, phone: str, template: str, extra: dict[str, Any]) -> None:
        """Render ``template`` and text it to ``phone``, within the hourly allowances of the
        number and of the client's address (``SMS_PER_NUMBER_PER_HOUR``,
        ``SMS_PER_IP_PER_HOUR``) and not to a locked-out number.

        Raises:
            RateLimited: an allowance is used up or the number is locked out (the site
                answers 429 with a plain explanation).
        """
        request = self.request or context.request
        sms_send_allow(request=request, phone=phone)
        body = render_to_string(
            template,
            {
                "site_url": settings.SITE_URL.rstrip("/"),
                "minutes": settings.SMS_CODE_TTL // 60,
                **extra,
            },
        ).strip()
        try:
            sms.send_sms(to=phone, body=body)
        except sms.SmsError:
            # The flow goes on to the code page, where the person can ask for a new code.
            messages.error(request, SMS_FAILED_MESSAGE)


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
