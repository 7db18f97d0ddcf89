"""Repeated wrong passwords for one account are throttled."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_login_is_refused_after_repeated_failures_even_with_the_right_password(client, patient):
    limit = int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[1].split("/")[0])
    for _ in range(limit):
        response = client.post(
            reverse("account_login"), {"login": patient.email, "password": "nope"}
        )
        assert response.status_code == 200
        assert b"too many" not in response.content.lower()
    response = client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    assert b"too many failed login attempts" in response.content.lower()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_other_accounts_can_still_log_in_while_one_is_throttled(client, patient, other_patient):
    for _ in range(10):
        client.post(reverse("account_login"), {"login": patient.email, "password": "nope"})
    response = client.post(
        reverse("account_login"), {"login": other_patient.email, "password": PASSWORD}
    )
    assert response.status_code == 302
