"""Week 3 numerics: the multivariate chain rule, a small neural network and backpropagation.

Taught in ``notebooks/03_chain_rule_and_neural_networks.ipynb``.

The shape convention (used everywhere in week 3, assignment included)
--------------------------------------------------------------------
**Examples are columns.** A batch of m examples with n₀ inputs each is an array
``X`` of shape ``(n0, m)``; the targets ``Y`` have shape ``(nL, m)``. Layer l
(l = 1, …, L) has a weight matrix ``W`` of shape ``(n_l, n_{l-1})`` (rows: the
layer's neurons, columns: its inputs) and a bias column ``b`` of shape ``(n_l, 1)``:

    Z⁽ˡ⁾ = W⁽ˡ⁾ A⁽ˡ⁻¹⁾ + b⁽ˡ⁾,    A⁽ˡ⁾ = σ_l(Z⁽ˡ⁾),    A⁽⁰⁾ = X,

so ``Z`` and ``A`` of layer l have shape ``(n_l, m)`` and ``b`` is broadcast along
the examples. In code the layers are lists: ``weights[0]`` is W⁽¹⁾, ``biases[0]``
is b⁽¹⁾. Parameters are always passed in explicitly; nothing here keeps global
state, and no function changes the arrays it is given.

The cost is half the mean squared error over the examples,

    C = 1/(2m) Σ_examples Σ_outputs (A⁽ᴸ⁾ − Y)²,

where the ½ cancels the 2 of the derivative: ∂C/∂A⁽ᴸ⁾ = (A⁽ᴸ⁾ − Y)/m.

This module imports only NumPy: no figures, no widgets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from mmlcalc.multivariate import jacobian

__all__ = [
    "ACTIVATIONS",
    "DIVERGED",
    "FD_STEP",
    "TARGETS",
    "Trainer",
    "activation",
    "backprop",
    "cost",
    "forward_pass",
    "gradient_check",
    "identity",
    "identity_derivative",
    "init_network",
    "jacobian_product",
    "layer_sizes",
    "numerical_gradient",
    "numerical_jacobian",
    "predict",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "target_curve",
    "train_step",
]

# ------------------------------------------------------------------------------------------
# Activation functions σ(z) and their derivatives σ'(z), applied element by element.
# ------------------------------------------------------------------------------------------


def sigmoid(z):
    """The logistic sigmoid σ(z) = 1 / (1 + e^(−z)), element by element.

    Written with ``np.exp(-|z|)`` so that no large positive exponent overflows
    (for z < 0 it uses the equal form e^z / (1 + e^z)).

    Notes
    -----
    .. math:: \\sigma(z) = \\frac{1}{1 + e^{-z}}

    Taught in section 2, "A neuron".

    Parameters
    ----------
    z : float or array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z):
    """σ'(z) = σ(z)(1 − σ(z)), element by element.

    Notes
    -----
    .. math:: \\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z))

    Parameters
    ----------
    z : float or array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> float(sigmoid_derivative(0.0))
    0.25
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """The hyperbolic tangent, element by element: an S curve from −1 to 1.

    Notes
    -----
    .. math:: \\tanh z = \\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\\sigma(2z) - 1

    Examples
    --------
    >>> float(tanh(0.0))
    0.0
    """
    return np.tanh(np.asarray(z, dtype=float))


def tanh_derivative(z):
    """d/dz tanh z = 1 − tanh² z, element by element.

    Examples
    --------
    >>> float(tanh_derivative(0.0))
    1.0
    """
    t = np.tanh(np.asarray(z, dtype=float))
    return 1.0 - t * t


def relu(z):
    """The rectified linear unit max(0, z), element by element.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_derivative(z):
    """The slope of ReLU: 1 for z > 0, 0 for z < 0 (and, by convention, 0 at the kink z = 0).

    Examples
    --------
    >>> relu_derivative(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])
    """
    return (np.asarray(z, dtype=float) > 0).astype(float)


def identity(z):
    """σ(z) = z: the "no activation" of an output layer that must reach any real value.

    Examples
    --------
    >>> identity(np.array([-1.5, 2.0]))
    array([-1.5,  2. ])
    """
    return np.array(z, dtype=float)


def identity_derivative(z):
    """The slope of the identity: 1 everywhere.

    Examples
    --------
    >>> identity_derivative(np.array([-1.5, 2.0]))
    array([1., 1.])
    """
    return np.ones_like(np.asarray(z, dtype=float))


#: The activation functions of the course, by name: ``(σ, σ')``.
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "identity": (identity, identity_derivative),
}


def activation(name: str) -> tuple[Callable, Callable]:
    """The activation ``(σ, σ')`` called ``name``, one of :data:`ACTIVATIONS`.

    Examples
    --------
    >>> sigma, d_sigma = activation("tanh")
    >>> float(d_sigma(0.0))
    1.0
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}: choose one of {', '.join(map(repr, ACTIVATIONS))}"
        ) from None


def _activation_pairs(activations, n_layers: int) -> list[tuple[Callable, Callable]]:
    """One ``(σ, σ')`` pair per layer.

    ``activations`` is a name of :data:`ACTIVATIONS` (the same in every layer), or a
    sequence with one entry per layer, each a name or a ``(σ, σ')`` pair of functions.
    """
    if isinstance(activations, str) or _is_pair(activations):
        entries = [activations] * n_layers
    else:
        entries = list(activations)
        if len(entries) != n_layers:
            raise ValueError(
                f"give one activation per layer: the network has {n_layers} layers, "
                f"got {len(entries)} activations"
            )
    return [entry if _is_pair(entry) else activation(entry) for entry in entries]


def _is_pair(entry) -> bool:
    return isinstance(entry, tuple) and len(entry) == 2 and all(map(callable, entry))


# ------------------------------------------------------------------------------------------
# The network: parameters, forward pass, cost.
# ------------------------------------------------------------------------------------------


def layer_sizes(weights: Sequence, biases: Sequence) -> list[int]:
    """The widths ``[n0, n1, …, nL]`` of a network, after checking every shape fits.

    Parameters
    ----------
    weights : sequence of L arrays, ``weights[l]`` of shape (n_{l+1}, n_l)
    biases : sequence of L arrays, ``biases[l]`` of shape (n_{l+1}, 1)

    Returns
    -------
    list of int, length L + 1

    Examples
    --------
    >>> W, b = init_network([2, 3, 1])
    >>> layer_sizes(W, b)
    [2, 3, 1]
    >>> layer_sizes([np.zeros((3, 2))], [np.zeros((1, 3))])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: biases[0] should have shape (3, 1) ... got (1, 3): did you transpose it?
    """
    if isinstance(weights, np.ndarray) or isinstance(biases, np.ndarray):
        raise TypeError("weights and biases are lists of arrays, one per layer")
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(
            f"give one weight matrix and one bias column per layer: got {len(weights)} "
            f"weight matrices and {len(biases)} bias columns"
        )
    sizes = []
    for index, (W, b) in enumerate(zip(weights, biases, strict=True)):
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 2:
            raise ValueError(f"weights[{index}] should be a 2-D array, got shape {W.shape}")
        n_out, n_in = W.shape
        if index == 0:
            sizes.append(n_in)
        elif n_in != sizes[-1]:
            hint = ": did you transpose it?" if n_out == sizes[-1] else ""
            raise ValueError(
                f"weights[{index}] has shape {W.shape} but the layer before has {sizes[-1]} "
                f"outputs, so it should have {sizes[-1]} columns{hint}"
            )
        if b.shape != (n_out, 1):
            hint = ": did you transpose it?" if b.shape == (1, n_out) else ""
            raise ValueError(
                f"biases[{index}] should have shape {(n_out, 1)} (a column: one bias "
                f"per neuron), got {b.shape}{hint}"
            )
        sizes.append(n_out)
    return sizes


def _check_inputs(X, n_inputs: int, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(
            f"{name} should be a 2-D array of shape (n_inputs, n_examples), got shape {X.shape}"
        )
    if X.shape[0] != n_inputs:
        hint = ": examples are columns, did you transpose it?" if X.shape[1] == n_inputs else ""
        raise ValueError(
            f"{name} should have {n_inputs} rows (one per input), got shape {X.shape}{hint}"
        )
    return X


def init_network(sizes: Sequence[int], seed: int = 0) -> tuple[list, list]:
    """Random weights and biases for a network with layer widths ``sizes = [n0, …, nL]``.

    Every weight and bias of layer l is drawn from a normal distribution with
    variance 1/n_{l-1} (one over the number of inputs of the layer), so that a
    neuron's weighted sum z starts of order 1 whatever the width: sigmoid and
    tanh start in their sloped middle, not saturated (LeCun, Bottou, Orr and Müller,
    "Efficient BackProp", 1998). The draws come from
    ``np.random.default_rng(seed)``, so a seed always gives the same network.

    Parameters
    ----------
    sizes : sequence of int, length L + 1
    seed : int

    Returns
    -------
    weights : list of L arrays, ``weights[l]`` of shape (sizes[l + 1], sizes[l])
    biases : list of L arrays, ``biases[l]`` of shape (sizes[l + 1], 1)

    Examples
    --------
    >>> weights, biases = init_network([1, 4, 1], seed=0)
    >>> [W.shape for W in weights], [b.shape for b in biases]
    ([(4, 1), (1, 4)], [(4, 1), (1, 1)])
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(
            f"sizes must list at least an input and an output width, each at least 1; got {sizes}"
        )
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for n_in, n_out in itertools.pairwise(sizes):
        scale = 1.0 / np.sqrt(n_in)
        weights.append(rng.normal(0.0, scale, size=(n_out, n_in)))
        biases.append(rng.normal(0.0, scale, size=(n_out, 1)))
    return weights, biases


def forward_pass(weights: Sequence, biases: Sequence, X, activations) -> tuple[list, list]:
    """Run the examples ``X`` through the network, keeping every layer's Z and A.

    Notes
    -----
    .. math:: Z^{(l)} = W^{(l)} A^{(l-1)} + b^{(l)}, \\qquad A^{(l)} = \\sigma_l(Z^{(l)}),
              \\qquad A^{(0)} = X

    Taught in section 3, "A layer and a network". Backpropagation needs every
    Z⁽ˡ⁾ and A⁽ˡ⁾, which is why they are all returned.

    Parameters
    ----------
    weights : list of L arrays, ``weights[l]`` of shape (n_{l+1}, n_l)
    biases : list of L arrays, ``biases[l]`` of shape (n_{l+1}, 1)
    X : array_like, shape (n0, m)
        One example per column.
    activations : str or sequence of L str
        The activation of each layer (names of :data:`ACTIVATIONS`); one name means
        the same activation in every layer. An entry may also be a pair of functions
        ``(σ, σ')``, for an activation of your own.

    Returns
    -------
    zs : list of L arrays, ``zs[l]`` of shape (n_{l+1}, m)
        The weighted sums Z⁽¹⁾, …, Z⁽ᴸ⁾.
    outputs : list of L + 1 arrays, ``outputs[l]`` of shape (n_l, m)
        A⁽⁰⁾ = X, A⁽¹⁾, …, A⁽ᴸ⁾; the last one is the network's output.

    Examples
    --------
    >>> W = [np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]])]
    >>> b = [np.zeros((2, 1)), np.zeros((1, 1))]
    >>> zs, outputs = forward_pass(W, b, np.array([[-2.0, 3.0]]), ["relu", "identity"])
    >>> outputs[-1]          # relu(x) + relu(-x) = |x|
    array([[2., 3.]])
    """
    sizes = layer_sizes(weights, biases)
    names = _activation_pairs(activations, len(weights))
    X = _check_inputs(X, sizes[0])
    weights = [np.asarray(W, dtype=float) for W in weights]
    biases = [np.asarray(b, dtype=float) for b in biases]
    return _forward(weights, biases, X, names)


def _forward(weights: list, biases: list, X: np.ndarray, names: list) -> tuple[list, list]:
    """:func:`forward_pass` on checked float arrays (the trainer's inner loop skips the checks)."""
    A = X
    zs, outputs = [], [A]
    for W, b, (sigma, _) in zip(weights, biases, names, strict=True):
        Z = W @ A + b
        A = sigma(Z)
        zs.append(Z)
        outputs.append(A)
    return zs, outputs


def predict(weights: Sequence, biases: Sequence, X, activations) -> np.ndarray:
    """The network's output A⁽ᴸ⁾ for the examples ``X``, shape (nL, m).

    Examples
    --------
    >>> predict([np.array([[2.0]])], [np.array([[1.0]])], np.array([[0.0, 1.0]]), "identity")
    array([[1., 3.]])
    """
    return forward_pass(weights, biases, X, activations)[1][-1]


def cost(outputs, Y) -> float:
    """Half the mean squared error of the network's outputs against the targets.

    Notes
    -----
    .. math:: C = \\frac{1}{2m} \\sum_{j=1}^{m} \\lVert a^{(L)}_j - y_j \\rVert^2

    The sum runs over the m examples (columns); ``a_j`` and ``y_j`` are columns.
    Taught in section 4, "How wrong is the network? The cost".

    Parameters
    ----------
    outputs : array_like, shape (nL, m)
    Y : array_like, shape (nL, m)

    Returns
    -------
    float

    Examples
    --------
    >>> cost(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]]))   # (0² + 2²) / (2·2)
    1.0
    """
    outputs = np.asarray(outputs, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if outputs.shape != Y.shape or outputs.ndim != 2:
        hint = ": did you transpose one of them?" if outputs.shape == Y.shape[::-1] else ""
        raise ValueError(
            f"outputs and Y should both have shape (n_outputs, n_examples); got {outputs.shape} "
            f"and {Y.shape}{hint}"
        )
    m = Y.shape[1]
    return float(np.sum((outputs - Y) ** 2) / (2 * m))


# ------------------------------------------------------------------------------------------
# Backpropagation and the gradient check.
# ------------------------------------------------------------------------------------------


def backprop(weights: Sequence, biases: Sequence, X, Y, activations) -> tuple[list, list]:
    """The gradient of the cost with respect to every weight and bias, by backpropagation.

    The chain rule applied layer by layer from the output back. With
    δ⁽ˡ⁾ = ∂C/∂Z⁽ˡ⁾ (shape (n_l, m)), ⊙ the element-wise product:

    Notes
    -----
    .. math::

        \\delta^{(L)} = \\frac{1}{m}(A^{(L)} - Y) \\odot \\sigma_L'(Z^{(L)}), \\qquad
        \\delta^{(l-1)} = \\big(W^{(l)\\top} \\delta^{(l)}\\big) \\odot \\sigma_{l-1}'(Z^{(l-1)}),

        \\frac{\\partial C}{\\partial W^{(l)}} = \\delta^{(l)} A^{(l-1)\\top}, \\qquad
        \\frac{\\partial C}{\\partial b^{(l)}} = \\sum_{\\text{examples}} \\delta^{(l)}

    Taught in section 5, "Backpropagation: the chain rule, layer by layer".

    Parameters
    ----------
    weights, biases : lists of L arrays, shapes (n_{l+1}, n_l) and (n_{l+1}, 1)
    X : array_like, shape (n0, m)
    Y : array_like, shape (nL, m)
    activations : str or sequence of L str

    Returns
    -------
    grad_weights : list of L arrays, each of its weight matrix's shape
    grad_biases : list of L arrays, each of shape (n_{l+1}, 1)

    Examples
    --------
    One linear neuron y = w x + b at w = 2, b = 0 with one example x = 1, y = 0:
    C = (2 − 0)²/2, so ∂C/∂w = (wx + b − y)·x = 2 and ∂C/∂b = 2.

    >>> gW, gb = backprop([np.array([[2.0]])], [np.zeros((1, 1))],
    ...                   np.array([[1.0]]), np.array([[0.0]]), "identity")
    >>> gW[0], gb[0]
    (array([[2.]]), array([[2.]]))
    """
    zs, outputs = forward_pass(weights, biases, X, activations)
    names = _activation_pairs(activations, len(weights))
    Y = np.asarray(Y, dtype=float)
    cost(outputs[-1], Y)  # checks Y's shape against the output's
    weights = [np.asarray(W, dtype=float) for W in weights]
    return _backward(weights, Y, names, zs, outputs)


def _backward(weights: list, Y: np.ndarray, names: list, zs: list, outputs: list):
    """:func:`backprop` from a forward pass already made (``zs`` and ``outputs``)."""
    m = Y.shape[1]
    n_layers = len(weights)
    grad_weights, grad_biases = [None] * n_layers, [None] * n_layers
    delta = (outputs[-1] - Y) / m * names[-1][1](zs[-1])
    for layer in range(n_layers - 1, -1, -1):
        grad_weights[layer] = delta @ outputs[layer].T
        grad_biases[layer] = delta.sum(axis=1, keepdims=True)
        if layer > 0:
            d_sigma = names[layer - 1][1]
            delta = (weights[layer].T @ delta) * d_sigma(zs[layer - 1])
    return grad_weights, grad_biases


#: Step of the central differences in :func:`numerical_gradient` and
#: :func:`numerical_jacobian`: near ∛ε ≈ 6e-6, which balances the O(h²) truncation
#: error against the O(ε/h) round-off error for functions whose values are of order 1
#: (week 1, "How small should h be?").
FD_STEP = 1e-5


def numerical_gradient(
    weights: Sequence, biases: Sequence, X, Y, activations, h: float = FD_STEP
) -> tuple[list, list]:
    """The gradient of the cost by central differences, one parameter at a time.

    Slow (two forward passes per parameter) but independent of backpropagation:
    the gradient check compares the two.

    Notes
    -----
    .. math:: \\frac{\\partial C}{\\partial \\theta} \\approx
              \\frac{C(\\theta + h) - C(\\theta - h)}{2h}

    Taught in section 6, "Checking gradients numerically".

    Parameters
    ----------
    weights, biases : lists of L arrays, shapes (n_{l+1}, n_l) and (n_{l+1}, 1)
    X : array_like, shape (n0, m)
    Y : array_like, shape (nL, m)
    activations : str or sequence of L str
    h : float
        The step (see :data:`FD_STEP`).

    Returns
    -------
    grad_weights, grad_biases : lists of arrays shaped like ``weights`` and ``biases``

    Examples
    --------
    >>> gW, gb = numerical_gradient([np.array([[2.0]])], [np.zeros((1, 1))],
    ...                             np.array([[1.0]]), np.array([[0.0]]), "identity")
    >>> round(float(gW[0][0, 0]), 6), round(float(gb[0][0, 0]), 6)
    (2.0, 2.0)
    """
    layer_sizes(weights, biases)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"the step h must be a positive number, got {h}")
    weights = [np.array(W, dtype=float) for W in weights]
    biases = [np.array(b, dtype=float) for b in biases]

    def cost_now() -> float:
        return cost(predict(weights, biases, X, activations), Y)

    gradients = []
    for parameters in (weights, biases):
        grads = []
        for array in parameters:
            grad = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + h
                up = cost_now()
                array[index] = saved - h
                down = cost_now()
                array[index] = saved
                grad[index] = (up - down) / (2 * h)
            grads.append(grad)
        gradients.append(grads)
    return gradients[0], gradients[1]


def gradient_check(
    weights: Sequence, biases: Sequence, X, Y, activations, h: float = FD_STEP
) -> float:
    """The largest relative difference between backpropagation and central differences.

    For each parameter θ: |g_backprop − g_numeric| / max(|g_backprop| + |g_numeric|, 1e-8);
    the floor 1e-8 stops a parameter whose gradient is (nearly) zero from dividing by
    zero. Around 1e-7 or less: the backpropagation is right; 1e-2 or more: a bug.

    Returns
    -------
    float

    Examples
    --------
    >>> W, b = init_network([2, 3, 1], seed=1)
    >>> X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
    >>> bool(gradient_check(W, b, X, np.array([[1.0, 0.0, -1.0]]), ["tanh", "identity"]) < 1e-7)
    True
    """
    exact = backprop(weights, biases, X, Y, activations)
    numeric = numerical_gradient(weights, biases, X, Y, activations, h)
    worst = 0.0
    for exact_list, numeric_list in zip(exact, numeric, strict=True):
        for g, n in zip(exact_list, numeric_list, strict=True):
            scale = np.maximum(np.abs(g) + np.abs(n), 1e-8)
            worst = max(worst, float(np.max(np.abs(g - n) / scale)))
    return worst


# ------------------------------------------------------------------------------------------
# Training by gradient descent.
# ------------------------------------------------------------------------------------------


def train_step(
    weights: Sequence, biases: Sequence, X, Y, activations, learning_rate: float
) -> tuple[list, list, float]:
    """One step of gradient descent on the cost; returns new parameters, the inputs untouched.

    Notes
    -----
    .. math:: W^{(l)} \\leftarrow W^{(l)} - \\eta\\,\\frac{\\partial C}{\\partial W^{(l)}},
              \\qquad b^{(l)} \\leftarrow b^{(l)} - \\eta\\,\\frac{\\partial C}{\\partial b^{(l)}}

    Taught in section 7, "Training".

    Parameters
    ----------
    weights, biases : lists of L arrays, shapes (n_{l+1}, n_l) and (n_{l+1}, 1)
    X : array_like, shape (n0, m)
    Y : array_like, shape (nL, m)
    activations : str or sequence of L str
    learning_rate : float
        The step size η > 0.

    Returns
    -------
    new_weights, new_biases : lists of arrays of the same shapes
    cost_before : float
        The cost at the parameters given (before the step).

    Examples
    --------
    >>> W, b, c = train_step([np.array([[2.0]])], [np.zeros((1, 1))], np.array([[1.0]]),
    ...                      np.array([[0.0]]), "identity", learning_rate=0.25)
    >>> W[0], b[0], c
    (array([[1.5]]), array([[-0.5]]), 2.0)
    """
    learning_rate = float(learning_rate)
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"the learning rate must be a positive number, got {learning_rate}")
    grad_weights, grad_biases = backprop(weights, biases, X, Y, activations)
    before = cost(predict(weights, biases, X, activations), Y)
    new_weights = [
        np.asarray(W, dtype=float) - learning_rate * g
        for W, g in zip(weights, grad_weights, strict=True)
    ]
    new_biases = [
        np.asarray(b, dtype=float) - learning_rate * g
        for b, g in zip(biases, grad_biases, strict=True)
    ]
    return new_weights, new_biases, before


#: A cost this many times the starting cost means gradient descent is diverging
#: (the learning rate is too large): a converging run never climbs above its start
#: by more than a small factor, and 1e6 leaves plenty of room for a bumpy start
#: while stopping long before the numbers overflow.
DIVERGED = 1e6


class Trainer:
    """Gradient descent that advances a given number of steps and can be resumed.

    Holds its own copies of the parameters, the training data and the cost
    history; ``run(n)`` takes n more steps from wherever it stopped, so
    ``run(30); run(70)`` ends exactly where ``run(100)`` does.

    Parameters
    ----------
    weights, biases : lists of L arrays, shapes (n_{l+1}, n_l) and (n_{l+1}, 1)
        The starting point (copied: the caller's arrays are never changed).
    X : array_like, shape (n0, m)
    Y : array_like, shape (nL, m)
    activations : str or sequence of L str
    learning_rate : float

    Attributes
    ----------
    weights, biases : lists of arrays
        The current parameters.
    steps : int
        Steps taken so far.
    history : list of float, length ``steps + 1``
        ``history[k]`` is the cost after k steps; ``history[0]`` is the starting cost.
    diverged : bool
        True once a step would have blown the cost up (see :meth:`run`).

    Examples
    --------
    >>> X = np.linspace(-1, 1, 9).reshape(1, -1)
    >>> trainer = Trainer(*init_network([1, 3, 1], seed=0), X, X**2, ["tanh", "identity"], 0.5)
    >>> trainer.run(30).run(70).steps
    100
    >>> bool(trainer.history[-1] < trainer.history[0])
    True
    """

    def __init__(
        self, weights: Sequence, biases: Sequence, X, Y, activations, learning_rate: float
    ):
        sizes = layer_sizes(weights, biases)
        self.activations = _activation_pairs(activations, len(weights))
        self.X = _check_inputs(X, sizes[0])
        self.Y = np.asarray(Y, dtype=float)
        if self.Y.shape != (sizes[-1], self.X.shape[1]):
            raise ValueError(
                f"Y should have shape {(sizes[-1], self.X.shape[1])} (n_outputs, n_examples), "
                f"got {self.Y.shape}"
            )
        self.learning_rate = float(learning_rate)
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"the learning rate must be a positive number, got {learning_rate}")
        self.weights = [np.array(W, dtype=float) for W in weights]
        self.biases = [np.array(b, dtype=float) for b in biases]
        self.steps = 0
        self.diverged = False
        self._gradients = None
        self.history = [self.cost()]

    @classmethod
    def new(
        cls, sizes: Sequence[int], X, Y, activations, learning_rate: float, seed: int = 0
    ) -> Trainer:
        """A trainer starting from :func:`init_network` ``(sizes, seed)``."""
        return cls(*init_network(sizes, seed), X, Y, activations, learning_rate)

    def _gradients_and_cost(self, weights: list, biases: list) -> tuple[tuple, float]:
        zs, outputs = _forward(weights, biases, self.X, self.activations)
        value = float(np.sum((outputs[-1] - self.Y) ** 2) / (2 * self.Y.shape[1]))
        return _backward(weights, self.Y, self.activations, zs, outputs), value

    def cost(self) -> float:
        """The cost at the current parameters."""
        return cost(self.predict(self.X), self.Y)

    def predict(self, X) -> np.ndarray:
        """The network's output for examples ``X`` of shape (n0, k): shape (nL, k)."""
        return predict(self.weights, self.biases, X, self.activations)

    def run(self, n_steps: int = 1) -> Trainer:
        """Take ``n_steps`` more steps of gradient descent; returns the trainer itself.

        With a learning rate far too large the cost grows without bound. A step whose
        cost is not finite or more than :data:`DIVERGED` times the starting cost is
        not taken: the run stops there, sets ``diverged`` and the history never holds
        inf or nan (and no overflow warning is printed).
        """
        n_steps = int(n_steps)
        if n_steps < 0:
            raise ValueError(f"n_steps must be 0 or more, got {n_steps}")
        limit = DIVERGED * max(self.history[0], np.finfo(float).tiny)
        for _ in range(n_steps):
            if self.diverged:
                break
            if self._gradients is None:  # the gradient at the current parameters
                self._gradients, _ = self._gradients_and_cost(self.weights, self.biases)
            grad_weights, grad_biases = self._gradients
            eta = self.learning_rate
            with np.errstate(over="ignore", invalid="ignore"):
                weights = [W - eta * g for W, g in zip(self.weights, grad_weights, strict=True)]
                biases = [b - eta * g for b, g in zip(self.biases, grad_biases, strict=True)]
                # one forward pass gives the new cost and, with the backward pass, the
                # gradient the next step needs: one pass per step instead of three
                gradients, after = self._gradients_and_cost(weights, biases)
            if not (np.isfinite(after) and after <= limit):
                self.diverged = True
                break
            self.weights, self.biases, self._gradients = weights, biases, gradients
            self.steps += 1
            self.history.append(after)
        return self


# ------------------------------------------------------------------------------------------
# The multivariate chain rule.
# ------------------------------------------------------------------------------------------


def numerical_jacobian(f: Callable, x, h: float = FD_STEP) -> np.ndarray:
    """The Jacobian of ``f`` at ``x`` by central differences, one input at a time.

    Notes
    -----
    .. math:: J_{ij} = \\frac{\\partial f_i}{\\partial x_j} \\approx
              \\frac{f_i(x + h e_j) - f_i(x - h e_j)}{2h}

    Parameters
    ----------
    f : callable
        ``f(x)`` with ``x`` of shape (n,), returning a number or an array of shape (k,).
    x : float or array_like, shape (n,)
        A single number counts as n = 1.
    h : float
        The step (see :data:`FD_STEP`).

    Returns
    -------
    numpy.ndarray
        Shape (k, n) for a vector function, (n,) for a scalar one (the course's
        convention: a scalar function's Jacobian is a row of shape (n,)).

    Examples
    --------
    >>> numerical_jacobian(lambda x: x[0] ** 2 * x[1], [1.0, 3.0]).round(6)
    array([6., 1.])
    >>> numerical_jacobian(lambda t: np.array([np.cos(t[0]), np.sin(t[0])]), 0.0).round(6)
    array([[0.],
           [1.]])
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if x.ndim != 1:
        raise ValueError(f"x should be a number or a 1-D array of shape (n,), got shape {x.shape}")
    # the same central differences as week 2's jacobian, with this week's fixed step
    return jacobian(f, x, h)


def jacobian_product(*jacobians) -> np.ndarray:
    """The chain rule: the Jacobian of a composition, outermost map's Jacobian first.

    For y = g(f(x)), J_{g∘f}(x) = J_g(f(x)) J_f(x): pass ``jacobian_product(J_g, J_f)``.
    Each Jacobian has shape (outputs, inputs), so neighbours must agree: the
    inputs of one are the outputs of the next. A 1-D array is a scalar function's
    row (shape (n,)); when the outermost map is scalar the product is one too, a row
    of shape (k_r,), as NumPy's ``@`` gives it (the course's convention).

    Notes
    -----
    .. math:: J_{g \\circ f}(x) = J_g\\big(f(x)\\big)\\, J_f(x)

    Taught in section 1, "The multivariate chain rule".

    Parameters
    ----------
    *jacobians : arrays of shapes (k0, k1), (k1, k2), …, (k_{r-1}, k_r)

    Returns
    -------
    numpy.ndarray, shape (k0, k_r), or (k_r,) when the first Jacobian is a row (n,)

    Examples
    --------
    >>> jacobian_product(np.array([2.0, 1.0]), np.array([[1.0], [3.0]]))
    array([5.])
    >>> jacobian_product(np.eye(2), np.array([[1.0], [3.0]]))
    array([[1.],
           [3.]])
    """
    if not jacobians:
        raise ValueError("give at least one Jacobian")
    product = None
    for index, J in enumerate(jacobians):
        J = np.asarray(J, dtype=float)
        J = J.reshape(1, -1) if J.ndim == 1 else J
        if J.ndim != 2:
            raise ValueError(f"Jacobian {index} should be 2-D (outputs, inputs), got {J.shape}")
        if product is None:
            product = J
            continue
        if product.shape[1] != J.shape[0]:
            raise ValueError(
                f"Jacobian {index} has shape {J.shape}, but the Jacobian before it takes "
                f"{product.shape[1]} inputs: the outer map's inputs must be the inner map's "
                "outputs (are they in the right order, outermost first?)"
            )
        product = product @ J
    scalar = np.ndim(jacobians[0]) == 1  # the outermost map gives one number
    return product[0] if scalar else product


# ------------------------------------------------------------------------------------------
# Target curves for the training explorer.
# ------------------------------------------------------------------------------------------

#: Target curves on -1 ≤ x ≤ 1 for a network with one input and one output.
TARGETS: dict[str, Callable] = {
    "sine wave": lambda x: np.sin(np.pi * x),
    "bump": lambda x: 2.0 * np.exp(-8.0 * x**2) - 1.0,
    "absolute value": lambda x: 2.0 * np.abs(x) - 1.0,
    "step": lambda x: np.tanh(12.0 * x),
}


def target_curve(name: str = "sine wave", n_examples: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced training examples of one of the :data:`TARGETS` on −1 ≤ x ≤ 1.

    Returns
    -------
    X : numpy.ndarray, shape (1, n_examples)
    Y : numpy.ndarray, shape (1, n_examples)

    Examples
    --------
    >>> X, Y = target_curve("sine wave", 5)
    >>> X.shape, Y.round(6)
    ((1, 5), array([[-0., -1.,  0.,  1.,  0.]]))
    """
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}: choose one of {', '.join(map(repr, TARGETS))}")
    if int(n_examples) < 2:
        raise ValueError(f"n_examples must be at least 2, got {n_examples}")
    X = np.linspace(-1.0, 1.0, int(n_examples)).reshape(1, -1)
    return X, TARGETS[name](X)
