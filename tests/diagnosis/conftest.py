from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import Analysis
from tests.diagnosis import ecg_files


@pytest.fixture
def beat_image():
    return SimpleUploadedFile("my beat.png", ecg_files.beat_png("N"), content_type="image/png")


@pytest.fixture
def wfdb_zip():
    return SimpleUploadedFile("record.zip", ecg_files.wfdb_zip(), content_type="application/zip")


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Upload through the page as the logged-in client; returns the new Analysis.

    Tests run inside a transaction, so the on-commit hook that queues the task is run
    explicitly; in embedded mode the task then runs in-process.
    """

    def send(*files, **data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/analyses/upload/", {"file": list(files), **data})
        assert response.status_code == 302, response.content.decode()[:2000]
        analysis_id = response.url.rstrip("/").split("/")[-1]
        return Analysis.objects.select_related("recording").get(id=analysis_id)

    return send
