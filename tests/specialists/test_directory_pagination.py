"""The directory shows ten specialists a page and keeps the search across pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.specialists.factories import SpecialistFactory
from tests.specialists.test_directory_search import names

pytestmark = pytest.mark.django_db
URL = reverse("specialists:directory")


@pytest.fixture
def twenty_five():
    for n in range(25):
        SpecialistFactory(name=f"Dr Page {n:02d}", latitude=Decimal(n), longitude=Decimal(0))


def test_it_shows_ten_a_page_with_links_to_the_next(client, twenty_five):
    first = client.get(URL)
    assert names(first) == [f"Dr Page {n:02d}" for n in range(10)]
    assert "Page 1 of 3" in first.content.decode()
    assert "page=2" in first.content.decode()
    last = client.get(URL, {"page": 3})
    assert names(last) == [f"Dr Page {n:02d}" for n in range(20, 25)]


def test_page_links_keep_the_search(client, twenty_five):
    content = client.get(URL, {"lat": "24", "lon": "0"}).content.decode()
    assert "?lat=24&amp;lon=0&amp;page=2" in content
    second = client.get(URL, {"lat": "24", "lon": "0", "page": 2})
    assert names(second) == [f"Dr Page {n:02d}" for n in (14, 13, 12, 11, 10, 9, 8, 7, 6, 5)]


def test_a_page_out_of_range_shows_the_last_page(client, twenty_five):
    assert names(client.get(URL, {"page": 99}))[0] == "Dr Page 20"
    assert names(client.get(URL, {"page": "abc"}))[0] == "Dr Page 00"
