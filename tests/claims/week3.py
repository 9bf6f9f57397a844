"""Week 3's claims table: every number, sign and comparison the lecture's prose states.

Each Claim quotes one markdown cell of
``notebooks/03_chain_rule_and_neural_networks.ipynb`` and checks it against what the
executed lecture printed or computed (``lec.stdout``, ``lec.numbers``, ``lec.value``), or
against a figure or explorer built here exactly as the lecture builds it, with its
controls set to values they can reach (``set_control``). Each Definition quotes a
sentence whose numbers are inputs (a setting we chose, a count of the course's own
material, a citation), not claims.
"""

from __future__ import annotations

import inspect
import itertools
import math
import re

import numpy as np
from lecture_claims import Claim, Definition, about, set_control, shown_as

NOTEBOOK = "03_chain_rule_and_neural_networks.ipynb"


# ---------------------------------------------------------------------------- the lecture's maps


def path(t):
    return np.cos(t), np.sin(t)


def d_path(t):
    return -np.sin(t), np.cos(t)


def g(x, y):
    return x**2 + 2 * y**2


def grad_g(x, y):
    return 2 * x, 4 * y


def sine_data():
    X = np.linspace(-1.0, 1.0, 41).reshape(1, -1)
    return X, np.sin(np.pi * X)


def chain_explorer():
    from mmlcalc.widgets.neural import chain_rule_explorer

    return chain_rule_explorer(path, d_path, g, grad_g, t=1.0)  # as the lecture's cell


def a_neuron_explorer():
    from mmlcalc.widgets.neural import neuron_explorer

    return neuron_explorer(w=2.0, b=-1.0)  # as the lecture's cell


def a_training_explorer():
    from mmlcalc.widgets.neural import training_explorer

    return training_explorer(target="sine wave", width=6, learning_rate=0.3)  # as the lecture


def printed_after(text: str, label: str) -> float:
    """The number printed after ``label`` (and an "=" or ":") in ``text``."""
    match = re.search(re.escape(label) + r"\s*[=:]?\s*([-+]?[\d.]+(?:e[-+]?\d+)?)", text)
    assert match, f"{label!r} not found in {text!r}"
    return float(match.group(1))


# ---------------------------------------------------------------------------- section 1


def h_climbs_and_falls(lec):
    heights = lec.value("[float(g(*path(t_))) for t_ in (0.0, np.pi / 2, np.pi, 3 * np.pi / 2)]")
    assert np.allclose(heights, [1, 2, 1, 2]), heights  # two tops per turn
    ts = np.linspace(0.0, 2 * np.pi, 2001)
    h = g(*path(ts))
    tops = np.sum((h[1:-1] > h[:-2]) & (h[1:-1] > h[2:]))
    assert tops == 2, tops


def figure_tangent_has_the_chain_rule_slope(lec):
    from matplotlib.figure import Figure

    from mmlcalc.plotting.neural import ChainRuleScene

    scene = ChainRuleScene(Figure().subplots(1, 2), path, d_path, g, grad_g)
    shown = scene.update(t=1.0)
    (t0, t1), (h0, h1) = scene.tangent.get_data()
    assert math.isclose((h1 - h0) / (t1 - t0), np.sin(2.0), rel_tol=1e-9)
    printed = lec.stdout("dh_dt = J_g @ J_path").splitlines()[1].rsplit("=", 1)[1].strip()
    assert shown_as(shown["dh_dt"], printed)


def four_right_angles(lec):
    explorer = chain_explorer()
    slider = explorer.controls["t"]
    stops = np.arange(slider.min, slider.max + 1e-9, slider.step)
    rates, heights = [], []
    for t in stops:
        set_control(explorer, "t", round(float(t), 2))
        rates.append(explorer.shown["dh_dt"])
        heights.append(explorer.shown["h"])
    rates = np.array(rates)
    exact_zeros = np.sum(rates == 0.0)  # at t = 0 the arrows are exactly at right angles
    sign_changes = np.sum(np.sign(rates[:-1]) * np.sign(rates[1:]) < 0)
    assert exact_zeros + sign_changes == 4, (exact_zeros, sign_changes)
    # each place is a top (h = 2) or a bottom (h = 1) of h
    places = [0, *(np.nonzero(np.sign(rates[:-1]) * np.sign(rates[1:]) < 0)[0])]
    assert all(min(abs(heights[i] - 1), abs(heights[i] - 2)) < 1e-3 for i in places)
    assert "central difference of h" in explorer.readout.value


def three_agree(lec):
    lines = lec.stdout("dh_dt = J_g @ J_path").splitlines()[1:4]
    product, numeric, exact = (float(line.rsplit("=", 1)[1]) for line in lines)
    assert product == numeric == exact, (product, numeric, exact)


def row_shapes(lec):
    assert lec.value("list(J_g.shape)") == [2]
    assert lec.value("list(J_path.shape)") == [2, 1]
    assert lec.value("list(dh_dt.shape)") == [1]
    assert lec.value("list(product.shape)") == [2]  # the polar example: (2,) @ (2, 2)


def polar_by_hand(lec):
    lines = lec.stdout("def polar").splitlines()
    by_hand = [float(v) for v in re.findall(r"[-\d.]+", lines[2].split("=")[1])]
    product = [float(v) for v in re.findall(r"[-\d.]+", lines[0].split("=")[1])]
    # ∂/∂r = 2r(1 + sin² θ) = 5 and ∂/∂θ = r² sin 2θ = 2√3 at r = 2, θ = π/6
    assert np.allclose(by_hand, [5.0, 2 * math.sqrt(3)], atol=1e-8)
    assert np.allclose(product, by_hand, atol=1e-8)


def package_is_the_loop(lec):
    ours = lec.stdout("def polar").splitlines()[1].split("=")[1]
    package = lec.stdout('print("numerical_jacobian:"').splitlines()
    assert package[0].split(":", 1)[1].split() == ours.split()
    assert (
        package[1].split(":", 1)[1].split()
        == lec.stdout("def polar").splitlines()[0].split("=")[1].split()
    )
    assert "outermost first" in package[2]
    from mmlcalc.neural import FD_STEP

    assert FD_STEP == 1e-5  # "with the same step" as central_difference_jacobian's h


# ---------------------------------------------------------------------------- section 2


def three_neurons(lec):
    from matplotlib.figure import Figure

    from mmlcalc.plotting.neural import NeuronScene

    def neuron(w, b):
        return NeuronScene(Figure().subplots(), "sigmoid").update(w=w, b=b)

    plain, steep, shifted, flipped = neuron(1, 0), neuron(4, 0), neuron(1, 2), neuron(-1, 0)
    assert steep["slope_at_middle"] == 4 * plain["slope_at_middle"]
    assert shifted["middle"] == -2.0 and shifted["slope_at_middle"] > 0
    assert flipped["slope_at_middle"] < 0 < plain["slope_at_middle"]
    assert lec.value("float(sigmoid(0.0))") == 0.5  # a = 0.5 at every middle


def w_zero_ignores_the_input(lec):
    explorer = a_neuron_explorer()
    set_control(explorer, "w", 0.0)
    assert "ignores its input" in explorer.readout.value
    assert np.ptp(explorer.scene.curve.get_ydata()) == 0.0


def relu_kink(lec):
    explorer = a_neuron_explorer()
    set_control(explorer, "activation", "relu")
    shown = explorer.shown
    assert shown["kink"] and shown["slope_left"] == 0.0 and shown["slope_right"] == 2.0
    assert "a kink there" in explorer.readout.value
    x, a = explorer.scene.curve.get_data()
    assert np.all(a[x < shown["middle"]] == 0.0) and np.all(a[x > shown["middle"]] > 0.0)


def sigmoid_range(lec):
    low, high = lec.value("[float(sigmoid(-40.0)), float(sigmoid(40.0))]")
    assert 0 < low < 1e-15 and 1 - 1e-15 < high <= 1


def other_activations(lec):
    assert lec.value("[float(np.tanh(-40.0)), float(np.tanh(40.0))]") == [-1.0, 1.0]
    text = lec.stdout("def d_sigmoid")
    z = np.array([-2.0, 0.0, 0.5, 3.0])
    slopes = [float(v) for v in re.findall(r"[\d.]+", text.splitlines()[-1].split("=")[-1])]
    assert slopes == [0.0, 0.0, 1.0, 1.0] and list(z > 0) == [False, False, True, True]
    assert lec.value("float(ACTIVATIONS['relu'][1](0.0))") == 0.0  # 0 at the kink


# ---------------------------------------------------------------------------- section 3


def network_picture(lec):
    from matplotlib.figure import Figure

    from mmlcalc.plotting.neural import plot_network

    ax = plot_network([2, 3, 3, 1], ax=Figure().subplots())  # as the lecture's cell
    texts = [t.get_text() for t in ax.texts]
    assert [t for t in texts if t.startswith("W")] == [
        "W⁽¹⁾: (3, 2)",
        "W⁽²⁾: (3, 3)",
        "W⁽³⁾: (1, 3)",
    ]
    weights = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert len(weights) == 6 + 9 + 3 == 18
    neurons = [line for line in ax.lines if line.get_linestyle() == "None"]
    markers = [(line.get_marker(), len(line.get_xdata())) for line in neurons]
    assert markers == [("s", 2), ("o", 3), ("o", 3), ("D", 1)], markers
    assert lec.value("[list(W_l.shape) for W_l in weights]") == [[3, 2], [3, 3], [1, 3]]


def starts_of_order_one(lec):
    variance = lec.value("float(np.var(init_by_hand([400, 50], seed=1)[0][0]) * 400)")
    assert about(variance, 1.0, 1.1), variance  # variance 1/n_in
    spread = lec.value("float(np.std(init_by_hand([400, 50], seed=1)[0][0] @ np.ones(400)))")
    assert about(spread, 1.0, 1.5), spread  # a sum of 400 inputs of size 1: z of order 1
    assert "init_network draws what our loop draws: True" in lec.stdout("start_by_hand =")


# ---------------------------------------------------------------------------- section 4


def untrained_misses(lec):
    from mmlcalc.neural import Trainer

    X, Y = sine_data()
    assert lec.value("list(X_train.shape)") == [1, 41]
    trainer = Trainer.new([1, 6, 1], X, Y, ["tanh", "identity"], 0.3, seed=0)  # the figure's
    output = trainer.predict(X)
    assert np.mean(np.abs(output - Y) > 0.25) > 0.5  # misses most of the dots
    assert np.all(np.abs(np.diff(output[0])) < 0.05)  # a gentle slope
    assert shown_as(trainer.history[0], "0.32")


def always_zero(lec):
    zero = printed_after(lec.stdout("def cost(outputs_L, Y)"), "cost of always answering 0")
    assert shown_as(zero, "0.244") and abs(zero - 0.25) < 0.01
    assert lec.value("X_train.size") == 41


def untrained_is_worse(lec):
    from mmlcalc.neural import Trainer

    X, Y = sine_data()
    start = Trainer.new([1, 6, 1], X, Y, ["tanh", "identity"], 0.3, seed=0).history[0]
    zero = printed_after(lec.stdout("def cost(outputs_L, Y)"), "cost of always answering 0")
    assert shown_as(start, "0.32") and start > zero


# ---------------------------------------------------------------------------- section 5


def three_rates(lec):
    text = lec.stdout("rates = {")
    product = printed_after(text, "product of the three rates")
    measured = printed_after(text, "measured slope dC/dw")
    assert product == measured, (product, measured)
    rates = [float(v) for v in re.findall(r"= ([-+][\d.]+)", text)[:3]]
    assert math.isclose(np.prod(rates), product, abs_tol=1e-6)


def gradients_have_the_parameters_shapes(lec):
    text = lec.stdout("def backprop(")
    assert "[(3, 2), (3, 3), (1, 3)] (those of W)" in text
    shapes = lec.value("[[list(g_l.shape) for g_l in grad_W], [list(g_l.shape) for g_l in grad_b]]")
    assert shapes == [[[3, 2], [3, 3], [1, 3]], [[3, 1], [3, 1], [1, 1]]]


# ---------------------------------------------------------------------------- section 6


def nudge_agrees(lec):
    lines = lec.stdout("cost_up = cost(").splitlines()
    numeric, backprop = (float(line.rsplit("=", 1)[1]) for line in lines[2:4])
    assert numeric == backprop, (numeric, backprop)


def right_and_wrong_levels(lec):
    right = [
        float(line.rsplit(" ", 1)[1]) for line in lec.stdout("def numeric_gradient_of").splitlines()
    ]
    assert len(right) == 6 and max(right) < 1e-8, right
    lines = lec.stdout("def backprop_forgetting_the_slope").splitlines()
    assert float(lines[0].rsplit(" ", 1)[1]) < 1e-8
    wrong = [float(line.rsplit(" ", 1)[1]) for line in lines[1:3]]
    assert min(wrong) >= 1e-2, wrong


def floor_of_the_denominator(lec):
    from mmlcalc.neural import gradient_check

    assert "np.maximum(np.abs(g) + np.abs(n), 1e-8)" in inspect.getsource(gradient_check)
    # a parameter whose gradient is exactly 0 (a ReLU neuron switched off) divides by no zero
    W = [np.array([[-1.0]]), np.array([[1.0]])]
    b = [np.array([[-1.0]]), np.array([[0.0]])]
    check = gradient_check(
        W, b, np.array([[0.5, 1.0]]), np.array([[1.0, 2.0]]), ["relu", "identity"]
    )
    assert np.isfinite(check) and check < 1e-7, check


def check_points_at_the_layer(lec):
    lines = lec.stdout("def backprop_forgetting_the_slope").splitlines()
    layers = [float(line.rsplit(" ", 1)[1]) for line in lines[1:]]
    assert layers[2] < 1e-8 and layers[0] > 1e-2 and layers[1] > 1e-2, layers


# ---------------------------------------------------------------------------- section 7


def training_curve(lec):
    start, ten, end = lec.value("[history[0], history[10], history[1000]]")
    assert shown_as(start, "0.32") and about(ten, 0.1, 1.25) and shown_as(end, "0.002")
    later = np.array(lec.value("history[10:]"))
    assert np.all(np.diff(later) <= 0)  # falls steadily after the first ten steps
    assert lec.value("len(history)") == 1001


def runs_through_the_examples(lec):
    end = lec.value("history[1000]")
    assert math.sqrt(2 * end) < 0.1  # root-mean-square miss, a tenth of the curve's height


def step_and_run(lec):
    explorer = a_training_explorer()
    costs = [explorer.shown["cost"]]
    for _ in range(3):
        explorer.buttons["step"].click()
        costs.append(explorer.shown["cost"])
    explorer.buttons["run"].click()
    costs.append(explorer.shown["cost"])
    assert explorer.shown["steps"] == 103 and explorer.buttons["run"].description == "Run 100 steps"
    assert all(b < a for a, b in itertools.pairwise(costs)), costs


def widths(lec):
    explorer = a_training_explorer()
    set_control(explorer, "steps", 3000)
    cost = {}
    for width in (1, 2, 3, 6):
        set_control(explorer, "width", width)
        cost[width] = explorer.shown["cost"]
    assert cost[1] > 0.03  # one S curve: a root-mean-square miss above 0.24
    assert min(cost[2], cost[3]) > 0.004  # visibly rough: a miss of about 0.1 or more
    assert cost[6] < 0.001 and explorer.shown["steps"] == 3000  # close: a miss below 0.045


def learning_rates(lec):
    from mmlcalc.widgets.neural import LEARNING_RATES

    explorer = a_training_explorer()
    set_control(explorer, "steps", 100)
    for eta in (rate for rate in LEARNING_RATES if rate >= 0.8):
        set_control(explorer, "learning_rate", eta)
        assert explorer.shown["diverged"] and explorer.scene.trainer.steps < 20, eta
        assert "diverged" in explorer.readout.value
    set_control(explorer, "learning_rate", 0.6)
    set_control(explorer, "steps", 3000)
    history = np.asarray(explorer.scene.trainer.history)
    assert not explorer.shown["diverged"]
    assert np.sum(np.diff(history[-1000:]) > 0) > 10  # still bouncing in the last 1000 steps
    set_control(explorer, "steps", 1000)
    set_control(explorer, "learning_rate", 0.01)
    slow = explorer.shown["cost"]
    set_control(explorer, "learning_rate", 0.3)
    fast = explorer.shown["cost"]
    assert slow > 10 * fast, (slow, fast)  # after 1000 steps: still far from where η = 0.3 is


def same_start_and_reset(lec):
    explorer = a_training_explorer()
    start = explorer.shown["start_cost"]
    set_control(explorer, "steps", 100)
    set_control(explorer, "learning_rate", 0.1)
    assert explorer.shown["steps"] == 100 and explorer.shown["start_cost"] == start
    explorer.buttons["reset"].click()
    assert explorer.shown["steps"] == 0


# ---------------------------------------------------------------------------- exercises


def digits_network(lec):
    assert 28 * 28 == 784
    sizes = [784, 30, 10]
    count = sum(n_out * n_in + n_out for n_in, n_out in itertools.pairwise(sizes))
    assert count == 23_860 and 2 * count == 47_720


def forgotten_one_over_m(lec):
    from mmlcalc.neural import backprop, init_network, numerical_gradient

    W, b = init_network([2, 3, 1], seed=4)
    m = 10
    X = np.random.default_rng(5).normal(size=(2, m))
    Y = np.random.default_rng(6).normal(size=(1, m))
    exact = backprop(W, b, X, Y, ["tanh", "identity"])[0][0] * m  # the 1/m forgotten
    numeric = numerical_gradient(W, b, X, Y, ["tanh", "identity"])[0][0]
    relative = np.abs(exact - numeric) / (np.abs(exact) + np.abs(numeric))
    assert np.allclose(relative, (m - 1) / (m + 1), atol=1e-6)


# ---------------------------------------------------------------------------- the table

CLAIMS: list[Claim] = [
    Claim(
        "it climbs from $h = 1$ at $t = 0$ to $h = 2$ at $t = \\pi/2$ and back, twice per turn",
        h_climbs_and_falls,
        values=("[float(g(*path(t_))) for t_ in (0.0, np.pi / 2, np.pi, 3 * np.pi / 2)]",),
    ),
    Claim(
        "the dotted tangent at $t = 1$ has the slope the chain rule computes below",
        figure_tangent_has_the_chain_rule_slope,
    ),
    Claim(
        "There are four such places on the way round, at the tops and the bottoms of $h$.",
        four_right_angles,
    ),
    Claim("The three agree to the digits shown.", three_agree),
    Claim(
        "comes out with shape `(1,)`",
        row_shapes,
        values=(
            "list(J_g.shape)",
            "list(J_path.shape)",
            "list(dh_dt.shape)",
            "list(product.shape)",
        ),
    ),
    Claim(
        "with partial derivatives $2r(1 + \\sin^2\\theta)$ and $r^2 \\sin 2\\theta$", polar_by_hand
    ),
    Claim(
        "`mmlcalc.neural.numerical_jacobian(F, p)` is the loop above, with the same step",
        package_is_the_loop,
    ),
    Claim(
        "Left, $w = 4$: the same S, four times steeper.",
        three_neurons,
        values=("float(sigmoid(0.0))",),
    ),
    Claim(
        "Middle, $b = 2$: the S slid to the left, its middle at $x = -2$.",
        three_neurons,
        values=("float(sigmoid(0.0))",),
    ),
    Claim("Try $w = 0$: the neuron ignores its input.", w_zero_ignores_the_input),
    Claim(
        "With ReLU, notice that the neuron is switched off (slope 0) on one side of its middle",
        relu_kink,
    ),
    Claim(
        "A classic activation is the logistic sigmoid, an S curve from 0 to 1",
        sigmoid_range,
        values=("[float(sigmoid(-40.0)), float(sigmoid(40.0))]",),
    ),
    Claim(
        "whose slope is 0 for $z < 0$ and 1 for $z > 0$; at $z = 0$, its kink, it has no "
        "derivative (code uses 0 there by convention)",
        other_activations,
        values=(
            "[float(np.tanh(-40.0)), float(np.tanh(40.0))]",
            "float(ACTIVATIONS['relu'][1](0.0))",
        ),
    ),
    Claim(
        "the 2 inputs (squares), two hidden layers of 3 neurons (circles) and the output (a "
        "diamond)",
        network_picture,
        values=("[list(W_l.shape) for W_l in weights]",),
    ),
    Claim(
        "so that a weighted sum of many inputs still starts of order 1",
        starts_of_order_one,
        values=(
            "float(np.var(init_by_hand([400, 50], seed=1)[0][0]) * 400)",
            "float(np.std(init_by_hand([400, 50], seed=1)[0][0] @ np.ones(400)))",
        ),
    ),
    Claim(
        "a gentle slope that misses most of the dots",
        untrained_misses,
        values=("list(X_train.shape)",),
    ),
    Claim(
        "a single dot at step 0, about 0.32 on the logarithmic axis",
        untrained_misses,
        values=("list(X_train.shape)",),
    ),
    Claim("(0.244 here, with 41 sample points)", always_zero, values=("X_train.size",)),
    Claim(
        "The untrained network of the figure, at about 0.32, does worse than that.",
        untrained_is_worse,
    ),
    Claim("The product of the three rates is the slope the nudge measures", three_rates),
    Claim(
        "The shapes are a good check: each gradient has the shape of its parameter",
        gradients_have_the_parameters_shapes,
        values=("[[list(g_l.shape) for g_l in grad_W], [list(g_l.shape) for g_l in grad_b]]",),
    ),
    Claim("The two agree to all the digits shown.", nudge_agrees),
    Claim(
        "a right backpropagation agrees to $10^{-7}$ or better (below $10^{-8}$ here); a wrong "
        "one is off by $10^{-2}$ or more",
        right_and_wrong_levels,
    ),
    Claim(
        "its denominator is kept at $10^{-8}$ or more, so that a gradient that is exactly 0 "
        "does not divide by zero",
        floor_of_the_denominator,
    ),
    Claim(
        "The output layer's gradient is still right (nothing was passed down to it yet), but "
        "every layer below is wrong",
        check_points_at_the_layer,
    ),
    Claim(
        "it drops from about 0.32 to about 0.1 in the first ten steps (too fast to see at this "
        "scale), then falls steadily to about 0.002",
        training_curve,
        values=("[history[0], history[10], history[1000]]", "history[10:]", "len(history)"),
    ),
    Claim(
        "left, the trained network's output (solid blue) now runs through the training examples",
        runs_through_the_examples,
        values=("history[1000]",),
    ),
    Claim(
        "Press **Step** a few times, then **Run 100 steps**, and watch the blue curve bend "
        "towards the dots while the cost falls.",
        step_and_run,
    ),
    Claim(
        "with 2 or 3 neurons the fit stays visibly rough even after 3000 steps, with 6 it is close",
        widths,
    ),
    Claim(
        "Raise the **learning rate** η to 0.8 or more and training diverges within a few steps; "
        "at 0.6 the cost bounces up and down without settling; at 0.01 it crawls.",
        learning_rates,
    ),
    Claim("Changing the width or η restarts from the same random start", same_start_and_reset),
    Claim("(a classic network for 28 × 28 pixel images of digits)", digits_network),
    Claim(
        "the relative difference is $(m - 1)/(m + 1)$, close to 1",
        forgotten_one_over_m,
    ),
]

CLAIMS += [
    Claim(
        "Others are $\\tanh z$, an S curve from $-1$ to 1",
        other_activations,
        values=(
            "[float(np.tanh(-40.0)), float(np.tanh(40.0))]",
            "float(ACTIVATIONS['relu'][1](0.0))",
        ),
    ),
    Claim(
        "Always answering 0 costs about $\\tfrac12 \\cdot \\tfrac12 = 0.25$",
        always_zero,
        values=("X_train.size",),
    ),
    Claim(
        "How many weights and biases does a network with layer widths $[784, 30, 10]$ have",
        digits_network,
    ),
    Claim(
        "$W^{(1)}$: $30 \\times 784 = 23\\,520$, $b^{(1)}$: 30, $W^{(2)}$: $10 \\times 30 = 300$, "
        "$b^{(2)}$: 10; in all $23\\,860$.",
        digits_network,
    ),
]

DEFINITIONS: list[Definition] = [
    Definition(
        "From here on the task is the curve $y = \\sin \\pi x$ on $-1 \\le x \\le 1$, given as 41 "
        "evenly spaced examples",
        "the number of training examples we choose",
    ),
    Definition("*Figure:* left, the 41 training examples", "the same 41 examples, named"),
    Definition(
        "the $\\tfrac12$ cancels the 2 that differentiating the square brings down",
        "the power 2 of the square: algebra, not a measurement",
    ),
    Definition(
        "after 1000 steps of gradient descent on the task of section 4",
        "the number of steps we choose to show",
    ),
    Definition("Right, the cost after each of the 1000 steps", "the same 1000 steps, named"),
    Definition(
        "Cambridge University Press, 2020, sections 5.2–5.6",
        "a citation: year and sections of a book",
    ),
    Definition("Determination Press, 2015, chapter 2", "a citation"),
    Definition("MIT Press, 2016, section 6.5", "a citation"),
    Definition("*Nature* 323, 533–536, 1986", "a citation: volume, pages and year"),
    Definition("Springer, 1998", "a citation"),
]

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.neural.numerical_jacobian": "def central_difference_jacobian(F, p, h=1e-5):",
    "mmlcalc.neural.jacobian_product": "product = J_bowl @ J_polar(p)",
    "mmlcalc.neural.ACTIVATIONS": "def d_sigmoid(z):",
    "mmlcalc.neural.forward_pass": "def forward(weights, biases, X, activations):",
    "mmlcalc.neural.init_network": "def init_by_hand(sizes, seed):",
    "mmlcalc.neural.backprop": "def backprop(weights, biases, X, Y, activations):",
    "mmlcalc.neural.numerical_gradient": "def numeric_gradient_of(array, index, h=1e-5):",
    "mmlcalc.neural.gradient_check": "for name, parameters, exact_gradients in",
    "mmlcalc.neural.Trainer": "for _ in range(1000):  # 1000 steps of gradient descent",
}
