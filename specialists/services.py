"""Specialists and conditions: the import (a write) and the look-ups other apps call.

For other apps (the result page):

- ``nearest_specialists(latitude=..., longitude=..., limit=3)`` and
  ``nearest_specialists_to_city(city=..., country=..., limit=3)`` return ``NearbySpecialist``
  items, nearest first, ready for the ``specialists/_nearest.html`` include; the city is any
  city or town in the gazetteer (``specialists.gazetteer``), whether or not the directory
  lists anyone there;
- ``condition_for_class("PVC")`` returns the page about a beat type, or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, Count

from specialists import importing
from specialists.gazetteer import Place, PlaceMatch, Suggestion, gazetteer
from specialists.geo import haversine_km
from specialists.models import BeatClass, Condition, Specialist, natural_key


@dataclass(frozen=True)
class NearbySpecialist:
    """A directory entry and how far it is, in kilometres, from the point asked about."""

    specialist: Specialist
    distance_km: float | None = None


@dataclass(frozen=True)
class CityCentre:
    """A city in the directory, placed at the mean position of its specialists."""

    city: str
    country: str
    latitude: float
    longitude: float
    count: int

    @property
    def label(self) -> str:
        return f"{self.city}, {self.country}"


@dataclass(frozen=True)
class DistanceOrigin:
    """Where distances are measured from, and how the page names it."""

    label: str  # "your location", "Birmingham, United Kingdom"
    latitude: float
    longitude: float
    # Another place the typed name could mean ("Birmingham, Alabama, United States").
    alternative: str = ""


@dataclass
class ImportReport:
    """What ``specialists_import`` did. ``file_error`` set means nothing was looked at."""

    created: int = 0
    rejected: list[importing.RejectedRow] = field(default_factory=list)
    file_error: str = ""
    partial: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.rejected

    def lines(self) -> list[str]:
        """The report as lines of text, for the command and the import page."""
        if self.file_error:
            return [f"Nothing imported. {self.file_error}"]
        out = [f"Imported {self.created} specialist(s)."]
        if self.rejected:
            if self.partial:
                out.append(f"Skipped {len(self.rejected)} row(s) with problems:")
            else:
                out = [
                    f"Nothing imported: {len(self.rejected)} row(s) have problems. Fix them and "
                    "import the file again, or use --partial to import the good rows only."
                ]
            for row in self.rejected:
                out.append(f"  line {row.line}: {'; '.join(row.reasons)}")
        return out


@transaction.atomic
def specialists_import(
    *, data: bytes, partial: bool = False, is_demo: bool = False
) -> ImportReport:
    """Import specialists from a CSV file's bytes (format: ``specialists.importing``).

    Every row is checked first: required fields, numbers and ranges, email and web
    address, a known specialty, and duplicates of the natural key (name, clinic, city,
    any case) within the file and against the database. Without ``partial`` one bad row
    means nothing is saved; with it the good rows are saved and the bad ones reported.
    """
    report = ImportReport(partial=partial)
    existing = {
        natural_key(name, clinic, city)
        for name, clinic, city in Specialist.objects.values_list("name", "clinic", "city")
    }
    try:
        parsed = importing.parse(data, existing_keys=existing)
    except importing.ImportFileError as error:
        report.file_error = str(error)
        return report
    report.rejected = parsed.rejected
    if parsed.rejected and not partial:
        return report
    for _line, specialist in parsed.valid:
        specialist.is_demo = is_demo
    Specialist.objects.bulk_create([specialist for _line, specialist in parsed.valid])
    report.created = len(parsed.valid)
    return report


def nearest_specialists(
    *,
    latitude: float,
    longitude: float,
    limit: int | None = 3,
    specialty: str | None = None,
    text: str = "",
    city: str = "",
) -> list[NearbySpecialist]:
    """Specialists sorted by great-circle distance from a point, nearest first.

    ``limit=None`` returns them all (the directory pages through them). Distances are
    computed in Python, so the same code serves SQLite and PostgreSQL; a directory of a
    few thousand rows takes milliseconds.
    """
    queryset = Specialist.objects.listed().matching(text=text, specialty=specialty or "", city=city)
    items = [
        NearbySpecialist(
            specialist=s,
            distance_km=haversine_km(latitude, longitude, float(s.latitude), float(s.longitude)),
        )
        for s in queryset
    ]
    items.sort(key=lambda item: (item.distance_km, item.specialist.name))
    return items if limit is None else items[:limit]


def city_centres() -> list[CityCentre]:
    """Every city in the directory, sorted by name (the "Near" box's first suggestions)."""
    rows = (
        Specialist.objects.values("city", "country")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("pk"))
        .order_by("city", "country")
    )
    return [
        CityCentre(
            city=row["city"],
            country=row["country"],
            latitude=float(row["lat"]),
            longitude=float(row["lon"]),
            count=row["n"],
        )
        for row in rows
    ]


def city_centre(*, city: str, country: str | None = None) -> CityCentre | None:
    """The directory's centre of ``city`` ("Lyon", or a label "Lyon, France"), any case."""
    wanted = city.strip().lower()
    wanted_country = (country or "").strip().lower()
    for centre in city_centres():
        if centre.label.lower() == wanted:
            return centre
        if centre.city.lower() == wanted and wanted_country in ("", centre.country.lower()):
            return centre
    return None


# Longer text is not a place name; it is not looked up.
MAX_PLACE_TEXT = 100


def find_place(*, text: str, country: str | None = None) -> PlaceMatch | None:
    """The city or town someone typed ("Birmingham", "Birmingham, GB"), in ``country`` if given.

    Any place in the gazetteer (GeoNames, 5,000 people or more; see ``specialists.gazetteer``
    for how names are matched); else a city of the directory's own listings, at the mean
    position of its specialists (a village too small for the gazetteer); else ``None``.
    """
    text = text.strip()[:MAX_PLACE_TEXT]
    if not text:
        return None
    match = gazetteer().find(text, country)
    if match is not None:
        return match
    centre = city_centre(city=text, country=country)
    if centre is None:
        return None
    return PlaceMatch(
        place=Place(
            name=centre.city,
            country=centre.country,
            latitude=centre.latitude,
            longitude=centre.longitude,
        )
    )


def place_suggestions(*, text: str, limit: int = 10) -> list[Suggestion]:
    """Type-ahead: places whose name starts with ``text``, largest first (at least two letters)."""
    return gazetteer().suggest(text[:MAX_PLACE_TEXT], limit=limit)


def distance_origin(
    *, near: str = "", latitude: float | None = None, longitude: float | None = None
) -> DistanceOrigin | None:
    """Where the directory measures distances from: the browser's location if given, else
    the place typed in "Near"; ``None`` if neither (or the place is unknown)."""
    if latitude is not None and longitude is not None:
        return DistanceOrigin(label="your location", latitude=latitude, longitude=longitude)
    match = find_place(text=near)
    if match is None:
        return None
    return DistanceOrigin(
        label=match.place.label,
        latitude=match.place.latitude,
        longitude=match.place.longitude,
        alternative=match.alternative.label if match.alternative else "",
    )


def nearest_specialists_to_city(
    *, city: str, country: str | None = None, limit: int | None = 3, specialty: str | None = None
) -> list[NearbySpecialist]:
    """Like ``nearest_specialists``, from a city or town (``find_place``), however far the
    nearest listings are; empty only if the place is unknown."""
    match = find_place(text=city, country=country)
    if match is None:
        return []
    return nearest_specialists(
        latitude=match.place.latitude,
        longitude=match.place.longitude,
        limit=limit,
        specialty=specialty,
    )


def condition_for_class(code: str) -> Condition | None:
    """The published page for a model class code (``"PVC"``), or ``None``."""
    code = (code or "").strip().upper()
    if code not in BeatClass.values:
        return None
    return Condition.objects.published().filter(class_code=code).first()
