"""Google sign-in, with Google's side replaced at the HTTP boundary (requests)."""

from __future__ import annotations

import time
from unittest import mock
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role, User

CLIENT_ID = "test-client-id.apps.googleusercontent.com"
GOOGLE = {
    "google": {
        "SCOPE": ["openid", "profile", "email"],
        "APPS": [{"client_id": CLIENT_ID, "secret": "test-secret", "key": ""}],
    }
}


def fake_google(email: str, verified: bool = True):
    """A stand-in for requests.Session.request answering Google's token endpoint."""
    id_token = jwt.encode(
        {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "sub": "109876543210",
            "email": email,
            "email_verified": verified,
            "name": "Grace Hopper",
            "given_name": "Grace",
            "family_name": "Hopper",
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
        },
        "not-googles-key-only-used-by-this-test-0123456789",
        algorithm="HS256",
    )
    calls = []

    def request(self, method, url, *args, **kwargs):
        calls.append((method, url))
        response = requests.Response()
        if url == "https://oauth2.googleapis.com/token" and method.upper() == "POST":
            response.status_code = 200
            response._content = (
                b'{"access_token": "ya29.token", "expires_in": 3599, "token_type": "Bearer", '
                b'"id_token": "' + id_token.encode() + b'"}'
            )
            response.headers["Content-Type"] = "application/json"
        else:
            response.status_code = 404
            response._content = b"{}"
        return response

    return request, calls


def google_round_trip(client, email: str, verified: bool = True):
    start = client.post(reverse("google_login"))
    assert start.status_code == 302
    assert start.url.startswith("https://accounts.google.com/")
    state = parse_qs(urlparse(start.url).query)["state"][0]
    request, calls = fake_google(email, verified)
    with mock.patch.object(requests.Session, "request", request):
        response = client.get(reverse("google_callback"), {"code": "auth-code", "state": state})
    return response, calls


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=GOOGLE)
def test_google_login_creates_a_confirmed_patient(client):
    response, calls = google_round_trip(client, "grace@example.org")
    assert response.status_code == 302
    assert ("POST", "https://oauth2.googleapis.com/token") in [(m.upper(), u) for m, u in calls]
    user = User.objects.get(email="grace@example.org")
    assert user.role == Role.PATIENT
    assert user.full_name == "Grace Hopper"
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=GOOGLE)
def test_google_login_with_an_unverified_email_still_needs_confirmation(client):
    response, _ = google_round_trip(client, "unverified@example.org", verified=False)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(email="unverified@example.org").verified


@pytest.mark.django_db
def test_google_button_is_hidden_without_credentials(client):
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert b"Google" not in page.content


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=GOOGLE)
def test_google_button_shows_when_configured(client):
    page = client.get(reverse("account_login"))
    assert b"Continue with Google" in page.content
