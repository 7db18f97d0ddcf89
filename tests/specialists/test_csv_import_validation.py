"""Each row of a specialists CSV is checked, and each problem is reported with its line."""

from __future__ import annotations

import pytest

from specialists.models import Specialist
from specialists.services import specialists_import
from tests.specialists.csv_helpers import HEADER, csv_bytes, row
from tests.specialists.factories import SpecialistFactory

pytestmark = pytest.mark.django_db


def reasons_by_line(report):
    return {rejected.line: " ".join(rejected.reasons) for rejected in report.rejected}


def test_a_clean_file_imports_every_row():
    report = specialists_import(
        data=csv_bytes(row(), row(name="Dr Second", accepting_new_patients="no"))
    )
    assert report.ok and report.created == 2
    second = Specialist.objects.get(name="Dr Second")
    assert second.city == "Lyon" and not second.accepting_new_patients
    assert str(second.latitude) == "45.764000"


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        ("91", "4.8", "latitude 91 is outside -90 to 90"),
        ("-90.5", "4.8", "latitude -90.5 is outside -90 to 90"),
        ("45.7", "180.01", "longitude 180.01 is outside -180 to 180"),
        ("north", "4.8", "latitude 'north' is not a number"),
        ("45.7", "NaN", "longitude 'NaN' is not a number"),
        ("45,7", "4.8", "latitude '45,7' is not a number"),
    ],
)
def test_it_rejects_coordinates_that_are_not_numbers_in_range(latitude, longitude, expected):
    report = specialists_import(data=csv_bytes(row(latitude=latitude, longitude=longitude)))
    assert reasons_by_line(report) == {2: expected}
    assert not Specialist.objects.exists()


def test_it_names_every_missing_required_field_with_the_line_number():
    report = specialists_import(
        data=csv_bytes(row(), row(name="", clinic="Other", city=" ", latitude=""))
    )
    reasons = reasons_by_line(report)[3]
    for field in ("name is required", "city is required", "latitude is required"):
        assert field in reasons


def test_it_rejects_an_unknown_specialty_and_accepts_a_label():
    report = specialists_import(
        data=csv_bytes(
            row(specialty="Astrologer"),
            row(name="Dr Label", specialty="Electrophysiologist (heart rhythm)"),
        ),
        partial=True,
    )
    assert "specialty 'Astrologer' is not known" in reasons_by_line(report)[2]
    assert Specialist.objects.get().specialty == "electrophysiology"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("email", "not-an-email", "email: Enter a valid email address."),
        ("website", "javascript:alert(1)", "website: Enter a valid URL."),
        ("website", "example.org", "website: Enter a valid URL."),
        ("phone", "call me maybe", "phone 'call me maybe' is not a phone number"),
        ("accepting_new_patients", "perhaps", "accepting_new_patients 'perhaps' must be yes"),
    ],
)
def test_it_rejects_badly_formatted_contact_details(field, value, expected):
    report = specialists_import(data=csv_bytes(row(**{field: value})))
    assert expected in reasons_by_line(report)[2]


def test_it_rejects_a_row_that_repeats_an_earlier_row_of_the_same_file_ignoring_case():
    report = specialists_import(
        data=csv_bytes(
            row(),
            row(name="Dr Other"),
            row(name="DR GOOD ROW", clinic="good clinic", city="LYON", phone=""),
        )
    )
    assert reasons_by_line(report) == {4: "same name, clinic and city as line 2 of this file"}


def test_it_rejects_a_row_that_is_already_in_the_database_ignoring_case():
    SpecialistFactory(name="Dr Good Row", clinic="Good Clinic", city="Lyon")
    report = specialists_import(data=csv_bytes(row(name="dr good  row", clinic="GOOD CLINIC")))
    assert reasons_by_line(report) == {
        2: "a specialist with this name, clinic and city already exists"
    }
    assert Specialist.objects.count() == 1


def test_it_refuses_a_file_that_is_not_utf8_and_says_how_to_fix_it():
    data = csv_bytes(row(name="Dr Zoë Müller", city="Zürich"), encoding="latin-1")
    report = specialists_import(data=data)
    assert not report.ok and report.created == 0
    assert "not UTF-8" in report.file_error and "CSV UTF-8" in report.file_error
    assert not Specialist.objects.exists()


def test_it_accepts_utf8_with_a_byte_order_mark():
    data = "\ufeff".encode() + csv_bytes(row(name="Dr Zoë Müller", city="Zürich"))
    report = specialists_import(data=data)
    assert report.ok
    assert Specialist.objects.get().name == "Dr Zoë Müller"


def test_it_refuses_a_header_with_missing_or_unknown_columns():
    header = [name for name in HEADER if name != "latitude"] + ["latitiude"]
    report = specialists_import(data=csv_bytes(row(), header=header))
    assert "missing required column(s): latitude" in report.file_error
    assert "unknown column(s): latitiude" in report.file_error


def test_it_refuses_an_empty_file():
    assert specialists_import(data=b"").file_error == "The file is empty."


def test_line_numbers_point_at_the_start_of_a_record_after_a_multiline_field():
    report = specialists_import(
        data=csv_bytes(row(address="Building A\nFloor 2"), row(name="Dr Bad", latitude="x"))
    )
    assert list(reasons_by_line(report)) == [4]


def test_it_skips_blank_lines_and_rejects_rows_with_extra_values():
    data = csv_bytes(row()) + b"\n" + b"a,b,c,d,e,f,g,h,i,j,k,l,m,EXTRA\n"
    report = specialists_import(data=data, partial=True)
    assert reasons_by_line(report) == {4: "more values than columns"}
    assert report.created == 1
