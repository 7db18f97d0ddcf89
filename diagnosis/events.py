"""Events of a recording a person can jump to: abnormal rhythm episodes, runs of ectopic
beats, single abnormal beats, long pauses, and the fastest and slowest minute; and the
heart-rate trend (tachogram). Pure functions on the engine's JSON (as shown: a doctor's
corrections applied)."""

from __future__ import annotations

import itertools
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from diagnosis import findings

#: Beat classes that are events of their own (normal and bundle-branch-block beats are not).
ABNORMAL = {"APC": "Atrial premature beat", "PVC": "Ventricular premature beat"}
ABNORMAL |= {"VEB": "Ventricular escape beat", "VFW": "Ventricular flutter wave"}
#: A gap between beats this long (seconds) is a pause.
PAUSE_S = 2.0
#: Recordings at least this long get the fastest and slowest minute and a tachogram.
TREND_MIN_S = 120.0
#: Width of one tachogram point (seconds).
TREND_STEP_S = 10.0


@dataclass(frozen=True)
class Event:
    kind: str  # "rhythm", "run", "beat", "pause", "rate"
    code: str  # episode code, beat class, "PAUSE", "FAST" or "SLOW"
    name: str
    start_s: float
    duration_s: float

    @property
    def start_label(self) -> str:
        return findings.clock(self.start_s)

    @property
    def duration_label(self) -> str:
        return findings.duration_words(self.duration_s) if self.duration_s else ""


def _beats(result: dict[str, Any]) -> tuple[list[float], list[str]]:
    fs = float(result.get("fs") or 0)
    if fs <= 0:
        return [], []
    beats = sorted(result.get("beats") or [], key=lambda b: int(b["sample"]))
    return [int(b["sample"]) / fs for b in beats], [str(b.get("label") or "") for b in beats]


def _ectopy(times: list[float], labels: list[str]) -> list[Event]:
    """Runs of 2+ consecutive beats of one abnormal class, and single abnormal beats."""
    out: list[Event] = []
    i = 0
    while i < len(labels):
        code = labels[i]
        j = i
        while j + 1 < len(labels) and labels[j + 1] == code:
            j += 1
        if code in ABNORMAL:
            if j > i:
                name = f"Run of {j - i + 1} {ABNORMAL[code].lower()}s"
                out.append(Event("run", code, name, times[i], times[j] - times[i]))
            else:
                out.append(Event("beat", code, ABNORMAL[code], times[i], 0.0))
        i = j + 1
    return out


def _pauses(times: list[float]) -> list[Event]:
    return [
        Event("pause", "PAUSE", f"Pause of {b - a:.1f} s", a, b - a)
        for a, b in itertools.pairwise(times)
        if b - a >= PAUSE_S
    ]


def _rate_extremes(times: list[float], duration_s: float) -> list[Event]:
    """The minute with the fastest and the slowest mean heart rate."""
    if duration_s < TREND_MIN_S or len(times) < 3:
        return []
    rates = []
    for start in range(0, int(duration_s - 60) + 1, 10):
        rate = _rate(times, float(start), start + 60.0)
        if rate is not None:
            rates.append((rate, float(start)))
    if not rates:
        return []
    fast, slow = max(rates), min(rates)
    return [
        Event("rate", "FAST", f"Fastest minute, {fast[0]:.0f} bpm", fast[1], 60.0),
        Event("rate", "SLOW", f"Slowest minute, {slow[0]:.0f} bpm", slow[1], 60.0),
    ]


def events(result: dict[str, Any]) -> list[Event]:
    """Every event of a record, in time order (an empty list for a beat image)."""
    if result.get("input") == "beat_image":
        return []
    times, labels = _beats(result)
    duration_s = float((result.get("summary") or {}).get("duration_s") or 0.0)
    # A doctor who read the rhythm differently leaves the episodes as the model's reading.
    whose = " (the model's reading)" if (result.get("rhythm") or {}).get("model_verdict") else ""
    rhythm = [
        Event("rhythm", e.rhythm, e.name + whose, e.start_s, e.duration_s)
        for e in findings.listed_episodes(result)
    ]
    found = rhythm + _ectopy(times, labels) + _pauses(times) + _rate_extremes(times, duration_s)
    return sorted(found, key=lambda e: (e.start_s, e.kind))


def tachogram(result: dict[str, Any]) -> list[dict[str, float]]:
    """Heart rate every ``TREND_STEP_S`` seconds (mean over that stretch) for recordings of
    at least ``TREND_MIN_S``; empty otherwise."""
    times, _ = _beats(result)
    duration_s = float((result.get("summary") or {}).get("duration_s") or 0.0)
    if duration_s < TREND_MIN_S:
        return []
    out = []
    step = TREND_STEP_S
    for k in range(int(duration_s // step)):
        rate = _rate(times, k * step, (k + 1) * step)
        if rate is not None:
            out.append({"t": round(k * step, 1), "bpm": round(rate, 1)})
    return out


def _rate(times: list[float], start: float, end: float) -> float | None:
    """Mean heart rate (bpm) of the beats in [start, end) of sorted ``times``."""
    a, b = bisect_left(times, start), bisect_left(times, end)
    if b - a < 3 or times[b - 1] <= times[a]:
        return None
    return 60.0 * (b - a - 1) / (times[b - 1] - times[a])


def abnormal_beat_times(result: dict[str, Any]) -> list[float]:
    """Times (s) of beats whose class is an event, for "next abnormal beat" on the trace."""
    times, labels = _beats(result)
    return [round(t, 3) for t, label in zip(times, labels, strict=True) if label in ABNORMAL]
