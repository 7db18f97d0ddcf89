"""A CSV of bare samples is read at the rate the person typed, through the page and the API
(the rate used to be checked at upload and then dropped, so every such upload failed)."""

from __future__ import annotations

import numpy as np
import pytest
import wfdb
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Analysis, Status
from tests.diagnosis import ecg_files

pytestmark = pytest.mark.django_db

RATE = 250


def bare_csv(name: str = "samples.csv") -> SimpleUploadedFile:
    """The 10 s MIT-BIH excerpt (record 100, about 75 bpm) resampled to 250 Hz, one value
    per line, no header and no time column."""
    signal = wfdb.rdrecord(str(ecg_files.EXCERPT), channels=[0]).p_signal[:, 0]
    t = np.arange(int(len(signal) / 360 * RATE)) / RATE
    values = np.interp(t, np.arange(len(signal)) / 360, signal)
    return SimpleUploadedFile(name, "\n".join(f"{v:.4f}" for v in values).encode())


def assert_read_at_the_given_rate(analysis: Analysis) -> None:
    assert analysis.status == Status.DONE, analysis.error
    assert analysis.recording.sampling_rate == RATE
    result = analysis.result
    assert result["input"] == "record" and result["fs"] == RATE
    assert len(result["beats"]) >= 10
    # Read at any other rate the heart rate would be off by the same factor.
    assert 60 <= result["rhythm"]["heart_rate_bpm"] <= 90


def test_a_bare_csv_with_its_rate_is_analysed_through_the_page(client, patient, upload):
    client.force_login(patient)
    assert_read_at_the_given_rate(upload(bare_csv(), fs=str(RATE)))


def test_a_bare_csv_with_its_rate_is_analysed_through_the_api(
    patient, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/analyses/", {"file": bare_csv(), "fs": RATE}, format="multipart"
        )
    assert response.status_code == 202, response.content
    analysis = Analysis.objects.select_related("recording").get(id=response.json()["id"])
    assert_read_at_the_given_rate(analysis)
    assert api.get(f"/api/v1/analyses/{analysis.id}/").json()["result"]["fs"] == RATE


def test_the_api_refuses_a_bare_csv_without_its_rate(patient):
    api = APIClient()
    api.force_authenticate(patient)
    response = api.post("/api/v1/analyses/", {"file": bare_csv()}, format="multipart")
    assert response.status_code == 400
    assert "sampling rate" in response.json()["file"][0].lower()
    assert not Analysis.objects.exists()


def test_the_same_samples_at_another_rate_are_a_new_analysis(client, patient, upload):
    client.force_login(patient)
    first = upload(bare_csv(), fs=str(RATE))
    again = upload(bare_csv(), fs=str(RATE))
    other = upload(bare_csv(), fs="500")
    assert again.id == first.id
    assert other.id != first.id and other.recording.sampling_rate == 500
