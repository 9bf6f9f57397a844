"""Week 6 figures: a line with its residuals and its place on the χ² map, and steepest
descent on χ²(μ, σ) of a Gaussian fitted to a histogram of heights.

Taught in ``notebooks/06_regression.ipynb``; the explorers that move these scenes are in
:mod:`mmlcalc.widgets.regression`. The model and its Jacobian are passed in, as the
notebook writes them: ``model(x, params)`` with ``params`` of shape ``(n,)`` returns the
predictions, shape ``(m,)``; ``model_jacobian(x, params)`` returns shape ``(m, n)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from mmlcalc.optimisation import descent_regime
from mmlcalc.plotting.base import PALETTE, ROLES, Scene, course_style, get_figure, padded_limits
from mmlcalc.regression import fit_line, line_chi_squared, steepest_descent_fit

__all__ = [
    "ChiSquaredDescentScene",
    "LineFitScene",
    "chi_squared_on_grid",
    "plot_chi_squared_descent",
    "plot_line_fit",
]

#: Colour map of χ² maps: "cividis" reads in colour-blind vision and in grey scale.
CHI2_CMAP = "cividis"


def chi_squared_on_grid(model: Callable, x, y, p0, p1, uncertainty=None) -> np.ndarray:
    """χ² of a two-parameter model at every grid point (p0[i, j], p1[i, j]), shape of p0.

    The model is first called once with the parameters stacked, ``params`` of shape
    ``(2, rows, cols)`` and ``x`` of shape ``(m, 1, 1)`` (a model written with NumPy
    broadcasting then gives every prediction at once); otherwise point by point.

    Examples
    --------
    >>> p0, p1 = np.meshgrid([0.0, 1.0], [0.0, 1.0])
    >>> chi_squared_on_grid(lambda x, p: p[0] * x + p[1], [0.0, 1.0], [0.0, 1.0], p0, p1)
    array([[1., 0.],
           [2., 1.]])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    weights = 1.0 if uncertainty is None else 1.0 / np.asarray(uncertainty, dtype=float) ** 2
    p0, p1 = np.broadcast_arrays(np.asarray(p0, float), np.asarray(p1, float))
    try:
        with np.errstate(all="ignore"):
            predictions = np.asarray(model(x[:, None, None], np.stack([p0, p1])), dtype=float)
        if predictions.shape == (x.size, *p0.shape):
            w = np.broadcast_to(weights, x.shape)[:, None, None]
            return np.sum(w * (y[:, None, None] - predictions) ** 2, axis=0)
    except (TypeError, ValueError, IndexError):
        pass
    values = [
        float(np.sum(weights * (y - np.asarray(model(x, np.array([a, b])), dtype=float)) ** 2))
        for a, b in zip(p0.ravel(), p1.ravel(), strict=True)
    ]
    return np.asarray(values).reshape(p0.shape)


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 of χ² values, with an exact fit (χ² = 0) drawn as the lowest colour."""
    return np.log10(np.maximum(values, 1e-12))


def _log_levels(values: np.ndarray, count: int = 12) -> np.ndarray:
    """Contour levels spaced evenly in log(χ²): χ² spans orders of magnitude."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(np.percentile(finite, 95))
    return np.geomspace(max(low, 1e-12) * 1.05, max(high, low * 10), count)


def _chi2_colourbar(figure, filled, ax) -> None:
    """A colour bar for a χ² map drawn in log10(χ²): its ticks read χ² itself."""
    from matplotlib.ticker import FuncFormatter

    bar = figure.colorbar(filled, ax=ax)
    bar.ax.set_title("χ²", fontsize=9)  # a title, not a side label: the next panel's is close
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{10**value:.3g}"))


def _error_bars(ax, x, y, uncertainty) -> None:
    """The data as black points with their uncertainties (``uncertainty`` None: no bars)."""
    ax.errorbar(x, y, yerr=uncertainty, fmt="o", color=PALETTE["black"], markersize=4, label="data")


class LineFitScene(Scene):
    """Data with a line y = m x + c and its residual bars; the line's point on the χ² map.

    Left: the data, the line, and a vertical bar from each point to the line (the
    residual). Right: contours of χ²(m, c) over a box of slopes and intercepts, the
    best line's (m, c) as a star and the current (m, c) as a dot.
    """

    def __init__(
        self,
        figure,
        x,
        y,
        uncertainty=None,
        slope_range: Sequence[float] = (0.0, 8.0),
        intercept_range: Sequence[float] = (-60.0, 40.0),
        xlabel: str = "x",
        ylabel: str = "y",
    ):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.uncertainty = uncertainty
        self.data_ax, self.map_ax = figure.subplots(1, 2, width_ratios=[1.15, 1])
        ax = self.data_ax
        if uncertainty is None:
            ax.plot(self.x, self.y, label="data", **{**ROLES["point"], "markersize": 5})
        else:
            _error_bars(ax, self.x, self.y, uncertainty)
        self.x_line = np.array(padded_limits(self.x, 0.04))
        ax.set_xlim(*self.x_line)
        ax.set_ylim(*padded_limits(self.y, 0.15))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title("the line and its residuals")
        self.bars = LineCollection(
            [], colors=PALETTE["red"], linewidths=1.4, linestyles="-", label="residuals"
        )
        ax.add_collection(self.bars)
        (self.line,) = ax.plot([], [], label="y = m x + c", **ROLES["function"])
        ax.legend(loc="upper left", fontsize=8)

        self.best = fit_line(self.x, self.y, uncertainty)
        self.best_chi2 = float(line_chi_squared(self.x, self.y, *self.best, uncertainty))
        slopes = np.linspace(*slope_range, 121)
        intercepts = np.linspace(*intercept_range, 121)
        grid_m, grid_c = np.meshgrid(slopes, intercepts)
        grid = line_chi_squared(self.x, self.y, grid_m, grid_c, uncertainty)
        levels = _log_levels(grid)
        mp = self.map_ax
        filled = mp.contourf(
            grid_m, grid_c, _log10(grid), levels=_log10(levels), cmap=CHI2_CMAP, extend="both"
        )
        _chi2_colourbar(figure, filled, mp)
        mp.contour(grid_m, grid_c, grid, levels=levels, colors=PALETTE["black"], linewidths=0.5)
        mp.plot(
            *self.best,
            marker="*",
            markersize=14,
            color=PALETTE["yellow"],
            markeredgecolor=PALETTE["black"],
            linestyle="none",
            label="least χ²",
        )
        mp.set_xlim(*slope_range)
        mp.set_ylim(*intercept_range)
        mp.set_xlabel("slope m")
        mp.set_ylabel("intercept c")
        mp.set_title("χ²(m, c): darker is lower")
        mp.grid(False)
        # a ring, not a dot: on the best line the star shows inside it
        (self.point,) = mp.plot(
            [],
            [],
            label="your line",
            marker="o",
            markersize=11,
            linestyle="none",
            markerfacecolor="none",
            markeredgecolor=PALETTE["red"],
            markeredgewidth=2.2,
        )
        # below the map, not on it: the dot may go anywhere in the box
        mp.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8)
        self.artists = [self.bars, self.line, self.point]

    def update(self, slope: float = 1.0, intercept: float = 0.0) -> dict:
        fitted = slope * self.x + intercept
        self.bars.set_segments(
            [[(a, b), (a, f)] for a, b, f in zip(self.x, self.y, fitted, strict=True)]
        )
        self.line.set_data(self.x_line, slope * self.x_line + intercept)
        self.point.set_data([slope], [intercept])
        residuals = self.y - fitted
        chi2 = float(line_chi_squared(self.x, self.y, slope, intercept, self.uncertainty))
        return {
            "slope": slope,
            "intercept": intercept,
            "residuals": residuals,
            "chi_squared": chi2,
            "best_slope": self.best[0],
            "best_intercept": self.best[1],
            "best_chi_squared": self.best_chi2,
        }


def plot_line_fit(
    x,
    y,
    slope: float,
    intercept: float,
    uncertainty=None,
    figure: Figure | None = None,
    **options,
) -> Figure:
    """Draw the line y = slope · x + intercept over the data, residuals, and the χ² map.

    ``options`` go to :class:`LineFitScene` (``slope_range``, ``intercept_range``,
    ``xlabel``, ``ylabel``). Returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = plot_line_fit([0.0, 1.0, 2.0], [0.0, 1.0, 3.0], 1.0, 0.0, figure=Figure(),
    ...                     slope_range=(0, 3), intercept_range=(-2, 2))
    >>> [float(r) for r in fig.axes[0].collections[0].get_segments()[2][:, 1]]   # 3 to the line
    [3.0, 2.0]
    """
    figure = get_figure(figure, figsize=(10.0, 3.9))
    with course_style():
        scene = LineFitScene(figure, x, y, uncertainty, **options)
    scene.update(slope=slope, intercept=intercept)
    return figure


class ChiSquaredDescentScene(Scene):
    """Steepest descent on χ²(p₀, p₁) of a two-parameter model, drawn over χ² contours.

    Left: contours of χ² (log-spaced levels) over ``bounds``, the path of steepest
    descent from the start (circle) to where it stopped (square), and the library's
    answer as a star if ``reference`` is given. Right: the data (a histogram as points
    with error bars) with the model at the last point of the path.

    ``update`` runs at most ``max_steps`` steps, so every frame is quick. ``domain``
    (``(n, 2)`` open intervals, as for :func:`mmlcalc.regression.steepest_descent_fit`)
    says where the parameters mean something: a path that leaves it stops there, and
    is never reported as converged.
    """

    def __init__(
        self,
        figure,
        x,
        y,
        model: Callable,
        model_jacobian: Callable,
        uncertainty=None,
        bounds=((63.0, 76.0), (1.0, 7.0)),
        reference=None,
        names: Sequence[str] = ("μ", "σ"),
        unit: str = "in",
        xlabel: str = "height (in)",
        ylabel: str = "density (per inch)",
        max_steps: int = 200,
        domain=None,
    ):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.uncertainty = uncertainty
        self.model, self.model_jacobian = model, model_jacobian
        self.max_steps = int(max_steps)
        self.domain = domain
        self.map_ax, self.data_ax = figure.subplots(1, 2, width_ratios=[1.1, 1])
        (a0, a1), (b0, b1) = bounds
        grid0, grid1 = np.meshgrid(np.linspace(a0, a1, 90), np.linspace(b0, b1, 90))
        grid = chi_squared_on_grid(model, self.x, self.y, grid0, grid1, uncertainty)
        levels = _log_levels(grid, 14)
        mp = self.map_ax
        filled = mp.contourf(
            grid0, grid1, _log10(grid), levels=_log10(levels), cmap=CHI2_CMAP, extend="both"
        )
        _chi2_colourbar(figure, filled, mp)
        mp.contour(grid0, grid1, grid, levels=levels, colors=PALETTE["black"], linewidths=0.5)
        self.reference = None if reference is None else np.asarray(reference, dtype=float)
        weights = 1.0 if uncertainty is None else 1.0 / np.asarray(uncertainty, float) ** 2
        self.reference_chi_squared = (
            None
            if self.reference is None
            else float(np.sum(weights * (self.y - model(self.x, self.reference)) ** 2))
        )
        if self.reference is not None:
            mp.plot(
                *self.reference,
                marker="*",
                markersize=15,
                color=PALETTE["yellow"],
                markeredgecolor=PALETTE["black"],
                linestyle="none",
                label="library fit",
            )
        mp.set_xlim(a0, a1)
        mp.set_ylim(b0, b1)
        mp.set_xlabel(f"{names[0]} ({unit})")
        mp.set_ylabel(f"{names[1]} ({unit})")
        mp.set_title(f"χ²({names[0]}, {names[1]}) and the descent path")
        mp.grid(False)
        (self.path_line,) = mp.plot(
            [], [], color=PALETTE["red"], linewidth=1.6, marker=".", markersize=5, label="path"
        )
        (self.start_point,) = mp.plot(
            [],
            [],
            marker="o",
            markersize=8,
            linestyle="none",
            color=PALETTE["cyan"],
            markeredgecolor=PALETTE["black"],
            label="start",
        )
        (self.end_point,) = mp.plot(
            [],
            [],
            marker="s",
            markersize=8,
            linestyle="none",
            markerfacecolor="none",
            markeredgecolor=PALETTE["red"],
            markeredgewidth=2.0,
            label="stopped here",
        )
        # below the map, not on it: a path may run anywhere in the box
        mp.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, fontsize=8)

        ax = self.data_ax
        _error_bars(ax, self.x, self.y, uncertainty)
        self.x_curve = np.linspace(*padded_limits(self.x, 0.05), 300)
        if self.reference is not None:
            ax.plot(
                self.x_curve,
                model(self.x_curve, self.reference),
                label="library fit",
                **ROLES["guide"],
            )
        (self.curve,) = ax.plot([], [], label="model at the end of the path", **ROLES["function"])
        ax.set_xlim(self.x_curve[0], self.x_curve[-1])
        ax.set_ylim(0, 1.35 * float(np.max(self.y)))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title("the data and the model")
        ax.legend(loc="upper left", fontsize=8)
        self.artists = [self.path_line, self.start_point, self.end_point, self.curve]

    def update(
        self,
        step: float = 1.0,
        steps: int = 30,
        rescale: bool = True,
        start0: float = 66.0,
        start1: float = 4.0,
    ) -> dict:
        if not 0 <= int(steps) <= self.max_steps:
            raise ValueError(f"steps must be between 0 and {self.max_steps}, got {steps}")
        path = steepest_descent_fit(
            self.x,
            self.y,
            self.model,
            self.model_jacobian,
            [start0, start1],
            step,
            self.uncertainty,
            rescale=bool(rescale),
            max_steps=int(steps),
            domain=self.domain,
        )
        params = path.params
        self.path_line.set_data(params[:, 0], params[:, 1])
        self.start_point.set_data([start0], [start1])
        self.end_point.set_data([params[-1, 0]], [params[-1, 1]])
        end = params[-1]
        if path.status in ("diverged", "left the domain") or end[1] <= 0:
            self.curve.set_data([], [])
        else:
            with np.errstate(all="ignore"):
                self.curve.set_data(self.x_curve, self.model(self.x_curve, end))
        # how the steps behave (descent_regime): a run stopped by the step count may be
        # settling, zig-zagging, bouncing in a bounded cycle or running away
        regime = (
            "diverges"
            if path.status == "diverged"
            else descent_regime(params, path.chi_squared)
            if np.all(np.isfinite(path.chi_squared))
            else "diverges"
        )
        return {
            "params": end,
            "chi_squared": float(path.chi_squared[-1]),
            "start_chi_squared": float(path.chi_squared[0]),
            "steps": path.steps,
            "status": path.status,
            "path": params,
            "reference": self.reference,
            "step": step,
            "rescale": bool(rescale),
            "regime": regime,
            "reference_chi_squared": self.reference_chi_squared,
        }


def plot_chi_squared_descent(
    x,
    y,
    model: Callable,
    model_jacobian: Callable,
    start,
    step: float,
    steps: int = 30,
    rescale: bool = True,
    uncertainty=None,
    figure: Figure | None = None,
    **options,
) -> Figure:
    """Draw ``steps`` steps of steepest descent from ``start`` over the χ² contours.

    ``options`` go to :class:`ChiSquaredDescentScene` (``bounds``, ``reference``, ``names``, …).
    Returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> line = lambda x, p: p[0] * x + p[1]
    >>> jac = lambda x, p: np.stack([x, np.ones_like(x)], axis=1)
    >>> fig = plot_chi_squared_descent([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], line, jac, [0.0, 0.0], 0.1,
    ...                    steps=3, rescale=False, figure=Figure(),
    ...                    bounds=((-1, 3), (-1, 3)), max_steps=10)
    >>> len(fig.axes[0].lines[0].get_xdata())   # the start and three steps
    4
    """
    figure = get_figure(figure, figsize=(10.0, 4.0))
    with course_style():
        scene = ChiSquaredDescentScene(figure, x, y, model, model_jacobian, uncertainty, **options)
    scene.update(step=step, steps=steps, rescale=rescale, start0=start[0], start1=start[1])
    return figure
