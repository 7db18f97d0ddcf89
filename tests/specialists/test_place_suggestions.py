"""GET /specialists/places/?q= gives the "Near" box up to ten places as JSON, largest first."""

from __future__ import annotations

import pytest
from django.urls import reverse

URL = reverse("specialists:places")


def results(client, q: str | None):
    response = client.get(URL, {} if q is None else {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def test_anyone_gets_matching_places_largest_first(client):
    found = results(client, "birm")
    assert found[0] == {
        "label": "Birmingham, United Kingdom",
        "name": "Birmingham",
        "country": "United Kingdom",
        "population": found[0]["population"],
        "matched": "birmingham",
    }
    populations = [place["population"] for place in found if place["matched"].startswith("birm")]
    assert populations == sorted(populations, reverse=True)


def test_at_most_ten_places_come_back(client):
    assert len(results(client, "san")) == 10


def test_accents_do_not_matter_and_the_matched_name_comes_along(client):
    first = results(client, "zur")[0]
    assert first["label"] == "Zürich, Switzerland"
    assert first["matched"] == "zurich"


@pytest.mark.parametrize("q", [None, "", "b", "  "])
def test_a_short_or_empty_query_gives_an_empty_list(client, q):
    assert results(client, q) == []


def test_a_long_or_odd_query_is_no_error(client):
    assert results(client, "x" * 5000) == []
    assert results(client, "<script>") == []


def test_only_get_is_allowed(client):
    assert client.post(URL, {"q": "birm"}).status_code == 405
