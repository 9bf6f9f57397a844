"""Week 5 content: the numbers the lecture shows, and the assignment's tests against wrong
answers, including answers that never stop.

The assignment's cells are run in-process (``exec``), without nbgrader: each test cell
must pass with the reference answers and fail, with the message a learner needs, when
one answer is replaced by a plausible mistake. An answer that loops for ever must fail
within the setup cell's time budget, not hang. One run in a real Jupyter kernel
(nbclient) checks that the time limit also works there. The full nbgrader run
(reference scores full marks, stub zero) is in ``tests/test_assignments.py``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from notebook_runs import check_name, fill_in, grade_id, is_numeric_check, run_cell

from mmlcalc import questions
from mmlcalc.checks import CheckFailed, Feedback

REPOSITORY = Path(__file__).resolve().parents[1]
MASTER = REPOSITORY / "source" / "week5" / "optimisation.ipynb"
LECTURE = REPOSITORY / "notebooks" / "05_optimisation.ipynb"


# --- the lecture ---------------------------------------------------------------------


def lecture_cells():
    return nbformat.read(str(LECTURE), as_version=4).cells


def check_cells():
    return [
        cell
        for cell in lecture_cells()
        if cell.cell_type == "code" and is_numeric_check(cell.source)
    ]


#: The right answer of each check cell, computed here independently, in notebook order.
CHECK_ANSWERS = [
    1.0 - (1.0**2 - 2) / (2 * 1.0),  # one Newton step for x² − 2 from 1
    -8.0,  # x ↦ −2x three times from 1, for x^(1/3)
    2 / 4.0,  # 2/λ_max for the Hessian diag(4, 1)
    np.array([1.0, 1.0]) - np.linalg.solve(np.diag([2.0, 6.0]), [2.0, 6.0]),
    1.0 / (2 * (1 / np.sqrt(2))),  # ∇f = (1, 1) = λ (2x, 2y) at x = y = 1/√2
]


def test_every_check_cell_accepts_the_independent_answer():
    cells = check_cells()
    assert len(cells) == len(CHECK_ANSWERS)
    for cell, answer in zip(cells, CHECK_ANSWERS, strict=True):
        # repr of an array reads "array([...])": the name array is np.array here
        namespace = {"np": np, "check": questions.check, "array": np.array}
        feedback = run_cell(fill_in(cell.source, answer), namespace)
        assert isinstance(feedback, Feedback), check_name(cell.source)
        assert feedback.correct, (check_name(cell.source), feedback)


def test_lecture_numbers():
    from scipy.optimize import brentq

    from mmlcalc.optimisation import lagrange_solve, newton_raphson

    # Newton's example x³ − 2x − 5 = 0: the root, to 15 digits (scipy's brentq agrees)
    result = newton_raphson(lambda x: x**3 - 2 * x - 5, lambda x: 3 * x**2 - 2, 3.0)
    assert result.iterations == 6
    assert result.x == pytest.approx(brentq(lambda x: x**3 - 2 * x - 5, 2, 3), abs=1e-14)
    # the maximum of x²y on x² + y² = 3, as derived by hand in section 5
    z = lagrange_solve(lambda p: p[0] ** 2 * p[1], lambda p: p @ p - 3, [1.0, 1.0], 0.5).x
    assert np.allclose(z, [np.sqrt(2), 1.0, 1.0], atol=1e-8)
    # exercise 3: the eigenvalues 5 ± √2 of [[6, 1], [1, 4]]
    assert np.allclose(np.linalg.eigvalsh([[6.0, 1.0], [1.0, 4.0]]), [5 - 2**0.5, 5 + 2**0.5])
    # exercise 2: arctan diverges from 1.5 and converges from 1
    assert newton_raphson(np.arctan, lambda x: 1 / (1 + x * x), 1.5).reason == "divergence"
    assert newton_raphson(np.arctan, lambda x: 1 / (1 + x * x), 1.0).converged


def test_lecture_has_no_outputs():
    for cell in lecture_cells():
        assert not cell.get("outputs") and not cell.get("execution_count")


# --- the assignment: in-process ------------------------------------------------------


def cells():
    return nbformat.read(str(MASTER), as_version=4).cells


def without_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### " not in line)


def run_assignment(replacements: dict[str, str] | None = None):
    """Run every code cell; answers in ``replacements`` (by grade_id) replace the reference.

    Returns each test cell's grade_id with (the exception it raised or None, seconds taken).
    """
    namespace: dict = {}
    results = {}
    for cell in cells():
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        source = (replacements or {}).get(gid, cell.source)
        meta = cell.metadata.get("nbgrader", {})
        start = time.perf_counter()
        try:
            last_value = run_cell(without_markers(source), namespace, gid or "cell")
            error = None
        except Exception as caught:
            error = caught
        seconds = time.perf_counter() - start
        if meta.get("grade") and not meta.get("solution"):
            # nbgrader scores a number shown by the last expression as partial credit
            if error is None and last_value is not None:
                error = AssertionError(f"{gid} ends with an expression of value {last_value!r}")
            results[gid] = (error, seconds)
        elif error is not None:
            raise error
    return results


def test_every_graded_cell_has_points_and_schema_3():
    graded = [c for c in cells() if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) >= 5
    assert sum(c.metadata["nbgrader"]["points"] for c in graded) == 21
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        assert meta["points"] > 0 and meta["schema_version"] == 3 and meta["locked"]
        assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
        assert cell.source.lstrip().startswith('"""')
    for cell in cells():
        if "nbgrader" in cell.metadata:
            assert cell.metadata["nbgrader"], "an empty nbgrader dict breaks generate_assignment"
        assert not cell.get("outputs") and not cell.get("execution_count")


def test_signatures_and_docstrings_stay_outside_the_solution():
    for cell in cells():
        if cell.metadata.get("nbgrader", {}).get("solution"):
            before = cell.source.split("### BEGIN SOLUTION")[0]
            assert re.search(r"^def \w+\(", before, re.M) and '"""' in before
            assert "shape" in before


def test_reference_passes_every_test_cell_quickly():
    results = run_assignment()
    assert results and all(error is None for error, _ in results.values()), results
    assert all(seconds < 2.0 for _, seconds in results.values()), results


#: The setup cell's limit plus a margin for a busy machine: a runaway answer must fail by then.
BOUNDED = 3.0 + 4.0

NEVER_STOPS_CALLING_F = """
def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    path = [x0]
    while True:  # ignores tol and max_iter
        x = path[-1]
        path.append(x - f(x) / df(x))
"""

NEVER_STOPS_SPINNING = """
def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    x = x0 - f(x0) / df(x0)
    done = False
    while not done:  # forgot to update `done`: a loop that calls nothing
        x = x + 0.0
    return np.array([x0, x]), "converged"
"""

SWALLOWS_EXCEPTIONS = """
def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    path = [x0]
    while True:
        try:
            x = path[-1]
            path.append(x - f(x) / df(x))
        except Exception:  # does not catch the test's interruption
            pass
"""

IGNORES_MAX_ITER = """
def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    path = [float(x0)]
    while True:  # no cap: only the stopping rules end it
        x = path[-1]
        if df(x) == 0:
            return np.array(path), "zero derivative"
        x_new = x - f(x) / df(x)
        path.append(x_new)
        if abs(x_new - x) <= tol:
            return np.array(path), "converged"
        if abs(x_new) > bound:
            return np.array(path), "divergence"
        if any(abs(x_new - e) <= tol for e in path[:-2]):
            return np.array(path), "cycle"
"""

NO_CYCLE_CHECK = """
def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    path = [float(x0)]
    for _ in range(max_iter):
        x = path[-1]
        if df(x) == 0:
            return np.array(path), "zero derivative"
        x_new = x - f(x) / df(x)
        path.append(x_new)
        if abs(x_new - x) <= tol:
            return np.array(path), "converged"
        if abs(x_new) > bound:
            return np.array(path), "divergence"
    return np.array(path), "iteration cap"
"""

FIXED_TOLERANCE = """
def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    path = [float(x0)]
    for _ in range(max_iter):
        x = path[-1]
        if df(x) == 0:
            return np.array(path), "zero derivative"
        x_new = x - f(x) / df(x)
        path.append(x_new)
        if abs(x_new - x) <= 1e-8:  # ignores tol
            return np.array(path), "converged"
        if abs(x_new) > bound:
            return np.array(path), "divergence"
        if any(abs(x_new - e) <= tol for e in path[:-2]):
            return np.array(path), "cycle"
    return np.array(path), "iteration cap"
"""

PACKAGE_NEWTON = """
from mmlcalc.optimisation import newton_raphson as reference


def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    result = reference(f, df, x0, tol, max_iter, bound)
    return result.path, result.reason
"""

DESCENT_IGNORES_MAX_ITER = """
def gradient_descent(grad, x0, step, tol=1e-8, max_iter=1000):
    x = np.array(x0, dtype=float)
    path = [x]
    while True:  # only the gradient test ends it: a diverging step never does
        g = grad(x)
        if np.linalg.norm(g) <= tol:
            break
        x = x - step * g
        path.append(x)
    return np.array(path)
"""

DESCENT_UPHILL = """
def gradient_descent(grad, x0, step, tol=1e-8, max_iter=1000):
    x = np.array(x0, dtype=float)
    path = [x]
    for _ in range(max_iter):
        g = grad(x)
        if np.linalg.norm(g) <= tol:
            break
        x = x + step * g
        path.append(x)
    return np.array(path)
"""

NEWTON_STEP_WRONG_SIGN = """
def newton_step(grad, hess, x):
    return x + np.linalg.solve(hess(x), grad(x))
"""

NEWTON_STEP_TIMES_H = """
def newton_step(grad, hess, x):
    return x - hess(x) @ grad(x)
"""

LAGRANGIAN_PLUS_G = """
def lagrangian_gradient(grad_f, grad_g, g, z):
    x, lam = z[:-1], z[-1]
    return np.append(grad_f(x) - lam * grad_g(x), g(x))
"""

SOLVE_NEVER_STOPS = """
from mmlcalc.multivariate import jacobian


def solve_lagrange(grad_f, grad_g, g, z0, tol=1e-10, max_iter=50):
    z = np.array(z0, dtype=float)
    while True:  # no stopping rule at all
        F = lambda w: lagrangian_gradient(grad_f, grad_g, g, w)  # noqa: E731
        z = z + np.linalg.solve(jacobian(F, z), -F(z))
"""

SOLVE_ONE_STEP = """
from mmlcalc.multivariate import jacobian


def solve_lagrange(grad_f, grad_g, g, z0, tol=1e-10, max_iter=50):
    z = np.array(z0, dtype=float)
    F = lambda w: lagrangian_gradient(grad_f, grad_g, g, w)  # noqa: E731
    return z + np.linalg.solve(jacobian(F, z), -F(z))  # one step only
"""


# the wrong answers overflow on the way (that is their mistake): silence their warnings
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "answer_cell, answer, failing, words",
    [
        ("w5_newton_raphson", NEVER_STOPS_CALLING_F, "w5_newton_converges", "did not stop"),
        ("w5_newton_raphson", NEVER_STOPS_SPINNING, "w5_newton_converges", "still running"),
        ("w5_newton_raphson", SWALLOWS_EXCEPTIONS, "w5_newton_converges", "did not stop"),
        ("w5_newton_raphson", IGNORES_MAX_ITER, "w5_newton_detects_failures", "did not stop"),
        ("w5_newton_raphson", NO_CYCLE_CHECK, "w5_newton_detects_failures", "'cycle'"),
        ("w5_newton_raphson", FIXED_TOLERANCE, "w5_newton_converges", "Use the tol argument"),
        ("w5_newton_raphson", PACKAGE_NEWTON, "w5_newton_converges", "write the formula"),
        (
            "w5_gradient_descent",
            DESCENT_IGNORES_MAX_ITER,
            "w5_gradient_descent_path",
            "did not stop",
        ),
        ("w5_gradient_descent", DESCENT_UPHILL, "w5_gradient_descent_path", "gradient_descent"),
        ("w5_newton_step", NEWTON_STEP_WRONG_SIGN, "w5_newton_step_n_dimensions", "wrong way"),
        ("w5_newton_step", NEWTON_STEP_TIMES_H, "w5_newton_step_n_dimensions", "multiplies by H"),
        (
            "w5_lagrangian_gradient",
            LAGRANGIAN_PLUS_G,
            "w5_lagrangian_gradient_matches_formula",
            "∂L/∂λ = -g",
        ),
        ("w5_solve_lagrange", SOLVE_NEVER_STOPS, "w5_constrained_solution", "did not stop"),
        ("w5_solve_lagrange", SOLVE_ONE_STEP, "w5_constrained_solution", "solve_lagrange"),
    ],
)
def test_wrong_answers_fail_their_cell_with_a_message_in_bounded_time(
    answer_cell, answer, failing, words
):
    results = run_assignment({answer_cell: answer})
    error, seconds = results[failing]
    assert isinstance(error, CheckFailed), (failing, error)
    assert words in error.message, error.message
    assert seconds < BOUNDED, f"{failing} took {seconds:.1f} s"
    # every other cell that does not depend on this answer still passes
    independent = {
        "w5_newton_raphson": {"w5_gradient_descent_path", "w5_newton_step_n_dimensions"},
        "w5_gradient_descent": {"w5_newton_converges", "w5_constrained_solution"},
        "w5_newton_step": {"w5_newton_converges", "w5_gradient_descent_path"},
        "w5_lagrangian_gradient": {"w5_newton_converges"},
        "w5_solve_lagrange": {"w5_lagrangian_gradient_matches_formula"},
    }[answer_cell]
    for gid in independent:
        assert results[gid][0] is None, (gid, results[gid])


def test_the_time_limit_works_in_a_real_kernel(tmp_path):
    """A never-stopping answer in a Jupyter kernel: its test cell fails in bounded time."""
    notebook = nbformat.read(str(MASTER), as_version=4)
    for cell in notebook.cells:
        if grade_id(cell) == "w5_newton_raphson":
            cell.source = NEVER_STOPS_SPINNING
    notebook.cells = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and grade_id(cell) in {"w5_setup", "w5_newton_raphson", "w5_newton_converges"}
    ]
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=30,  # nbclient's own limit: the test cell must end long before it
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    outputs = notebook.cells[-1].outputs
    errors = [output for output in outputs if output.output_type == "error"]
    assert errors and errors[0].ename == "CheckFailed", outputs
    assert "still running after 3 s" in errors[0].evalue
    assert seconds < 25, f"the kernel run took {seconds:.1f} s"
