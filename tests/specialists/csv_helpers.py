"""Build specialist CSV files for the import tests."""

from __future__ import annotations

import csv
import io

HEADER = [
    "name",
    "specialty",
    "clinic",
    "address",
    "city",
    "country",
    "phone",
    "email",
    "website",
    "latitude",
    "longitude",
    "languages",
    "accepting_new_patients",
]


def row(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Dr Good Row",
        "specialty": "cardiology",
        "clinic": "Good Clinic",
        "address": "2 Good Road",
        "city": "Lyon",
        "country": "France",
        "phone": "+33 4 55 55 01 01",
        "email": "good@example.org",
        "website": "https://example.org/good",
        "latitude": "45.764",
        "longitude": "4.8357",
        "languages": "French, English",
        "accepting_new_patients": "yes",
    }
    values.update(overrides)
    return values


def csv_bytes(*rows: dict[str, str], header: list[str] | None = None, encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header or HEADER, extrasaction="ignore")
    writer.writeheader()
    for values in rows:
        writer.writerow(values)
    return out.getvalue().encode(encoding)
