"""Inference: a record or a traced beat curve -> labels, served from the LiteRT model.

No TensorFlow here (its import alone costs ~5 s and ~700 MB): the model runs through the
``ai-edge-litert`` interpreter. A :class:`Classifier` is loaded once and reused (the Celery
worker holds one per process).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from diagnosis.ml import adapt, artifacts, quality, render, rhythm
from diagnosis.ml import signal as sig
from diagnosis.ml.classes import CLASS_AAMI, CLASSES
from diagnosis.ml.errors import InputError

#: Batch size of the record interpreter (the last batch is zero-padded).
BATCH = 256
#: Beats drawn and classified together (a multiple of BATCH; bounds memory on long records).
RENDER_CHUNK = 8 * BATCH
#: Shortest record we analyse, in seconds (fewer than ~2 beats says nothing).
MIN_RECORD_S = 2.0


class RecordLike(Protocol):
    """What :meth:`Classifier.classify_record` needs (``diagnosis.ml.io.Record`` fits)."""

    @property
    def signal(self) -> np.ndarray: ...

    @property
    def fs(self) -> float: ...

    @property
    def lead(self) -> str: ...


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the native "Created TensorFlow Lite XNNPACK delegate" line on fd 2 (why: the
    CLI promises exactly one stderr line on bad input, and workers' logs stay clean)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


class _Runner:
    """One LiteRT interpreter with a fixed batch size."""

    def __init__(self, model_path: Path, batch: int, threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.batch = batch
        with _quiet_stderr():
            self.it = Interpreter(model_path=str(model_path), num_threads=threads)
            details = self.it.get_input_details()
            for d in details:
                self.it.resize_tensor_input(d["index"], [batch, *d["shape"][1:]])
            self.it.allocate_tensors()
            # The delegate reports itself on first use, so run once while silenced.
            self.it.invoke()
        # Inputs are told apart by rank: image (b, H, W, c), context (b, N_CONTEXT); the beat
        # model has no context input.
        self.img_idx = next(d["index"] for d in details if len(d["shape"]) == 4)
        self.ctx_idx = next((d["index"] for d in details if len(d["shape"]) == 2), None)
        self.out_idx = self.it.get_output_details()[0]["index"]

    def __call__(self, images: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        n = len(images)
        out = np.empty((n, len(CLASSES)), dtype=np.float32)
        for i in range(0, n, self.batch):
            img = images[i : i + self.batch]
            m = len(img)
            if m < self.batch:
                img = np.concatenate((img, np.zeros((self.batch - m, *img.shape[1:]), np.float32)))
            self.it.set_tensor(self.img_idx, np.ascontiguousarray(img, dtype=np.float32))
            if self.ctx_idx is not None and context is not None:
                ctx = context[i : i + self.batch]
                if m < self.batch:
                    ctx = np.concatenate(
                        (ctx, np.zeros((self.batch - m, ctx.shape[1]), np.float32))
                    )
                self.it.set_tensor(self.ctx_idx, np.ascontiguousarray(ctx, dtype=np.float32))
            self.it.invoke()
            out[i : i + m] = self.it.get_tensor(self.out_idx)[:m]
        return out


def curve_to_window(curve: np.ndarray) -> np.ndarray:
    """Map a traced beat curve onto the model's beat window.

    The R peak is taken as the largest deviation from the curve's median (either polarity,
    like the record detector) and placed at ``PRE``; the curve is assumed to span the same
    duration as the training window (0.71 s), so it is stretched uniformly to ``WIN``
    samples about the peak; parts of the window it does not cover repeat its edge values.

    Args:
        curve: (n,) values in [0, 1], 1 = top of the plot, one per image column.
    Returns:
        (WIN,) float32 beat window in [0, 1].
    """
    c = np.asarray(curve, dtype=np.float64).ravel()
    if c.size < 8:
        raise InputError("The beat image is too small: the traced curve has fewer than 8 columns.")
    if not np.all(np.isfinite(c)):
        raise InputError("The beat image could not be traced: the curve has missing values.")
    p = int(np.argmax(np.abs(c - np.median(c))))
    step = (c.size - 1) / (sig.WIN - 1)
    t = p + (np.arange(sig.WIN) - sig.PRE) * step
    return np.interp(t, np.arange(c.size), c).astype(np.float32)


@dataclass
class Analysis:
    """Everything the engine works out about one recording, at :data:`sig.FS`."""

    front: sig.FrontEnd
    raw_probs: np.ndarray  # (k, 8) record-model output
    probs: np.ndarray  # (k, 8) after the decision rule's V veto and adaptation
    decided: list[str]  # labels under the decision rule, before the AF gate
    labels: list[str]  # the labels shown: AF gate applied (noise beats keep theirs)
    conf: np.ndarray  # (k,) probability of the label (NOR + APC for gated beats)
    gated: list[int]  # beats relabelled APC -> NOR by the AF gate
    segments: list[quality.Segment]
    rhythm: rhythm.RhythmResult
    missing360: np.ndarray | None


def rule_probs(
    raw: np.ndarray,
    context: np.ndarray,
    cluster: np.ndarray | None,
    rule: dict[str, Any],
) -> np.ndarray:
    """Record-model probabilities under a decision rule, in the engine's order: the V veto,
    the paced mass given to NOR (``pab_to_nor``, only when PAB may not be called), then the
    per-recording adaptation over ``cluster`` (needed when ``adapt_alpha`` is set)."""
    probs = v_veto(raw, context, rule.get("v_veto"))
    if rule.get("allow_pab", True) is False and rule.get("pab_to_nor") and len(probs):
        # Without a known pacemaker, a beat the network finds "paced" is mostly the person's
        # own regular beat of an unusual shape (MIT-BIH 117, 207): its mass goes to NOR.
        probs = probs.copy()
        probs[:, CLASSES.index("NOR")] += probs[:, CLASSES.index("PAB")]
        probs[:, CLASSES.index("PAB")] = 0.0
    if rule.get("adapt_alpha"):
        if cluster is None:
            raise ValueError("adaptation needs the recording's beat clusters")
        probs = adapt.adapt(probs, cluster, float(rule["adapt_alpha"]))
    return probs


def decide(probs: np.ndarray, decision: dict[str, Any]) -> np.ndarray:
    """Class index of each beat under a version's decision rule (metadata ``decision``): APC
    when p(APC) >= ``apc_min``, else the most probable class other than APC (``apc_min``
    None: the most probable class); PAB is never chosen when ``allow_pab`` is False."""
    if len(probs) == 0:
        return np.zeros(0, dtype=np.int64)
    p = probs.copy()
    if decision.get("allow_pab", True) is False:
        p[:, CLASSES.index("PAB")] = -1.0
    if decision.get("apc_min") is None:
        return p.argmax(axis=1).astype(np.int64)
    apc = CLASSES.index("APC")
    rest = p.copy()
    rest[:, apc] = -1.0
    top = rest.argmax(axis=1)
    return np.where(p[:, apc] >= float(decision["apc_min"]), apc, top).astype(np.int64)


def v_veto(probs: np.ndarray, context: np.ndarray, rule: dict[str, Any] | None) -> np.ndarray:
    """Patient-relative rule, used only when cross-validation chose it: a beat whose QRS
    matches the record's dominant beat (correlation > ``qrs_corr_min``) and that is not early
    (pre-RR / previous mean - 1 > ``pre_ratio_min``) is not ventricular; its PVC/VEB
    probabilities become 0 and the rest is renormalised."""
    if not rule or len(probs) == 0:
        return probs
    names = list(sig.CONTEXT_FEATURES)
    fire = (context[:, names.index("qrs_corr_with_record_template")] > rule["qrs_corr_min"]) & (
        context[:, names.index("pre_over_prev")] > rule["pre_ratio_min"]
    )
    if not fire.any():
        return probs
    out = probs.copy()
    v_cols = [CLASSES.index(c) for c in ("PVC", "VEB")]
    out[np.ix_(fire, v_cols)] = 0.0
    out[fire] /= np.maximum(out[fire].sum(axis=1, keepdims=True), 1e-9)
    return out


class Classifier:
    """A loaded, hash-verified model version (record and beat networks); reusable."""

    def __init__(self, model_dir: Path, metadata: dict[str, Any], threads: int = 2) -> None:
        self.model_dir = model_dir
        self.metadata = metadata
        self.version: str = metadata["version"]
        self.threshold: float = float(metadata["uncertainty"]["threshold"])
        self.decision: dict[str, Any] = metadata["decision"]
        files = metadata["serving_files"]
        self._record = _Runner(model_dir / files["record"], BATCH, threads)
        # A cross-validation fold has no beat network; every shipped version has one.
        self._beat = _Runner(model_dir / files["beat"], 1, 1) if "beat" in files else None

    @classmethod
    def load(cls, model_dir: str | Path | None = None, *, threads: int = 2) -> Classifier:
        """Load a model version (default: the default version of ``$ECG_MODELS_DIR``, else of
        the repo's ``models/``). Raises ``artifacts.ModelIntegrityError`` on a hash mismatch."""
        d = artifacts.resolve_model_dir(model_dir)
        return cls(d, artifacts.load_metadata(d, verify=True), threads=threads)

    # -- low level -------------------------------------------------------------------------
    def record_proba(self, images: np.ndarray, context: np.ndarray) -> np.ndarray:
        """Record-model probabilities: images (k, H, W, 2) from ``render.model_input`` with the
        record template, context (k, N_CONTEXT). Returns (k, 8), columns in ``CLASSES``."""
        return self._record(images, context)

    def beat_proba(self, images: np.ndarray) -> np.ndarray:
        """Beat-model probabilities: images (k, H, W, 1). Returns (k, 8)."""
        if self._beat is None:
            raise RuntimeError(f"model {self.version} has no beat network")
        return np.concatenate([self._beat(images[i : i + 1]) for i in range(len(images))])

    def classify_windows(self, windows: np.ndarray, context: np.ndarray) -> np.ndarray:
        """Record-model probabilities (before any decision rule) for all (k, WIN) beat windows
        of one record at 360 Hz with their (k, N_CONTEXT) context; the record template is the
        median of these windows."""
        if len(windows) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        template = sig.record_template(windows)
        # Beats are drawn a chunk at a time: the images of a long record at once would take
        # ~32 KB a beat (a 6-hour Holter, 800 MB).
        return np.concatenate(
            [
                self.record_proba(
                    render.model_input(render.render(windows[i : i + RENDER_CHUNK]), template),
                    context[i : i + RENDER_CHUNK],
                )
                for i in range(0, len(windows), RENDER_CHUNK)
            ]
        )

    def analyse(self, x: np.ndarray, fs: float, decision: dict[str, Any] | None = None) -> Analysis:
        """Front end, quality, record-model probabilities, decision, rhythm and AF gate.

        Args:
            x: (n,) ECG in millivolts at ``fs`` Hz, NaN where missing (at least one valid).
            decision: override of the version's decision rule (cross-validation uses this).
        """
        missing = ~np.isfinite(x)
        if missing.any():
            ok = np.nonzero(~missing)[0]
            x = np.interp(np.arange(len(x)), ok, x[ok])
        front = sig.front_end(x, fs)
        missing360 = (
            missing[
                np.minimum((np.arange(len(front.x360)) * fs / sig.FS).astype(np.int64), len(x) - 1)
            ]
            if missing.any()
            else None
        )
        segments = quality.assess(front.x360, front.xc, front.peaks, missing360)
        rule = decision or self.decision
        raw = self.classify_windows(front.windows, front.context)
        cluster = adapt.clusters(front.windows) if rule.get("adapt_alpha") else None
        probs = rule_probs(raw, front.context, cluster, rule)
        top = decide(probs, rule)
        conf = probs[np.arange(len(top)), top] if len(top) else np.zeros(0, np.float32)
        labels = [CLASSES[int(i)] for i in top]
        decided = list(labels)
        rhythm_result = rhythm.analyse(front.peaks, labels, segments, front.xc, missing360)
        # AF gate: in atrial fibrillation every beat comes early; earliness is not an APC. A
        # supraventricular beat conducted in AF is a normal (N) beat: it becomes NOR, with the
        # probability that it is supraventricular (NOR + APC) as its confidence.
        gated = [
            i
            for i, code in enumerate(labels)
            if code in rhythm.S_LABELS and rhythm_result.beat_rhythm[i] == "AFIB"
        ]
        if gated:
            supraventricular = [CLASSES.index(c) for c in ("NOR", *rhythm.S_LABELS)]
            conf = conf.copy()
            conf[gated] = np.minimum(probs[np.ix_(gated, supraventricular)].sum(axis=1), 1.0)
            for i in gated:
                labels[i] = "NOR"
        return Analysis(
            front, raw, probs, decided, labels, conf, gated, segments, rhythm_result, missing360
        )

    # -- contract API ----------------------------------------------------------------------
    def classify_signal(
        self, x: np.ndarray, fs: float, lead: str = "", warnings: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Classify every beat of a one-lead ECG, judge its quality and rhythm.

        Args:
            x: (n,) ECG in millivolts at ``fs`` Hz; NaN marks missing samples (long gaps
                become ``NOISE`` episodes).
            warnings: notes from the reader, passed through to the result.
        Returns:
            The contract's record dict (``input``, ``fs``, ``n_samples``, ``lead``, ``beats``,
            ``summary``, ``rhythm``, ``quality``, ``warnings``, ``model``); every sample index
            is at the input rate ``fs``. Beats in unreadable signal keep their position with
            ``"quality": "noise"`` and no class.
        """
        t0 = time.perf_counter()
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 1 or not np.isfinite(fs) or fs <= 0:
            raise InputError("The recording must be one lead with a positive sampling rate.")
        if len(x) < MIN_RECORD_S * fs:
            raise InputError(
                f"The recording is too short: at least {MIN_RECORD_S:g} seconds are needed."
            )
        if not np.isfinite(x).any():
            raise InputError("The recording holds no valid samples.")
        a = self.analyse(x, fs)
        x360, peaks, labels, conf, gated = a.front.x360, a.front.peaks, a.labels, a.conf, a.gated
        rhythm_result, segments = a.rhythm, a.segments
        scale = fs / sig.FS
        samples = np.clip(np.round(peaks * scale).astype(np.int64), 0, len(x) - 1)
        noise = rhythm_result.noise_beats
        beats = [
            {"sample": int(s), "label": None, "aami": None, "confidence": None,
             "uncertain": False, "quality": "noise"}
            if noise[i]
            else {
                "sample": int(s),
                "label": labels[i],
                "aami": CLASS_AAMI[labels[i]],
                "confidence": round(float(conf[i]), 4),
                "uncertain": bool(conf[i] < self.threshold),
                "quality": "ok",
            }
            for i, s in enumerate(samples)
        ]  # fmt: skip
        kept = ~noise
        summary = self._summary(
            np.array([CLASSES.index(c) for c in labels], dtype=np.int64)[kept],
            conf[kept],
            len(x) / fs,
            time.perf_counter() - t0,
        )
        summary["mean_heart_rate_bpm"] = rhythm_result.heart_rate_bpm
        summary["n_noise_beats"] = int(noise.sum())
        summary["af_gated_apc"] = len(gated)

        def at_input(v: int) -> int:
            return int(min(round(v * scale), len(x)))

        read = ~rhythm_result.noise_time  # flutter waves are read, gaps are not
        flutter = rhythm_result.vfl_time
        return {
            "input": "record",
            "fs": int(fs) if float(fs).is_integer() else fs,
            "n_samples": len(x),
            "lead": lead,
            "beats": beats,
            "summary": summary,
            "rhythm": {
                "verdict": rhythm_result.verdict,
                "reason": rhythm_result.reason,
                "heart_rate_bpm": rhythm_result.heart_rate_bpm,
                "af_burden": rhythm_result.af_burden,
                "unreadable_cause": rhythm_result.unreadable_cause,
                "named": rhythm_result.named,
                "episodes": [
                    {
                        "rhythm": e["rhythm"],
                        "start": at_input(e["start"]),
                        "end": at_input(e["end"]),
                    }
                    for e in rhythm_result.episodes
                ],
            },
            "quality": {
                "usable_fraction": round(float(read.mean()), 4) if len(x360) else 0.0,
                "segments": [
                    {
                        "start": at_input(s.start),
                        "end": at_input(s.end),
                        "usable": ok,
                        "reason": None if ok else s.reason,
                        "bsqi": s.bsqi,
                    }
                    for s in segments
                    for ok in [s.usable or bool(flutter[s.start : s.end].all())]
                ],
            },
            "warnings": list(warnings),
            "model": self.version,
        }

    def classify_record(self, record: RecordLike) -> dict[str, Any]:
        """Classify a ``diagnosis.ml.io.read_record`` result (see :meth:`classify_signal`)."""
        return self.classify_signal(
            record.signal, float(record.fs), record.lead, tuple(getattr(record, "warnings", ()))
        )

    def classify_beat_waveform(self, curve: np.ndarray) -> dict[str, Any]:
        """Classify one beat traced from an image with the beat model (a picture has no timing).

        Args:
            curve: (n,) float values in [0, 1], 1 = top, from ``image.read_beat_image``.
        Returns:
            ``{"input": "beat_image", "label", "aami", "confidence", "probabilities",
            "uncertain", "model"}``.
        """
        window = curve_to_window(curve)
        probs = self.beat_proba(render.model_input(render.render(window[None, :]), None))[0]
        k = int(probs.argmax())
        return {
            "input": "beat_image",
            "label": CLASSES[k],
            "aami": CLASS_AAMI[CLASSES[k]],
            "confidence": round(float(probs[k]), 4),
            "probabilities": {c: round(float(p), 4) for c, p in zip(CLASSES, probs, strict=True)},
            "uncertain": bool(probs[k] < self.threshold),
            "model": self.version,
        }

    def _summary(
        self, top: np.ndarray, conf: np.ndarray, duration_s: float, secs: float
    ) -> dict[str, Any]:
        n = len(top)
        counts = {c: int((top == i).sum()) for i, c in enumerate(CLASSES)}
        aami: dict[str, int] = {}
        for c, k in counts.items():
            a = CLASS_AAMI[c] or "none"
            aami[a] = aami.get(a, 0) + k
        return {
            "n_beats": n,
            "duration_s": round(duration_s, 2),
            "counts": counts,
            "burden": {c: round(k / n, 4) if n else 0.0 for c, k in counts.items()},
            "aami_counts": aami,
            "uncertain": int((conf < self.threshold).sum()),
            "uncertainty_threshold": self.threshold,
            "seconds": round(secs, 3),
        }
