"""Helpers for the mobile-number tests: read codes out of the locmem SMS outbox."""

from __future__ import annotations

import re

from django.urls import reverse

PASSWORD = "a-long-and-unusual-passphrase-42"
NUMBER = "+919876543210"
TYPED = "098765 43210"  # how someone in India might type it
MASKED = "+91 ••••• 43210"


def code_in(outbox, to: str = NUMBER) -> str:
    """The 6-digit code of the last text sent to ``to``."""
    for message in reversed(outbox):
        if message.to == to:
            match = re.search(r"\b(\d{6})\b", message.body)
            assert match, message.body
            return match.group(1)
    raise AssertionError(f"no text to {to}: {outbox}")


def sign_up_by_phone(client, phone: str = TYPED):
    return client.post(
        reverse("account_signup"), {"phone": phone, "password1": PASSWORD, "password2": PASSWORD}
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def patient_with_phone(phone: str = NUMBER, **extra):
    """A patient whose mobile number is confirmed (and who has an email too)."""
    from tests.factories import UserFactory

    return UserFactory(phone=phone, phone_verified=True, **extra)
