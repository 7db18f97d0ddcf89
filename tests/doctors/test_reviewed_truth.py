"""Once a doctor reviews, every place a patient reads shows the doctor's reading: the
headline, the beat table, the trace, the history row, the report and the API; the model's
own reading is one click away. A beat can also be corrected to "not a beat" or "noise"."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from diagnosis import findings
from diagnosis.models import LabeledExample
from diagnosis.services.sharing import review_submit
from tests.doctors.conftest import RECORD_FS, make_record_analysis
from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db


def beat_sample(i: int) -> int:
    return int(RECORD_FS * (0.5 + 0.8 * i))


@pytest.fixture
def corrected(patient, doctor_with_share):
    """A record the model read as having one PVC (beat 5); the doctor says beat 5 is an
    APC, beat 2 is a PVC, beat 3 was not a beat and beat 9 noise, and the headline APC."""
    analysis = make_record_analysis(patient)
    review_submit(
        analysis=analysis,
        doctor=doctor_with_share,
        label="APC",
        note="Atrial ectopy, not ventricular.",
        beat_labels={
            beat_sample(5): "APC",
            beat_sample(2): "PVC",
            beat_sample(3): findings.NOT_A_BEAT,
            beat_sample(9): findings.NOISE,
        },
    )
    return analysis


def test_the_result_page_leads_with_the_doctors_reading(client, patient, corrected):
    client.force_login(patient)
    html = client.get(f"/analyses/{corrected.id}/").content.decode()
    assert 'data-label="APC"' in html and "Atrial premature contraction" in html
    assert "reviewed by Ada Lovelace" in html
    # The review summary comes before the beat details.
    assert html.index('id="doctor-reviews"') < html.index('id="result-label"')
    model = client.get(f"/analyses/{corrected.id}/?model=1").content.decode()
    assert 'data-label="PVC"' in model and "model's own reading" in model


def test_the_beat_counts_and_trace_follow_the_corrections(client, patient, corrected):
    client.force_login(patient)
    context = client.get(f"/analyses/{corrected.id}/").context
    summary = context["summary"]
    assert summary["counts"]["APC"] == 1 and summary["counts"]["PVC"] == 1
    assert summary["n_beats"] == 10  # 12 detections, one not a beat, one noise
    window = client.get(f"/analyses/{corrected.id}/trace.json?start=0&seconds=10").json()
    labels = {round(b["t"], 1): (b["label"], b["noise"]) for b in window["beats"]}
    assert labels[round(beat_sample(5) / RECORD_FS, 1)] == ("APC", False)
    assert labels[round(beat_sample(9) / RECORD_FS, 1)] == (None, True)
    assert round(beat_sample(3) / RECORD_FS, 1) not in labels


def test_history_report_and_api_say_what_the_doctor_said(client, patient, corrected):
    client.force_login(patient)
    history = client.get("/analyses/").content.decode()
    row = re.search(r'class="fw-semibold history-headline"[^>]*>(.*?)</div>', history, re.S)
    assert row and "Atrial premature contraction" in row.group(1)
    report = client.get(f"/analyses/{corrected.id}/report/").content.decode()
    assert 'id="report-review"' in report and "Atrial ectopy, not ventricular." in report
    assert "Atrial premature contraction" in report
    api = APIClient()
    api.force_authenticate(patient)
    body = api.get(f"/api/v1/analyses/{corrected.id}/").json()
    assert body["review"]["label"] == "APC" and body["review"]["doctor"] == "Ada Lovelace"
    assert body["result"]["summary"]["counts"]["PVC"] == 1  # the model's own output
    assert body["reviewed_result"]["summary"]["counts"]["APC"] == 1
    assert len(body["reviewed_result"]["beats"]) == 11


def test_noise_and_not_a_beat_make_no_training_examples(corrected):
    labels = sorted(LabeledExample.objects.values_list("label", flat=True))
    assert labels == ["APC", "APC", "PVC"]  # beat 5, beat 2 and the analysis label


def test_a_reviewed_beat_picture_shows_the_doctors_class(client, patient, doctor_with_share):
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient))  # model: PVC
    review_submit(analysis=analysis, doctor=doctor_with_share, label="NOR")
    client.force_login(patient)
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'data-label="NOR"' in html and "Normal beat" in html
    row = re.search(
        r'class="fw-semibold history-headline"[^>]*>(.*?)</div>',
        client.get("/analyses/").content.decode(),
        re.S,
    )
    assert row and "Normal beat" in row.group(1)
