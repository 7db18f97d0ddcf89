"""Specialists and conditions: the import (a write) and the look-ups other apps call.

For other apps (the result page):

- ``nearest_specialists(latitude=..., longitude=..., limit=3)`` and
  ``nearest_specialists_to_city(city=..., limit=3)`` return ``NearbySpecialist`` items,
  nearest first, ready for the ``specialists/_nearest.html`` include;
- ``condition_for_class("PVC")`` returns the page about a beat type, or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, Count

from specialists import importing
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
    """Every city in the directory, for the "near a city" choice, sorted by name."""
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


def nearest_specialists_to_city(
    *, city: str, country: str | None = None, limit: int | None = 3, specialty: str | None = None
) -> list[NearbySpecialist]:
    """Like ``nearest_specialists``, from a city's centre; empty if the city is unknown."""
    centre = city_centre(city=city, country=country)
    if centre is None:
        return []
    return nearest_specialists(
        latitude=centre.latitude, longitude=centre.longitude, limit=limit, specialty=specialty
    )


def condition_for_class(code: str) -> Condition | None:
    """The published page for a model class code (``"PVC"``), or ``None``."""
    code = (code or "").strip().upper()
    if code not in BeatClass.values:
        return None
    return Condition.objects.published().filter(class_code=code).first()
