"""One honest verdict leads every record result, in plain words, and nothing below it
contradicts it."""

from __future__ import annotations

import html

import pytest

from diagnosis import findings
from tests.diagnosis.rhythm_results import (
    beats_at,
    episode,
    record_analysis,
    record_result,
    result_page,
)
from tests.factories import AnalysisFactory, RecordingFactory

pytestmark = pytest.mark.django_db


def headline_of(page: str) -> str:
    return html.unescape(page.split('id="verdict-headline">')[1].split("</h2>")[0])


@pytest.mark.parametrize(
    ("verdict", "rate", "words"),
    [
        ("normal", 72, "Normal sinus rhythm, 72 bpm"),
        ("af", 96, "Possible atrial fibrillation, 96 bpm"),
        ("bradycardia", 44, "Slow heart rate (bradycardia), 44 bpm"),
        ("tachycardia", 118, "Fast heart rate (tachycardia), 118 bpm"),
    ],
)
def test_the_verdict_is_the_headline_in_plain_words_with_the_heart_rate(
    client, patient, verdict, rate, words
):
    result = record_result(verdict=verdict, rate=rate, reason="The engine's own sentence.")
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert headline_of(page) == words
    assert 'id="verdict-reason">The engine&#x27;s own sentence.</p>' in page


def test_a_verdict_without_a_heart_rate_leaves_the_rate_out(client, patient):
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, record_result(rate=None)))
    assert headline_of(page) == "Normal sinus rhythm"


def test_an_af_verdict_says_how_much_of_the_time_was_af(client, patient):
    result = record_result(
        verdict="af",
        rate=104,
        af_burden=0.93,
        reason="Irregularly irregular rhythm without P waves for 28 of 30 s.",
        episodes=[episode("N", 0, 2), episode("AFIB", 2, 30)],
    )
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert headline_of(page) == "Possible atrial fibrillation, 104 bpm"
    assert "Irregularly irregular rhythm without P waves for 28 of 30 s." in page
    assert "<strong>93%</strong> of the time" in page


def test_an_other_verdict_names_the_abnormal_rhythm_and_gives_the_engines_reason(client, patient):
    result = record_result(
        verdict="other",
        reason="Every other beat is a premature ventricular beat for 20 s.",
        episodes=[episode("N", 0, 10), episode("B", 10, 30)],
    )
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert headline_of(page) == (
        "An abnormal rhythm was found: ventricular bigeminy (every other beat is an extra beat)"
    )
    assert "Every other beat is a premature ventricular beat for 20 s." in page


@pytest.mark.parametrize(
    ("cause", "advice"),
    [
        ("too_noisy", "too much movement or a loose electrode. Sit still, rest your arms"),
        ("flat_line", "the signal is a flat line. Check that your fingers or electrodes touch"),
        ("clipped", "the signal is cut off at the top or bottom."),
        ("too_short", "the recording is too short. Record for at least 30 seconds."),
        ("no_beats", "no heartbeats could be found in the signal."),
        (None, "the signal could not be read."),
    ],
)
def test_an_unreadable_recording_says_why_and_how_to_record_again(client, patient, cause, advice):
    result = record_result(
        verdict="unreadable",
        rate=None,
        cause=cause,
        reason="Only 3 s of 30 s could be read.",
        beats=beats_at([1.0, 2.0, 3.0], None),
        usable=0.1,
    )
    analysis = record_analysis(patient, result)
    client.force_login(patient)
    page = result_page(client, analysis)
    assert headline_of(page).startswith("We could not read this recording: " + advice)
    assert "Only 3 s of 30 s could be read." in page
    assert analysis.label == ""
    assert "No beats could be classified" in page
    assert 'id="counts-table"' not in page
    assert 'id="emergency-banner"' not in page


def test_a_normal_recording_with_a_handful_of_pvcs_leads_with_the_normal_rhythm(client, patient):
    result = record_result(counts={"NOR": 1995, "PVC": 5}, duration_s=1600)
    analysis = record_analysis(patient, result)
    client.force_login(patient)
    page = result_page(client, analysis)
    assert headline_of(page) == "Normal sinus rhythm, 72 bpm"
    assert analysis.label == "NOR"
    before_note = page.split("Occasional extra beats from the lower chambers (PVCs)")[0]
    assert "alert-info" in before_note.rsplit("<div", 1)[1]
    assert "5 of 2,000 beats" in page


def test_32_apcs_in_2273_beats_leave_the_headline_on_the_normal_rhythm(client, patient):
    result = record_result(counts={"NOR": 2239, "APC": 32, "PVC": 2}, duration_s=1805)
    analysis = record_analysis(patient, result)
    client.force_login(patient)
    page = result_page(client, analysis)
    assert headline_of(page) == "Normal sinus rhythm, 72 bpm"
    assert analysis.label == "NOR"
    assert "Occasional extra beats from the upper chambers (APCs): 32 of 2,273 beats" in page
    assert 'data-label="NOR"' in page


def test_frequent_pvcs_become_the_stored_class_but_the_verdict_still_leads(client, patient):
    result = record_result(counts={"NOR": 80, "PVC": 20}, duration_s=90)
    analysis = record_analysis(patient, result)
    client.force_login(patient)
    page = result_page(client, analysis)
    assert analysis.label == "PVC"
    assert page.index('id="verdict-headline"') < page.index('id="result-label"')
    assert "Frequent extra beats from the lower chambers (PVCs): 20% of beats (20 of 100)" in page


def test_a_result_from_before_the_verdict_still_renders_by_its_class(client, patient):
    old = record_result(counts={"NOR": 90, "PVC": 10}, duration_s=80)
    for key in ("rhythm", "quality", "warnings"):
        old.pop(key)
    for beat in old["beats"]:
        beat.pop("quality")
    analysis = record_analysis(patient, old)
    assert analysis.verdict == ""
    client.force_login(patient)
    page = result_page(client, analysis)
    assert 'id="verdict-headline"' not in page
    assert "Most common non-normal beat type" in page
    assert 'data-label="PVC"' in page
    assert "Premature ventricular contraction" in page


def test_a_beat_image_result_has_no_verdict(client, patient):
    analysis = AnalysisFactory(recording=RecordingFactory(owner=patient))
    client.force_login(patient)
    page = result_page(client, analysis)
    assert 'id="verdict-headline"' not in page
    assert "This heartbeat looks like" in page


def test_the_verdict_words_live_in_one_table_and_cover_every_engine_verdict():
    assert set(findings.VERDICT_WORDS) == {
        "normal",
        "af",
        "bradycardia",
        "tachycardia",
        "other",
        "unreadable",
    }
    assert set(findings.UNREADABLE_ADVICE) == {
        "too_short",
        "too_noisy",
        "flat_line",
        "clipped",
        "no_beats",
    }


def test_an_unknown_verdict_is_shown_as_an_abnormal_rhythm_rather_than_guessed():
    result = record_result(verdict="sinus_arrest")
    verdict = findings.verdict(result)
    assert verdict is not None
    assert verdict.text == "An abnormal rhythm was found"


def test_a_paced_rhythm_is_named_in_the_headline(client, patient):
    result = record_result(
        verdict="other",
        reason="A paced rhythm: 100% of beats come from a pacemaker.",
        counts={"PAB": 40},
        episodes=[episode("P", 0, 30)],
    )
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert "An abnormal rhythm was found: paced rhythm (beats from a pacemaker)" in page


def test_an_other_verdict_names_what_the_engine_named_not_a_shorter_episode(client, patient):
    # Frequent PVCs are the verdict; a short AF stretch below the AF threshold is a note.
    result = record_result(
        verdict="other",
        reason="Frequent premature ventricular beats: 20% of beats.",
        counts={"NOR": 80, "PVC": 20},
        episodes=[episode("AFIB", 0, 12)],
        duration_s=90,
    )
    result["rhythm"]["named"] = "PVC"
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert (
        "An abnormal rhythm was found: frequent extra beats from the lower chambers (PVCs)" in page
    )
    assert "too short to call it atrial fibrillation" in page
