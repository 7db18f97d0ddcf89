from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.management.commands.load_demo import DEMO_PASSWORD, DEMO_PATIENT_EMAIL
from accounts.models import User


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_load_demo_creates_a_confirmed_patient_and_is_repeatable(client):
    call_command("load_demo")
    call_command("load_demo")
    assert User.objects.filter(email=DEMO_PATIENT_EMAIL).count() == 1
    response = client.post(
        "/accounts/login/", {"login": DEMO_PATIENT_EMAIL, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_demo_refuses_to_run_without_debug():
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.filter(email=DEMO_PATIENT_EMAIL).exists()
