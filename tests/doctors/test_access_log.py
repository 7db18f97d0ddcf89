"""Every view of a patient's data by someone other than the patient is logged (who, what,
when, how), shown on "Who saw my data" and exported as CSV by administrators."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from diagnosis.models import AccessLogEntry, AuditEvent

pytestmark = pytest.mark.django_db

VIEWS = [
    ("/analyses/{id}/", "page"),
    ("/analyses/{id}/status/", "status"),
    ("/analyses/{id}/trace.json", "trace"),
    ("/analyses/{id}/file/", "file"),
    ("/analyses/{id}/report/", "report"),
    ("/analyses/{id}/review/", "review"),
]


@pytest.mark.parametrize(("url", "via"), VIEWS)
def test_each_kind_of_view_by_a_doctor_is_logged(
    client, patient, doctor_with_share, record_analysis, url, via
):
    client.force_login(doctor_with_share)
    assert client.get(url.format(id=record_analysis.id)).status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.patient, entry.viewer, entry.analysis, entry.via) == (
        patient,
        doctor_with_share,
        record_analysis,
        via,
    )
    assert entry.viewer_role == "doctor"


def test_an_api_read_is_logged(patient, doctor_with_share, record_analysis):
    api = APIClient()
    api.force_authenticate(doctor_with_share)
    assert api.get(f"/api/v1/analyses/{record_analysis.id}/").status_code == 200
    assert AccessLogEntry.objects.get().via == "api"


def test_an_administrators_view_is_logged(client, administrator, record_analysis):
    client.force_login(administrator)
    client.get(f"/analyses/{record_analysis.id}/")
    assert AccessLogEntry.objects.get().viewer_role == "admin"


def test_the_patients_own_views_are_not_logged(client, patient, record_analysis):
    client.force_login(patient)
    for url, _ in VIEWS[:5]:
        client.get(url.format(id=record_analysis.id))
    APIClient().get(f"/api/v1/analyses/{record_analysis.id}/")
    assert not AccessLogEntry.objects.exists()


def test_refused_views_are_not_logged(client, doctor_without_share, record_analysis):
    client.force_login(doctor_without_share)
    assert client.get(f"/analyses/{record_analysis.id}/").status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_live_status_polls_count_once_a_minute(client, doctor_with_share, record_analysis):
    client.force_login(doctor_with_share)
    for _ in range(5):
        client.get(f"/analyses/{record_analysis.id}/status/")
    assert AccessLogEntry.objects.count() == 1


def test_the_patient_sees_who_saw_their_data(client, patient, doctor_with_share, beat_analysis):
    client.force_login(doctor_with_share)
    client.get(f"/analyses/{beat_analysis.id}/report/")
    client.force_login(patient)
    page = client.get("/analyses/access-log/").content.decode()
    assert "Ada Lovelace" in page
    assert "Printable report" in page


def test_other_patients_do_not_see_someone_elses_log(
    client, other_patient, doctor_with_share, beat_analysis
):
    client.force_login(doctor_with_share)
    client.get(f"/analyses/{beat_analysis.id}/")
    client.force_login(other_patient)
    assert "Ada Lovelace" not in client.get("/analyses/access-log/").content.decode()


def test_the_log_outlives_the_deleted_upload(client, patient, doctor_with_share, beat_analysis):
    client.force_login(doctor_with_share)
    client.get(f"/analyses/{beat_analysis.id}/")
    client.force_login(patient)
    client.post(f"/analyses/{beat_analysis.id}/delete/")
    entry = AccessLogEntry.objects.get()
    assert entry.analysis is None and entry.analysis_ref == beat_analysis.id
    assert "A deleted upload" in client.get("/analyses/access-log/").content.decode()


def test_administrators_export_the_log_as_csv(
    client, patient, doctor_with_share, beat_analysis, administrator
):
    client.force_login(doctor_with_share)
    client.get(f"/analyses/{beat_analysis.id}/file/")
    client.force_login(administrator)
    assert client.get("/analyses/access-log/export.csv").status_code == 400  # no reason
    response = client.get("/analyses/access-log/export.csv", {"reason": "regulator request 17"})
    assert response["Content-Type"].startswith("text/csv")
    event = AuditEvent.objects.get(action="access_log.export")
    assert event.actor == administrator and event.details == {"reason": "regulator request 17"}
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["when", "patient", "viewer", "viewer_role", "analysis", "via"]
    assert rows[1][1:] == [
        patient.email,
        doctor_with_share.email,
        "doctor",
        str(beat_analysis.id),
        "file",
    ]
