"""The week 2 explorers driven headless: set ``.value`` on controls, ``.click()`` buttons, and
compare ``explorer.shown``, the readout and the artists with numbers computed here.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from mmlcalc.plotting.multivariate import (
    on_grid,
    plot_gradient_arrow,
    plot_jacobian_map,
    plot_landscape,
    plot_sandpit,
    plot_surface_cut,
)
from mmlcalc.sandpit import Sandpit, make_landscape
from mmlcalc.widgets.multivariate import (
    SandpitExplorer,
    gradient_explorer,
    jacobian_map_explorer,
    sandpit_explorer,
    surface_cut_explorer,
)


def saddle(p):
    return p[0] ** 2 - p[1] ** 2 + p[0] * p[1]


def saddle_dx(p):
    return 2 * p[0] + p[1]


def saddle_dy(p):
    return -2 * p[1] + p[0]


def saddle_jacobian(p):
    return np.array([saddle_dx(p), saddle_dy(p)])


def polar(p):
    return np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])


def polar_jacobian(p):
    return np.array([[np.cos(p[1]), -p[0] * np.sin(p[1])], [np.sin(p[1]), p[0] * np.cos(p[1])]])


def all_controls_are_labelled_and_keyboard_operable(explorer):
    for control in explorer.controls.values():
        assert control.description
        assert isinstance(control, (widgets.FloatSlider, widgets.Dropdown))
    assert "Figure:" in explorer.caption.value


def test_surface_cut_explorer_holds_y_and_shows_the_partial_derivative():
    explorer = surface_cut_explorer(saddle, saddle_dx, x=1.0, y=0.5)
    all_controls_are_labelled_and_keyboard_operable(explorer)
    for x, y in [(1.0, -1.0), (-1.5, 0.25), (0.3, 1.7)]:
        explorer.controls["x"].value = x
        explorer.controls["y"].value = y
        assert explorer.shown["f"] == pytest.approx(x**2 - y**2 + x * y)
        assert explorer.shown["slope"] == pytest.approx(2 * x + y)
        assert f"{2 * x + y:.4f}" in explorer.readout.value
        # the cut curve on the right is f(t, y) along t
        curve = explorer.scene.curve
        t = curve.get_xdata()
        np.testing.assert_allclose(curve.get_ydata(), t**2 - y**2 + t * y)


def test_surface_cut_explorer_can_hold_x():
    explorer = surface_cut_explorer(saddle, saddle_dy, x=0.5, y=1.0, hold="x")
    assert explorer.shown["free"] == "y"
    explorer.controls["y"].value = -1.0
    assert explorer.shown["slope"] == pytest.approx(2.0 + 0.5)
    assert "∂f/∂y" in explorer.readout.value


def test_gradient_explorer_arrow_is_the_jacobian_and_perpendicular_to_the_contour():
    explorer = gradient_explorer(saddle, saddle_jacobian, x=1.0, y=0.5)
    all_controls_are_labelled_and_keyboard_operable(explorer)
    for x, y in [(1.0, 1.0), (-0.5, 1.5), (1.8, -1.2)]:
        explorer.controls["x"].value = x
        explorer.controls["y"].value = y
        expected = np.array([2 * x + y, x - 2 * y])
        np.testing.assert_allclose(explorer.shown["jacobian"], expected)
        assert explorer.shown["steepness"] == pytest.approx(np.hypot(*expected))
        start, end = explorer.scene.arrow.ends
        arrow = np.subtract(end, start)
        np.testing.assert_allclose(arrow, explorer.scene.scale * expected)
        level = np.diff(np.array(explorer.scene.level_line.get_data()), axis=1).ravel()
        assert (
            abs(level @ expected) < 1e-9 * np.linalg.norm(level) * np.linalg.norm(expected) + 1e-12
        )


def test_jacobian_map_explorer_area_ratio_tends_to_det():
    explorer = jacobian_map_explorer(polar, polar_jacobian, x=1.5, y=0.3)
    all_controls_are_labelled_and_keyboard_operable(explorer)
    np.testing.assert_allclose(explorer.shown["jacobian"], polar_jacobian([1.5, 0.3]))
    assert explorer.shown["det"] == pytest.approx(1.5)
    errors = []
    for size in [0.4, 0.2, 0.1, 0.04]:
        explorer.controls["size"].value = size
        errors.append(abs(explorer.shown["area_ratio"] - 1.5))
    # the polar map scales the area of a square of side s centred at radius r by exactly r
    # (the image is an annular sector), so the ratio is r up to the 20-point polygon's error
    assert max(errors) < 2e-3
    # the linear parallelogram's corner: g(p) + J (corner - p)
    corner = explorer.scene.linear.get_xy()[0]
    x, y, s = 1.5, 0.3, 0.04
    expected = polar([x, y]) + polar_jacobian([x, y]) @ np.array([-s / 2, -s / 2])
    np.testing.assert_allclose(corner, expected)


def drive(explorer, points):
    for x, y in points:
        explorer.controls["x"].value = x
        explorer.controls["y"].value = y
        explorer.probe_button.click()


def test_sandpit_explorer_probe_button_records_depth_and_jacobian():
    explorer = sandpit_explorer("bowl", mode="gradient", budget=4, seed=2)
    all_controls_are_labelled_and_keyboard_operable(explorer)
    assert isinstance(explorer, SandpitExplorer)
    assert explorer.probe_button.description == "Probe"
    before = explorer.image.value
    drive(explorer, [(2.0, 3.0)])
    assert explorer.image.value is not before
    landscape = make_landscape("bowl", 2)
    assert explorer.shown["last"].depth == pytest.approx(-landscape.height(2.0, 3.0))
    np.testing.assert_allclose(explorer.shown["last"].jacobian, landscape.gradient(2.0, 3.0))
    assert "J = [" in explorer.readout.value
    assert explorer.shown["probes_left"] == 3
    # the arrow drawn at the probe is along the Jacobian
    start, end = explorer.scene.arrows[0].ends
    direction = np.subtract(end, start)
    jac = landscape.gradient(2.0, 3.0)
    assert direction @ jac / np.linalg.norm(direction) / np.linalg.norm(jac) == pytest.approx(1.0)
    # moving the aim does not probe
    explorer.controls["x"].value = 7.0
    assert explorer.shown["probes"] == 1
    assert explorer.scene.aim.get_xdata()[0] == 7.0


def test_sandpit_explorer_depth_mode_hides_the_arrows():
    explorer = sandpit_explorer("bowl", mode="depth", budget=4, seed=2)
    drive(explorer, [(2.0, 3.0), (6.0, 6.0)])
    assert not any(arrow.get_visible() for arrow in explorer.scene.arrows)
    assert "J =" not in explorer.readout.value
    assert explorer.scene.labels[1].get_text().startswith(" 2:")


def test_sandpit_explorer_verdicts_found_stuck_out_of_probes():
    landscape = make_landscape("narrow well", 0)
    explorer = sandpit_explorer("narrow well", mode="depth", budget=2, seed=0)
    drive(explorer, [(9.9, 9.9), tuple(landscape.local_minima[0, :2])])
    assert explorer.shown["verdict"] == "stuck"
    assert "local minimum" in explorer.readout.value
    assert explorer.probe_button.disabled
    assert explorer.scene.reveal.get_visible()  # the landscape is revealed
    explorer.probe_button.click()  # a click after the end changes nothing
    assert explorer.shown["probes"] == 2

    explorer.new_game_button.click()
    assert explorer.seed == 1 and explorer.shown["verdict"] == "playing"
    assert not explorer.probe_button.disabled and not explorer.scene.reveal.get_visible()
    deep = explorer.game.landscape.deepest
    drive(explorer, [(deep[0], deep[1])])
    assert explorer.shown["verdict"] == "found" and "Found it" in explorer.readout.value

    explorer.new_game_button.click()
    drive(explorer, [(0.0, 10.0), (10.0, 0.0)])
    assert explorer.shown["verdict"] == "out of probes"


def test_sandpit_explorer_volcano_changes_the_sliders_to_metres():
    explorer = sandpit_explorer("bowl", budget=3)
    explorer.controls["landscape"].value = "volcano"
    assert explorer.controls["x"].max == 600.0 and explorer.controls["y"].max == 860.0
    assert explorer.shown["probes"] == 0
    drive(explorer, [(330.0, 570.0)])  # the crater floor, 148 m
    assert explorer.shown["last"].height == 148.0
    assert "height 148 m" in explorer.readout.value
    explorer.controls["mode"].value = "gradient"  # a new game in the other mode
    assert explorer.game.mode == "gradient" and explorer.shown["probes"] == 0


def test_sandpit_explorer_unknown_landscape():
    with pytest.raises(ValueError, match="unknown landscape"):
        sandpit_explorer("moon")


def test_static_plots_draw_the_same_scenes():
    fig = plot_surface_cut(saddle, saddle_dx, 1.0, 0.0, figure=Figure(figsize=(8, 3.5)))
    assert len(fig.axes) >= 2
    ax = plot_gradient_arrow(saddle, saddle_jacobian, 1.0, 0.0, ax=Figure().subplots())
    assert ax.patches
    _left, right = plot_jacobian_map(polar, polar_jacobian, 1.0, 0.0, figure=Figure()).axes
    assert len(right.patches) == 2
    ax = plot_landscape(make_landscape("volcano"), ax=Figure().subplots())
    assert ax.lines[0].get_xdata()[0] == make_landscape("volcano").deepest[0]
    game = Sandpit("bowl", budget=2)
    game.probe(1.0, 1.0)
    ax = plot_sandpit(game, ax=Figure().subplots())
    assert ax.texts[0].get_text().startswith(" 1:")


def test_on_grid_loops_a_function_of_one_point():
    x, y = np.meshgrid([0.0, 3.0], [4.0, 0.0])
    np.testing.assert_allclose(on_grid(np.linalg.norm, x, y), [[4.0, 5.0], [0.0, 3.0]])
