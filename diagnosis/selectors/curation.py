"""Read-side queries for the curation pages (no writes here)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Count, QuerySet

from diagnosis.models import (
    CLASS_NAMES,
    AuditEvent,
    ExampleSource,
    ExampleStatus,
    InputKind,
    LabeledExample,
    ModelVersion,
    TrainingRun,
)

#: Seconds of trace shown on each side of a corrected beat (its neighbours, for context).
CONTEXT_S = 1.5
TRACE_FS = 125.0


def examples_filtered(
    *, status: str = "", label: str = "", source: str = "", split: str = ""
) -> QuerySet[LabeledExample]:
    queryset = LabeledExample.objects.select_related(
        "analysis__recording", "created_by", "reviewed_by", "import_batch"
    ).defer("window")
    if status:
        queryset = queryset.filter(status=status)
    if label:
        queryset = queryset.filter(label=label)
    if source:
        queryset = queryset.filter(source=source)
    if split == "holdout":
        queryset = queryset.filter(holdout=True)
    elif split == "train":
        queryset = queryset.filter(holdout=False)
    return queryset.order_by("created_at", "id")


def example_counts() -> dict[str, Any]:
    """Counts per class and source, by status: ``rows`` (one per class) for the table."""
    cells: dict[tuple[str, str, str], int] = {}
    for row in LabeledExample.objects.values("label", "source", "status").annotate(n=Count("id")):
        cells[(row["label"], row["source"], row["status"])] = row["n"]
    statuses = [s.value for s in ExampleStatus]
    rows: list[dict[str, Any]] = []
    for code in CLASS_NAMES:
        per_status = {
            s: sum(v for k, v in cells.items() if k[0] == code and k[2] == s) for s in statuses
        }
        per_source = {
            src.value: sum(v for k, v in cells.items() if k[0] == code and k[1] == src.value)
            for src in ExampleSource
        }
        rows.append({"label": code, "status": per_status, "source": per_source})
    totals = {s: sum(r["status"][s] for r in rows) for s in statuses}
    return {"rows": rows, "totals": totals, "sources": list(ExampleSource)}


def example_has_image(example: LabeledExample) -> bool:
    """Whether there is a picture to serve: a stored image, or the analysis's beat image."""
    if example.image:
        return True
    analysis = example.analysis
    return analysis is not None and analysis.recording.kind == InputKind.BEAT_IMAGE


def example_trace(example: LabeledExample) -> dict[str, Any] | None:
    """The corrected beat with its neighbours, from the analysis's stored display trace:
    an SVG polyline (``points``, 300 x 80 box) and the beat's x position, or None."""
    analysis = example.analysis
    if analysis is None or not analysis.trace or example.beat_sample is None:
        return None
    fs = float((analysis.result or {}).get("fs") or 0)
    if fs <= 0:
        return None
    try:
        with analysis.trace.open("rb") as handle:
            trace = np.load(handle, allow_pickle=False).astype(np.float32)
    except (OSError, ValueError):
        return None
    centre = example.beat_sample / fs * TRACE_FS
    lo = max(0, int(centre - CONTEXT_S * TRACE_FS))
    hi = min(len(trace), int(centre + CONTEXT_S * TRACE_FS))
    segment = trace[lo:hi]
    if len(segment) < 2:
        return None
    span = float(np.ptp(segment)) or 1.0
    xs = np.linspace(0, 300, len(segment))
    ys = 75 - (segment - float(segment.min())) / span * 70
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    marker = (centre - lo) / max(1, len(segment) - 1) * 300
    return {"points": points, "marker": round(marker, 1)}


def training_runs() -> QuerySet[TrainingRun]:
    return TrainingRun.objects.select_related("requested_by", "candidate", "base_version")


def model_versions() -> list[ModelVersion]:
    """Every version, the active one first, then newest first."""
    return list(ModelVersion.objects.order_by("-is_active", "-created_at"))


def _metric(metadata: dict[str, Any], *path: str) -> Any:
    node: Any = metadata.get("metrics") or {}
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def comparison_rows(versions: list[ModelVersion]) -> list[dict[str, Any]]:
    """Headline metrics of each version side by side (DS2 benchmark and held-out examples)."""
    from diagnosis.services.curation import promotion_problems

    active = next((v for v in versions if v.is_active), None)
    rows = []
    for version in versions:
        meta = version.metadata or {}
        ds2 = version.ds2_headline() or {}
        rows.append(
            {
                "version": version,
                "ds2_accuracy": ds2.get("accuracy"),
                "ds2_note": _metric(meta, "inter_patient_DS2_note"),
                "s_se": ds2.get("S_se"),
                "s_ppv": ds2.get("S_ppv"),
                "v_se": ds2.get("V_se"),
                "v_ppv": ds2.get("V_ppv"),
                "holdout_accuracy": _metric(meta, "holdout_examples", "accuracy"),
                "holdout_n": _metric(meta, "holdout_examples", "n"),
                "small": bool((meta.get("training") or {}).get("small")),
                "problems": []
                if version.is_active
                else promotion_problems(candidate=version, active=active),
            }
        )
    return rows


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor")
