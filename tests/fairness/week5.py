# ruff: noqa: E501 (answers as a learner types them, and their slips)
"""Week 5 (optimisation): correct answers in other styles, and the classic slips."""

from fairness import correct, slip

CONVERGES = "w5_newton_converges"
FAILURES = "w5_newton_detects_failures"
DESCENT = "w5_gradient_descent_path"
STEP = "w5_newton_step_n_dimensions"
LAGRANGIAN = "w5_lagrangian_gradient_matches_formula"
CONSTRAINED = "w5_constrained_solution"

SOLVE_LOOP = """    for _ in range(max_iter):
        dz = np.linalg.solve(jacobian(F, z), -F(z))
        z = z + dz
        if np.max(np.abs(dz)) <= tol:
            break
    return z"""
SOLVE_BY_NEWTON_STEP = (
    "w5_solve_lagrange",
    SOLVE_LOOP,
    """    for _ in range(max_iter):
        z_new = newton_step(F, lambda w: jacobian(F, w), z)  # my task 3
        dz, z = z_new - z, z_new
        if np.max(np.abs(dz)) <= tol:
            break
    return z""",
)
DESCENT_BODY = """    x = np.array(x0, dtype=float)
    path = [x]
    for _ in range(max_iter):
        g = np.asarray(grad(x), dtype=float)
        if np.linalg.norm(g) <= tol:
            break
        x = x - step * g
        path.append(x)
    return np.array(path)"""

SUBMISSIONS = [
    correct(
        "while_loops",
        (
            "w5_gradient_descent",
            DESCENT_BODY,
            """    path = [np.array(x0, dtype=float)]
    while len(path) <= max_iter:
        g = np.asarray(grad(path[-1]), dtype=float)
        if np.sqrt(np.sum(g**2)) <= tol:
            break
        path.append(path[-1] - step * g)
    return np.array(path)""",
        ),
        (
            "w5_newton_step",
            "    return x + np.linalg.solve(hess(x), -np.asarray(grad(x), dtype=float))",
            "    return x - np.linalg.solve(hess(x), np.asarray(grad(x), dtype=float))",
        ),
        SOLVE_BY_NEWTON_STEP,
        note="a while loop, the step solved with the other sign, solve_lagrange by the learner's newton_step",
    ),
    correct(
        "concatenate_and_stack",
        (
            "w5_lagrangian_gradient",
            "    return np.append(np.asarray(grad_f(x)) - lam * np.asarray(grad_g(x)), -g(x))",
            "    top = np.asarray(grad_f(x), dtype=float) - lam * np.asarray(grad_g(x), dtype=float)\n"
            "    return np.concatenate([top, [-g(x)]])",
        ),
        (
            "w5_gradient_descent",
            DESCENT_BODY,
            """    x = np.array(x0, dtype=float)
    points = [x.copy()]
    for _ in range(max_iter):
        g = np.asarray(grad(x), dtype=float)
        if np.linalg.norm(g) <= tol:
            break
        x = x - step * g
        points.append(x.copy())
    return np.vstack(points)""",
        ),
        note="np.concatenate, np.vstack of copies",
    ),
    correct(
        "lagrange_by_hand_jacobian",
        (
            "w5_solve_lagrange",
            SOLVE_LOOP,
            """    for _ in range(max_iter):
        F0 = F(z)
        J = np.empty((z.size, z.size))
        for j in range(z.size):  # central differences, as in week 2
            e = np.zeros(z.size)
            e[j] = 1e-6
            J[:, j] = (F(z + e) - F(z - e)) / 2e-6
        dz = np.linalg.solve(J, -F0)
        z = z + dz
        if np.max(np.abs(dz)) <= tol:
            break
    return z""",
        ),
        note="the Jacobian of ∇L by the learner's own central differences",
    ),
    slip(
        "newton_without_x0",
        "w5_newton_raphson",
        {CONVERGES, FAILURES},
        (
            "w5_newton_raphson",
            "    path = [float(x0)]\n    for _ in range(max_iter):\n        x = path[-1]",
            "    path = []\n    x = float(x0)\n    for _ in range(max_iter):\n        x = path[-1] if path else x",
        ),
        note="review B3: the path without x0",
    ),
    slip(
        "newton_residual_stop",
        "w5_newton_raphson",
        {CONVERGES},
        ("w5_newton_raphson", "if abs(x_new - x) <= tol:", "if abs(f(x_new)) <= tol:"),
        note="review B5: a residual stopping rule where the text asks for the step",
    ),
    slip(
        "descent_without_start",
        "w5_gradient_descent",
        {DESCENT},
        ("w5_gradient_descent", "    path = [x]\n", "    path = []\n"),
        note="the path without its start: row 0 is not x0",
    ),
    slip(
        "descent_uphill",
        "w5_gradient_descent",
        {DESCENT},
        ("w5_gradient_descent", "x = x - step * g", "x = x + step * g"),
        note="a step up the gradient: row 1 names the mistake (the row count said 'stop at tol')",
    ),
    slip(
        "newton_step_sign",
        "w5_newton_step",
        {STEP},
        (
            "w5_newton_step",
            "np.linalg.solve(hess(x), -np.asarray(grad(x), dtype=float))",
            "np.linalg.solve(hess(x), np.asarray(grad(x), dtype=float))",
        ),
    ),
    slip(
        "newton_step_slip_used_by_solve",
        "w5_newton_step",
        {STEP},
        (
            "w5_newton_step",
            "np.linalg.solve(hess(x), -np.asarray(grad(x), dtype=float))",
            "np.linalg.solve(hess(x), np.asarray(grad(x), dtype=float))",
        ),
        SOLVE_BY_NEWTON_STEP,
        note="solve_lagrange calls the learner's newton_step: the slip costs task 3 only",
    ),
    slip(
        "lagrangian_lambda_sign",
        "w5_lagrangian_gradient",
        {LAGRANGIAN},
        (
            "w5_lagrangian_gradient",
            "- lam * np.asarray(grad_g(x))",
            "+ lam * np.asarray(grad_g(x))",
        ),
        note="review B1: 14/21 before",
    ),
    slip(
        "lagrangian_plus_g",
        "w5_lagrangian_gradient",
        {LAGRANGIAN},
        ("w5_lagrangian_gradient", ", -g(x))", ", g(x))"),
    ),
    slip(
        "solve_one_step_only",
        "w5_solve_lagrange",
        {CONSTRAINED},
        (
            "w5_solve_lagrange",
            "    for _ in range(max_iter):\n        dz",
            "    for _ in range(1):\n        dz",
        ),
    ),
]
