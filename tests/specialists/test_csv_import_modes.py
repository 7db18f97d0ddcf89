"""A file imports all or nothing, unless --partial asks for the good rows only."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from specialists.models import Specialist
from tests.specialists.csv_helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_file(tmp_path):
    path = tmp_path / "specialists.csv"
    path.write_bytes(
        csv_bytes(row(name="Dr One"), row(name="Dr Two", latitude="200"), row(name="Dr Three"))
    )
    return path


def test_one_bad_row_means_nothing_is_imported_and_the_report_says_why(mixed_file, capsys):
    with pytest.raises(CommandError, match="no specialists imported"):
        call_command("import_specialists", str(mixed_file))
    err = capsys.readouterr().err
    assert "Nothing imported: 1 row(s) have problems" in err
    assert "line 3: latitude 200 is outside -90 to 90" in err
    assert not Specialist.objects.exists()


def test_partial_imports_the_good_rows_and_reports_the_bad_ones(mixed_file, capsys):
    call_command("import_specialists", str(mixed_file), "--partial")
    err = capsys.readouterr().err
    assert "Imported 2 specialist(s)." in err
    assert "Skipped 1 row(s) with problems:" in err
    assert "line 3: latitude 200" in err
    assert set(Specialist.objects.values_list("name", flat=True)) == {"Dr One", "Dr Three"}


def test_a_clean_file_reports_success(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes(row()))
    call_command("import_specialists", str(path))
    assert "Imported 1 specialist(s)." in capsys.readouterr().out


def test_a_wrongly_encoded_file_fails_with_a_clear_message(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes(csv_bytes(row(city="Zürich"), encoding="latin-1"))
    with pytest.raises(CommandError):
        call_command("import_specialists", str(path), "--partial")
    assert "The file is not UTF-8 text" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_specialists", str(tmp_path / "nope.csv"))
