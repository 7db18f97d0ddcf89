"""The backup and restore drill (issue 16, point 7): a backup of a site with history and
files, restored into an empty set-up, shows the same history and serves the same files."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from diagnosis.models import Analysis, Review, Share
from diagnosis.services.sharing import review_submit
from tests.diagnosis.rhythm_results import record_analysis, record_result

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_restored_site_shows_the_same_history_and_files(
    client, patient, doctor, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # this test empties it
    analysis = record_analysis(patient, record_result(duration_s=30.0), with_trace=True)
    Share.objects.create(patient=patient, doctor=doctor)
    review_submit(analysis=analysis, doctor=doctor, label="NOR", note="All normal.")
    upload = analysis.recording.file.read()
    analysis.recording.file.close()
    client.force_login(patient)
    history_before = client.get("/analyses/").content.decode()
    assert str(analysis.id) in history_before

    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    # An empty set-up: a fresh database (migrated) and no files.
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)
    Path(settings.MEDIA_ROOT).mkdir()
    assert not User.objects.exists()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restored the backup" in out.getvalue()

    restored = Analysis.objects.get(id=analysis.id)
    assert restored.recording.owner.email == patient.email
    assert Review.objects.get(analysis=restored).note == "All normal."
    client.force_login(User.objects.get(email=patient.email))
    history_after = client.get("/analyses/").content.decode()
    assert str(analysis.id) in history_after
    file_response = client.get(f"/analyses/{analysis.id}/file/")
    assert b"".join(file_response.streaming_content) == upload
    assert client.get(f"/analyses/{analysis.id}/trace.json?start=0&seconds=5").status_code == 200
    assert "All normal." in client.get(f"/analyses/{analysis.id}/").content.decode()


def test_a_restore_never_overwrites_a_site_that_has_accounts(patient, tmp_path):
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has accounts"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_an_archive_with_a_path_outside_is_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(CommandError, match="unsafe entry"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert not (tmp_path.parent / "outside.txt").exists()
