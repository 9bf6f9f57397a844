"""Week 1 figures: secant and tangent, a function beside its derivative, the product rule,
and the error of finite differences against the step h.

Taught in ``notebooks/01_slopes_and_derivatives.ipynb``; the explorers that move
these scenes are in :mod:`mmlcalc.widgets.calculus`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mmlcalc.calculus import central_difference, evaluate, forward_difference
from mmlcalc.plotting.base import (
    PALETTE,
    ROLES,
    Scene,
    course_style,
    get_axes,
    get_figure,
    padded_limits,
    x_grid,
)

__all__ = [
    "DerivativePairScene",
    "DifferenceErrorScene",
    "ProductRuleScene",
    "SecantScene",
    "plot_difference_error",
    "plot_function_and_derivative",
    "plot_product_rule",
    "plot_secant",
    "plot_tangent",
]


class SecantScene(Scene):
    """The secant through (x0, f(x0)) and (x0 + Δx, f(x0 + Δx)) closing in on the tangent."""

    def __init__(
        self,
        ax: Axes,
        f: Callable,
        df: Callable | None = None,
        x_range: Sequence[float] = (-1.0, 3.0),
    ):
        self.ax, self.f, self.df = ax, f, df
        self.x = x_grid(x_range)
        y = evaluate(f, self.x)
        ax.plot(self.x, y, label="f(x)", **ROLES["function"])
        ax.set_xlim(self.x[0], self.x[-1])
        ax.set_ylim(*padded_limits(y, pad=0.15))
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title("Secant slope → derivative as Δx → 0")
        (self.secant,) = ax.plot([], [], label="secant", **ROLES["secant"])
        (self.tangent,) = ax.plot(
            [], [], label="tangent" if df is not None else None, **ROLES["tangent"]
        )
        (self.run,) = ax.plot([], [], **ROLES["guide"])
        (self.rise,) = ax.plot([], [], **ROLES["guide"])
        (self.points,) = ax.plot([], [], **ROLES["point"])
        ax.legend(loc="upper left")
        self.artists = [self.run, self.rise, self.secant, self.tangent, self.points]

    def update(self, x0: float = 1.0, dx: float = 0.5) -> dict:
        x1 = x0 + dx
        y0, y1 = float(evaluate(self.f, x0)), float(evaluate(self.f, x1))
        slope = (y1 - y0) / dx
        self.secant.set_data(self.x, y0 + slope * (self.x - x0))
        self.run.set_data([x0, x1], [y0, y0])
        self.rise.set_data([x1, x1], [y0, y1])
        self.points.set_data([x0, x1], [y0, y1])
        shown = {"x0": x0, "dx": dx, "rise": y1 - y0, "secant_slope": slope}
        if self.df is not None:
            exact = float(evaluate(self.df, x0))
            self.tangent.set_data(self.x, y0 + exact * (self.x - x0))
            shown.update(derivative=exact, error=slope - exact)
        return shown


def plot_secant(
    f: Callable,
    x0: float,
    dx: float,
    ax: Axes | None = None,
    df: Callable | None = None,
    x_range: Sequence[float] = (-1.0, 3.0),
) -> Axes:
    """Draw f, the secant from x0 to x0 + dx with its rise and run, and the tangent if ``df``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_secant(lambda x: x**2, 1.0, 1.0, ax=Figure().subplots())
    >>> ax.lines[1].get_ydata()[[0, -1]]   # the secant through (1, 1) and (2, 4): y = 3x - 2
    array([-5.,  7.])
    """
    scene = SecantScene(get_axes(ax), f, df, x_range)
    scene.update(x0=x0, dx=dx)
    return scene.ax


def plot_tangent(
    f: Callable,
    df: Callable,
    x0: float,
    ax: Axes | None = None,
    x_range: Sequence[float] = (-3.0, 3.0),
) -> Axes:
    """Draw f and its tangent line y = f(x0) + f'(x0)(x − x0) at x0.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_tangent(np.exp, np.exp, 0.0, ax=Figure().subplots(), x_range=(-1, 1))
    >>> ax.lines[1].get_ydata()[[0, -1]]   # tangent y = 1 + x
    array([0., 2.])
    """
    ax = get_axes(ax)
    x = x_grid(x_range)
    y0, slope = float(evaluate(f, x0)), float(evaluate(df, x0))
    ax.plot(x, evaluate(f, x), label="f(x)", **ROLES["function"])
    ax.plot(x, y0 + slope * (x - x0), label=f"tangent, slope {slope:.3g}", **ROLES["tangent"])
    ax.plot([x0], [y0], **ROLES["point"])
    ax.set_xlabel("x")
    ax.legend(loc="best")
    return ax


class DerivativePairScene(Scene):
    """f with its tangent at x (left) beside f′ with the point (x, f′(x)) (right)."""

    def __init__(
        self,
        axes: Sequence[Axes],
        f: Callable,
        df: Callable,
        x_range: Sequence[float] = (-3.0, 3.0),
        name: str = "f",
    ):
        self.left, self.right = axes
        self.f, self.df = f, df
        self.x = x_grid(x_range)
        y, dy = evaluate(f, self.x), evaluate(df, self.x)
        self.left.plot(self.x, y, **ROLES["function"])
        self.right.plot(self.x, dy, **ROLES["derivative"])
        self.right.axhline(0.0, **ROLES["guide"])
        self.left.set_ylim(*padded_limits(y))
        self.right.set_ylim(*padded_limits(dy))
        for ax in axes:
            ax.set_xlim(self.x[0], self.x[-1])
            ax.set_xlabel("x")
        self.left.set_ylabel(f"{name}(x)")
        self.right.set_ylabel(f"{name}′(x)")
        self.left.set_title(f"{name}(x) and its tangent")
        self.right.set_title(f"{name}′(x): the slope of the tangent")
        (self.tangent,) = self.left.plot([], [], **ROLES["tangent"])
        (self.point,) = self.left.plot([], [], **ROLES["point"])
        self.slope_guide = self.right.axvline(0.0, **ROLES["guide"])
        (self.slope_point,) = self.right.plot([], [], **ROLES["point"])
        self.artists = [self.tangent, self.point, self.slope_guide, self.slope_point]

    def update(self, x: float = 0.5) -> dict:
        y, slope = float(evaluate(self.f, x)), float(evaluate(self.df, x))
        half = 0.18 * (self.x[-1] - self.x[0])
        xs = np.array([x - half, x + half])
        self.tangent.set_data(xs, y + slope * (xs - x))
        self.point.set_data([x], [y])
        self.slope_point.set_data([x], [slope])
        self.slope_guide.set_xdata([x, x])
        return {"x": x, "f": y, "slope": slope}


def plot_function_and_derivative(
    f: Callable,
    df: Callable,
    x: float,
    x_range: Sequence[float] = (-3.0, 3.0),
    figure: Figure | None = None,
    name: str = "f",
) -> Figure:
    """Draw f with its tangent at x beside f′ with its value at x; returns the Figure.

    Examples
    --------
    >>> left, right = plot_function_and_derivative(np.sin, np.cos, 0.0, figure=Figure()).axes
    >>> right.lines[-1].get_ydata()   # f'(0) = cos 0
    [1.0]
    """
    figure = get_figure(figure, figsize=(9.0, 3.4))
    with course_style():
        scene = DerivativePairScene(figure.subplots(1, 2), f, df, x_range, name)
    scene.update(x=x)
    return figure


class ProductRuleScene(Scene):
    """A rectangle with sides u(x) and v(x) whose area u·v grows when x grows by Δx.

    The growth is the strip v·Δu, the strip u·Δv and the corner Δu·Δv; divided by Δx,
    the corner vanishes as Δx → 0, which is the product rule (uv)′ = u′v + uv′.
    The axes fit the largest rectangle of ``x_range`` grown by ``dx_max``: pass the one
    x drawn (``x_range=(x, x)``) so the rectangle fills the plot.
    """

    def __init__(
        self,
        ax: Axes,
        u: Callable,
        v: Callable,
        x_range: Sequence[float] = (0.5, 2.0),
        dx_max: float = 1.0,
    ):
        self.ax, self.u, self.v = ax, u, v
        self.x = float(x_range[0])  # the x that update draws when it is given none
        xs = x_grid((x_range[0], x_range[1] + dx_max), 200)
        width, height = float(np.max(evaluate(u, xs))), float(np.max(evaluate(v, xs)))
        ax.set_xlim(0, 1.08 * width)
        ax.set_ylim(0, 1.08 * height)
        ax.grid(False)
        ax.set_xlabel("u(x)")
        ax.set_ylabel("v(x)")
        ax.set_title("Area u·v and how it grows")
        self.base = Rectangle(
            (0, 0),
            0,
            0,
            facecolor=PALETTE["blue"],
            alpha=0.35,
            edgecolor=PALETTE["blue"],
            label="u·v",
        )
        self.strip_u = Rectangle(
            (0, 0),
            0,
            0,
            facecolor=PALETTE["red"],
            alpha=0.5,
            hatch="//",
            edgecolor=PALETTE["red"],
            label="v·Δu",
        )
        self.strip_v = Rectangle(
            (0, 0),
            0,
            0,
            facecolor=PALETTE["green"],
            alpha=0.5,
            hatch="\\\\",
            edgecolor=PALETTE["green"],
            label="u·Δv",
        )
        self.corner = Rectangle(
            (0, 0),
            0,
            0,
            facecolor=PALETTE["yellow"],
            alpha=0.9,
            edgecolor=PALETTE["black"],
            label="Δu·Δv",
        )
        for patch in (self.base, self.strip_u, self.strip_v, self.corner):
            ax.add_patch(patch)
        # outside the axes, so the growing rectangle never covers it
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        self.artists = [self.base, self.strip_u, self.strip_v, self.corner]

    def update(self, x: float | None = None, dx: float = 0.3) -> dict:
        x = self.x if x is None else x
        u0, v0 = float(evaluate(self.u, x)), float(evaluate(self.v, x))
        du, dv = float(evaluate(self.u, x + dx)) - u0, float(evaluate(self.v, x + dx)) - v0
        self.base.set_bounds(0, 0, u0, v0)
        self.strip_u.set_bounds(u0, 0, du, v0)
        self.strip_v.set_bounds(0, v0, u0, dv)
        self.corner.set_bounds(u0, v0, du, dv)
        growth = v0 * du + u0 * dv + du * dv
        return {
            "x": x,
            "dx": dx,
            "u": u0,
            "v": v0,
            "du": du,
            "dv": dv,
            "growth": growth,
            "corner": du * dv,
            # at Δx = 0 nothing has grown yet: there is no rate to show
            "rate": growth / dx if dx != 0 else float("nan"),
        }


def plot_product_rule(
    u: Callable,
    v: Callable,
    x: float,
    dx: float,
    ax: Axes | None = None,
    x_range: Sequence[float] | None = None,
) -> Axes:
    """Draw the product-rule rectangle for u(x)·v(x) grown by Δx.

    The axes fit this rectangle (or the largest over ``x_range``, if given).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_product_rule(lambda x: x, lambda x: 2 * x, 1.0, 0.5, ax=Figure().subplots())
    >>> ax.patches[3].get_width(), ax.patches[3].get_height()   # the corner Δu·Δv
    (0.5, 1.0)
    """
    x_range = (x, x) if x_range is None else x_range  # axes fitted to this rectangle
    scene = ProductRuleScene(get_axes(ax), u, v, x_range, dx_max=max(dx, 0.0))
    scene.update(x=x, dx=dx)
    return scene.ax


class DifferenceErrorScene(Scene):
    """Error of forward and central differences against the step h, on log axes.

    Right of the dip the truncation error falls like h (forward) or h² (central);
    left of it, round-off error grows like ε/h.
    """

    def __init__(
        self,
        ax: Axes,
        f: Callable,
        df: Callable,
        x0: float = 1.0,
        steps: Sequence[float] = (1e-15, 1.0),
        methods: Sequence[str] = ("forward", "central"),
    ):
        self.ax, self.f, self.df, self.x0 = ax, f, df, float(x0)
        self.methods = tuple(methods)
        # below about ε·|x| the computer cannot tell x + h from x: start the grid above it
        smallest = max(float(steps[0]), 4 * np.finfo(float).eps * max(1.0, abs(self.x0)))
        self.steps = np.logspace(np.log10(smallest), np.log10(steps[1]), 161)
        exact = float(evaluate(df, self.x0))
        self.exact = exact
        floor = 1e-17
        self.curves = {}
        for method in self.methods:
            if method not in ("forward", "central"):
                raise ValueError(f"methods must be 'forward' and/or 'central', got {method!r}")
            formula = forward_difference if method == "forward" else central_difference
            error = np.abs(formula(f, np.full_like(self.steps, self.x0), self.steps) - exact)
            self.curves[method] = np.maximum(error, floor)
            role = "function" if method == "forward" else "derivative"
            ax.loglog(self.steps, self.curves[method], label=f"{method} difference", **ROLES[role])
        self.best_h = {
            method: _bottom_of_v(self.steps, curve) for method, curve in self.curves.items()
        }
        eps = np.finfo(float).eps
        ax.loglog(self.steps, eps / self.steps, label="round-off ≈ ε/h", **ROLES["guide"])
        ax.set_ylim(1e-17, 1e2)
        ax.set_xlim(self.steps[0], self.steps[-1])
        ax.set_xlabel("step h")
        ax.set_ylabel("|estimate − f′(x)|")
        ax.set_title(f"Finite-difference error at x = {self.x0:g}")
        ax.legend(loc="lower left", fontsize=9)
        self.marker_line = ax.axvline(1e-4, **ROLES["guide"])
        (self.markers,) = ax.plot([], [], **ROLES["point"])
        self.artists = [self.marker_line, self.markers]

    def update(self, h: float = 1e-4) -> dict:
        shown = {"h": h, "derivative": self.exact}
        ys = []
        for method in self.methods:
            formula = forward_difference if method == "forward" else central_difference
            estimate = float(formula(self.f, self.x0, h))
            error = abs(estimate - self.exact)
            shown[f"{method}_estimate"] = estimate
            shown[f"{method}_error"] = error
            ys.append(max(error, 1e-17))
            shown[f"{method}_best_h"] = self.best_h[method]
        self.marker_line.set_xdata([h, h])
        self.markers.set_data([h] * len(ys), ys)
        return shown


def _bottom_of_v(steps: np.ndarray, error: np.ndarray, window: int = 9) -> float:
    """The step at the bottom of the V of an error curve.

    Round-off makes the left arm jagged, and now and then an estimate is exactly
    right by luck (error 0); a running median of log(error) over ``window``
    neighbours ignores such single points and finds the bottom of the trend.
    """
    logs = np.log10(error)
    half = window // 2
    padded = np.pad(logs, half, mode="edge")
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)
    return float(steps[int(np.argmin(smooth))])


def plot_difference_error(
    f: Callable,
    df: Callable,
    x0: float = 1.0,
    h: float = 1e-4,
    ax: Axes | None = None,
    methods: Sequence[str] = ("forward", "central"),
) -> Axes:
    """Draw the error of finite differences against the step h on log axes, marking ``h``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_difference_error(np.sin, np.cos, 1.0, ax=Figure().subplots())
    >>> [line.get_label() for line in ax.lines[:2]]
    ['forward difference', 'central difference']
    """
    scene = DifferenceErrorScene(get_axes(ax), f, df, x0, methods=methods)
    scene.update(h=h)
    return scene.ax
