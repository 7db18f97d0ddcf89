"""The PDF report a patient can hand to any doctor: the verdict, the doctor's review, the
beats in plain words, events, the strip on ECG paper (25 mm/s, 10 mm/mV) and the model's
measured accuracy. Built with reportlab; the strip is drawn with matplotlib at true scale."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from django.http import HttpResponse

from diagnosis.models import CLASS_NAMES, Analysis

#: Paper speed and gain of the printed strip.
MM_PER_S = 25.0
MM_PER_MV = 10.0
#: One printed row of the strip (seconds): 150 mm fits an A4 page's text width.
ROW_S = 6.0
#: Most strip rows in a report (a 30-second recording prints whole).
MAX_ROWS = 5
TRACE_FS = 125.0


def _strip_png(values: np.ndarray, fs: float, start_s: float) -> bytes:
    """One row of the trace on pink millimetre paper, at true scale (150 dpi)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    lo, hi = -1.5, 2.0  # mV shown; values outside are clipped to the row
    width_mm, height_mm = ROW_S * MM_PER_S, (hi - lo) * MM_PER_MV
    fig = plt.figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=150)
    ax = fig.add_axes((0, 0, 1, 1))
    for t in np.arange(0, ROW_S + 1e-9, 0.04):
        ax.axvline(t, color="#f4b6c2", lw=0.8 if round(t / 0.04) % 5 == 0 else 0.25)
    for v in np.arange(lo, hi + 1e-9, 0.1):
        ax.axhline(v, color="#f4b6c2", lw=0.8 if round((v - lo) / 0.1) % 5 == 0 else 0.25)
    t = np.arange(len(values)) / fs
    ax.plot(t, np.clip(values, lo, hi), color="black", lw=0.7)
    ax.set_xlim(0, ROW_S)
    ax.set_ylim(lo, hi)
    ax.text(0.05, hi - 0.15, f"{start_s:.0f} s", fontsize=6, va="top")
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return buffer.getvalue()


def _strip_starts(context: dict[str, Any], duration_s: float) -> list[float]:
    """Where the printed rows start: all of a short recording; the first events of a long
    one (the whole start when it has none)."""
    if duration_s <= MAX_ROWS * ROW_S:
        return [float(s) for s in np.arange(0, max(duration_s - 0.5, 0.1), ROW_S)][:MAX_ROWS]
    starts = [max(0.0, e.start_s - 1.0) for e in context.get("events") or []][:MAX_ROWS]
    return starts or [0.0]


def report_pdf(analysis: Analysis, context: dict[str, Any]) -> bytes:
    """The report of a finished analysis as PDF bytes (``context``: the result page's)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    story: list[Any] = []

    def para(text: str, style: Any = body) -> None:
        story.append(Paragraph(text, style))

    shown, verdict, summary = context["shown"], context.get("verdict"), context["summary"]
    owner = analysis.recording.owner
    story.append(Paragraph("ECG screening report", styles["Title"]))
    para(
        f"{owner.get_full_name()} &middot; recorded file {analysis.recording.original_name} "
        f"&middot; uploaded {analysis.created_at:%d %b %Y %H:%M}",
        small,
    )
    para("<b>A screening aid, not a diagnosis.</b> A doctor must read the ECG itself.", small)
    story.append(Spacer(1, 4 * mm))
    if verdict:
        para(f"<b>Heart rhythm: {verdict.text}</b>")
        if verdict.reason:
            para(verdict.reason)
    if shown.label:
        para(f"Beat finding: <b>{shown.label_name}</b>")
    felt = analysis.recording.symptom_names
    if felt or analysis.recording.symptom_note:
        note = f' "{analysis.recording.symptom_note}"' if analysis.recording.symptom_note else ""
        para(f"How they felt when recording: {'; '.join(felt)}{note}")
    review = shown.review
    if review is not None:
        text = f"<b>Reviewed by {review.doctor.get_full_name()}</b> on {review.updated_at:%d %b %Y}"
        if review.label != analysis.label:
            text += f": {shown.label_name}, where the model said {analysis.label_name or '-'}"
        if review.beat_corrections:
            text += f"; {len(review.beat_corrections)} beat(s) corrected"
        para(text + ".")
        if review.note:
            para(f"Doctor's note: {review.note}")
    counts = {code: n for code, n in (summary.get("counts") or {}).items() if n}
    if counts:
        story.append(Spacer(1, 3 * mm))
        para(
            f"{summary.get('n_beats', 0)} beats in {context.get('length_label', '')}; "
            f"average heart rate {summary.get('mean_heart_rate_bpm') or '-'} bpm."
        )
        rows = [["Beat type", "Beats", "Share"]] + [
            [CLASS_NAMES.get(code, code), str(n), f"{100 * n / max(sum(counts.values()), 1):.1f} %"]
            for code, n in sorted(counts.items(), key=lambda kv: -kv[1])
        ]
        table = Table(rows, hAlign="LEFT")
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        story.append(table)
    found = context.get("events") or []
    if found:
        story.append(Spacer(1, 3 * mm))
        para("<b>Events</b> (time from the start)")
        for event in found[:12]:
            length = f" for {event.duration_label}" if event.duration_label else ""
            para(f"{event.start_label} &nbsp; {event.name}{length}", small)
    if analysis.trace:
        with analysis.trace.open("rb") as handle:
            trace = np.load(handle, allow_pickle=False).astype(np.float64)
        duration_s = len(trace) / TRACE_FS
        story.append(Spacer(1, 3 * mm))
        para("<b>The ECG</b> at 25 mm/s and 10 mm/mV (large squares 5 mm).", small)
        for start in _strip_starts(context, duration_s):
            a = int(start * TRACE_FS)
            row = trace[a : a + int(ROW_S * TRACE_FS)]
            if len(row) < 2:
                continue
            png = _strip_png(row, TRACE_FS, start)
            story.append(Image(io.BytesIO(png), width=ROW_S * MM_PER_S * mm, height=35 * mm))
    metrics = context.get("metrics")
    story.append(Spacer(1, 3 * mm))
    version = analysis.model_version.version if analysis.model_version else "-"
    accuracy = ""
    if metrics and metrics.get("se") is not None:
        accuracy = (
            f" Tested on recordings of people it had never seen (MIT-BIH DS2), it found "
            f"{100 * metrics['se']:.0f} % of {analysis.label_name.lower()}s"
            + (
                f", and {100 * metrics['ppv']:.0f} % of its calls were right"
                if metrics.get("ppv")
                else ""
            )
            + "."
        )
    para(f"Model {version}.{accuracy}", small)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title="ECG screening report"
    ).build(story)
    return buffer.getvalue()


def report_folder(analysis: Analysis) -> str:
    return f"reports/{analysis.recording.owner_id}"


def report_files(analysis: Analysis) -> list[str]:
    """Every cached PDF of an analysis (one per review it had), for deleting with it."""
    from django.core.files.storage import default_storage

    folder = report_folder(analysis)
    try:
        # Not ``exists(folder)``: object storage has no folders, only keys under a prefix.
        names = default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []
    prefix = f"{analysis.id}-"
    return [f"{folder}/{name}" for name in names if name.startswith(prefix)]


def report_pdf_response(analysis: Analysis) -> HttpResponse:
    """The PDF report as a download, for the page and the API alike; a 404 until the
    analysis is done."""
    from django.http import Http404

    if analysis.status != "done":
        raise Http404("The report is ready once the analysis is done.")
    response = HttpResponse(report_pdf_cached(analysis), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="ecg-report-{analysis.created_at:%Y%m%d}.pdf"'
    )
    return response


def report_pdf_cached(analysis: Analysis) -> bytes:
    """The PDF report, made once per analysis and review (kept in storage: a doctor's new
    review makes a new one)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from diagnosis.selectors.analyses import result_context

    review = analysis.latest_review
    stamp = f"{review.updated_at:%Y%m%d%H%M%S%f}" if review else "model"
    name = f"{report_folder(analysis)}/{analysis.id}-{stamp}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            return bytes(handle.read())
    data = report_pdf(analysis, result_context(analysis))
    default_storage.save(name, ContentFile(data))
    return data
