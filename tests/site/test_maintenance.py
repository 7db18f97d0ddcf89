"""Planned maintenance (issue 16, point 6): an administrator opens a window with an end time
(command or admin); every page shows a countdown banner and uploads are refused with that
message (API: 503 with Retry-After) until it ends or is switched off."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from diagnosis.models import Analysis, MaintenanceWindow
from diagnosis.services import maintenance
from tests.diagnosis import ecg_files

pytestmark = pytest.mark.django_db


def command(*args: str) -> str:
    out = StringIO()
    call_command("maintenance", *args, stdout=out)
    return out.getvalue()


def beat_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("beat.png", ecg_files.beat_png("N"), content_type="image/png")


def test_the_command_opens_a_window_with_a_countdown_banner_and_closes_it(client):
    assert "on until" in command("on", "--minutes", "20", "--message", "Moving to a new server.")
    page = client.get("/").content.decode()
    assert 'id="maintenance-banner"' in page and "Moving to a new server." in page
    window = MaintenanceWindow.objects.get()
    ends_at = datetime.fromisoformat(page.split('data-ends-at="', 1)[1].split('"', 1)[0])
    assert abs(ends_at - window.ends_at) < timedelta(seconds=1)
    assert "is on until" in command("status")
    assert command("off") == "Maintenance off.\n"
    assert 'id="maintenance-banner"' not in client.get("/").content.decode()
    assert command("status") == "Maintenance is off.\n"


def test_uploads_are_refused_with_the_message_while_it_is_on(client, patient):
    client.force_login(patient)
    maintenance.maintenance_start(minutes=15)
    response = client.post("/analyses/upload/", {"file": [beat_upload()]})
    assert response.status_code == 400
    assert "Uploads are paused until" in response.content.decode()
    assert not Analysis.objects.exists()

    api = APIClient()
    api.force_authenticate(patient)
    refused = api.post("/api/v1/analyses/", {"file": [beat_upload()]}, format="multipart")
    assert refused.status_code == 503
    assert 800 <= int(refused["Retry-After"]) <= 900
    assert "Uploads are paused" in refused.json()["file"][0]

    maintenance.maintenance_end()
    again = client.post("/analyses/upload/", {"file": [beat_upload()]})
    assert again.status_code == 302 and Analysis.objects.count() == 1


def test_a_window_that_has_run_out_shows_nothing(client):
    MaintenanceWindow.objects.create(
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    assert 'id="maintenance-banner"' not in client.get("/").content.decode()
    assert maintenance.maintenance_current() is None


def test_starting_again_moves_the_end_instead_of_opening_a_second_window():
    first = maintenance.maintenance_start(minutes=10)
    second = maintenance.maintenance_start(minutes=40, message="Longer than planned.")
    assert first.pk == second.pk and MaintenanceWindow.objects.count() == 1
    assert second.seconds_left > 30 * 60


def test_the_admin_plans_and_ends_a_window(client, administrator):
    administrator.is_superuser = True  # the Django admin's model permissions
    administrator.save(update_fields=["is_superuser"])
    client.force_login(administrator)
    start = timezone.localtime()
    end = start + timedelta(minutes=30)
    response = client.post(
        "/admin/diagnosis/maintenancewindow/add/",
        {
            "message": "Database upgrade.",
            "starts_at_0": start.strftime("%Y-%m-%d"),
            "starts_at_1": start.strftime("%H:%M:%S"),
            "ends_at_0": end.strftime("%Y-%m-%d"),
            "ends_at_1": end.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    window = MaintenanceWindow.objects.get()
    assert window.created_by == administrator
    assert "Database upgrade." in client.get("/").content.decode()
    client.post(
        "/admin/diagnosis/maintenancewindow/",
        {"action": "end_now", "_selected_action": [window.pk]},
    )
    window.refresh_from_db()
    assert window.ended_at is not None
    assert 'id="maintenance-banner"' not in client.get("/").content.decode()


def test_only_administrators_reach_the_maintenance_admin(client, patient, doctor):
    url = "/admin/diagnosis/maintenancewindow/"
    assert client.get(url).status_code == 302
    for user in (patient, doctor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code in (302, 403)
