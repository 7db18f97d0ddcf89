"""The public pages, the navigation per role, and the error pages."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse


@pytest.mark.django_db
def test_home_says_what_the_site_is_and_that_it_is_not_a_diagnosis(client):
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert b"screening aid, not a diagnosis" in page.content
    assert b"/static/vendor/bootstrap/bootstrap.min.css" in page.content
    assert b"cdn" not in page.content.lower()
    assert b'name="viewport"' in page.content


@pytest.mark.django_db
def test_about_explains_what_the_site_does_not_do(client):
    page = client.get(reverse("about"))
    assert page.status_code == 200
    assert b"It does not diagnose you" in page.content


@pytest.mark.django_db
def test_navigation_shows_what_each_role_can_do(client, patient, doctor, administrator):
    client.force_login(patient)
    content = client.get(reverse("home")).content
    assert b"Review queue" not in content and b"Administration" not in content
    client.force_login(doctor)
    content = client.get(reverse("home")).content
    assert b"Review queue" in content and b"Administration" not in content
    client.force_login(administrator)
    content = client.get(reverse("home")).content
    assert b"Administration" in content


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_page_is_friendly(client):
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert b"We could not find that page" in page.content


@pytest.mark.django_db
def test_403_page_is_friendly(client, patient):
    client.force_login(patient)
    page = client.get(reverse("accounts:staff_home"))
    assert page.status_code == 403
    assert b"You do not have access to this page" in page.content


def test_500_page_renders_without_a_request_context(rf):
    from ecgsite.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Nothing you uploaded has been lost" in response.content


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith(".svg")
