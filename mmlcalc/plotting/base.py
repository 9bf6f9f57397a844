"""The course style, palette and the scene pattern shared by every week's figures.

Every figure of a week is a *scene*: a class that draws the parts that never move
once (``__init__``) and moves the rest (``update(**params)``, which returns the
numbers it showed). A static ``plot_*`` helper builds a scene and updates it
once; an explorer (:mod:`mmlcalc.widgets`) builds the same scene and calls
``update`` each time a slider moves, so a static render and an explorer always
show the same picture.

Every ``plot_*`` helper takes where to draw in one of two ways, by the number of
panels it draws:

- one panel: ``plot_*(…, ax=None) -> Axes``, drawn on ``ax`` (new axes if None);
- several panels: ``plot_*(…, figure=None) -> Figure``, drawn on ``figure`` (a new
  figure if None), whose panels the helper lays out itself (side by side, stacked,
  3-D); read them back as ``figure.axes``.

``tests/test_package.py`` checks every helper's signature against this.

The maths stays in the notebook: the function and its derivative are passed in
(``plot_tangent(f, df, x0)``), never hidden here. Importing this module sets no
backend and draws nothing; pyplot is imported only when a helper has to create
its own figure (``ax=None`` or ``figure=None``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from mmlcalc.calculus import evaluate

__all__ = [
    "COURSE_STYLE",
    "PALETTE",
    "ROLES",
    "Arrow",
    "Scene",
    "course_style",
    "get_axes",
    "get_figure",
    "padded_limits",
    "plot_function",
    "use_course_style",
    "x_grid",
]

#: Paul Tol's "bright" qualitative palette, distinguishable with every common form
#: of colour blindness (https://personal.sron.nl/~pault/, 2021).
PALETTE = {
    "blue": "#4477AA",
    "red": "#EE6677",
    "green": "#228833",
    "yellow": "#CCBB44",
    "cyan": "#66CCEE",
    "purple": "#AA3377",
    "grey": "#BBBBBB",
    "black": "#222222",
}

#: What each kind of curve looks like: a colour *and* a line style or marker, so a
#: figure still reads in grey scale.
ROLES = {
    "function": {"color": PALETTE["blue"], "linestyle": "-", "linewidth": 2.2},
    "derivative": {"color": PALETTE["red"], "linestyle": "--", "linewidth": 2.2},
    "secant": {"color": PALETTE["green"], "linestyle": "-.", "linewidth": 2.0},
    "tangent": {"color": PALETTE["purple"], "linestyle": ":", "linewidth": 2.4},
    "point": {"color": PALETTE["black"], "marker": "o", "linestyle": "none", "markersize": 7},
    "guide": {"color": PALETTE["grey"], "linestyle": "--", "linewidth": 1.0},
}

#: Matplotlib settings of every course figure.
COURSE_STYLE = {
    "axes.prop_cycle": cycler(
        color=[PALETTE[c] for c in ("blue", "red", "green", "purple", "yellow", "cyan")],
        linestyle=["-", "--", "-.", ":", "-", "--"],
    ),
    "axes.grid": True,
    "grid.alpha": 0.35,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "font.size": 10,
    "legend.frameon": False,
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 90,
    "figure.constrained_layout.use": True,
    "lines.linewidth": 2.0,
}


def use_course_style() -> None:
    """Apply the course style to every later figure (call it in a notebook's setup cell)."""
    mpl.rcParams.update(COURSE_STYLE)


def course_style():
    """Context manager applying the course style only inside a ``with`` block."""
    return mpl.rc_context(COURSE_STYLE)


def get_axes(ax: Axes | None, ncols: int = 1, figsize=None):
    """Return ``ax``, or new axes from pyplot (the only place pyplot is imported).

    ``ncols > 1`` returns an array of axes side by side.
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with course_style():
        _, new = plt.subplots(1, ncols, figsize=figsize)
    return new


def get_figure(figure: Figure | None, figsize=None) -> Figure:
    """Return ``figure``, or a new empty figure from pyplot in the course style.

    The target of every helper that draws several panels (``figure=None``).

    Examples
    --------
    >>> existing = Figure()
    >>> get_figure(existing) is existing
    True
    """
    if figure is not None:
        return figure
    import matplotlib.pyplot as plt

    with course_style():
        return plt.figure(figsize=figsize)


class Arrow(FancyArrowPatch):
    """An arrow from a point to a tip in data coordinates, moved by ``set_positions``.

    The arrow of every vector drawn in the course (a Jacobian, ∇f, a velocity): a
    filled head, starting exactly at the point and ending exactly at the tip.

    Parameters
    ----------
    color : str
    style : str
        A matplotlib arrow style; ``"-|>"``, a line with a filled head, by default.

    Attributes
    ----------
    ends : ((float, float), (float, float))
        Where it starts and where its tip is, as last set.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> arrow = ax.add_patch(Arrow(PALETTE["red"]))
    >>> arrow.set_positions((0.0, 0.0), (1.0, 2.0))
    >>> arrow.ends
    ((0.0, 0.0), (1.0, 2.0))
    """

    def __init__(self, color: str, style: str = "-|>"):
        super().__init__(
            (0, 0),
            (0, 0),
            arrowstyle=style,
            mutation_scale=16,
            linewidth=2.2,
            color=color,
            zorder=5,
            shrinkA=0,
            shrinkB=0,  # start exactly at the point, end at the tip
        )
        self.ends = ((0.0, 0.0), (0.0, 0.0))

    def set_positions(self, posA, posB) -> None:
        """Move the arrow: start at ``posA``, tip at ``posB`` (None keeps that end)."""
        super().set_positions(posA, posB)
        start, tip = self.ends
        self.ends = (
            start if posA is None else (float(posA[0]), float(posA[1])),
            tip if posB is None else (float(posB[0]), float(posB[1])),
        )


class Scene:
    """A figure whose moving parts ``artists`` are redrawn by ``update(**params)``.

    ``update`` returns a dict of the numbers it drew, for readouts and tests.
    """

    artists: list

    def update(self, **params) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


def x_grid(x_range: Sequence[float], n: int = 400) -> np.ndarray:
    """``n`` evenly spaced points over ``x_range = (low, high)``; a clear error if reversed."""
    lo, hi = map(float, x_range)
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {tuple(x_range)}")
    return np.linspace(lo, hi, n)


def padded_limits(values: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    """Axis limits around the finite ``values`` with a margin of ``pad`` of their span."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    span = hi - lo or 1.0
    return lo - pad * span, hi + pad * span


def plot_function(
    f: Callable,
    x_range: Sequence[float] = (-3.0, 3.0),
    ax: Axes | None = None,
    label: str | None = None,
    role: str = "function",
) -> Axes:
    """Draw y = f(x) over ``x_range`` in the style of ``role``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_function(np.sin, (0, np.pi), ax=Figure().subplots())
    >>> len(ax.lines)
    1
    """
    ax = get_axes(ax)
    x = x_grid(x_range)
    ax.plot(x, evaluate(f, x), label=label, **ROLES[role])
    ax.set_xlabel("x")
    return ax
