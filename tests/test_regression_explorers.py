"""The week 6 explorers driven headless: set ``.value`` on controls and compare
``explorer.shown``, the readout and the artists with numbers computed here independently
(sums written out, ``numpy.polyfit``, ``scipy.optimize.curve_fit``, and a descent loop
written from the formula with the Gaussian's derivatives taken by finite differences).
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.optimize import curve_fit

from mmlcalc.data import load_cars
from mmlcalc.plotting.regression import chi_squared_on_grid, plot_chi_squared_descent, plot_line_fit
from mmlcalc.regression import (
    gaussian_model,
    gaussian_model_jacobian,
    sons_height_histogram,
)
from mmlcalc.widgets.regression import chi_squared_descent_explorer, line_fit_explorer

CARS = load_cars()
SPEED, DIST = CARS["speed"], CARS["dist"]
X, Y, U = sons_height_histogram()


def normal_density(x, mu, sigma):
    return np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


def independent_descent(start, step, steps, rescale):
    """Steepest descent from the formula, derivatives of the model by central differences."""
    p = np.array(start, dtype=float)
    h = 1e-6
    for _ in range(steps):
        r = Y - normal_density(X, *p)
        jac = np.stack(
            [
                (normal_density(X, p[0] + h, p[1]) - normal_density(X, p[0] - h, p[1])) / (2 * h),
                (normal_density(X, p[0], p[1] + h) - normal_density(X, p[0], p[1] - h)) / (2 * h),
            ],
            axis=1,
        )
        gradient = -2 * (r / U**2) @ jac
        curvature = 2 * ((jac / U[:, None]) ** 2).sum(axis=0) if rescale else np.ones(2)
        p = p - step * gradient / curvature
    return p


@pytest.fixture(scope="module")
def library():
    params, _ = curve_fit(normal_density, X, Y, p0=[66.0, 4.0], sigma=U, absolute_sigma=True)
    return params


def readout_text(explorer) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", explorer.readout.value))


def test_every_control_is_labelled_and_keyboard_operable(library):
    for explorer in (
        line_fit_explorer(SPEED, DIST),
        chi_squared_descent_explorer(
            X, Y, gaussian_model, gaussian_model_jacobian, U, reference=library
        ),
    ):
        for control in explorer.controls.values():
            assert control.description
            assert isinstance(
                control,
                (widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntSlider, widgets.Dropdown),
            )
        assert "Figure:" in explorer.caption.value


def test_line_explorer_chi_squared_residuals_and_best_line():
    explorer = line_fit_explorer(SPEED, DIST, slope=2.0, intercept=0.0)
    for slope, intercept in [(3.0, -10.0), (3.9324, -17.5791), (6.5, 20.0)]:
        explorer.controls["slope"].value = slope
        explorer.controls["intercept"].value = intercept
        s = explorer.shown
        m, c = s["slope"], s["intercept"]  # as the sliders rounded them to their step
        assert m == pytest.approx(slope, abs=0.01) and c == pytest.approx(intercept, abs=0.13)
        residuals = DIST - (m * SPEED + c)
        assert s["chi_squared"] == pytest.approx(sum(r * r for r in residuals), rel=1e-10)
        bars = explorer.scene.bars.get_segments()
        lengths = np.array([seg[0, 1] - seg[1, 1] for seg in bars])
        np.testing.assert_allclose(lengths, residuals, atol=1e-9)
        assert explorer.scene.point.get_data() == ([m], [c])
        assert f"χ² = {s['chi_squared']:.1f}" in readout_text(explorer)
    np.testing.assert_allclose([s["best_slope"], s["best_intercept"]], np.polyfit(SPEED, DIST, 1))
    best = np.polyfit(SPEED, DIST, 1)
    assert s["best_chi_squared"] == pytest.approx(np.sum((DIST - np.polyval(best, SPEED)) ** 2))
    assert s["best_chi_squared"] <= s["chi_squared"]


def test_descent_explorer_follows_the_formula_and_reaches_the_library(library):
    explorer = chi_squared_descent_explorer(
        X,
        Y,
        gaussian_model,
        gaussian_model_jacobian,
        U,
        start=(66.0, 4.0),
        step=1.0,
        steps=3,
        reference=library,
    )
    for rescale, step, steps in [(True, 1.0, 3), (True, 0.5, 7), (False, 0.001, 5)]:
        explorer.controls["rescale"].value = rescale
        explorer.controls["step"].value = step
        explorer.controls["steps"].value = steps
        s = explorer.shown
        assert s["steps"] == steps and s["status"] == "step cap reached"
        expected = independent_descent([66.0, 4.0], s["step"], steps, rescale)
        np.testing.assert_allclose(s["params"], expected, rtol=1e-7)
        line_x, line_y = explorer.scene.path_line.get_data()
        assert len(line_x) == steps + 1 and line_x[0] == 66.0 and line_y[0] == 4.0
    explorer.controls["rescale"].value = True
    explorer.controls["step"].value = 1.0
    explorer.controls["steps"].value = 200
    s = explorer.shown
    assert s["status"] == "converged" and s["steps"] < 30
    np.testing.assert_allclose(s["params"], library, atol=1e-5)
    chi2 = np.sum(((Y - normal_density(X, *library)) / U) ** 2)
    assert s["chi_squared"] == pytest.approx(chi2, rel=1e-8)
    text = readout_text(explorer)
    assert f"μ = {library[0]:.4f}" in text and "converged" in text


def test_descent_explorer_start_sliders_and_zero_steps():
    explorer = chi_squared_descent_explorer(
        X, Y, gaussian_model, gaussian_model_jacobian, U, steps=0
    )
    explorer.controls["start0"].value = 70.0
    explorer.controls["start1"].value = 3.0
    s = explorer.shown
    np.testing.assert_allclose(s["params"], [70.0, 3.0], atol=0.03)
    assert s["chi_squared"] == pytest.approx(
        np.sum(((Y - normal_density(X, *s["params"])) / U) ** 2)
    )


def test_a_raw_step_beyond_the_limit_leaves_the_data(library):
    explorer = chi_squared_descent_explorer(
        X,
        Y,
        gaussian_model,
        gaussian_model_jacobian,
        U,
        rescale=False,
        step=0.001,
        steps=200,
        reference=library,
    )
    assert explorer.shown["status"] == "converged" or explorer.shown["steps"] == 200
    explorer.controls["step"].value = 0.05  # beyond 2 / (curvature ≈ 300) ≈ 0.007 in²
    s = explorer.shown
    assert s["chi_squared"] > 20 * np.sum(((Y - normal_density(X, *library)) / U) ** 2)
    explorer.controls["rescale"].value = True
    explorer.controls["step"].value = 10.0  # rescaled: far beyond 2 / (1 + |ρ|)
    assert explorer.shown["status"] == "diverged"
    assert len(explorer.scene.curve.get_data()[0]) == 0  # no model curve is drawn


def test_static_helpers_draw_the_same_scene():
    fig = plot_line_fit(SPEED, DIST, 3.0, -10.0, figure=Figure())
    assert len(fig.axes[0].collections[0].get_segments()) == SPEED.size
    fig = plot_chi_squared_descent(
        X,
        Y,
        gaussian_model,
        gaussian_model_jacobian,
        [66.0, 4.0],
        1.0,
        steps=4,
        uncertainty=U,
        figure=Figure(),
    )
    path_x, path_y = fig.axes[0].lines[0].get_data()
    np.testing.assert_allclose(
        [path_x[-1], path_y[-1]], independent_descent([66.0, 4.0], 1.0, 4, True), rtol=1e-7
    )


def test_chi_squared_on_grid_with_and_without_broadcasting():
    p0, p1 = np.meshgrid([68.0, 69.0, 70.0], [2.0, 3.0])
    grid = chi_squared_on_grid(gaussian_model, X, Y, p0, p1, U)  # broadcasts
    looped = chi_squared_on_grid(
        lambda x, p: normal_density(x, float(p[0]), float(p[1])), X, Y, p0, p1, U
    )
    expected = [
        [np.sum(((Y - normal_density(X, a, b)) / U) ** 2) for a in (68.0, 69.0, 70.0)]
        for b in (2.0, 3.0)
    ]
    np.testing.assert_allclose(grid, expected, rtol=1e-12)
    np.testing.assert_allclose(looped, expected, rtol=1e-12)


def test_the_readout_never_calls_a_run_outside_the_domain_converged(library):
    """The lecture's own Gaussian accepts σ < 0: the domain makes the readout say so."""

    def unguarded(x, p):
        return np.exp(-((x - p[0]) ** 2) / (2 * p[1] ** 2)) / (p[1] * np.sqrt(2 * np.pi))

    explorer = chi_squared_descent_explorer(
        X,
        Y,
        unguarded,
        gaussian_model_jacobian,
        U,
        reference=library,
        domain=[(-np.inf, np.inf), (0, np.inf)],
    )
    explorer.controls["rescale"].value = False
    for exponent in np.arange(-2.5, 1.0001, 0.05):  # every reachable raw η from 0.003 up
        explorer.controls["step"].value = 10**exponent
        shown = explorer.shown
        text = readout_text(explorer)
        if np.any(shown["path"][:, 1] <= 0):
            assert shown["status"] == "left the domain" and "converged" not in text
            assert "the fit is lost" in text
        # numbers beyond 10⁵ are written in scientific notation, never as long integers
        assert not re.search(r"\d{7,}", text), text
    # a converged run on the plateau is flagged as a false minimum
    explorer.controls["rescale"].value = True
    explorer.controls["step"].value = 1.0
    explorer.controls["start0"].value, explorer.controls["start1"].value = 66.0, 7.0
    explorer.controls["steps"].value = 200
    assert "false minimum" in readout_text(explorer)
