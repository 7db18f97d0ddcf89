"""One search form: "Near (city or town)" sorts the directory from any place, however far."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from specialists.models import Specialty
from specialists.services import nearest_specialists_to_city
from tests.specialists.factories import SpecialistFactory
from tests.specialists.test_directory_search import names

pytestmark = pytest.mark.django_db
URL = reverse("specialists:directory")


@pytest.fixture
def manchester_and_london():
    """No one in Birmingham: the nearest are in Manchester (~113 km) and London (~163 km)."""
    SpecialistFactory(
        name="Dr Manchester",
        city="Manchester",
        latitude=Decimal("53.480800"),
        longitude=Decimal("-2.242600"),
    )
    SpecialistFactory(
        name="Dr London",
        specialty=Specialty.ELECTROPHYSIOLOGY,
        latitude=Decimal("51.507400"),
        longitude=Decimal("-0.127800"),
    )


def distances(response) -> list[str]:
    return re.findall(r'title="Straight-line distance">([^<]+)<', response.content.decode())


def test_a_town_with_no_listings_gets_the_nearest_with_their_distance(
    client, manchester_and_london
):
    response = client.get(URL, {"near": "Birmingham, GB"})
    assert names(response) == ["Dr Manchester", "Dr London"]
    content = response.content.decode()
    assert "Nearest first, from Birmingham, United Kingdom." in content
    manchester_km, london_km = (int(d.removesuffix(" km")) for d in distances(response))
    assert 110 <= manchester_km <= 125
    assert 155 <= london_km <= 170


def test_the_nearest_are_listed_however_far_away(client, manchester_and_london):
    response = client.get(URL, {"near": "Sydney, Australia"})
    assert names(response) == ["Dr London", "Dr Manchester"]
    far = [int(d.removesuffix(" km").replace(",", "")) for d in distances(response)]
    assert len(far) == 2 and 16_900 < far[0] <= far[1] < 17_100


def test_a_name_alone_says_which_place_it_used_and_offers_the_other(client, manchester_and_london):
    content = client.get(URL, {"near": "birmingham", "specialty": "cardiology"}).content.decode()
    assert "Nearest first, from Birmingham, United Kingdom." in content
    other = re.search(r'id="other-place">.*?<a href="\?([^"]+)">([^<]+)</a>', content)
    assert other is not None
    assert other.group(2) == "Birmingham, Alabama, United States"
    assert "near=Birmingham%2C+Alabama%2C+United+States" in other.group(1)
    assert "specialty=cardiology" in other.group(1)


def test_a_country_chooses_the_place(client, manchester_and_london):
    content = client.get(URL, {"near": "Birmingham, United States"}).content.decode()
    assert "Nearest first, from Birmingham, Alabama, United States." in content
    # The other place offered is another American Birmingham, not the British one.
    other = content.split('id="other-place"')[1].split("</p>")[0]
    assert "United States</a>" in other and "United Kingdom" not in other


def test_accents_are_optional(client):
    SpecialistFactory(
        name="Dr Zurich", city="Zürich", latitude=Decimal("47.37"), longitude=Decimal("8.54")
    )
    content = client.get(URL, {"near": "zurich"}).content.decode()
    assert "Nearest first, from Zürich, Switzerland." in content


def test_an_unknown_place_is_said_plainly_and_everyone_is_still_listed(
    client, manchester_and_london
):
    response = client.get(URL, {"near": "Xyzzyville"})
    content = response.content.decode()
    assert "We could not find “Xyzzyville”. Try the nearest town and its country" in content
    assert 'id="sort-origin"' not in content
    assert names(response) == ["Dr London", "Dr Manchester"]


def test_an_unknown_place_is_shown_escaped(client):
    content = client.get(URL, {"near": "<b>Nowhere</b>"}).content.decode()
    assert "We could not find “&lt;b&gt;Nowhere&lt;/b&gt;”" in content


def test_near_combines_with_name_and_specialty(client, manchester_and_london):
    assert names(client.get(URL, {"near": "Birmingham, GB", "specialty": "electrophysiology"})) == [
        "Dr London"
    ]
    assert names(client.get(URL, {"near": "Birmingham, GB", "q": "london"})) == ["Dr London"]


def test_a_village_known_only_to_the_directory_uses_its_listings(client):
    SpecialistFactory(
        name="Dr Tiny", city="Xyzzyville", latitude=Decimal("10.0"), longitude=Decimal("10.0")
    )
    SpecialistFactory(name="Dr Far", latitude=Decimal("50.0"), longitude=Decimal("10.0"))
    response = client.get(URL, {"near": "xyzzyville"})
    assert names(response) == ["Dr Tiny", "Dr Far"]
    assert "Nearest first, from Xyzzyville, United Kingdom." in response.content.decode()


def test_the_page_has_one_search_form_with_a_near_box_and_one_search_button(client):
    content = client.get(URL).content.decode()
    assert content.count("<form") == 1 + content.count('action="/accounts/logout/"')
    form = content[content.index('id="directory-search"') : content.index("</form>")]
    assert form.count('type="submit"') == 1
    assert re.search(r'<label[^>]*for="id_near">Near \(city or town\)</label>', form)
    near = re.search(r'<input[^>]*name="near"[^>]*>', form)
    assert near is not None
    assert 'list="place-suggestions"' in near.group(0)
    assert 'data-place-suggest="/specialists/places/"' in near.group(0)
    assert '<datalist id="place-suggestions">' in form
    # The old city filter and city select are gone; "Use my location" stays.
    assert '<select class="form-select" name="near"' not in form
    assert 'name="city"' not in form
    assert 'id="near-me"' in form
    # The type-ahead is a file under static/ (the CSP allows no inline script).
    assert '<script src="/static/js/place-suggest.js"></script>' in content
    assert not re.search(r"<script>|\son[a-z]+=", content)


def test_without_javascript_the_box_suggests_the_directory_cities(client, manchester_and_london):
    datalist = client.get(URL).content.decode().split('<datalist id="place-suggestions">')[1]
    datalist = datalist.split("</datalist>")[0]
    assert '<option value="London, United Kingdom">' in datalist
    assert '<option value="Manchester, United Kingdom">' in datalist


def test_the_page_credits_geonames(client):
    content = client.get(URL).content.decode()
    credit = content[content.index('id="place-data-credit"') :].split("</p>")[0]
    assert "https://www.geonames.org/" in credit and "CC BY 4.0" in credit


def test_page_links_keep_the_place(client):
    for n in range(12):
        SpecialistFactory(name=f"Dr Page {n:02d}", latitude=Decimal(n), longitude=Decimal(0))
    content = client.get(URL, {"near": "Lagos, Nigeria"}).content.decode()
    assert "?near=Lagos%2C+Nigeria&amp;page=2" in content


def test_the_result_page_service_uses_any_city_with_its_country(manchester_and_london):
    nearby = nearest_specialists_to_city(city="Birmingham", country="United Kingdom")
    assert [item.specialist.name for item in nearby] == ["Dr Manchester", "Dr London"]
    assert nearby[0].distance_km == pytest.approx(113, abs=5)
    # Same name, other country: still the nearest listings, thousands of km away.
    american = nearest_specialists_to_city(city="Birmingham", country="United States")
    assert [item.specialist.name for item in american] == ["Dr Manchester", "Dr London"]
    assert american[0].distance_km == pytest.approx(6740, abs=50)
    assert nearest_specialists_to_city(city="Xyzzyville", country="France") == []
