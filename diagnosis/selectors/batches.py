"""Reads for the summary of a multi-ECG upload: each ECG's line with its latest analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from diagnosis.models import Analysis, Recording, UploadBatch, UploadBatchItem


@dataclass
class BatchLine:
    """One line of the summary: the ECG (or refused file) and its recording's latest
    analysis (a rerun replaces the first one); ``None`` for a refused file."""

    item: UploadBatchItem
    analysis: Analysis | None


def batch_lines(batch: UploadBatch, viewer: Any) -> list[BatchLine]:
    """The lines ``viewer`` may see: all of them for the owner; for anyone else only the
    ECGs ``Recording.visible_to`` lets them see (never the refused files)."""
    items = batch.items.select_related("recording").prefetch_related(
        Prefetch(
            "recording__analyses",
            queryset=Analysis.objects.defer("result", "timings")
            .prefetch_related("reviews__doctor")
            .order_by("-created_at"),
        )
    )
    if viewer.pk != batch.owner_id:
        items = items.filter(recording__in=Recording.objects.visible_to(viewer))
    lines = []
    for item in items:
        analyses = list(item.recording.analyses.all()) if item.recording else []
        lines.append(BatchLine(item=item, analysis=analyses[0] if analyses else None))
    return lines


def batch_context(batch: UploadBatch, viewer: Any) -> dict[str, Any]:
    """What the summary page, its live fragment and the API show: every line in upload
    order (``all_lines``), the ECGs taken (``lines``) and the refused files (``rejected``),
    counts, and whether every analysis is finished (the page stops polling)."""
    lines = batch_lines(batch, viewer)
    taken = [line for line in lines if line.analysis is not None]
    analyses = [line.analysis for line in taken if line.analysis is not None]
    rejected = [line for line in lines if line.item.error]
    return {
        "batch": batch,
        "all_lines": lines,
        "lines": taken,
        "rejected": rejected,
        "counts": {
            "new": sum(1 for line in taken if not line.item.duplicate),
            "duplicate": sum(1 for line in taken if line.item.duplicate),
            "rejected": len(rejected),
            "waiting": sum(1 for analysis in analyses if not analysis.is_finished),
        },
        "finished": all(analysis.is_finished for analysis in analyses),
        "is_owner": viewer.pk == batch.owner_id,
    }
