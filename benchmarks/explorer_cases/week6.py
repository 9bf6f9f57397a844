"""Week 6 explorers, built as notebooks/06_regression.ipynb builds them."""

import numpy as np

from mmlcalc.data import load_cars
from mmlcalc.regression import gaussian_model, gaussian_model_jacobian, sons_height_histogram
from mmlcalc.widgets.regression import chi_squared_descent_explorer, line_fit_explorer

CARS = load_cars()
X, Y, U = sons_height_histogram()
# The library's answer as the notebook prints it (scipy.optimize.curve_fit), to draw the star.
REFERENCE = (69.3034, 2.5662)


def line_fit():
    return line_fit_explorer(
        CARS["speed"],
        CARS["dist"],
        slope=2.0,
        intercept=0.0,
        xlabel="speed (mph)",
        ylabel="stopping distance (ft)",
    )


def descent(**options):
    return lambda: chi_squared_descent_explorer(
        X,
        Y,
        gaussian_model,
        gaussian_model_jacobian,
        U,
        reference=REFERENCE,
        domain=[(-np.inf, np.inf), (0, np.inf)],  # as the lecture passes it: σ > 0
        **options,
    )


# (name, explorer factory, slider key, values to sweep)
CASES = [
    ("line fit by hand", line_fit, "slope", np.linspace(0.5, 7.5, 25)),
    ("steepest descent: step size", descent(steps=200), "step", np.geomspace(0.02, 1.6, 25)),
    (
        "steepest descent: steps (raw)",
        descent(rescale=False, step=0.001),
        "steps",
        np.arange(8, 200, 8),
    ),
    ("steepest descent: start", descent(steps=200), "start0", np.linspace(63.5, 75.5, 25)),
]
