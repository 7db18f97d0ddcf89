"""Events a person can jump to on a long recording, the heart-rate trend, and lengths in
minutes and seconds."""

from __future__ import annotations

import pytest

from diagnosis import events
from tests.diagnosis.rhythm_results import beats_at, episode, record_analysis, record_result


def thirty_minutes() -> dict:
    """30 minutes at 60 bpm, faster (120 bpm) from minute 10 to 11, a run of 3 PVCs at
    300 s, a single APC at 900 s, a 4 s pause from 1499 s and an AF episode at 1200-1260 s."""
    times = [float(t) for t in range(0, 600)]
    times += [600 + k * 0.5 for k in range(120)]
    times += [float(t) for t in range(660, 1500)] + [float(t) for t in range(1503, 1800)]
    labels = {300.0: "PVC", 301.0: "PVC", 302.0: "PVC", 900.0: "APC"}
    beats = []
    for t in times:
        beats += beats_at([t], labels.get(t, "NOR"))
    return record_result(
        verdict="af",
        reason="Irregularly irregular rhythm without P waves from 20:00 to 21:00.",
        af_burden=60 / 1800,
        beats=beats,
        duration_s=1800.0,
        episodes=[episode("N", 0, 1200), episode("AFIB", 1200, 1260), episode("N", 1260, 1800)],
    )


def test_runs_single_beats_pauses_and_rate_extremes_are_events():
    found = events.events(thirty_minutes())
    by_code = {e.code: e for e in found}
    assert by_code["PVC"].kind == "run" and by_code["PVC"].name == (
        "Run of 3 ventricular premature beats"
    )
    assert by_code["PVC"].start_s == pytest.approx(300.0)
    assert by_code["APC"].kind == "beat" and by_code["APC"].start_label == "15:00"
    assert by_code["PAUSE"].name == "Pause of 4.0 s" and by_code["PAUSE"].start_s == 1499.0
    assert by_code["AFIB"].kind == "rhythm" and by_code["AFIB"].duration_label == "60 seconds"
    assert by_code["FAST"].name == "Fastest minute, 120 bpm"
    assert 590 <= by_code["FAST"].start_s <= 610
    assert [e.start_s for e in found] == sorted(e.start_s for e in found)


def test_the_tachogram_has_a_point_every_ten_seconds():
    trend = events.tachogram(thirty_minutes())
    assert len(trend) == 180
    fast = [p["bpm"] for p in trend if 600 <= p["t"] < 660]
    assert min(fast) == pytest.approx(120, abs=1)
    assert trend[0]["bpm"] == pytest.approx(60, abs=1)


def test_a_short_recording_has_no_trend_or_rate_extremes():
    result = record_result(duration_s=30.0)
    assert events.tachogram(result) == []
    assert not [e for e in events.events(result) if e.kind == "rate"]


@pytest.mark.django_db
def test_the_result_page_lists_events_to_jump_to(client, patient):
    analysis = record_analysis(patient, thirty_minutes(), with_trace=True)
    client.force_login(patient)
    html = client.get(f"/analyses/{analysis.id}/").content.decode()
    assert 'id="event-list"' in html and 'data-trace-jump="300.000"' in html
    assert 'data-trace-step="events"' in html and 'data-trace-step="abnormal"' in html
    assert 'id="tachogram-chart"' in html and 'id="tachogram-data"' in html
    assert "30 min" in html  # the length, not "1800 s"
