# ruff: noqa: E501 (answers as a learner types them, and their slips)
"""Week 2 (multivariate calculus): correct answers in other styles, and the classic slips."""

from fairness import correct, slip

ROW = "w2_jacobian_row_matches_finite_differences"
MATRIX = "w2_jacobian_matrix_matches_finite_differences"
NUMERICAL = "w2_numerical_jacobian_matches_analytic"
HESSIAN = "w2_numerical_hessian_matches_analytic"
CLASSIFY = "w2_classify_stationary_point"

HESSIAN_BODY = """    x = np.asarray(x, dtype=float)
    n = x.size
    unit = np.eye(n) * h
    H = np.empty((n, n))
    for i in range(n):
        H[i, i] = (f(x + unit[i]) - 2 * f(x) + f(x - unit[i])) / h**2
        for j in range(i + 1, n):
            H[i, j] = (
                f(x + unit[i] + unit[j])
                - f(x + unit[i] - unit[j])
                - f(x - unit[i] + unit[j])
                + f(x - unit[i] - unit[j])
            ) / (4 * h**2)
            H[j, i] = H[i, j]
    return H"""
HESSIAN_BY_JACOBIANS = (
    "w2_numerical_hessian",
    HESSIAN_BODY,
    """    # the Jacobian of the gradient, both by my numerical_jacobian (task 3)
    x = np.asarray(x, dtype=float)
    H = numerical_jacobian(lambda y: numerical_jacobian(f, y, h), x, h)
    return (H + H.T) / 2""",
)
NUMERICAL_BODY = """    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = h
        columns.append((np.asarray(F(x + step)) - np.asarray(F(x - step))) / (2 * h))
    return np.array(columns).T"""

SUBMISSIONS = [
    correct(
        "partials_one_by_one",
        (
            "w2_jacobian_row",
            """    return np.array([2 * x * y**3 + y * np.cos(x * y), 3 * x**2 * y**2 + x * np.cos(x * y)])""",
            """    df_dx = 2 * x * y**3 + np.cos(x * y) * y
    df_dy = 3 * x**2 * y**2 + np.cos(x * y) * x
    return np.array([df_dx, df_dy])""",
        ),
        (
            "w2_jacobian_g",
            "    return np.array([[y * z, x * z, x * y], [2 * x, 0.0, np.cos(z)]])",
            """    J = np.zeros((2, 3))
    J[0] = [y * z, x * z, x * y]
    J[1, 0] = 2 * x
    J[1, 2] = np.cos(z)
    return J""",
        ),
        (
            "w2_numerical_jacobian",
            NUMERICAL_BODY,
            """    x = np.asarray(x, dtype=float)
    E = np.eye(x.size) * h
    return np.column_stack([(np.asarray(F(x + e)) - np.asarray(F(x - e))) / (2 * h) for e in E])""",
        ),
        ("w2_classify", "np.linalg.eigvalsh(H)", "np.linalg.eigvals(H).real"),
        note="partials one by one, a matrix filled in place, np.column_stack, eigvals",
    ),
    correct(
        "hessian_from_jacobians",
        HESSIAN_BY_JACOBIANS,
        (
            "w2_classify",
            """    positive = np.any(eigenvalues > tol)
    negative = np.any(eigenvalues < -tol)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(eigenvalues) <= tol):
        return "inconclusive"
    return "minimum" if positive else "maximum\"""",
            """    lowest, highest = eigenvalues.min(), eigenvalues.max()
    if lowest < -tol and highest > tol:
        return "saddle"
    if np.abs(eigenvalues).min() <= tol:
        return "inconclusive"
    return "minimum" if lowest > tol else "maximum\"""",
        ),
        note="the Hessian as the Jacobian of the numerical gradient, by the learner's task 3",
    ),
    correct(
        "full_loops",
        (
            "w2_numerical_hessian",
            HESSIAN_BODY,
            """    x = np.asarray(x, dtype=float)
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            if i == j:
                H[i, j] = (f(x + ei) - 2 * f(x) + f(x - ei)) / (h * h)
            else:
                H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return H""",
        ),
        (
            "w2_numerical_jacobian",
            NUMERICAL_BODY,
            """    x = np.asarray(x, dtype=float)
    m = np.asarray(F(x)).size
    J = np.zeros((m, x.size))
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        J[:, j] = (np.asarray(F(x + e)) - np.asarray(F(x - e))).reshape(m) / (2 * h)
    return J if np.ndim(F(x)) else J[0]""",
        ),
        note="every entry by its own loop iteration, both i < j and i > j",
    ),
    slip(
        "row_without_inner_derivative",
        "w2_jacobian_row",
        {ROW},
        (
            "w2_jacobian_row",
            "2 * x * y**3 + y * np.cos(x * y), 3 * x**2 * y**2 + x * np.cos(x * y)",
            "2 * x * y**3 + np.cos(x * y), 3 * x**2 * y**2 + np.cos(x * y)",
        ),
    ),
    slip(
        "row_swapped",
        "w2_jacobian_row",
        {ROW},
        (
            "w2_jacobian_row",
            "np.array([2 * x * y**3 + y * np.cos(x * y), 3 * x**2 * y**2 + x * np.cos(x * y)])",
            "np.array([3 * x**2 * y**2 + x * np.cos(x * y), 2 * x * y**3 + y * np.cos(x * y)])",
        ),
    ),
    slip(
        "matrix_transposed",
        "w2_jacobian_g",
        {MATRIX},
        ("w2_jacobian_g", "[2 * x, 0.0, np.cos(z)]])", "[2 * x, 0.0, np.cos(z)]]).T"),
    ),
    slip(
        "matrix_sin_for_cos", "w2_jacobian_g", {MATRIX}, ("w2_jacobian_g", "np.cos(z)", "np.sin(z)")
    ),
    slip(
        "numerical_forward_difference",
        "w2_numerical_jacobian",
        {NUMERICAL},
        (
            "w2_numerical_jacobian",
            "(np.asarray(F(x + step)) - np.asarray(F(x - step))) / (2 * h)",
            "(np.asarray(F(x + step)) - np.asarray(F(x))) / h",
        ),
    ),
    slip(
        "numerical_transposed",
        "w2_numerical_jacobian",
        {NUMERICAL},
        ("w2_numerical_jacobian", "    return np.array(columns).T", "    return np.array(columns)"),
    ),
    slip(
        "numerical_slip_used_by_hessian",
        "w2_numerical_jacobian",
        {NUMERICAL},
        (
            "w2_numerical_jacobian",
            "(np.asarray(F(x + step)) - np.asarray(F(x - step))) / (2 * h)",
            "(np.asarray(F(x + step)) - np.asarray(F(x - step))) / h",
        ),
        HESSIAN_BY_JACOBIANS,
        note="the Hessian calls the learner's numerical_jacobian: the slip costs task 3 only",
    ),
    slip(
        "hessian_mixed_over_h2",
        "w2_numerical_hessian",
        {HESSIAN},
        ("w2_numerical_hessian", ") / (4 * h**2)", ") / h**2"),
    ),
    slip(
        "classify_ignores_tol",
        "w2_classify",
        {CLASSIFY},
        (
            "w2_classify",
            """    positive = np.any(eigenvalues > tol)
    negative = np.any(eigenvalues < -tol)""",
            """    positive = np.any(eigenvalues > 0)
    negative = np.any(eigenvalues < 0)""",
        ),
        ("w2_classify", "np.any(np.abs(eigenvalues) <= tol)", "np.any(eigenvalues == 0)"),
    ),
]
