"""Week 4 figures: a Taylor polynomial and its error, the error of a linearisation on log
axes, and a function of two inputs with its quadratic approximation around a point.

Taught in ``notebooks/04_taylor_series.ipynb``; the explorers that move these scenes
are in :mod:`mmlcalc.widgets.taylor`. The maths stays in the notebook: the function,
its derivatives, its Jacobian and Hessian are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mmlcalc.calculus import evaluate
from mmlcalc.plotting.base import (
    PALETTE,
    ROLES,
    Scene,
    course_style,
    get_figure,
    padded_limits,
    x_grid,
)
from mmlcalc.taylor import (
    error_order,
    linear_approximation,
    quadratic_approximation,
    taylor_polynomial,
)

__all__ = [
    "LinearisationScene",
    "QuadraticApproximationScene",
    "TaylorScene",
    "plot_linearisation_error",
    "plot_quadratic_approximation",
    "plot_taylor_polynomial",
]

#: Errors are drawn no lower than this on log axes: an error of exactly 0 (the
#: polynomial is exact at its expansion point) has no logarithm.
ERROR_FLOOR = 1e-17


def _span(ax: Axes, **style):
    """A vertical band across ``ax``, moved later with ``set_x`` and ``set_width``."""
    return ax.axvspan(0.0, 1.0, **style)


class TaylorScene(Scene):
    """f and its Taylor polynomial of order n about a (top), and the error |f − p| on log axes.

    Parameters
    ----------
    axes : (Axes, Axes)
        Top: the curves; bottom: the error.
    f : callable
        The function.
    taylor : callable
        ``taylor(order, a) -> coefficients``, shape (order + 1,), lowest power first.
    x_range : (float, float)
    radius : callable, optional
        ``radius(a) -> float``, the radius of convergence about a; when given, the
        interval a − R < x < a + R is shaded.
    name : str
        How to write the function in titles.
    """

    def __init__(
        self,
        axes: Sequence[Axes],
        f: Callable,
        taylor: Callable,
        x_range: Sequence[float] = (-3.0, 3.0),
        radius: Callable | None = None,
        name: str = "f(x)",
    ):
        self.top, self.bottom = axes
        self.f, self.taylor, self.radius = f, taylor, radius
        self.x = x_grid(x_range, 500)
        self.y = evaluate(f, self.x)
        # redrawn over the shaded band at every update, so the band never tints it
        (self.function_line,) = self.top.plot(self.x, self.y, label=name, **ROLES["function"])
        self.top.set_ylim(*padded_limits(self.y, pad=0.25))
        self.top.set_ylabel("y")
        self.top.set_title(f"{name} and its Taylor polynomial")
        (self.curve,) = self.top.plot([], [], label="Taylor polynomial", **ROLES["derivative"])
        (self.point,) = self.top.plot([], [], label="expansion point a", **ROLES["point"])
        label = "series converges here" if radius is not None else None
        self.band = _span(self.top, color=PALETTE["yellow"], alpha=0.18, label=label)
        # above both panels, outside them: inside, the legend would cover the polynomial
        # where it shoots off (it does at both ends for every function of the week)
        handles, labels = self.top.get_legend_handles_labels()
        self.top.figure.legend(
            handles, labels, loc="outside upper center", ncols=4, fontsize=8, frameon=False
        )
        (self.error,) = self.bottom.semilogy([], [], label="|f(x) − p(x)|", **ROLES["secant"])
        self.bottom_band = _span(self.bottom, color=PALETTE["yellow"], alpha=0.18)
        self.bottom.set_ylim(1e-16, 1e3)
        self.bottom.set_yticks([1e-15, 1e-10, 1e-5, 1.0])
        # one curve: its y-label names it (a legend could hide the dip where p is exact)
        self.bottom.set_ylabel("error |f(x) − p(x)|")
        self.bottom.set_xlabel("x")
        for ax in axes:
            ax.set_xlim(self.x[0], self.x[-1])
        self.artists = [
            self.band,
            self.bottom_band,
            self.function_line,
            self.curve,
            self.point,
            self.error,
        ]

    def update(self, order: int = 2, a: float = 0.0) -> dict:
        coefficients = np.asarray(self.taylor(int(order), float(a)), dtype=float)
        p = taylor_polynomial(coefficients, self.x, a)
        error = np.abs(self.y - p)
        self.curve.set_data(self.x, p)
        fa = float(evaluate(self.f, a))
        self.point.set_data([a], [fa])
        self.error.set_data(self.x, np.maximum(error, ERROR_FLOOR))
        radius = float(self.radius(a)) if self.radius is not None else float("nan")
        low, high = self.x[0], self.x[-1]
        if np.isfinite(radius):
            low, high = max(low, a - radius), min(high, a + radius)
        for band in (self.band, self.bottom_band):
            band.set_visible(self.radius is not None)
            band.set_x(low)
            band.set_width(high - low)
        near = np.abs(self.x - a) <= 0.5  # "close to a": within half a unit on either side
        return {
            "order": int(order),
            "a": float(a),
            "f(a)": fa,
            "coefficients": coefficients,
            "radius": radius,
            "max_error_near_a": float(np.max(error[near])) if near.any() else float("nan"),
        }


def plot_taylor_polynomial(
    f: Callable,
    coefficients,
    a: float = 0.0,
    x_range: Sequence[float] = (-3.0, 3.0),
    figure: Figure | None = None,
    radius: float | None = None,
    name: str = "f(x)",
) -> Figure:
    """Draw f with the Taylor polynomial of the given coefficients about a, and its error.

    Returns the Figure: the curves on top, the error on log axes below.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> top, bottom = plot_taylor_polynomial(np.exp, [1.0, 1.0], 0.0, figure=Figure()).axes
    >>> top.lines[1].get_ydata()[[0, -1]]   # p(x) = 1 + x at x = -3 and 3
    array([-2.,  4.])
    """
    figure = get_figure(figure, figsize=(6.4, 5.0))
    with course_style():
        axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    c = np.asarray(coefficients, dtype=float)
    scene = TaylorScene(
        axes,
        f,
        lambda order, a_: c,
        x_range,
        radius=None if radius is None else (lambda a_: radius),
        name=name,
    )
    scene.update(order=c.size - 1, a=a)
    return figure


class LinearisationScene(Scene):
    """f with its tangent line at a and the gap at a + Δx (left); the gap against Δx (right).

    The right panel draws |f(a + Δx) − L(a + Δx)| on log axes with a guide of slope 2.
    """

    def __init__(
        self,
        axes: Sequence[Axes],
        f: Callable,
        df: Callable,
        a: float = 0.5,
        steps: Sequence[float] = (1e-5, 1.0),
        name: str = "f(x)",
    ):
        self.left, self.right = axes
        self.f, self.df, self.a = f, df, float(a)
        self.fa, self.slope = float(evaluate(f, self.a)), float(evaluate(df, self.a))
        # left panel: from a − 0.5 to a + 1.2, room for the largest Δx = 1 to the right
        self.x = x_grid((self.a - 0.5, self.a + 1.2), 300)
        y = evaluate(f, self.x)
        self.left.plot(self.x, y, label=name, **ROLES["function"])
        self.left.plot(
            self.x,
            self.fa + self.slope * (self.x - self.a),
            label="linearisation L(x)",
            **ROLES["tangent"],
        )
        self.left.set_xlim(self.x[0], self.x[-1])
        self.left.set_ylim(
            *padded_limits(np.concatenate([y, self.fa + self.slope * (self.x - self.a)]), pad=0.1)
        )
        self.left.set_xlabel("x")
        self.left.set_title(f"Tangent line at a = {self.a:g}")
        # the gap is the quantity the lecture discusses: drawn above the points, which are
        # small open circles, with short caps at both ends and its size written beside it,
        # so it stays visible even when it is only a few pixels tall
        (self.points,) = self.left.plot(
            [], [], **{**ROLES["point"], "markersize": 5, "markerfacecolor": "none"}, zorder=3
        )
        (self.gap,) = self.left.plot(
            [],
            [],
            color=PALETTE["red"],
            linewidth=3,
            marker="_",
            markersize=12,
            markeredgewidth=2,
            solid_capstyle="butt",
            label="error at a + Δx",
            zorder=4,
        )
        self.gap_label = self.left.text(
            0.0, 0.0, "", color=PALETTE["red"], fontsize=8, ha="left", va="center", zorder=5
        )
        self.left.legend(loc="upper left", fontsize=8)
        # right panel: the whole error curve, computed once
        self.steps = np.geomspace(steps[0], steps[1], 121)
        self.errors = np.abs(evaluate(f, self.a + self.steps) - (self.fa + self.slope * self.steps))
        self.right.loglog(
            self.steps,
            np.maximum(self.errors, ERROR_FLOOR),
            label="|f(a + Δx) − L(a + Δx)|",
            **ROLES["secant"],
        )
        # the slope is fitted between Δx = 1e-4 and 1e-2: small enough for the Δx² term to
        # lead, large enough (errors ≳ 1e-9·|f″|) to stay clear of round-off (≈ 1e-16·|f|)
        fit = (self.steps >= 1e-4) & (self.steps <= 1e-2) & (self.errors > 0)
        self.fitted_slope = (
            error_order(self.steps[fit], self.errors[fit]) if fit.sum() >= 2 else float("nan")
        )
        anchor = float(np.interp(1e-2, self.steps, np.maximum(self.errors, ERROR_FLOOR)))
        self.right.loglog(
            self.steps,
            0.1 * anchor * (self.steps / 1e-2) ** 2,
            label="guide of slope 2 (∝ Δx²)",
            **ROLES["guide"],
        )
        self.right.set_ylim(1e-16, 1e1)
        self.right.set_xlim(self.steps[0], self.steps[-1])
        self.right.set_xlabel("Δx")
        self.right.set_ylabel("error")
        self.right.set_title(f"Error of the linearisation (fitted slope {self.fitted_slope:.2f})")
        self.right.legend(loc="lower right", fontsize=8)
        (self.marker,) = self.right.plot([], [], **ROLES["point"])
        self.artists = [self.points, self.gap, self.gap_label, self.marker]

    def update(self, dx: float = 0.5) -> dict:
        x1 = self.a + dx
        fx, lx = float(evaluate(self.f, x1)), self.fa + self.slope * dx
        error = abs(fx - lx)
        self.gap.set_data([x1, x1], [lx, fx])
        self.points.set_data([self.a, x1], [self.fa, fx])
        self.gap_label.set_position((x1 + 0.03, 0.5 * (lx + fx)))
        self.gap_label.set_text(f" error {error:.2g}")
        self.marker.set_data([dx], [max(error, ERROR_FLOOR)])
        return {
            "a": self.a,
            "dx": float(dx),
            "f": fx,
            "L": lx,
            "error": error,
            "error_over_dx2": error / dx**2,
            "fitted_slope": self.fitted_slope,
        }


def plot_linearisation_error(
    f: Callable,
    df: Callable,
    a: float = 0.5,
    dx: float = 0.5,
    figure: Figure | None = None,
    name: str = "f(x)",
) -> Figure:
    """Draw f with its tangent at a and the gap at a + dx, beside the gap against Δx (log axes).

    Returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> left, right = plot_linearisation_error(np.exp, np.exp, 0.0, 0.5, figure=Figure()).axes
    >>> round(right.lines[-1].get_ydata()[0], 6)   # e^0.5 − 1.5
    0.148721
    """
    figure = get_figure(figure, figsize=(9.6, 3.6))
    with course_style():
        scene = LinearisationScene(figure.subplots(1, 2), f, df, a, name=name)
    scene.update(dx=dx)
    return figure


def _shape_of(eigenvalues: np.ndarray) -> str:
    """What the quadratic model looks like, from the eigenvalues of H.

    An eigenvalue within 1e-9 (relative to the largest, at least 1) of 0 counts as 0:
    rounding leaves values near 1e-16 where the exact one is 0.
    """
    tol = 1e-9 * max(1.0, float(np.max(np.abs(eigenvalues))))
    positive, negative = eigenvalues > tol, eigenvalues < -tol
    if np.all(positive):
        return "bowl (curves up every way)"
    if np.all(negative):
        return "dome (curves down every way)"
    if np.any(positive) and np.any(negative):
        return "saddle (up one way, down another)"
    if np.any(positive) or np.any(negative):
        return "trough or ridge (no curvature along one direction: an eigenvalue is 0)"
    return "plane (no curvature at all: H = 0)"


class QuadraticApproximationScene(Scene):
    """Contours of f(x, y) and of its quadratic approximation around a movable point (left);
    the largest error on a circle of radius r around the point against r, on log axes (right).

    Parameters
    ----------
    axes : (Axes, Axes)
    f : callable
        ``f(p)`` for points ``p`` of shape (..., 2), returning shape (...).
    jacobian : callable
        ``jacobian(p) -> J``, shape (2,), for one point p of shape (2,).
    hessian : callable
        ``hessian(p) -> H``, shape (2, 2), for one point p of shape (2,).
    x_range, y_range : (float, float)
    levels : int
        How many contour levels (the same levels for f and for its approximation).
    """

    #: radii of the error panel: from 1e-3 (errors ~1e-9, far above round-off) to 2
    RADII = np.geomspace(1e-3, 2.0, 40)
    #: the quadratic model's contours are drawn within this distance of the point
    MODEL_RADIUS = 2.0
    #: directions around the circle at which the error is measured (every 22.5°)
    ANGLES = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)

    def __init__(
        self,
        axes: Sequence[Axes],
        f: Callable,
        jacobian: Callable,
        hessian: Callable,
        x_range: Sequence[float] = (-3.0, 3.0),
        y_range: Sequence[float] = (-3.0, 3.0),
        levels: int = 13,
        name: str = "f(x, y)",
    ):
        self.left, self.right = axes
        self.f, self.jacobian, self.hessian = f, jacobian, hessian
        xs, ys = x_grid(x_range, 90), x_grid(y_range, 90)
        self.X, self.Y = np.meshgrid(xs, ys)
        self.grid = np.stack([self.X, self.Y], axis=-1)  # shape (90, 90, 2)
        Z = np.asarray(f(self.grid), dtype=float)
        if Z.shape != self.X.shape:
            raise ValueError(
                f"f must take points of shape (..., 2) and return shape (...); for a grid of "
                f"shape {self.grid.shape} it returned shape {Z.shape}"
            )
        self.levels = np.linspace(Z.min(), Z.max(), levels)
        # no filled shading: a plain background keeps each PNG frame small and fast to
        # encode; labels on every other level tell hills from valleys instead
        f_contours = self.left.contour(
            self.X,
            self.Y,
            Z,
            levels=self.levels,
            colors=PALETTE["blue"],
            linewidths=1.3,
            negative_linestyles="solid",  # dashes are kept for the quadratic model
        )
        self.left.clabel(f_contours, f_contours.levels[1::2], fontsize=7, fmt="%.2g")
        self.left.set_aspect("equal")
        self.left.set_xlabel("x")
        self.left.set_ylabel("y")
        self.left.set_title(f"{name}: solid; quadratic model: dashed")
        self.left.grid(False)
        # the limits are fixed: no autoscaling when the model's contours are redrawn
        self.left.set_xlim(self.X[0, 0], self.X[0, -1])
        self.left.set_ylim(self.Y[0, 0], self.Y[-1, 0])
        self.left.set_autoscale_on(False)
        # the quadratic model is drawn on a grid 3 times coarser (30 × 30): it is smooth,
        # and fewer points keep each slider move fast
        self.coarse = self.grid[::3, ::3]
        self.q_contours = None
        (self.point,) = self.left.plot([], [], **ROLES["point"])
        self.arrow = self.left.quiver(
            [0.0],
            [0.0],
            [0.0],
            [0.0],
            color=PALETTE["red"],
            angles="xy",
            scale_units="xy",
            scale=1.0,
            width=0.012,
        )
        self.circle = np.stack([np.cos(self.ANGLES), np.sin(self.ANGLES)], axis=-1)
        (self.quad_error,) = self.right.loglog([], [], label="quadratic model", **ROLES["secant"])
        (self.lin_error,) = self.right.loglog([], [], label="linear model", **ROLES["tangent"])
        (self.guide3,) = self.right.loglog(
            [], [], label="guides of slopes 2 and 3", **ROLES["guide"]
        )
        (self.guide2,) = self.right.loglog([], [], **ROLES["guide"])
        self.right.set_xlim(self.RADII[0], self.RADII[-1])
        self.right.set_ylim(1e-13, 1e2)
        self.right.set_xlabel("distance r from the point")
        self.right.set_ylabel("largest error at distance r")
        self.right.set_title("Error of the models")
        self.right.legend(loc="lower right", fontsize=8)
        self.artists = [
            self.point,
            self.arrow,
            self.quad_error,
            self.lin_error,
            self.guide3,
            self.guide2,
        ]

    def update(self, x: float = 1.0, y: float = 0.5) -> dict:
        p = np.array([x, y], dtype=float)
        value = float(self.f(p))
        J = np.asarray(self.jacobian(p), dtype=float)
        H = np.asarray(self.hessian(p), dtype=float)
        steps_to_grid = self.coarse - p
        Q = quadratic_approximation(value, J, H, steps_to_grid)
        # the model is local: draw it only within MODEL_RADIUS of the point (fewer lines
        # also keep each frame fast to draw and to encode)
        far = np.hypot(steps_to_grid[..., 0], steps_to_grid[..., 1]) > self.MODEL_RADIUS
        Q = np.ma.masked_where(far, Q)
        if self.q_contours is not None:
            self.artists.remove(self.q_contours)
            self.q_contours.remove()
        self.q_contours = self.left.contour(
            self.coarse[..., 0],
            self.coarse[..., 1],
            Q,
            levels=self.levels,
            colors=PALETTE["black"],
            linestyles="--",
            linewidths=1.2,
        )
        self.q_contours.set_animated(True)
        self.artists.insert(0, self.q_contours)
        self.point.set_data([x], [y])
        # the Jacobian arrow (uphill), shortened to at most a fifth of the map's width
        longest = 0.2 * (self.X[0, -1] - self.X[0, 0])
        length = float(np.hypot(*J))
        shown = J * min(1.0, longest / length) if length > 0 else J
        self.arrow.set_offsets([[x, y]])
        self.arrow.set_UVC([shown[0]], [shown[1]])
        # errors on circles of radius r: steps of shape (40, 16, 2)
        steps = self.RADII[:, None, None] * self.circle[None, :, :]
        exact = np.asarray(self.f(p + steps), dtype=float)
        quad = np.max(np.abs(exact - quadratic_approximation(value, J, H, steps)), axis=1)
        lin = np.max(np.abs(exact - linear_approximation(value, J, steps)), axis=1)
        self.quad_error.set_data(self.RADII, np.maximum(quad, ERROR_FLOOR))
        self.lin_error.set_data(self.RADII, np.maximum(lin, ERROR_FLOOR))
        # fitted for r from 1e-3 to 0.1, where the leading term dominates
        small = self.RADII <= 0.1
        quad_slope = error_order(self.RADII[small], np.maximum(quad[small], ERROR_FLOOR))
        lin_slope = error_order(self.RADII[small], np.maximum(lin[small], ERROR_FLOOR))
        # slope guides parallel to the curves, a factor 10 below them at r = 0.1
        at = int(np.searchsorted(self.RADII, 0.1))
        self.guide3.set_data(
            self.RADII, 0.1 * max(quad[at], ERROR_FLOOR) * (self.RADII / self.RADII[at]) ** 3
        )
        self.guide2.set_data(
            self.RADII, 0.1 * max(lin[at], ERROR_FLOOR) * (self.RADII / self.RADII[at]) ** 2
        )
        eigenvalues = np.linalg.eigvalsh(0.5 * (H + H.T))
        return {
            "x": float(x),
            "y": float(y),
            "f": value,
            "J": J,
            "H": H,
            "eigenvalues": eigenvalues,
            "shape": _shape_of(eigenvalues),
            "quadratic_slope": quad_slope,
            "linear_slope": lin_slope,
            "quadratic_error_at_0.5": float(np.interp(0.5, self.RADII, quad)),
        }


def plot_quadratic_approximation(
    f: Callable,
    jacobian: Callable,
    hessian: Callable,
    point,
    x_range: Sequence[float] = (-3.0, 3.0),
    y_range: Sequence[float] = (-3.0, 3.0),
    figure: Figure | None = None,
    name: str = "f(x, y)",
) -> Figure:
    """Draw the contours of f and of its quadratic model around ``point``, and the models' errors.

    Returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> def bowl(p):
    ...     return p[..., 0] ** 2 + 2 * p[..., 1] ** 2
    >>> left, right = plot_quadratic_approximation(
    ...     bowl, lambda p: np.array([2 * p[0], 4 * p[1]]),
    ...     lambda p: np.diag([2.0, 4.0]), [1.0, 0.5], figure=Figure()).axes
    >>> left.lines[0].get_xydata().tolist()
    [[1.0, 0.5]]
    """
    figure = get_figure(figure, figsize=(10.0, 4.2))
    with course_style():
        scene = QuadraticApproximationScene(
            figure.subplots(1, 2), f, jacobian, hessian, x_range, y_range, name=name
        )
    scene.update(x=float(point[0]), y=float(point[1]))
    return figure
