"""Reads for pages and the API: history filters, the trend series, trace windows, the
condition page a result links to."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import QuerySet

from diagnosis import findings
from diagnosis.models import Analysis, Status

#: Longest trace window one request may ask for (seconds).
MAX_TRACE_WINDOW_S = 60.0


def history(
    user: Any,
    *,
    label: str = "",
    verdict: str = "",
    date_from: Any = None,
    date_to: Any = None,
) -> QuerySet[Analysis]:
    """The user's own analyses, newest first, filtered by headline class and verdict."""
    analyses = (
        Analysis.objects.visible_to(user)
        .filter(recording__owner=user)
        .select_related("recording", "model_version")
        .prefetch_related("reviews__doctor")
        .defer("result", "timings")
        .matching(label=label, verdict=verdict, date_from=date_from, date_to=date_to)
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
    result = analysis.result or {}
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
