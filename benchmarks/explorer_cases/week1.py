"""Week 1 explorers, built as notebooks/01_slopes_and_derivatives.ipynb builds them."""

import numpy as np

from mmlcalc import widgets
from mmlcalc.widgets.calculus import DX_MAX


def cube(x):
    return x**3 / 3 - x + 1


def d_cube(x):
    return x**2 - 1


FUNCTIONS = {
    "x²": (lambda x: x**2, lambda x: 2 * x),
    "x³ − 3x": (lambda x: x**3 - 3 * x, lambda x: 3 * x**2 - 3),
    "sin x": (np.sin, np.cos),
    "eˣ": (np.exp, np.exp),
}

# (name, explorer factory, slider key, values to sweep)
CASES = [
    (
        "secant → tangent",
        lambda: widgets.secant_explorer(cube, d_cube, x0=1.5, dx=1.0),
        "dx",
        np.geomspace(1.0, 1e-3, 25),
    ),
    (
        "function and derivative",
        lambda: widgets.derivative_explorer(FUNCTIONS, x=0.5),
        "x",
        np.linspace(-2.9, 2.9, 25),
    ),
    (
        "product-rule rectangle",
        lambda: widgets.product_rule_explorer(lambda x: 1 + x, lambda x: x**2),
        "dx",
        np.linspace(0.0, DX_MAX, 25),
    ),  # the slider's whole range
    (
        "finite-difference error",
        lambda: widgets.difference_error_explorer({"sin x": (np.sin, np.cos)}),
        "h",
        np.geomspace(1.0, 1e-14, 25),
    ),
]
