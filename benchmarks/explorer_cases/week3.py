"""Week 3 explorers, built as notebooks/03_chain_rule_and_neural_networks.ipynb builds them."""

import numpy as np

from mmlcalc.widgets.neural import chain_rule_explorer, neuron_explorer, training_explorer


def path(t):
    return np.cos(t), np.sin(t)


def d_path(t):
    return -np.sin(t), np.cos(t)


def g(x, y):
    return x**2 + 2 * y**2


def grad_g(x, y):
    return 2 * x, 4 * y


# (name, explorer factory, slider key, values to sweep)
CASES = [
    ("one neuron", lambda: neuron_explorer(w=1.0, b=0.0), "w", np.linspace(-4.0, 4.0, 25)),
    (
        "chain rule along a path",
        lambda: chain_rule_explorer(path, d_path, g, grad_g, t=0.0),
        "t",
        np.linspace(0.1, 6.2, 25),
    ),
    # one training step per value: 1, 2, …, 25 steps taken (what the Step button does)
    (
        "training: one step",
        lambda: training_explorer(width=8, learning_rate=0.3),
        "steps",
        np.arange(1, 26),
    ),
]
