"""Text messages, sent through the backend named in ``settings.SMS_BACKEND``, the way Django
sends email through ``EMAIL_BACKEND``:

- ``accounts.sms.ConsoleBackend`` prints each message (embedded mode: the code appears in
  the terminal, like the email confirmation link);
- ``accounts.sms.LocmemBackend`` keeps them in ``accounts.sms.outbox`` (tests);
- ``accounts.sms.TwilioBackend`` posts them to Twilio's Messages API
  (``SMS_TWILIO_ACCOUNT_SID``, ``SMS_TWILIO_AUTH_TOKEN``, ``SMS_FROM``).

Limits (how many codes a number or an address may ask for) are not the transport's
business: they are applied before a message gets here (accounts.adapters).
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from accounts.phone import phone_mask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164
    body: str


class SmsBackend(Protocol):
    def send(self, message: TextMessage) -> None: ...


class SmsError(Exception):
    """The provider did not take the message."""


#: Messages the locmem backend "sent", oldest first (cleared by the tests' fixture).
outbox: list[TextMessage] = []
_outbox_lock = threading.Lock()


class ConsoleBackend:
    """Prints the message to standard output, as Django's console email backend does."""

    def send(self, message: TextMessage) -> None:
        sys.stdout.write(
            f"--- SMS to {message.to} ---\n{message.body}\n{'-' * 40}\n",
        )
        sys.stdout.flush()


class LocmemBackend:
    def send(self, message: TextMessage) -> None:
        with _outbox_lock:
            outbox.append(message)


class TwilioBackend:
    """Twilio's Programmable Messaging REST API (one POST per message, basic auth with the
    account SID and auth token). Any provider with an HTTP API fits the same shape."""

    API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"
    TIMEOUT_S = 10

    def __init__(self) -> None:
        self.sid = settings.SMS_TWILIO_ACCOUNT_SID
        self.token = settings.SMS_TWILIO_AUTH_TOKEN
        self.sender = settings.SMS_FROM
        if not (self.sid and self.token and self.sender):
            raise SmsError(
                "SMS_BACKEND is Twilio but SMS_TWILIO_ACCOUNT_SID, SMS_TWILIO_AUTH_TOKEN or "
                "SMS_FROM is not set"
            )

    def send(self, message: TextMessage) -> None:
        try:
            response = requests.post(
                self.API.format(sid=self.sid),
                data={"To": message.to, "From": self.sender, "Body": message.body},
                auth=(self.sid, self.token),
                timeout=self.TIMEOUT_S,
            )
        except requests.RequestException as error:
            raise SmsError(f"Twilio could not be reached: {error.__class__.__name__}") from error
        if response.status_code >= 300:
            # Only Twilio's error code: its message repeats the full "To" number.
            try:
                code = response.json().get("code")
            except ValueError:
                code = None
            raise SmsError(f"Twilio refused the message ({response.status_code}, code {code})")


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend


def send_sms(*, to: str, body: str) -> None:
    """Send one text message to ``to`` (E.164) through the configured backend.

    Raises:
        SmsError: the provider refused the message or could not be reached (logged with the
            number masked).
    """
    try:
        get_backend().send(TextMessage(to=to, body=body))
    except SmsError:
        log.warning("SMS to %s was not sent", phone_mask(to), exc_info=True)
        raise
