# ruff: noqa: E501 (answers as a learner types them, and their slips)
"""Week 3 (a neural network): correct answers in other styles, and the classic slips."""

from fairness import correct, slip

SIGMOID = "w3_sigmoid_matches_formula"
DERIVATIVE = "w3_sigmoid_derivative_matches_numeric"
FORWARD = "w3_forward_pass_matches_reference"
SHAPES = "w3_backprop_gradient_shapes"
NUMERIC = "w3_backprop_matches_numeric"
STEP = "w3_train_step_lowers_cost"

FORWARD_BODY = """    zs, activations = [], [X]
    for W, b in zip(weights, biases, strict=True):
        Z = W @ activations[-1] + b
        zs.append(Z)
        activations.append(sigmoid(Z))
    return zs, activations"""
BACKPROP_LOOP = """    for layer in reversed(range(L)):
        grad_weights[layer] = delta @ activations[layer].T
        grad_biases[layer] = delta.sum(axis=1, keepdims=True)
        if layer > 0:
            delta = (weights[layer].T @ delta) * sigmoid_derivative(zs[layer - 1])"""
STEP_BODY = """    grad_weights, grad_biases = backprop(weights, biases, X, Y)
    new_weights = [W - learning_rate * g for W, g in zip(weights, grad_weights, strict=True)]
    new_biases = [b - learning_rate * g for b, g in zip(biases, grad_biases, strict=True)]
    return new_weights, new_biases"""

SUBMISSIONS = [
    correct(
        "lists_and_loops",
        (
            "w3_sigmoid",
            """    s = sigmoid(z)
    return s * (1.0 - s)""",
            "    return np.exp(-z) / (1 + np.exp(-z)) ** 2",
        ),
        (
            "w3_forward_pass",
            FORWARD_BODY,
            """    A = X
    zs = []
    activations = [X]
    layer = 0
    while layer < len(weights):
        Z = np.dot(weights[layer], A) + biases[layer]
        A = sigmoid(Z)
        zs.append(Z)
        activations.append(A)
        layer += 1
    return [zs, activations]""",
        ),
        (
            "w3_backprop",
            BACKPROP_LOOP,
            """    for layer in range(L - 1, -1, -1):
        grad_weights[layer] = np.dot(delta, activations[layer].T)
        grad_biases[layer] = np.sum(delta, axis=1).reshape(-1, 1)
        if layer:
            delta = np.dot(weights[layer].T, delta) * sigmoid_derivative(zs[layer - 1])""",
        ),
        (
            "w3_backprop",
            "    return grad_weights, grad_biases",
            "    return [grad_weights, grad_biases]",
        ),
        (
            "w3_train_step",
            STEP_BODY,
            """    gW, gb = backprop(weights, biases, X, Y)
    new_weights, new_biases = [], []
    for layer in range(len(weights)):
        new_weights.append(weights[layer] - learning_rate * gW[layer])
        new_biases.append(biases[layer] - learning_rate * gb[layer])
    return [new_weights, new_biases]""",
        ),
        note="pairs returned as lists (the text says 'two lists'), while loops, np.dot",
    ),
    correct(
        "other_algebra",
        (
            "w3_sigmoid",
            "    return 1.0 / (1.0 + np.exp(-z))",
            "    return np.exp(z) / (np.exp(z) + 1)",
        ),
        (
            "w3_sigmoid",
            """    s = sigmoid(z)
    return s * (1.0 - s)""",
            "    return sigmoid(z) - sigmoid(z) ** 2",
        ),
        (
            "w3_backprop",
            "    delta = (activations[-1] - Y) / m * sigmoid_derivative(zs[-1])",
            "    A = activations[-1]\n    delta = (A - Y) * A * (1 - A) / m  # σ′(Z) = A (1 − A)",
        ),
        (
            "w3_train_step",
            STEP_BODY,
            """    steps = backprop(weights, biases, X, Y)
    return (
        list(map(lambda W, g: W - learning_rate * g, weights, steps[0])),
        list(map(lambda b, g: b - learning_rate * g, biases, steps[1])),
    )""",
        ),
        note="σ written with e^z, σ′ = σ − σ², δ from the activations, map",
    ),
    correct(
        "one_example_at_a_time",
        (
            "w3_backprop",
            """    grad_weights, grad_biases = [None] * L, [None] * L
    delta = (activations[-1] - Y) / m * sigmoid_derivative(zs[-1])
"""
            + BACKPROP_LOOP,
            """    grad_weights = [np.zeros_like(W) for W in weights]
    grad_biases = [np.zeros_like(b) for b in biases]
    for j in range(m):
        column = slice(j, j + 1)
        delta = (activations[-1][:, column] - Y[:, column]) * sigmoid_derivative(zs[-1][:, column])
        for layer in reversed(range(L)):
            grad_weights[layer] += delta @ activations[layer][:, column].T / m
            grad_biases[layer] += delta / m
            if layer > 0:
                delta = (weights[layer].T @ delta) * sigmoid_derivative(zs[layer - 1][:, column])""",
        ),
        note="backpropagation one example (column) at a time, averaged",
    ),
    slip(
        "sigmoid_sign",
        "w3_sigmoid",
        {SIGMOID},
        ("w3_sigmoid", "np.exp(-z)", "np.exp(z)"),
        note="review: 6/15 under nbgrader and 4/15 under mmlcalc-grade before",
    ),
    slip(
        "derivative_plus",
        "w3_sigmoid",
        {DERIVATIVE},
        ("w3_sigmoid", "s * (1.0 - s)", "s * (1.0 + s)"),
    ),
    slip(
        "forward_without_bias",
        "w3_forward_pass",
        {FORWARD},
        ("w3_forward_pass", "Z = W @ activations[-1] + b", "Z = W @ activations[-1]"),
    ),
    slip(
        "forward_linear_output",
        "w3_forward_pass",
        {FORWARD},
        (
            "w3_forward_pass",
            "activations.append(sigmoid(Z))",
            "activations.append(sigmoid(Z) if len(zs) < len(weights) else Z)",
        ),
        note="review: a linear output layer, 8/15 and 6/15 before",
    ),
    slip(
        "backprop_without_1_over_m",
        "w3_backprop",
        {NUMERIC},
        ("w3_backprop", "(activations[-1] - Y) / m *", "(activations[-1] - Y) *"),
        note="review: 11/15 and 9/15 before",
    ),
    slip(
        "backprop_without_keepdims",
        "w3_backprop",
        {SHAPES, NUMERIC},
        ("w3_backprop", "keepdims=True", "keepdims=False"),
        note="review: 7/15 before",
    ),
    slip(
        "backprop_index",
        "w3_backprop",
        {SHAPES, NUMERIC},
        ("w3_backprop", "sigmoid_derivative(zs[layer - 1])", "sigmoid_derivative(zs[layer])"),
        note="review: a raw broadcast error",
    ),
    slip(
        "train_step_uphill",
        "w3_train_step",
        {STEP},
        ("w3_train_step", "[W - learning_rate * g", "[W + learning_rate * g"),
    ),
    slip(
        "train_step_in_place",
        "w3_train_step",
        {STEP},
        (
            "w3_train_step",
            STEP_BODY,
            """    grad_weights, grad_biases = backprop(weights, biases, X, Y)
    for W, g in zip(weights, grad_weights, strict=True):
        W -= learning_rate * g
    for b, g in zip(biases, grad_biases, strict=True):
        b -= learning_rate * g
    return weights, biases""",
        ),
    ),
]
