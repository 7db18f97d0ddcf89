"""Factories for directory entries. Coordinates default to central London."""

from __future__ import annotations

from decimal import Decimal

import factory

from specialists.models import Specialist, Specialty


class SpecialistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialist

    name = factory.Sequence(lambda n: f"Dr Test Person {n}")
    specialty = Specialty.CARDIOLOGY
    clinic = factory.Sequence(lambda n: f"Test Heart Clinic {n}")
    address = "1 Test Street"
    city = "London"
    country = "United Kingdom"
    phone = "+44 20 7946 0000"
    email = factory.Sequence(lambda n: f"doctor{n}@example.org")
    website = "https://example.org/"
    latitude = Decimal("51.507400")
    longitude = Decimal("-0.127800")
    languages = "English"
