"""A doctor reads a record's rhythm: their verdict becomes the headline the patient reads
first (result page, history, PDF, API), in plain words, with the model's one click away; a
doctor's non-emergency reading clears the model's emergency banner."""

from __future__ import annotations

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from diagnosis.models import Review, Share
from diagnosis.services.sharing import review_submit
from tests.diagnosis.rhythm_results import episode, record_analysis, record_result, result_page
from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db

BANNER = 'id="emergency-banner"'


@pytest.fixture
def af_record(patient):
    return record_analysis(
        patient,
        record_result(
            verdict="af",
            reason="Irregularly irregular rhythm without P waves.",
            af_burden=0.8,
            duration_s=30.0,
            episodes=[episode("AFIB", 0, 30)],
        ),
    )


def test_the_doctors_rhythm_is_the_headline_everywhere(client, patient, doctor, af_record):
    Share.objects.create(patient=patient, doctor=doctor)
    client.force_login(doctor)
    response = client.post(
        f"/analyses/{af_record.id}/review/",
        {"rhythm": "normal", "label": af_record.label, "note": "Sinus rhythm with noise."},
    )
    assert response.status_code == 302
    assert Review.objects.get().rhythm == "normal"

    client.force_login(patient)
    page = result_page(client, af_record)
    headline = page[page.index('id="verdict-headline"') :][:200]
    assert "Normal sinus rhythm" in headline
    assert "reads the rhythm as normal sinus rhythm" in page
    assert "not possible atrial fibrillation as the model said" in page
    assert 'id="af-burden"' not in page  # the model's measure would contradict the doctor
    assert "What the model found, and when" in page
    assert "Atrial fibrillation (the model&#x27;s reading)" in page  # the event list
    model_page = client.get(f"/analyses/{af_record.id}/?model=1").content.decode()
    assert "Possible atrial fibrillation" in model_page[model_page.index('id="verdict-headline"') :]

    history = client.get("/analyses/").content.decode()
    assert "Normal sinus rhythm (doctor&#x27;s reading)" in history

    pdf = client.get(f"/analyses/{af_record.id}/report.pdf").content
    text = "\n".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf))
    assert "Normal sinus rhythm" in text

    api = APIClient()
    api.force_authenticate(patient)
    body = api.get(f"/api/v1/analyses/{af_record.id}/").json()
    assert body["review"]["rhythm"] == "normal"
    assert body["reviewed_result"]["rhythm"]["verdict"] == "normal"
    assert body["reviewed_result"]["rhythm"]["model_verdict"] == "af"
    assert body["result"]["rhythm"]["verdict"] == "af"  # the model's output is kept


def test_the_review_page_offers_the_models_rhythm_first(client, patient, doctor, af_record):
    Share.objects.create(patient=patient, doctor=doctor)
    client.force_login(doctor)
    page = client.get(f"/analyses/{af_record.id}/review/").content.decode()
    assert '<option value="af" selected>' in page


def test_confirming_keeps_the_models_rhythm_and_a_later_api_review_keeps_the_doctors(
    patient, doctor, af_record
):
    Share.objects.create(patient=patient, doctor=doctor)
    review = review_submit(analysis=af_record, doctor=doctor, label=af_record.label)
    assert review.rhythm == "af" and review.verdict == "confirmed"
    api = APIClient()
    api.force_authenticate(doctor)
    url = f"/api/v1/analyses/{af_record.id}/review/"
    first = api.post(url, {"label": af_record.label, "rhythm": "other"}, format="json")
    assert first.status_code == 200, first.content
    again = api.post(url, {"label": af_record.label, "note": "Seen."}, format="json")
    assert again.status_code == 200, again.content
    review.refresh_from_db()
    assert review.rhythm == "other" and review.verdict == "corrected"
    bad = api.post(url, {"label": af_record.label, "rhythm": "maybe"}, format="json")
    assert bad.status_code == 400


def test_a_beat_picture_has_no_rhythm_to_read(patient, doctor):
    Share.objects.create(patient=patient, doctor=doctor)
    beat = AnalysisFactory(recording=RecordingFactory(owner=patient))
    with pytest.raises(ValidationError):
        review_submit(analysis=beat, doctor=doctor, label="NOR", rhythm="normal")


def flutter_record(patient):
    return record_analysis(
        patient,
        record_result(
            verdict="other",
            reason="Ventricular flutter for 12 s.",
            duration_s=60,
            episodes=[episode("N", 0, 20), episode("VFL", 20, 32), episode("N", 32, 60)],
        ),
    )


@pytest.mark.parametrize(("rhythm", "banner"), [("normal", False), ("other", True)])
def test_a_doctors_reading_decides_the_emergency_banner(client, patient, doctor, rhythm, banner):
    analysis = flutter_record(patient)
    Share.objects.create(patient=patient, doctor=doctor)
    client.force_login(patient)
    assert BANNER in result_page(client, analysis)
    review_submit(analysis=analysis, doctor=doctor, label=analysis.label, rhythm=rhythm)
    assert (BANNER in result_page(client, analysis)) is banner
