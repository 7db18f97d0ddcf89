"""The audit trail holds: the access log and the audit log cannot be deleted in the admin,
staff reads of a patient's data through the admin and curation go in the patient's access
log, and deleting an upload in the admin removes its files like the patient's own delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.admin.sites import site

from diagnosis.models import AccessLogEntry, AuditEvent, ExampleSource, LabeledExample, Recording
from tests.factories import AnalysisFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(administrator):
    """An administrator with the Django admin's model permissions (and TOTP)."""
    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    return administrator


@pytest.mark.parametrize("model", [AccessLogEntry, AuditEvent])
def test_logs_cannot_be_deleted_even_by_a_superuser(rf, administrator, model):
    administrator.is_superuser = True
    request = rf.get("/")
    request.user = administrator
    assert site._registry[model].has_delete_permission(request) is False


def test_opening_an_analysis_in_the_admin_is_logged_for_the_patient(client, patient, superuser):
    analysis = AnalysisFactory(recording__owner=patient)
    client.force_login(superuser)
    assert client.get(f"/admin/diagnosis/analysis/{analysis.id}/change/").status_code == 200
    assert (
        client.get(f"/admin/diagnosis/recording/{analysis.recording.id}/change/").status_code == 200
    )
    vias = list(AccessLogEntry.objects.filter(patient=patient).values_list("via", flat=True))
    assert vias == ["admin", "admin"]


def test_a_curator_looking_at_a_patients_beat_is_logged(client, patient, doctor, administrator):
    analysis = AnalysisFactory(recording__owner=patient)
    example = LabeledExample.objects.create(
        source=ExampleSource.DOCTOR_CORRECTION, label="PVC", analysis=analysis, created_by=doctor
    )
    client.force_login(administrator)
    client.get(f"/analyses/curation/examples/{example.pk}/image/")
    entry = AccessLogEntry.objects.get(patient=patient)
    assert entry.via == "curation" and entry.viewer == administrator


def test_deleting_an_upload_in_the_admin_removes_its_files(
    client, patient, superuser, django_capture_on_commit_callbacks
):
    analysis = AnalysisFactory(recording__owner=patient)
    path = Path(analysis.recording.file.path)
    assert path.is_file()
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/diagnosis/recording/{analysis.recording.id}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Recording.objects.exists() and not path.exists()
