"""Reads for sharing, the doctor's review queue and the access log. Every analysis read
starts from ``Analysis.objects.visible_to``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.models import Specialty, User
from diagnosis.models import (
    AccessLogEntry,
    Analysis,
    InputKind,
    Review,
    Share,
    Status,
)

#: Review states a doctor can filter the queue by.
REVIEW_STATES = [("waiting", "Waiting for review"), ("reviewed", "Reviewed by me"), ("all", "All")]


def approved_doctors_search(query: str, *, limit: int = 20) -> QuerySet[User]:
    """Approved, active doctors whose name, specialty or workplace matches ``query``."""
    query = query.strip()
    if not query:
        return User.objects.none()
    specialties = [code for code, name in Specialty.choices if query.lower() in name.lower()]
    return (
        User.objects.approved_doctors()
        .filter(
            Q(full_name__icontains=query)
            | Q(doctor_profile__specialty__in=specialties)
            | Q(doctor_profile__workplace__icontains=query)
        )
        .select_related("doctor_profile")
        .order_by("full_name")[:limit]
    )


def shares_of_patient(patient: User) -> QuerySet[Share]:
    """A patient's active shares: every result first, then single results."""
    return (
        Share.objects.active()
        .filter(patient=patient)
        .select_related("doctor", "doctor__doctor_profile", "analysis")
        .order_by(F("analysis").asc(nulls_first=True), "-created_at")
    )


def shares_with_doctor(doctor: User) -> tuple[list[Share], int]:
    """Active shares to ``doctor``, by patient, and how many analyses wait for this doctor's
    review in all; each share carries ``waiting``: how many of the analyses it shares wait."""
    waiting = list(
        review_queue(doctor, state="waiting").order_by().values_list("id", "recording__owner_id")
    )
    waiting_ids = {analysis_id for analysis_id, _ in waiting}
    waiting_by_patient = Counter(owner_id for _, owner_id in waiting)
    shares = list(
        Share.objects.active_for(doctor)
        .select_related("patient", "analysis")
        .order_by("patient__full_name", "patient__email", F("analysis").asc(nulls_first=True))
    )
    for share in shares:
        share.waiting = (  # type: ignore[attr-defined]
            waiting_by_patient[share.patient_id]
            if share.analysis_id is None
            else int(share.analysis_id in waiting_ids)
        )
    return shares, len(waiting)


def review_queue(
    doctor: User,
    *,
    patient_id: Any = None,
    label: str = "",
    date_from: Any = None,
    date_to: Any = None,
    state: str = "waiting",
) -> QuerySet[Analysis]:
    """Analyses shared with ``doctor``: those this doctor has not reviewed first, newest
    first within each group."""
    mine = Review.objects.filter(analysis=OuterRef("pk"), doctor=doctor)
    analyses = (
        Analysis.objects.shared_with(doctor)
        .matching(label=label, date_from=date_from, date_to=date_to)
        .annotate(reviewed=Exists(mine))
        .select_related("recording", "recording__owner")
        .defer("result", "timings")
    )
    if patient_id:
        analyses = analyses.filter(recording__owner_id=patient_id)
    if state == "waiting":
        analyses = analyses.filter(status=Status.DONE, reviewed=False)
    elif state == "reviewed":
        analyses = analyses.filter(reviewed=True)
    return analyses.order_by("reviewed", "-created_at")


def beats_window(
    analysis: Analysis, *, start_s: float, seconds: float, corrections: dict[int, str]
) -> dict[str, Any]:
    """The beats of a record between ``start_s`` and ``start_s + seconds`` for the review
    table, with the doctor's current class for each."""
    result = analysis.result or {}
    fs = float(result.get("fs") or 1.0)
    beats = result.get("beats") or []
    duration = (beats[-1]["sample"] / fs) if beats else 0.0
    duration = max(duration, float((result.get("summary") or {}).get("duration_s") or 0.0))
    start_s = max(0.0, min(start_s, max(duration - seconds, 0.0)))
    rows = [
        {
            "sample": int(beat["sample"]),
            "t": round(beat["sample"] / fs, 3),
            "model_label": beat["label"],
            "label": corrections.get(int(beat["sample"]), beat["label"]),
            "corrected": int(beat["sample"]) in corrections,
            "confidence": beat.get("confidence"),
            "uncertain": bool(beat.get("uncertain")),
        }
        for beat in beats
        if start_s <= beat["sample"] / fs < start_s + seconds
    ]
    return {
        "rows": rows,
        "start_s": start_s,
        "end_s": min(start_s + seconds, duration) if duration else start_s + seconds,
        "seconds": seconds,
        "duration_s": duration,
        "previous_start": max(start_s - seconds, 0.0) if start_s > 0 else None,
        "next_start": start_s + seconds if start_s + seconds < duration else None,
    }


def is_record(analysis: Analysis) -> bool:
    return analysis.recording.kind == InputKind.RECORD and bool(
        (analysis.result or {}).get("beats")
    )


def access_log_of_patient(patient: User) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(patient=patient).select_related("viewer", "analysis")


def access_log_all() -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.select_related("patient").order_by("-created_at")
