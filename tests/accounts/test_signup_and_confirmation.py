"""Sign-up needs a confirmed email before the account can log in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User

PASSWORD = "a-long-and-unusual-passphrase-42"


def sign_up(client, email="new.patient@example.org"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_sign_up_sends_a_confirmation_email_and_creates_a_patient(client):
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="new.patient@example.org")
    assert user.role == Role.PATIENT
    assert not user.is_staff
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.patient@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_an_unconfirmed_account_cannot_log_in(client):
    sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new.patient@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.django_db
def test_confirm_link_then_login_works(client):
    sign_up(client)
    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200  # a page with a button, not a GET side effect
    assert client.post(link).status_code == 302
    response = client.post(
        reverse("account_login"), {"login": "new.patient@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("diagnosis:upload")  # a patient lands on the upload page
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert b"new.patient@example.org" in page.content


@pytest.mark.django_db
def test_sign_up_cannot_grant_itself_a_role(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "sneaky@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "admin",
            "is_staff": "on",
        },
    )
    user = User.objects.get(email="sneaky@example.org")
    assert user.role == Role.PATIENT
    assert not user.is_staff and not user.is_superuser


@pytest.mark.django_db
def test_password_reset_sends_a_link_that_sets_a_new_password(client, patient):
    client.post(reverse("account_reset_password"), {"email": patient.email})
    assert len(mail.outbox) == 1
    match = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", str(mail.outbox[0].body)
    )
    assert match
    response = client.get(match.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else match.group(1)
    new_password = "another-unusual-passphrase-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(new_password)


@pytest.mark.django_db
def test_password_change_needs_the_old_password(client, patient):
    from tests.factories import PASSWORD as OLD

    client.force_login(patient)
    new_password = "yet-another-passphrase-31"
    bad = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": new_password, "password2": new_password},
    )
    assert bad.status_code == 200
    good = client.post(
        reverse("account_change_password"),
        {"oldpassword": OLD, "password1": new_password, "password2": new_password},
    )
    assert good.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(new_password)


@pytest.mark.django_db
def test_logout_ends_the_session(client, patient):
    client.force_login(patient)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_title_is_not_a_first_name():
    from accounts.models import User

    assert User(full_name="Dr Daniel Okafor", email="d@example.org").get_short_name() == "Daniel"
    assert User(full_name="Prof. Ada Byron", email="a@example.org").get_short_name() == "Ada"
    assert User(full_name="", email="x@example.org").get_short_name() == "x@example.org"
