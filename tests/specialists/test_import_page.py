"""Administrators can import a CSV file from a page; nobody else can open it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from specialists.models import Specialist
from tests.specialists.csv_helpers import csv_bytes, row

pytestmark = pytest.mark.django_db
URL = reverse("specialists:import")


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("specialists.csv", data, content_type="text/csv")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_patients_and_doctors_are_refused(client, patient, doctor):
    for user in (patient, doctor):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_an_administrator_imports_and_sees_the_report(client, administrator):
    client.force_login(administrator)
    response = client.post(
        URL, {"file": upload(csv_bytes(row(), row(name="Dr Bad", latitude="x")))}
    )
    content = response.content.decode()
    assert "Nothing imported: 1 row(s) have problems" in content
    assert "line 3: latitude &#x27;x&#x27; is not a number" in content
    assert not Specialist.objects.exists()

    response = client.post(
        URL,
        {"file": upload(csv_bytes(row(), row(name="Dr Bad", latitude="x"))), "partial": "on"},
    )
    assert "Imported 1 specialist(s)." in response.content.decode()
    assert Specialist.objects.count() == 1


def test_the_administration_home_links_to_the_import_page(client, administrator):
    client.force_login(administrator)
    assert URL in client.get(reverse("accounts:staff_home")).content.decode()
