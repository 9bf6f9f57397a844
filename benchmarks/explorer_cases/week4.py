"""Week 4 explorers, built as notebooks/04_taylor_series.ipynb builds them."""

import numpy as np

from mmlcalc.widgets.taylor import (
    linearisation_explorer,
    quadratic_approximation_explorer,
    taylor_explorer,
)

LINEARISATION_FUNCTIONS = {
    "eˣ": (np.exp, np.exp),
    "sin x": (np.sin, np.cos),
    "√(1 + x²)": (lambda x: np.sqrt(1 + x**2), lambda x: x / np.sqrt(1 + x**2)),
}


def egg_box(p):
    return np.sin(p[..., 0]) * np.cos(p[..., 1])


def egg_box_jacobian(p):
    x, y = p
    return np.array([np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)])


def egg_box_hessian(p):
    x, y = p
    diagonal, off = -np.sin(x) * np.cos(y), -np.cos(x) * np.sin(y)
    return np.array([[diagonal, off], [off, diagonal]])


# (name, explorer factory, slider key, values to sweep)
CASES = [
    ("Taylor order", lambda: taylor_explorer(order=0, a=0.0), "order", np.arange(0, 15)),
    (
        "Taylor expansion point",
        lambda: taylor_explorer(order=4, a=0.0),
        "a",
        np.linspace(-1.9, 1.9, 25),
    ),
    (
        "linearisation error",
        lambda: linearisation_explorer(LINEARISATION_FUNCTIONS, a=0.5),
        "dx",
        np.geomspace(1.0, 1e-5, 25),
    ),
    (
        "quadratic approximation",
        lambda: quadratic_approximation_explorer(
            egg_box, egg_box_jacobian, egg_box_hessian, name="sin x cos y"
        ),
        "x",
        np.linspace(-2.9, 2.9, 25),
    ),
]
