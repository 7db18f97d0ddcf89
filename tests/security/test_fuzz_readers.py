"""A short fuzz run over every reader and the strip digitizer (the long run with its figures
is ``benchmarks/fuzz.py``): mutated files end as a result or a clean rejection."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import fuzzing


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return fuzzing.seeds(tmp_path_factory.mktemp("seeds"))


@pytest.mark.parametrize(
    "name",
    [
        "csv-bare",
        "csv-time",
        "csv-apple-watch",
        "wfdb-zip",
        "wfdb-zip-inside",
        "edf",
        "beat-png",
        "beat-png-inside",
        "strip-png-inside",
    ],
)
def test_mutated_files_are_read_or_cleanly_refused(corpus, tmp_path_factory, name):
    suffix, data = corpus[name]
    tmp = tmp_path_factory.mktemp(name)

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.integers(min_value=0, max_value=2**32))
    def check(seed: int) -> None:
        path = tmp / f"input{suffix}"
        path.write_bytes(fuzzing.mutate_for(name, data, random.Random(seed)))
        outcome = fuzzing.run_one(path, fs=fuzzing.RATE_GIVEN.get(name))
        assert outcome.kind != "crash", outcome.error
        assert outcome.seconds < fuzzing.HANG_S

    check()


def test_the_seeds_themselves_are_accepted(corpus, tmp_path):
    for name, (suffix, data) in corpus.items():
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        assert fuzzing.run_one(path, fs=fuzzing.RATE_GIVEN.get(name)).kind == "accepted", name
