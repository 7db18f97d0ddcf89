"""The PDF report: read back (text, pages) and drawn as an image; the doctor's review is in
it; pages and API alike, for the owner and nobody else."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from rest_framework.test import APIClient

from diagnosis.services.sharing import review_submit
from tests.diagnosis.rhythm_results import record_analysis, record_result
from tests.diagnosis.test_events import thirty_minutes

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def read(pdf: bytes) -> tuple[str, int, pypdfium2.PdfDocument]:
    document = pypdfium2.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return text, len(document), document


def test_a_thirty_second_record_prints_its_verdict_beats_strip_and_review(client, patient, doctor):
    from diagnosis.models import Share

    analysis = record_analysis(patient, record_result(duration_s=30.0), with_trace=True)
    Share.objects.create(patient=patient, doctor=doctor)
    review_submit(analysis=analysis, doctor=doctor, label="NOR", note="Normal ECG, well done.")
    client.force_login(patient)
    response = client.get(f"/analyses/{analysis.id}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text, pages, document = read(response.content)
    assert pages <= 2
    for expected in (
        "ECG screening report",
        "Normal sinus rhythm",
        "Normal beat",
        "Reviewed by",
        "Normal ECG, well done.",
        "25 mm/s",
        "not a diagnosis",
        "Model test-model-1",
    ):
        assert expected in text, expected
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(ARTIFACTS / "report-pdf-30s.png")


def test_a_long_record_prints_its_events(client, patient):
    analysis = record_analysis(patient, thirty_minutes(), with_trace=True)
    client.force_login(patient)
    text, pages, document = read(client.get(f"/analyses/{analysis.id}/report.pdf").content)
    assert "Run of 3 ventricular premature beats" in text and "30 min" in text
    assert pages <= 2
    document[0].render(scale=1.5).to_pil().save(ARTIFACTS / "report-pdf-30min.png")


def test_the_pdf_is_the_owners_only_and_in_the_api(client, patient, other_patient):
    analysis = record_analysis(patient, record_result(duration_s=10.0), with_trace=True)
    client.force_login(other_patient)
    assert client.get(f"/analyses/{analysis.id}/report.pdf").status_code == 404
    client.logout()
    assert client.get(f"/analyses/{analysis.id}/report.pdf").status_code == 302
    api = APIClient()
    api.force_authenticate(patient)
    response = api.get(f"/api/v1/analyses/{analysis.id}/report.pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    api.force_authenticate(other_patient)
    assert api.get(f"/api/v1/analyses/{analysis.id}/report.pdf/").status_code == 404


def test_deleting_the_upload_deletes_its_pdf_reports(
    client, patient, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from diagnosis import reports

    analysis = record_analysis(patient, record_result(duration_s=10.0), with_trace=True)
    client.force_login(patient)
    assert client.get(f"/analyses/{analysis.id}/report.pdf").status_code == 200
    (name,) = reports.report_files(analysis)
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/analyses/{analysis.id}/delete/")
    assert not default_storage.exists(name)
