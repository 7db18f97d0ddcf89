"""Doctors and administrators keep TOTP: a text message code never signs them in, never
resets their password, and is never their second factor. With their number and password
they still have to give the TOTP code."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.sms_helpers import NUMBER, signed_in
from tests.conftest import enable_totp
from tests.factories import PASSWORD, AdminFactory, DoctorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["doctor", "administrator"])
def staff_with_phone(request):
    factory = DoctorFactory if request.param == "doctor" else AdminFactory
    return enable_totp(factory(phone=NUMBER, phone_verified=True))


def test_number_and_password_still_ask_for_the_totp_code(client, staff_with_phone):
    response = client.post(reverse("account_login"), {"login": NUMBER, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not signed_in(client)


def test_no_sign_in_code_is_texted_to_them(client, staff_with_phone, sms_outbox):
    response = client.post(reverse("account_request_login_code"), {"phone": NUMBER})
    # The same next page as for anyone (no enumeration) ...
    assert response.url == reverse("account_confirm_login_code")
    # ... but the text has no code, and says how they sign in.
    assert len(sms_outbox) == 1
    assert not re.search(r"\b\d{6}\b", sms_outbox[0].body)
    assert "authenticator app" in sms_outbox[0].body
    for guess in ("000000", "123456"):
        client.post(reverse("account_confirm_login_code"), {"code": guess})
    assert not signed_in(client)


def test_no_password_reset_code_is_texted_to_them(client, staff_with_phone, sms_outbox):
    response = client.post("/account/password-reset/sms/", {"phone": NUMBER})
    assert response.url == "/account/password-reset/sms/code/"
    assert not re.search(r"\b\d{6}\b", sms_outbox[0].body)
    client.post(
        "/account/password-reset/sms/code/",
        {"code": "123456", "password1": "new-passphrase-123", "password2": "new-passphrase-123"},
    )
    staff_with_phone.refresh_from_db()
    assert staff_with_phone.check_password(PASSWORD)


def test_sms_is_not_a_second_factor_type():
    from django.conf import settings

    assert settings.MFA_SUPPORTED_TYPES == ["totp", "recovery_codes"]


def test_a_patient_with_only_a_number_must_add_an_email_to_apply_as_a_doctor(client):
    from accounts.models import DoctorApplication
    from tests.factories import UserFactory

    patient = UserFactory(email=None, phone=NUMBER, phone_verified=True, confirmed_email=False)
    client.force_login(patient)
    page = client.post(
        reverse("accounts:doctor_apply"),
        {
            "full_name": "Dr A",
            "licence_number": "L-1",
            "specialty": "cardiology",
            "workplace": "Clinic",
        },
    )
    assert page.status_code == 200
    assert b"Add an email address" in page.content
    assert not DoctorApplication.objects.exists()
