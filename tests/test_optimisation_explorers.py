"""The week 5 explorers and figures, driven headless: set control values, press buttons,
and compare what is shown with numbers computed here independently."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from mmlcalc.optimisation import DESCENT_LANDSCAPES, descent_landscape
from mmlcalc.plotting.optimisation import plot_constraint, plot_descent, plot_newton
from mmlcalc.widgets.optimisation import constraint_explorer, descent_explorer, newton_explorer


def cubic(x):
    return x**3 - 2 * x + 2


def d_cubic(x):
    return 3 * x**2 - 2


def every_control_is_labelled(explorer):
    for control in explorer.controls.values():
        assert control.description
    assert "Figure:" in explorer.caption.value


# --- Newton-Raphson ------------------------------------------------------------------


def test_newton_explorer_steps_match_the_formula():
    explorer = newton_explorer(cubic, d_cubic, x0=-2.5, x_range=(-3, 3))
    every_control_is_labelled(explorer)
    x = -2.5
    for k in range(1, 5):
        explorer.buttons["step"].click()
        x = x - cubic(x) / d_cubic(x)  # computed here, step by step
        assert explorer.shown["steps"] == k
        assert explorer.shown["x"] == pytest.approx(x, rel=1e-14)
        assert f"{x:.10g}" in explorer.readout.value
    # the latest tangent passes through the previous iterate on the curve, with slope f'(x),
    # and reaches past both the previous and the new iterate
    tx, ty = explorer.scene.latest.get_data()
    a, b = explorer.shown["path"][-2:]
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(d_cubic(a))
    assert ty[0] + d_cubic(a) * (a - tx[0]) == pytest.approx(cubic(a))
    assert min(tx) < min(a, b) and max(tx) > max(a, b)
    explorer.buttons["reset"].click()
    assert explorer.shown["steps"] == 0 and explorer.shown["x"] == -2.5
    assert "no step" in explorer.readout.value


def test_newton_explorer_shows_each_failure():
    explorer = newton_explorer(cubic, d_cubic, x0=0.0, x_range=(-3, 3), max_steps=8)
    explorer.controls["steps"].value = 8
    assert explorer.shown["reason"] == "cycle" and explorer.shown["path"].tolist() == [0, 1, 0]
    assert "cycle" in explorer.readout.value
    square = newton_explorer(lambda x: x**2 - 1, lambda x: 2 * x, x0=0.0, x_range=(-2, 2))
    square.controls["steps"].value = 3
    assert square.shown["reason"] == "zero derivative" and "flat" in square.readout.value
    square.controls["x0"].value = 3.0 if square.controls["x0"].max >= 3 else 1.8
    assert square.shown["reason"] == "iteration cap" and square.shown["taken"] == 3
    root = newton_explorer(
        np.cbrt, lambda x: 1 / (3 * np.cbrt(x) ** 2), x0=0.5, x_range=(-3, 3), max_steps=40
    )
    root.controls["steps"].value = 40
    assert root.shown["reason"] == "divergence" and "diverging" in root.readout.value


def test_plot_newton_static():
    ax = plot_newton(cubic, d_cubic, -2.5, steps=3, x_range=(-3, 3), ax=Figure().subplots())
    path = [-2.5]
    for _ in range(3):
        path.append(path[-1] - cubic(path[-1]) / d_cubic(path[-1]))
    iterates = next(line for line in ax.lines if line.get_label().startswith("x₀"))
    assert np.allclose(iterates.get_xdata(), path) and np.all(iterates.get_ydata() == 0)


# --- gradient descent ----------------------------------------------------------------


def test_descent_explorer_three_regimes_on_the_bowl():
    explorer = descent_explorer("elongated bowl")
    every_control_is_labelled(explorer)
    step = explorer.controls["step"]
    # λ_max = 10: smooth below η = 0.1, zig-zag between 0.1 and 0.2, divergent above 0.2
    seen = {}
    for eta in (0.05, 0.15, 0.25):
        step.value = eta
        seen[eta] = explorer.shown["regime"]
        assert explorer.shown["step"] == pytest.approx(eta, rel=1e-3)
    assert seen == {0.05: "converges", 0.15: "oscillates", 0.25: "diverges"}
    assert "diverges" in explorer.readout.value
    # both ends of the slider are in those regimes
    assert step.min <= np.log10(0.05) and step.max >= np.log10(0.25)


def test_descent_explorer_path_is_the_gradient_descent_path():
    explorer = descent_explorer("elongated bowl", max_steps=20)
    explorer.controls["x"].value, explorer.controls["y"].value = -2.0, 1.0
    explorer.controls["step"].value = 0.05
    eta = explorer.shown["step"]
    point, expected = np.array([-2.0, 1.0]), [np.array([-2.0, 1.0])]
    for _ in range(20):
        point = point - eta * np.array([point[0], 10 * point[1]])
        expected.append(point)
    assert np.allclose(explorer.shown["path"], expected, rtol=1e-12)
    x, y = explorer.scene.path_line.get_data()
    assert np.allclose(np.column_stack([x, y]), expected)
    _, values = explorer.scene.values_line.get_data()
    assert np.allclose(values, [0.5 * (p[0] ** 2 + 10 * p[1] ** 2) for p in expected])


def test_descent_explorer_volcano_regimes_and_slider_ranges():
    explorer = descent_explorer("elongated bowl")
    explorer.controls["landscape"].value = "volcano"
    land = descent_landscape("volcano")
    assert (explorer.controls["x"].min, explorer.controls["x"].max) == tuple(land.bounds[0])
    assert (explorer.controls["y"].min, explorer.controls["y"].max) == tuple(land.bounds[1])
    assert "(m)" in explorer.controls["x"].description
    regimes = {}
    for eta in (30.0, 113.0, 1000.0):
        explorer.controls["step"].value = eta
        regimes[eta] = explorer.shown["regime"]
    assert regimes == {30.0: "converges", 113.0: "oscillates", 1000.0: "diverges"}
    assert explorer.shown["reason"] == "left the region" and "left the map" in (
        explorer.readout.value
    )
    explorer.controls["step"].value = 30.0
    # into the crater: the sandpit's crater floor, 148 m, within 1 m
    assert explorer.shown["f_end"] == pytest.approx(148.0, abs=1.0)
    explorer.controls["landscape"].value = "two valleys"
    assert explorer.controls["x"].max == 2.0 and explorer.shown["landscape"] == "two valleys"


@pytest.mark.parametrize("name", DESCENT_LANDSCAPES)
def test_plot_descent_static(name):
    land = descent_landscape(name)
    fig = plot_descent(name, *land.start, land.step, figure=Figure(figsize=(9, 3.6)))
    path_line = next(line for line in fig.axes[0].lines if line.get_label() == "path")
    assert path_line.get_xdata()[0] == land.start[0]


# --- Lagrange --------------------------------------------------------------------------


def objective(p):
    return p[0] ** 2 * p[1]


def objective_gradient(p):
    return np.array([2 * p[0] * p[1], p[0] ** 2])


def circle(t):
    return np.sqrt(3) * np.cos(t), np.sqrt(3) * np.sin(t)


def test_constraint_explorer_finds_alignment_at_the_known_maximum():
    # max of x² y on x² + y² = 3 at (√2, 1), λ = y = 1: there t = atan2(1, √2)
    explorer = constraint_explorer(
        objective, objective_gradient, circle, lambda p: 2 * p, t=0.3, bounds=((-2, 2), (-2, 2))
    )
    every_control_is_labelled(explorer)
    assert abs(explorer.shown["sine"]) > 0.1 and "∇f ∥ ∇g" not in explorer.readout.value
    explorer.controls["t"].value = float(np.arctan2(1.0, np.sqrt(2)))
    s = explorer.shown
    assert np.allclose(s["point"], [np.sqrt(2), 1.0], atol=1e-2)  # slider steps of 0.01
    assert abs(s["sine"]) < 0.01 and s["lambda"] == pytest.approx(1.0, abs=0.02)
    assert s["f"] == pytest.approx(2.0, abs=1e-3)
    assert "∇f ∥ ∇g" in explorer.readout.value
    # here |∇f| = √12 is its largest on the circle: the ∇f arrow has the full length,
    # the length of the ∇g arrow
    (a0, a1), (b0, b1) = explorer.scene.f_arrow.ends, explorer.scene.g_arrow.ends
    assert np.hypot(a1[0] - a0[0], a1[1] - a0[1]) == pytest.approx(
        np.hypot(b1[0] - b0[0], b1[1] - b0[1]), rel=1e-4
    )


def test_constraint_sine_against_direct_computation():
    explorer = constraint_explorer(objective, objective_gradient, circle, lambda p: 2 * p)
    for t in (0.1, 1.0, 2.5, 4.0):
        explorer.controls["t"].value = t
        p = np.array(circle(t))
        gf, gg = objective_gradient(p), 2 * p
        sine = (gf[0] * gg[1] - gf[1] * gg[0]) / (np.linalg.norm(gf) * np.linalg.norm(gg))
        assert explorer.shown["sine"] == pytest.approx(sine, abs=1e-12)


def test_plot_constraint_static():
    fig = plot_constraint(
        objective, objective_gradient, circle, lambda p: 2 * p, 1.0, figure=Figure(figsize=(9, 3.6))
    )
    x, y = fig.axes[1].lines[-1].get_data()  # axes: the map, f along the curve, colour bar
    assert x[0] == 1.0 and y[0] == pytest.approx(objective(np.array(circle(1.0))))


# --- what the readouts say (issue 16: never a false status) ------------------------------


def test_newton_readout_gives_the_fate_of_the_whole_run():
    explorer = newton_explorer(cubic, d_cubic, x0=0.0, x_range=(-3, 3))
    assert explorer.controls["steps"].max == 50  # enough for cycles to appear
    fates = {}
    for x0 in (0.0, -0.63, 0.9, 0.27):
        explorer.controls["x0"].value = x0
        fates[x0] = explorer.shown["fate"]
        assert explorer.shown["steps"] == 0  # nothing drawn yet, the fate is still known
    assert fates == {0.0: "cycle", -0.63: "cycle", 0.9: "converged", 0.27: "iteration cap"}
    explorer.controls["x0"].value = -0.81
    assert "reaching |x| = 96.6" in explorer.readout.value
    assert "converges to -1.769292354" in explorer.readout.value


def test_descent_readout_tells_a_bounded_cycle_from_divergence():
    explorer = descent_explorer("volcano")
    explorer.controls["step"].value = 10 ** (np.log10(3.0) + 72 * (np.log10(1000 / 3) / 100))
    assert explorer.shown["regime"] == "cycles" and explorer.shown["reason"] == "iteration cap"
    assert "cycles" in explorer.readout.value and "diverges" not in explorer.readout.value
    explorer.controls["landscape"].value = "elongated bowl"
    explorer.controls["step"].value = 0.25
    assert "diverges (overshoots further each step)" in explorer.readout.value


def test_constraint_explorer_treats_grad_f_zero_as_lambda_zero():
    explorer = constraint_explorer(
        objective, objective_gradient, circle, lambda p: 2 * p, t=0.3, bounds=((-2.5, 2.5),) * 2
    )
    explorer.controls["t"].value = 1.57  # (0, √3) to two decimals: ∇f ≈ 0
    shown = explorer.shown
    assert shown["flat"] and abs(shown["lambda"]) < 1e-4
    assert not explorer.scene.f_arrow.get_visible() and len(explorer.scene.flat_ring.get_xdata())
    assert "λ = 0" in explorer.readout.value and "angle" not in explorer.readout.value
    # away from it the ∇f arrow is drawn, its length growing with |∇f|, never below a quarter
    lengths = {}
    for t in (1.45, 0.62):
        explorer.controls["t"].value = t
        lengths[t] = explorer.shown["f_arrow_length"]
        assert explorer.scene.f_arrow.get_visible() and not explorer.shown["flat"]
    full = explorer.shown["g_arrow_length"]
    assert full / 4 <= lengths[1.45] < lengths[0.62] <= full
    # every arrow stays inside the map
    for t in np.arange(0, 6.28, 0.3):
        explorer.controls["t"].value = round(t, 2)
        for arrow in (explorer.scene.f_arrow, explorer.scene.g_arrow):
            _start, end = arrow.ends
            assert np.all(np.abs(end) <= 2.5)
