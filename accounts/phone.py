"""Mobile numbers: parse what people type into E.164, and show a number without giving it
away ("+91 ••••• 43210").

Parsing is the ``phonenumbers`` library's (Google's libphonenumber rules), so a number
must be a valid mobile-capable number of its country, not only the right shape. A number
typed without its country code is read as one of ``PHONE_DEFAULT_REGION``.
"""

from __future__ import annotations

import phonenumbers
from allauth.core import ratelimit
from allauth.core.exceptions import RateLimited
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest

INVALID_MESSAGE = "Enter a mobile number that can receive text messages, e.g. +91 98765 43210."
MASK = "•••••"
# Number types that can receive an SMS; landlines, pagers and premium lines cannot.
_SMS_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}


def phone_normalize(text: str) -> str:
    """The E.164 form of a typed mobile number ("098765 43210" in India, "+91 98765-43210"
    -> "+919876543210").

    Raises:
        ValidationError: not a number, not a valid one, or one that cannot receive SMS.
    """
    region = settings.PHONE_DEFAULT_REGION or None
    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    if phonenumbers.number_type(number) not in _SMS_TYPES:
        raise ValidationError(
            "This looks like a landline. Enter a mobile number that can receive text messages.",
            code="invalid_phone",
        )
    allowed = settings.SMS_ALLOWED_REGIONS
    if allowed and phonenumbers.region_code_for_number(number) not in allowed:
        # Texts abroad cost many times more and are what SMS-pumping fraud aims at.
        raise ValidationError(
            "We can only text mobile numbers of "
            + ", ".join(sorted(_country_name(r) for r in allowed))
            + " for now. Sign up with an email address instead.",
            code="region_not_served",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _country_name(region: str) -> str:
    from phonenumbers import geocoder

    example = phonenumbers.example_number(region)
    return (geocoder.country_name_for_number(example, "en") if example else "") or region


def phone_format(e164: str | None) -> str:
    """ "+919876543210" -> "+91 98765 43210" (the international format of its country)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_mask(e164: str | None) -> str:
    """ "+919876543210" -> "+91 ••••• 43210": the country code and the last digits only, so a
    screen, a message or a log line does not give the whole number away."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return MASK
    national = str(number.national_number)
    shown = 5 if len(national) >= 9 else 3
    return f"+{number.country_code} {MASK} {national[-shown:]}"


# --- Abuse limits (settings SMS_*; kept in the cache by allauth's rate limiter) ----------

LOCKED_MESSAGE = (
    "Too many wrong codes were typed for this number. Wait an hour, then ask for a new code."
)


def sms_code_locked(*, request: HttpRequest, phone: str) -> bool:
    """Whether ``phone`` is locked out: ``SMS_CODE_FAILURES_PER_NUMBER`` wrong codes within
    ``SMS_LOCKOUT_SECONDS``. A locked number is sent no code and none is accepted for it."""
    return not ratelimit.consume(request, action="sms_code_failed", key=phone, dry_run=True)


def sms_code_failure_record(*, request: HttpRequest, phone: str) -> None:
    """Count one wrong code typed for ``phone`` towards its lockout."""
    ratelimit.consume(request, action="sms_code_failed", key=phone)


def sms_send_allow(*, request: HttpRequest, phone: str) -> None:
    """Take one text message from the hourly allowance of ``phone`` and of the client's
    address. Counted for every text, including "no account uses this number", so the limit
    tells nobody whether a number has an account.

    Raises:
        RateLimited: the number is locked out, or an allowance is used up.
    """
    if sms_code_locked(request=request, phone=phone):
        raise RateLimited
    ratelimit.consume(request, action="send_sms", key=phone, raise_exception=True)
    # And the whole site's hourly allowance (SMS_PER_HOUR_TOTAL): a bound on the bill.
    ratelimit.consume(request, action="send_sms_total", key="site", raise_exception=True)
