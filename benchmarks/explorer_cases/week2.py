"""Week 2 explorers, built as notebooks/02_multivariate_calculus.ipynb builds them."""

import numpy as np

from mmlcalc.widgets.multivariate import (
    gradient_explorer,
    jacobian_map_explorer,
    sandpit_explorer,
    surface_cut_explorer,
)


def bumps(p):
    return np.sin(p[0]) * np.cos(p[1]) + 0.1 * p[0] ** 2


def bumps_dx(p):
    return np.cos(p[0]) * np.cos(p[1]) + 0.2 * p[0]


def bumps_jacobian(p):
    return np.array([bumps_dx(p), -np.sin(p[0]) * np.sin(p[1])])


def squaring(p):
    return np.array([p[0] ** 2 - p[1] ** 2, 2 * p[0] * p[1]])


def squaring_jacobian(p):
    return np.array([[2 * p[0], -2 * p[1]], [2 * p[1], 2 * p[0]]])


BOX = ((-3.0, 3.0), (-3.0, 3.0))


def sandpit_with_probes():
    """A game in the gradient mode with five probes already made (arrows and labels drawn)."""
    game = sandpit_explorer("local minima", mode="gradient", budget=12, seed=0)
    for x, y in [(2.0, 2.0), (5.0, 5.0), (8.0, 3.0), (3.0, 8.0), (7.0, 7.0)]:
        game.controls["x"].value, game.controls["y"].value = x, y
        game.probe_button.click()
    return game


# (name, explorer factory, slider key, values to sweep)
CASES = [
    (
        "surface cut by a plane",
        lambda: surface_cut_explorer(bumps, bumps_dx, bounds=BOX),
        "y",
        np.linspace(-2.9, 2.9, 25),
    ),
    (
        "Jacobian arrow",
        lambda: gradient_explorer(bumps, bumps_jacobian, bounds=BOX),
        "x",
        np.linspace(-2.9, 2.9, 25),
    ),
    (
        "grid under a map",
        lambda: jacobian_map_explorer(
            squaring, squaring_jacobian, x=1.0, y=0.3, size=0.5, bounds=((0.2, 1.8), (-0.8, 0.8))
        ),
        "size",
        np.linspace(0.5, 0.02, 25),
    ),
    ("sandpit (aim)", sandpit_with_probes, "x", np.linspace(0.2, 9.8, 25)),
]
