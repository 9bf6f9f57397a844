# ruff: noqa: E501 (answers as a learner types them, and their slips)
"""Week 6 (regression): correct answers in other styles, and the classic slips."""

from fairness import correct, slip

CHI = "w6_chi_squared_sums_weighted_squares"
LINE = "w6_fit_line_matches_polyfit"
PARTIALS = "w6_gaussian_partials_match_finite_differences"
GRADIENT = "w6_gradient_matches_finite_differences"
DESCENT = "w6_steepest_descent_reaches_curve_fit"

PARTIALS_LINE = "    return np.stack([f * (x - mu) / sigma**2, f * ((x - mu) ** 2 / sigma**3 - 1 / sigma)], axis=1)"
GRADIENT_BODY = """    mu, sigma = params
    residuals = y - gaussian(x, mu, sigma)
    return -2 * (residuals / u**2) @ gaussian_partials(x, mu, sigma)"""

SUBMISSIONS = [
    correct(
        "loops",
        (
            "w6_chi_squared",
            """    if u is None:
        return float(np.sum(residuals**2))
    return float(np.sum((residuals / np.asarray(u, dtype=float)) ** 2))""",
            """    total = 0.0
    for i in range(len(residuals)):
        weight = 1.0 if u is None else u[i]
        total += (residuals[i] / weight) ** 2
    return total""",
        ),
        (
            "w6_fit_line",
            """    x_bar, y_bar = x.mean(), y.mean()
    slope = np.sum((x - x_bar) * (y - y_bar)) / np.sum((x - x_bar) ** 2)""",
            """    x_bar, y_bar = sum(x) / len(x), sum(y) / len(y)
    top = bottom = 0.0
    for xi, yi in zip(x, y):
        top += (xi - x_bar) * (yi - y_bar)
        bottom += (xi - x_bar) ** 2
    slope = top / bottom""",
        ),
        (
            "w6_chi_squared_gradient",
            GRADIENT_BODY,
            """    J = gaussian_partials(x, params[0], params[1])
    r = y - gaussian(x, params[0], params[1])
    gradient = np.zeros(2)
    for j in range(2):
        gradient[j] = -2 * np.sum(r / u**2 * J[:, j])
    return gradient""",
        ),
        note="loops for χ², the line and the gradient",
    ),
    correct(
        "matrix_algebra",
        (
            "w6_chi_squared",
            "    return float(np.sum((residuals / np.asarray(u, dtype=float)) ** 2))",
            "    w = 1 / np.asarray(u, dtype=float) ** 2\n    return residuals @ (w * residuals)",
        ),
        (
            "w6_fit_line",
            "    return float(slope), float(y_bar - slope * x_bar)",
            "    return [slope, y_bar - slope * x_bar]",
        ),
        (
            "w6_gaussian_partials",
            PARTIALS_LINE,
            """    r = x - mu
    d_mu = f * r / sigma**2
    d_sigma = f * (r**2 - sigma**2) / sigma**3
    return np.column_stack([d_mu, d_sigma])""",
        ),
        (
            "w6_chi_squared_gradient",
            GRADIENT_BODY,
            """    mu, sigma = params
    J = gaussian_partials(x, mu, sigma)
    return -2 * J.T @ ((y - gaussian(x, mu, sigma)) / u**2)""",
        ),
        note="χ² as rᵀWr, the line as a list, ∂f/∂σ over a common denominator, Jᵀ(r/u²)",
    ),
    correct(
        "descent_in_its_own_words",
        (
            "w6_fit_line",
            """    x_bar, y_bar = x.mean(), y.mean()
    slope = np.sum((x - x_bar) * (y - y_bar)) / np.sum((x - x_bar) ** 2)""",
            """    x_bar, y_bar = x.mean(), y.mean()
    slope = np.cov(x, y, bias=True)[0, 1] / np.var(x)""",
        ),
        (
            "w6_steepest_descent_fit",
            """    p = np.array(start, dtype=float)
    path = [p]
    for _ in range(max_steps):
        J = gaussian_partials(x, p[0], p[1])
        curvature = 2 * np.sum(J**2 / u[:, None] ** 2, axis=0)
        move = step * chi_squared_gradient(p, x, y, u) / curvature
        p = p - move
        path.append(p)
        if np.sqrt(np.sum(curvature * move**2)) < tol:
            break
    return np.array(path)""",
            """    path = np.array([start], dtype=float)
    steps_taken = 0
    while steps_taken < max_steps:
        p = path[-1]
        J = gaussian_partials(x, p[0], p[1])
        H = 2 * (J**2).T @ (1 / u**2)
        dp = -step * chi_squared_gradient(p, x, y, u) / H
        path = np.vstack([path, p + dp])
        steps_taken += 1
        if np.sqrt(H @ dp**2) < tol:
            break
    return path""",
        ),
        note="the slope from np.cov, the descent with a while loop and H as a matrix product",
    ),
    slip(
        "chi_squared_divides_after_squaring",
        "w6_chi_squared",
        {CHI},
        (
            "w6_chi_squared",
            "np.sum((residuals / np.asarray(u, dtype=float)) ** 2)",
            "np.sum(residuals**2 / np.asarray(u, dtype=float))",
        ),
    ),
    slip(
        "fit_line_by_polyfit",
        "w6_fit_line",
        {LINE},
        (
            "w6_fit_line",
            """    x_bar, y_bar = x.mean(), y.mean()
    slope = np.sum((x - x_bar) * (y - y_bar)) / np.sum((x - x_bar) ** 2)
    return float(slope), float(y_bar - slope * x_bar)""",
            "    return tuple(np.polyfit(x, y, 1))",
        ),
        note="review B4: the stated rule, now checked (3/3 before)",
    ),
    slip(
        "fit_line_swapped",
        "w6_fit_line",
        {LINE},
        (
            "w6_fit_line",
            "    return float(slope), float(y_bar - slope * x_bar)",
            "    return float(y_bar - slope * x_bar), float(slope)",
        ),
    ),
    slip(
        "partials_mu_sign",
        "w6_gaussian_partials",
        {PARTIALS},
        ("w6_gaussian_partials", "f * (x - mu) / sigma**2,", "f * (mu - x) / sigma**2,"),
        note="review B1: 5/15 before",
    ),
    slip(
        "partials_transposed",
        "w6_gaussian_partials",
        {PARTIALS},
        ("w6_gaussian_partials", "], axis=1)", "], axis=0)"),
        note="review B1: IndexError and broadcast tracebacks in tasks 4 and 5 before",
    ),
    slip(
        "partials_sigma_one_term",
        "w6_gaussian_partials",
        {PARTIALS},
        (
            "w6_gaussian_partials",
            "((x - mu) ** 2 / sigma**3 - 1 / sigma)",
            "(x - mu) ** 2 / sigma**3",
        ),
    ),
    slip(
        "gradient_sign",
        "w6_chi_squared_gradient",
        {GRADIENT},
        ("w6_chi_squared_gradient", "    return -2 * (residuals", "    return 2 * (residuals"),
        note="review B1: 8/15 before",
    ),
    slip(
        "gradient_u_not_squared",
        "w6_chi_squared_gradient",
        {GRADIENT},
        ("w6_chi_squared_gradient", "(residuals / u**2)", "(residuals / u)"),
    ),
    slip(
        "descent_path_without_start",
        "w6_steepest_descent_fit",
        {DESCENT: 3},
        ("w6_steepest_descent_fit", "    path = [p]\n", "    path = []\n"),
        note="partial credit: loses the 1 point of 'starts at start' only",
    ),
    slip(
        "descent_stops_too_soon",
        "w6_steepest_descent_fit",
        {DESCENT: 2},
        ("w6_steepest_descent_fit", "< tol:", "< 1e-1:"),
        note="partial credit: stops before curve_fit's answer (loses its 2 of 4)",
    ),
    slip(
        "descent_without_curvature",
        "w6_steepest_descent_fit",
        {DESCENT},
        (
            "w6_steepest_descent_fit",
            "move = step * chi_squared_gradient(p, x, y, u) / curvature",
            "move = step * chi_squared_gradient(p, x, y, u)",
        ),
    ),
]
