"""The public directory searches by name and specialty, and sorts by distance from a place."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from specialists.models import Specialty
from tests.specialists.factories import SpecialistFactory

pytestmark = pytest.mark.django_db
URL = reverse("specialists:directory")


@pytest.fixture
def listings():
    SpecialistFactory(
        name="Dr Alice Heart",
        clinic="North Clinic",
        city="London",
        latitude=Decimal("51.5074"),
        longitude=Decimal("-0.1278"),
    )
    SpecialistFactory(
        name="Dr Bruno Rhythm",
        clinic="Rive Gauche Hospital",
        city="Paris",
        country="France",
        specialty=Specialty.ELECTROPHYSIOLOGY,
        latitude=Decimal("48.8566"),
        longitude=Decimal("2.3522"),
    )
    SpecialistFactory(
        name="Dr Carla Valve",
        clinic="South Clinic",
        city="Madrid",
        country="Spain",
        specialty=Specialty.CARDIAC_SURGERY,
        latitude=Decimal("40.4168"),
        longitude=Decimal("-3.7038"),
    )


def names(response) -> list[str]:
    return re.findall(
        r'class="h6 card-title mb-1 specialist-name">([^<]+)<', response.content.decode()
    )


def test_anyone_can_open_the_directory_without_signing_in(client, listings):
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["Dr Alice Heart", "Dr Bruno Rhythm", "Dr Carla Valve"]


def test_it_finds_by_part_of_a_name_or_clinic_in_any_case(client, listings):
    assert names(client.get(URL, {"q": "bruno"})) == ["Dr Bruno Rhythm"]
    assert names(client.get(URL, {"q": "SOUTH"})) == ["Dr Carla Valve"]


def test_it_filters_by_specialty(client, listings):
    assert names(client.get(URL, {"specialty": "electrophysiology"})) == ["Dr Bruno Rhythm"]


def test_an_old_city_link_now_sorts_from_that_city_in_any_case(client, listings):
    # ?city= was a filter before "Near" replaced it: old links now list everyone, that
    # city's specialists first.
    response = client.get(URL, {"city": "madrid"})
    assert names(response) == ["Dr Carla Valve", "Dr Bruno Rhythm", "Dr Alice Heart"]
    assert "Nearest first, from Madrid, Spain." in response.content.decode()


def test_an_unknown_specialty_is_ignored_rather_than_an_error(client, listings):
    response = client.get(URL, {"specialty": "<script>"})
    assert response.status_code == 200
    assert len(names(response)) == 3
    assert b"<script>" not in response.content


def test_a_city_typed_in_near_sorts_by_distance_from_it_and_shows_km(client, listings):
    response = client.get(URL, {"near": "Madrid, Spain"})
    assert names(response) == ["Dr Carla Valve", "Dr Bruno Rhythm", "Dr Alice Heart"]
    content = response.content.decode()
    assert "Nearest first, from Madrid, Spain." in content
    assert "1,053 km" in content  # Madrid to Paris


def test_my_location_sorts_by_distance_from_it(client, listings):
    response = client.get(URL, {"lat": "48.85", "lon": "2.35"})
    assert names(response) == ["Dr Bruno Rhythm", "Dr Alice Heart", "Dr Carla Valve"]
    assert "Nearest first, from your location." in response.content.decode()


def test_a_specialist_right_where_you_are_is_never_0_m_away(client, listings):
    content = client.get(URL, {"lat": "40.4168", "lon": "-3.7038"}).content.decode()
    assert ">10 m<" in content


def test_a_bad_location_is_ignored_with_a_message(client, listings):
    response = client.get(URL, {"lat": "95", "lon": "2.35"})
    assert response.status_code == 200
    assert names(response) == ["Dr Alice Heart", "Dr Bruno Rhythm", "Dr Carla Valve"]
    assert "That location could not be used" in response.content.decode()


def test_search_and_distance_combine(client, listings):
    response = client.get(URL, {"near": "Madrid, Spain", "q": "clinic"})
    assert names(response) == ["Dr Carla Valve", "Dr Alice Heart"]


def test_contact_details_are_one_tap_links_and_the_map_is_only_a_link(client):
    SpecialistFactory(
        name="Dr Tap",
        phone="+44 (0)20 7946-0001",
        email="tap@example.org",
        latitude=Decimal("51.5"),
        longitude=Decimal("-0.12"),
    )
    content = client.get(URL).content.decode()
    assert 'href="tel:+440207946000' in content
    assert 'href="mailto:tap@example.org"' in content
    assert "https://www.openstreetmap.org/?mlat=51.50000&amp;mlon=-0.12000" in content
    # No embedded maps or other third-party requests when the page loads.
    assert "<iframe" not in content
    assert not re.search(r'<(script|img|link)[^>]+(src|href)="https?://', content)


def test_demo_listings_are_marked(client):
    SpecialistFactory(name="Dr Ada Sample", is_demo=True)
    assert "Demo listing, not a real doctor" in client.get(URL).content.decode()


def test_a_website_that_is_not_a_web_address_is_never_a_link(client):
    # Saved past validation (e.g. by a script): still not rendered as a link.
    SpecialistFactory(name="Dr Script", website="javascript:alert(1)")
    assert "javascript:" not in client.get(URL).content.decode()
