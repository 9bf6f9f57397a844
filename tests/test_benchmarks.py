"""The benchmark scripts run and measure what they claim (no timing is asserted here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_explorer_benchmark_sweeps_every_case_and_redraws_each_time():
    bench = _load("explorer_updates")
    cases = bench.load_cases()
    weeks = {week for week, *_ in cases}
    assert "week1" in weeks and len(cases) >= 4
    for _week, _name, factory, key, values in cases:
        explorer = factory()
        assert key in explorer.controls, f"{_name}: no control {key!r}"
        original = explorer.image.value
        times = bench.time_updates(explorer, key, values[:4])
        assert len(times) >= 3 and all(t > 0 for t in times)
        assert explorer.image.value != original, f"{_name}: the frame never changed"
        naive = bench.time_naive(explorer, key, values[:2])
        assert len(naive) == 2 and np.all(np.asarray(naive) > 0)


@pytest.mark.slow
@pytest.mark.sandbox
def test_grading_scale_benchmark_grades_on_both_engines_and_reports_every_figure(capsys):
    pytest.importorskip("distributed", reason='needs Dask: pip install "mmlcalc[cluster]"')
    bench = _load("grading_scale")
    measured = bench.run(n=4, week="week1", workers=2)
    assert measured["n"] == 4 and measured["same_scores"] and measured["each_once"]
    assert bench.report(measured)
    out = capsys.readouterr().out
    for figure in (
        "throughput ratio Dask/local",
        "coordinator peak memory",
        "grading on the cluster",
        "gradebook, sqlite bulk",
        "gradebook, sqlite per-row",
        "10,000 submissions on K",
    ):
        assert figure in out, figure
