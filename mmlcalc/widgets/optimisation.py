"""Week 5 explorers: Newton-Raphson step by step, gradient descent on a landscape (the
real volcano included), and a point moving along a constraint (Lagrange multipliers).

Taught in ``notebooks/05_optimisation.ipynb``; the scenes they move are in
:mod:`mmlcalc.plotting.optimisation`, the numerics in :mod:`mmlcalc.optimisation`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mmlcalc.optimisation import (
    DEFAULT_BOUND,
    DESCENT_LANDSCAPES,
    REASON_MESSAGES,
    descent_landscape,
)
from mmlcalc.plotting.base import Scene
from mmlcalc.plotting.optimisation import ConstraintScene, DescentScene, NewtonScene
from mmlcalc.widgets.base import LABEL_STYLE, Explorer, choice, float_slider, slider_layout

__all__ = [
    "DescentExplorer",
    "NewtonExplorer",
    "constraint_explorer",
    "descent_explorer",
    "newton_explorer",
]

#: The readouts' status lines: the package's sentence for each reason (one wording,
#: :data:`mmlcalc.optimisation.REASON_MESSAGES`) with a tick or a cross, except where an
#: explorer means something of its own ("iteration cap": the steps drawn are used up).
_REASON_TEXT = {
    **{
        reason: ("✓ " if reason == "converged" else "✗ ") + message
        for reason, message in REASON_MESSAGES.items()
    },
    "start": "no step taken yet",
    "iteration cap": "still going (the step count, or the iteration cap, was reached)",
}


class NewtonExplorer(Explorer):
    """An :class:`Explorer` of a :class:`NewtonScene` with *Step* and *Reset* buttons.

    The ``steps`` slider holds how many Newton steps are drawn; *Step* adds one and
    *Reset* goes back to the start (0 steps).

    Attributes
    ----------
    buttons : dict of str to ipywidgets.Button
        ``"step"`` and ``"reset"``.
    """

    def __init__(self, *args, **kwargs):
        self.buttons = {
            "step": widgets.Button(
                description="Step", icon="step-forward", tooltip="take one more Newton step"
            ),
            "reset": widgets.Button(
                description="Reset", icon="undo", tooltip="back to the start point (0 steps)"
            ),
        }
        self.buttons["step"].on_click(lambda _: self._advance(1))
        self.buttons["reset"].on_click(lambda _: setattr(self.controls["steps"], "value", 0))
        super().__init__(*args, extra=[widgets.HBox(list(self.buttons.values()))], **kwargs)

    def _advance(self, n: int) -> None:
        steps = self.controls["steps"]
        steps.value = min(steps.value + n, steps.max)


def newton_explorer(
    f: Callable,
    df: Callable,
    x0: float = 1.0,
    x_range: Sequence[float] = (-3.0, 3.0),
    y_range: Sequence[float] | None = None,
    max_steps: int = 50,
) -> NewtonExplorer:
    """Newton-Raphson step by step: choose the start x₀ and how many steps to draw.

    Parameters
    ----------
    f, df : callable
        The function whose root is sought and its derivative, vectorised over x.
    x0 : float
        Where the start slider begins.
    x_range, y_range : (float, float)
        The axes (and the start slider's range, ``x_range``).
    max_steps : int
        The most steps the ``steps`` slider allows, and the cap of the whole run whose
        fate the readout reports (50, the cap of
        :func:`mmlcalc.optimisation.newton_raphson`: enough for a start that wanders
        before it converges, or falls into a cycle, to show it).

    Examples
    --------
    >>> explorer = newton_explorer(lambda x: x**2 - 2, lambda x: 2 * x, x0=2.0, x_range=(0, 3))
    >>> explorer.shown["steps"], explorer.shown["x"]
    (0, 2.0)
    >>> explorer.buttons["step"].click()
    >>> explorer.shown["x"]                   # 2 − (4 − 2)/4
    1.5
    """
    low, high = map(float, x_range)
    controls = {
        "x0": float_slider("start x₀", x0, low, high, (high - low) / 200),
        "steps": widgets.IntSlider(
            value=0,
            min=0,
            max=int(max_steps),
            description="Newton steps drawn",
            style=LABEL_STYLE,
            layout=slider_layout(),
        ),
    }

    def build(figure: Figure) -> Scene:
        return NewtonScene(figure.subplots(), f, df, x_range, y_range, fate_steps=int(max_steps))

    def fate(s: dict) -> str:
        far = (
            f", reaching |x| = {s['fate_largest']:.3g} on the way"
            if s["fate_largest"] > 2 * max(abs(low), abs(high))
            else ""
        )
        return {
            "converged": f"converges to {s['fate_x']:.10g} in {s['fate_steps']} steps{far}",
            "cycle": f"falls into a cycle: after {s['fate_steps']} steps it is back at an "
            f"earlier point{far}",
            "divergence": f"diverges: |x| passes {DEFAULT_BOUND:.0e} after {s['fate_steps']} steps",
            "zero derivative": f"meets a flat tangent (f′ = 0) after {s['fate_steps']} steps",
            "iteration cap": f"is still going after {s['fate_steps']} steps{far}",
        }[s["fate"]]

    def readout(s: dict) -> str:
        path = ", ".join(f"{x:.6g}" for x in s["path"][-4:])
        more = "…, " if len(s["path"]) > 4 else ""
        return (
            f"x₀ = {s['x0']:.3f}; after {s['taken']} step(s): x = <b>{s['x']:.10g}</b>, "
            f"f(x) = {s['f']:.3e}<br>iterates: {more}{path}<br>"
            f"{html.escape(_REASON_TEXT[s['reason']])}<br>"
            f"run to the end (at most {int(max_steps)} steps), this start "
            f"{html.escape(fate(s))}"
        )

    return NewtonExplorer(
        build,
        controls,
        readout=readout,
        title="Newton-Raphson step by step",
        caption=(
            "The curve y = f(x) as a solid blue line over the x axis. From the start x₀, each "
            "step follows the tangent at the current point (purple: earlier tangents dotted, "
            "the latest solid) down to where it crosses the axis; that crossing, a red dot on "
            "the axis, is the next x, and a grey dashed line leads back up to the curve. "
            "A black dot marks the latest point on the curve."
        ),
        figsize=(6.4, 3.8),
    )


class DescentExplorer(Explorer):
    """Gradient descent on a chosen landscape: start point and step size sliders.

    Choosing a landscape redraws the map and resets the sliders to its box, its
    suggested start and its step sizes (the step slider is logarithmic: every click
    multiplies η by the same factor).
    """

    def __init__(self, landscape: str = "elongated bowl", max_steps: int = 60):
        self.max_steps = int(max_steps)
        controls = {
            "landscape": choice("landscape", DESCENT_LANDSCAPES, landscape),
            "x": float_slider("start x", 0.0, 0.0, 1.0, 0.01),
            "y": float_slider("start y", 0.0, 0.0, 1.0, 0.01),
            "step": widgets.FloatLogSlider(
                value=1.0,
                base=10,
                min=-1,
                max=1,
                step=0.02,
                description="step size η",
                style=LABEL_STYLE,
                layout=slider_layout(),
                readout_format=".3g",
            ),
        }
        super().__init__(
            self._build,
            controls,
            readout=self._describe,
            rebuild_on=("landscape",),
            title="Gradient descent: start point and step size",
            caption=(
                "Left: a contour map of the landscape, darker where lower, with its minima as "
                "red stars. The path of gradient descent runs from the start (a white square) "
                "through each step (small cyan dots joined by a line) to the end (a yellow "
                "diamond). Right: f at each step against the step number. A small step size "
                "creeps smoothly downhill; a larger one zig-zags across the valley; on the real "
                "volcano a step can also bounce between the same slopes for ever; too large a "
                "step overshoots further each time and the path leaves the map."
            ),
            figsize=(9.6, 4.0),
        )

    def _build(self, figure: Figure, landscape: str) -> Scene:
        """Draw the chosen landscape and fit the sliders to it: its box, its suggested
        start and its step sizes (the Explorer runs this paused, then refreshes)."""
        self._land = land = descent_landscape(landscape)
        for key, (low, high), value in zip(("x", "y"), land.bounds, land.start, strict=True):
            self.set_range(self.controls[key], low, high, value, step=(high - low) / 200)
            unit = f" ({land.unit})" if land.unit else ""
            self.controls[key].description = f"start {key}{unit}"
        exponents = np.log10(land.step_range)
        self.set_range(
            self.controls["step"],
            *land.step_range,
            land.step,
            step=(exponents[1] - exponents[0]) / 100,
        )
        return DescentScene(figure.subplots(1, 2, width_ratios=(1.35, 1)), land, self.max_steps)

    def _describe(self, s: dict) -> str:
        unit = f" {self._land.unit}" if self._land.unit else ""
        x, y = s["start"]
        ex, ey = s["end"]
        regime = {
            "converges": "converges smoothly",
            "oscillates": "oscillates (zig-zags)",
            "cycles": "cycles: bounces between the same points for ever, bounded but never "
            "settling",
            "diverges": "diverges (overshoots further each step)",
        }[s["regime"]]
        if s["reason"] == "left the region":
            regime = "jumps off the map"
        elif s["regime"] == "oscillates" and s["reason"] == "iteration cap":
            regime = "oscillates (zig-zags) and has not settled"
        text = (
            f"η = {s['step']:.3g}, start ({x:.3g}, {y:.3g}){unit}: "
            f"<b>{regime}</b><br>after {s['iterations']} steps at "
            f"({ex:.4g}, {ey:.4g}){unit}, f = {s['f_end']:.5g}"
        )
        if np.isfinite(s["gradient_norm"]):
            text += f", |∇f| = {s['gradient_norm']:.2e}"
        reason = {
            "converged": "✓ converged: |∇f| fell below the tolerance, a flat point",
            "iteration cap": f"all {self.max_steps} steps drawn are used up, and |∇f| is "
            "still above the tolerance",
        }.get(s["reason"], _REASON_TEXT[s["reason"]])
        return text + f"<br>{html.escape(reason)}"


def descent_explorer(landscape: str = "elongated bowl", max_steps: int = 60) -> DescentExplorer:
    """Gradient descent on a 2-D landscape with start-point and step-size sliders.

    Landscapes (:data:`mmlcalc.optimisation.DESCENT_LANDSCAPES`): the elongated bowl
    (x² + 10y²)/2, where η < 0.1 converges smoothly, 0.1 < η < 0.2 oscillates and
    η > 0.2 diverges; two valleys of different depths; and the real volcano, Maunga
    Whau, where descending leads into the crater or down to the foot.

    Parameters
    ----------
    landscape : str
        The landscape shown first.
    max_steps : int
        The most steps drawn (the iteration cap of each run).

    Examples
    --------
    >>> explorer = descent_explorer("elongated bowl")
    >>> explorer.controls["step"].value = 0.15
    >>> explorer.shown["regime"]
    'oscillates'
    >>> explorer.controls["landscape"].value = "volcano"
    >>> explorer.shown["regime"], explorer.controls["x"].max
    ('converges', 600.0)
    """
    return DescentExplorer(landscape, max_steps)


def constraint_explorer(
    f: Callable,
    grad_f: Callable,
    curve: Callable,
    grad_g: Callable,
    t: float = 0.5,
    t_range: Sequence[float] = (0.0, 2 * np.pi),
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
) -> Explorer:
    """Move a point along a constraint curve and compare the directions of ∇f and ∇g.

    Parameters
    ----------
    f, grad_f : callable
        The objective f(p) and its gradient, shape ``(2,)``; f vectorised by indexing.
    curve : callable
        ``curve(t) -> (x, y)``: the constraint g(x, y) = 0 as a parametrised curve.
    grad_g : callable
        The gradient of the constraint function g, shape ``(2,)``.
    t, t_range : float, (float, float)
        The slider's start and range.
    bounds : ((float, float), (float, float))
        The map's extent.

    Examples
    --------
    >>> explorer = constraint_explorer(lambda p: p[0] + p[1], lambda p: np.array([1.0, 1.0]),
    ...                                lambda t: (np.cos(t), np.sin(t)), lambda p: 2 * p, t=0.0)
    >>> round(explorer.shown["angle_deg"], 6)        # ∇f = (1, 1), ∇g = (2, 0): 45°
    45.0
    >>> explorer.controls["t"].value = np.pi / 4
    >>> abs(explorer.shown["sine"]) < 1e-12, round(explorer.shown["lambda"], 4)   # λ = 1/√2
    (True, 0.7071)
    """
    controls = {
        "t": float_slider("t (position along the constraint)", t, t_range[0], t_range[1], 0.01)
    }

    def build(figure: Figure) -> Scene:
        return ConstraintScene(
            figure.subplots(1, 2, width_ratios=(1.2, 1)),
            f,
            grad_f,
            curve,
            grad_g,
            t_range,
            bounds,
        )

    def readout(s: dict) -> str:
        x, y = s["point"]
        (fx, fy), (gx, gy) = s["grad_f"], s["grad_g"]
        text = (
            f"at ({x:.3f}, {y:.3f}): f = {s['f']:.4f} &nbsp; ∇f = [{fx:.3f}, {fy:.3f}], "
            f"∇g = [{gx:.3f}, {gy:.3f}]<br>"
        )
        if s["flat"]:
            # the angle of a vanishing vector means nothing: say what holds instead
            return text + (
                f"|∇f| = {s['grad_f_norm']:.3f} ≈ 0 (below 1 % of its largest value on the "
                f"curve): f itself is flat here<br><b>∇f ≈ 0 = 0 · ∇g, so λ ≈ "
                f"{s['lambda']:.4f} (λ = 0): a stationary point of f on the constraint</b>"
            )
        text += (
            f"angle between them {s['angle_deg']:.1f}°, sin(angle) = {s['sine']:.3f}; "
            f"f changes at {s['rate']:+.3f} per unit length along the curve"
        )
        if abs(s["sine"]) < 0.01:
            text += (
                f"<br><b>∇f ∥ ∇g: ∇f = λ∇g with λ ≈ {s['lambda']:.4f}, a stationary point of f "
                "on the constraint</b>"
            )
        return text

    return Explorer(
        build,
        controls,
        readout=readout,
        title="Lagrange multipliers: where ∇f lines up with ∇g",
        caption=(
            "Left: contour lines of f with the constraint curve as a green dash-dotted line. "
            "A black dot moves along the curve; at it, a thin red arrow shows ∇f (its length "
            "grows with |∇f|, never below a quarter of the full length) over a wide cyan arrow "
            "showing the direction of ∇g. Where ∇f is almost zero no red arrow is drawn and "
            "a red ring circles the point. "
            "Right: the value of f along the curve against the position t, with the same point. "
            "Where the two arrows are parallel, or ∇f vanishes (the ring), the right panel is at "
            "a peak or a trough."
        ),
        figsize=(9.6, 4.2),
    )
