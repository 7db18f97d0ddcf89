"""Sharing with a scope and an expiry: a patient shares one result or all, for 7 days, 30
days or until revoked; the doctor sees what is shared and until when; access ends at the
expiry, on the pages and in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from diagnosis.models import Share
from diagnosis.services import sharing as sharing_services
from tests.conftest import enable_totp
from tests.doctors.conftest import make_record_analysis
from tests.factories import DoctorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cardiologist(db):
    return enable_totp(DoctorFactory(full_name="Grace Hopper"))


@pytest.fixture
def two_results(patient):
    return make_record_analysis(patient), make_record_analysis(patient)


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def expire(share: Share) -> None:
    """The share's time runs out (what a clock moving past ``expires_at`` does)."""
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_a_patient_shares_one_result_for_7_days_through_the_pages(
    client, patient, cardiologist, two_results
):
    shared, other = two_results
    client.force_login(patient)
    result_page = client.get(f"/analyses/{shared.id}/").content.decode()
    assert f"/analyses/sharing/?analysis={shared.id}" in result_page

    confirm = client.get(
        "/analyses/sharing/new/", {"doctor": cardiologist.pk, "analysis": shared.id}
    ).content.decode()
    assert "Share with Grace Hopper" in confirm
    assert "Only this result" in confirm and "7 days" in confirm and "30 days" in confirm

    response = client.post(
        "/analyses/sharing/add/",
        {"doctor": cardiologist.pk, "analysis": shared.id, "scope": "one", "duration": "7d"},
        follow=True,
    )
    page = response.content.decode()
    assert "Grace Hopper can now see your result of" in page
    share = Share.objects.get()
    assert share.analysis_id == shared.id
    assert abs(share.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert "Only your" in page and "until" in page

    doctor = client.__class__()
    doctor.force_login(cardiologist)
    assert doctor.get(f"/analyses/{shared.id}/").status_code == 200
    assert doctor.get(f"/analyses/{shared.id}/review/").status_code == 200
    assert doctor.get(f"/analyses/{other.id}/").status_code == 404
    assert doctor.get(f"/analyses/{other.id}/review/").status_code == 404
    queue = doctor.get("/analyses/doctor/", {"state": "all"}).content.decode()
    assert str(shared.id) in queue and str(other.id) not in queue
    assert "one result of" in queue
    assert f"until {timezone.localtime(share.expires_at):%-d %b %Y}" in queue


def test_access_ends_at_the_expiry_on_pages_and_api(client, patient, cardiologist, two_results):
    shared, _ = two_results
    share = sharing_services.share_create(patient=patient, doctor=cardiologist, duration="30d")
    client.force_login(cardiologist)
    api = api_for(cardiologist)
    assert client.get(f"/analyses/{shared.id}/").status_code == 200
    assert api.get(f"/api/v1/analyses/{shared.id}/").status_code == 200
    assert len(api.get("/api/v1/reviews/queue/").json()) == 2

    expire(share)

    assert client.get(f"/analyses/{shared.id}/").status_code == 404
    assert client.get(f"/analyses/{shared.id}/review/").status_code == 404
    assert api.get(f"/api/v1/analyses/{shared.id}/").status_code == 404
    assert api.get("/api/v1/reviews/queue/").json() == []
    review = api.post(f"/api/v1/analyses/{shared.id}/review/", {"label": "NOR"}, format="json")
    assert review.status_code == 404
    queue = client.get("/analyses/doctor/").content.decode()
    assert "No patient shares with you yet" in queue


def test_sharing_again_after_expiry_opens_a_new_share_and_keeps_the_old_one_closed(
    patient, cardiologist
):
    first = sharing_services.share_create(patient=patient, doctor=cardiologist, duration="7d")
    expire(first)
    second = sharing_services.share_create(patient=patient, doctor=cardiologist)
    assert second.pk != first.pk and second.expires_at is None
    first.refresh_from_db()
    assert first.revoked_at is not None and not first.is_active
    assert list(Share.objects.active()) == [second]


def test_sharing_again_while_active_sets_the_new_end(patient, cardiologist):
    first = sharing_services.share_create(patient=patient, doctor=cardiologist, duration="7d")
    again = sharing_services.share_create(patient=patient, doctor=cardiologist, duration="30d")
    assert again.pk == first.pk
    assert again.expires_at - first.expires_at > timedelta(days=22)
    forever = sharing_services.share_create(patient=patient, doctor=cardiologist)
    assert forever.pk == first.pk and forever.expires_at is None


def test_a_patient_cannot_share_someone_elses_result(client, patient, other_patient, cardiologist):
    theirs = make_record_analysis(other_patient)
    client.force_login(patient)
    assert (
        client.get(
            "/analyses/sharing/new/", {"doctor": cardiologist.pk, "analysis": theirs.id}
        ).status_code
        == 404
    )
    response = client.post(
        "/analyses/sharing/add/",
        {"doctor": cardiologist.pk, "analysis": theirs.id, "scope": "one", "duration": "7d"},
    )
    assert response.status_code == 404
    api = api_for(patient)
    created = api.post(
        "/api/v1/shares/", {"doctor": cardiologist.pk, "analysis": str(theirs.id)}, format="json"
    )
    assert created.status_code == 404
    assert not Share.objects.exists()


def test_an_unknown_invitation_code_on_the_confirm_step_goes_back_with_a_message(client, patient):
    client.force_login(patient)
    response = client.get("/analyses/sharing/new/", {"code": "NOTACODE22"}, follow=True)
    assert "No doctor has this invitation code" in response.content.decode()
    assert not Share.objects.exists()


def test_the_api_shares_one_result_with_an_expiry_and_lists_it(patient, cardiologist, two_results):
    shared, other = two_results
    api = api_for(patient)
    created = api.post(
        "/api/v1/shares/",
        {"doctor": cardiologist.pk, "analysis": str(shared.id), "duration": "30d"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["analysis"] == str(shared.id) and body["expires_at"]
    listed = api.get("/api/v1/shares/").json()["results"]
    assert [s["analysis"] for s in listed] == [str(shared.id)]

    doctor = api_for(cardiologist)
    assert [item["id"] for item in doctor.get("/api/v1/reviews/queue/").json()] == [str(shared.id)]
    assert doctor.get(f"/api/v1/analyses/{other.id}/").status_code == 404
    refused = doctor.post(f"/api/v1/analyses/{other.id}/review/", {"label": "NOR"}, format="json")
    assert refused.status_code == 404

    bad = api.post(
        "/api/v1/shares/", {"doctor": cardiologist.pk, "duration": "forever"}, format="json"
    )
    assert bad.status_code == 400


def test_the_api_default_is_all_results_until_revoked(patient, cardiologist):
    created = api_for(patient).post("/api/v1/shares/", {"doctor": cardiologist.pk}, format="json")
    assert created.status_code == 201
    assert created.json()["analysis"] is None and created.json()["expires_at"] is None


def test_the_digest_of_a_one_result_share_announces_that_result_once(
    patient, cardiologist, two_results, mailoutbox
):
    shared, _ = two_results
    sharing_services.share_create(patient=patient, doctor=cardiologist, analysis=shared)
    assert sharing_services.doctor_digests_send() == 1
    assert "1 " in mailoutbox[-1].body
    make_record_analysis(patient)  # a later upload is not part of a one-result share
    assert sharing_services.doctor_digests_send() == 0


@pytest.mark.parametrize("url", ["/analyses/sharing/new/", "/analyses/sharing/"])
def test_the_sharing_steps_are_for_patients(client, cardiologist, url):
    query = {"doctor": cardiologist.pk}
    response = client.get(url, query)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(cardiologist)
    assert client.get(url, query).status_code == 403
