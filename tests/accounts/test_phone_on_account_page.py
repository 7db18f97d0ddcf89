"""A patient adds, confirms and changes a mobile number on their account pages (allauth's
change-phone flow); a number in use by another account is never taken over."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.accounts.sms_helpers import MASKED, NUMBER, TYPED, code_in, patient_with_phone

pytestmark = pytest.mark.django_db
OTHER = "+919812345678"


def test_the_account_page_offers_to_add_a_number(client, patient):
    client.force_login(patient)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Add a mobile number" in page
    assert reverse("account_change_phone") in page


def test_add_then_confirm_a_number(client, patient, sms_outbox):
    client.force_login(patient)
    response = client.post(reverse("account_change_phone"), {"phone": TYPED})
    assert response.url == reverse("account_verify_phone")
    patient.refresh_from_db()
    assert patient.phone is None  # not until the code comes back
    page = client.get(reverse("account_verify_phone")).content.decode()
    assert MASKED in page
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    patient.refresh_from_db()
    assert patient.phone == NUMBER and patient.phone_verified
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "+91 98765 43210" in page and "Confirmed" in page


def test_change_a_number(client, sms_outbox):
    patient = patient_with_phone()
    client.force_login(patient)
    client.post(reverse("account_change_phone"), {"phone": OTHER})
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox, OTHER)})
    patient.refresh_from_db()
    assert patient.phone == OTHER and patient.phone_verified


def test_a_wrong_code_leaves_the_number_as_it_was(client, sms_outbox):
    patient = patient_with_phone()
    client.force_login(patient)
    client.post(reverse("account_change_phone"), {"phone": OTHER})
    page = client.post(reverse("account_verify_phone"), {"code": "000000"})
    assert b"Incorrect code" in page.content
    patient.refresh_from_db()
    assert patient.phone == NUMBER


def test_a_number_of_another_account_is_not_taken(client, patient, sms_outbox):
    holder = patient_with_phone(OTHER)
    client.force_login(patient)
    client.post(reverse("account_change_phone"), {"phone": OTHER})
    page = client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox, OTHER)})
    assert b"already registered with this phone number" in page.content
    patient.refresh_from_db()
    holder.refresh_from_db()
    assert patient.phone is None and holder.phone == OTHER


def test_an_unconfirmed_number_can_be_sent_its_code_again(client, sms_outbox):
    from tests.factories import UserFactory

    patient = UserFactory(phone=NUMBER, phone_verified=False)
    client.force_login(patient)
    page = client.get(reverse("account_change_phone")).content.decode()
    assert "Not confirmed" in page and "Text me a code to confirm it" in page
    cache.clear()
    client.post(reverse("account_change_phone"), {"action": "verify"})
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox)})
    patient.refresh_from_db()
    assert patient.phone_verified


def test_an_account_made_with_a_number_can_close_itself_by_typing_it(client):
    from accounts.models import User
    from tests.factories import UserFactory

    patient = UserFactory(email=None, phone=NUMBER, phone_verified=True, confirmed_email=False)
    client.force_login(patient)
    page = client.get(reverse("diagnosis:your_data")).content.decode()
    assert f"({NUMBER})" in page
    client.post(reverse("diagnosis:your_data"), {"confirm_email": "+91 98765 43210"})
    assert not User.objects.get(pk=patient.pk).is_active


def test_a_user_is_named_by_email_else_number():
    from accounts.models import User

    assert str(User(email=None, phone=NUMBER)) == NUMBER
    assert User(email="", phone=NUMBER).get_short_name() == "+91 ••••• 43210"


def test_a_number_typed_in_the_admin_is_stored_as_e164():
    from django.core.exceptions import ValidationError

    from accounts.models import User

    user = User(email="x@example.org", phone="098765 43210")
    user.clean()
    assert user.phone == NUMBER
    user.phone = "12"
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "phone" in error.value.message_dict


def test_a_number_changed_in_the_admin_is_no_longer_confirmed():
    """An administrator typing a new number for someone ("I changed my phone") must not make
    it a sign-in before its owner types a code."""
    patient = patient_with_phone()
    patient.phone = "+91 98123 45678"
    patient.clean()
    assert patient.phone == "+919812345678" and not patient.phone_verified
    same = patient_with_phone(phone="+919812300000")
    same.clean()
    assert same.phone_verified  # unchanged number: still confirmed
