"""Notes under the verdict follow from it and never contradict it; reader warnings are shown
as small notes."""

from __future__ import annotations

import pytest

from diagnosis import findings
from tests.diagnosis.rhythm_results import (
    beats_at,
    episode,
    record_analysis,
    record_result,
    result_page,
    spread_beats,
)

pytestmark = pytest.mark.django_db


def note_texts(result: dict) -> list[str]:
    return [note["text"] for note in findings.rhythm_notes(result)]


@pytest.mark.parametrize("verdict", ["normal", "af", "bradycardia", "tachycardia", "other"])
def test_no_note_about_the_average_rate_sits_under_a_verdict(verdict):
    result = record_result(verdict=verdict, rate=130)
    result["summary"]["mean_heart_rate_bpm"] = 130
    assert not [t for t in note_texts(result) if "heart rate" in t.lower()]


def test_an_af_verdict_does_not_also_raise_an_apc_alarm():
    result = record_result(
        verdict="af",
        counts={"NOR": 60, "APC": 40},
        episodes=[episode("AFIB", 0, 30)],
        af_burden=1.0,
    )
    assert not [t for t in note_texts(result) if "APC" in t or "upper chambers" in t]


def test_no_note_is_ever_an_emergency():
    result = record_result(
        verdict="other", duration_s=60, episodes=[episode("VFL", 10, 40), episode("VT", 40, 50)]
    )
    assert {note["level"] for note in findings.rhythm_notes(result)} <= {"info", "warning"}


def test_an_unreadable_recording_has_no_beat_notes():
    result = record_result(verdict="unreadable", cause="too_noisy", counts={"NOR": 5, "PVC": 3})
    assert findings.rhythm_notes(result) == []


def test_beats_in_noise_are_explained_as_not_classified(client, patient):
    beats = sorted(
        spread_beats({"NOR": 30}, 30) + beats_at([30.5, 31.2, 32.0], None),
        key=lambda b: b["sample"],
    )
    result = record_result(
        beats=beats,
        duration_s=40,
        usable=0.8,
        episodes=[episode("N", 0, 30), episode("NOISE", 30, 38), episode("N", 38, 40)],
    )
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert "Part of the recording (20% of it) was too noisy to read." in page
    assert "The 3 beats there are shown in grey" in page


def test_reader_warnings_are_shown_as_small_notes(client, patient):
    result = record_result(warnings=["The checksum in the WFDB header does not match the data."])
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result))
    assert 'id="read-warnings"' in page
    assert "Read with warnings: The checksum in the WFDB header does not match the data." in page


def test_a_pause_is_a_warning_note(client, patient):
    result = record_result(
        episodes=[episode("N", 0, 14), episode("PAUSE", 14, 16.6), episode("N", 16.6, 30)]
    )
    assert "A pause in the heartbeat (longest 2.6 s). A doctor should look at this." in note_texts(
        result
    )


def test_a_short_af_stretch_under_another_verdict_is_a_warning_not_hidden():
    result = record_result(
        verdict="normal",
        duration_s=600,
        episodes=[episode("N", 0, 100), episode("AFIB", 100, 125), episode("N", 125, 600)],
    )
    texts = note_texts(result)
    assert any("may be atrial fibrillation" in t and "25 seconds in all" in t for t in texts)


def test_an_other_verdict_for_frequent_extra_beats_names_them():
    result = record_result(
        verdict="other",
        reason="Frequent premature ventricular beats: 20% of beats.",
        counts={"NOR": 80, "PVC": 20},
        duration_s=90,
    )
    verdict = findings.verdict(result)
    assert verdict is not None
    assert verdict.text == (
        "An abnormal rhythm was found: frequent extra beats from the lower chambers (PVCs)"
    )
