"""Week 4 explorers: a Taylor polynomial with order and expansion-point sliders, the error of
a linearisation against Δx on log axes, and a function of two inputs with its quadratic
approximation around a point moved by sliders.

Taught in ``notebooks/04_taylor_series.ipynb``; the scenes they move are in
:mod:`mmlcalc.plotting.taylor`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mmlcalc.plotting.base import Scene
from mmlcalc.plotting.taylor import LinearisationScene, QuadraticApproximationScene, TaylorScene
from mmlcalc.taylor import STANDARD_SERIES, StandardSeries
from mmlcalc.widgets.base import (
    LABEL_STYLE,
    Explorer,
    choice,
    float_slider,
    log_slider,
    set_range,
)

__all__ = [
    "DEFAULT_VIEWS",
    "linearisation_explorer",
    "quadratic_approximation_explorer",
    "taylor_explorer",
]

#: For each standard series: the x interval drawn and the range of the expansion point's
#: slider, both inside the function's domain (ln(1 + x) needs x > −1, 1/(1 − x) needs x < 1).
DEFAULT_VIEWS = {
    "exp": {"x_range": (-3.0, 3.0), "a_range": (-2.0, 2.0)},
    "sin": {"x_range": (-6.5, 6.5), "a_range": (-3.0, 3.0)},
    "cos": {"x_range": (-6.5, 6.5), "a_range": (-3.0, 3.0)},
    "log1p": {"x_range": (-0.95, 3.0), "a_range": (-0.5, 2.0)},
    "geometric": {"x_range": (-3.0, 0.95), "a_range": (-2.0, 0.5)},
}


def _polynomial_text(coefficients: np.ndarray, a: float, shown_terms: int = 5) -> str:
    """p(x) written out with its first few coefficients, e.g. '1 + 1·t + 0.5·t² + …'."""
    powers = ["", "·t", "·t²", "·t³", "·t⁴", "·t⁵", "·t⁶"]
    terms = [f"{c:.4g}{powers[k]}" for k, c in enumerate(coefficients[:shown_terms])]
    text = " + ".join(terms).replace("+ -", "− ")
    if coefficients.size > shown_terms:
        text += " + …"
    return f"p(x) = {text}, with t = x − {a:.2f}" if a else f"p(x) = {text}, with t = x"


def taylor_explorer(
    series: Sequence[str] = tuple(STANDARD_SERIES),
    order: int = 2,
    a: float = 0.0,
    max_order: int = 15,
) -> Explorer:
    """Pick a standard function, then move the order n and the expansion point a of its
    Taylor polynomial; the error |f − p| is drawn below on log axes.

    Parameters
    ----------
    series : sequence of str
        Keys of :data:`mmlcalc.taylor.STANDARD_SERIES` to choose from.
    order, a : int, float
        Where the explorer starts.
    max_order : int
        The largest order on the slider (15 by default: enough to watch the error
        stall at the edge of the radius of convergence; higher orders change nothing
        visible).

    Examples
    --------
    >>> explorer = taylor_explorer(("exp", "log1p"), order=1, a=0.0)
    >>> explorer.shown["coefficients"]          # eˣ ≈ 1 + x
    array([1., 1.])
    >>> explorer.controls["function"].value = "ln(1 + x)"
    >>> explorer.shown["radius"]
    1.0
    """
    chosen: dict[str, StandardSeries] = {}
    for key in series:
        if key not in STANDARD_SERIES:
            raise ValueError(
                f"unknown series {key!r}: choose from {', '.join(map(repr, STANDARD_SERIES))}"
            )
        chosen[STANDARD_SERIES[key].label] = STANDARD_SERIES[key]
    if not chosen:
        raise ValueError("give at least one series, e.g. ('exp', 'sin')")
    first = next(iter(chosen.values()))
    low, high = DEFAULT_VIEWS[first.name]["a_range"]
    controls = {
        "function": choice("function", list(chosen)),
        "order": widgets.IntSlider(
            value=order,
            min=0,
            max=max_order,
            description="order n",
            style=LABEL_STYLE,
            layout=widgets.Layout(width="460px"),
        ),
        "a": float_slider("expansion point a", float(np.clip(a, low, high)), low, high, 0.05),
    }

    def build(figure: Figure, function: str) -> Scene:
        chosen_series = chosen[function]
        # a's range follows the function, so a stays where it has a series (the build runs
        # paused: the new a is drawn by the refresh that follows it)
        set_range(controls["a"], *DEFAULT_VIEWS[chosen_series.name]["a_range"])
        axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        return TaylorScene(
            axes,
            chosen_series.function,
            chosen_series.coefficients,
            DEFAULT_VIEWS[chosen_series.name]["x_range"],
            radius=chosen_series.radius,
            name=chosen_series.label,
        )

    def readout(s: dict) -> str:
        radius = s["radius"]
        where = (
            "converges for every x"
            if np.isinf(radius)
            else f"converges for {s['a'] - radius:.2f} &lt; x &lt; {s['a'] + radius:.2f}"
        )
        return (
            f"{html.escape(_polynomial_text(s['coefficients'], s['a']))}<br>"
            f"radius of convergence R = {radius:g}: the series {where} (shaded)<br>"
            f"largest error within 0.5 of a: <b>{s['max_error_near_a']:.2e}</b>"
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        rebuild_on=("function",),
        title="Taylor polynomials: order and expansion point",
        caption=(
            "Top: the chosen function (solid blue) and its Taylor polynomial of order n about "
            "the point a (dashed red, a black dot at a); the shaded band is where the full "
            "series converges. Bottom: the error between them on a logarithmic scale. Raising "
            "the order shrinks the error near a and widens the region where the polynomial "
            "fits, but never beyond the shaded band."
        ),
        figsize=(6.6, 5.2),
    )


def linearisation_explorer(
    functions: Mapping[str, tuple[Callable, Callable]], a: float = 0.5, dx: float = 0.3
) -> Explorer:
    """Shrink Δx and watch the error of the tangent-line approximation fall like Δx².

    Parameters
    ----------
    functions : mapping of str to (f, df)
        The functions to choose from, by name, each with its derivative.
    a, dx : float
        The point of tangency and the starting step.

    Examples
    --------
    >>> explorer = linearisation_explorer({"eˣ": (np.exp, np.exp)}, a=0.0, dx=0.1)
    >>> round(explorer.shown["error"], 6)       # e^0.1 − 1.1
    0.005171
    >>> explorer.controls["dx"].value = 0.001
    >>> round(explorer.shown["error_over_dx2"], 3)   # → f″(0)/2 = 0.5
    0.5
    """
    if not functions:
        raise ValueError("give at least one function: {'name': (f, df)}")
    controls = {
        "function": choice("function", list(functions)),
        # a rebuilds the whole figure, so it updates when the slider is released
        "a": float_slider("point of tangency a", a, -2.0, 2.0, 0.1, continuous_update=False),
        # Δx from 1e-5 (errors about 1e-10·|f″|, still far above round-off) up to 1
        "dx": log_slider("step Δx", dx, -5, 0),
    }

    def build(figure: Figure, function: str, a: float) -> Scene:
        f, df = functions[function]
        return LinearisationScene(figure.subplots(1, 2), f, df, a, name=function)

    def readout(s: dict) -> str:
        return (
            f"Δx = {s['dx']:.1e}: f(a + Δx) = {s['f']:.6f}, L(a + Δx) = {s['L']:.6f}, "
            f"error = <b>{s['error']:.2e}</b><br>"
            f"error / Δx² = {s['error_over_dx2']:.4f} (→ |f″(a)|/2 as Δx → 0); "
            f"slope fitted on log axes: {s['fitted_slope']:.2f}"
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        rebuild_on=("function", "a"),
        title="The error of a linearisation",
        caption=(
            "Left: the function (solid) and its tangent line at a (dotted); a red bar marks "
            "the gap between them at a + Δx. Right: that gap against Δx, both on logarithmic "
            "axes, with a grey guide of slope 2. The curve runs parallel to the guide: ten "
            "times smaller Δx gives a hundred times smaller error."
        ),
        figsize=(9.6, 3.8),
    )


def quadratic_approximation_explorer(
    f: Callable,
    jacobian: Callable,
    hessian: Callable,
    point: Sequence[float] = (1.0, 0.5),
    x_range: Sequence[float] = (-3.0, 3.0),
    y_range: Sequence[float] = (-3.0, 3.0),
    name: str = "f(x, y)",
) -> Explorer:
    """Move the point with two sliders; dashed contours of the quadratic model
    f(p) + J·Δ + ½ΔᵀHΔ follow it over the solid contours of f.

    Parameters
    ----------
    f : callable
        ``f(p)`` for points of shape (..., 2), returning shape (...).
    jacobian, hessian : callable
        J (shape (2,)) and H (shape (2, 2)) at one point p of shape (2,).
    point : (float, float)
        Where the point starts.

    Examples
    --------
    >>> def bowl(p):
    ...     return p[..., 0] ** 2 + 3 * p[..., 1] ** 2
    >>> explorer = quadratic_approximation_explorer(
    ...     bowl, lambda p: np.array([2 * p[0], 6 * p[1]]), lambda p: np.diag([2.0, 6.0]))
    >>> explorer.shown["J"]
    array([2., 3.])
    >>> explorer.controls["x"].value = -1.0
    >>> explorer.shown["J"], explorer.shown["shape"]
    (array([-2.,  3.]), 'bowl (curves up every way)')
    """
    controls = {
        "x": float_slider("x of the point", float(point[0]), x_range[0], x_range[1], 0.05),
        "y": float_slider("y of the point", float(point[1]), y_range[0], y_range[1], 0.05),
    }

    def build(figure: Figure) -> Scene:
        return QuadraticApproximationScene(
            figure.subplots(1, 2), f, jacobian, hessian, x_range, y_range, name=name
        )

    def readout(s: dict) -> str:
        J, H, lam = s["J"], s["H"], s["eigenvalues"]
        return (
            f"f = {s['f']:.4f} &nbsp; J = [{J[0]:.3f}, {J[1]:.3f}] &nbsp; "
            f"H = [[{H[0, 0]:.3f}, {H[0, 1]:.3f}], [{H[1, 0]:.3f}, {H[1, 1]:.3f}]]<br>"
            f"eigenvalues of H: {lam[0]:.3f}, {lam[1]:.3f}: the quadratic model is a "
            f"{html.escape(s['shape'])}<br>"
            f"fitted error slopes: quadratic model <b>{s['quadratic_slope']:.2f}</b>, "
            f"linear model {s['linear_slope']:.2f}"
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        title="A function of two inputs and its quadratic approximation",
        caption=(
            "Left: a contour map of the function (solid blue lines) with the chosen "
            "point (black dot) and its Jacobian arrow pointing uphill (red); the dashed lines "
            "are contours of the quadratic approximation built from the value, J and H at the "
            "point, drawn at the same heights within a distance 2 of the point. Near the "
            "point the dashed lines follow the "
            "solid ones; far away they part. Right: the largest error of the linear and the "
            "quadratic model at distance r from the point, on logarithmic axes, with guides "
            "of slopes 2 and 3."
        ),
        figsize=(9.0, 3.9),
    )
