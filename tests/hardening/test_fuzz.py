"""SPEC §9: mutated real files give SOV900 or a result, never an unhandled exception.

A small, derandomised hypothesis budget per format (``bench/fuzz.py`` runs the
same harness with a large one). Seeds come from the shared corpus when it is
present, and from the project's examples, fixtures and the hardening samples.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import FORMATS, MUTATIONS, Harness, corpus_seeds, mutate

EXAMPLES_PER_FORMAT = 25


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> tuple[Harness, dict[str, list[Path]]]:
    """The harness and up to 40 seeds per format."""
    base = tmp_path_factory.mktemp("fuzz")
    return Harness(base / "work"), corpus_seeds(40, extra=base / "seeds")


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutants_never_crash(harness: tuple[Harness, dict[str, list[Path]]], fmt: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    runner, seeds = harness
    if not seeds[fmt]:
        pytest.skip(f"no {fmt} seed file")
    monkeypatch.chdir(runner.workdir.parent)

    @settings(max_examples=EXAMPLES_PER_FORMAT, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(seed=st.sampled_from(seeds[fmt]),
           mutations=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
           rng_seed=st.integers(0, 2**32 - 1))
    def check(seed: Path, mutations: list[str], rng_seed: int) -> None:
        rng = random.Random(rng_seed)
        data = seed.read_bytes()
        for kind in mutations:
            data = mutate(data, kind, rng)
        outcome = runner.run(fmt, seed.name, data)
        assert outcome.crash is None, f"{seed} {mutations} {rng_seed}:\n{outcome.crash}"

    check()
