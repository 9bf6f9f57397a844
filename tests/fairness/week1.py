# ruff: noqa: E501 (answers as a learner types them, and their slips)
"""Week 1 (slopes and derivatives): correct answers in other styles, and the classic slips."""

from fairness import correct, slip

SECANT = "w1_secant_slope_matches_rise_over_run"
SECANT_VECTOR = "w1_secant_slope_is_vectorised"
FORWARD = "w1_forward_difference_matches_formula"
CENTRAL = "w1_central_difference_matches_formula"
SUM_POWER = "w1_df_sum_power_matches_numeric"
PRODUCT = "w1_df_product_matches_numeric"
CHAIN = "w1_df_chain_matches_numeric"
CHAIN_RULE = "w1_chain_rule_builds_derivative"
BEST_STEP = "w1_best_step_picks_smallest_error"

BEST_STEP_BY_CENTRAL = (
    "w1_best_step",
    """    estimates = (f(x + steps) - f(x - steps)) / (2 * steps)
    errors = np.abs(estimates - df(x))""",
    """    errors = np.abs(central_difference(f, x, steps) - df(x))  # my task 3, on every step at once""",
)

SUBMISSIONS = [
    correct(
        "loops_and_lambdas",
        (
            "w1_secant_slope",
            """    rise = f(x1) - f(x0)
    run = x1 - x0
    return rise / run""",
            "    return (f(x1) - f(x0)) / (x1 - x0)",
        ),
        (
            "w1_df_sum_power",
            "12 * x**2 + 10 / x**3 + 1 / (2 * np.sqrt(x))",
            "12 * x * x + 10 * x**-3 + 0.5 / np.sqrt(x)",
        ),
        ("w1_df_product", "2 * x * np.exp(x) + x**2 * np.exp(x)", "np.exp(x) * x * (x + 2)"),
        ("w1_df_chain", "np.cos(x**2 + 1) * 2 * x", "2 * x * np.cos(1 + x * x)"),
        (
            "w1_chain_rule",
            """    def derivative_of_composition(x):
        return df_outer(inner(x)) * df_inner(x)

    return derivative_of_composition""",
            "    return lambda x: df_outer(inner(x)) * df_inner(x)",
        ),
        (
            "w1_best_step",
            """    estimates = (f(x + steps) - f(x - steps)) / (2 * steps)
    errors = np.abs(estimates - df(x))
    return float(steps[np.argmin(errors)])""",
            """    best, smallest = None, np.inf
    for h in steps:
        error = abs((f(x + h) - f(x - h)) / (2 * h) - df(x))
        if error < smallest:
            best, smallest = h, error
    return best""",
        ),
        ("w1_h_central", "np.finfo(float).eps ** (1 / 3)  # about 6.1e-6", "1e-5"),
        note="a one-line secant, other algebra for the three derivatives, a lambda, a loop",
    ),
    correct(
        "reordered_algebra",
        ("w1_secant_slope", "    return rise / run", "    return -rise / -run"),
        ("w1_forward_difference", "(f(x + h) - f(x)) / h", "(f(x) - f(x + h)) / -h"),
        (
            "w1_central_difference",
            "(f(x + h) - f(x - h)) / (2 * h)",
            "(f(x + h) - f(x - h)) / h / 2",
        ),
        ("w1_df_product", "2 * x * np.exp(x) + x**2 * np.exp(x)", "x * np.exp(x) * (2 + x)"),
        BEST_STEP_BY_CENTRAL,
        ("w1_h_central", "np.finfo(float).eps ** (1 / 3)  # about 6.1e-6", "2.0**-17"),
        note="signs and brackets moved; best_step calls the learner's own central_difference",
    ),
    correct(
        "numpy_style",
        ("w1_forward_difference", "(f(x + h) - f(x)) / h", "np.divide(f(x + h) - f(x), h)"),
        (
            "w1_central_difference",
            "(f(x + h) - f(x - h)) / (2 * h)",
            "np.subtract(f(x + h), f(x - h)) / (h + h)",
        ),
        (
            "w1_df_sum_power",
            "12 * x**2 + 10 / x**3 + 1 / (2 * np.sqrt(x))",
            "12 * np.power(x, 2) + 10 * np.power(x, -3.0) + 0.5 * np.power(x, -0.5)",
        ),
        (
            "w1_best_step",
            """    estimates = (f(x + steps) - f(x - steps)) / (2 * steps)
    errors = np.abs(estimates - df(x))
    return float(steps[np.argmin(errors)])""",
            """    errors = [abs(central_difference(f, x, h) - df(x)) for h in steps]
    return steps[int(np.argmin(errors))]""",
        ),
        note="NumPy functions for the operators; best_step as a list comprehension",
    ),
    slip(
        "secant_brackets",
        "w1_secant_slope",
        {SECANT, SECANT_VECTOR},
        ("w1_secant_slope", "    return rise / run", "    return f(x1) - f(x0) / run"),
    ),
    slip(
        "backward_difference",
        "w1_forward_difference",
        {FORWARD},
        ("w1_forward_difference", "(f(x + h) - f(x)) / h", "(f(x) - f(x - h)) / h"),
    ),
    slip(
        "central_precedence",
        "w1_central_difference",
        {CENTRAL},
        (
            "w1_central_difference",
            "(f(x + h) - f(x - h)) / (2 * h)",
            "(f(x + h) - f(x - h)) / 2 * h",
        ),
        note="the precedence slip of the review (defect 14)",
    ),
    slip(
        "central_slip_used_by_best_step",
        "w1_central_difference",
        {CENTRAL},
        ("w1_central_difference", "(f(x + h) - f(x - h)) / (2 * h)", "(f(x + h) - f(x - h)) / h"),
        BEST_STEP_BY_CENTRAL,
        note="best_step calls the learner's central_difference: the slip costs task 3 only",
    ),
    slip(
        "power_rule_sign",
        "w1_df_sum_power",
        {SUM_POWER},
        ("w1_df_sum_power", "+ 10 / x**3", "- 10 / x**3"),
    ),
    slip(
        "product_rule_half",
        "w1_df_product",
        {PRODUCT},
        ("w1_df_product", "2 * x * np.exp(x) + x**2 * np.exp(x)", "2 * x * np.exp(x)"),
    ),
    slip(
        "chain_without_inner_derivative",
        "w1_df_chain",
        {CHAIN},
        ("w1_df_chain", "np.cos(x**2 + 1) * 2 * x", "np.cos(x**2 + 1)"),
    ),
    slip(
        "chain_rule_outer_at_x",
        "w1_chain_rule",
        {CHAIN_RULE},
        ("w1_chain_rule", "df_outer(inner(x)) * df_inner(x)", "df_outer(x) * df_inner(x)"),
    ),
    slip(
        "best_step_position",
        "w1_best_step",
        {BEST_STEP},
        ("w1_best_step", "float(steps[np.argmin(errors)])", "float(np.argmin(errors))"),
    ),
]
