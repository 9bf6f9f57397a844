"""Week 5 explorers, built as notebooks/05_optimisation.ipynb builds them."""

import numpy as np

from mmlcalc.widgets.optimisation import constraint_explorer, descent_explorer, newton_explorer


def cubic(x):
    return x**3 - 2 * x + 2


def d_cubic(x):
    return 3 * x**2 - 2


def objective(p):
    return p[0] ** 2 * p[1]


def objective_gradient(p):
    return np.array([2 * p[0] * p[1], p[0] ** 2])


def circle(t):
    return np.sqrt(3) * np.cos(t), np.sqrt(3) * np.sin(t)


def constraint_gradient(p):
    return 2 * np.asarray(p)


def newton_six_steps():
    explorer = newton_explorer(cubic, d_cubic, x0=-2.5, x_range=(-3, 3), y_range=(-6, 8))
    explorer.controls["steps"].value = 6
    return explorer


def volcano_descent():
    explorer = descent_explorer("volcano")
    return explorer


# (name, explorer factory, slider key, values to sweep)
CASES = [
    ("Newton-Raphson (start point)", newton_six_steps, "x0", np.linspace(-2.9, 2.9, 25)),
    (
        "gradient descent, bowl (step size)",
        lambda: descent_explorer("elongated bowl"),
        "step",
        np.geomspace(0.01, 0.3, 25),
    ),
    (
        "gradient descent, volcano (step size)",
        volcano_descent,
        "step",
        np.geomspace(3.0, 1000.0, 25),
    ),
    ("gradient descent, volcano (start x)", volcano_descent, "x", np.linspace(20, 580, 25)),
    (
        "constraint curve (position)",
        lambda: constraint_explorer(
            objective, objective_gradient, circle, constraint_gradient, bounds=((-2, 2), (-2, 2))
        ),
        "t",
        np.linspace(0.0, 6.2, 25),
    ),
]
