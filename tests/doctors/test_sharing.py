"""Patients share with approved doctors (by search or invitation code) and revoke at will;
access ends the moment a share is revoked; both sides see the active shares."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import DoctorProfile
from diagnosis.models import Analysis, Share
from diagnosis.services import sharing as reviews
from tests.conftest import enable_totp
from tests.factories import DoctorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cardiologist(db):
    return enable_totp(DoctorFactory(full_name="Grace Hopper"))


def test_a_patient_finds_an_approved_doctor_by_name_and_shares(client, patient, cardiologist):
    client.force_login(patient)
    page = client.get("/analyses/sharing/", {"q": "hopper"}).content.decode()
    assert "Grace Hopper" in page
    response = client.post("/analyses/sharing/add/", {"doctor": cardiologist.pk})
    assert response.status_code == 302
    assert Share.objects.active().filter(patient=patient, doctor=cardiologist).exists()
    assert "Grace Hopper" in client.get("/analyses/sharing/").content.decode()


def test_the_search_finds_doctors_by_specialty_but_never_patients(client, patient, cardiologist):
    UserFactory(full_name="Cardio Patient")
    client.force_login(patient)
    page = client.get("/analyses/sharing/", {"q": "cardio"}).content.decode()
    assert "Grace Hopper" in page
    assert "Cardio Patient" not in page


def test_a_patient_shares_with_the_doctors_invitation_code(client, patient, cardiologist):
    code = cardiologist.doctor_profile.invitation_code
    client.force_login(patient)
    # Typed loosely: lower case, with a dash and spaces.
    client.post("/analyses/sharing/add/", {"code": f" {code[:4].lower()}-{code[4:]} "})
    assert Share.objects.active().filter(patient=patient, doctor=cardiologist).exists()


def test_a_wrong_code_shares_with_nobody(client, patient, cardiologist):
    client.force_login(patient)
    response = client.post("/analyses/sharing/add/", {"code": "NOTACODE22"}, follow=True)
    assert "No doctor has this invitation code" in response.content.decode()
    assert not Share.objects.exists()


def test_a_patient_cannot_share_with_another_patient(client, patient, other_patient):
    client.force_login(patient)
    client.post("/analyses/sharing/add/", {"doctor": other_patient.pk})
    assert not Share.objects.exists()
    with pytest.raises(ValidationError):
        reviews.share_create(patient=patient, doctor=other_patient)


def test_sharing_twice_keeps_one_active_share(patient, cardiologist):
    first = reviews.share_create(patient=patient, doctor=cardiologist)
    second = reviews.share_create(patient=patient, doctor=cardiologist)
    assert first.pk == second.pk
    assert Share.objects.count() == 1


def test_revoking_a_share_ends_access_at_once(client, patient, doctor_with_share, beat_analysis):
    client.force_login(doctor_with_share)
    assert client.get(f"/analyses/{beat_analysis.id}/").status_code == 200
    share = Share.objects.get(patient=patient, doctor=doctor_with_share)

    patient_client = client.__class__()
    patient_client.force_login(patient)
    patient_client.post(f"/analyses/sharing/{share.pk}/revoke/")

    assert client.get(f"/analyses/{beat_analysis.id}/").status_code == 404
    assert client.get(f"/analyses/{beat_analysis.id}/review/").status_code == 404
    assert not Analysis.objects.visible_to(doctor_with_share).exists()
    assert "No patient shares with you" in client.get("/analyses/doctor/").content.decode()


def test_only_the_patient_can_revoke_their_share(client, patient, other_patient, doctor_with_share):
    share = Share.objects.get(patient=patient)
    client.force_login(other_patient)
    assert client.post(f"/analyses/sharing/{share.pk}/revoke/").status_code == 404
    assert Share.objects.get(pk=share.pk).is_active


def test_the_doctor_sees_the_patients_who_share(client, patient, doctor_with_share):
    client.force_login(doctor_with_share)
    page = client.get("/analyses/doctor/").content.decode()
    assert patient.get_full_name() in page


def test_a_new_invitation_code_retires_the_old_one(client, patient, cardiologist):
    old = cardiologist.doctor_profile.invitation_code
    client.force_login(cardiologist)
    assert old in client.get("/account/doctor/").content.decode()
    client.post("/analyses/doctor/invitation-code/")
    new = DoctorProfile.objects.get(user=cardiologist).invitation_code
    assert new != old
    with pytest.raises(ValidationError):
        reviews.share_create(patient=patient, invitation_code=old)
    assert reviews.share_create(patient=patient, invitation_code=new).doctor == cardiologist
