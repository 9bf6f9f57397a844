"""How fast does each explorer answer a slider? Median update time against a naive re-plot.

For every explorer of the lecture notebooks this sets a slider to a series of values,
timing each assignment until the new frame (PNG) and readout are in place, and
compares the median with a *naive full re-plot* of the same figure: a new figure,
every artist drawn again and saved as a PNG at matplotlib's default settings, which
is what an explorer written with ``interact`` and ``plt.plot`` does on each move.

Run:  python benchmarks/explorer_updates.py [--repeats N]
Target: every explorer's median update under 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mmlcalc import widgets
from mmlcalc.plotting import course_style

TARGET_MS = 50.0


def cube(x):
    return x**3 / 3 - x + 1


def d_cube(x):
    return x**2 - 1


FUNCTIONS = {
    "x²": (lambda x: x**2, lambda x: 2 * x),
    "x³ − 3x": (lambda x: x**3 - 3 * x, lambda x: 3 * x**2 - 3),
    "sin x": (np.sin, np.cos),
    "eˣ": (np.exp, np.exp),
}

# (name, explorer factory, slider key, values to sweep)
CASES: list[tuple[str, Callable[[], widgets.Explorer], str, np.ndarray]] = [
    ("secant → tangent", lambda: widgets.secant_explorer(cube, d_cube, x0=1.5, dx=1.0),
     "dx", np.geomspace(1.0, 1e-3, 25)),
    ("function and derivative", lambda: widgets.derivative_explorer(FUNCTIONS, x=0.5),
     "x", np.linspace(-2.9, 2.9, 25)),
    ("product-rule rectangle",
     lambda: widgets.product_rule_explorer(lambda x: 1 + x, lambda x: x**2), "dx",
     np.linspace(0.0, 1.0, 25)),
    ("finite-difference error",
     lambda: widgets.difference_error_explorer({"sin x": (np.sin, np.cos)}), "h",
     np.geomspace(1.0, 1e-14, 25)),
]


def time_updates(explorer: widgets.Explorer, key: str, values) -> list[float]:
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


def time_naive(explorer: widgets.Explorer, key: str, values) -> list[float]:
    """Re-plot the whole figure from scratch for each value, as a naive explorer does."""
    times = []
    size = explorer.figure.get_size_inches()
    fixed = {k: v for k, v in explorer.values().items() if k not in explorer.rebuild_on}
    rebuild = {k: explorer.values()[k] for k in explorer.rebuild_on}
    for value in values:
        start = time.perf_counter()
        with course_style():
            figure = Figure(figsize=size, dpi=widgets.DPI)
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
    print(f"{'explorer':26} {'update ms':>10} {'naive ms':>10} {'speed-up':>9}  target")
    failed = []
    for name, factory, key, values in CASES:
        explorer = factory()
        updates, naive = [], []
        for _ in range(args.repeats):  # interleaved, so both see the same machine load
            updates += time_updates(explorer, key, values)
            naive += time_naive(explorer, key, values)
        update_ms = 1000 * statistics.median(updates)
        naive_ms = 1000 * statistics.median(naive)
        ok = update_ms < TARGET_MS
        failed += [] if ok else [name]
        print(f"{name:26} {update_ms:10.1f} {naive_ms:10.1f} {naive_ms / update_ms:8.1f}x  "
              f"{'ok' if ok else 'SLOW'} (< {TARGET_MS:.0f} ms)")
    if failed:
        print(f"over target: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
