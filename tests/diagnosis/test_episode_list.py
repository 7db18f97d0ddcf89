"""The episodes under the verdict: plain words, start and length, each paging the trace to
where it starts; the trace marks episodes and beats in noise."""

from __future__ import annotations

import pytest

from tests.diagnosis.rhythm_results import (
    beats_at,
    episode,
    record_analysis,
    record_result,
    result_page,
    spread_beats,
)

pytestmark = pytest.mark.django_db


def af_result() -> dict:
    beats = sorted(
        spread_beats({"NOR": 180}, 150) + beats_at([151.0, 152.0], None), key=lambda b: b["sample"]
    )
    return record_result(
        verdict="af",
        af_burden=0.5,
        beats=beats,
        duration_s=160,
        usable=0.94,
        episodes=[
            episode("N", 0, 75),
            episode("AFIB", 75, 150),
            episode("NOISE", 150, 160),
        ],
    )


def test_each_episode_is_listed_with_its_start_and_length_and_jumps_the_trace(client, patient):
    analysis = record_analysis(patient, af_result(), with_trace=True)
    client.force_login(patient)
    page = result_page(client, analysis)
    listing = page.split('id="episode-list"')[1].split("</ul>")[0]
    assert listing.count('class="episode"') == 2  # normal rhythm is not listed
    af_item = listing.split('data-rhythm="AFIB"')[1].split("</li>")[0]
    assert 'href="#trace-card"' in af_item
    assert 'data-trace-jump="75.000"' in af_item
    assert "Atrial fibrillation</a>" in af_item
    assert "at 01:15 for 75 seconds" in af_item
    assert "Unreadable signal (noise)" in listing
    assert 'id="trace-card"' in page
    assert 'id="trace-legend"' in page


def test_without_a_trace_the_episodes_are_listed_without_links(client, patient):
    analysis = record_analysis(patient, af_result())
    client.force_login(patient)
    page = result_page(client, analysis)
    assert 'id="episode-list"' in page
    assert "data-trace-jump" not in page


def test_a_record_in_normal_rhythm_throughout_lists_no_episodes(client, patient):
    analysis = record_analysis(patient, record_result(), with_trace=True)
    client.force_login(patient)
    page = result_page(client, analysis)
    assert 'id="episode-list"' not in page


def test_the_trace_window_carries_the_episodes_it_overlaps_and_marks_noise_beats(client, patient):
    analysis = record_analysis(patient, af_result(), with_trace=True)
    client.force_login(patient)
    window = client.get(f"/analyses/{analysis.id}/trace.json?start=145&seconds=10").json()
    assert [e["rhythm"] for e in window["episodes"]] == ["AFIB", "NOISE"]
    assert window["episodes"][0] == {"rhythm": "AFIB", "start_s": 75.0, "end_s": 150.0}
    noise = [b for b in window["beats"] if b["noise"]]
    assert [b["t"] for b in noise] == [151.0, 152.0]
    assert all(b["label"] is None for b in noise)
    assert not any(b["noise"] for b in window["beats"] if b["label"])


def test_normal_rhythm_is_not_shaded_on_the_trace(client, patient):
    analysis = record_analysis(patient, af_result(), with_trace=True)
    client.force_login(patient)
    window = client.get(f"/analyses/{analysis.id}/trace.json?start=0&seconds=10").json()
    assert window["episodes"] == []


def test_a_long_list_of_episodes_folds_after_twelve(client, patient):
    pauses = [episode("PAUSE", 10 * k, 10 * k + 2.2) for k in range(15)]
    result = record_result(verdict="other", duration_s=160, episodes=pauses)
    client.force_login(patient)
    page = result_page(client, record_analysis(patient, result, with_trace=True))
    shown = page.split('id="episode-list"')[1].split("</ul>")[0]
    assert shown.count('class="episode"') == 12
    assert "3 more</summary>" in page
    assert page.count('class="episode-link" data-trace-jump=') == 15  # the events list has its own


def test_a_trace_window_starts_on_the_trace_samples_so_beats_line_up(client, patient):
    result = record_result(beats=beats_at([0.614, 1.4, 2.2]), duration_s=30.0)
    analysis = record_analysis(patient, result, with_trace=True)
    client.force_login(patient)
    window = client.get(f"/analyses/{analysis.id}/trace.json?start=0.614&seconds=10").json()
    # 0.614 s is between two samples at 125 Hz: the window starts on the sample before it,
    # and the beat at 0.614 s is inside it.
    assert window["start_s"] == 0.608
    assert window["beats"][0]["t"] == 0.614
