"""Week 5 figures: Newton-Raphson step by step, gradient descent on a landscape, and a
constraint curve over an objective's contours (Lagrange multipliers).

Taught in ``notebooks/05_optimisation.ipynb``; the explorers that move these scenes
are in :mod:`mmlcalc.widgets.optimisation`, the numerics in :mod:`mmlcalc.optimisation`.

The maths stays in the notebook: the function and its derivative (or gradient) are
passed in, never hidden here. Functions of two inputs take a point ``p`` of shape
``(2,)``, as in week 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mmlcalc.calculus import evaluate
from mmlcalc.optimisation import (
    DescentLandscape,
    descent_landscape,
    descent_regime,
    gradient_descent,
    newton_raphson,
)
from mmlcalc.plotting.base import (
    PALETTE,
    ROLES,
    Arrow,
    Scene,
    course_style,
    get_axes,
    get_figure,
    padded_limits,
    x_grid,
)
from mmlcalc.plotting.multivariate import HEIGHT_CMAP, on_grid

__all__ = [
    "ConstraintScene",
    "DescentScene",
    "NewtonScene",
    "plot_constraint",
    "plot_descent",
    "plot_newton",
]


def _nan_joined(segments: list[tuple[np.ndarray, np.ndarray]]):
    """Join line segments into one x and one y array, separated by nan (one artist)."""
    if not segments:
        return [], []
    xs = np.concatenate([np.append(x, np.nan) for x, _ in segments])
    ys = np.concatenate([np.append(y, np.nan) for _, y in segments])
    return xs, ys


class NewtonScene(Scene):
    """Newton-Raphson on f, step by step: each tangent runs from (x_k, f(x_k)) to the axis.

    Drawn once: the curve of f and the x axis. Moved by ``update(x0, steps)``: the
    tangent lines of the first ``steps`` steps (dotted; the latest one solid), the
    vertical guides from each new x back up to the curve, and the iterates on the axis.
    ``update`` also reports the *fate* of the start: the whole run of
    :func:`mmlcalc.optimisation.newton_raphson` from x0 with at most ``fate_steps``
    steps (converges, cycles, diverges, …), whatever number of steps is drawn.
    """

    def __init__(
        self,
        ax: Axes,
        f: Callable,
        df: Callable,
        x_range: Sequence[float] = (-3.0, 3.0),
        y_range: Sequence[float] | None = None,
        tol: float = 1e-10,
        fate_steps: int = 50,
    ):
        self.ax, self.f, self.df, self.tol = ax, f, df, tol
        self.fate_steps = int(fate_steps)
        x = x_grid(x_range)
        y = evaluate(f, x)
        ax.plot(x, y, label="f(x)", **ROLES["function"])
        ax.axhline(0.0, color=PALETTE["black"], linewidth=0.9)
        ax.set_xlim(*x_range)
        ax.set_ylim(*(y_range if y_range is not None else padded_limits(y)))
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title("Newton-Raphson: follow the tangent to the axis")
        (self.tangents,) = ax.plot(
            [], [], color=PALETTE["purple"], linestyle=":", linewidth=1.6, label="earlier tangents"
        )
        (self.latest,) = ax.plot(
            [], [], color=PALETTE["purple"], linestyle="-", linewidth=2.2, label="latest tangent"
        )
        (self.guides,) = ax.plot([], [], **ROLES["guide"])
        (self.iterates,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=6,
            linestyle="none",
            color=PALETTE["red"],
            label="x₀, x₁, … on the axis",
        )
        (self.current,) = ax.plot([], [], label="latest point on the curve", **ROLES["point"])
        ax.legend(loc="best", fontsize=8)
        self.artists = [self.tangents, self.latest, self.guides, self.iterates, self.current]

    def update(self, x0: float = 1.0, steps: int = 1) -> dict:
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be 0 or more, got {steps}")
        run = (
            newton_raphson(self.f, self.df, x0, tol=self.tol, max_iter=steps) if steps > 0 else None
        )
        path = run.path if run is not None else np.array([float(x0)])
        values = np.array([float(self.f(x)) for x in path])
        width = float(np.diff(self.ax.get_xlim())[0])
        segments = []
        for k in range(len(path) - 1):
            a, b = path[k], path[k + 1]
            # from the touching point to a little past where the tangent meets the axis;
            # the latest tangent reaches at least 8 % of the width past both ends, so it
            # stays visible when the steps have become tiny
            reach = b + 0.04 * width * np.sign(b - a)
            xs = np.array([a, reach])
            if k == len(path) - 2:
                xs = np.array([min(a, b) - 0.08 * width, max(a, b) + 0.08 * width])
            segments.append((xs, values[k] + float(self.df(a)) * (xs - a)))
        earlier, last = segments[:-1], segments[-1:]
        self.tangents.set_data(*_nan_joined(earlier))
        self.latest.set_data(*_nan_joined(last))
        guides = [(np.array([x, x]), np.array([0.0, v])) for x, v in zip(path, values, strict=True)]
        self.guides.set_data(*_nan_joined(guides))
        self.iterates.set_data(path, np.zeros_like(path))
        self.current.set_data([path[-1]], [values[-1]])
        if run is None:
            reason, converged = "start", False
        else:
            reason, converged = run.reason, run.converged
        fate = newton_raphson(self.f, self.df, x0, tol=self.tol, max_iter=self.fate_steps)
        return {
            "x0": float(x0),
            "steps": steps,
            "path": path,
            "x": float(path[-1]),
            "f": float(values[-1]),
            "taken": len(path) - 1,
            "reason": reason,
            "converged": converged,
            # the whole run from x0 (at most fate_steps steps), drawn or not
            "fate": fate.reason,
            "fate_steps": fate.iterations,
            "fate_x": float(fate.x),
            "fate_largest": float(np.max(np.abs(fate.path))),
        }


def plot_newton(
    f: Callable,
    df: Callable,
    x0: float,
    steps: int = 3,
    x_range: Sequence[float] = (-3.0, 3.0),
    y_range: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw ``steps`` steps of Newton-Raphson on f from ``x0``, with their tangents.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_newton(lambda x: x**2 - 2, lambda x: 2 * x, 2.0, steps=2, x_range=(0, 3),
    ...                  ax=Figure().subplots())
    >>> ax.lines[-2].get_xdata().round(4).tolist()     # x0, x1 = 1.5, x2 = 17/12
    [2.0, 1.5, 1.4167]
    """
    ax = get_axes(ax)
    NewtonScene(ax, f, df, x_range, y_range).update(x0=x0, steps=steps)
    return ax


class DescentScene(Scene):
    """Gradient descent on a landscape: the path over the contour map, and f along it.

    Left: the contour map with the minima marked (stars), and the path from the start
    (a square) through every iterate to the end (a diamond). Right: f at each step,
    on axes fixed by the map's range of f, so a run that climbs out of them diverges.
    ``update(x, y, step)`` runs :func:`mmlcalc.optimisation.gradient_descent` for at
    most ``max_steps`` steps from (x, y) with step size ``step``.
    """

    def __init__(self, axes, landscape: DescentLandscape | str, max_steps: int = 60):
        land = descent_landscape(landscape) if isinstance(landscape, str) else landscape
        self.land, self.max_steps = land, int(max_steps)
        ax, self.value_ax = axes
        self.ax = ax
        (x0, x1), (y0, y1) = land.bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, 121), np.linspace(y0, y1, 121))
        gz = on_grid(land.f, gx, gy)
        levels = 18
        filled = ax.contourf(gx, gy, gz, levels=levels, cmap=HEIGHT_CMAP, alpha=0.85)
        ax.contour(gx, gy, gz, levels=levels, colors=PALETTE["black"], linewidths=0.4)
        unit = f" ({land.unit})" if land.unit else ""
        ax.figure.colorbar(filled, ax=ax, label=f"f{unit}" if not land.unit else "height (m)")
        ax.plot(
            land.minima[:, 0],
            land.minima[:, 1],
            marker="*",
            markersize=14,
            linestyle="none",
            color=PALETTE["red"],
            markeredgecolor="white",
            label="minima",
        )
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.grid(False)
        ax.set_xlabel(f"x{unit}")
        ax.set_ylabel(f"y{unit}")
        ax.set_title(f"Gradient descent: {land.name}")
        (self.path_line,) = ax.plot(
            [],
            [],
            color=PALETTE["cyan"],
            linewidth=1.8,
            marker="o",
            markersize=3.5,
            label="path",
        )
        (self.start_mark,) = ax.plot(
            [],
            [],
            marker="s",
            markersize=8,
            linestyle="none",
            color="white",
            markeredgecolor=PALETTE["black"],
            label="start",
        )
        (self.end_mark,) = ax.plot(
            [],
            [],
            marker="D",
            markersize=9,
            linestyle="none",
            # hollow: a minimum the path ends on (a red star) shows through
            markerfacecolor="none",
            markeredgecolor=PALETTE["yellow"],
            markeredgewidth=2.2,
            label="end",
        )
        # below the map, not on it: a path may run anywhere on the map
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, fontsize=7)
        self.value_ax.set_xlim(0, self.max_steps)
        low, high = float(np.min(gz)), float(np.max(gz))
        self.value_ax.set_ylim(*padded_limits(np.array([low, high])))
        self.value_ax.set_xlabel("step k")
        self.value_ax.set_ylabel("f(x_k)" + unit)
        self.value_ax.set_title("f along the path")
        (self.values_line,) = self.value_ax.plot(
            [], [], color=PALETTE["blue"], marker="o", markersize=3
        )
        self.artists = [self.path_line, self.start_mark, self.end_mark, self.values_line]

    def run(self, x: float, y: float, step: float):
        land = self.land
        return gradient_descent(
            land.grad,
            [x, y],
            step=step,
            tol=land.tol,
            max_iter=self.max_steps,
            bounds=land.region,
        )

    def update(self, x: float = 0.0, y: float = 0.0, step: float = 0.05) -> dict:
        result = self.run(x, y, step)
        path = result.path
        with np.errstate(all="ignore"):  # a diverging path may reach 1e8: f ≈ 1e17 is fine
            values = np.asarray(self.land.f(path.T), dtype=float).reshape(len(path))
        if result.reason in ("divergence", "left the region"):
            regime = "diverges"
        else:
            regime = descent_regime(path, values)
        self.path_line.set_data(path[:, 0], path[:, 1])
        self.start_mark.set_data([path[0, 0]], [path[0, 1]])
        self.end_mark.set_data([path[-1, 0]], [path[-1, 1]])
        self.values_line.set_data(np.arange(len(path)), values)
        return {
            "landscape": self.land.name,
            "start": path[0].copy(),
            "step": float(step),
            "path": path,
            "values": values,
            "end": path[-1].copy(),
            "f_end": float(values[-1]),
            "iterations": result.iterations,
            "reason": result.reason,
            "converged": result.converged,
            "regime": regime,
            "gradient_norm": float(np.linalg.norm(self.land.grad(path[-1])))
            if result.reason != "left the region" and np.all(np.isfinite(path[-1]))
            else float("nan"),
        }


def plot_descent(
    landscape: str | DescentLandscape,
    x: float,
    y: float,
    step: float,
    max_steps: int = 60,
    figure: Figure | None = None,
) -> Figure:
    """Draw gradient descent on ``landscape`` from (x, y) with step ``step``; returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = plot_descent("elongated bowl", 2.5, 1.5, 0.05, figure=Figure(figsize=(9, 3.6)))
    >>> len(fig.axes[1].lines[0].get_xdata())        # start + 60 steps
    61
    """
    figure = get_figure(figure, figsize=(9.6, 3.8))
    with course_style():
        scene = DescentScene(figure.subplots(1, 2, width_ratios=(1.35, 1)), landscape, max_steps)
    scene.update(x=x, y=y, step=step)
    return figure


class ConstraintScene(Scene):
    """A constraint curve over the contours of f, with ∇f and ∇g at a point moving along it.

    Left: contours of f, the constraint curve g(x, y) = 0 (given as a parametrised
    curve ``curve(t) -> (x, y)``), the point at t, and arrows of ∇f (thin, red) over
    ∇g (wide, cyan). The ∇g arrow has a fixed length (only its direction matters); the
    ∇f arrow's length is proportional to |∇f| (full length at the largest |∇f| on the
    curve), but never shorter than a quarter of it, so its direction stays visible.
    Where |∇f| is below 1 % of its largest value on the curve, f itself is flat there:
    no ∇f arrow is drawn, a red ring marks the point, and ∇f = 0 · ∇g (λ = 0).
    Right: f along the curve against t, with the point: its slope is zero exactly
    where the arrows are parallel or ∇f = 0.
    """

    #: |∇f| below this fraction of its largest value on the curve counts as ∇f = 0
    FLAT = 0.01
    #: the shortest ∇f arrow drawn, as a fraction of the full arrow length
    SHORTEST = 0.25

    def __init__(
        self,
        axes,
        f: Callable,
        grad_f: Callable,
        curve: Callable,
        grad_g: Callable,
        t_range: Sequence[float] = (0.0, 2 * np.pi),
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
    ):
        ax, self.along_ax = axes
        self.ax, self.f, self.grad_f, self.curve, self.grad_g = ax, f, grad_f, curve, grad_g
        (x0, x1), (y0, y1) = bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, 121), np.linspace(y0, y1, 121))
        gz = on_grid(f, gx, gy)
        # levels between the 2nd and 98th percentiles: a steep corner of the box does not
        # squeeze every contour line into one colour band
        levels = np.linspace(*np.percentile(gz, [2, 98]), 17)
        filled = ax.contourf(gx, gy, gz, levels=levels, cmap=HEIGHT_CMAP, alpha=0.8, extend="both")
        ax.contour(gx, gy, gz, levels=levels, colors=PALETTE["black"], linewidths=0.4)
        ax.figure.colorbar(filled, ax=ax, label="f(x, y)")
        t = np.linspace(*t_range, 400)
        cx, cy = (np.asarray(c, float) for c in curve(t))
        ax.plot(
            cx, cy, color=PALETTE["green"], linestyle="-.", linewidth=2.4, label="constraint g = 0"
        )
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.grid(False)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title("∇f and ∇g along the constraint")
        # the arrows' full length: 14 % of the map's width, so an arrow drawn at a point
        # of the curve stays inside a box a little wider than the curve
        self.length = 0.14 * (x1 - x0)
        # the largest |∇f| on the curve: the scale of the ∇f arrow and of "∇f ≈ 0"
        self.grad_f_scale = max(
            float(np.hypot(*np.asarray(grad_f(np.array([a, b])), dtype=float).reshape(2)))
            for a, b in zip(cx, cy, strict=True)
        )
        # ∇g is a wide pale band under the thin red ∇f: where they line up, red sits in cyan
        self.f_arrow, self.g_arrow = Arrow(PALETTE["red"]), Arrow(PALETTE["cyan"])
        self.g_arrow.set_linewidth(5.0)
        self.g_arrow.set_mutation_scale(24)
        self.g_arrow.set_alpha(0.75)
        self.f_arrow.set_linewidth(1.8)
        ax.add_patch(self.g_arrow)
        ax.add_patch(self.f_arrow)
        ax.plot([], [], color=PALETTE["red"], linewidth=1.8, label="∇f (length: |∇f|)")
        ax.plot(
            [], [], color=PALETTE["cyan"], linewidth=5.0, alpha=0.75, label="∇g (direction, wide)"
        )
        (self.flat_ring,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=15,
            markerfacecolor="none",
            markeredgecolor=PALETTE["red"],
            markeredgewidth=2.0,
            linestyle="none",
            label="∇f ≈ 0 (ring)",
        )
        (self.point,) = ax.plot([], [], **ROLES["point"])
        # below the map, not on it: the point walks all round the curve
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=7)
        values = on_grid(f, cx, cy)
        self.along_ax.plot(t, values, **ROLES["function"])
        self.along_ax.set_xlim(*t_range)
        self.along_ax.set_ylim(*padded_limits(values))
        self.along_ax.set_xlabel("t (position along the constraint)")
        self.along_ax.set_ylabel("f on the constraint")
        self.along_ax.set_title("f along the curve")
        (self.along_point,) = self.along_ax.plot([], [], **ROLES["point"])
        self.artists = [self.g_arrow, self.f_arrow, self.flat_ring, self.point, self.along_point]

    def update(self, t: float = 0.0) -> dict:
        x, y = (float(c) for c in self.curve(float(t)))
        p = np.array([x, y])
        gf = np.asarray(self.grad_f(p), dtype=float).reshape(2)
        gg = np.asarray(self.grad_g(p), dtype=float).reshape(2)
        f_norm, g_norm = float(np.hypot(*gf)), float(np.hypot(*gg))
        flat = f_norm < self.FLAT * self.grad_f_scale
        f_length = self.length * max(f_norm / self.grad_f_scale, self.SHORTEST) if not flat else 0
        drawn = ((self.f_arrow, gf, f_length), (self.g_arrow, gg, self.length))
        for arrow, vector, length in drawn:
            norm = float(np.hypot(*vector))
            tip = p + (length * vector / norm if norm > 0 else 0.0)
            arrow.set_positions((x, y), tuple(tip))
        self.f_arrow.set_visible(not flat)
        self.flat_ring.set_data([x] if flat else [], [y] if flat else [])
        # the unit tangent of the curve, in the direction of growing t
        h = 1e-6
        ahead, behind = np.array(self.curve(t + h), float), np.array(self.curve(t - h), float)
        tangent = (ahead - behind) / np.linalg.norm(ahead - behind)
        value = float(self.f(p))
        self.point.set_data([x], [y])
        self.along_point.set_data([t], [value])
        norms = float(np.hypot(*gf) * np.hypot(*gg))
        cross = float(gf[0] * gg[1] - gf[1] * gg[0])
        cosine = float(gf @ gg / norms) if norms > 0 else float("nan")
        return {
            "t": float(t),
            "point": p,
            "f": value,
            "grad_f": gf,
            "grad_g": gg,
            # sin of the angle between them: 0 when parallel (or anti-parallel)
            "sine": cross / norms + 0.0 if norms > 0 else float("nan"),  # + 0.0: no −0
            "angle_deg": float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))),
            # the best λ with ∇f ≈ λ ∇g (least squares): exact at a constrained optimum
            "lambda": float(gf @ gg / (gg @ gg)) if gg @ gg > 0 else float("nan"),
            "grad_f_norm": f_norm,
            "grad_g_norm": g_norm,
            # |∇f| below 1 % of its largest value on the curve: f is flat here, λ = 0
            "flat": bool(flat),
            # how fast f changes per unit length along the curve (∇f · unit tangent)
            "rate": float(gf @ tangent),
            # the arrow lengths drawn
            "f_arrow_length": float(f_length),
            "g_arrow_length": float(self.length),
        }


def plot_constraint(
    f: Callable,
    grad_f: Callable,
    curve: Callable,
    grad_g: Callable,
    t: float,
    t_range: Sequence[float] = (0.0, 2 * np.pi),
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    figure: Figure | None = None,
) -> Figure:
    """Draw the constraint curve over f's contours with ∇f and ∇g at ``curve(t)``; the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = plot_constraint(lambda p: p[0] + p[1], lambda p: np.array([1.0, 1.0]),
    ...                       lambda t: (np.cos(t), np.sin(t)), lambda p: 2 * p, np.pi / 4,
    ...                       figure=Figure(figsize=(9, 3.6)))
    >>> start, end = fig.axes[0].patches[0].ends          # ∇f at 45°, as ∇g there
    >>> bool(np.isclose(end[0] - start[0], end[1] - start[1]))
    True
    """
    figure = get_figure(figure, figsize=(9.6, 4.0))
    with course_style():
        scene = ConstraintScene(
            figure.subplots(1, 2, width_ratios=(1.2, 1)), f, grad_f, curve, grad_g, t_range, bounds
        )
    scene.update(t=t)
    return figure
