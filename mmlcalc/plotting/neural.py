"""Week 3 figures: one neuron, the chain rule along a path, a network diagram and training.

Taught in ``notebooks/03_chain_rule_and_neural_networks.ipynb``; the explorers that
move these scenes are in :mod:`mmlcalc.widgets.neural`. Shapes follow
:mod:`mmlcalc.neural`: examples are columns, ``X`` has shape (n_inputs, n_examples).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mmlcalc.neural import Trainer, activation
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
    "COST_LIMITS",
    "ChainRuleScene",
    "NeuronScene",
    "TrainingScene",
    "plot_chain_rule",
    "plot_network",
    "plot_neuron",
    "plot_training",
]

#: y limits of each activation's neuron plot: its range with a margin (ReLU and the
#: identity are unbounded, so they show the part that a weight up to 3 reaches).
_NEURON_LIMITS = {
    "sigmoid": (-0.1, 1.1),
    "tanh": (-1.15, 1.15),
    "relu": (-0.5, 4.0),
    "identity": (-4.0, 4.0),
}


class NeuronScene(Scene):
    """One neuron with one input: a = σ(w x + b), against the plain σ(x) as a grey guide.

    The weight stretches the S (a larger |w| makes it steeper; a negative w flips
    it) and the bias shifts it: the neuron's middle, where z = w x + b = 0, is at
    x = −b/w.
    """

    def __init__(
        self, ax: Axes, activation_name: str = "sigmoid", x_range: Sequence[float] = (-4.0, 4.0)
    ):
        self.ax = ax
        self.name = activation_name
        self.sigma, self.d_sigma = activation(activation_name)
        self.x = x_grid(x_range)
        ax.plot(
            self.x,
            self.sigma(self.x),
            label=f"{activation_name}(x): w = 1, b = 0",
            **ROLES["guide"],
        )
        ax.set_xlim(self.x[0], self.x[-1])
        ax.set_ylim(*_NEURON_LIMITS.get(activation_name, (-2.0, 2.0)))
        ax.set_xlabel("input x")
        ax.set_ylabel("output a")
        ax.set_title(f"One neuron: a = {activation_name}(w·x + b)")
        (self.curve,) = ax.plot([], [], label="a = σ(w·x + b)", **ROLES["function"])
        self.middle = ax.axvline(
            0.0, label="middle, where w·x + b = 0", **{**ROLES["guide"], "color": PALETTE["red"]}
        )
        (self.point,) = ax.plot([], [], **ROLES["point"])
        # under the panel: inside it, the legend would cover the curve for some w and b
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, fontsize=8)
        self.artists = [self.curve, self.middle, self.point]

    def update(self, w: float = 1.0, b: float = 0.0) -> dict:
        w, b = float(w), float(b)
        self.curve.set_data(self.x, self.sigma(w * self.x + b))
        shown = {"w": w, "b": b, "activation": self.name, "kink": False}
        if w != 0:
            middle = -b / w
            self.middle.set_xdata([middle, middle])
            self.middle.set_visible(True)
            self.point.set_data([middle], [float(self.sigma(0.0))])
            # da/dx = σ'(z)·w by the chain rule; at the middle z = 0. ReLU has a kink
            # there (no derivative): its slopes just left and right of the middle are given
            shown.update(middle=middle, slope_at_middle=float(self.d_sigma(0.0)) * w)
            if self.name == "relu":
                below, above = float(self.d_sigma(-1.0)), float(self.d_sigma(1.0))
                # left of the middle z < 0 when w > 0, z > 0 when w < 0
                left, right = (below, above) if w > 0 else (above, below)
                shown.update(kink=True, slope_left=left * w, slope_right=right * w)
        else:  # a flat neuron: a = σ(b) everywhere, there is no middle
            self.middle.set_visible(False)
            self.point.set_data([], [])
            shown.update(middle=float("nan"), slope_at_middle=0.0)
        shown["output_at_0"] = float(self.sigma(b))
        return shown


def plot_neuron(
    w: float,
    b: float,
    activation_name: str = "sigmoid",
    ax: Axes | None = None,
    x_range: Sequence[float] = (-4.0, 4.0),
) -> Axes:
    """Draw the output a = σ(w x + b) of one neuron against its input x.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_neuron(2.0, -1.0, "sigmoid", ax=Figure().subplots())
    >>> ax.lines[2].get_xdata()      # the middle, where 2x − 1 = 0
    [0.5, 0.5]
    """
    scene = NeuronScene(get_axes(ax), activation_name, x_range)
    scene.update(w=w, b=b)
    return scene.ax


class ChainRuleScene(Scene):
    """A point moving along a path x(t) over the contours of g, and h(t) = g(x(t)).

    Left: the contour map of g(x, y) with the path, the point x(t), its velocity
    dx/dt (J_x, a column) and the gradient of g (J_g, a row) as arrows. Right:
    h(t) with its tangent, whose slope is the product J_g J_x.

    Parameters
    ----------
    axes : two Axes
    path : callable
        ``path(t) -> (x, y)``, vectorised over an array of t.
    d_path : callable
        ``d_path(t) -> (dx/dt, dy/dt)``: the Jacobian of the path, a column of shape (2, 1).
    g : callable
        ``g(x, y) -> value``, vectorised over arrays.
    grad_g : callable
        ``grad_g(x, y) -> (∂g/∂x, ∂g/∂y)``: the Jacobian row of g, shape (2,).
    t_range : (float, float)
    arrow_scale : (float, float)
        The velocity and the gradient arrows are drawn at these fractions of their
        lengths, so both fit the map (the legend states them; the readout has the
        true numbers).
    """

    def __init__(
        self,
        axes: Sequence[Axes],
        path: Callable,
        d_path: Callable,
        g: Callable,
        grad_g: Callable,
        t_range: Sequence[float] = (0.0, 2 * np.pi),
        arrow_scale: tuple[float, float] = (0.5, 0.25),
    ):
        self.left, self.right = axes
        self.path, self.d_path, self.g, self.grad_g = path, d_path, g, grad_g
        self.velocity_scale, self.gradient_scale = (float(v) for v in arrow_scale)
        self.t = x_grid(t_range, 300)
        px, py = (np.asarray(v, dtype=float) for v in path(self.t))
        xlim, ylim = padded_limits(px, 0.45), padded_limits(py, 0.45)
        gx, gy = np.meshgrid(np.linspace(*xlim, 120), np.linspace(*ylim, 120))
        contours = self.left.contour(
            gx, gy, g(gx, gy), levels=12, colors=PALETTE["black"], linewidths=0.6, alpha=0.55
        )
        self.left.clabel(contours, fontsize=7, fmt="%.2g")
        self.left.plot(px, py, label="path x(t)", **ROLES["secant"])
        self.left.set_xlim(*xlim)
        self.left.set_ylim(*ylim)
        self.left.set_aspect("equal", adjustable="box")
        self.left.set_xlabel("x")
        self.left.set_ylabel("y")
        self.left.set_title("The path over the contours of g")
        # the velocity arrow is solid blue, the gradient arrow a hollow red outline: they
        # differ by more than their colour (and one quiver draws both, which is fast)
        self.arrows = self.left.quiver(
            [0.0, 0.0],
            [0.0, 0.0],
            [0.0, 0.0],
            [0.0, 0.0],
            angles="xy",
            scale_units="xy",
            scale=1.0,
            width=0.014,
            zorder=4,
        )
        self.arrows.set_facecolor([PALETTE["blue"], "none"])
        self.arrows.set_edgecolor([PALETTE["blue"], PALETTE["red"]])
        self.arrows.set_linewidth([0.5, 1.8])
        (self.point,) = self.left.plot([], [], zorder=5, **ROLES["point"])
        # legend entries for the two arrows (quiver draws no legend handle itself)
        self.left.fill(
            [],
            [],
            facecolor=PALETTE["blue"],
            edgecolor=PALETTE["blue"],
            label=f"v: velocity dx/dt, solid (× {self.velocity_scale:g})",
        )
        self.left.fill(
            [],
            [],
            facecolor="none",
            edgecolor=PALETTE["red"],
            linewidth=1.8,
            label=f"∇g: gradient of g, hollow (× {self.gradient_scale:g})",
        )
        self.left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2, fontsize=8)
        h = np.asarray(g(px, py), dtype=float)
        self.right.plot(self.t, h, label="h(t) = g(x(t))", **ROLES["function"])
        self.right.set_xlim(self.t[0], self.t[-1])
        self.right.set_ylim(*padded_limits(h, 0.2))
        self.right.set_xlabel("t")
        self.right.set_title(r"h(t) and its tangent, slope $J_g\,J_{\mathbf{x}}$")
        (self.tangent,) = self.right.plot([], [], label="tangent", **ROLES["tangent"])
        (self.h_point,) = self.right.plot([], [], **ROLES["point"])
        # under the panel, like the map's: inside, the tangent would run through it
        self.right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2, fontsize=8)
        self.artists = [self.arrows, self.point, self.tangent, self.h_point]

    def update(self, t: float = 1.0) -> dict:
        t = float(t)
        x, y = (float(v) for v in self.path(t))
        J_path = np.array([float(v) for v in self.d_path(t)])  # column (dx/dt, dy/dt)
        J_g = np.array([float(v) for v in self.grad_g(x, y)])  # row (∂g/∂x, ∂g/∂y)
        product = float(J_g @ J_path)
        s, r = self.velocity_scale, self.gradient_scale
        self.arrows.set_offsets([[x, y], [x, y]])
        self.arrows.set_UVC([s * J_path[0], r * J_g[0]], [s * J_path[1], r * J_g[1]])
        self.point.set_data([x], [y])
        h = float(self.g(x, y))
        # the tangent is drawn 0.12 of the t range either side of t, shortened where it is
        # steep so that it rises or falls at most 0.3 of the height of the panel
        low, high = self.right.get_ylim()
        half = 0.12 * (self.t[-1] - self.t[0])
        if product != 0:
            half = min(half, 0.3 * (high - low) / abs(product))
        ts = np.array([t - half, t + half])
        self.tangent.set_data(ts, h + product * (ts - t))
        self.h_point.set_data([t], [h])
        # an independent check of the product: the central difference of h at t
        # (step 1e-5, error about 1e-10 for the smooth examples of the lecture)
        step = 1e-5
        up, down = self.path(t + step), self.path(t - step)
        numeric = (float(self.g(*up)) - float(self.g(*down))) / (2 * step)
        return {
            "t": t,
            "x": x,
            "y": y,
            "h": h,
            "J_path": J_path,
            "J_g": J_g,
            "dh_dt": product,
            "dh_dt_numeric": numeric,
        }


def plot_chain_rule(
    path, d_path, g, grad_g, t: float, t_range=(0.0, 2 * np.pi), figure: Figure | None = None
) -> Figure:
    """Draw the chain-rule figure (path over contours; h(t) with its tangent) at ``t``.

    Returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> left, right = plot_chain_rule(lambda t: (np.cos(t), np.sin(t)),
    ...                               lambda t: (-np.sin(t), np.cos(t)),
    ...                               lambda x, y: x**2 + 2 * y**2,
    ...                               lambda x, y: (2 * x, 4 * y), 0.0,
    ...                               figure=Figure()).axes
    >>> right.lines[-1].get_ydata()     # h(0) = g(1, 0) = 1
    [1.0]
    """
    figure = get_figure(figure, figsize=(9.6, 4.0))
    with course_style():
        scene = ChainRuleScene(figure.subplots(1, 2), path, d_path, g, grad_g, t_range)
    scene.update(t=t)
    return figure


def plot_network(sizes: Sequence[int], ax: Axes | None = None) -> Axes:
    """Draw a fully connected network: a column of neurons per layer, each W's shape labelled.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_network([2, 3, 1], ax=Figure().subplots())
    >>> [text.get_text() for text in ax.texts if text.get_text().startswith("W")]
    ['W⁽¹⁾: (3, 2)', 'W⁽²⁾: (1, 3)']
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two layer widths, each at least 1: {sizes}")
    ax = get_axes(ax)
    superscripts = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    tallest = max(sizes)
    positions = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in sizes]
    for layer in range(len(sizes) - 1):
        for y0 in positions[layer]:
            for y1 in positions[layer + 1]:
                ax.plot(
                    [layer, layer + 1],
                    [y0, y1],
                    color=PALETTE["grey"],
                    linewidth=0.8,
                    linestyle="-",
                )
        shape = f"W⁽{str(layer + 1).translate(superscripts)}⁾: ({sizes[layer + 1]}, {sizes[layer]})"
        ax.text(layer + 0.5, tallest / 2 + 0.25, shape, ha="center", fontsize=9)
    for layer, ys in enumerate(positions):
        role = "input" if layer == 0 else "output" if layer == len(sizes) - 1 else "hidden"
        colour = {"input": PALETTE["cyan"], "hidden": PALETTE["blue"], "output": PALETTE["red"]}
        marker = {"input": "s", "hidden": "o", "output": "D"}[role]
        ax.plot(
            np.full(ys.shape, layer),
            ys,
            marker=marker,
            markersize=14,
            linestyle="none",
            color=colour[role],
            markeredgecolor=PALETTE["black"],
            zorder=3,
        )
        ax.text(
            layer,
            -tallest / 2 - 0.35,
            f"{role}\nn = {sizes[layer]}",
            ha="center",
            va="top",
            fontsize=9,
        )
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-tallest / 2 - 1.1, tallest / 2 + 0.7)
    ax.set_axis_off()
    ax.set_title("A fully connected network: A⁽ˡ⁾ = σ(W⁽ˡ⁾ A⁽ˡ⁻¹⁾ + b⁽ˡ⁾)")
    return ax


#: The cost axis of the training figure (log scale). The targets lie in [−1, 1], so
#: a constant guess costs at most 2 and a random start rarely more than a few; 1e2
#: leaves room above. At the bottom, 1e-5 is a root-mean-square error of
#: √(2·1e-5) ≈ 0.0045, a fit the eye cannot tell from the target.
COST_LIMITS = (1e-5, 1e2)


class TrainingScene(Scene):
    """A network with one hidden layer learning a 1-D target by gradient descent.

    Left: the target curve, the training examples and the network's current fit.
    Right: the cost after each step so far (log scale). ``update(width,
    learning_rate, steps)`` shows the network of that hidden width after
    ``steps`` steps at that learning rate, always from the same seeded start:
    when only ``steps`` grows it resumes the training it has, otherwise it starts
    again, so the picture depends only on the three numbers.

    Parameters
    ----------
    axes : two Axes
    X, Y : arrays of shape (1, m)
        The training examples (one input, one output; examples are columns).
    target : callable, optional
        The exact target curve, drawn as a guide.
    hidden_activation : str
        The hidden layer's activation; the output layer is the identity, so the
        network can reach any value.
    max_steps : int
        The right end of the cost axis.
    seed : int
        Seed of :func:`mmlcalc.neural.init_network`.
    """

    def __init__(
        self,
        axes: Sequence[Axes],
        X,
        Y,
        target: Callable | None = None,
        hidden_activation: str = "tanh",
        max_steps: int = 3000,
        seed: int = 0,
    ):
        self.left, self.right = axes
        self.X, self.Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if self.X.ndim != 2 or self.X.shape[0] != 1 or self.Y.shape != self.X.shape:
            raise ValueError(
                "X and Y should both have shape (1, n_examples): one input, one output, "
                f"examples as columns; got {self.X.shape} and {self.Y.shape}"
            )
        self.activations = [hidden_activation, "identity"]
        self.seed, self.max_steps = seed, int(max_steps)
        self.trainer: Trainer | None = None
        self.key = None
        self.grid = x_grid(padded_limits(self.X[0], 0.04), 200)
        if target is not None:
            self.left.plot(self.grid, target(self.grid), label="target", **ROLES["guide"])
        self.left.plot(
            self.X[0],
            self.Y[0],
            marker="o",
            markersize=4,
            linestyle="none",
            color=PALETTE["black"],
            label="training examples",
        )
        (self.fit,) = self.left.plot([], [], label="network", **ROLES["function"])
        self.left.set_xlim(self.grid[0], self.grid[-1])
        self.left.set_ylim(*padded_limits(self.Y[0], 0.3))
        self.left.set_xlabel("input x")
        self.left.set_ylabel("output")
        self.left.set_title("The network's fit")
        # below the panel: inside it, a legend would cover examples of some target
        self.left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize=8)
        (self.cost_curve,) = self.right.semilogy([], [], label="cost", **ROLES["derivative"])
        (self.cost_point,) = self.right.plot([], [], **ROLES["point"])
        self.right.set_xlim(0, self.max_steps)
        self.right.set_ylim(*COST_LIMITS)
        self.right.set_xlabel("training steps")
        self.right.set_ylabel("cost C")
        self.right.set_title("Cost during training")
        self.artists = [self.fit, self.cost_curve, self.cost_point]

    def trainer_at(self, width: int, learning_rate: float, steps: int) -> Trainer:
        """The trainer of this width and learning rate after ``steps`` steps (resumed if it can)."""
        key = (int(width), float(learning_rate))
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be 0 or more, got {steps}")
        if self.trainer is None or key != self.key or steps < self.trainer.steps:
            self.trainer = Trainer.new(
                [1, key[0], 1], self.X, self.Y, self.activations, key[1], seed=self.seed
            )
            self.key = key
        self.trainer.run(steps - self.trainer.steps)
        return self.trainer

    def update(self, width: int = 6, learning_rate: float = 0.3, steps: int = 0) -> dict:
        trainer = self.trainer_at(width, learning_rate, steps)
        self.fit.set_data(self.grid, trainer.predict(self.grid.reshape(1, -1))[0])
        history = np.asarray(trainer.history)
        self.cost_curve.set_data(np.arange(history.size), history)
        self.cost_point.set_data([trainer.steps], [history[-1]])
        return {
            "width": int(width),
            "learning_rate": float(learning_rate),
            "steps": trainer.steps,
            "cost": float(history[-1]),
            "start_cost": float(history[0]),
            "diverged": trainer.diverged,
            "n_parameters": int(
                sum(W.size for W in trainer.weights) + sum(b.size for b in trainer.biases)
            ),
        }


def plot_training(
    X,
    Y,
    width: int,
    learning_rate: float,
    steps: int,
    target: Callable | None = None,
    figure: Figure | None = None,
    max_steps: int | None = None,
    seed: int = 0,
) -> Figure:
    """Train a one-hidden-layer network for ``steps`` steps and draw its fit and cost curve.

    The cost axis ends at ``max_steps`` (by default at ``steps``, at least 10), so the
    curve fills the panel. Returns the Figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> X = np.linspace(-1, 1, 11).reshape(1, -1)
    >>> left, right = plot_training(X, X**2, 4, 0.3, 50, figure=Figure()).axes
    >>> len(right.lines[0].get_xdata())   # the starting cost and one per step
    51
    """
    figure = get_figure(figure, figsize=(9.6, 3.6))
    with course_style():
        axes = figure.subplots(1, 2)
    end = max(steps, 10) if max_steps is None else max(max_steps, steps)
    scene = TrainingScene(axes, X, Y, target, max_steps=end, seed=seed)
    shown = scene.update(width=width, learning_rate=learning_rate, steps=steps)
    # a static figure shows one run: the cost axis spans that run's costs (a decade of room
    # either side), and the first and last costs are written in the corner
    history = np.asarray(scene.trainer.history)
    scene.right.set_ylim(history.min() / 10, history.max() * 10)
    scene.right.text(
        0.98,
        0.96,
        f"cost {history[0]:.3g} at step 0"
        + (f"\n{shown['cost']:.3g} after {shown['steps']} steps" if shown["steps"] else ""),
        transform=scene.right.transAxes,
        ha="right",
        va="top",
        fontsize=8,
    )
    return figure
