"""Week 2 figures: a surface cut by a plane, the Jacobian arrow on a contour map, a grid
deformed by a non-linear map with its Jacobian, and the sandpit game.

Taught in ``notebooks/02_multivariate_calculus.ipynb``; the explorers that move these
scenes are in :mod:`mmlcalc.widgets.multivariate`.

Functions of two inputs follow the course convention: ``f(p)`` takes a point ``p`` of
shape ``(2,)``. To draw a whole grid at once a function written with indexing
(``p[0] ** 2 + p[1]``) is called on a stacked array of shape ``(2, rows, cols)``; any
other function is called point by point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from mmlcalc.plotting.base import (
    PALETTE,
    ROLES,
    Arrow,
    Scene,
    course_style,
    get_axes,
    get_figure,
    padded_limits,
)
from mmlcalc.sandpit import Sandpit

__all__ = [
    "GradientArrowScene",
    "JacobianMapScene",
    "SandpitScene",
    "SurfaceCutScene",
    "on_grid",
    "plot_gradient_arrow",
    "plot_jacobian_map",
    "plot_landscape",
    "plot_sandpit",
    "plot_surface_cut",
]

#: Colour map of heights: "cividis" reads in colour-blind vision and in grey scale.
HEIGHT_CMAP = "cividis"


def on_grid(f: Callable, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Values of ``f(p)`` at every grid point ``p = (x[i, j], y[i, j])``, shape of ``x``.

    Examples
    --------
    >>> x, y = np.meshgrid([0.0, 1.0], [0.0, 2.0])
    >>> on_grid(lambda p: p[0] + 10 * p[1], x, y)
    array([[ 0.,  1.],
           [20., 21.]])
    """
    x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    try:
        with np.errstate(all="ignore"):
            z = np.asarray(f(np.stack([x, y])), dtype=float)
        if z.shape == x.shape:
            return z
    except (TypeError, ValueError, IndexError):
        pass
    flat = [float(f(np.array([a, b]))) for a, b in zip(x.ravel(), y.ravel(), strict=True)]
    return np.asarray(flat).reshape(x.shape)


def _point_value(f: Callable, x: float, y: float):
    return np.asarray(f(np.array([float(x), float(y)])), dtype=float)


class SurfaceCutScene(Scene):
    """A surface z = f(x, y) cut by the plane y = y₀ (or x = x₀), and the curve of the cut.

    Left: the surface in 3-D with the cutting plane's outline and the cut curve.
    Right: the cut as an ordinary curve of one variable, with its tangent at the
    chosen point: the tangent's slope is the partial derivative.

    ``hold="y"`` holds y fixed (the slope is ∂f/∂x); ``hold="x"`` holds x fixed
    (the slope is ∂f/∂y). ``df`` is that partial derivative, ``df(p) -> float``.
    """

    def __init__(
        self, figure, f: Callable, df: Callable, bounds=((-2.0, 2.0), (-2.0, 2.0)), hold: str = "y"
    ):
        if hold not in ("x", "y"):
            raise ValueError(f"hold must be 'x' or 'y', got {hold!r}")
        self.f, self.df, self.hold = f, df, hold
        (x0, x1), (y0, y1) = bounds
        self.bounds = bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40))
        gz = on_grid(f, gx, gy)
        self.z_limits = padded_limits(gz)
        self.surface_ax = figure.add_subplot(1, 2, 1, projection="3d")
        self.cut_ax = figure.add_subplot(1, 2, 2)
        ax3 = self.surface_ax
        ax3.plot_surface(
            gx, gy, gz, cmap=HEIGHT_CMAP, alpha=0.55, linewidth=0, rcount=40, ccount=40
        )
        ax3.set_xlabel("x")
        ax3.set_ylabel("y")
        ax3.set_zlabel("f(x, y)")
        ax3.set_zlim(*self.z_limits)
        ax3.view_init(elev=28, azim=-60)
        ax3.set_title(f"the plane {hold} = const cuts the surface")
        (self.plane,) = ax3.plot([], [], [], color=PALETTE["black"], linewidth=1.2)
        (self.curve3,) = ax3.plot([], [], [], color=PALETTE["red"], linewidth=2.5)
        (self.point3,) = ax3.plot([], [], [], **ROLES["point"])
        free = "x" if hold == "y" else "y"
        self.free = free
        low, high = bounds[0] if free == "x" else bounds[1]
        self.t = np.linspace(low, high, 200)
        self.cut_ax.set_xlim(low, high)
        self.cut_ax.set_ylim(*self.z_limits)
        self.cut_ax.set_xlabel(free)
        self.cut_ax.set_ylabel(f"f along the cut ({hold} held constant)")
        self.cut_ax.set_title(f"the cut, and its slope ∂f/∂{free}")
        (self.curve,) = self.cut_ax.plot(
            [], [], color=PALETTE["red"], linewidth=2.2, label="the cut"
        )
        (self.tangent,) = self.cut_ax.plot([], [], label="tangent", **ROLES["tangent"])
        (self.point,) = self.cut_ax.plot([], [], **ROLES["point"])
        self.cut_ax.legend(loc="upper left")
        self.artists = [self.plane, self.curve3, self.point3, self.curve, self.tangent, self.point]

    def _xy(self, along: np.ndarray, held: float):
        held = np.full_like(along, held)
        return (along, held) if self.hold == "y" else (held, along)

    def update(self, x: float = 0.5, y: float = 0.5) -> dict:
        held, moving = (y, x) if self.hold == "y" else (x, y)
        cx, cy = self._xy(self.t, held)
        cz = on_grid(self.f, cx, cy)
        (xa, xb), (ya, yb) = self.bounds
        lo, hi = self.z_limits
        if self.hold == "y":
            px, py = [xa, xb, xb, xa, xa], [held] * 5
        else:
            px, py = [held] * 5, [ya, ya, yb, yb, ya]
        self.plane.set_data_3d(px, py, [lo, lo, hi, hi, lo])
        self.curve3.set_data_3d(cx, cy, cz)
        value = float(_point_value(self.f, x, y))
        slope = float(_point_value(self.df, x, y))
        self.point3.set_data_3d([x], [y], [value])
        self.curve.set_data(self.t, cz)
        half = 0.2 * (self.t[-1] - self.t[0])
        ts = np.array([moving - half, moving + half])
        self.tangent.set_data(ts, value + slope * (ts - moving))
        self.point.set_data([moving], [value])
        return {"x": x, "y": y, "f": value, "slope": slope, "held": self.hold, "free": self.free}


def plot_surface_cut(
    f: Callable,
    df: Callable,
    x: float,
    y: float,
    figure: Figure | None = None,
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    hold: str = "y",
) -> Figure:
    """Draw the surface of f cut by the plane ``hold`` = const through (x, y); returns the Figure.

    ``df`` is the partial derivative along the free variable (∂f/∂x when ``hold="y"``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = plot_surface_cut(lambda p: p[0] ** 2 + p[1], lambda p: 2 * p[0], 1.0, 0.5,
    ...                        figure=Figure(figsize=(8, 3.5)))
    >>> tangent = fig.axes[1].lines[1].get_ydata()   # slope ∂f/∂x = 2 at x = 1
    >>> float((tangent[1] - tangent[0]) / 1.6)
    2.0
    """
    figure = get_figure(figure, figsize=(9.0, 3.8))
    with course_style():
        scene = SurfaceCutScene(figure, f, df, bounds, hold)
    scene.update(x=x, y=y)
    return figure


class GradientArrowScene(Scene):
    """Contour map of f with the Jacobian arrow J = [∂f/∂x, ∂f/∂y] at a movable point.

    The arrow points uphill and is drawn ``scale`` data units long per unit of |J|, where a
    typical steep slope (the 90th percentile of |J| on a coarse grid) is a fifth of the
    width; it is never shorter than ``shortest`` (a tenth of the width), so its direction
    shows even where |J| is tiny, nor longer than a third of the width (``shown`` says
    whether it was stretched or shortened). The point's marker lies under the arrow. The
    dashed line through the point follows the contour, at right angles to J. ``name`` is
    the function's name in the colour bar's label.
    """

    def __init__(
        self,
        ax: Axes,
        f: Callable,
        jac: Callable,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        levels: int = 14,
        name: str = "f",
    ):
        self.ax, self.f, self.jac = ax, f, jac
        (x0, x1), (y0, y1) = bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
        gz = on_grid(f, gx, gy)
        filled = ax.contourf(gx, gy, gz, levels=levels, cmap=HEIGHT_CMAP, alpha=0.8)
        ax.contour(gx, gy, gz, levels=levels, colors=PALETTE["black"], linewidths=0.5)
        ax.figure.colorbar(filled, ax=ax, label=f"height {name}(x, y)")
        ax.set_aspect("equal")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.grid(False)
        ax.set_title("The Jacobian row vector points uphill")
        # Arrow length: a typical steep |J| (90th percentile on a coarse grid) is a fifth of
        # the width, so one very steep corner does not shrink every other arrow to a stub.
        coarse = [
            np.asarray(jac(np.array([a, b])), float)
            for a in np.linspace(x0, x1, 9)
            for b in np.linspace(y0, y1, 9)
        ]
        typical = max(float(np.percentile(np.linalg.norm(coarse, axis=1), 90)), 1e-12)
        self.scale = 0.2 * (x1 - x0) / typical
        self.span = x1 - x0
        self.shortest = 0.1 * self.span  # shortest arrow drawn: its direction stays visible
        self.longest = 0.33 * self.span
        (self.level_line,) = ax.plot(
            [],
            [],
            color=PALETTE["cyan"],
            linestyle="--",
            linewidth=2,
            label="along the contour (J·u = 0)",
        )
        self.arrow = Arrow(PALETTE["red"])
        self.arrow.set_label("J, uphill")
        ax.add_patch(self.arrow)
        # a small marker under the arrow (zorder 4 < the arrow's 5): it never hides it
        (self.point,) = ax.plot([], [], **{**ROLES["point"], "markersize": 5, "zorder": 4})
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), fontsize=8, ncol=2)
        self.artists = [self.level_line, self.point, self.arrow]

    def update(self, x: float = 0.5, y: float = 0.5) -> dict:
        value = float(_point_value(self.f, x, y))
        jac = _point_value(self.jac, x, y).reshape(2)
        step = self.scale * jac
        drawn = float(np.hypot(*step))
        stretched = 0 < drawn < self.shortest
        if stretched:
            step = step * (self.shortest / drawn)
        elif drawn > self.longest:
            step = step * (self.longest / drawn)
        self.arrow.set_positions((x, y), (x + step[0], y + step[1]))
        norm = float(np.hypot(*jac))
        if norm > 0:
            along = np.array([-jac[1], jac[0]]) / norm * 0.12 * self.span
            self.level_line.set_data([x - along[0], x + along[0]], [y - along[1], y + along[1]])
        else:
            self.level_line.set_data([], [])
        self.point.set_data([x], [y])
        return {
            "x": x,
            "y": y,
            "f": value,
            "jacobian": jac,
            "steepness": norm,
            # counter-clockwise from the +x axis, 0° to 360° as in the lecture
            "angle_deg": float(np.degrees(np.arctan2(jac[1], jac[0])) % 360),
            "arrow": step,  # the arrow as drawn, in data units
            "arrow_length": float(np.hypot(*step)),
            "stretched": bool(stretched),
        }


def plot_gradient_arrow(
    f: Callable,
    jac: Callable,
    x: float,
    y: float,
    ax: Axes | None = None,
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    name: str = "f",
) -> Axes:
    """Draw the contour map of f with the Jacobian arrow of ``jac`` at (x, y).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_gradient_arrow(lambda p: p[0] ** 2 + p[1] ** 2,
    ...                          lambda p: np.array([2 * p[0], 2 * p[1]]), 1.0, 0.0,
    ...                          ax=Figure().subplots())
    >>> start, end = ax.patches[-1].ends         # points along +x, uphill
    >>> bool(end[0] > start[0] and end[1] == start[1])
    True
    """
    ax = get_axes(ax)
    scene = GradientArrowScene(ax, f, jac, bounds, name=name)
    scene.update(x=x, y=y)
    return ax


class JacobianMapScene(Scene):
    """A map g from the plane to the plane, bending a grid; near a point it acts like J.

    Left: the input plane with a grid and a small square of side ``size`` at p.
    Right: the image of the grid under g, the image of the square (a curved patch)
    and, dashed, the parallelogram g(p) + J (square − p) of the local linear map.
    As the square shrinks the two shapes agree, and area grows by |det J|.
    """

    def __init__(
        self,
        axes: Sequence[Axes],
        g: Callable,
        jac: Callable,
        bounds=((0.5, 2.0), (-1.0, 1.0)),
        lines: int = 9,
        labels=(("x", "y"), ("u", "v")),
    ):
        self.left, self.right = axes
        self.g, self.jac = g, jac
        (x0, x1), (y0, y1) = bounds
        t = np.linspace(0, 1, 60)
        images = []
        for value in np.linspace(x0, x1, lines):
            xs, ys = np.full_like(t, value), y0 + (y1 - y0) * t
            self.left.plot(xs, ys, color=PALETTE["blue"], linewidth=0.8, linestyle="-")
            image = self._map(xs, ys)
            self.right.plot(*image, color=PALETTE["blue"], linewidth=0.8, linestyle="-")
            images.append(image)
        for value in np.linspace(y0, y1, lines):
            xs, ys = x0 + (x1 - x0) * t, np.full_like(t, value)
            self.left.plot(xs, ys, color=PALETTE["green"], linewidth=0.8, linestyle="--")
            image = self._map(xs, ys)
            self.right.plot(*image, color=PALETTE["green"], linewidth=0.8, linestyle="--")
            images.append(image)
        allx = np.concatenate([i[0] for i in images])
        ally = np.concatenate([i[1] for i in images])
        self.left.set_xlim(*padded_limits(np.array([x0, x1])))
        self.left.set_ylim(*padded_limits(np.array([y0, y1])))
        self.right.set_xlim(*padded_limits(allx))
        self.right.set_ylim(*padded_limits(ally))
        for ax, title, (a, b) in (
            (self.left, "input plane", labels[0]),
            (self.right, "after the map g", labels[1]),
        ):
            ax.set_aspect("equal", adjustable="box")
            ax.set_title(title)
            ax.set_xlabel(a)
            ax.set_ylabel(b)
        self.square = Polygon(
            np.zeros((4, 2)),
            closed=True,
            facecolor=PALETTE["yellow"],
            edgecolor=PALETTE["black"],
            alpha=0.8,
            zorder=4,
        )
        self.image = Polygon(
            np.zeros((4, 2)),
            closed=True,
            facecolor=PALETTE["yellow"],
            edgecolor=PALETTE["black"],
            alpha=0.8,
            zorder=4,
            label="g(square)",
        )
        self.linear = Polygon(
            np.zeros((4, 2)),
            closed=True,
            fill=False,
            linestyle="--",
            linewidth=2,
            edgecolor=PALETTE["red"],
            zorder=5,
            label="g(p) + J·(square − p)",
        )
        self.left.add_patch(self.square)
        self.right.add_patch(self.image)
        self.right.add_patch(self.linear)
        self.right.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), fontsize=9, ncol=2)
        self.artists = [self.square, self.image, self.linear]

    def _map(self, xs, ys):
        out = on_grid(lambda p: self.g(p)[0], xs, ys), on_grid(lambda p: self.g(p)[1], xs, ys)
        return out

    def update(self, x: float = 1.0, y: float = 0.0, size: float = 0.3) -> dict:
        t = np.linspace(0, 1, 20, endpoint=False)
        h = size / 2
        edge_x = np.concatenate(
            [x - h + size * t, np.full_like(t, x + h), x + h - size * t, np.full_like(t, x - h)]
        )
        edge_y = np.concatenate(
            [np.full_like(t, y - h), y - h + size * t, np.full_like(t, y + h), y + h - size * t]
        )
        self.square.set_xy(np.column_stack([edge_x, edge_y]))
        image = np.column_stack(self._map(edge_x, edge_y))
        self.image.set_xy(image)
        centre = _point_value(self.g, x, y).reshape(2)
        jac = _point_value(self.jac, x, y).reshape(2, 2)
        linear = centre + (np.column_stack([edge_x - x, edge_y - y]) @ jac.T)
        self.linear.set_xy(linear)
        # shoelace formula: the area of the curved image over the square's area
        ix, iy = image[:, 0], image[:, 1]
        area = 0.5 * abs(float(np.dot(ix, np.roll(iy, -1)) - np.dot(iy, np.roll(ix, -1))))
        return {
            "x": x,
            "y": y,
            "size": size,
            "jacobian": jac,
            "det": float(np.linalg.det(jac)),
            "area_ratio": area / size**2,
            "g": centre,
        }


def plot_jacobian_map(
    g: Callable,
    jac: Callable,
    x: float,
    y: float,
    size: float = 0.3,
    figure: Figure | None = None,
    bounds=((0.5, 2.0), (-1.0, 1.0)),
    labels=(("x", "y"), ("u", "v")),
) -> Figure:
    """Draw the grid before and after g, with a small square at (x, y) and J's parallelogram;
    returns the Figure.

    ``labels`` names the axes of the input and the output plane.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> stretch = lambda p: np.array([2 * p[0], p[1]])
    >>> left, right = plot_jacobian_map(stretch, lambda p: np.array([[2.0, 0], [0, 1]]), 1.0,
    ...                                 0.0, figure=Figure()).axes
    >>> float(np.ptp(right.patches[0].get_xy()[:, 0]).round(6))   # the square, twice as wide
    0.6
    """
    figure = get_figure(figure, figsize=(9.0, 4.0))
    with course_style():
        scene = JacobianMapScene(figure.subplots(1, 2), g, jac, bounds, labels=labels)
    scene.update(x=x, y=y, size=size)
    return figure


def plot_landscape(landscape, ax: Axes | None = None, levels: int = 16) -> Axes:
    """Draw a sandpit landscape as a contour map, its deepest point (star) and traps (crosses).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mmlcalc.sandpit import make_landscape
    >>> ax = plot_landscape(make_landscape("narrow well", 0), ax=Figure().subplots())
    >>> len(ax.lines)   # the deepest point and the trap markers
    2
    """
    ax = get_axes(ax)
    x, y, z = landscape.grid(160)
    filled = ax.contourf(x, y, z, levels=levels, cmap=HEIGHT_CMAP)
    ax.contour(x, y, z, levels=levels, colors=PALETTE["black"], linewidths=0.4)
    unit = f" ({landscape.unit})" if landscape.unit else ""
    ax.figure.colorbar(filled, ax=ax, label=f"height{unit}")
    ax.plot(
        *landscape.deepest[:2],
        marker="*",
        markersize=16,
        color=PALETTE["red"],
        markeredgecolor="white",
        linestyle="none",
        label="deepest point",
    )
    traps = landscape.local_minima
    ax.plot(
        traps[:, 0],
        traps[:, 1],
        marker="X",
        markersize=10,
        color=PALETTE["purple"],
        markeredgecolor="white",
        linestyle="none",
        label="local minima (traps)",
    )
    ax.set_aspect("equal")
    ax.set_xlabel(f"x{unit}")
    ax.set_ylabel(f"y{unit}")
    ax.grid(False)
    ax.set_title(f"Landscape: {landscape.name}")
    ax.legend(loc="upper right", fontsize=8)
    return ax


class SandpitScene(Scene):
    """The sandpit as the player sees it: an empty box, the probes with their depths, the
    Jacobian arrows in the gradient mode, and the aim (crosshair) of the sliders.

    The landscape stays hidden (drawn but invisible) until the game is over.
    """

    def __init__(self, ax: Axes, game: Sandpit):
        self.ax, self.game = ax, game
        land = game.landscape
        (x0, x1), (y0, y1) = land.bounds
        self.width = x1 - x0
        ax.set_facecolor("#F3E6C4")  # sand
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.grid(True, color="white", alpha=0.6)
        unit = f" ({land.unit})" if land.unit else ""
        ax.set_xlabel(f"x{unit}")
        ax.set_ylabel(f"y{unit}")
        mode = "depth and Jacobian arrow" if game.mode == "gradient" else "depth only"
        ax.set_title(f"Sandpit: {land.name}, {mode}")
        _, _, z = land.grid(120)
        self.reveal = ax.imshow(
            z,
            origin="lower",
            extent=(x0, x1, y0, y1),
            cmap=HEIGHT_CMAP,
            alpha=0.85,
            aspect="auto",
            zorder=0,
        )
        self.reveal.set_visible(False)
        # the colour bar of the revealed landscape: its space is kept from the start, but it
        # is drawn (as a moving artist) only once the game is over, so it gives nothing away
        self.colorbar = ax.figure.colorbar(self.reveal, ax=ax, shrink=0.9)
        self.colorbar.ax.set_title(f"height{unit}", fontsize=8)
        self.colorbar.ax.set_visible(False)
        ax.set_aspect("equal")  # imshow(aspect="auto") reset it: keep distances true
        (self.goal,) = ax.plot(
            *land.deepest[:2],
            marker="*",
            markersize=18,
            color=PALETTE["red"],
            markeredgecolor="white",
            linestyle="none",
        )
        traps = land.local_minima
        (self.traps,) = ax.plot(
            traps[:, 0],
            traps[:, 1],
            marker="X",
            markersize=11,
            color=PALETTE["purple"],
            markeredgecolor="white",
            linestyle="none",
        )
        (self.aim_h,) = ax.plot([], [], color=PALETTE["black"], linewidth=0.8, linestyle=":")
        (self.aim_v,) = ax.plot([], [], color=PALETTE["black"], linewidth=0.8, linestyle=":")
        (self.aim,) = ax.plot(
            [],
            [],
            marker="+",
            markersize=16,
            markeredgewidth=2,
            color=PALETTE["black"],
            linestyle="none",
        )
        (self.marks,) = ax.plot(
            [],
            [],
            marker="o",
            markersize=8,
            color=PALETTE["blue"],
            markeredgecolor="white",
            linestyle="none",
        )
        (self.best_mark,) = ax.plot(
            [],
            [],
            marker="D",
            markersize=10,
            color=PALETTE["green"],
            markeredgecolor="white",
            linestyle="none",
        )
        self.labels = [
            ax.text(
                0,
                0,
                "",
                fontsize=8,
                ha="left",
                va="bottom",
                zorder=6,
                bbox={"facecolor": "white", "alpha": 0.7, "pad": 1, "edgecolor": "none"},
            )
            for _ in range(game.budget)
        ]
        self.arrows = [Arrow(PALETTE["red"]) for _ in range(game.budget)]
        for arrow in self.arrows:
            ax.add_patch(arrow)
            arrow.set_visible(False)
        grid = land.grid(25)
        steepest = float(
            np.percentile(np.linalg.norm(land.gradient(grid[0], grid[1]), axis=-1), 90)
        )
        # arrow length: a typical steep slope (90th percentile of |J|) is 12 % of the box
        self.scale = 0.12 * self.width / max(steepest, 1e-12)
        self.cap = 0.2 * self.width  # longest arrow drawn
        self.shortest = 0.08 * self.width  # shortest arrow drawn (its length is in the readout)
        self.artists = [
            self.reveal,
            self.colorbar.ax,
            self.goal,
            self.traps,
            self.aim_h,
            self.aim_v,
            self.marks,
            self.best_mark,
            *self.arrows,
            *self.labels,
            self.aim,
        ]

    def update(self, x: float = 0.0, y: float = 0.0) -> dict:
        game, land = self.game, self.game.landscape
        (x0, x1), (y0, y1) = land.bounds
        over = game.over
        self.reveal.set_visible(over)
        self.colorbar.ax.set_visible(over)
        self.goal.set_visible(over)
        self.traps.set_visible(over)
        self.aim_h.set_data([x0, x1], [y, y])
        self.aim_v.set_data([x, x], [y0, y1])
        self.aim.set_data([x], [y])
        probes = game.probes
        self.marks.set_data([p.x for p in probes], [p.y for p in probes])
        best = game.best
        self.best_mark.set_data(*(([best.x], [best.y]) if best else ([], [])))
        for index, (label, arrow) in enumerate(zip(self.labels, self.arrows, strict=True)):
            if index < len(probes):
                p = probes[index]
                label.set_position((p.x, p.y))
                label.set_text(f" {index + 1}: {p.depth:.3g}")
                if game.mode == "gradient":
                    step = self.scale * p.jacobian
                    length = float(np.hypot(*step))
                    if length > self.cap:
                        step *= self.cap / length
                    elif 0 < length < self.shortest:  # long enough to see its direction
                        step *= self.shortest / length
                    arrow.set_positions((p.x, p.y), (p.x + step[0], p.y + step[1]))
                    arrow.set_visible(True)
                else:
                    arrow.set_visible(False)
            else:
                label.set_text("")
                arrow.set_visible(False)
        return {
            "x": x,
            "y": y,
            "probes": len(probes),
            "probes_left": game.probes_left,
            "last": probes[-1] if probes else None,
            "best": best,
            "verdict": game.verdict,
            "message": game.message(),
        }


def plot_sandpit(
    game: Sandpit, ax: Axes | None = None, x: float | None = None, y: float | None = None
) -> Axes:
    """Draw a sandpit game as its player sees it (the landscape only once the game is over).

    The aim (crosshair) is drawn only when ``x`` and ``y`` are given.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> game = Sandpit("bowl", budget=2, mode="gradient", seed=0)
    >>> _ = game.probe(2.0, 2.0)
    >>> ax = plot_sandpit(game, ax=Figure().subplots())
    >>> ax.texts[0].get_text().startswith(" 1:")
    True
    """
    ax = get_axes(ax, figsize=(5.6, 5.0))
    scene = SandpitScene(ax, game)
    (x0, x1), (y0, y1) = game.landscape.bounds
    scene.update(x=(x0 + x1) / 2 if x is None else x, y=(y0 + y1) / 2 if y is None else y)
    if x is None and y is None:  # no aim to show
        for artist in (scene.aim, scene.aim_h, scene.aim_v):
            artist.set_visible(False)
    if game.over:  # the landscape is revealed: the colour bar shows, the legend names the marks
        scene.goal.set_label("deepest point")
        scene.traps.set_label("local minima (traps)")
        scene.marks.set_label("probes")
        scene.best_mark.set_label("deepest probe")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), fontsize=8, ncol=2)
    return ax
