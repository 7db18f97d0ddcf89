"""A result links to its condition page and to the nearest specialists."""

from __future__ import annotations

import pytest

from specialists.demo import demo_specialists_load
from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db


def test_a_result_links_to_the_condition_page_of_its_class(client, patient):
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient), label="PVC")
    client.force_login(patient)
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="condition-link"' in html
    assert 'href="/conditions/' in html
    condition_url = html.split('id="condition-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert client.get(condition_url).status_code == 200


def test_the_three_nearest_specialists_to_the_saved_city_are_shown(client, patient):
    demo_specialists_load()
    from specialists.services import nearest_specialists_to_city

    city_specialists = nearest_specialists_to_city(city="Lyon")
    assert city_specialists, "the demo data has specialists in Lyon"
    patient.city, patient.country = "Lyon", ""
    patient.save()
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient))
    client.force_login(patient)
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "Heart specialists near Lyon" in html
    names = [item.specialist.name for item in city_specialists[:3]]
    positions = [html.index(name) for name in names]
    assert positions == sorted(positions)


def test_without_a_saved_city_the_result_points_to_the_directory(client, patient):
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient))
    client.force_login(patient)
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="specialists-link"' in html
    assert "/specialists/" in html


def test_a_patient_saves_their_city_on_the_account_page(client, patient):
    client.force_login(patient)
    response = client.post(
        "/account/profile/", {"full_name": "Pat", "city": "Lyon", "country": "France"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.city, patient.country) == ("Lyon", "France")


def test_a_saved_city_without_listings_shows_the_nearest_elsewhere_with_distances(client, patient):
    from decimal import Decimal

    from tests.specialists.factories import SpecialistFactory

    SpecialistFactory(
        name="Dr Manchester Near",
        city="Manchester",
        latitude=Decimal("53.4808"),
        longitude=Decimal("-2.2426"),
    )
    patient.city, patient.country = "Birmingham", "United Kingdom"
    patient.save()
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient))
    client.force_login(patient)
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert "Heart specialists near Birmingham" in html
    assert "Dr Manchester Near" in html
    assert ">113 km<" in html
