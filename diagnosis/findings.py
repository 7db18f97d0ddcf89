"""Plain-English reading of an engine result: the headline class and rhythm notes.

Thresholds follow common clinical rules of thumb (e.g. PVC burden above 10% is "frequent");
they describe the recording, they do not diagnose.
"""

from __future__ import annotations

from typing import Any

NORMAL = "NOR"
#: A non-normal class becomes the headline when it is at least this share of beats ...
HEADLINE_MIN_SHARE = 0.01
#: ... and at least this many beats.
HEADLINE_MIN_BEATS = 3


def headline(result: dict[str, Any]) -> tuple[str, float | None]:
    """The class to show first, with its confidence (beat image) or share of beats (record)."""
    if result.get("input") == "beat_image":
        return result["label"], float(result["confidence"])
    summary = result.get("summary") or {}
    counts: dict[str, int] = summary.get("counts") or {}
    total = sum(counts.values())
    if not total:
        return "", None
    abnormal = sorted(
        ((n, code) for code, n in counts.items() if code != NORMAL and n), reverse=True
    )
    for n, code in abnormal:
        if n >= HEADLINE_MIN_BEATS and n / total >= HEADLINE_MIN_SHARE:
            return code, round(n / total, 4)
    return NORMAL, round(counts.get(NORMAL, 0) / total, 4)


def rhythm_notes(result: dict[str, Any]) -> list[dict[str, str]]:
    """Notes about a record: frequent ectopic beats, fast or slow rate, flutter waves.

    Each note is ``{"level": "info" | "warning" | "danger", "text": ...}``.
    """
    if result.get("input") != "record":
        return []
    summary = result.get("summary") or {}
    counts: dict[str, int] = summary.get("counts") or {}
    burden: dict[str, float] = summary.get("burden") or {}
    hours = max(float(summary.get("duration_s") or 0) / 3600.0, 1e-9)
    rate = summary.get("mean_heart_rate_bpm")
    notes: list[dict[str, str]] = []
    if counts.get("VFW"):
        notes.append(
            {
                "level": "danger",
                "text": "Beats that look like ventricular flutter were found. Ventricular flutter "
                "is an emergency: if you feel faint, have chest pain or collapsed, call your "
                "emergency number now.",
            }
        )
    ventricular = counts.get("PVC", 0) + counts.get("VEB", 0)
    v_burden = burden.get("PVC", 0.0) + burden.get("VEB", 0.0)
    if v_burden >= 0.10 or (ventricular / hours >= 30 and ventricular >= 10):
        notes.append(
            {
                "level": "warning",
                "text": f"Frequent premature ventricular beats: {v_burden:.1%} of beats "
                f"({ventricular} beats). A doctor should look at this.",
            }
        )
    elif ventricular:
        notes.append(
            {
                "level": "info",
                "text": f"Occasional premature ventricular beats ({ventricular}). These are common "
                "and often harmless.",
            }
        )
    atrial = counts.get("APC", 0)
    if burden.get("APC", 0.0) >= 0.10 or (atrial / hours >= 30 and atrial >= 10):
        notes.append(
            {
                "level": "warning",
                "text": f"Frequent atrial premature beats: {burden.get('APC', 0.0):.1%} of beats "
                f"({atrial} beats).",
            }
        )
    if isinstance(rate, int | float):
        if rate > 100:
            notes.append(
                {
                    "level": "warning",
                    "text": f"Fast average heart rate: {rate:.0f} beats per minute (above 100).",
                }
            )
        elif rate < 50:
            notes.append(
                {
                    "level": "warning",
                    "text": f"Slow average heart rate: {rate:.0f} beats per minute (below 50).",
                }
            )
    if burden.get("PAB", 0.0) >= 0.5:
        notes.append({"level": "info", "text": "Most beats look paced (from a pacemaker)."})
    if summary.get("uncertain"):
        notes.append(
            {
                "level": "info",
                "text": f"The model was unsure about {summary['uncertain']} beats; they are marked "
                "as uncertain.",
            }
        )
    return notes
