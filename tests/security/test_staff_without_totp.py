"""Administrators and staff without two-factor authentication see nobody else's data, on
any page, download or API endpoint (a fresh ``createsuperuser`` account is exactly that)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from tests.factories import AdminFactory, AnalysisFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/analyses/{id}/",
    "/analyses/{id}/status/",
    "/analyses/{id}/file/",
    "/analyses/{id}/report/",
    "/analyses/{id}/trace.json",
]


@pytest.fixture
def superuser_without_totp(db):
    return User.objects.create_superuser("root@example.org", "a-long-pass-2026")


@pytest.fixture
def administrator_without_totp(db):
    return AdminFactory()


@pytest.mark.parametrize("who", ["superuser_without_totp", "administrator_without_totp"])
@pytest.mark.parametrize("url", URLS)
def test_pages_and_files_stay_closed(request, client, patient, who, url):
    analysis = AnalysisFactory(recording__owner=patient)
    client.force_login(request.getfixturevalue(who))
    assert client.get(url.format(id=analysis.id)).status_code in (302, 404)


@pytest.mark.parametrize("who", ["superuser_without_totp", "administrator_without_totp"])
def test_the_api_stays_closed(request, patient, who):
    analysis = AnalysisFactory(recording__owner=patient)
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(who))
    assert api.get(f"/api/v1/analyses/{analysis.id}/").status_code == 404
    assert api.get("/api/v1/analyses/").json()["count"] == 0


def test_with_totp_the_administrator_sees_it(client, patient, administrator):
    analysis = AnalysisFactory(recording__owner=patient)
    assert administrator.role == Role.ADMIN
    client.force_login(administrator)
    assert client.get(f"/analyses/{analysis.id}/").status_code == 200
