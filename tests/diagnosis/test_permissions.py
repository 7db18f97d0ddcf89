"""Who sees what: every page, download and API endpoint, for every kind of user.

Someone else's analysis is a 404 (its existence is not disclosed); anonymous users are sent
to log in (pages) or get 401/403 (API).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/analyses/{id}/",
    "/analyses/{id}/status/",
    "/analyses/{id}/file/",
    "/analyses/{id}/report/",
    "/analyses/{id}/trace.json",
]
API = ["/api/v1/analyses/{id}/"]


@pytest.fixture
def owned(patient):
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient))
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(1250, dtype=np.float16))
    analysis.trace.save("t.npy", ContentFile(buffer.getvalue()))
    return analysis


def viewer(name, request):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [("patient", 200), ("other_patient", 404), ("doctor", 404), ("administrator", 200)],
)
def test_pages_and_downloads(client, owned, request, url, who, expected):
    client.force_login(viewer(who, request))
    assert client.get(url.format(id=owned.id)).status_code == expected


@pytest.mark.parametrize("url", [*PAGES, "/analyses/", "/analyses/upload/"])
def test_anonymous_visitors_are_sent_to_login(client, owned, url):
    response = client.get(url.format(id=owned.id))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("url", API)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("patient", 200),
        ("other_patient", 404),
        ("doctor", 404),
        ("administrator", 200),
    ],
)
def test_api_detail(owned, request, url, who, expected):
    api = APIClient()
    user = viewer(who, request)
    if user:
        api.force_authenticate(user)
    assert api.get(url.format(id=owned.id)).status_code == expected


@pytest.mark.parametrize("who", ["patient", "other_patient", "doctor", "administrator"])
def test_history_and_api_list_show_only_your_own_uploads(client, owned, request, who):
    user = viewer(who, request)
    client.force_login(user)
    page = client.get("/analyses/").content.decode()
    api = APIClient()
    api.force_authenticate(user)
    ids = [row["id"] for row in api.get("/api/v1/analyses/").json()["results"]]
    mine = who == "patient"
    assert (f"/analyses/{owned.id}/" in page) is mine
    assert (str(owned.id) in ids) is mine


@pytest.mark.parametrize(
    ("who", "expected"), [("other_patient", 404), ("doctor", 404), ("administrator", 404)]
)
def test_only_the_owner_can_delete(client, owned, request, who, expected):
    client.force_login(viewer(who, request))
    assert client.post(f"/analyses/{owned.id}/delete/").status_code == expected
    owned.refresh_from_db()


def test_the_owner_can_delete(client, owned, patient):
    client.force_login(patient)
    assert client.post(f"/analyses/{owned.id}/delete/").status_code == 302


def test_anonymous_cannot_upload_through_the_api(beat_image):
    response = APIClient().post("/api/v1/analyses/", {"file": beat_image}, format="multipart")
    assert response.status_code == 401


def test_delete_needs_post(client, owned, patient):
    client.force_login(patient)
    assert client.get(f"/analyses/{owned.id}/delete/").status_code == 405
