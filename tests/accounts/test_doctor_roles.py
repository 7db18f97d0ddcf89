"""Doctor applications, administrator approval, and the two-factor gate on role pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApplicationStatus, DoctorApplication, Role
from tests.conftest import enable_totp

DOCTOR_PAGES = ["accounts:doctor_home"]
ADMIN_PAGES = ["accounts:staff_home"]


def apply(client, **overrides):
    data = {
        "full_name": "Dr Ada Lovelace",
        "licence_number": "GMC-1234567",
        "specialty": "cardiology",
        "workplace": "St Elsewhere",
    } | overrides
    return client.post(reverse("accounts:doctor_apply"), data)


@pytest.mark.django_db
def test_application_then_approval_then_totp_opens_the_doctor_area(client, patient, administrator):
    client.force_login(patient)
    assert apply(client).status_code == 302
    application = DoctorApplication.objects.get(user=patient)
    assert application.status == ApplicationStatus.PENDING
    # Still a patient while waiting: no doctor rights.
    assert client.get(reverse("accounts:doctor_home")).status_code == 403

    admin_client = client.__class__()
    admin_client.force_login(administrator)
    response = admin_client.post(
        reverse("accounts:doctor_application_decide", args=[application.pk]),
        {"decision": "approve"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.role == Role.DOCTOR
    assert patient.doctor_profile.licence_number == "GMC-1234567"

    # Approved, but no authenticator yet: sent to set one up.
    response = client.get(reverse("accounts:doctor_home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")

    enable_totp(patient)
    response = client.get(reverse("accounts:doctor_home"))
    assert response.status_code == 200
    assert b"GMC-1234567" in response.content


@pytest.mark.django_db
def test_a_rejected_applicant_stays_a_patient(client, patient, administrator):
    client.force_login(patient)
    apply(client)
    application = DoctorApplication.objects.get(user=patient)
    client.force_login(administrator)
    client.post(
        reverse("accounts:doctor_application_decide", args=[application.pk]),
        {"decision": "reject", "note": "Licence not found in the register"},
    )
    patient.refresh_from_db()
    application.refresh_from_db()
    assert patient.role == Role.PATIENT
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_note == "Licence not found in the register"


@pytest.mark.django_db
def test_only_one_application_waits_at_a_time(client, patient):
    client.force_login(patient)
    apply(client)
    apply(client, licence_number="OTHER-1")
    assert DoctorApplication.objects.filter(user=patient).count() == 1


@pytest.mark.django_db
def test_application_needs_a_licence_number(client, patient):
    client.force_login(patient)
    response = apply(client, licence_number="")
    assert response.status_code == 200
    assert not DoctorApplication.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("page", DOCTOR_PAGES + ADMIN_PAGES)
def test_a_patient_gets_403_on_doctor_and_admin_pages(client, patient, page):
    client.force_login(patient)
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("page", DOCTOR_PAGES + ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_a_doctor_gets_403_on_admin_pages(client, doctor, page):
    client.force_login(doctor)
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.django_db
def test_a_doctor_cannot_approve_applications(client, doctor, patient):
    application = DoctorApplication.objects.create(
        user=patient, full_name="X", licence_number="1", specialty="cardiology", workplace="Y"
    )
    client.force_login(doctor)
    response = client.post(
        reverse("accounts:doctor_application_decide", args=[application.pk]),
        {"decision": "approve"},
    )
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.role == Role.PATIENT


@pytest.mark.django_db
def test_administrator_pages_and_django_admin_need_totp(client):
    from tests.factories import AdminFactory

    admin_user = AdminFactory()
    client.force_login(admin_user)
    for url in [reverse("accounts:staff_home"), reverse("admin:index")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")
    enable_totp(admin_user)
    assert client.get(reverse("accounts:staff_home")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_doctor_pages_open_for_a_doctor_with_totp(client, doctor):
    client.force_login(doctor)
    assert client.get(reverse("accounts:doctor_home")).status_code == 200


@pytest.mark.django_db
def test_the_django_admin_login_goes_through_the_site_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_approved_doctor_is_told_by_email(
    patient, administrator, django_capture_on_commit_callbacks
):
    from django.core import mail

    from accounts import services

    application = services.doctor_application_submit(
        user=patient,
        full_name="Dr Daniel Okafor",
        licence_number="GMC 1234567",
        specialty="cardiology",
        workplace="St Elsewhere",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.doctor_application_approve(application=application, decided_by=administrator)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email] and "approved as a doctor" in message.subject
    assert "two-factor" in message.body and "/account/doctor/" in message.body
