"""EDF, EDF+ and BDF files, read with pyEDFlib."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import (
    Record,
    check_fs,
    check_fs_agrees,
    check_length,
    choose_lead,
    finish,
)
from diagnosis.ml.readers.csv_files import scale_for_unit

# --- EDF / EDF+ / BDF ---------------------------------------------------------------------------


@contextmanager
def _edf_reader(path: Path) -> Iterator[Any]:
    import pyedflib

    try:
        reader = pyedflib.EdfReader(str(path))
    except Exception as exc:  # pyedflib raises OSError with C-level messages
        raise InputError(
            "The EDF file could not be read: it is damaged, truncated or not a valid EDF/EDF+ "
            "file (discontinuous EDF+D files are not supported)."
        ) from exc
    try:
        yield reader
    finally:
        reader.close()


def _edf_info(reader: Any) -> tuple[tuple[str, ...], int]:
    n = int(reader.signals_in_file)
    if n < 1:
        raise InputError("The EDF file holds no signals.")
    labels = [str(reader.getLabel(i)).strip() or f"signal {i + 1}" for i in range(n)]
    return tuple(labels), n


def read_edf(
    path: Path, lead: str | None, fs: float | None, header_only: bool = False
) -> Record | None:
    """Read the chosen lead of an EDF/EDF+/BDF file as a Record (physical units -> mV).

    With ``header_only`` only the header is checked (rate, duration, units) and None is
    returned; nothing is decoded.
    """
    with _edf_reader(path) as reader:
        leads, _ = _edf_info(reader)
        idx = choose_lead(leads, lead)
        # pyEDFlib divides by the data-record duration: a zero one would crash, not refuse.
        # (A negative or unreadable duration or sample count is refused by pyEDFlib itself.)
        duration = float(reader.datarecord_duration)
        if not duration > 0:
            raise InputError(
                f"The EDF header gives a data-record duration of {duration:g} s, so the "
                "sampling rate cannot be known."
            )
        rate = check_fs(float(reader.getSampleFrequency(idx)), "The EDF header")
        check_fs_agrees(rate, fs, "The EDF header")
        n = int(reader.getNSamples()[idx])
        check_length(n, rate)
        unit = str(reader.getPhysicalDimension(idx)).strip()
        scale = scale_for_unit(unit, leads[idx])
        if header_only:
            return None
        try:
            signal = np.asarray(reader.readSignal(idx), dtype=np.float64)
        except Exception as exc:
            raise InputError("The EDF file's samples could not be read: it is damaged.") from exc
    return finish(signal * scale, rate, leads[idx], leads)
