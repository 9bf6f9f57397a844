"""The week 3 explorers and figures, driven headless.

Each explorer is built as ``notebooks/03_chain_rule_and_neural_networks.ipynb`` builds
it; a test sets a control's ``.value`` (a slider drag) or clicks a button and checks
the numbers shown against values computed here, the readout, the PNG frame and the
data of the moving artists.
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image
from scipy.special import expit

from mmlcalc.neural import Trainer, target_curve
from mmlcalc.plotting.neural import (
    COST_LIMITS,
    plot_chain_rule,
    plot_network,
    plot_neuron,
    plot_training,
)
from mmlcalc.widgets.base import DPI
from mmlcalc.widgets.neural import chain_rule_explorer, neuron_explorer, training_explorer

# ---------------------------------------------------------------------- the notebook's maths


def path(t):
    return np.cos(t), np.sin(t)


def d_path(t):
    return -np.sin(t), np.cos(t)


def g(x, y):
    return x**2 + 2 * y**2


def grad_g(x, y):
    return 2 * x, 4 * y


def frame_size(explorer):
    return Image.open(io.BytesIO(explorer.image.value)).size


def all_controls_labelled(explorer):
    return all(control.description for control in explorer.controls.values())


# ---------------------------------------------------------------------------------- neuron


def test_neuron_explorer_moves_the_curve_with_w_and_b():
    explorer = neuron_explorer(w=1.0, b=0.0)
    assert all_controls_labelled(explorer)
    explorer.controls["w"].value = 3.0
    explorer.controls["b"].value = 1.5
    shown = explorer.shown
    assert shown["middle"] == pytest.approx(-0.5)
    assert shown["slope_at_middle"] == pytest.approx(0.75)  # σ'(0) = 1/4, times w = 3
    assert shown["output_at_0"] == pytest.approx(expit(1.5))
    x, y = explorer.scene.curve.get_data()
    np.testing.assert_allclose(y, expit(3.0 * x + 1.5), rtol=1e-12)
    assert "−0.500" in explorer.readout.value or "-0.500" in explorer.readout.value
    assert frame_size(explorer) == (round(6.4 * DPI), round(3.6 * DPI))


def test_neuron_explorer_switches_activation_and_handles_w_zero():
    explorer = neuron_explorer(w=2.0, b=1.0)
    explorer.controls["activation"].value = "relu"
    x, y = explorer.scene.curve.get_data()
    np.testing.assert_allclose(y, np.maximum(2.0 * x + 1.0, 0.0))
    assert "relu" in explorer.scene.ax.get_title()
    explorer.controls["w"].value = 0.0
    assert np.isnan(explorer.shown["middle"])
    assert "ignores its input" in explorer.readout.value


def test_plot_neuron_static():
    ax = plot_neuron(-1.0, 2.0, "tanh", ax=Figure().subplots())
    x, y = ax.lines[1].get_data()
    np.testing.assert_allclose(y, np.tanh(-x + 2.0))


# ------------------------------------------------------------------------------ chain rule


@pytest.mark.parametrize("t", [0.0, 0.7, 2.5, 4.0])
def test_chain_rule_explorer_multiplies_the_jacobians(t):
    explorer = chain_rule_explorer(path, d_path, g, grad_g, t=1.0)
    explorer.controls["t"].value = t
    shown = explorer.shown
    # h(t) = cos² t + 2 sin² t = 1 + sin² t, so h'(t) = sin 2t
    assert shown["dh_dt"] == pytest.approx(np.sin(2 * t), abs=1e-12)
    assert shown["dh_dt_numeric"] == pytest.approx(np.sin(2 * t), abs=1e-8)
    np.testing.assert_allclose(shown["J_g"], [2 * np.cos(t), 4 * np.sin(t)], atol=1e-12)
    np.testing.assert_allclose(shown["J_path"], [-np.sin(t), np.cos(t)], atol=1e-12)
    assert shown["h"] == pytest.approx(1 + np.sin(t) ** 2)
    ts, ys = explorer.scene.tangent.get_data()
    assert (ys[1] - ys[0]) / (ts[1] - ts[0]) == pytest.approx(np.sin(2 * t), abs=1e-9)
    np.testing.assert_allclose(explorer.scene.arrows.get_offsets()[0], [np.cos(t), np.sin(t)])
    assert f"{np.sin(2 * t):.4f}".replace("-0.0000", "0.0000") in explorer.readout.value


def test_plot_chain_rule_static():
    _left, right = plot_chain_rule(path, d_path, g, grad_g, np.pi / 2, figure=Figure()).axes
    assert right.lines[-1].get_ydata() == [pytest.approx(2.0)]  # h(π/2) = g(0, 1) = 2


def test_plot_network_labels_every_weight_shape():
    ax = plot_network([3, 5, 2], ax=Figure().subplots())
    labels = [text.get_text() for text in ax.texts]
    assert "W⁽¹⁾: (5, 3)" in labels and "W⁽²⁾: (2, 5)" in labels
    with pytest.raises(ValueError, match="at least two"):
        plot_network([4])


# -------------------------------------------------------------------------------- training


def independent_trainer(target, width, eta, steps, seed=0):
    X, Y = target_curve(target, 41)
    return Trainer.new([1, width, 1], X, Y, ["tanh", "identity"], eta, seed=seed).run(steps)


def test_training_explorer_buttons_step_run_and_reset():
    explorer = training_explorer(width=5, learning_rate=0.2)
    assert all_controls_labelled(explorer)
    assert all(button.description for button in explorer.buttons.values())
    assert all(isinstance(b, widgets.Button) for b in explorer.buttons.values())
    assert explorer.shown["steps"] == 0
    explorer.buttons["step"].click()
    explorer.buttons["step"].click()
    assert explorer.controls["steps"].value == 2
    explorer.buttons["run"].click()
    assert explorer.shown["steps"] == 102
    reference = independent_trainer("sine wave", 5, 0.2, 102)
    assert explorer.shown["cost"] == pytest.approx(reference.history[-1], rel=1e-12)
    x, y = explorer.scene.fit.get_data()
    np.testing.assert_allclose(y, reference.predict(x.reshape(1, -1))[0], rtol=1e-12)
    _xs, costs = explorer.scene.cost_curve.get_data()
    assert len(costs) == 103
    np.testing.assert_allclose(costs, reference.history)
    assert "102" in explorer.readout.value
    explorer.buttons["reset"].click()
    assert explorer.shown["steps"] == 0
    assert explorer.shown["cost"] == pytest.approx(reference.history[0])


def test_training_explorer_width_and_rate_retrain_from_the_seeded_start():
    explorer = training_explorer(width=3, learning_rate=0.3)
    explorer.controls["steps"].value = 200
    explorer.controls["width"].value = 8
    assert explorer.shown["n_parameters"] == 8 + 8 + 8 + 1
    assert explorer.shown["cost"] == pytest.approx(
        independent_trainer("sine wave", 8, 0.3, 200).history[-1], rel=1e-12
    )
    explorer.controls["learning_rate"].value = 0.05
    slow = independent_trainer("sine wave", 8, 0.05, 200).history[-1]
    assert explorer.shown["cost"] == pytest.approx(slow, rel=1e-12)


def test_training_explorer_reports_divergence():
    explorer = training_explorer(width=8, learning_rate=3.0)
    explorer.buttons["run"].click()
    assert explorer.shown["diverged"]
    assert "diverged" in explorer.readout.value
    assert explorer.shown["steps"] < 100


def test_training_explorer_changes_target():
    explorer = training_explorer()
    explorer.controls["target"].value = "bump"
    explorer.controls["steps"].value = 50
    expected = independent_trainer("bump", 6, 0.3, 50).history[-1]
    assert explorer.shown["cost"] == pytest.approx(expected, rel=1e-12)


def test_run_100_is_fast_and_stops_at_the_end_of_the_axis():
    explorer = training_explorer(width=16, learning_rate=0.3, max_steps=250)
    start = time.perf_counter()
    explorer.buttons["run"].click()
    elapsed = time.perf_counter() - start
    # 100 steps of a 1-16-1 network on 41 examples plus one frame take about 50 ms;
    # "well under a second" leaves a factor of 10 for a loaded machine
    assert elapsed < 0.5
    explorer.buttons["run"].click()
    explorer.buttons["run"].click()
    assert explorer.shown["steps"] == 250


def test_plot_training_static_and_limits():
    X, Y = target_curve("absolute value", 21)
    _left, right = plot_training(X, Y, 4, 0.3, 20, figure=Figure()).axes
    costs = right.lines[0].get_ydata()
    assert len(costs) == 21
    # a static figure's axes fit its one run: steps 0 to 20, the costs with a decade of room
    assert right.get_xlim() == (0, 20)
    assert right.get_ylim() == pytest.approx((min(costs) / 10, max(costs) * 10))
    assert COST_LIMITS[0] < min(costs) and max(costs) < COST_LIMITS[1]
    assert f"{costs[-1]:.3g} after 20 steps" in right.texts[-1].get_text()
    with pytest.raises(ValueError, match="shape"):
        plot_training(X.T, Y.T, 4, 0.3, 1, figure=Figure())


def test_the_explorers_step_axis_grows_with_the_steps_taken_and_keeps_the_training():
    explorer = training_explorer(width=4, learning_rate=0.3)
    assert explorer.scene.right.get_xlim() == (0, 100)
    explorer.buttons["run"].click()
    trainer = explorer.scene.trainer
    assert explorer.scene.right.get_xlim() == (0, 100) and trainer.steps == 100
    explorer.buttons["step"].click()  # step 101: the axis now ends at 300, same training
    assert explorer.scene.right.get_xlim() == (0, 300)
    assert explorer.scene.trainer is trainer and explorer.shown["steps"] == 101
    assert len(explorer.scene.cost_curve.get_xdata()) == 102
    explorer.buttons["reset"].click()
    assert explorer.scene.right.get_xlim() == (0, 100) and explorer.shown["steps"] == 0
