"""Sign up with only a mobile number, confirm it with the SMS code, then sign in with the
number (password, or a code by SMS). Wrong, expired and reused codes; a number in use."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Role, User
from tests.accounts.sms_helpers import (
    MASKED,
    NUMBER,
    PASSWORD,
    TYPED,
    code_in,
    patient_with_phone,
    sign_up_by_phone,
    signed_in,
)

pytestmark = pytest.mark.django_db


def test_sign_up_with_only_a_number_texts_a_code_and_the_code_signs_in(client, sms_outbox):
    response = sign_up_by_phone(client)
    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    user = User.objects.get(phone=NUMBER)  # typed with spaces and a 0, stored as E.164
    assert user.email is None and user.role == Role.PATIENT and not user.phone_verified
    assert len(sms_outbox) == 1 and sms_outbox[0].to == NUMBER
    assert "works for 10 minutes" in sms_outbox[0].body

    page = client.get(reverse("account_verify_phone"))
    assert f'We sent a 6-digit code to <strong class="text-nowrap">{MASKED}</strong>' in (
        page.content.decode()
    )
    assert NUMBER not in page.content.decode()  # the whole number is not shown
    response = client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    assert response.status_code == 302
    assert signed_in(client)
    user.refresh_from_db()
    assert user.phone_verified


def test_after_sign_up_the_number_and_password_sign_in(client, sms_outbox):
    sign_up_by_phone(client)
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    client.post(reverse("account_logout"))
    assert not signed_in(client)
    response = client.post(
        reverse("account_login"), {"login": "+91 98765-43210", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("diagnosis:upload")
    assert signed_in(client)


def test_an_unconfirmed_number_signs_nobody_in_and_its_owner_can_still_sign_up(client, sms_outbox):
    """Someone signs up with another person's number and leaves at the code page. The number
    is not theirs: it signs nobody in (password or code), and the owner's own sign-up takes
    it; the owner's code never confirms it for the first account (an account takeover)."""
    from django.test import Client

    sign_up_by_phone(client)  # the first person, who cannot read the number's texts
    squatter = User.objects.get(phone=NUMBER)
    client.post(reverse("account_logout"))
    cache.clear()  # later: allauth's 30 s between codes to a number
    response = client.post(reverse("account_login"), {"login": NUMBER, "password": PASSWORD})
    assert response.status_code == 200 and not signed_in(client)

    owner = Client()
    sms_outbox.clear()
    owner.post(reverse("account_request_login_code"), {"phone": NUMBER})
    assert len(sms_outbox) == 1 and not re.search(r"\b\d{6}\b", sms_outbox[0].body)
    squatter.refresh_from_db()
    assert not squatter.phone_verified

    cache.clear()
    response = sign_up_by_phone(owner)
    assert response.url == reverse("account_verify_phone")
    owner.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    assert signed_in(owner)
    squatter.refresh_from_db()
    assert squatter.phone is None
    mine = User.objects.get(phone=NUMBER)
    assert mine.pk != squatter.pk and mine.phone_verified


def test_sign_up_takes_an_email_or_a_number_not_both(client, sms_outbox):
    """Both at once would let a confirmed number open an account whose email (perhaps
    someone else's) was never confirmed, and a text to your own number would tell whether an
    address has an account."""
    response = client.post(
        reverse("account_signup"),
        {"email": "a@example.org", "phone": TYPED, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not User.objects.exists() and not sms_outbox


def test_wrong_passwords_for_one_number_do_not_lock_out_another(client):
    """allauth counts failed sign-ins per email; by number they are counted per number, not
    in one counter that five wrong passwords for any number would fill for everyone."""
    patient_with_phone()
    other = "+919812345678"
    patient_with_phone(phone=other)
    from tests.factories import PASSWORD as RIGHT

    for _ in range(6):  # LOGIN_FAILURES_PER_WINDOW is 5
        client.post(reverse("account_login"), {"login": other, "password": "wrong-password"})
    locked = client.post(reverse("account_login"), {"login": other, "password": RIGHT})
    assert locked.status_code == 200 and not signed_in(client)  # that number is locked out
    response = client.post(reverse("account_login"), {"login": NUMBER, "password": RIGHT})
    assert response.status_code == 302 and signed_in(client)


def test_a_code_by_sms_signs_in_without_the_password(client, sms_outbox):
    patient = patient_with_phone()
    response = client.post(reverse("account_request_login_code"), {"phone": TYPED})
    assert response.url == reverse("account_confirm_login_code")
    page = client.get(response.url).content.decode()
    assert MASKED in page
    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(sms_outbox)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == patient.pk


def test_a_wrong_code_is_refused_and_three_end_the_code(client, sms_outbox):
    patient_with_phone()
    client.post(reverse("account_request_login_code"), {"phone": NUMBER})
    code = code_in(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    page = client.post(reverse("account_confirm_login_code"), {"code": wrong})
    assert page.status_code == 200
    assert b"Incorrect code" in page.content
    client.post(reverse("account_confirm_login_code"), {"code": wrong})
    client.post(reverse("account_confirm_login_code"), {"code": wrong})
    # The third wrong try ended it: the right code no longer works.
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert not signed_in(client)


def test_an_expired_code_is_refused(client, sms_outbox, monkeypatch):
    patient_with_phone()
    client.post(reverse("account_request_login_code"), {"phone": NUMBER})
    code = code_in(sms_outbox)
    later = time.time() + 11 * 60  # codes work for 10 minutes
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert response.url == reverse("account_request_login_code")
    assert not signed_in(client)


def test_a_used_code_does_not_work_twice(client, sms_outbox):
    patient_with_phone()
    client.post(reverse("account_request_login_code"), {"phone": NUMBER})
    code = code_in(sms_outbox)
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert signed_in(client)
    client.post(reverse("account_logout"))
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert not signed_in(client)


def test_the_signup_code_does_not_work_twice(client, sms_outbox):
    sign_up_by_phone(client)
    code = code_in(sms_outbox)
    client.post(reverse("account_verify_phone"), {"code": code})
    client.post(reverse("account_logout"))
    response = client.post(reverse("account_verify_phone"), {"code": code})
    assert response.status_code == 302
    assert not signed_in(client)


def test_a_number_in_use_makes_no_second_account_and_says_so_only_by_sms(client, sms_outbox):
    holder = patient_with_phone()
    response = sign_up_by_phone(client)
    # The same next page as a new number: the screen does not tell who has an account.
    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    assert User.objects.filter(phone=NUMBER).get() == holder
    assert User.objects.count() == 1
    assert "already has an account" in sms_outbox[-1].body
    assert not re.search(r"\b\d{6}\b", sms_outbox[-1].body)  # no code in it


def test_a_code_asked_for_an_unknown_number_gets_the_same_page_and_no_code(client, sms_outbox):
    response = client.post(reverse("account_request_login_code"), {"phone": NUMBER})
    assert response.url == reverse("account_confirm_login_code")
    assert "no account uses this mobile number" in sms_outbox[-1].body
    client.post(reverse("account_confirm_login_code"), {"code": "123456"})
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("12345", "Enter a mobile number"),
        ("+91 11 2345 6789", "landline"),  # a Delhi landline cannot receive a text
    ],
)
def test_a_number_that_cannot_receive_a_text_is_refused(client, phone, message):
    page = sign_up_by_phone(client, phone)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not User.objects.exists()


def test_sign_up_needs_an_email_or_a_number(client):
    page = client.post(reverse("account_signup"), {"password1": PASSWORD, "password2": PASSWORD})
    assert page.status_code == 200
    assert b"Enter an email address or a mobile number." in page.content
    assert not User.objects.exists()


def test_sign_up_cannot_grant_itself_a_role_by_phone_either(client):
    client.post(
        reverse("account_signup"),
        {"phone": TYPED, "password1": PASSWORD, "password2": PASSWORD, "role": "admin"},
    )
    user = User.objects.get(phone=NUMBER)
    assert user.role == Role.PATIENT and not user.is_staff and not user.is_superuser


def test_a_mistyped_number_can_be_changed_on_the_code_page(client, sms_outbox):
    sign_up_by_phone(client, "+91 98123 45678")
    cache.clear()  # a minute later
    client.post(reverse("account_verify_phone"), {"action": "change", "phone": TYPED})
    assert sms_outbox[-1].to == NUMBER
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    assert signed_in(client)
    user = User.objects.get()
    assert user.phone == NUMBER and user.phone_verified


def test_messages_show_the_number_masked(client, sms_outbox):
    sign_up_by_phone(client)
    response = client.post(
        reverse("account_verify_phone"), {"code": code_in(sms_outbox)}, follow=True
    )
    shown = [str(message) for message in response.context["messages"]]
    assert f"Your mobile number {MASKED} is confirmed." in shown
    assert f"You are signed in with {MASKED}." in shown
    assert NUMBER not in response.content.decode()
