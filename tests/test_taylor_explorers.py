"""The week 4 explorers driven headless: set ``.value`` on the controls, then check
``explorer.shown``, the readout and the drawn artists against numbers computed here
independently (closed-form coefficients, ``numpy.polynomial``, analytic J and H).
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from mmlcalc.plotting.taylor import (
    LinearisationScene,
    QuadraticApproximationScene,
    plot_quadratic_approximation,
    plot_taylor_polynomial,
)
from mmlcalc.widgets.taylor import (
    DEFAULT_VIEWS,
    linearisation_explorer,
    quadratic_approximation_explorer,
    taylor_explorer,
)

BENCHMARK_CASES = Path(__file__).resolve().parents[1] / "benchmarks/explorer_cases/week4.py"


def _egg_box():
    def f(p):
        return np.sin(p[..., 0]) * np.cos(p[..., 1])

    def jacobian(p):
        x, y = p
        return np.array([np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)])

    def hessian(p):
        x, y = p
        diagonal, off = -np.sin(x) * np.cos(y), -np.cos(x) * np.sin(y)
        return np.array([[diagonal, off], [off, diagonal]])

    return f, jacobian, hessian


def _labelled_and_keyboard_operable(explorer):
    for control in explorer.controls.values():
        assert control.description, "every control needs a visible label"
        # sliders, dropdowns: all ipywidgets value widgets, reachable with Tab and arrows
        assert type(control).__name__ in {"IntSlider", "FloatSlider", "FloatLogSlider", "Dropdown"}
    assert "Figure:" in explorer.caption.value


# --- Taylor polynomial explorer ------------------------------------------------------------


def test_taylor_explorer_shows_the_closed_form_coefficients_and_draws_the_polynomial():
    explorer = taylor_explorer(("exp", "sin", "log1p"), order=1, a=0.0)
    _labelled_and_keyboard_operable(explorer)
    explorer.controls["order"].value = 4
    explorer.controls["a"].value = 1.0
    # eˣ about 1: cₖ = e/k!
    expected = np.array([math.e / math.factorial(k) for k in range(5)])
    np.testing.assert_allclose(explorer.shown["coefficients"], expected, rtol=1e-14)
    curve = explorer.scene.curve
    x, y = curve.get_xdata(), curve.get_ydata()
    np.testing.assert_allclose(y, np.polynomial.polynomial.polyval(x - 1.0, expected), rtol=1e-12)
    # the largest error within 0.5 of a = 1 is at the far end, x = 1.5: e^1.5 − p(1.5)
    near = np.abs(x - 1.0) <= 0.5
    worst = np.max(
        np.abs(np.exp(x[near]) - np.polynomial.polynomial.polyval(x[near] - 1, expected))
    )
    assert explorer.shown["max_error_near_a"] == pytest.approx(worst, rel=1e-9)
    assert explorer.shown["radius"] == math.inf
    assert "converges for every x" in explorer.readout.value
    assert f"{worst:.2e}" in explorer.readout.value


def test_taylor_explorer_error_near_a_falls_as_the_order_rises():
    explorer = taylor_explorer(("cos",), order=0, a=0.3)
    errors = []
    for order in range(0, 9):
        explorer.controls["order"].value = order
        errors.append(explorer.shown["max_error_near_a"])
    # within 0.5 of a the error of order n is at most 0.5ⁿ⁺¹/(n+1)!: strictly falling
    assert all(later < earlier for earlier, later in itertools.pairwise(errors))
    assert errors[-1] < 0.5**9 / math.factorial(9)


def test_switching_function_keeps_the_expansion_point_in_the_domain_and_shades_the_radius():
    explorer = taylor_explorer(("exp", "log1p", "geometric"), order=3, a=-1.5)
    explorer.controls["function"].value = "ln(1 + x)"
    low, high = DEFAULT_VIEWS["log1p"]["a_range"]
    slider = explorer.controls["a"]
    assert (slider.min, slider.max) == (low, high) and slider.value == low
    assert explorer.shown["a"] == low and explorer.shown["radius"] == pytest.approx(1 + low)
    # the band spans from the left edge of the plot (−0.95 > a − R = −1) to a + R
    band = explorer.scene.band
    assert band.get_x() == pytest.approx(-0.95)
    assert band.get_x() + band.get_width() == pytest.approx(low + (1 + low))
    assert "Cannot draw" not in explorer.readout.value
    explorer.controls["function"].value = "1/(1 − x)"
    assert explorer.controls["a"].value == pytest.approx(-0.5)  # still inside (−2, 0.5)
    assert explorer.shown["radius"] == pytest.approx(1.5)
    np.testing.assert_allclose(
        explorer.shown["coefficients"], 1 / 1.5 ** np.arange(1, 5), rtol=1e-14
    )


def test_taylor_explorer_rejects_unknown_series():
    with pytest.raises(ValueError, match="unknown series 'tan'"):
        taylor_explorer(("tan",))


def test_static_taylor_plot_draws_given_coefficients():
    top, bottom = plot_taylor_polynomial(
        np.cos, [1.0, 0.0, -0.5], 0.0, figure=Figure(), radius=None
    ).axes
    x, y = top.lines[1].get_xydata().T
    np.testing.assert_allclose(y, 1 - x**2 / 2, rtol=1e-14)
    error = bottom.lines[0].get_ydata()
    np.testing.assert_allclose(error, np.maximum(np.abs(np.cos(x) - (1 - x**2 / 2)), 1e-17))


# --- linearisation explorer ------------------------------------------------------------------


FUNCTIONS = {
    "eˣ": (np.exp, np.exp),
    "sin x": (np.sin, np.cos),
}


def test_linearisation_explorer_error_matches_the_tangent_line_gap():
    explorer = linearisation_explorer(FUNCTIONS, a=0.5, dx=0.3)
    _labelled_and_keyboard_operable(explorer)
    for dx in (1.0, 1e-2, 1e-4):
        explorer.controls["dx"].value = dx
        dx = explorer.controls["dx"].value  # the log slider rounds to its steps
        gap = np.exp(0.5 + dx) - np.exp(0.5) * (1 + dx)
        assert explorer.shown["error"] == pytest.approx(gap, rel=1e-6)
        assert explorer.scene.marker.get_xydata().tolist() == [[dx, pytest.approx(gap)]]
        assert f"{gap:.2e}" in explorer.readout.value
    # error / Δx² → f″(a)/2 = e^0.5 / 2 with an O(Δx) correction (Δx = 1e-4: 1e-4 relative)
    assert explorer.shown["error_over_dx2"] == pytest.approx(np.exp(0.5) / 2, rel=1e-3)
    assert explorer.shown["fitted_slope"] == pytest.approx(2.0, abs=0.02)


def test_linearisation_explorer_rebuilds_for_a_new_point_and_function():
    explorer = linearisation_explorer(FUNCTIONS, a=0.5)
    explorer.controls["function"].value = "sin x"
    explorer.controls["a"].value = 0.0
    assert explorer.shown["a"] == 0.0
    # sin x at 0: f″(0) = 0, so the gap x − sin x ≈ x³/6 falls with slope 3, not 2
    assert explorer.shown["fitted_slope"] == pytest.approx(3.0, abs=0.02)
    explorer.controls["dx"].value = 0.1
    assert explorer.shown["L"] == pytest.approx(0.1)
    assert explorer.shown["error"] == pytest.approx(0.1 - np.sin(0.1), rel=1e-9)


def test_linearisation_scene_draws_the_gap_bar_between_curve_and_tangent():
    scene = LinearisationScene(Figure().subplots(1, 2), np.exp, np.exp, a=0.0)
    scene.update(dx=0.5)
    (x0, x1), (low, high) = scene.gap.get_data()
    assert x0 == x1 == 0.5 and low == pytest.approx(1.5) and high == pytest.approx(np.exp(0.5))


# --- quadratic approximation explorer ------------------------------------------------------------


def test_quadratic_explorer_shows_J_and_H_at_the_point_moved_by_sliders():
    f, jacobian, hessian = _egg_box()
    explorer = quadratic_approximation_explorer(f, jacobian, hessian, point=(1.0, 0.5))
    _labelled_and_keyboard_operable(explorer)
    explorer.controls["x"].value = -0.6
    explorer.controls["y"].value = 1.2
    x, y = -0.6, 1.2
    J = [np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)]
    H = [
        [-np.sin(x) * np.cos(y), -np.cos(x) * np.sin(y)],
        [-np.cos(x) * np.sin(y), -np.sin(x) * np.cos(y)],
    ]
    np.testing.assert_allclose(explorer.shown["J"], J, rtol=1e-14)
    np.testing.assert_allclose(explorer.shown["H"], H, rtol=1e-14)
    assert explorer.shown["f"] == pytest.approx(np.sin(x) * np.cos(y))
    assert explorer.scene.point.get_xydata().tolist() == [[x, y]]
    np.testing.assert_allclose(np.sort(explorer.shown["eigenvalues"]), np.linalg.eigvalsh(H))
    assert explorer.shown["quadratic_slope"] == pytest.approx(3.0, abs=0.1)
    assert explorer.shown["linear_slope"] == pytest.approx(2.0, abs=0.1)
    assert f"J = [{J[0]:.3f}, {J[1]:.3f}]" in explorer.readout.value


def test_quadratic_explorer_redraws_the_model_contours_at_the_same_levels():
    f, jacobian, hessian = _egg_box()
    explorer = quadratic_approximation_explorer(f, jacobian, hessian)
    before = explorer.scene.q_contours
    explorer.controls["x"].value = 0.0
    after = explorer.scene.q_contours
    assert after is not before and before not in explorer.scene.artists
    np.testing.assert_allclose(after.levels, explorer.scene.levels)
    # at (0, 0.5): value 0, J = (cos 0.5, 0), H = [[0, −sin 0.5], [−sin 0.5, 0]]: a saddle
    assert explorer.shown["shape"].startswith("saddle")


def test_classification_and_a_vanishing_third_derivative():
    f, jacobian, hessian = _egg_box()
    explorer = quadratic_approximation_explorer(f, jacobian, hessian, point=(1.55, 0.0))
    # near the peak (π/2, 0): H ≈ −I, a dome
    assert explorer.shown["shape"].startswith("dome")
    # exactly at (π/2, 0) every third derivative of sin x cos y vanishes: the error is O(r⁴)
    scene = QuadraticApproximationScene(Figure().subplots(1, 2), f, jacobian, hessian)
    shown = scene.update(x=np.pi / 2, y=0.0)
    assert shown["quadratic_slope"] == pytest.approx(4.0, abs=0.1)


def test_quadratic_scene_needs_points_of_shape_n_by_2():
    with pytest.raises(ValueError, match=r"points of shape \(\.\.\., 2\)"):
        QuadraticApproximationScene(
            Figure().subplots(1, 2), lambda p: 1.0, lambda p: np.zeros(2), lambda p: np.eye(2)
        )


def test_static_quadratic_plot_marks_the_point():
    f, jacobian, hessian = _egg_box()
    left, _right = plot_quadratic_approximation(
        f, jacobian, hessian, [0.2, -0.4], figure=Figure()
    ).axes
    assert left.lines[0].get_xydata().tolist() == [[0.2, -0.4]]


# --- the benchmark cases ---------------------------------------------------------------


def test_benchmark_cases_build_and_name_real_controls():
    spec = importlib.util.spec_from_file_location("week4_cases", BENCHMARK_CASES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert len(module.CASES) >= 3
    for name, factory, key, values in module.CASES:
        explorer = factory()
        assert key in explorer.controls, f"{name}: no control {key!r}"
        frame = explorer.image.value
        current = explorer.controls[key].value
        explorer.controls[key].value = next(v for v in values if not np.isclose(v, current))
        assert explorer.image.value != frame, f"{name}: the frame was not redrawn"
