"""The verdict is stored with the result, shown and filtered in the history list, printed on
the report, and leads to its condition page."""

from __future__ import annotations

import uuid

import pytest

from diagnosis.models import Analysis
from diagnosis.services import analyses as services
from tests.diagnosis.rhythm_results import episode, record_analysis, record_result
from tests.factories import AnalysisFactory, ModelVersionFactory, RecordingFactory

pytestmark = pytest.mark.django_db


def test_storing_a_result_keeps_its_verdict_and_a_headline_class_that_agrees():
    token = uuid.uuid4()
    analysis = AnalysisFactory(status="running", run_token=token, label="", result=None)
    result = record_result(counts={"NOR": 2239, "APC": 32, "PVC": 2}, duration_s=1805)
    stored = services.analysis_store_result(
        analysis_id=analysis.id,
        token=token,
        result=result,
        trace=None,
        model_version=ModelVersionFactory(),
        timings={},
    )
    assert stored
    analysis.refresh_from_db()
    assert (analysis.verdict, analysis.label) == ("normal", "NOR")
    assert (analysis.verdict_text, analysis.verdict_level) == (
        "Normal sinus rhythm, 72 bpm",
        "success",
    )


def test_a_beat_image_result_is_stored_without_a_verdict():
    token = uuid.uuid4()
    analysis = AnalysisFactory(status="running", run_token=token)
    services.analysis_store_result(
        analysis_id=analysis.id,
        token=token,
        result=dict(analysis.result),
        trace=None,
        model_version=ModelVersionFactory(),
        timings={},
    )
    analysis.refresh_from_db()
    assert (analysis.verdict, analysis.label) == ("", "PVC")


def test_the_history_list_shows_the_verdict_in_words(client, patient):
    record_analysis(patient, record_result(verdict="af", episodes=[episode("AFIB", 0, 30)]))
    record_analysis(patient, record_result(verdict="normal"))
    AnalysisFactory(recording=RecordingFactory(owner=patient))  # a beat image: its class
    client.force_login(patient)
    page = client.get("/analyses/").content.decode()
    assert "Possible atrial fibrillation" in page
    assert "Normal sinus rhythm" in page
    assert "Premature ventricular contraction" in page


def test_the_history_list_filters_by_verdict_and_still_by_class(client, patient):
    af = record_analysis(patient, record_result(verdict="af", episodes=[episode("AFIB", 0, 30)]))
    normal = record_analysis(patient, record_result(verdict="normal"))
    beat = AnalysisFactory(recording=RecordingFactory(owner=patient))
    client.force_login(patient)
    page = client.get("/analyses/?verdict=af").content.decode()
    assert str(af.id) in page
    assert str(normal.id) not in page
    assert str(beat.id) not in page
    page = client.get("/analyses/?label=PVC").content.decode()
    assert str(beat.id) in page
    assert str(af.id) not in page


def test_an_unknown_verdict_filter_is_ignored(client, patient):
    af = record_analysis(patient, record_result(verdict="af", episodes=[episode("AFIB", 0, 30)]))
    client.force_login(patient)
    page = client.get("/analyses/?verdict=nonsense").content.decode()
    assert str(af.id) in page


def test_the_report_shows_the_verdict_and_the_episodes(client, patient):
    result = record_result(
        verdict="af",
        rate=101,
        reason="Irregularly irregular rhythm without P waves for 28 of 30 s.",
        episodes=[episode("N", 0, 2), episode("AFIB", 2, 30)],
    )
    analysis = record_analysis(patient, result)
    client.force_login(patient)
    page = client.get(f"/analyses/{analysis.id}/report/").content.decode()
    verdict = page.split('id="report-verdict">')[1].split("</td>")[0]
    assert "<strong>Possible atrial fibrillation, 101 bpm</strong>" in verdict
    assert "Irregularly irregular rhythm without P waves for 28 of 30 s." in verdict
    assert 'id="report-episodes"' in page


def test_an_af_result_links_to_the_atrial_fibrillation_page(client, patient):
    result = record_result(verdict="af", episodes=[episode("AFIB", 0, 30)])
    analysis = record_analysis(patient, result)
    client.force_login(patient)
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    link = page.split('id="condition-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "atrial-fibrillation" in link
    assert client.get(link).status_code == 200


def test_a_normal_result_still_links_to_the_page_of_its_class(client, patient):
    analysis = record_analysis(patient, record_result())
    client.force_login(patient)
    page = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="condition-link"' in page
    assert Analysis.objects.get(id=analysis.id).label == "NOR"


def test_the_history_list_names_an_abnormal_rhythm_and_marks_an_emergency(client, patient):
    record_analysis(
        patient,
        record_result(
            verdict="other", reason="Ventricular flutter.", episodes=[episode("VFL", 5, 25)]
        ),
    )
    client.force_login(patient)
    page = client.get("/analyses/").content.decode()
    assert "An abnormal rhythm was found: ventricular flutter or fibrillation" in page
    assert "verdict-level-danger" in page
