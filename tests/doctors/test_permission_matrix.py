"""Who sees a patient's analysis once doctors and shares are in play: every page, download
and API endpoint for anonymous / owner / other patient / doctor with and without a share
(and with a revoked share, and without TOTP) / administrator. Without a share: 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from diagnosis.models import Share
from tests.factories import DoctorFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/analyses/{id}/",
    "/analyses/{id}/status/",
    "/analyses/{id}/file/",
    "/analyses/{id}/report/",
    "/analyses/{id}/trace.json",
]
API = "/api/v1/analyses/{id}/"

EVERYONE = {
    "patient",
    "other_patient",
    "doctor_with_share",
    "doctor_without_share",
    "administrator",
}

CAST = [
    ("patient", 200),
    ("other_patient", 404),
    ("doctor_with_share", 200),
    ("doctor_without_share", 404),
    ("doctor_with_revoked_share", 404),
    ("doctor_with_expired_share", 404),
    ("doctor_with_a_share_of_another_result", 404),
    ("doctor_with_share_but_no_totp", 404),
    ("administrator", 200),
]


@pytest.fixture
def doctor_with_revoked_share(patient):
    from tests.conftest import enable_totp

    doctor = enable_totp(DoctorFactory())
    Share.objects.create(patient=patient, doctor=doctor, revoked_at=timezone.now())
    return doctor


@pytest.fixture
def doctor_with_expired_share(patient):
    from tests.conftest import enable_totp

    doctor = enable_totp(DoctorFactory())
    Share.objects.create(
        patient=patient, doctor=doctor, expires_at=timezone.now() - timedelta(seconds=1)
    )
    return doctor


@pytest.fixture
def doctor_with_a_share_of_another_result(patient):
    from tests.conftest import enable_totp
    from tests.doctors.conftest import make_record_analysis

    doctor = enable_totp(DoctorFactory())
    Share.objects.create(patient=patient, doctor=doctor, analysis=make_record_analysis(patient))
    return doctor


@pytest.fixture
def doctor_with_share_but_no_totp(patient):
    doctor = DoctorFactory()
    Share.objects.create(patient=patient, doctor=doctor)
    return doctor


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("who", "expected"), CAST)
def test_pages_and_downloads_open_to_a_doctor_only_with_a_share(
    client, record_analysis, request, url, who, expected
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url.format(id=record_analysis.id)).status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), *CAST])
def test_the_api_detail_opens_to_a_doctor_only_with_a_share_and_totp(
    record_analysis, request, who, expected
):
    api = APIClient()
    if who != "anonymous":
        api.force_authenticate(request.getfixturevalue(who))
    assert api.get(API.format(id=record_analysis.id)).status_code == expected


def test_the_api_list_of_a_doctor_holds_only_their_own_uploads(record_analysis, doctor_with_share):
    api = APIClient()
    api.force_authenticate(doctor_with_share)
    assert api.get("/api/v1/analyses/").json()["results"] == []


def test_a_sharing_doctor_cannot_delete_the_patients_upload(
    client, record_analysis, doctor_with_share
):
    client.force_login(doctor_with_share)
    assert client.post(f"/analyses/{record_analysis.id}/delete/").status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("patient", 403),
        ("other_patient", 403),
        ("doctor_with_share", 200),
        ("doctor_without_share", 404),
        ("doctor_with_revoked_share", 404),
        ("doctor_with_expired_share", 404),
        ("doctor_with_a_share_of_another_result", 404),
        ("administrator", 403),
    ],
)
def test_the_review_page_opens_only_to_the_sharing_doctor(
    client, record_analysis, request, who, expected
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/analyses/{record_analysis.id}/review/")
    assert response.status_code == expected


def test_the_review_page_sends_a_doctor_without_totp_to_set_it_up(
    client, record_analysis, doctor_with_share_but_no_totp
):
    client.force_login(doctor_with_share_but_no_totp)
    response = client.get(f"/analyses/{record_analysis.id}/review/")
    assert response.status_code == 302
    assert "totp" in response.url


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/analyses/sharing/", {"patient", "other_patient"}),
        ("/analyses/doctor/", {"doctor_with_share", "doctor_without_share"}),
        ("/analyses/access-log/", EVERYONE),
        ("/analyses/access-log/export.csv?reason=audit", {"administrator"}),
    ],
)
@pytest.mark.parametrize(
    "who",
    ["patient", "other_patient", "doctor_with_share", "doctor_without_share", "administrator"],
)
def test_each_area_opens_to_its_role_and_is_forbidden_to_the_others(
    client, record_analysis, request, url, allowed, who
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == (200 if who in allowed else 403)


@pytest.mark.parametrize(
    "url",
    [
        "/analyses/sharing/",
        "/analyses/doctor/",
        "/analyses/access-log/",
        "/analyses/access-log/export.csv",
        "/analyses/{id}/review/",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, record_analysis, url):
    response = client.get(url.format(id=record_analysis.id))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
