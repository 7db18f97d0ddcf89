"""Plain-English reading of an engine result: the verdict headline, the stored headline class,
rhythm notes, the emergency banner and the list of rhythm episodes.

Results from the rhythm-aware engine carry ``result["rhythm"]`` (verdict, reason, episodes);
the verdict leads and nothing below it may contradict it. Older stored results lack it and
keep the class-based reading.

Thresholds follow common clinical rules of thumb (e.g. PVC burden above 10% is "frequent";
ventricular tachycardia lasting 30 s or more is "sustained"); they describe the recording,
they do not diagnose. Django-free: views, services and templates all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NORMAL = "NOR"
#: Old results: a non-normal class becomes the headline when it is at least this share of
#: beats ...
HEADLINE_MIN_SHARE = 0.01
#: ... and at least this many beats.
HEADLINE_MIN_BEATS = 3
#: Results with a rhythm verdict: a beat class is the headline class only when it is
#: "frequent" (a share of classified beats), so a handful of extra beats never outranks it.
FREQUENT_SHARE = 0.10
#: Ventricular tachycardia this long (seconds) or longer is sustained: an emergency. The
#: engine's verdict uses the same limit (diagnosis.ml.rhythm.SUSTAINED_VT_S; a test keeps them
#: equal without importing the engine into every page).
SUSTAINED_VT_S = 30.0

#: Verdict code -> the words lists show (the result page adds the heart rate and details).
NOT_A_BEAT = "NOT_BEAT"
NOISE = "NOISE"
#: A doctor's per-beat corrections that are not beat classes, in plain words.
NON_BEAT_CORRECTIONS = {NOT_A_BEAT: "Not a beat (a false detection)", NOISE: "Noise"}

VERDICT_WORDS: dict[str, str] = {
    "normal": "Normal sinus rhythm",
    "af": "Possible atrial fibrillation",
    "bradycardia": "Slow heart rate (bradycardia)",
    "tachycardia": "Fast heart rate (tachycardia)",
    "other": "An abnormal rhythm was found",
    "unreadable": "We could not read this recording",
}

#: Verdict code -> Bootstrap colour of the headline.
VERDICT_LEVELS: dict[str, str] = {
    "normal": "success",
    "af": "warning",
    "bradycardia": "warning",
    "tachycardia": "warning",
    "other": "warning",
    "unreadable": "secondary",
}

#: Why a recording could not be read, and how to record again.
UNREADABLE_ADVICE: dict[str, str] = {
    "too_noisy": "too much movement or a loose electrode. Sit still, rest your arms, and "
    "record again.",
    "flat_line": "the signal is a flat line. Check that your fingers or electrodes touch "
    "properly and record again.",
    "clipped": "the signal is cut off at the top or bottom. Move the electrodes a little, "
    "lower the recorder's gain if it has a setting for it, and record again.",
    "too_short": "the recording is too short. Record for at least 30 seconds.",
    "no_beats": "no heartbeats could be found in the signal. Check that your fingers or "
    "electrodes touch properly, sit still, and record again.",
}
UNREADABLE_ADVICE_DEFAULT = (
    "the signal could not be read. Sit still, check that your fingers or electrodes touch "
    "properly, and record again."
)

#: MIT-BIH rhythm codes of episodes, in plain words.
RHYTHM_NAMES: dict[str, str] = {
    "N": "Normal sinus rhythm",
    "AFIB": "Atrial fibrillation",
    "AFL": "Atrial flutter",
    "SVTA": "Supraventricular tachycardia (a fast rhythm from the upper chambers)",
    "VT": "Ventricular tachycardia",
    "VFL": "Ventricular flutter or fibrillation",
    "B": "Ventricular bigeminy (every other beat is an extra beat)",
    "T": "Ventricular trigeminy (every third beat is an extra beat)",
    "P": "Paced rhythm (beats from a pacemaker)",
    "SBR": "Sinus bradycardia (slow heart rate)",
    "STACH": "Sinus tachycardia (fast heart rate)",
    "PAUSE": "Pause (no heartbeat for more than 2 seconds)",
    "NOISE": "Unreadable signal (noise)",
}
#: Which abnormal rhythm an "other" verdict names first: the most serious one present (the
#: engine's own order).
RHYTHM_PRIORITY = ["VFL", "VT", "SVTA", "B", "T", "PAUSE", "P", "AFIB", "AFL", "SBR", "STACH"]
#: What an "other" verdict names when no abnormal episode explains it: frequent extra beats.
FREQUENT_BEAT_NAMES: dict[str, str] = {
    "PVC": "frequent extra beats from the lower chambers (PVCs)",
    "VEB": "frequent extra beats from the lower chambers",
    "APC": "frequent extra beats from the upper chambers (APCs)",
}

#: Condition pages (specialists app, by slug) for a verdict, or for the rhythm an "other"
#: verdict names. Anything else falls back to the page of the headline beat class.
VERDICT_CONDITION_SLUGS: dict[str, str] = {
    "af": "atrial-fibrillation",
    "bradycardia": "bradycardia",
}
RHYTHM_CONDITION_SLUGS: dict[str, str] = {
    "AFIB": "atrial-fibrillation",
    "SVTA": "supraventricular-tachycardia",
    "VFL": "ventricular-flutter",
    "B": "premature-ventricular-contraction",
    "T": "premature-ventricular-contraction",
    "SBR": "bradycardia",
}


@dataclass(frozen=True)
class Verdict:
    """The headline of a record's result: what a patient reads first."""

    code: str
    text: str  # "Normal sinus rhythm, 72 bpm"
    reason: str  # the engine's own sentence, shown under the headline
    level: str  # Bootstrap colour: success, warning, secondary
    af_burden: float | None = None  # share of analysed time in AF (af verdicts only)


@dataclass(frozen=True)
class Episode:
    """A stretch of one rhythm, in seconds from the start of the record."""

    rhythm: str
    name: str
    start_s: float
    duration_s: float
    beats: int

    @property
    def start_label(self) -> str:
        """Start as mm:ss (h:mm:ss past an hour)."""
        return clock(self.start_s)

    @property
    def duration_label(self) -> str:
        return duration_words(self.duration_s)


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def duration_words(seconds: float) -> str:
    """``45 seconds``, ``1 second``, ``2 min 5 s``."""
    if seconds < 90:
        n = max(1, round(seconds))
        return f"{n} second{'s' if n != 1 else ''}"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def _rhythm(result: dict[str, Any]) -> dict[str, Any] | None:
    rhythm = result.get("rhythm")
    return rhythm if isinstance(rhythm, dict) and rhythm.get("verdict") else None


def verdict_code(result: dict[str, Any]) -> str:
    """The engine's verdict, or ``""`` for old results and beat images."""
    rhythm = _rhythm(result)
    return str(rhythm["verdict"]) if rhythm else ""


def verdict_words(code: str) -> str:
    return VERDICT_WORDS.get(code, "")


def episodes(result: dict[str, Any]) -> list[Episode]:
    """Every episode of the record, in time order, with its length and number of beats."""
    rhythm = _rhythm(result)
    fs = float(result.get("fs") or 0)
    if not rhythm or fs <= 0:
        return []
    samples = sorted(int(b["sample"]) for b in result.get("beats") or [])
    out = []
    for ep in rhythm.get("episodes") or []:
        start, end = int(ep["start"]), int(ep["end"])
        code = str(ep["rhythm"])
        n_beats = _count_between(samples, start, end)
        out.append(
            Episode(
                rhythm=code,
                name=RHYTHM_NAMES.get(code, code),
                start_s=start / fs,
                duration_s=max(end - start, 0) / fs,
                beats=n_beats,
            )
        )
    return sorted(out, key=lambda e: e.start_s)


def _count_between(sorted_samples: list[int], start: int, end: int) -> int:
    from bisect import bisect_left, bisect_right

    return bisect_right(sorted_samples, end) - bisect_left(sorted_samples, start)


def listed_episodes(result: dict[str, Any]) -> list[Episode]:
    """The episodes worth listing under the verdict, in time order: every one that is not
    normal sinus rhythm (a record in normal rhythm throughout lists nothing)."""
    return [e for e in episodes(result) if e.rhythm != "N"]


def _named(result: dict[str, Any]) -> str:
    """What an "other" verdict is about: an episode code or a beat class code ("" if none).

    The engine says it (``rhythm["named"]``), so the headline names what its reason
    describes. Results from before it did: the most serious abnormal episode, else the
    headline beat class.
    """
    rhythm = _rhythm(result) or {}
    if "named" in rhythm:
        return str(rhythm["named"] or "")
    present = {e.rhythm for e in episodes(result)}
    code = next((c for c in RHYTHM_PRIORITY if c in present), None)
    return code or headline(result)[0]


def verdict(result: dict[str, Any]) -> Verdict | None:
    """The headline of a record's result in plain words; ``None`` for old results."""
    rhythm = _rhythm(result)
    if rhythm is None:
        return None
    code = str(rhythm["verdict"])
    rate = rhythm.get("heart_rate_bpm")
    with_rate = f", {rate:.0f} bpm" if isinstance(rate, int | float) and rate > 0 else ""
    af_burden = None
    if code == "unreadable":
        advice = UNREADABLE_ADVICE.get(rhythm.get("unreadable_cause") or "")
        text = f"{VERDICT_WORDS[code]}: {advice or UNREADABLE_ADVICE_DEFAULT}"
    elif code == "other":
        named = _named(result)
        what = RHYTHM_NAMES.get(named, FREQUENT_BEAT_NAMES.get(named, ""))
        what = what[:1].lower() + what[1:]
        text = VERDICT_WORDS[code] + (f": {what}" if what else "")
    elif code in VERDICT_WORDS:
        text = VERDICT_WORDS[code] + with_rate
        if code == "af" and isinstance(rhythm.get("af_burden"), int | float):
            af_burden = float(rhythm["af_burden"])
    else:  # a verdict this site does not know yet: say so honestly, never guess
        text = VERDICT_WORDS["other"]
    return Verdict(
        code=code,
        text=text,
        reason=str(rhythm.get("reason") or ""),
        # An emergency is red on the headline too, not only in the banner above it.
        level="danger" if emergency(result) else VERDICT_LEVELS.get(code, "warning"),
        af_burden=af_burden,
    )


def emergency(result: dict[str, Any]) -> str | None:
    """The text of the red "call your emergency number" banner, or ``None``.

    Only a real emergency raises it: a ventricular flutter/fibrillation episode, or
    ventricular tachycardia lasting at least ``SUSTAINED_VT_S``. Single beats never do.
    """
    rhythm = _rhythm(result) or {}
    if rhythm.get("model_verdict") and rhythm.get("verdict") != "other":
        return None  # a doctor read the rhythm as something that is not an emergency
    found = episodes(result)
    flutter = [e for e in found if e.rhythm == "VFL"]
    sustained = [e for e in found if e.rhythm == "VT" and e.duration_s >= SUSTAINED_VT_S]
    worst = max(flutter or sustained, key=lambda e: e.duration_s, default=None)
    if worst is None:
        return None
    return (
        f"{worst.name} for {worst.duration_label} was found in this recording "
        f"(starting at {worst.start_label}). This can be life-threatening. If you feel faint, "
        "have chest pain or trouble breathing, or this recording is from just now, call your "
        "emergency number now."
    )


def headline(result: dict[str, Any]) -> tuple[str, float | None]:
    """The class to store as the headline (filter, condition page, accuracy figures), with its
    confidence (beat image) or share of beats (record).

    For results with a rhythm verdict a beat class leads only when it is frequent, so the
    stored class agrees with the verdict; an unreadable recording has no headline class.
    Flutter-wave labels (VFW) never lead there: ventricular flutter is judged from the
    waveform over seconds and told by the verdict, not by counting single beats.
    """
    if result.get("input") == "beat_image":
        return result["label"], float(result["confidence"])
    summary = result.get("summary") or {}
    counts: dict[str, int] = summary.get("counts") or {}
    total = sum(counts.values())
    rhythm = _rhythm(result)
    if not total or (rhythm and rhythm["verdict"] == "unreadable"):
        return "", None
    min_share = FREQUENT_SHARE if rhythm else HEADLINE_MIN_SHARE
    skip = {NORMAL, "VFW"} if rhythm else {NORMAL}
    abnormal = sorted(
        ((n, code) for code, n in counts.items() if code not in skip and n), reverse=True
    )
    for n, code in abnormal:
        if n >= HEADLINE_MIN_BEATS and n / total >= min_share:
            return code, round(n / total, 4)
    return NORMAL, round(counts.get(NORMAL, 0) / total, 4)


def condition_slug(result: dict[str, Any]) -> str | None:
    """The condition page (slug) for the verdict, or ``None`` to use the headline class's."""
    code = verdict_code(result)
    if code in VERDICT_CONDITION_SLUGS:
        return VERDICT_CONDITION_SLUGS[code]
    if code == "other":
        return RHYTHM_CONDITION_SLUGS.get(_named(result))
    return None


def read_warnings(result: dict[str, Any]) -> list[str]:
    """What the reader warned about while reading the file (header checksums and the like)."""
    return [str(w) for w in result.get("warnings") or [] if w]


def _note(level: str, text: str) -> dict[str, str]:
    return {"level": level, "text": text}


def rhythm_notes(result: dict[str, Any]) -> list[dict[str, str]]:
    """Notes under the headline: extra beats, short runs, pauses, noise, rate.

    Each note is ``{"level": "info" | "warning", "text": ...}``. The emergency banner is
    separate (``emergency``).
    """
    if result.get("input") != "record":
        return []
    if _rhythm(result) is None:
        return _class_notes(result)
    return _verdict_notes(result)


def _verdict_notes(result: dict[str, Any]) -> list[dict[str, str]]:
    """Notes that follow from the verdict, the episodes and the counts; none contradicts the
    verdict (the rate is the verdict's business, AF's irregular beats are not "APCs")."""
    rhythm = _rhythm(result) or {}
    code = rhythm["verdict"]
    if code == "unreadable":
        return []
    summary = result.get("summary") or {}
    counts: dict[str, int] = summary.get("counts") or {}
    total = sum(counts.values())
    # Once a doctor read the rhythm differently, the model's episodes are no longer news.
    found = [] if rhythm.get("model_verdict") else episodes(result)
    named = _named(result) if code == "other" else ""
    notes: list[dict[str, str]] = []

    short_vt = [e for e in found if e.rhythm == "VT" and e.duration_s < SUSTAINED_VT_S]
    if short_vt and not emergency(result):
        longest = max(short_vt, key=lambda e: e.duration_s)
        size = f"{longest.beats} beats, {round(longest.duration_s)} s"
        if len(short_vt) == 1:
            text = f"A short run of ventricular tachycardia ({size})."
        else:
            text = f"{len(short_vt)} short runs of ventricular tachycardia (the longest: {size})."
        notes.append(_note("warning", text + " See a doctor soon."))
    short_af = [e for e in found if e.rhythm in ("AFIB", "AFL")]
    if short_af and code != "af" and named not in ("AFIB", "AFL"):
        seconds = duration_words(sum(e.duration_s for e in short_af))
        text = (
            f"A short stretch of irregular rhythm that may be atrial fibrillation was found "
            f"({seconds} in all), too short to call it atrial fibrillation. Show this result "
            "to a doctor, especially if it happens again."
        )
        notes.append(_note("warning", text))
    pauses = [e for e in found if e.rhythm == "PAUSE"]
    if pauses and named != "PAUSE":
        count = "A pause" if len(pauses) == 1 else f"{len(pauses)} pauses"
        longest_pause = max(e.duration_s for e in pauses)
        text = f"{count} in the heartbeat (longest {longest_pause:.1f} s)."
        notes.append(_note("warning", text + " A doctor should look at this."))
    ventricular = counts.get("PVC", 0) + counts.get("VEB", 0)
    if ventricular and total:
        notes.append(_extra_beats("lower chambers (PVCs)", ventricular, total, "often"))
    # In AF every beat comes irregularly; "early" atrial beats are part of the AF, not news.
    if counts.get("APC") and total and code != "af":
        notes.append(_extra_beats("upper chambers (APCs)", counts["APC"], total, "usually"))
    flutter_waves = counts.get("VFW", 0)
    if flutter_waves and not any(e.rhythm == "VFL" for e in found):
        text = (
            f"{_beats(flutter_waves)} looked like ventricular flutter waves, but no ventricular "
            "flutter rhythm was found. Single beats like this are usually movement or noise."
        )
        notes.append(_note("info", text))
    notes.extend(_common_notes(result))
    return notes


def _extra_beats(where: str, n: int, total: int, harmless: str) -> dict[str, str]:
    share = n / total
    if share >= FREQUENT_SHARE:
        text = (
            f"Frequent extra beats from the {where}: {share:.0%} of beats ({n:,} of {total:,}). "
            "A doctor should look at this."
        )
        return _note("warning", text)
    text = (
        f"Occasional extra beats from the {where}: {n:,} of {total:,} beats. These are common "
        f"and {harmless} harmless."
    )
    return _note("info", text)


def _common_notes(result: dict[str, Any]) -> list[dict[str, str]]:
    summary = result.get("summary") or {}
    burden: dict[str, float] = summary.get("burden") or {}
    notes = []
    noise_beats = int(summary.get("n_noise_beats") or 0)
    usable = (result.get("quality") or {}).get("usable_fraction")
    if noise_beats or (isinstance(usable, int | float) and usable < 0.995):
        part = f" ({1 - usable:.0%} of it)" if isinstance(usable, int | float) else ""
        text = (
            f"Part of the recording{part} was too noisy to read. The {_beats(noise_beats)} "
            "there are shown in grey on the trace and were not classified."
        )
        notes.append(_note("info", text))
    if burden.get("PAB", 0.0) >= 0.5:
        notes.append(_note("info", "Most beats look paced (from a pacemaker)."))
    if summary.get("uncertain"):
        unsure = _beats(int(summary["uncertain"]))
        text = f"The model was unsure about {unsure}; they are marked as uncertain."
        notes.append(_note("info", text))
    return notes


def _beats(n: int) -> str:
    return f"{n:,} beat" if n == 1 else f"{n:,} beats"


def _class_notes(result: dict[str, Any]) -> list[dict[str, str]]:
    """Notes for old results without a rhythm verdict: from beat counts and the mean rate.

    A few flutter-wave beats are a note, never an emergency: single beats like that were the
    old false alarm."""
    summary = result.get("summary") or {}
    counts: dict[str, int] = summary.get("counts") or {}
    burden: dict[str, float] = summary.get("burden") or {}
    hours = max(float(summary.get("duration_s") or 0) / 3600.0, 1e-9)
    rate = summary.get("mean_heart_rate_bpm")
    notes: list[dict[str, str]] = []
    if counts.get("VFW"):
        notes.append(
            _note(
                "warning",
                f"{_beats(counts['VFW'])} looked like ventricular flutter waves. Single beats "
                "like this are often movement or noise; show this result to a doctor.",
            )
        )
    ventricular = counts.get("PVC", 0) + counts.get("VEB", 0)
    v_burden = burden.get("PVC", 0.0) + burden.get("VEB", 0.0)
    if v_burden >= 0.10 or (ventricular / hours >= 30 and ventricular >= 10):
        notes.append(
            _note(
                "warning",
                f"Frequent premature ventricular beats: {v_burden:.1%} of beats "
                f"({ventricular} beats). A doctor should look at this.",
            )
        )
    elif ventricular:
        notes.append(
            _note(
                "info",
                f"Occasional premature ventricular beats ({ventricular}). These are common "
                "and often harmless.",
            )
        )
    atrial = counts.get("APC", 0)
    if burden.get("APC", 0.0) >= 0.10 or (atrial / hours >= 30 and atrial >= 10):
        notes.append(
            _note(
                "warning",
                f"Frequent atrial premature beats: {burden.get('APC', 0.0):.1%} of beats "
                f"({atrial} beats).",
            )
        )
    if isinstance(rate, int | float) and (rate > 100 or rate < 50):
        pace, limit = ("Fast", "above 100") if rate > 100 else ("Slow", "below 50")
        text = f"{pace} average heart rate: {rate:.0f} beats per minute ({limit})."
        notes.append(_note("warning", text))
    notes.extend(_common_notes(result))
    return notes
