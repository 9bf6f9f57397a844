"""How fast does each explorer answer a slider? Median update time against a naive re-plot.

For every explorer of the lecture notebooks this sets a slider to a series of values,
timing each assignment until the new frame (PNG) and readout are in place, and
compares the median with a *naive full re-plot* of the same figure: a new figure,
every artist drawn again and saved as a PNG at matplotlib's default settings, which
is what an explorer written with ``interact`` and ``plt.plot`` does on each move.

Each week's explorers are listed in ``benchmarks/explorer_cases/weekN.py``.

Run:  python benchmarks/explorer_updates.py [--repeats N]
Target: every explorer's median update under 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mmlcalc.plotting import course_style
from mmlcalc.widgets import DPI, Explorer

TARGET_MS = 50.0


CASES_DIR = Path(__file__).with_name("explorer_cases")


def load_cases() -> list[tuple[str, str, Callable, str, np.ndarray]]:
    """Every week's cases from ``explorer_cases/weekN.py`` (each defines ``CASES``)."""
    cases = []
    for path in sorted(CASES_DIR.glob("week*.py")):
        spec = importlib.util.spec_from_file_location(f"explorer_cases.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases += [(path.stem, *case) for case in module.CASES]
    return cases


def time_updates(explorer: Explorer, key: str, values) -> list[float]:
    times = []
    for value in values:
        if np.isclose(explorer.controls[key].value, value):
            continue  # setting the same value fires no update
        before = explorer.image.value
        start = time.perf_counter()
        explorer.controls[key].value = float(value)
        times.append(time.perf_counter() - start)
        assert explorer.image.value is not before, "the frame was not redrawn"
    return times


def time_naive(explorer: Explorer, key: str, values) -> list[float]:
    """Re-plot the whole figure from scratch for each value, as a naive explorer does."""
    times = []
    size = explorer.figure.get_size_inches()
    fixed = {k: v for k, v in explorer.values().items() if k not in explorer.rebuild_on}
    rebuild = {k: explorer.values()[k] for k in explorer.rebuild_on}
    for value in values:
        start = time.perf_counter()
        with course_style():
            figure = Figure(figsize=size, dpi=DPI)
            FigureCanvasAgg(figure)
            scene = explorer._build_scene(figure, **rebuild)
            scene.update(**{**fixed, key: float(value)})
            figure.savefig(io.BytesIO(), format="png")
        times.append(time.perf_counter() - start)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="sweeps per explorer (default 2)")
    args = parser.parse_args(argv)
    print(f"{'week':6} {'explorer':26} {'update ms':>10} {'naive ms':>10} {'speed-up':>9}  target")
    failed = []
    for week, name, factory, key, values in load_cases():
        explorer = factory()
        updates, naive = [], []
        for _ in range(args.repeats):  # interleaved, so both see the same machine load
            updates += time_updates(explorer, key, values)
            naive += time_naive(explorer, key, values)
        update_ms = 1000 * statistics.median(updates)
        naive_ms = 1000 * statistics.median(naive)
        ok = update_ms < TARGET_MS
        failed += [] if ok else [name]
        ratio = naive_ms / update_ms
        print(
            f"{week:6} {name:26} {update_ms:10.1f} {naive_ms:10.1f} {ratio:8.1f}x  "
            f"{'ok' if ok else 'SLOW'} (< {TARGET_MS:.0f} ms)"
        )
    if failed:
        print(f"over target: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
