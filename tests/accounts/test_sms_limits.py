"""Abuse limits on texts: sends per number and per client address per hour, and a lockout
of a number after repeated wrong codes. All limits count the same whether or not the number
has an account, so they tell nobody which numbers do."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.sms_helpers import NUMBER, code_in, patient_with_phone, signed_in

pytestmark = pytest.mark.django_db

RESET = "/account/password-reset/sms/"


def ask_reset(client, phone=NUMBER, ip="203.0.113.7"):
    return client.post(RESET, {"phone": phone}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("has_account", [True, False])
def test_a_number_gets_at_most_the_hourly_number_of_texts(client, sms_outbox, has_account):
    if has_account:
        patient_with_phone()
    for _ in range(settings.SMS_PER_NUMBER_PER_HOUR):
        assert ask_reset(client).status_code == 302
    # From another address too: the limit is the number's.
    response = ask_reset(client, ip="198.51.100.9")
    assert response.status_code == 429
    assert b"Too many tries" in response.content
    assert len(sms_outbox) == settings.SMS_PER_NUMBER_PER_HOUR


def test_an_address_gets_at_most_the_hourly_number_of_texts(client, sms_outbox, settings):
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"send_sms": "5/1h/key,3/1h/ip"}
    numbers = [f"+9198765432{n:02d}" for n in range(4)]
    for phone in numbers[:3]:
        assert ask_reset(client, phone).status_code == 302
    assert ask_reset(client, numbers[3]).status_code == 429
    assert ask_reset(client, numbers[3], ip="198.51.100.9").status_code == 302
    assert len(sms_outbox) == 4


def test_the_default_limits_are_the_documented_ones():
    assert settings.ACCOUNT_RATE_LIMITS["send_sms"] == "5/1h/key,20/1h/ip"
    assert settings.ACCOUNT_RATE_LIMITS["sms_code_failed"] == "5/3600s/key"
    assert settings.SMS_CODE_TTL == 600 and settings.SMS_CODE_MAX_ATTEMPTS == 3


@pytest.fixture
def no_request_cooldown(settings):
    """Lift allauth's per-minute limit on asking for a sign-in code (3 per number), as if
    minutes passed between the requests; the hourly SMS limits and the lockout stay."""
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"request_login_code": ""}


def lock(client, settings, phone=NUMBER):
    """Type wrong codes for ``phone`` until it is locked: three end the first code, a fourth
    (on a second code) reaches the lockout, set to 4 here."""
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"sms_code_failed": "4/3600s/key"}
    client.post(reverse("account_request_login_code"), {"phone": phone})
    for _ in range(3):
        client.post(reverse("account_confirm_login_code"), {"code": "000000"})
    client.post(reverse("account_request_login_code"), {"phone": phone})
    client.post(reverse("account_confirm_login_code"), {"code": "000000"})


@pytest.mark.usefixtures("no_request_cooldown")
def test_repeated_wrong_codes_lock_the_number(client, sms_outbox, settings):
    patient_with_phone()
    lock(client, settings)
    assert len(sms_outbox) == 2
    # Even the right code of the current one is refused now.
    page = client.post(reverse("account_confirm_login_code"), {"code": code_in(sms_outbox)})
    assert page.status_code == 200
    assert "Too many wrong codes were typed for this number" in page.content.decode()
    assert not signed_in(client)
    # And no new code is sent to the number while it is locked (by any flow).
    response = ask_reset(client)
    assert response.status_code == 429
    assert len(sms_outbox) == 2


@pytest.mark.usefixtures("no_request_cooldown")
def test_the_lock_is_per_number(client, sms_outbox, settings):
    from django.test import Client

    patient_with_phone()
    other = patient_with_phone("+919812345678")
    lock(client, settings)
    fresh = Client()
    fresh.post(reverse("account_request_login_code"), {"phone": other.phone})
    fresh.post(reverse("account_confirm_login_code"), {"code": code_in(sms_outbox, other.phone)})
    assert int(fresh.session["_auth_user_id"]) == other.pk


def test_the_lockout_also_guards_the_signup_code(client, sms_outbox, settings):
    from tests.accounts.sms_helpers import sign_up_by_phone

    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"sms_code_failed": "2/3600s/key"}
    sign_up_by_phone(client)
    for _ in range(2):
        client.post(reverse("account_verify_phone"), {"code": "000000"})
    page = client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    assert not signed_in(client)
    assert page.status_code == 302  # the third try ended the code


def test_the_whole_site_gets_at_most_the_hourly_number_of_texts(client, sms_outbox, settings):
    """SMS_PER_HOUR_TOTAL bounds the bill however many numbers and addresses are used."""
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"send_sms_total": "3/1h/key"}
    numbers = [f"+9198765432{n:02d}" for n in range(4)]
    for n, phone in enumerate(numbers[:3]):
        assert ask_reset(client, phone, ip=f"203.0.113.{n + 1}").status_code == 302
    assert ask_reset(client, numbers[3], ip="198.51.100.50").status_code == 429
    assert len(sms_outbox) == 3


def test_numbers_of_countries_not_served_are_not_texted(client, sms_outbox):
    """SMS_ALLOWED_REGIONS (India by default): texts abroad are what SMS-pumping fraud aims
    at. The form says which countries are served."""
    response = ask_reset(client, phone="+2348031234567")  # a Nigerian mobile number
    assert response.status_code == 200
    assert "only text mobile numbers of India" in response.content.decode()
    assert not sms_outbox


def test_any_country_when_every_region_is_allowed(client, sms_outbox, settings):
    settings.SMS_ALLOWED_REGIONS = frozenset()
    assert ask_reset(client, phone="+2348031234567").status_code == 302
    assert len(sms_outbox) == 1
