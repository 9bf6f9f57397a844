"""Week 3 content: the numbers the lecture prints, its check cells, and the assignment's tests.

* The lecture ``notebooks/03_chain_rule_and_neural_networks.ipynb`` is executed once
  (nbclient) and its printed numbers are compared with values computed here.
* Its numeric check cells (``check(id, my_answer)``) accept the right answer and reject a
  wrong one, and every wrong option of its multiple-choice cells has a hint.
* The assignment master ``source/week3/neural_network.ipynb`` is run in-process, cell
  by cell (fast; the real nbgrader pipeline is ``tests/test_assignments.py``): the
  reference passes every test cell, the stub fails every one, and each plausible
  wrong answer fails exactly the test cells it should, with a message naming it.
"""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import notebook_runs
import numpy as np
import pytest
from notebook_runs import (
    cell_stdout,
    check_name,
    fill_in,
    grade_id,
    is_choice_check,
    is_numeric_check,
    numbers,
    run_cell,
)

from mmlcalc import questions
from mmlcalc.checks import Feedback

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "notebooks" / "03_chain_rule_and_neural_networks.ipynb"
MASTER = ROOT / "source" / "week3" / "neural_network.ipynb"


# ------------------------------------------------------------------------------ the lecture


@pytest.fixture(scope="module")
def lecture(clean_lecture):
    """The lecture, executed once per session (shared with tests/test_notebooks.py)."""
    return clean_lecture(LECTURE)


def test_chain_rule_numbers(lecture):
    lines = cell_stdout(lecture, "dh_dt = J_g @ J_path").splitlines()
    product, numeric, exact = (float(line.rsplit("=", 1)[1]) for line in lines[1:4])
    # h(t) = 1 + sin² t on the unit circle over x² + 2y², so h'(1) = sin 2
    assert product == pytest.approx(np.sin(2.0), abs=1e-8)
    assert numeric == pytest.approx(np.sin(2.0), abs=1e-8)
    assert exact == pytest.approx(np.sin(2.0), abs=1e-8)
    lines = cell_stdout(lecture, "def polar").splitlines()
    # h(r, θ) = r²(1 + sin² θ): ∂h/∂r = 2r(1 + sin² θ) = 5, ∂h/∂θ = r² sin 2θ = 2√3 at (2, π/6)
    for line in lines:
        np.testing.assert_allclose(numbers(line.split("=")[1]), [5.0, 2 * np.sqrt(3)], atol=2e-8)


def test_sigmoid_and_layer_numbers(lecture):
    lines = cell_stdout(lecture, "def d_sigmoid").splitlines()
    z = np.array([-2.0, 0.0, 0.5, 3.0])
    s = 1 / (1 + np.exp(-z))
    values = [numbers(line.split("=", 1)[1]) for line in lines]  # the arrays after the "="
    np.testing.assert_allclose(values[0], s, atol=5e-7)
    np.testing.assert_allclose(values[1], s * (1 - s), atol=5e-7)
    np.testing.assert_allclose(values[2], s * (1 - s), atol=5e-7)
    x = np.linspace(-1.0, 2.0, 4)
    np.testing.assert_allclose(values[3], 1 / (1 + np.exp(-(2 * x - 1))), atol=5e-5)
    assert "matrix form equals the loop: True" in cell_stdout(lecture, "by_hand = np.array(")
    text = cell_stdout(lecture, "from mmlcalc.neural import forward_pass")
    assert "same output as our loop: True" in text and "did you transpose it?" in text


def test_cost_backprop_and_gradient_check_numbers(lecture):
    text = cell_stdout(lecture, "def cost(outputs_L, Y)")
    x = np.linspace(-1.0, 1.0, 41)
    assert f"cost of always answering 0: {np.sum(np.sin(np.pi * x) ** 2) / 82:.4f}" in text
    assert "same gradients as our loop: True" in cell_stdout(lecture, "package_backprop(weights")
    for line in cell_stdout(lecture, "def numeric_gradient_of").splitlines():
        assert float(line.rsplit(" ", 1)[1]) < 1e-7  # the claim "about 1e-8 or better"
    lines = cell_stdout(lecture, "def backprop_forgetting_the_slope").splitlines()
    assert float(lines[0].rsplit(" ", 1)[1]) < 1e-7
    forgot = [float(line.rsplit(" ", 1)[1]) for line in lines[1:]]
    assert forgot[0] > 1e-2 and forgot[1] > 1e-2 and forgot[2] < 1e-7  # the output layer is right


def test_training_numbers(lecture):
    from mmlcalc.neural import Trainer, target_curve

    X, Y = target_curve("sine wave", 41)
    trainer = Trainer.new([1, 8, 1], X, Y, ["tanh", "identity"], 0.3, seed=0).run(1000)
    lines = cell_stdout(lecture, "for _ in range(1000)").splitlines()
    for line, k in zip(lines, (0, 10, 100, 1000), strict=True):
        assert float(line.rsplit(" ", 1)[1]) == pytest.approx(trainer.history[k], abs=5e-6)
    assert f"cost {trainer.history[-1]:.5f}" in cell_stdout(lecture, "trainer.run(100).run(900)")


LECTURE_ANSWERS = {  # each check cell's right answer, worked out independently, by question id
    "w3-chain-rate": np.sin(np.pi / 3),  # dh/dt at t = π/6
    "w3-sigmoid-slope": 0.25,  # da/dw for a sigmoid neuron at w = 0, b = 0, x = 1
    "w3-relu-layer": max(0.0, 1 * 2 - 1 * 1 + 0.5),
    "w3-cost-value": (1 + 4) / (2 * 2),  # the cost of the predictions [[1, 2]]
    "w3-neuron-gradient": (0.5 - 1.0) * 0.25 * 2.0,  # ∂C/∂w of the sigmoid neuron
    "w3-gradient-check-cost": 2 * (10 + 10 + 10 + 1),  # evaluations for a [1, 10, 1] network
    "w3-training-step": 1.0 - 0.1 * (1.0 * 2.0 - 5.0) * 2.0,  # the new weight after one step
}


def test_check_cells_accept_the_right_answer_and_reject_a_wrong_one():
    notebook = nbformat.read(LECTURE, as_version=4)
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    checks = [s for s in cells if is_numeric_check(s)]
    names = set()
    for source in checks:
        name = check_name(source)
        names.add(name)
        right = LECTURE_ANSWERS[name]
        for answer, correct in ((right, True), (right + 1, False)):
            feedback = run_cell(fill_in(source, answer), {"np": np, "check": questions.check})
            assert isinstance(feedback, Feedback)
            assert feedback.correct is correct, f"{name}: {feedback.message}"
    assert names == set(LECTURE_ANSWERS)
    choices = [s for s in cells if is_choice_check(s)]
    assert len(choices) == 7  # one per section
    for source in choices:
        question = run_cell(source, {"np": np, "choose": questions.choose})
        for option in question.choices.options:
            question.choices.value = option
            if option == question.answer:
                assert question.correct
            else:
                assert question.hints[option] in html.unescape(question.feedback.value)


# --------------------------------------------------------------------------- the assignment

TEST_CELLS = {
    "w3_sigmoid_matches_formula",
    "w3_sigmoid_derivative_matches_numeric",
    "w3_forward_pass_matches_reference",
    "w3_backprop_gradient_shapes",
    "w3_backprop_matches_numeric",
    "w3_train_step_lowers_cost",
}


def run_master(edits=None, stub=False) -> dict[str, str]:
    """The outcome of each test cell of the master, run in-process (see notebook_runs)."""
    return notebook_runs.run_master(MASTER, TEST_CELLS, edits, stub)


def test_master_has_six_graded_test_cells_worth_fifteen_points():
    notebook = nbformat.read(MASTER, as_version=4)
    graded = {
        grade_id(c): c.metadata["nbgrader"]["points"]
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    assert set(graded) == TEST_CELLS
    assert sum(graded.values()) == 15


def test_reference_passes_every_test_cell():
    assert run_master() == dict.fromkeys(TEST_CELLS, "")


def test_stub_fails_every_test_cell():
    outcome = run_master(stub=True)
    assert all(outcome[cell] for cell in TEST_CELLS), outcome


FORGOT = "the activation's derivative"
MUTATIONS = [
    # (answer cell, old, new, test cells that must fail, text of the message)
    # A slip costs the tests of its own task only (issue 18): the tests of a later task run
    # with the course's versions of the earlier functions swapped in (using_reference), so a
    # wrong sigmoid_derivative or forward_pass no longer fails backprop, nor a wrong backprop
    # train_step.
    (
        "w3_backprop",
        "delta = (activations[-1] - Y) / m * sigmoid_derivative(zs[-1])",
        "delta = (activations[-1] - Y) / m",
        {"w3_backprop_matches_numeric"},
        FORGOT,
    ),
    (
        "w3_backprop",
        "delta = (weights[layer].T @ delta) * sigmoid_derivative(zs[layer - 1])",
        "delta = weights[layer].T @ delta",
        {"w3_backprop_matches_numeric"},
        "forgot the activation's derivative σ′(Z) when passing δ down",
    ),
    (
        "w3_backprop",
        "delta = (activations[-1] - Y) / m * sigmoid_derivative(zs[-1])",
        "delta = (activations[-1] - Y) * sigmoid_derivative(zs[-1])",
        {"w3_backprop_matches_numeric"},
        "the 1/m is missing",
    ),
    (
        "w3_backprop",
        "grad_weights[layer] = delta @ activations[layer].T",
        "grad_weights[layer] = activations[layer] @ delta.T",
        {"w3_backprop_gradient_shapes", "w3_backprop_matches_numeric"},
        "did you transpose it?",
    ),
    (
        "w3_backprop",
        "delta.sum(axis=1, keepdims=True)",
        "delta.sum(axis=1)",
        {"w3_backprop_gradient_shapes", "w3_backprop_matches_numeric"},
        "keepdims=True",
    ),
    (
        "w3_train_step",
        "new_weights = [W - learning_rate * g",
        "new_weights = [W + learning_rate * g",
        {"w3_train_step_lowers_cost"},
        "you stepped uphill",
    ),
    (
        "w3_sigmoid",
        "return s * (1.0 - s)",
        "return s",
        {"w3_sigmoid_derivative_matches_numeric"},
        "that is σ(z) itself",
    ),
    (
        "w3_forward_pass",
        "Z = W @ activations[-1] + b",
        "Z = W @ activations[-1]",
        {"w3_forward_pass_matches_reference"},
        "the bias b is missing",
    ),
    (
        "w3_backprop",
        "    zs, activations = forward_pass(weights, biases, X)\n",
        "    return reference.backprop(weights, biases, X, Y, 'sigmoid')\n",
        {"w3_backprop_gradient_shapes", "w3_backprop_matches_numeric"},
        "calls mmlcalc.neural.backprop: this task asks you to write the formula yourself",
    ),
]


@pytest.mark.parametrize(
    "cell, old, new, lost, message", MUTATIONS, ids=[f"{m[0]}:{m[4][:30]}" for m in MUTATIONS]
)
def test_wrong_answer_fails_exactly_its_cells_and_names_the_mistake(cell, old, new, lost, message):
    outcome = run_master({cell: (old, new)})
    failed = {key for key, value in outcome.items() if value}
    assert failed == lost, outcome
    assert any(message in outcome[name] for name in lost), outcome
