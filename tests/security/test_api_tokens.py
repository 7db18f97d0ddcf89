"""API tokens: hashed, expiring, revocable, behind two-factor for doctors and administrators,
and behind the same lockout as the web login; throttles key on the real client address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def totp_code(user) -> str:
    """The code the user's authenticator app shows now."""
    secret = decrypt(Authenticator.objects.get(user=user, type="totp").data["secret"])
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def ask(user, password: str = PASSWORD, **extra) -> object:
    return APIClient().post(TOKEN_URL, {"email": user.email, "password": password, **extra})


def with_token(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_a_token_is_stored_hashed_and_expires(patient):
    response = ask(patient)
    assert response.status_code == 200
    token = response.json()["token"]
    row = AuthToken.objects.get(user=patient)
    assert token not in row.digest and row.token_key == token[: len(row.token_key)]
    assert timezone.now() + timedelta(days=6) < row.expiry < timezone.now() + timedelta(days=8)
    AuthToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert with_token(token).get("/api/v1/analyses/").status_code == 401


def test_each_device_gets_its_own_token_and_can_log_out_alone(patient):
    first, second = ask(patient).json()["token"], ask(patient).json()["token"]
    assert first != second
    assert with_token(first).delete(TOKEN_URL).status_code == 204
    assert with_token(first).get("/api/v1/analyses/").status_code == 401
    assert with_token(second).get("/api/v1/analyses/").status_code == 200
    assert with_token(second).delete("/api/v1/auth/tokens/").status_code == 204
    assert with_token(second).get("/api/v1/analyses/").status_code == 401


def test_a_password_change_revokes_every_token(client, patient):
    token = ask(patient).json()["token"]
    client.force_login(patient)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-pass-2026",
            "password2": "a-new-long-pass-2026",
        },
    )
    assert response.status_code == 302
    assert with_token(token).get("/api/v1/analyses/").status_code == 401


@pytest.mark.parametrize("who", ["doctor", "administrator"])
def test_doctors_and_administrators_need_their_current_code(request, who):
    user = request.getfixturevalue(who)
    refused = ask(user)
    assert refused.status_code == 400 and "code" in refused.json()["detail"]
    assert ask(user, code="000000").status_code == 400
    assert not AuthToken.objects.filter(user=user).exists()
    assert ask(user, code=totp_code(user)).status_code == 200


def test_a_doctor_without_two_factor_gets_no_token(doctor_without_totp):
    response = ask(doctor_without_totp, code="123456")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_wrong_passwords_lock_the_account_for_the_web_and_the_api_alike(client, patient, settings):
    # Five failures per account (LOGIN_FAILURES_PER_WINDOW), each from a new forged address.
    for n in range(5):
        response = APIClient().post(
            TOKEN_URL,
            {"email": patient.email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        assert response.status_code == 400
    assert ask(patient).status_code == 429  # the right password no longer helps
    page = client.post("/accounts/login/", {"login": patient.email, "password": PASSWORD})
    assert "Too many failed login attempts" in page.content.decode()


def test_the_token_throttle_ignores_a_forged_forwarded_for_header(patient):
    codes = [
        APIClient()
        .post(
            TOKEN_URL,
            {"email": f"nobody{n}@example.org", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        .status_code
        for n in range(12)
    ]
    assert codes[-1] == 429
