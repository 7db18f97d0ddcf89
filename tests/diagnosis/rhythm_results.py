"""Engine results with a rhythm verdict, built directly (no engine run), and finished record
analyses holding them."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from django.core.files.base import ContentFile

from diagnosis import findings
from tests.factories import AnalysisFactory, RecordingFactory

FS = 360
TRACE_FS = 125


def beats_at(times_s: list[float], label: str | None = "NOR", *, fs: int = FS) -> list[dict]:
    """Beats at these times (seconds); ``label=None`` makes beats inside noise."""
    aami = {"NOR": "N", "APC": "S", "PVC": "V", "VEB": "V", "VFW": None}
    return [
        {
            "sample": round(t * fs),
            "label": label,
            "aami": aami.get(label) if label else None,
            "confidence": 0.97 if label else None,
            "uncertain": False,
            "quality": "ok" if label else "noise",
        }
        for t in times_s
    ]


def spread_beats(counts: dict[str, int], duration_s: float, *, fs: int = FS) -> list[dict]:
    """Beats of these classes spread evenly over the record (abnormal ones interleaved)."""
    n = sum(counts.values())
    labels = [code for code, k in counts.items() for _ in range(k)]
    # Interleave so extra beats do not bunch up at the end.
    order = sorted(range(n), key=lambda i: (i * 7919) % n)
    beats = []
    for slot, index in enumerate(order):
        beats += beats_at([(slot + 0.5) * duration_s / n], labels[index], fs=fs)
    return beats


def record_result(
    *,
    verdict: str = "normal",
    reason: str = "Regular rhythm with P waves before every beat.",
    rate: float | None = 72,
    counts: dict[str, int] | None = None,
    beats: list[dict] | None = None,
    episodes: list[dict] | None = None,
    duration_s: float = 30.0,
    af_burden: float = 0.0,
    cause: str | None = None,
    warnings: list[str] | None = None,
    usable: float = 1.0,
    fs: int = FS,
) -> dict[str, Any]:
    """A record result shaped like the engine's JSON, with ``rhythm``, ``quality`` and
    ``warnings``. Counts follow the beats (classified beats only)."""
    if beats is None:
        beats = spread_beats(counts or {"NOR": round(duration_s * 1.2)}, duration_s, fs=fs)
    classified = [b for b in beats if b["quality"] == "ok"]
    tally: dict[str, int] = {}
    for beat in classified:
        tally[beat["label"]] = tally.get(beat["label"], 0) + 1
    n = len(classified)
    if episodes is None:
        episodes = [{"rhythm": "N", "start": 0, "end": int(duration_s * fs)}]
    return {
        "input": "record",
        "fs": fs,
        "n_samples": int(duration_s * fs),
        "lead": "MLII",
        "beats": beats,
        "summary": {
            "n_beats": n,
            "counts": tally,
            "burden": {code: k / n for code, k in tally.items()} if n else {},
            "duration_s": duration_s,
            "mean_heart_rate_bpm": rate,
            "uncertain": 0,
            "n_noise_beats": len(beats) - n,
        },
        "rhythm": {
            "verdict": verdict,
            "reason": reason,
            "heart_rate_bpm": rate,
            "af_burden": af_burden,
            "unreadable_cause": cause,
            "episodes": episodes,
        },
        "quality": {
            "usable_fraction": usable,
            "segments": [{"start": 0, "end": int(duration_s * fs), "usable": True, "reason": None}],
        },
        "warnings": warnings or [],
        "model": "test-model-1",
    }


def episode(rhythm: str, start_s: float, end_s: float, *, fs: int = FS) -> dict:
    return {"rhythm": rhythm, "start": int(start_s * fs), "end": int(end_s * fs)}


def record_analysis(owner: Any, result: dict[str, Any], *, with_trace: bool = False) -> Any:
    """A finished record analysis holding ``result``, labelled as the service labels it."""
    label, confidence = findings.headline(result)
    recording = RecordingFactory(
        owner=owner, kind="record", file_format="wfdb-zip", original_name="record.zip"
    )
    analysis = AnalysisFactory(
        recording=recording,
        result=result,
        summary=result.get("summary") or {},
        label=label,
        confidence=confidence,
        verdict=findings.verdict_code(result),
        verdict_text=verdict.text if (verdict := findings.verdict(result)) else "",
        verdict_level=verdict.level if verdict else "",
    )
    if with_trace:
        buffer = io.BytesIO()
        np.save(buffer, synthetic_trace(result), allow_pickle=False)
        analysis.trace.save(f"{analysis.id}.npy", ContentFile(buffer.getvalue()))
    return analysis


def synthetic_trace(result: dict[str, Any]) -> np.ndarray:
    """A display trace (TRACE_FS Hz, float16) with a QRS-like spike at every beat and a
    wobbly baseline inside NOISE episodes, so pictures of the page look like an ECG."""
    fs = result["fs"]
    n = int(result["n_samples"] / fs * TRACE_FS)
    t = np.arange(n) / TRACE_FS
    trace = 0.05 * np.sin(2 * np.pi * 0.3 * t)
    for beat in result["beats"]:
        centre = beat["sample"] / fs
        trace += 1.0 * np.exp(-(((t - centre) / 0.012) ** 2))
        trace += 0.25 * np.exp(-(((t - centre - 0.25) / 0.05) ** 2))
    rng = np.random.default_rng(0)
    for ep in (result.get("rhythm") or {}).get("episodes") or []:
        if ep["rhythm"] == "NOISE":
            a, b = int(ep["start"] / fs * TRACE_FS), int(ep["end"] / fs * TRACE_FS)
            trace[a:b] += rng.normal(0, 0.4, max(b - a, 0))
    return trace.astype(np.float16)


def result_page(client: Any, analysis: Any) -> str:
    response = client.get(f"/analyses/{analysis.id}/")
    assert response.status_code == 200
    return response.content.decode()
