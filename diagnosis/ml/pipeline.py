"""One path from a file to the contract's JSON, shared by the CLI and the Celery task.

Reading comes first and is separate from classifying, so bad input is reported before a
model is loaded, and the caller keeps the signal it read (the site stores it as the trace).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from diagnosis.ml.io import Record
    from diagnosis.ml.predict import Classifier
    from diagnosis.ml.strip import Digitized


@dataclass(frozen=True)
class ReadInput:
    """What a file held: one traced beat curve, or a one-lead record (digitized or not)."""

    kind: Literal["beat_image", "strip", "record"]
    curve: np.ndarray | None = None  # beat images: (n,) in [0, 1], 1 = top
    record: Record | None = None  # records and strips: the chosen lead in mV
    digitized: Digitized | None = None  # strips: how the picture was read


def read_input(
    path: str | Path,
    *,
    lead: str | None = None,
    fs: float | None = None,
    speed: float | None = None,
    gain: float | None = None,
    page: int | None = None,
) -> ReadInput:
    """Read any supported ECG file, deciding its kind by content.

    The one dispatcher of the engine: a signal file (WFDB, zip, CSV, EDF) goes to
    :func:`diagnosis.ml.io.read_record`; a picture is told apart by
    :func:`diagnosis.ml.strip.classify_picture` and goes to
    :func:`diagnosis.ml.image.read_beat_image` (one beat) or
    :func:`diagnosis.ml.strip.digitize` (a strip).

    Args:
        path: the file, under any name (a WFDB record name without extension also works).
        lead: the lead to use (records and strips); default MLII, else the first.
        fs: sampling rate for a CSV of bare samples (Hz); a rate the file states must agree.
        speed, gain: paper speed (mm/s) and gain (mm/mV) of a strip picture (default: the
            speed printed on the page, else 25, and the calibration pulse's gain, else 10).
        page: the PDF page to read (0-based; default: the best read of the first pages).
    Raises:
        InputError: the file is not a readable ECG (one line for the user).
    """
    from diagnosis.ml import io

    located, fmt = io.locate(path)
    if fmt not in io.PICTURES:
        return ReadInput(kind="record", record=io.read_record(located, lead=lead, fs=fs))
    from diagnosis.ml import image, strip

    if strip.classify_picture(located) == "beat_image":
        return ReadInput(kind="beat_image", curve=image.read_beat_image(located))
    digitized = strip.digitize(located, speed=speed, gain=gain, lead=lead, page=page)
    return ReadInput(kind="strip", record=digitized.record, digitized=digitized)


def classify_input(classifier: Classifier, data: ReadInput) -> dict[str, Any]:
    """The contract's JSON object for what :func:`read_input` returned."""
    if data.curve is not None:
        return classifier.classify_beat_waveform(data.curve)
    assert data.record is not None
    result = classifier.classify_record(data.record)
    if data.digitized is not None:
        result["digitized"] = data.digitized.info()
    return result
