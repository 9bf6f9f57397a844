"""Week 2 content: the numbers the lecture shows, and the assignment's tests against wrong answers.

The assignment's cells are run in-process (``exec``), without nbgrader: each test
cell must pass with the reference answers and fail, with the message a learner
needs, when one answer is replaced by a plausible mistake. The full nbgrader run
(reference scores full marks, stub zero) is in ``tests/test_assignments.py``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from mmlcalc.checks import CheckFailed

REPOSITORY = Path(__file__).resolve().parents[1]
MASTER = REPOSITORY / "source" / "week2" / "multivariate_calculus.ipynb"
LECTURE = REPOSITORY / "notebooks" / "02_multivariate_calculus.ipynb"


def cells():
    return nbformat.read(str(MASTER), as_version=4).cells


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def without_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### " not in line)


def run_assignment(replacements: dict[str, str] | None = None) -> dict[str, Exception | None]:
    """Run every code cell; answers in ``replacements`` (by grade_id) replace the reference.

    Returns each test cell's grade_id with the exception it raised (None: it passed).
    """
    namespace: dict = {}
    results = {}
    for cell in cells():
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        source = (replacements or {}).get(gid, cell.source)
        meta = cell.metadata.get("nbgrader", {})
        try:
            exec(compile(without_markers(source), gid or "cell", "exec"), namespace)
            error = None
        except Exception as caught:
            error = caught
        if meta.get("grade") and not meta.get("solution"):
            results[gid] = error
        elif error is not None:
            raise error
    return results


def test_every_graded_cell_has_points_and_schema_3():
    graded = [c for c in cells() if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) >= 5
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        assert meta["points"] > 0 and meta["schema_version"] == 3 and meta["locked"]
        assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
        assert cell.source.lstrip().startswith('"""')
    for cell in cells():
        if "nbgrader" in cell.metadata:
            assert cell.metadata["nbgrader"], "an empty nbgrader dict breaks generate_assignment"
        assert not cell.get("outputs") and not cell.get("execution_count")


def test_reference_passes_every_test_cell():
    results = run_assignment()
    assert results and all(error is None for error in results.values()), results


JACOBIAN_G_TRANSPOSED = """
def jacobian_g(p):
    x, y, z = p[0], p[1], p[2]
    return np.array([[y * z, x * z, x * y], [2 * x, 0.0, np.cos(z)]]).T
"""

FORWARD_JACOBIAN = """
def numerical_jacobian(F, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = h
        columns.append((np.asarray(F(x + step)) - np.asarray(F(x))) / h)
    return np.array(columns).T
"""

PACKAGE_JACOBIAN = """
from mmlcalc.multivariate import jacobian


def numerical_jacobian(F, x, h=1e-6):
    return jacobian(F, x, h)
"""

TRANSPOSED_JACOBIAN = """
def numerical_jacobian(F, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    rows = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = h
        rows.append((np.asarray(F(x + step)) - np.asarray(F(x - step))) / (2 * h))
    return np.array(rows)
"""

DIAGONAL_HESSIAN = """
def numerical_hessian(f, x, h=1e-4):
    x = np.asarray(x, dtype=float)
    unit = np.eye(x.size) * h
    return np.diag([(f(x + u) - 2 * f(x) + f(x - u)) / h**2 for u in unit])
"""

DIAGONAL_CLASSIFIER = """
def classify_stationary_point(H, tol=1e-8):
    d = np.diag(H)
    if np.all(d > tol):
        return "minimum"
    if np.all(d < -tol):
        return "maximum"
    return "saddle"
"""

NO_CHAIN_RULE = """
def jacobian_row_f(p):
    x, y = p[0], p[1]
    return np.array([2 * x * y**3 + np.cos(x * y), 3 * x**2 * y**2 + np.cos(x * y)])
"""


@pytest.mark.parametrize(
    "answer_cell, source, failing, words",
    [
        (
            "w2_jacobian_row",
            NO_CHAIN_RULE,
            "w2_jacobian_row_matches_finite_differences",
            "inner derivative",
        ),
        (
            "w2_jacobian_g",
            JACOBIAN_G_TRANSPOSED,
            "w2_jacobian_matrix_matches_finite_differences",
            "transpose",
        ),
        (
            "w2_numerical_jacobian",
            FORWARD_JACOBIAN,
            "w2_numerical_jacobian_matches_analytic",
            "central difference",
        ),
        (
            "w2_numerical_jacobian",
            PACKAGE_JACOBIAN,
            "w2_numerical_jacobian_matches_analytic",
            "write the formula yourself",
        ),
        (
            "w2_numerical_jacobian",
            TRANSPOSED_JACOBIAN,
            "w2_numerical_jacobian_matches_analytic",
            "(3, 2)",
        ),
        (
            "w2_numerical_hessian",
            DIAGONAL_HESSIAN,
            "w2_numerical_hessian_matches_analytic",
            "mixed entries are zero",
        ),
        ("w2_classify", DIAGONAL_CLASSIFIER, "w2_classify_stationary_point", "not the diagonal"),
    ],
)
def test_a_wrong_answer_fails_only_its_own_cell_with_a_helpful_message(
    answer_cell, source, failing, words
):
    results = run_assignment({answer_cell: source})
    assert isinstance(results[failing], CheckFailed), results[failing]
    assert words in results[failing].message
    assert all(error is None for gid, error in results.items() if gid != failing)


# --- the lecture -----------------------------------------------------------------------


def lecture_source() -> str:
    notebook = nbformat.read(str(LECTURE), as_version=4)
    for cell in notebook.cells:
        assert not cell.get("outputs") and not cell.get("execution_count")
    return "\n".join(cell.source for cell in notebook.cells)


def test_lecture_skeleton_and_links():
    text = lecture_source()
    for heading in (
        "## Learning objectives",
        "## Summary",
        "## Exercises",
        "## Further reading",
        "<details><summary>Answer</summary>",
        "my_answer = None",
        "(01_slopes_and_derivatives.ipynb)",
        "(03_chain_rule_and_neural_networks.ipynb)",
        "(../assignments/week2/multivariate_calculus.ipynb)",
    ):
        assert heading in text, heading
    for explorer in (
        "surface_cut_explorer(",
        "gradient_explorer(",
        "jacobian_map_explorer(",
        "sandpit_explorer(",
    ):
        assert explorer in text


def test_numbers_the_lecture_states():
    # section 6: h = x³ − 3x − y³ + 3y has its minimum at (1, −1), maximum at (−1, 1)
    from mmlcalc.multivariate import classify_stationary_point, gradient, hessian

    def h(p):
        return p[0] ** 3 - 3 * p[0] - p[1] ** 3 + 3 * p[1]

    kinds = {(1, -1): "minimum", (-1, 1): "maximum", (1, 1): "saddle", (-1, -1): "saddle"}
    for point, kind in kinds.items():
        assert np.allclose(gradient(h, point), 0.0, atol=1e-8)
        assert classify_stationary_point(hessian(h, point)) == kind
    # section 5: det J of the polar map is r
    from mmlcalc.multivariate import jacobian

    def polar(p):
        return np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])

    assert np.linalg.det(jacobian(polar, [1.5, 0.3])) == pytest.approx(1.5, rel=1e-8)
    # section 7: following -J with step 10 finds the bowl of seed 3 within the budget
    from mmlcalc.sandpit import Sandpit

    game = Sandpit("bowl", budget=12, mode="gradient", seed=3)
    position = np.array([1.0, 9.0])
    while not game.over:
        probe = game.probe(*np.clip(position, 0.0, 10.0))
        position = np.array([probe.x, probe.y]) - 10.0 * probe.jacobian
    assert game.verdict == "found" and len(game.probes) <= 4
