"""Week 6 explorers: fit a line by hand on the χ² map, and steepest descent on χ²(μ, σ).

Taught in ``notebooks/06_regression.ipynb``; the scenes they move are in
:mod:`mmlcalc.plotting.regression` and the numerics in :mod:`mmlcalc.regression`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets

from mmlcalc.plotting.regression import ChiSquaredDescentScene, LineFitScene
from mmlcalc.widgets.base import LABEL_STYLE, Explorer, float_slider, log_slider, slider_layout

__all__ = ["chi_squared_descent_explorer", "line_fit_explorer"]


def _number(value: float, decimals: int = 4) -> str:
    """A readout number: fixed decimals, or scientific notation beyond 1e5 in size.

    >>> _number(66.123456), _number(-2.3e140), _number(float("nan"))
    ('66.1235', '-2.300e+140', 'nan')
    """
    if abs(value) >= 1e5:
        return f"{value:.3e}"
    return f"{value:.{decimals}f}"


def line_fit_explorer(
    x,
    y,
    uncertainty=None,
    slope: float = 2.0,
    intercept: float = 0.0,
    slope_range: Sequence[float] = (0.0, 8.0),
    intercept_range: Sequence[float] = (-60.0, 40.0),
    xlabel: str = "x",
    ylabel: str = "y",
) -> Explorer:
    """Move a line's slope and intercept; watch the residuals, χ² and the point on the χ² map.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        The data.
    uncertainty : array_like, shape (m,), optional
    slope, intercept : float
        The line to start from.
    slope_range, intercept_range : (float, float)
        The sliders' ranges, and the box of the χ² map.

    Examples
    --------
    >>> explorer = line_fit_explorer([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], slope=1.0, intercept=1.0,
    ...                              slope_range=(0, 4), intercept_range=(-2, 2))
    >>> explorer.shown["chi_squared"]          # residuals 0, 1, 2
    5.0
    >>> explorer.controls["slope"].value = 2.0
    >>> explorer.shown["chi_squared"], explorer.shown["best_slope"]
    (0.0, 2.0)
    """
    (m0, m1), (c0, c1) = slope_range, intercept_range
    controls = {
        "slope": float_slider("slope m", slope, m0, m1, (m1 - m0) / 400),
        "intercept": float_slider("intercept c", intercept, c0, c1, (c1 - c0) / 400),
    }

    def readout(s: dict) -> str:
        return (
            f"y = {s['slope']:.3f} x {s['intercept']:+.3f} &nbsp; "
            f"χ² = <b>{s['chi_squared']:.1f}</b><br>least χ² = {s['best_chi_squared']:.1f} "
            f"at m = {s['best_slope']:.3f}, c = {s['best_intercept']:.3f}"
        )

    return Explorer(
        lambda figure: LineFitScene(
            figure, x, y, uncertainty, slope_range, intercept_range, xlabel, ylabel
        ),
        controls,
        readout=readout,
        title="Fit a line by hand: residuals and χ²",
        caption=(
            "Left: the data as black dots, the line y = m x + c in blue, and a red vertical bar "
            "from each point to the line: its residual. χ² is the sum of the squared bar "
            "lengths. Right: a contour map of χ² over slopes (across) and intercepts (up), "
            "darker where χ² is lower; the yellow star marks the line with the least χ² and the "
            "red ring your line. The contours are long tilted ellipses: raising the slope can "
            "be partly undone by lowering the intercept."
        ),
        figsize=(10.0, 3.9),
    )


def chi_squared_descent_explorer(
    x,
    y,
    model: Callable,
    model_jacobian: Callable,
    uncertainty=None,
    start: Sequence[float] = (66.0, 4.0),
    step: float = 1.0,
    steps: int = 30,
    rescale: bool = True,
    bounds=((63.0, 76.0), (1.0, 7.0)),
    reference=None,
    names: Sequence[str] = ("μ", "σ"),
    unit: str = "in",
    max_steps: int = 200,
    domain=None,
) -> Explorer:
    """Steepest descent on χ² of a two-parameter model: step size, steps, units, start.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        The data (for the Gaussian: histogram centres and densities).
    model, model_jacobian : callable
        ``model(x, params)`` -> shape (m,); ``model_jacobian(x, params)`` -> shape (m, 2).
    uncertainty : array_like, shape (m,), optional
    start : (float, float)
        The first guess (the sliders' initial values).
    step : float
        The step size η; the slider runs from 1e-4 to 10 on a log scale.
    steps : int
        How many steps to draw (at most ``max_steps``; the stopping rule may end sooner).
    rescale : bool
        Start in the rescaled parameters (η in curvature units) or in the raw ones.
    bounds : ((float, float), (float, float))
        The box of the χ² map and the ranges of the start sliders.
    reference : array_like, shape (2,), optional
        The library's answer, drawn as a star and printed in the readout.
    domain : array_like of shape (2, 2), optional
        Where the parameters mean something, as open intervals (for a Gaussian,
        ``[(-np.inf, np.inf), (0, np.inf)]``: σ > 0). A path that leaves it stops, and
        the readout says so instead of "converged".

    The readout says what the run did in words: converged (and, with ``reference``,
    whether to the library's minimum or to a false one where χ² is higher by more than
    1, the change of χ² that one standard error makes), left the domain, diverged,
    still settling, zig-zagging or bouncing in a bounded cycle when the step count ran
    out. Numbers beyond 10⁵ in size are written in scientific notation.

    Examples
    --------
    >>> line = lambda x, p: p[0] * x + p[1]
    >>> jac = lambda x, p: np.stack([x, np.ones_like(x)], axis=1)
    >>> explorer = chi_squared_descent_explorer([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], line, jac,
    ...                             start=(0.0, 0.0), steps=200, bounds=((-1, 4), (-1, 4)),
    ...                             names=("m", "c"), unit="-")
    >>> explorer.shown["status"], explorer.shown["params"].round(4).tolist()
    ('converged', [2.0, 1.0])
    >>> explorer.controls["steps"].value = 0
    >>> explorer.shown["params"].tolist()
    [0.0, 0.0]
    """
    (a0, a1), (b0, b1) = bounds
    controls = {
        "step": log_slider("step size η", step, -4.0, 1.0),
        "steps": widgets.IntSlider(
            value=steps,
            min=0,
            max=max_steps,
            step=1,
            description="number of steps",
            style=LABEL_STYLE,
            layout=slider_layout(),
        ),
        "rescale": widgets.Dropdown(
            options=[
                ("rescaled (η in curvature units)", True),
                (f"raw (η in {unit}² per χ²)", False),
            ],
            value=bool(rescale),
            description="parameters",
            style=LABEL_STYLE,
        ),
        "start0": float_slider(f"start {names[0]}", start[0], a0, a1, (a1 - a0) / 260),
        "start1": float_slider(f"start {names[1]}", start[1], b0, b1, (b1 - b0) / 240),
    }

    def verdict(s: dict) -> str:
        """What the run did, in words (never "converged" outside the domain)."""
        status, regime = s["status"], s["regime"]
        if status == "left the domain":
            p = s["params"]
            gone = [
                f"{name} = {_number(value)}"
                for name, value, (low, high) in zip(names, p, domain, strict=True)
                if not low < value < high
            ]
            return f"left the domain ({', '.join(gone)}): the fit is lost"
        if status == "diverged":
            return "diverged: χ² grew more than a hundredfold (or could not be computed)"
        if status == "converged":
            best = s["reference_chi_squared"]
            if best is not None and s["chi_squared"] > best + 1.0:
                return (
                    "stopped: the steps became tiny, but χ² is far above the library's "
                    f"{best:.2f}: a false minimum"
                )
            return "converged: the steps became tiny"
        text = {
            "converges": "still settling when the step count ran out",
            "oscillates": "zig-zagging when the step count ran out",
            "cycles": "bouncing in a bounded cycle: it will never settle",
            "diverges": "running away when the step count ran out",
        }[regime]
        best = s["reference_chi_squared"]
        if best is not None and s["chi_squared"] > 10 * best:
            text += f", with χ² far above the library's {best:.2f} (off the data, on the plateau)"
        return text

    def readout(s: dict) -> str:
        p = s["params"]
        text = (
            f"after {s['steps']} steps, {verdict(s)}<br>{names[0]} = <b>{_number(p[0])}</b>, "
            f"{names[1]} = <b>{_number(p[1])}</b>, χ² = <b>{_number(s['chi_squared'], 2)}</b> "
            f"(start {_number(s['start_chi_squared'], 1)})"
        )
        if s["reference"] is not None:
            r = s["reference"]
            text += (
                f"<br>library: {names[0]} = {r[0]:.4f}, {names[1]} = {r[1]:.4f}; "
                f"distance {((p[0] - r[0]) ** 2 + (p[1] - r[1]) ** 2) ** 0.5:.2e} {unit}"
            )
        return text

    def build(figure):
        return ChiSquaredDescentScene(
            figure,
            x,
            y,
            model,
            model_jacobian,
            uncertainty,
            bounds,
            reference,
            names,
            unit,
            max_steps=max_steps,
            domain=domain,
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        title="Steepest descent on χ²",
        caption=(
            f"Left: a contour map of χ² over {names[0]} (across) and {names[1]} (up), darker "
            "where χ² is lower, with contour levels spaced by factors, not by equal steps. The "
            "red line is the path of steepest descent, one dot per step, from the cyan circle "
            "(start) to the red square (where it stopped); the yellow star is the library's "
            "answer. Right: the data as points with error bars, the model at the end of the path "
            "as a blue curve and the library's fit as a grey dashed curve."
        ),
        figsize=(10.0, 4.0),
    )
