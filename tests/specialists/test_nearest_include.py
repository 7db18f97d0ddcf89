"""The result page can show the three nearest specialists with one include."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from specialists.services import nearest_specialists
from tests.specialists.factories import SpecialistFactory

pytestmark = pytest.mark.django_db


def test_the_include_lists_the_nearest_with_distances_and_contact_links():
    for n, lat in enumerate(["51.50", "51.60", "52.50", "53.50"]):
        SpecialistFactory(name=f"Dr Near {n}", latitude=Decimal(lat), longitude=Decimal("0"))
    nearby = nearest_specialists(latitude=51.5, longitude=0.0)
    html = render_to_string(
        "specialists/_nearest.html", {"nearby": nearby, "specialty": "electrophysiology"}
    )
    assert html.index("Dr Near 0") < html.index("Dr Near 1") < html.index("Dr Near 2")
    assert "Dr Near 3" not in html
    assert ">11 km<" in html and ">111 km<" in html
    assert "tel:+442079460000" in html
    assert "/specialists/?specialty=electrophysiology" in html


def test_the_include_says_so_when_the_saved_place_is_unknown():
    # Any known place has listings at some distance; empty means the place was not found.
    html = render_to_string("specialists/_nearest.html", {"nearby": []})
    assert "could not find the place saved on your account" in html
    assert reverse("accounts:profile") in html
