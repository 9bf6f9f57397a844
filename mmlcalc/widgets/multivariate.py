"""Week 2 explorers: a surface cut by a plane, the Jacobian arrow on a contour map, a grid
deformed by a non-linear map, and the sandpit game.

Taught in ``notebooks/02_multivariate_calculus.ipynb``; the scenes they move are in
:mod:`mmlcalc.plotting.multivariate` and the game logic in :mod:`mmlcalc.sandpit`.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from mmlcalc.plotting.multivariate import (
    GradientArrowScene,
    JacobianMapScene,
    SandpitScene,
    SurfaceCutScene,
)
from mmlcalc.sandpit import LANDSCAPES, Sandpit, make_landscape
from mmlcalc.widgets.base import LABEL_STYLE, Explorer, choice, float_slider, status_html

__all__ = [
    "SandpitExplorer",
    "gradient_explorer",
    "jacobian_map_explorer",
    "sandpit_explorer",
    "surface_cut_explorer",
]


def _fmt_row(values) -> str:
    return "[" + ", ".join(f"{v:+.3f}" for v in values) + "]"


def surface_cut_explorer(
    f: Callable,
    df: Callable,
    x: float = 0.5,
    y: float = 0.5,
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    hold: str = "y",
) -> Explorer:
    """Move the cutting plane (the value held constant) and the point along the cut.

    Parameters
    ----------
    f : callable
        ``f(p)`` with ``p`` of shape ``(2,)``.
    df : callable
        The partial derivative along the free variable: ∂f/∂x when ``hold="y"``.
    hold : {"y", "x"}
        Which input the plane holds constant.

    Examples
    --------
    >>> explorer = surface_cut_explorer(lambda p: p[0] ** 2 * p[1], lambda p: 2 * p[0] * p[1],
    ...                                 x=1.0, y=1.0)
    >>> explorer.shown["slope"]
    2.0
    >>> explorer.controls["y"].value = -0.5   # another plane: the cut is -0.5 x²
    >>> explorer.shown["slope"]
    -1.0
    """
    (x0, x1), (y0, y1) = bounds
    held_word = "held constant"
    controls = {
        "x": float_slider(
            f"x {held_word if hold == 'x' else '(moves along the cut)'}", x, x0, x1, 0.05
        ),
        "y": float_slider(
            f"y {held_word if hold == 'y' else '(moves along the cut)'}", y, y0, y1, 0.05
        ),
    }

    def readout(s: dict) -> str:
        return (
            f"cut at {s['held']} = {s['x'] if s['held'] == 'x' else s['y']:.2f}: "
            f"f({s['x']:.2f}, {s['y']:.2f}) = {s['f']:.4f} &nbsp; slope of the cut = "
            f"∂f/∂{s['free']} = <b>{s['slope']:.4f}</b>"
        )

    free = "x" if hold == "y" else "y"
    return Explorer(
        lambda figure: SurfaceCutScene(figure, f, df, bounds, hold),
        controls,
        readout=readout,
        title="A surface cut by a plane: the partial derivative",
        caption=(
            f"Left: the surface z = f(x, y) in 3-D with the vertical plane {hold} = constant "
            f"drawn as a black outline and the curve where it cuts the surface in red. Right: "
            f"that red curve as a graph of {free} alone, with its tangent at the chosen point "
            f"as a dotted line. The tangent's slope is the partial derivative ∂f/∂{free}."
        ),
        figsize=(9.0, 3.8),
    )


def gradient_explorer(
    f: Callable,
    jac: Callable,
    x: float = 1.0,
    y: float = 0.5,
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    name: str = "f",
) -> Explorer:
    """Move a point on a contour map and watch the Jacobian arrow J = [∂f/∂x, ∂f/∂y].

    ``name`` is the function's name in the colour bar, the readout and the caption. The
    arrow has a minimum drawn length (see :class:`GradientArrowScene`), so its direction
    shows even near a stationary point; the readout says when it is stretched.

    Examples
    --------
    >>> explorer = gradient_explorer(lambda p: p[0] ** 2 + 3 * p[1] ** 2,
    ...                              lambda p: np.array([2 * p[0], 6 * p[1]]), x=1.0, y=0.0)
    >>> explorer.shown["jacobian"].tolist(), explorer.shown["angle_deg"]
    ([2.0, 0.0], 0.0)
    >>> explorer.controls["y"].value = 1.0
    >>> explorer.shown["jacobian"].tolist()
    [2.0, 6.0]
    """
    (x0, x1), (y0, y1) = bounds
    controls = {
        "x": float_slider("x (point)", x, x0, x1, 0.05),
        "y": float_slider("y (point)", y, y0, y1, 0.05),
    }

    def readout(s: dict) -> str:
        note = " (arrow drawn longer than to scale: its direction)" if s["stretched"] else ""
        return (
            f"{name} = {s['f']:.4f} &nbsp; J = [∂{name}/∂x, ∂{name}/∂y] = "
            f"<b>{_fmt_row(s['jacobian'])}</b><br>steepness |J| = {s['steepness']:.4f}, "
            f"uphill direction {s['angle_deg']:.0f}° counter-clockwise from the +x axis{note}"
        )

    return Explorer(
        lambda figure: GradientArrowScene(figure.subplots(), f, jac, bounds, name=name),
        controls,
        readout=readout,
        title="The Jacobian arrow on a contour map",
        caption=(
            f"A contour map of {name}(x, y): darker colours are lower (the colour bar gives the "
            "height), thin black lines join points of equal height. At the chosen point, a "
            "small black dot, a red arrow shows the Jacobian row vector J; it points uphill, at "
            "right angles to the contour through the point, drawn as a short dashed line. Its "
            "length grows where the contours crowd together; where |J| is tiny it is drawn at a "
            "minimum length so its direction still shows."
        ),
        figsize=(6.4, 5.2),
    )


def jacobian_map_explorer(
    g: Callable,
    jac: Callable,
    x: float = 1.2,
    y: float = 0.3,
    size: float = 0.3,
    bounds=((0.5, 2.0), (-1.0, 1.0)),
    labels=(("x", "y"), ("u", "v")),
) -> Explorer:
    """Move a small square through a map g and shrink it: near p, g acts like its Jacobian.

    ``labels`` names the axes of the input and the output plane. Pick a map whose area
    ratio really changes with the square's size (the squaring map (x² − y², 2xy), say):
    for polar coordinates the ratio is exactly r at every size.

    Examples
    --------
    >>> polar = lambda p: np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])
    >>> jac = lambda p: np.array([[np.cos(p[1]), -p[0] * np.sin(p[1])],
    ...                           [np.sin(p[1]), p[0] * np.cos(p[1])]])
    >>> explorer = jacobian_map_explorer(polar, jac, x=1.5, y=0.0)
    >>> round(explorer.shown["det"], 6)        # det J = r for polar coordinates
    1.5
    >>> explorer.controls["size"].value = 0.02
    >>> round(explorer.shown["area_ratio"], 2)  # a tiny square's area grows by |det J|
    1.5
    """
    (x0, x1), (y0, y1) = bounds
    controls = {
        "x": float_slider("x (centre of the square)", x, x0, x1, 0.05),
        "y": float_slider("y (centre of the square)", y, y0, y1, 0.05),
        "size": float_slider("side of the square", size, 0.02, 0.5, 0.02),
    }

    def readout(s: dict) -> str:
        (a, b), (c, d) = s["jacobian"]
        return (
            f"J = [[{a:+.3f}, {b:+.3f}], [{c:+.3f}, {d:+.3f}]] &nbsp; det J = "
            f"<b>{s['det']:.4f}</b><br>area of g(square) / area of square = "
            f"{s['area_ratio']:.4f} (→ |det J| = {abs(s['det']):.4f} as the square shrinks)"
        )

    return Explorer(
        lambda figure: JacobianMapScene(figure.subplots(1, 2), g, jac, bounds, labels=labels),
        controls,
        readout=readout,
        title="A non-linear map and its Jacobian",
        caption=(
            "Left: a grid of solid and dashed lines in the input plane with a small yellow "
            "square. Right: the same lines after the map g, bent into curves, the yellow "
            "square's image, and, dashed red, the parallelogram that the Jacobian matrix J "
            "makes of the square. The smaller the square, the closer the two shapes."
        ),
        figsize=(9.0, 4.0),
    )


class SandpitExplorer(Explorer):
    """The sandpit game as a widget: sliders aim, the **Probe** button probes.

    Controls (all with labels, all keyboard-operable: Tab to reach, arrow keys move a
    slider, Enter or Space presses a button): ``landscape`` and ``mode`` dropdowns
    (each starts a new game), ``x`` and ``y`` sliders for the aim, and the buttons
    ``probe_button`` and ``new_game_button``.

    Attributes
    ----------
    game : Sandpit
        The game being played; a new one for every new game.
    controls, shown, readout, image, caption
        As for every :class:`Explorer`.
    """

    def __init__(
        self, landscape: str = "bowl", mode: str = "depth", budget: int = 12, seed: int = 0
    ):
        self.budget, self.seed = budget, seed
        controls = {
            "landscape": choice("landscape", LANDSCAPES, landscape),
            "mode": widgets.Dropdown(
                options=[("depth only", "depth"), ("depth and Jacobian arrow", "gradient")],
                value=mode,
                description="mode",
                style=LABEL_STYLE,
            ),
            # their ranges are the landscape's box, set by _build
            "x": float_slider("x (aim)", 0.5, 0.0, 1.0, 0.01),
            "y": float_slider("y (aim)", 0.5, 0.0, 1.0, 0.01),
        }
        self.probe_button = widgets.Button(
            description="Probe",
            icon="crosshairs",
            button_style="primary",
            tooltip="Probe the sand at the aim (x, y)",
        )
        self.new_game_button = widgets.Button(
            description="New game",
            icon="refresh",
            tooltip="A new hidden landscape of the same kind, full budget",
        )
        self.probe_button.on_click(self._probe)
        self.new_game_button.on_click(self._new_game)
        super().__init__(
            self._build,
            controls,
            readout=self._format_readout,
            title="The sandpit: find the deepest point",
            caption=(
                "A square sandpit seen from above; the ground underneath is hidden. A crosshair "
                "with dotted guide lines marks the aim set by the x and y sliders. Each probe "
                "is a blue dot labelled with its number and the depth found; the deepest probe "
                "so far is a green diamond. In the gradient mode a red arrow at each probe is "
                "the Jacobian of the ground's height: it points uphill, so deeper ground lies "
                "the other way. When the game ends the landscape is revealed as a colour map, "
                "darker where lower, with a colour bar of its heights at the right, the deepest "
                "point as a red star and local minima as purple crosses."
            ),
            figsize=(6.0, 5.4),
            rebuild_on=("landscape", "mode"),
            extra=[widgets.HBox([self.probe_button, self.new_game_button])],
        )

    def _build(self, figure, landscape: str, mode: str) -> SandpitScene:
        """A new game of ``landscape`` in ``mode``, seeded by ``self.seed``, with the aim
        back in the middle of the new box (the Explorer runs this paused, then refreshes)."""
        self.game = Sandpit(landscape, budget=self.budget, mode=mode, seed=self.seed)
        for key, (low, high) in zip(("x", "y"), self.game.landscape.bounds, strict=True):
            self.set_range(self.controls[key], low, high, (low + high) / 2, step=(high - low) / 100)
        self.probe_button.disabled = False
        return SandpitScene(figure.subplots(), self.game)

    def _probe(self, _button=None) -> None:
        if self.game.over:
            return
        self.game.probe(self.controls["x"].value, self.controls["y"].value)
        if self.game.over:
            # the landscape is revealed: it is not part of the cached background
            self.probe_button.disabled = True
        self.refresh()

    def _new_game(self, _button=None) -> None:
        self.seed += 1
        self.rebuild()

    def _format_readout(self, s: dict) -> str:
        land = self.game.landscape
        unit = f" {land.unit}" if land.unit else ""
        lines = []
        last = s["last"]
        if last is not None:
            text = (
                f"probe {s['probes']} at ({last.x:.3g}, {last.y:.3g}): depth {last.depth:.4g}{unit}"
            )
            if land.name == "volcano":
                text += f" (height {last.height:.4g} m)"
            if self.game.mode == "gradient":
                text += f", J = {_fmt_row(last.jacobian)}"
            lines.append(text)
            best = s["best"]
            lines.append(f"deepest so far: {best.depth:.4g}{unit} at ({best.x:.3g}, {best.y:.3g})")
        verdict = s["verdict"]
        mark = {"found": "✓ ", "stuck": "✗ ", "out of probes": "✗ "}.get(verdict, "")
        lines.append(f"<b>{mark}{html.escape(s['message'])}</b>")
        return "<br>".join(lines)

    def refresh(self) -> None:
        super().refresh()
        if self.game.over:
            self.readout.value = status_html(self._format_readout(self.shown))


def sandpit_explorer(
    landscape: str = "bowl", mode: str = "depth", budget: int = 12, seed: int = 0
) -> SandpitExplorer:
    """The sandpit game: aim with the sliders, press **Probe**, find the deepest point.

    Parameters
    ----------
    landscape : str
        One of ``mmlcalc.sandpit.LANDSCAPES``.
    mode : {"depth", "gradient"}
        Depth only, or depth and the Jacobian arrow.
    budget : int
        Probes per game. 12 is enough to follow the arrows down a smooth bowl in a few
        steps, and few enough that probing on a grid (4 × 3) misses narrow wells.
    seed : int
        Seed of the first hidden landscape; "New game" uses seed + 1, + 2, ...

    Examples
    --------
    >>> game = sandpit_explorer("bowl", mode="gradient", budget=3, seed=1)
    >>> game.controls["x"].value, game.controls["y"].value = 2.0, 2.0
    >>> game.probe_button.click()
    >>> game.shown["probes_left"], game.shown["verdict"]
    (2, 'playing')
    """
    make_landscape(landscape, seed)  # a clear error for an unknown name, before any widget
    return SandpitExplorer(landscape, mode, budget, seed)
