"""Reads for pages and the API: history filters, the trend series, trace windows, the
condition page a result links to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import QuerySet

from diagnosis import events, findings, reviewed
from diagnosis.models import CLASS_NAMES, SYMPTOMS, Analysis, Review, Status

#: Longest trace window one request may ask for (seconds).
MAX_TRACE_WINDOW_S = 60.0


def history(
    user: Any,
    *,
    label: str = "",
    verdict: str = "",
    date_from: Any = None,
    date_to: Any = None,
    symptom: str = "",
) -> QuerySet[Analysis]:
    """The user's own analyses, newest first, filtered by headline class and verdict."""
    analyses = (
        Analysis.objects.visible_to(user)
        .filter(recording__owner=user)
        .select_related("recording", "model_version")
        .prefetch_related("reviews__doctor")
        .defer("result", "timings")
        .matching(
            label=label, verdict=verdict, date_from=date_from, date_to=date_to, symptom=symptom
        )
    )
    return analyses.order_by("-created_at")


def burden_trend(user: Any, *, limit: int = 200) -> list[dict[str, Any]]:
    """PVC and APC burden (share of beats) of the user's finished record analyses, oldest
    first, for the trend chart."""
    rows = (
        Analysis.objects.visible_to(user)
        .filter(recording__owner=user, status=Status.DONE, recording__kind="record")
        .order_by("-created_at")
        .values_list("created_at", "summary")[:limit]
    )
    points = []
    for created, summary in reversed(list(rows)):
        burden = (summary or {}).get("burden") or {}
        points.append(
            {
                "date": created.isoformat(),
                "PVC": burden.get("PVC", 0.0),
                "APC": burden.get("APC", 0.0),
            }
        )
    return points


def trace_window(analysis: Analysis, *, start_s: float, seconds: float) -> dict[str, Any]:
    """A window of a record's stored display trace with the beats inside it."""
    from diagnosis.engine import TRACE_FS

    seconds = float(min(max(seconds, 1.0), MAX_TRACE_WINDOW_S))
    with analysis.trace.open("rb") as handle:
        trace = np.load(handle, allow_pickle=False)
    duration = len(trace) / TRACE_FS
    start_s = float(min(max(start_s, 0.0), max(duration - seconds, 0.0)))
    a = int(start_s * TRACE_FS)
    start_s = a / TRACE_FS  # on the trace's sample grid, so values and beats line up
    b = int(min((start_s + seconds) * TRACE_FS, len(trace)))
    result = shown(analysis).result
    fs = float(result.get("fs") or TRACE_FS)
    end_s = start_s + seconds
    beats = [
        {
            "t": round(beat["sample"] / fs, 3),
            "label": beat.get("label"),
            "uncertain": bool(beat.get("uncertain", False)),
            "noise": beat.get("quality") == "noise",
        }
        for beat in result.get("beats", [])
        if start_s <= beat["sample"] / fs < end_s
    ]
    rhythm = result.get("rhythm") or {}
    episodes = [
        {
            "rhythm": episode["rhythm"],
            "start_s": round(episode["start"] / fs, 3),
            "end_s": round(episode["end"] / fs, 3),
        }
        for episode in rhythm.get("episodes") or []
        if episode["rhythm"] != "N"
        and episode["start"] / fs < end_s
        and episode["end"] / fs > start_s
    ]
    return {
        "fs": TRACE_FS,
        "start_s": round(start_s, 3),
        "seconds": seconds,
        "duration_s": round(duration, 3),
        "values": [round(float(v), 3) for v in trace[a:b]],
        "beats": beats,
        "episodes": episodes,
    }


def condition_for(analysis: Analysis) -> Any:
    """The condition page to link from a result: the verdict's (atrial fibrillation, ...)
    when there is one, else the headline class's; ``None`` when none is published."""
    from specialists import services as specialists
    from specialists.models import Condition

    slug = findings.condition_slug(analysis.result or {})
    if slug:
        condition = Condition.objects.published().filter(slug=slug).first()
        if condition is not None:
            return condition
    return specialists.condition_for_class(analysis.label) if analysis.label else None


@dataclass(frozen=True)
class Shown:
    """What a result page, report or list shows: the doctor's reading once there is a review
    (the latest), else the model's."""

    result: dict[str, Any]
    label: str
    confidence: float | None
    review: Review | None

    @property
    def label_name(self) -> str:
        return CLASS_NAMES.get(self.label, self.label)

    @property
    def label_count(self) -> int | None:
        """How many of a record's beats have the headline class (``None``: a beat image)."""
        counts = (self.result.get("summary") or {}).get("counts")
        return int(counts.get(self.label, 0)) if isinstance(counts, dict) else None


def shown(analysis: Analysis, *, model_only: bool = False) -> Shown:
    """The result as people should read it: with the latest doctor's review applied, or the
    model's own output (``model_only``, one click away on the page)."""
    result = analysis.result or {}
    review = None if model_only else analysis.latest_review
    if review is None:
        return Shown(result, analysis.label, analysis.confidence, None)
    applied = reviewed.apply_review(
        result,
        label=review.label,
        corrections=review.beat_corrections,
        rhythm=review.rhythm,
        doctor=review.doctor.get_full_name(),
    )
    if applied.get("input") == "beat_image":
        return Shown(applied, review.label, None, review)
    counts = (applied.get("summary") or {}).get("counts") or {}
    total = sum(counts.values())
    share = round(counts.get(review.label, 0) / total, 4) if total else None
    return Shown(applied, review.label, share, review)


def result_context(analysis: Analysis, *, model_only: bool = False) -> dict[str, object]:
    """Everything the result page, its live fragment and the report show: the doctor's
    reading once reviewed (``model_only``: the model's own output)."""
    view = shown(analysis, model_only=model_only)
    result = view.result
    metrics = (
        analysis.model_version.class_metrics(
            analysis.label, beat_picture=result.get("input") == "beat_image"
        )
        if analysis.model_version
        else None
    )
    probabilities = result.get("probabilities") or {}
    found = events.events(result)
    return {
        "analysis": analysis,
        "shown": view,
        "model_only": model_only,
        "result": result,
        "verdict": findings.verdict(result),
        "emergency": findings.emergency(result),
        "episodes": findings.listed_episodes(result),
        "notes": findings.rhythm_notes(result),
        "read_warnings": findings.read_warnings(result),
        "metrics": metrics,
        "probabilities": sorted(probabilities.items(), key=lambda kv: -kv[1]),
        "summary": result.get("summary") or {},
        "length_label": findings.duration_words(
            float((result.get("summary") or {}).get("duration_s") or 0)
        ),
        "symptom_choices": list(SYMPTOMS.items()),
        "events": found,
        "events_json": [round(e.start_s, 3) for e in found],
        "tachogram": events.tachogram(result),
        "abnormal_times": events.abnormal_beat_times(result),
        "condition": condition_for(analysis) if analysis.status == "done" else None,
        "nearby": _nearby_specialists(analysis) if analysis.status == "done" else [],
    }


def _nearby_specialists(analysis: Analysis) -> list[object]:
    """The three specialists nearest the patient's saved city (none saved: none shown)."""
    from specialists import services as specialists

    owner = analysis.recording.owner
    if not owner.city:
        return []
    return list(
        specialists.nearest_specialists_to_city(city=owner.city, country=owner.country or None)
    )
