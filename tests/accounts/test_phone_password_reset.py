"""Password reset by SMS: a code texted to the account's number, then a new password."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.sms_helpers import MASKED, NUMBER, TYPED, code_in, patient_with_phone
from tests.factories import PASSWORD as OLD

pytestmark = pytest.mark.django_db

START = "/account/password-reset/sms/"
CODE = "/account/password-reset/sms/code/"
NEW = "a-brand-new-passphrase-77"


def reset(client, code, password=NEW):
    return client.post(CODE, {"code": code, "password1": password, "password2": password})


def test_a_texted_code_sets_a_new_password_and_the_number_signs_in_with_it(client, sms_outbox):
    patient = patient_with_phone()
    response = client.post(START, {"phone": TYPED})
    assert response.status_code == 302 and response.url == CODE
    page = client.get(CODE).content.decode()
    assert MASKED in page and NUMBER not in page
    response = reset(client, code_in(sms_outbox))
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    patient.refresh_from_db()
    assert patient.check_password(NEW)
    response = client.post(reverse("account_login"), {"login": NUMBER, "password": NEW})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_reset_code_works_once(client, sms_outbox):
    patient = patient_with_phone()
    client.post(START, {"phone": NUMBER})
    code = code_in(sms_outbox)
    reset(client, code)
    response = reset(client, code, "yet-another-passphrase-99")
    assert response.status_code == 302 and response.url == START
    patient.refresh_from_db()
    assert patient.check_password(NEW)


def test_a_wrong_code_changes_nothing_and_three_end_the_code(client, sms_outbox):
    patient = patient_with_phone()
    client.post(START, {"phone": NUMBER})
    code = code_in(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    page = reset(client, wrong)
    assert page.status_code == 200 and b"Incorrect code" in page.content
    reset(client, wrong)
    response = reset(client, wrong)
    assert response.status_code == 302 and response.url == START
    reset(client, code)
    patient.refresh_from_db()
    assert patient.check_password(OLD)


def test_a_weak_new_password_keeps_the_code_for_another_try(client, sms_outbox):
    patient = patient_with_phone()
    client.post(START, {"phone": NUMBER})
    page = reset(client, code_in(sms_outbox), "short")
    assert page.status_code == 200
    assert reset(client, code_in(sms_outbox)).status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(NEW)


def test_an_expired_reset_code_is_refused(client, sms_outbox, monkeypatch):
    import time

    patient = patient_with_phone()
    client.post(START, {"phone": NUMBER})
    later = time.time() + 11 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = reset(client, code_in(sms_outbox))
    assert response.status_code == 302 and response.url == START
    patient.refresh_from_db()
    assert patient.check_password(OLD)


def test_an_unknown_number_gets_the_same_pages_and_a_text_without_a_code(client, sms_outbox):
    response = client.post(START, {"phone": NUMBER})
    assert response.status_code == 302 and response.url == CODE
    assert client.get(CODE).status_code == 200
    assert "no account uses this mobile number" in sms_outbox[-1].body
    assert reset(client, "123456").status_code == 200


def test_an_unconfirmed_number_gets_no_reset_code(client, sms_outbox):
    """Someone typed this number into their account without confirming it (perhaps another
    person's number): a reset by it must not open that account."""
    from tests.factories import UserFactory

    holder = UserFactory(phone=NUMBER, phone_verified=False)
    client.post(START, {"phone": NUMBER})
    assert len(sms_outbox) == 1 and "no account" in sms_outbox[0].body.lower()
    holder.refresh_from_db()
    assert not holder.phone_verified and holder.check_password(OLD)


def test_the_reset_revokes_api_tokens(client, sms_outbox):
    from knox.models import AuthToken

    patient = patient_with_phone()
    AuthToken.objects.create(user=patient)
    client.post(START, {"phone": NUMBER})
    reset(client, code_in(sms_outbox))
    assert not AuthToken.objects.filter(user=patient).exists()


def test_the_reset_pages_link_to_each_other(client):
    assert (
        b'href="/account/password-reset/sms/"'
        in client.get(reverse("account_reset_password")).content
    )
    assert b"by text message" in client.get(reverse("account_login")).content
