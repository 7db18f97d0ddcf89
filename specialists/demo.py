"""Sample specialists for ``make run`` (``load_demo``). Fictitious people, real city centres.

Every entry is ``is_demo=True``, has "Sample" in its clinic name, an example.org email
and a 555 phone number, and the directory shows it with a "Demo listing" badge.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from specialists.models import Specialist, Specialty

# (city, country, latitude, longitude, dialling prefix) - city-centre coordinates.
CITIES = {
    "London": ("United Kingdom", "51.507400", "-0.127800", "+44"),
    "Manchester": ("United Kingdom", "53.480800", "-2.242600", "+44"),
    "Paris": ("France", "48.856600", "2.352200", "+33"),
    "Lyon": ("France", "45.764000", "4.835700", "+33"),
    "Berlin": ("Germany", "52.520000", "13.405000", "+49"),
    "Madrid": ("Spain", "40.416800", "-3.703800", "+34"),
    "New York": ("United States", "40.712800", "-74.006000", "+1"),
    "Toronto": ("Canada", "43.653200", "-79.383200", "+1"),
}

# (name, specialty, city, offset north in 1/1000 degree, offset east, languages, accepting)
PEOPLE = [
    ("Dr Ada Sample", Specialty.CARDIOLOGY, "London", 4, -6, "English", True),
    ("Dr Ravi Sample", Specialty.ELECTROPHYSIOLOGY, "London", -12, 20, "English, Hindi", True),
    ("Dr Grace Sample", Specialty.HEART_FAILURE, "London", 25, 15, "English", False),
    ("Dr Tom Sample", Specialty.CARDIOLOGY, "Manchester", 3, 5, "English, Urdu", True),
    ("Dr Nia Sample", Specialty.GENERAL_PRACTICE, "Manchester", -15, -10, "English, Welsh", True),
    ("Dr Claire Sample", Specialty.CARDIOLOGY, "Paris", 6, -4, "French, English", True),
    ("Dr Louis Sample", Specialty.ELECTROPHYSIOLOGY, "Paris", -9, 12, "French", True),
    ("Dr Amina Sample", Specialty.PEDIATRIC_CARDIOLOGY, "Paris", 18, -20, "French, Arabic", True),
    ("Dr Hugo Sample", Specialty.CARDIOLOGY, "Lyon", 2, 3, "French, Italian", True),
    ("Dr Lea Sample", Specialty.CARDIAC_SURGERY, "Lyon", -8, -6, "French", False),
    ("Dr Jonas Sample", Specialty.CARDIOLOGY, "Berlin", 5, 8, "German, English", True),
    ("Dr Mia Sample", Specialty.ELECTROPHYSIOLOGY, "Berlin", -14, -11, "German, Turkish", True),
    ("Dr Lucia Sample", Specialty.CARDIOLOGY, "Madrid", 4, -3, "Spanish, English", True),
    ("Dr Pablo Sample", Specialty.HEART_FAILURE, "Madrid", -10, 9, "Spanish", True),
    ("Dr Maya Sample", Specialty.CARDIOLOGY, "New York", 8, 4, "English, Spanish", True),
    ("Dr James Sample", Specialty.ELECTROPHYSIOLOGY, "New York", -6, 12, "English", True),
    (
        "Dr Chen Sample",
        Specialty.PEDIATRIC_CARDIOLOGY,
        "New York",
        30,
        10,
        "English, Mandarin",
        True,
    ),
    ("Dr Olivia Sample", Specialty.CARDIOLOGY, "Toronto", 3, -7, "English, French", True),
    ("Dr Sam Sample", Specialty.GENERAL_PRACTICE, "Toronto", -9, 14, "English, Punjabi", True),
    ("Dr Eva Sample", Specialty.HEART_FAILURE, "Toronto", 16, 2, "English, Portuguese", False),
]


@transaction.atomic
def demo_specialists_load() -> int:
    """Create or refresh the sample listings; safe to run again. Returns how many exist."""
    for number, (name, specialty, city, north, east, languages, accepting) in enumerate(
        PEOPLE, start=1
    ):
        country, lat, lon, prefix = CITIES[city]
        first = name.split()[1].lower()
        Specialist.objects.update_or_create(
            name=name,
            clinic=f"Sample Heart Clinic {city}",
            city=city,
            defaults={
                "specialty": specialty,
                "address": f"{number} Example Street (demo address)",
                "country": country,
                "phone": f"{prefix} 555 01{number:02d}",
                "email": f"{first}.sample@example.org",
                "website": "https://example.org/",
                "latitude": Decimal(lat) + Decimal(north) / 1000,
                "longitude": Decimal(lon) + Decimal(east) / 1000,
                "languages": languages,
                "accepting_new_patients": accepting,
                "is_demo": True,
            },
        )
    return Specialist.objects.filter(is_demo=True).count()
