"""`make run` shows clearly marked sample specialists in several cities."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from specialists.models import Specialist
from specialists.services import city_centres, nearest_specialists_to_city

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_load_demo_adds_marked_sample_specialists_once():
    call_command("load_demo")
    call_command("load_demo")
    demo = Specialist.objects.filter(is_demo=True)
    assert 15 <= demo.count() <= 25
    assert demo.count() == Specialist.objects.count()
    assert len(city_centres()) >= 6
    assert len({c.country for c in city_centres()}) >= 4
    for specialist in demo:
        assert "Sample" in specialist.name and "Sample" in specialist.clinic
        assert specialist.email.endswith("@example.org")
        assert " 555 " in specialist.phone
        specialist.full_clean()


@override_settings(DEBUG=True)
def test_a_demo_cardiologist_is_nearest_to_each_demo_city():
    call_command("load_demo")
    for centre in city_centres():
        nearest = nearest_specialists_to_city(city=centre.label, limit=1, specialty="cardiology")
        assert nearest[0].specialist.city == centre.city
