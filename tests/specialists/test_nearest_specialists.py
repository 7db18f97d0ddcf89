"""Specialists come back nearest first, by great-circle distance, for other apps to use."""

from __future__ import annotations

from decimal import Decimal

import pytest

from specialists.geo import haversine_km
from specialists.models import Specialty
from specialists.services import (
    city_centre,
    nearest_specialists,
    nearest_specialists_to_city,
)
from tests.specialists.factories import SpecialistFactory

pytestmark = pytest.mark.django_db

PLACES = {
    # name: (latitude, longitude, city, country)
    "Dr London": ("51.507400", "-0.127800", "London", "United Kingdom"),
    "Dr Paris": ("48.856600", "2.352200", "Paris", "France"),
    "Dr Berlin": ("52.520000", "13.405000", "Berlin", "Germany"),
    "Dr New York": ("40.712800", "-74.006000", "New York", "United States"),
    "Dr Sydney": ("-33.868800", "151.209300", "Sydney", "Australia"),
}


@pytest.fixture
def world():
    return {
        name: SpecialistFactory(
            name=name, latitude=Decimal(lat), longitude=Decimal(lon), city=city, country=country
        )
        for name, (lat, lon, city, country) in PLACES.items()
    }


def test_haversine_matches_known_distances():
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=1.0)
    assert haversine_km(40.7128, -74.0060, 51.5074, -0.1278) == pytest.approx(5570, rel=0.005)
    assert haversine_km(10, 20, 10, 20) == 0
    # Across the antimeridian the short way round is used.
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(111.2, abs=0.5)


def test_it_orders_by_distance_from_a_point(world):
    # Brussels: Paris (~264 km) is nearer than London (~320 km), then Berlin (~650 km).
    nearby = nearest_specialists(latitude=50.8503, longitude=4.3517, limit=3)
    assert [item.specialist.name for item in nearby] == ["Dr Paris", "Dr London", "Dr Berlin"]
    assert nearby[0].distance_km == pytest.approx(264, abs=3)
    assert nearby[1].distance_km == pytest.approx(320, abs=3)


def test_the_default_limit_is_three_and_none_returns_everyone(world):
    assert len(nearest_specialists(latitude=0, longitude=0)) == 3
    everyone = nearest_specialists(latitude=-30, longitude=150, limit=None)
    assert len(everyone) == 5
    assert everyone[0].specialist.name == "Dr Sydney"
    distances = [item.distance_km for item in everyone if item.distance_km is not None]
    assert len(distances) == 5 and distances == sorted(distances)


def test_it_can_keep_to_one_specialty(world):
    SpecialistFactory(
        name="Dr Rhythm",
        specialty=Specialty.ELECTROPHYSIOLOGY,
        latitude=Decimal("-33.0"),
        longitude=Decimal("151.0"),
    )
    nearby = nearest_specialists(
        latitude=51.5, longitude=-0.12, specialty=Specialty.ELECTROPHYSIOLOGY
    )
    assert [item.specialist.name for item in nearby] == ["Dr Rhythm"]


def test_a_city_uses_the_mean_position_of_its_specialists(world):
    SpecialistFactory(
        name="Dr Paris Two",
        city="Paris",
        country="France",
        latitude=Decimal("48.8766"),
        longitude=Decimal("2.3722"),
    )
    centre = city_centre(city="paris")
    assert centre is not None and centre.count == 2
    assert centre.latitude == pytest.approx(48.8666)
    assert centre.longitude == pytest.approx(2.3622)
    assert city_centre(city="Paris, France") == centre
    assert city_centre(city="Paris", country="Germany") is None


def test_nearest_to_a_city_starts_in_that_city(world):
    nearby = nearest_specialists_to_city(city="Berlin", limit=2)
    assert [item.specialist.name for item in nearby] == ["Dr Berlin", "Dr Paris"]
    # Measured from GeoNames' point for Berlin, 600 m from the listing's.
    assert nearby[0].distance_km == pytest.approx(0.6, abs=0.1)


def test_an_unknown_city_gives_no_specialists_rather_than_an_error(world):
    assert nearest_specialists_to_city(city="Xyzzyville") == []
