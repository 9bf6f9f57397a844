"""Week 3 explorers: one neuron, the chain rule along a path, and training a small network.

Taught in ``notebooks/03_chain_rule_and_neural_networks.ipynb``; the scenes they move
are in :mod:`mmlcalc.plotting.neural`, the numerics in :mod:`mmlcalc.neural`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from mmlcalc.neural import ACTIVATIONS, TARGETS, target_curve
from mmlcalc.plotting.base import Scene
from mmlcalc.plotting.neural import ChainRuleScene, NeuronScene, TrainingScene
from mmlcalc.widgets.base import LABEL_STYLE, Explorer, choice, float_slider

__all__ = [
    "LEARNING_RATES",
    "TrainingExplorer",
    "chain_rule_explorer",
    "neuron_explorer",
    "training_explorer",
]


#: The learning rates of the training explorer's slider, from crawling (0.001) to
#: diverging at once (3) for the targets on −1 ≤ x ≤ 1.
LEARNING_RATES = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    1.0,
    1.5,
    2.0,
    3.0,
)


#: The ends of the training explorer's step axis: the first that holds the steps taken.
COST_WINDOWS = (100, 300, 1000, 3000)


def neuron_explorer(w: float = 1.0, b: float = 0.0, activation: str = "sigmoid") -> Explorer:
    """Move the weight and bias of one neuron a = σ(w x + b) and choose its activation σ.

    Examples
    --------
    >>> explorer = neuron_explorer(w=2.0, b=-1.0)
    >>> explorer.shown["middle"]            # where 2x − 1 = 0
    0.5
    >>> explorer.controls["w"].value = -4.0
    >>> explorer.shown["slope_at_middle"]   # σ'(0)·w = 0.25 × (−4)
    -1.0
    """
    controls = {
        "activation": choice("activation σ", ACTIVATIONS, activation),
        "w": float_slider("weight w (steepness)", w, -5.0, 5.0, 0.1),
        "b": float_slider("bias b (shift)", b, -5.0, 5.0, 0.1),
    }

    def build(figure: Figure, activation: str) -> Scene:
        return NeuronScene(figure.subplots(), activation)

    def readout(s: dict) -> str:
        if s["w"] == 0:
            return (
                f"w = 0: the neuron ignores its input, a = σ(b) = {s['output_at_0']:.3f} everywhere"
            )
        if s["kink"]:  # ReLU: no slope at its kink, only one on each side
            slope = (
                f"a kink there: slope da/dx = {s['slope_left']:.3f} just left of it, "
                f"{s['slope_right']:.3f} just right"
            )
        else:
            slope = f"slope there da/dx = σ′(0)·w = {s['slope_at_middle']:.3f}"
        return (
            f"middle of the neuron (z = 0) at x = −b/w = <b>{s['middle']:.3f}</b> &nbsp; "
            f"{slope} &nbsp; a at x = 0: {s['output_at_0']:.3f}"
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        rebuild_on=("activation",),
        title="One neuron: a = σ(w x + b)",
        caption=(
            "The output a of one neuron against its input x, as a solid line, over the chosen "
            "activation σ(x) itself as a grey dashed guide. A dot and a vertical line mark the "
            "neuron's middle, where w x + b = 0. The weight changes how steep the curve is and "
            "flips it when negative; the bias slides it left or right."
        ),
        figsize=(6.4, 3.6),
    )


def chain_rule_explorer(
    path: Callable,
    d_path: Callable,
    g: Callable,
    grad_g: Callable,
    t: float = 1.0,
    t_range: Sequence[float] = (0.0, 2 * np.pi),
) -> Explorer:
    """Move a point along a path x(t) and watch J_g (a row) times J_x (a column) give dh/dt.

    The composition is t ↦ x(t) = (x, y) ↦ h(t) = g(x, y); the chain rule says
    dh/dt = J_g J_x = ∂g/∂x · dx/dt + ∂g/∂y · dy/dt.

    Parameters
    ----------
    path : callable
        ``path(t) -> (x, y)``, vectorised over t.
    d_path : callable
        ``d_path(t) -> (dx/dt, dy/dt)``.
    g : callable
        ``g(x, y)``, vectorised.
    grad_g : callable
        ``grad_g(x, y) -> (∂g/∂x, ∂g/∂y)``.

    Examples
    --------
    >>> explorer = chain_rule_explorer(lambda t: (np.cos(t), np.sin(t)),
    ...                                lambda t: (-np.sin(t), np.cos(t)),
    ...                                lambda x, y: x**2 + 2 * y**2,
    ...                                lambda x, y: (2 * x, 4 * y), t=0.0)
    >>> explorer.controls["t"].value = np.pi / 4
    >>> round(explorer.shown["dh_dt"], 6)      # h = 1 + sin² t, h′ = sin 2t
    1.0
    """
    controls = {"t": float_slider("t (position along the path)", t, t_range[0], t_range[1], 0.02)}

    def build(figure: Figure) -> Scene:
        return ChainRuleScene(figure.subplots(1, 2), path, d_path, g, grad_g, t_range)

    def readout(s: dict) -> str:
        (gx, gy), (vx, vy) = s["J_g"], s["J_path"]
        return (
            f"t = {s['t']:.2f}, x(t) = ({s['x']:.3f}, {s['y']:.3f})<br>"
            f"J_g J_x = [{gx:.3f}, {gy:.3f}] · [{vx:.3f}, {vy:.3f}]ᵀ = {gx:.3f}×{vx:.3f} + "
            f"{gy:.3f}×{vy:.3f} = <b>{s['dh_dt']:.4f}</b> &nbsp; "
            f"(central difference of h: {s['dh_dt_numeric']:.4f})"
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        title="The chain rule along a path",
        caption=(
            "Left: contour lines of g(x, y) with a green dash-dotted path through them and a "
            "point on the path. "
            "A solid blue arrow shows the point's velocity dx/dt, a hollow red arrow the "
            "gradient of g. "
            "Right: h(t) = g(x(t)), the height of g seen by the moving point, with a dot at t "
            "and its dotted tangent, whose slope is the product of the two Jacobians. Where the "
            "two arrows are perpendicular the point moves along a contour and the slope is 0."
        ),
        figsize=(9.6, 4.2),
    )


class TrainingExplorer(Explorer):
    """An :class:`Explorer` of a :class:`~mmlcalc.plotting.neural.TrainingScene` with buttons.

    The control ``steps`` holds the number of training steps taken; the buttons
    move it: *Step* (+1), *Run 100 steps* (+100) and *Reset* (back to 0). Each
    press trains only the new steps (the scene resumes its trainer), so the
    notebook stays responsive.

    Attributes
    ----------
    buttons : dict of str to ipywidgets.Button
        ``"step"``, ``"run"`` and ``"reset"``.
    """

    def __init__(self, *args, run_length: int = 100, **kwargs):
        self.run_length = int(run_length)
        self.buttons = {
            "step": widgets.Button(
                description="Step", icon="step-forward", tooltip="take one step of gradient descent"
            ),
            "run": widgets.Button(
                description=f"Run {self.run_length} steps",
                icon="play",
                tooltip=f"take {self.run_length} steps of gradient descent",
            ),
            "reset": widgets.Button(
                description="Reset", icon="undo", tooltip="back to the untrained network (step 0)"
            ),
        }
        self.buttons["step"].on_click(lambda _: self._advance(1))
        self.buttons["run"].on_click(lambda _: self._advance(self.run_length))
        self.buttons["reset"].on_click(lambda _: setattr(self.controls["steps"], "value", 0))
        super().__init__(*args, extra=[widgets.HBox(list(self.buttons.values()))], **kwargs)

    def _advance(self, n: int) -> None:
        steps = self.controls["steps"]
        steps.value = min(steps.value + n, steps.max)


def training_explorer(
    target: str = "sine wave",
    width: int = 6,
    learning_rate: float = 0.3,
    n_examples: int = 41,
    max_steps: int = 3000,
    hidden_activation: str = "tanh",
    seed: int = 0,
) -> TrainingExplorer:
    """Train a network with one hidden layer on a target curve, step by step.

    Controls: the target, the hidden width, the learning rate η and the number of
    steps taken (moved by the Step / Run 100 steps / Reset buttons). The picture
    depends only on those values: the same seeded start is trained for that many
    steps (resumed when only the step count grows).

    Parameters
    ----------
    target : str
        One of :data:`mmlcalc.neural.TARGETS`.
    width, learning_rate : int, float
        Where the controls start.
    n_examples : int
        Evenly spaced training examples on −1 ≤ x ≤ 1.
    max_steps : int
        The most steps the explorer trains (the end of the cost axis).
    hidden_activation : str
    seed : int
        Seed of the network's starting weights.

    Examples
    --------
    >>> explorer = training_explorer(width=4, learning_rate=0.3)
    >>> explorer.shown["steps"], explorer.shown["n_parameters"]   # 4 + 4 + 4 + 1
    (0, 13)
    >>> explorer.buttons["run"].click()
    >>> explorer.shown["steps"], explorer.shown["cost"] < explorer.shown["start_cost"]
    (100, True)
    """
    controls = {
        "target": choice("target curve", TARGETS, target),
        "width": widgets.IntSlider(
            value=width,
            min=1,
            max=16,
            description="hidden width",
            style=LABEL_STYLE,
            continuous_update=False,
        ),
        # a slider over round values, so every rate the lecture names can be set exactly
        "learning_rate": widgets.SelectionSlider(
            options=[(f"{eta:g}", eta) for eta in LEARNING_RATES],
            value=min(LEARNING_RATES, key=lambda eta: abs(np.log(eta / learning_rate))),
            description="learning rate η",
            style=LABEL_STYLE,
            continuous_update=False,
            layout=widgets.Layout(width="460px"),
        ),
        "steps": widgets.IntSlider(
            value=0,
            min=0,
            max=max_steps,
            description="training steps taken",
            style=LABEL_STYLE,
            continuous_update=False,
            layout=widgets.Layout(width="460px"),
        ),
    }

    # The cost axis ends at the first of these windows that holds the steps taken, so the
    # curve fills the panel; crossing a window's end (or Reset) redraws the whole figure
    # once, keeping the training done so far.
    windows = sorted({*(w for w in COST_WINDOWS if w < max_steps), max_steps})

    def window(steps: int) -> int:
        return next(w for w in windows if w >= steps)

    built: dict = {}  # the last scene and its target, to carry the trainer across a rebuild

    def build(figure: Figure, target: str) -> Scene:
        X, Y = target_curve(target, n_examples)
        scene = TrainingScene(
            figure.subplots(1, 2),
            X,
            Y,
            TARGETS[target],
            hidden_activation=hidden_activation,
            max_steps=window(controls["steps"].value),
            seed=seed,
        )
        if built.get("target") == target:
            scene.trainer, scene.key = built["scene"].trainer, built["scene"].key
        built.update(scene=scene, target=target)
        return scene

    def fit_cost_axis(change) -> None:
        # registered before the Explorer's own observer: the figure is redrawn with the
        # new window, then the Explorer's refresh draws the steps on it
        if "explorer" in built and window(change["new"]) != built["scene"].max_steps:
            built["explorer"].rebuild()

    controls["steps"].observe(fit_cost_axis, names="value")

    def readout(s: dict) -> str:
        text = (
            f"{s['width']} hidden neurons, {s['n_parameters']} parameters, η = "
            f"{s['learning_rate']:.3g}: after <b>{s['steps']}</b> steps the cost is "
            f"<b>{s['cost']:.3e}</b> (it started at {s['start_cost']:.3e})"
        )
        if s["diverged"]:
            text += (
                "<br>⚠ Training diverged: the learning rate is too large, each step "
                "overshoots and the cost grows. Lower η."
            )
        return text

    built["explorer"] = TrainingExplorer(
        build,
        controls,
        readout=readout,
        rebuild_on=("target",),
        title="Training a small network by gradient descent",
        caption=(
            "Left: the target curve as a grey dashed line, the training examples as black dots "
            "and the network's current output as a solid blue line. Right: the cost after each "
            "training step so far, on a logarithmic axis, with a dot at the latest step. "
            "Pressing Step or Run moves the blue curve towards the dots and extends the cost "
            "curve to the right; the step axis grows (100, 300, 1000, 3000 steps) as training "
            "goes on."
        ),
        figsize=(9.6, 3.8),
    )
    return built["explorer"]
