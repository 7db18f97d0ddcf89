"""Password reset by SMS: a 6-digit code texted to the account's mobile number, then a new
password. allauth resets passwords by email only, so this is the one flow of the site's
own; it keeps its state the way allauth's code flows do (``AbstractCodeVerificationProcess``
in the session: a timeout, a number of tries, the code used once).

Doctors and administrators cannot reset by SMS (``sms_sign_in_allowed``): for them, as for
a number without an account, the page goes on the same and the text says why no code came.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows import password_reset
from allauth.account.internal.flows.code_verification import AbstractCodeVerificationProcess
from django.conf import settings
from django.http import HttpRequest

from accounts.permissions import sms_sign_in_allowed

SESSION_KEY = "accounts_password_reset_by_sms"


class PasswordResetBySms(AbstractCodeVerificationProcess):
    def __init__(self, request: HttpRequest, state: dict[str, Any]) -> None:
        self.request = request
        super().__init__(
            state=state,
            timeout=settings.SMS_CODE_TTL,
            max_attempts=settings.SMS_CODE_MAX_ATTEMPTS,
        )

    @property
    def phone(self) -> str:
        phone: str = self.state["phone"]
        return phone

    def persist(self) -> None:
        self.request.session[SESSION_KEY] = self.state

    def abort(self) -> None:
        self.request.session.pop(SESSION_KEY, None)

    def send(self) -> None:
        adapter = get_adapter(self.request)
        user = self.user
        if user is None:
            adapter.send_unknown_account_sms(self.phone)
            return
        code = adapter.generate_phone_verification_code(user=user, phone=self.phone)
        self.state["code"] = code
        adapter.send_verification_code_sms(user=user, phone=self.phone, code=code)

    @classmethod
    def start(cls, *, request: HttpRequest, phone: str) -> PasswordResetBySms:
        """Text a code to ``phone`` (E.164) if an active patient's account has it.

        Raises:
            RateLimited: the number's or the address's hourly allowance is used up, or the
                number is locked out.
        """
        user = get_adapter(request).get_user_by_phone(phone)
        if user is not None and not (user.is_active and sms_sign_in_allowed(user)):
            user = None
        process = cls(request, cls.initial_state(user=user, phone=phone))
        process.send()
        process.persist()
        return process

    @classmethod
    def resume(cls, request: HttpRequest) -> PasswordResetBySms | None:
        state = request.session.get(SESSION_KEY)
        if not state:
            return None
        process: PasswordResetBySms | None = cls(request, state).abort_if_invalid()
        return process

    def finish(self, password: str) -> None:
        """The right code came back: set the new password (which also ends the account's API
        tokens), count the number as confirmed, and forget the code."""
        user = self.user
        if user is None:  # no code is ever made without an account; kept for safety
            raise ValueError("no account to reset")
        self.abort()
        password_reset.reset_password(user, password)
        adapter = get_adapter(self.request)
        adapter.set_phone_verified(user, self.phone)
        # As a reset by email does: the number's failed sign-ins are forgotten.
        adapter._delete_login_attempts_cached_email(self.request, phone=self.phone)
        password_reset.finalize_password_reset(self.request, user)
