"""``{{ number|mask_phone }}``: "+91 ••••• 43210"; ``{% sms_code_minutes %}``: how long a code
works."""

from __future__ import annotations

from django import template
from django.conf import settings

from accounts.phone import phone_format, phone_mask

register = template.Library()


@register.filter
def mask_phone(number: str | None) -> str:
    return phone_mask(number)


@register.filter
def format_phone(number: str | None) -> str:
    """The person's own number, spaced as in its country ("+91 98765 43210")."""
    return phone_format(number)


@register.simple_tag
def sms_code_minutes() -> int:
    minutes: int = settings.SMS_CODE_TTL // 60
    return minutes
