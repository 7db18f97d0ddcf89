"""Rhythm episodes and one verdict per recording, from beats, RR intervals and the waveform.

Inputs are the engine's R peaks and beat labels at the internal rate (360 Hz) and the signal
quality segments of :mod:`diagnosis.ml.quality`. Episode codes follow the MIT-BIH rhythm
annotations so they can be scored against them: ``N``, ``AFIB``, ``SVTA``, ``VT``, ``VFL``,
``B``, ``T``, ``P`` (paced), ``SBR``, ``STACH``, ``PAUSE``, ``NOISE``. Atrial flutter
(``AFL``) has no detector of its own yet: irregularly conducted flutter comes out as ``AFIB``.

- AF: :mod:`diagnosis.ml.af` (RR irregularity and P-wave consistency).
- VFL from the waveform over seconds (never from one beat): 4 s windows whose spectrum is
  concentrated at one frequency between 2.5 and 8 Hz (and its first harmonic), with almost no
  power above 12 Hz (no QRS complexes) and little time near the window's median (the
  isoelectric line), for at least :data:`VFL_MIN_S` seconds.
- VT: at least 3 consecutive ventricular beats faster than 100 bpm; SVTA the same with
  supraventricular beats; P: at least 3 consecutive paced beats; B and T: a ventricular beat
  every 2nd / 3rd beat, at least 3 times in a row; PAUSE: an RR interval over 2 s in readable
  signal; SBR/STACH: a rate below 50 or above 100 bpm sustained for :data:`RATE_MIN_S`
  seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from diagnosis.ml import signal as sig
from diagnosis.ml.af import PAUSE_S, af_beats
from diagnosis.ml.quality import Segment, unusable_mask

#: Sustained rate thresholds (bpm) and how long they must last.
BRADY_BPM: float = 50.0
TACHY_BPM: float = 100.0
RATE_MIN_S: float = 10.0
#: VT lasting this long is sustained (an emergency); shorter runs are a warning.
SUSTAINED_VT_S: float = 30.0
#: A recording needs this much readable signal, and this share of it, for a verdict.
MIN_USABLE_S: float = 10.0
MIN_USABLE_FRACTION: float = 0.5
#: A printed 10 s strip reads back a few pen widths short; that much less still counts as 10 s.
LENGTH_SLACK_S: float = 0.25
#: AF is the verdict when AF covers this share of the readable time or lasts this long.
AF_VERDICT_BURDEN: float = 0.3
AF_VERDICT_S: float = 60.0
#: Ectopic beats above this share of beats make the verdict "other" (frequent ectopy).
FREQUENT_ECTOPY: float = 0.10
#: VFL detector (chosen on DS1 record 207 and checked for false alarms on the rest of DS1).
VFL_WINDOW_S: float = 4.0
VFL_CONCENTRATION: float = 0.6
VFL_HF_MAX: float = 0.05
VFL_BASELINE_MAX: float = 0.35
VFL_MIN_S: float = 8.0

V_LABELS = ("PVC", "VEB")
#: Beats that count towards a run of ventricular tachycardia (flutter waves are ventricular).
VT_LABELS = ("PVC", "VEB", "VFW")
S_LABELS = ("APC",)
P_LABELS = ("PAB",)
#: Timeline priority: a beat takes the first of these that claims it.
PRIORITY: tuple[str, ...] = (
    "NOISE", "VFL", "VT", "AFIB", "SVTA", "P", "B", "T", "SBR", "STACH", "N"
)  # fmt: skip

NAMES: dict[str, str] = {
    "N": "normal sinus rhythm",
    "AFIB": "atrial fibrillation",
    "AFL": "atrial flutter",
    "SVTA": "supraventricular tachycardia",
    "VT": "ventricular tachycardia",
    "VFL": "ventricular flutter or fibrillation",
    "B": "ventricular bigeminy",
    "T": "ventricular trigeminy",
    "SBR": "sinus bradycardia",
    "STACH": "sinus tachycardia",
    "P": "a paced rhythm",
    "PAUSE": "a pause",
    "NOISE": "unreadable signal",
}


@dataclass
class RhythmResult:
    """Episodes and the verdict, at :data:`~diagnosis.ml.signal.FS` (the caller rescales)."""

    verdict: str
    reason: str
    heart_rate_bpm: int | None
    af_burden: float
    unreadable_cause: str | None
    #: What an "other" verdict is about: an episode code (``VFL``, ``VT``, ``SVTA``, ``B``,
    #: ``T``, ``PAUSE``, ``P``) or, for frequent ectopy, a beat class (``PVC``, ``VEB``,
    #: ``APC``); None for the other verdicts. The site names this, so the headline and the
    #: reason always speak of the same thing.
    named: str | None = None
    episodes: list[dict[str, Any]] = field(default_factory=list)  # rhythm, start, end
    beat_rhythm: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U5"))
    noise_beats: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: (n,) bool at 360 Hz: unreadable time (NOISE) and time read as flutter (VFL); a segment
    #: whose detectors disagreed because of flutter waves is read, not noise.
    noise_time: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    vfl_time: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def vfl_mask(xc: np.ndarray, fs: float = sig.FS) -> np.ndarray:
    """(n,) bool: ventricular flutter/fibrillation judged from the waveform over seconds."""
    n = len(xc)
    mask = np.zeros(n, dtype=bool)
    w = int(VFL_WINDOW_S * fs)
    hop = int(fs)
    if n < w:
        return mask
    freqs = np.fft.rfftfreq(w, 1 / fs)
    band = (freqs >= 0.5) & (freqs <= 40)
    hf = (freqs >= 12) & (freqs <= 40)
    hann = np.hanning(w)
    cand = (freqs >= 2.5) & (freqs <= 8)
    cand_freqs = freqs[cand]
    starts = np.arange(0, n - w + 1, hop)
    hits = np.zeros(n, dtype=np.int16)
    for c in range(0, len(starts), 1024):  # chunks bound the memory of long recordings
        frames = sliding_window_view(xc, w)[starts[c : c + 1024]]
        ptp = np.ptp(frames, axis=1)
        p = np.abs(np.fft.rfft((frames - frames.mean(axis=1, keepdims=True)) * hann)) ** 2
        total = p[:, band].sum(axis=1) + 1e-12
        f0 = cand_freqs[np.argmax(p[:, cand], axis=1)]
        dist = np.abs(freqs[None, :] - f0[:, None])
        near = (dist <= 0.75) | (np.abs(freqs[None, :] - 2 * f0[:, None]) <= 0.75)
        concentration = (p * near).sum(axis=1) / total
        high = p[:, hf].sum(axis=1) / total
        # Time near the isoelectric line, taken as the window's median: filtered wide
        # complexes (paced or bundle branch block beats) leave it off zero.
        dev = np.abs(frames - np.median(frames, axis=1, keepdims=True))
        baseline = (dev < 0.1 * dev.max(axis=1, keepdims=True)).mean(axis=1)
        fire = (
            (ptp >= 0.15)
            & (concentration >= VFL_CONCENTRATION)
            & (high <= VFL_HF_MAX)
            & (baseline <= VFL_BASELINE_MAX)
        )
        for s in starts[c : c + 1024][fire]:
            hits[s : s + w] += 1
    for a, b in sig.true_runs(hits > 0):
        if b - a >= VFL_MIN_S * fs:
            mask[a:b] = True
    return mask


def _pattern_runs(is_v: np.ndarray, period: int, min_repeats: int = 3) -> np.ndarray:
    """(k,) bool: beats in runs where exactly every ``period``-th beat is ventricular."""
    k = len(is_v)
    out = np.zeros(k, dtype=bool)
    i = 0
    while i < k:
        if not is_v[i]:
            i += 1
            continue
        j = i
        reps = 1
        while j + period < k and is_v[j + period] and not is_v[j + 1 : j + period].any():
            j += period
            reps += 1
        if reps >= min_repeats:
            out[max(0, i - period + 1) : j + 1] = True
            i = j + 1
        else:
            i += 1
    return out


def _fast_runs(is_x: np.ndarray, peaks: np.ndarray, min_beats: int = 3) -> np.ndarray:
    """(k,) bool: runs of >= ``min_beats`` consecutive ``is_x`` beats faster than 100 bpm."""
    out = np.zeros(len(is_x), dtype=bool)
    for a, b in sig.true_runs(is_x):
        if b - a >= min_beats and np.mean(np.diff(peaks[a:b])) / sig.FS < 60 / TACHY_BPM:
            out[a:b] = True
    return out


def _rate_runs(peaks: np.ndarray, eligible: np.ndarray, low: bool) -> np.ndarray:
    """(k,) bool: eligible beats where a 10-beat mean rate stays beyond the limit >= RATE_MIN_S."""
    k = len(peaks)
    out = np.zeros(k, dtype=bool)
    if k < 3:
        return out
    rr = np.diff(peaks) / sig.FS
    rr_beat = np.concatenate(([rr[0]], rr))
    kernel = np.ones(10) / 10
    mean_rr = np.convolve(np.pad(rr_beat, 5, mode="edge"), kernel, mode="same")[5:-5]
    rate = 60 / mean_rr
    beyond = eligible & ((rate < BRADY_BPM) if low else (rate > TACHY_BPM))
    for a, b in sig.true_runs(beyond):
        if (peaks[b - 1] - peaks[a]) / sig.FS >= RATE_MIN_S:
            out[a:b] = True
    return out


def analyse(
    peaks: np.ndarray,
    labels: list[str],
    segments: list[Segment],
    xc: np.ndarray,
    missing: np.ndarray | None = None,
) -> RhythmResult:
    """Episodes and the verdict of one recording.

    Args:
        peaks: (k,) R peaks at 360 Hz; labels: the model's class code per beat.
        segments: quality segments covering the recording (360 Hz samples).
        xc: (n,) cleaned ECG at 360 Hz (NaN-free).
        missing: (n,) bool, samples the file did not have (always unreadable), or None.
    Returns:
        A :class:`RhythmResult` with episodes at 360 Hz, the per-beat rhythm code and the
        beats that fall in unreadable signal.
    """
    n = len(xc)
    k = len(peaks)
    lab = np.asarray(labels, dtype="<U3") if k else np.zeros(0, dtype="<U3")
    unusable = unusable_mask(segments, n)
    vfl = vfl_mask(xc)
    if missing is not None:
        unusable |= missing
        vfl &= ~missing
    noise_time = unusable & ~vfl
    noise_beat = noise_time[peaks] if k else np.zeros(0, dtype=bool)
    is_v = np.isin(lab, V_LABELS) & ~noise_beat
    is_s = np.isin(lab, S_LABELS) & ~noise_beat

    claims: dict[str, np.ndarray] = {"NOISE": noise_beat, "VFL": vfl[peaks] if k else noise_beat}
    claims["VT"] = _fast_runs(np.isin(lab, VT_LABELS) & ~noise_beat, peaks)
    af = af_beats(xc, peaks, is_v, noise_beat)
    claims["AFIB"] = af
    claims["SVTA"] = _fast_runs(is_s, peaks) & ~af
    paced = np.isin(lab, P_LABELS) & ~noise_beat
    claims["P"] = np.zeros(k, dtype=bool)
    for a, b in sig.true_runs(paced):
        claims["P"][a:b] = b - a >= 3
    claims["B"] = _pattern_runs(is_v, 2)
    claims["T"] = _pattern_runs(is_v, 3)
    free = ~(noise_beat | claims["VFL"] | claims["VT"] | af | claims["SVTA"] | claims["P"])
    claims["SBR"] = _rate_runs(peaks, free & ~is_v & ~is_s, low=True)
    claims["STACH"] = _rate_runs(peaks, free & ~is_v & ~is_s, low=False)

    beat_rhythm = np.full(k, "N", dtype="<U5")
    taken = np.zeros(k, dtype=bool)
    for code in PRIORITY[:-1]:
        m = claims[code] & ~taken
        beat_rhythm[m] = code
        taken |= m
    episodes = _episodes(peaks, beat_rhythm, noise_time, vfl, n)
    rr = np.diff(peaks) / sig.FS
    good_rr = rr[~(noise_beat[1:] | noise_beat[:-1])] if k > 1 else rr
    for i in np.nonzero((rr > PAUSE_S) & ~(noise_beat[1:] | noise_beat[:-1]))[0] if k > 1 else []:
        if not noise_time[peaks[i] : peaks[i + 1]].any():
            episodes.append({"rhythm": "PAUSE", "start": int(peaks[i]), "end": int(peaks[i + 1])})
    episodes.sort(key=lambda e: (e["start"], e["rhythm"] == "PAUSE"))

    usable_s = float((~noise_time).sum()) / sig.FS
    af_s = sum(e["end"] - e["start"] for e in episodes if e["rhythm"] == "AFIB") / sig.FS
    af_burden = round(af_s / usable_s, 4) if usable_s > 0 else 0.0
    plausible = good_rr[(good_rr > 0.2) & (good_rr < 3.0)]
    hr = round(60.0 / float(plausible.mean())) if len(plausible) else None
    result = RhythmResult(
        verdict="normal",
        reason="",
        heart_rate_bpm=hr,
        af_burden=af_burden,
        unreadable_cause=None,
        episodes=episodes,
        beat_rhythm=beat_rhythm,
        noise_beats=noise_beat,
        noise_time=noise_time,
        vfl_time=vfl,
    )
    _verdict(result, segments, usable_s, n / sig.FS, af_s, lab[~noise_beat])
    return result


def _episodes(
    peaks: np.ndarray, beat_rhythm: np.ndarray, noise_time: np.ndarray, vfl: np.ndarray, n: int
) -> list[dict[str, Any]]:
    """Non-overlapping timeline: unreadable and VFL stretches from the waveform, the rest from
    the beats (each beat's rhythm lasts until the next beat)."""
    out: list[dict[str, Any]] = []
    for code, mask in (("NOISE", noise_time), ("VFL", vfl)):
        out += [{"rhythm": code, "start": a, "end": b} for a, b in sig.true_runs(mask)]
    covered = noise_time | vfl
    k = len(peaks)
    i = 0
    while i < k:
        code = beat_rhythm[i]
        j = i
        while j + 1 < k and beat_rhythm[j + 1] == code:
            j += 1
        if code not in ("NOISE", "VFL"):
            start = int(peaks[i])
            end = int(peaks[j + 1]) if j + 1 < k else n
            # Trim the stretch where the waveform already told the story.
            free = np.nonzero(~covered[start:end])[0]
            if len(free):
                out.append(
                    {
                        "rhythm": str(code),
                        "start": start + int(free[0]),
                        "end": start + int(free[-1]) + 1,
                    }
                )
        i = j + 1
    return out


def _duration(episodes: list[dict[str, Any]], code: str) -> float:
    return sum(e["end"] - e["start"] for e in episodes if e["rhythm"] == code) / sig.FS


def _verdict(
    r: RhythmResult,
    segments: list[Segment],
    usable_s: float,
    total_s: float,
    af_s: float,
    labels: np.ndarray,
) -> None:
    """Fill ``verdict``, ``reason`` and ``unreadable_cause`` (most serious finding first)."""
    eps = r.episodes
    least = MIN_USABLE_S - LENGTH_SLACK_S
    if usable_s < least or usable_s < MIN_USABLE_FRACTION * total_s:
        causes = [s.reason for s in segments if not s.usable and s.reason]
        if total_s < least:
            cause = "too_short"
        elif causes:
            cause = max(set(causes), key=causes.count)
            cause = "too_noisy" if cause == "missing" else cause
        else:
            cause = "no_beats"
        words = {
            "too_short": f"The recording is {total_s:.0f} s long; "
            f"at least {MIN_USABLE_S:.0f} s are needed.",
            "too_noisy": f"Only {usable_s:.0f} of {total_s:.0f} s could be read; "
            "the rest is noise or missing.",
            "flat_line": "Most of the recording is a flat line.",
            "clipped": "Most of the recording is cut off at the top or bottom of its range.",
            "no_beats": "No heartbeats could be found.",
        }
        r.verdict, r.unreadable_cause, r.reason = "unreadable", cause, words[cause]
        return
    vfl_s = _duration(eps, "VFL")
    n = max(len(labels), 1)
    v_share = float(np.isin(labels, V_LABELS).sum()) / n
    s_share = float(np.isin(labels, S_LABELS).sum()) / n
    if vfl_s > 0:
        r.verdict, r.reason = "other", f"Ventricular flutter or fibrillation for {vfl_s:.0f} s."
        r.named = "VFL"
        return
    longest_vt = (
        max((e["end"] - e["start"] for e in eps if e["rhythm"] == "VT"), default=0) / sig.FS
    )
    if longest_vt >= SUSTAINED_VT_S:
        r.verdict, r.reason = "other", f"Sustained ventricular tachycardia for {longest_vt:.0f} s."
        r.named = "VT"
        return
    if af_s > 0 and (r.af_burden >= AF_VERDICT_BURDEN or af_s >= AF_VERDICT_S):
        r.verdict = "af"
        r.reason = (
            "An irregularly irregular rhythm typical of atrial fibrillation for "
            f"{af_s:.0f} s ({r.af_burden:.0%} of the readable signal)."
        )
        return
    named = [c for c in ("VT", "SVTA", "B", "T", "PAUSE") if any(e["rhythm"] == c for e in eps)]
    if named:
        c = named[0]
        count = sum(1 for e in eps if e["rhythm"] == c)
        extra = f" ({count} episodes)" if count > 1 else ""
        what = "Runs of ventricular tachycardia" if c == "VT" else NAMES[c].capitalize()
        if c == "VT":
            what = f"{what} (longest {longest_vt:.1f} s)"
        r.verdict, r.reason = (
            "other",
            f"{what}{extra} were found." if c == "VT" else f"{what}{extra} was found.",
        )
        r.named = c
        return
    p_share = float(np.isin(labels, P_LABELS).sum()) / n
    if p_share >= FREQUENT_ECTOPY and any(e["rhythm"] == "P" for e in eps):
        r.verdict = "other"
        r.reason = f"A paced rhythm: {p_share:.0%} of beats come from a pacemaker."
        r.named = "P"
        return
    if v_share >= FREQUENT_ECTOPY or s_share >= FREQUENT_ECTOPY:
        kind, share = ("ventricular", v_share) if v_share >= s_share else ("atrial", s_share)
        r.verdict, r.reason = "other", f"Frequent premature {kind} beats: {share:.0%} of beats."
        if kind == "atrial":
            r.named = "APC"
        else:
            r.named = "PVC" if (labels == "PVC").sum() >= (labels == "VEB").sum() else "VEB"
        return
    hr = r.heart_rate_bpm
    if hr is not None and hr < BRADY_BPM:
        r.verdict, r.reason = (
            "bradycardia",
            f"A regular rhythm with an average rate of {hr} beats per minute "
            f"(below {BRADY_BPM:.0f}).",
        )
        return
    if hr is not None and hr > TACHY_BPM:
        r.verdict, r.reason = (
            "tachycardia",
            f"A regular rhythm with an average rate of {hr} beats per minute "
            f"(above {TACHY_BPM:.0f}).",
        )
        return
    r.verdict = "normal"
    r.reason = (
        f"A regular rhythm with an average rate of {hr} beats per minute."
        if hr
        else "A regular rhythm."
    )
