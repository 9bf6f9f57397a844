"""Unit tests of ``mmlcalc.neural``: activations, the network, backpropagation, training.

Independent truths used: scipy's ``expit`` for the sigmoid, central differences for
every derivative and gradient (error bounds justified where they appear), a forward
pass written one example at a time, closed-form gradients of a single neuron and of
a linear layer (least squares), and resumed training matching one long run.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy.special import expit

from mmlcalc import neural
from mmlcalc.neural import (
    ACTIVATIONS,
    DIVERGED,
    TARGETS,
    Trainer,
    activation,
    backprop,
    cost,
    forward_pass,
    gradient_check,
    init_network,
    jacobian_product,
    layer_sizes,
    numerical_gradient,
    numerical_jacobian,
    predict,
    sigmoid,
    target_curve,
    train_step,
)

# z values avoiding 0, where ReLU has its kink and no derivative
Z = np.concatenate([np.linspace(-6.0, -0.05, 30), np.linspace(0.05, 6.0, 30)])


def random_problem(sizes, seed, m=7):
    """A random network with examples X (n0, m) and targets Y (nL, m), all seeded."""
    rng = np.random.default_rng(seed + 1000)
    weights, biases = init_network(sizes, seed=seed)
    X = rng.normal(size=(sizes[0], m))
    Y = rng.normal(size=(sizes[-1], m))
    return weights, biases, X, Y


# ------------------------------------------------------------------------------------------
# Activations
# ------------------------------------------------------------------------------------------


def test_sigmoid_matches_scipy_and_never_overflows():
    z = np.linspace(-800.0, 800.0, 1601)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would be a RuntimeWarning
        got = sigmoid(z)
    np.testing.assert_allclose(got, expit(z), rtol=1e-15, atol=1e-300)


def test_tanh_is_a_stretched_sigmoid():
    np.testing.assert_allclose(neural.tanh(Z), 2 * sigmoid(2 * Z) - 1, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_central_difference(name):
    sigma, d_sigma = activation(name)
    h = 1e-5
    numeric = (sigma(Z + h) - sigma(Z - h)) / (2 * h)
    # truncation h²/6·|σ'''| ≤ 1e-10/6 · 5 and round-off ε/h ≈ 2e-11: 1e-9 is ample
    np.testing.assert_allclose(d_sigma(Z), numeric, atol=1e-9)
    assert d_sigma(Z).shape == Z.shape


def test_activation_values_at_known_points():
    assert float(sigmoid(0.0)) == 0.5
    assert float(neural.sigmoid_derivative(0.0)) == 0.25
    np.testing.assert_array_equal(neural.relu([-1.0, 0.0, 2.0]), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(neural.relu_derivative([-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(neural.identity_derivative([[3.0, -4.0]]), [[1.0, 1.0]])


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown activation 'softmax'.*'sigmoid'"):
        activation("softmax")


# ------------------------------------------------------------------------------------------
# Network shapes and the forward pass
# ------------------------------------------------------------------------------------------


def test_init_network_shapes_seed_and_scale():
    weights, biases = init_network([3, 5, 2], seed=4)
    assert [W.shape for W in weights] == [(5, 3), (2, 5)]
    assert [b.shape for b in biases] == [(5, 1), (2, 1)]
    again, _ = init_network([3, 5, 2], seed=4)
    np.testing.assert_array_equal(weights[0], again[0])
    # variance 1/n_in: with 400 × 100 draws the sample variance is within 3 % of 1/100
    big, _ = init_network([100, 400], seed=0)
    assert abs(big[0].var() * 100 - 1) < 0.03


@pytest.mark.parametrize("sizes", [[1], [2, 0, 1], []])
def test_init_network_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        init_network(sizes)


def test_layer_sizes_names_the_likely_transpose():
    with pytest.raises(ValueError, match=r"weights\[1\].*transpose"):
        layer_sizes([np.zeros((4, 3)), np.zeros((4, 2))], [np.zeros((4, 1)), np.zeros((2, 1))])
    with pytest.raises(ValueError, match=r"biases\[0\].*\(4, 1\).*transpose"):
        layer_sizes([np.zeros((4, 3))], [np.zeros((1, 4))])
    with pytest.raises(ValueError, match="one weight matrix and one bias"):
        layer_sizes([np.zeros((4, 3))], [])
    with pytest.raises(TypeError, match="lists of arrays"):
        layer_sizes(np.zeros((4, 3)), [np.zeros((4, 1))])


def test_forward_pass_matches_one_example_at_a_time():
    weights, biases, X, _ = random_problem([3, 4, 5, 2], seed=2)
    names = ["sigmoid", "relu", "identity"]
    zs, outputs = forward_pass(weights, biases, X, names)
    assert [Z.shape for Z in zs] == [(4, 7), (5, 7), (2, 7)]
    assert [A.shape for A in outputs] == [(3, 7), (4, 7), (5, 7), (2, 7)]
    for j in range(X.shape[1]):
        a = X[:, j]
        for W, b, name in zip(weights, biases, names, strict=True):
            z = np.array([np.dot(W[i], a) + b[i, 0] for i in range(W.shape[0])])
            a = {
                "sigmoid": expit,
                "relu": lambda v: np.where(v > 0, v, 0.0),
                "identity": lambda v: v,
            }[name](z)
        np.testing.assert_allclose(outputs[-1][:, j], a, rtol=1e-13)


def test_forward_pass_rejects_transposed_inputs_and_wrong_activation_count():
    weights, biases, X, _ = random_problem([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match="examples are columns, did you transpose"):
        forward_pass(weights, biases, X.T, "tanh")
    with pytest.raises(ValueError, match=r"one activation per layer.*2 layers"):
        forward_pass(weights, biases, X, ["tanh"])


def test_forward_pass_leaves_its_inputs_alone():
    weights, biases, X, _ = random_problem([2, 3, 1], seed=1)
    copies = [W.copy() for W in weights], [b.copy() for b in biases], X.copy()
    forward_pass(weights, biases, X, "tanh")
    for got, kept in zip(weights + biases + [X], copies[0] + copies[1] + [copies[2]], strict=True):
        np.testing.assert_array_equal(got, kept)


def test_cost_known_values_and_shape_errors():
    assert cost([[1.0, 2.0]], [[1.0, 0.0]]) == 1.0
    # two outputs, two examples: (1 + 4 + 9 + 16) / (2·2)
    assert cost([[1.0, 2.0], [3.0, 4.0]], np.zeros((2, 2))) == 7.5
    with pytest.raises(ValueError, match="transpose"):
        cost(np.zeros((1, 3)), np.zeros((3, 1)))


# ------------------------------------------------------------------------------------------
# Backpropagation
# ------------------------------------------------------------------------------------------


def test_backprop_of_one_sigmoid_neuron_matches_the_hand_derivation():
    # C = (σ(wx + b) − y)² / 2 for one example, so ∂C/∂w = (a − y) σ'(z) x, ∂C/∂b = (a − y) σ'(z)
    w, b, x, y = 0.7, -0.3, 1.5, 0.2
    z = w * x + b
    a = expit(z)
    gW, gb = backprop(
        [np.array([[w]])], [np.array([[b]])], np.array([[x]]), np.array([[y]]), "sigmoid"
    )
    assert gW[0][0, 0] == pytest.approx((a - y) * a * (1 - a) * x, rel=1e-14)
    assert gb[0][0, 0] == pytest.approx((a - y) * a * (1 - a), rel=1e-14)


def test_backprop_of_a_linear_layer_is_the_least_squares_gradient():
    weights, biases, X, Y = random_problem([4, 3], seed=5, m=11)
    residual = weights[0] @ X + biases[0] - Y
    gW, gb = backprop(weights, biases, X, Y, "identity")
    np.testing.assert_allclose(gW[0], residual @ X.T / 11, rtol=1e-13)
    np.testing.assert_allclose(gb[0], residual.mean(axis=1, keepdims=True), rtol=1e-13)


@pytest.mark.parametrize(
    "sizes, names",
    [
        ([1, 1], "sigmoid"),
        ([2, 3, 1], ["tanh", "identity"]),
        ([3, 5, 4, 2], ["sigmoid", "tanh", "sigmoid"]),
        ([2, 6, 6, 6, 1], ["tanh", "sigmoid", "tanh", "identity"]),
        ([3, 4, 2], ["relu", "identity"]),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_matches_central_differences(sizes, names, seed):
    weights, biases, X, Y = random_problem(sizes, seed)
    exact = backprop(weights, biases, X, Y, names)
    numeric = numerical_gradient(weights, biases, X, Y, names)
    for exact_list, numeric_list, reference in zip(exact, numeric, (weights, biases), strict=True):
        for g, n, p in zip(exact_list, numeric_list, reference, strict=True):
            assert g.shape == p.shape
            # central differences with h = 1e-5 on a cost of order 1: truncation
            # ~h²·C''' ≈ 1e-10 and round-off ~ε·C/h ≈ 2e-11, so 1e-8 absolute is safe
            # (ReLU's kink is met with probability zero at random points)
            np.testing.assert_allclose(g, n, atol=1e-8)
    assert gradient_check(weights, biases, X, Y, names) < 1e-5


def test_gradient_check_catches_a_missing_activation_derivative():
    weights, biases, X, Y = random_problem([2, 3, 1], seed=3)
    names = ["sigmoid", "sigmoid"]
    exact = backprop(weights, biases, X, Y, names)
    wrong = backprop(weights, biases, X, Y, "identity")  # a different cost surface altogether
    assert not np.allclose(exact[0][0], wrong[0][0])
    assert gradient_check(weights, biases, X, Y, names) < 1e-6


def test_numerical_gradient_rejects_a_bad_step():
    weights, biases, X, Y = random_problem([1, 1], seed=0)
    with pytest.raises(ValueError, match="step h"):
        numerical_gradient(weights, biases, X, Y, "tanh", h=0.0)


# ------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------


def test_train_step_moves_against_the_gradient_and_lowers_the_cost():
    weights, biases, X, Y = random_problem([2, 4, 1], seed=6)
    names = ["tanh", "identity"]
    kept = [W.copy() for W in weights]
    gW, gb = backprop(weights, biases, X, Y, names)
    new_w, new_b, before = train_step(weights, biases, X, Y, names, 0.01)
    np.testing.assert_allclose(new_w[1], weights[1] - 0.01 * gW[1])
    np.testing.assert_allclose(new_b[0], biases[0] - 0.01 * gb[0])
    assert before == pytest.approx(cost(predict(weights, biases, X, names), Y))
    assert cost(predict(new_w, new_b, X, names), Y) < before
    np.testing.assert_array_equal(weights[0], kept[0])
    with pytest.raises(ValueError, match="learning rate"):
        train_step(weights, biases, X, Y, names, -0.1)


def test_trainer_resumes_exactly_where_it_stopped():
    X, Y = target_curve("bump", 21)
    start = init_network([1, 5, 1], seed=3)
    one = Trainer(*start, X, Y, ["tanh", "identity"], 0.3).run(100)
    two = Trainer(*start, X, Y, ["tanh", "identity"], 0.3).run(30).run(0).run(70)
    assert one.steps == two.steps == 100
    assert len(one.history) == 101
    np.testing.assert_array_equal(one.history, two.history)
    np.testing.assert_array_equal(one.weights[0], two.weights[0])
    assert one.history[-1] < 0.5 * one.history[0]
    assert one.history[-1] == pytest.approx(one.cost())
    np.testing.assert_array_equal(start[0][0], init_network([1, 5, 1], seed=3)[0][0])


def test_trainer_stops_when_training_diverges_without_warnings():
    X, Y = target_curve("sine wave")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer.new([1, 8, 1], X, Y, ["tanh", "identity"], 5.0).run(500)
    assert trainer.diverged and trainer.steps < 500
    assert np.all(np.isfinite(trainer.history))
    assert max(trainer.history) <= DIVERGED * trainer.history[0]


def test_trainer_checks_its_data():
    with pytest.raises(ValueError, match=r"Y should have shape \(1, 5\)"):
        Trainer.new([1, 2, 1], np.zeros((1, 5)), np.zeros((5, 1)), "tanh", 0.1)
    with pytest.raises(ValueError, match="learning rate"):
        Trainer.new([1, 2, 1], np.zeros((1, 5)), np.zeros((1, 5)), "tanh", 0.0)
    with pytest.raises(ValueError, match="n_steps"):
        Trainer.new([1, 2, 1], np.zeros((1, 5)), np.zeros((1, 5)), "tanh", 0.1).run(-1)


# ------------------------------------------------------------------------------------------
# Chain rule helpers and targets
# ------------------------------------------------------------------------------------------


def test_numerical_jacobian_matches_analytic_jacobians():
    def f(x):
        return np.array([x[0] ** 2 * x[1], np.sin(x[0]) + np.exp(x[1]), x[0] * x[1] * x[2]])

    x = np.array([0.7, -0.4, 1.3])
    analytic = np.array(
        [
            [2 * x[0] * x[1], x[0] ** 2, 0.0],
            [np.cos(x[0]), np.exp(x[1]), 0.0],
            [x[1] * x[2], x[0] * x[2], x[0] * x[1]],
        ]
    )
    # central differences, h = 1e-5: error below 1e-9 for derivatives of order 1
    np.testing.assert_allclose(numerical_jacobian(f, x), analytic, atol=1e-9)
    row = numerical_jacobian(lambda v: v[0] * v[1], [2.0, 3.0])
    assert row.shape == (2,)
    np.testing.assert_allclose(row, [3.0, 2.0], atol=1e-9)


def test_chain_rule_product_matches_the_composition():
    def inner(t):  # R → R², a curve
        return np.array([np.cos(t[0]), np.sin(2 * t[0])])

    def outer(u):  # R² → R
        return u[0] ** 2 + 3 * u[1]

    t = np.array([0.4])
    J_inner = np.array([[-np.sin(0.4)], [2 * np.cos(0.8)]])
    J_outer = np.array([2 * np.cos(0.4), 3.0])
    product = jacobian_product(J_outer, J_inner)
    assert product.shape == (1,)  # a scalar function of one input: the row (n,) = (1,)
    composed = numerical_jacobian(lambda s: outer(inner(s)), t)
    np.testing.assert_allclose(product, composed, atol=1e-9)
    with pytest.raises(ValueError, match="outermost first"):
        jacobian_product(J_inner, np.eye(3))


def test_target_curves():
    for name in TARGETS:
        X, Y = target_curve(name, 9)
        assert X.shape == Y.shape == (1, 9)
        assert np.all(np.abs(Y) <= 1.0 + 1e-12)
    with pytest.raises(ValueError, match="unknown target"):
        target_curve("zigzag")
    with pytest.raises(ValueError, match="at least 2"):
        target_curve("bump", 1)


def test_importing_the_numerics_loads_no_plotting_library():
    code = (
        "import sys, mmlcalc.neural; "
        "print(any(m.startswith(('matplotlib', 'ipywidgets')) for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_an_activation_can_be_a_pair_of_functions():
    weights, biases, X, Y = random_problem([2, 3, 1], seed=8)
    pair = (neural.sigmoid, neural.sigmoid_derivative)
    by_name = backprop(weights, biases, X, Y, "sigmoid")
    by_pair = backprop(weights, biases, X, Y, [pair, pair])
    np.testing.assert_array_equal(by_name[0][0], by_pair[0][0])
    # replacing σ' by 1 in every layer is "forgetting the activation's derivative"
    forgot = backprop(weights, biases, X, Y, (neural.sigmoid, np.ones_like))
    A1 = expit(weights[0] @ X + biases[0])
    A2 = expit(weights[1] @ A1 + biases[1])
    delta2 = (A2 - Y) / X.shape[1]
    np.testing.assert_allclose(forgot[0][1], delta2 @ A1.T)
    np.testing.assert_allclose(forgot[0][0], (weights[1].T @ delta2) @ X.T)
