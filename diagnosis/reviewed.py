"""What a result says once a doctor has reviewed it: the doctor's labels over the model's.

Pure functions on the engine's JSON (no database): :func:`apply_review` returns a copy of a
result with the review's analysis label and per-beat corrections applied, the summary
counted again. A correction may also say a detection was not a beat (it is dropped) or
was noise (the beat keeps its place, unclassified, like a beat in unreadable signal).
"""

from __future__ import annotations

import copy
from typing import Any

from diagnosis.engine import CLASS_AAMI as AAMI
from diagnosis.findings import NOISE, NOT_A_BEAT, VERDICT_WORDS


def apply_review(
    result: dict[str, Any],
    *,
    label: str,
    corrections: list[dict[str, Any]],
    rhythm: str = "",
    doctor: str = "",
) -> dict[str, Any]:
    """``result`` as the doctor reads it: ``label`` for a beat image, and the per-beat
    ``corrections`` ({"sample", "label"}) of a record, each corrected beat marked
    ``"reviewed": true``; the summary's counts, burden and AAMI counts follow. A ``rhythm``
    (verdict code) other than the model's becomes the verdict, with the model's kept as
    ``rhythm["model_verdict"]``."""
    shown = copy.deepcopy(result)
    shown["reviewed"] = True
    if shown.get("input") == "beat_image":
        shown["label"], shown["aami"] = label, AAMI.get(label)
        return shown
    _apply_rhythm(shown, rhythm=rhythm, doctor=doctor)
    by_sample = {int(c["sample"]): c["label"] for c in corrections}
    beats = []
    for beat in shown.get("beats") or []:
        new = by_sample.get(int(beat["sample"]))
        if new == NOT_A_BEAT:
            continue
        if new == NOISE:
            beat.pop("label", None)
            beat.pop("aami", None)
            beat["quality"] = "noise"
            beat["reviewed"] = True
        elif new is not None:
            beat.update(label=new, aami=AAMI.get(new), reviewed=True, uncertain=False)
        beats.append(beat)
    shown["beats"] = beats
    summary = dict(shown.get("summary") or {})
    classified = [b["label"] for b in beats if b.get("label")]
    codes = dict.fromkeys([*AAMI, *(summary.get("counts") or {})])
    counts = {code: classified.count(code) for code in codes}
    aami: dict[str, int] = {}
    for code, n in counts.items():
        group = AAMI.get(code) or "none"
        aami[group] = aami.get(group, 0) + n
    n = len(classified)
    summary |= {
        "n_beats": n,
        "counts": counts,
        "burden": {code: round(k / n, 4) if n else 0.0 for code, k in counts.items()},
        "aami_counts": aami,
        "n_noise_beats": sum(1 for b in beats if not b.get("label")),
        "uncertain": sum(1 for b in beats if b.get("label") and b.get("uncertain")),
    }
    shown["summary"] = summary
    return shown


def _apply_rhythm(shown: dict[str, Any], *, rhythm: str, doctor: str) -> None:
    block = shown.get("rhythm")
    if not rhythm or not isinstance(block, dict) or block.get("verdict") == rhythm:
        return
    model = str(block.get("verdict") or "")
    block = dict(block)
    # What only the model's reading measured would now contradict the headline.
    for key in ("af_burden", "named", "unreadable_cause"):
        block.pop(key, None)
    block |= {
        "verdict": rhythm,
        "model_verdict": model,
        "reason": f"{doctor or 'A doctor'} reviewed this recording and reads the rhythm as "
        f"{VERDICT_WORDS.get(rhythm, rhythm).lower()}; the model had said "
        f"{VERDICT_WORDS.get(model, model).lower()}.",
    }
    shown["rhythm"] = block
