# ruff: noqa: E501 (answers as a learner types them, and their slips)
"""Week 4 (Taylor series): correct answers in other styles, and the classic slips."""

from fairness import correct, slip

COEFFICIENTS = "w4_taylor_coefficients_divide_by_factorials"
POLYNOMIAL = "w4_taylor_polynomial_matches_the_sum"
COS = "w4_cos_series_matches_the_terms"
LINEARISE = "w4_linearise_builds_the_tangent_line"
QUADRATIC = "w4_quadratic_approximation_is_exact_for_quadratics"
ORDER = "w4_error_order_fits_the_log_log_slope"

COS_BODY = """    x = np.asarray(x, dtype=float)
    total = np.zeros_like(x)
    for j in range(n // 2 + 1):
        total = total + (-1) ** j * x ** (2 * j) / factorial(2 * j)
    return total"""
COS_BY_POLYNOMIAL = (
    "w4_cos_series",
    COS_BODY,
    """    # the Maclaurin coefficients of cos, then my taylor_polynomial (task 2)
    c = [0.0 if k % 2 else (-1) ** (k // 2) / factorial(k) for k in range(n + 1)]
    return taylor_polynomial(np.array(c), x, 0.0)""",
)
HORNER = """    t = np.asarray(x, dtype=float) - a
    result = np.full(t.shape, float(coefficients[-1]))
    for c_k in coefficients[-2::-1]:
        result = result * t + c_k
    return result"""

SUBMISSIONS = [
    correct(
        "loops_and_helpers",
        (
            "w4_taylor_coefficients",
            """    derivatives = np.asarray(derivatives, dtype=float)
    k_factorial = np.array([factorial(k) for k in range(derivatives.size)], dtype=float)
    return derivatives / k_factorial""",
            """    result = []
    for k, d in enumerate(derivatives):
        result.append(d / factorial(k))
    return np.array(result, dtype=float)""",
        ),
        (
            "w4_taylor_polynomial",
            HORNER,
            """    t = np.asarray(x, dtype=float) - a
    k = len(coefficients) - 1
    result = np.zeros_like(t) + coefficients[k]
    while k > 0:
        k -= 1
        result = coefficients[k] + t * result
    return result""",
        ),
        COS_BY_POLYNOMIAL,
        (
            "w4_linearise",
            """    value, slope = f(a), df(a)

    def tangent_line(x):
        return value + slope * (np.asarray(x, dtype=float) - a)

    return tangent_line""",
            "    return lambda x: f(a) + df(a) * (np.asarray(x, dtype=float) - a)",
        ),
        (
            "w4_quadratic_approximation",
            "    return float(value + jacobian @ delta + 0.5 * delta @ hessian @ delta)",
            "    return value + np.dot(jacobian, delta) + np.dot(delta, np.dot(hessian, delta)) / 2",
        ),
        note="a loop, Horner in a while loop, cos_series by the learner's own taylor_polynomial",
    ),
    correct(
        "recurrences",
        (
            "w4_taylor_coefficients",
            """    k_factorial = np.array([factorial(k) for k in range(derivatives.size)], dtype=float)
    return derivatives / k_factorial""",
            """    k_factorial = np.cumprod(np.concatenate([[1.0], np.arange(1.0, derivatives.size)]))
    return derivatives / k_factorial""",
        ),
        (
            "w4_cos_series",
            COS_BODY,
            """    x = np.asarray(x, dtype=float)
    term = np.ones_like(x)
    total = term.copy()
    for j in range(1, n // 2 + 1):
        term = -term * x * x / ((2 * j - 1) * (2 * j))
        total = total + term
    return total""",
        ),
        (
            "w4_error_order",
            """    slope, _intercept = np.polyfit(np.log(np.abs(steps)), np.log(errors), 1)
    return float(slope)""",
            """    u = np.log(np.abs(np.asarray(steps, dtype=float)))
    v = np.log(np.asarray(errors, dtype=float))
    return float(np.sum((u - u.mean()) * (v - v.mean())) / np.sum((u - u.mean()) ** 2))""",
        ),
        note="k! by a cumulative product, each cos term from the one before, the slope by the formula",
    ),
    correct(
        "by_earlier_answers",
        (
            "w4_linearise",
            """    value, slope = f(a), df(a)

    def tangent_line(x):
        return value + slope * (np.asarray(x, dtype=float) - a)

    return tangent_line""",
            """    coefficients = np.array([f(a), df(a)], dtype=float)

    def tangent_line(x):
        return taylor_polynomial(coefficients, x, a)  # my task 2: the order-1 Taylor polynomial

    return tangent_line""",
        ),
        (
            "w4_quadratic_approximation",
            "    return float(value + jacobian @ delta + 0.5 * delta @ hessian @ delta)",
            "    return float(value + np.einsum('i,i', jacobian, delta) + 0.5 * np.einsum('i,ij,j', delta, hessian, delta))",
        ),
        (
            "w4_error_order",
            """    slope, _intercept = np.polyfit(np.log(np.abs(steps)), np.log(errors), 1)""",
            """    A = np.column_stack([np.log(np.abs(steps)), np.ones(len(steps))])
    slope, _intercept = np.linalg.lstsq(A, np.log(errors), rcond=None)[0]""",
        ),
        note="linearise by the learner's taylor_polynomial, einsum, lstsq",
    ),
    slip(
        "coefficients_without_factorial",
        "w4_taylor_coefficients",
        {COEFFICIENTS},
        (
            "w4_taylor_coefficients",
            "    return derivatives / k_factorial",
            "    return derivatives",
        ),
    ),
    slip(
        "horner_without_a",
        "w4_taylor_polynomial",
        {POLYNOMIAL},
        (
            "w4_taylor_polynomial",
            "t = np.asarray(x, dtype=float) - a",
            "t = np.asarray(x, dtype=float)",
        ),
    ),
    slip(
        "horner_reversed",
        "w4_taylor_polynomial",
        {POLYNOMIAL},
        (
            "w4_taylor_polynomial",
            HORNER,
            """    t = np.asarray(x, dtype=float) - a
    result = np.full(t.shape, float(coefficients[0]))
    for c_k in coefficients[1:]:
        result = result * t + c_k
    return result""",
        ),
    ),
    slip(
        "horner_slip_used_by_cos_and_linearise",
        "w4_taylor_polynomial",
        {POLYNOMIAL},
        (
            "w4_taylor_polynomial",
            "t = np.asarray(x, dtype=float) - a",
            "t = np.asarray(x, dtype=float) + a",
        ),
        COS_BY_POLYNOMIAL,
        note="cos_series calls the learner's taylor_polynomial: the slip costs task 2 only",
    ),
    slip(
        "cos_series_last_term_missing",
        "w4_cos_series",
        {COS},
        ("w4_cos_series", "range(n // 2 + 1)", "range(n // 2)"),
    ),
    slip(
        "linearise_slope_at_x",
        "w4_linearise",
        {LINEARISE},
        (
            "w4_linearise",
            "        return value + slope * (np.asarray(x, dtype=float) - a)",
            "        return value + df(x) * (np.asarray(x, dtype=float) - a)",
        ),
    ),
    slip(
        "quadratic_without_half",
        "w4_quadratic_approximation",
        {QUADRATIC},
        ("w4_quadratic_approximation", "0.5 * delta @ hessian @ delta", "delta @ hessian @ delta"),
    ),
    slip(
        "error_order_without_abs",
        "w4_error_order",
        {ORDER},
        ("w4_error_order", "np.log(np.abs(steps))", "np.log(steps)"),
    ),
]
