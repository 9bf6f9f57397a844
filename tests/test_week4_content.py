"""Week 4 content: the lecture notebook's skeleton and numbers, and the assignment's grading.

The assignment checks run in this process (no kernel, no nbgrader): the setup cell,
the answer cells (the reference, or a plausible mistake) and each test cell are
executed in one namespace, as a learner's kernel would. The full nbgrader round trip
(reference scores full marks, stub zero) is ``tests/test_assignments.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mmlcalc.checks import CheckFailed

REPOSITORY = Path(__file__).resolve().parents[1]
LECTURE = REPOSITORY / "notebooks" / "04_taylor_series.ipynb"
MASTER = REPOSITORY / "source" / "week4" / "taylor_series.ipynb"


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


# --- the lecture notebook ------------------------------------------------------------------


def test_lecture_follows_the_course_skeleton():
    notebook = nbformat.read(LECTURE, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    assert headings[0] == "Week 4 — Taylor series and linearisation"
    for required in ("Learning objectives", "Summary", "Exercises", "Further reading"):
        assert required in headings
    assert headings.count("Check your understanding") >= 5
    assert "](03_chain_rule_and_neural_networks.ipynb)" in markdown
    assert "](05_optimisation.ipynb)" in markdown
    # the assignment comes through nbgrader: no link to the master (it holds the solutions)
    assert "../source/" not in markdown and "nbgrader fetch_assignment week4" in markdown
    assert markdown.count("<details><summary>Answer</summary>") >= 4
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert sum("my_answer = None" in source for source in code) >= 4
    for name in (
        "taylor_explorer(",
        "linearisation_explorer(",
        "quadratic_approximation_explorer(",
    ):
        assert any(name in source for source in code), f"the notebook never shows {name}…)"
    # stored without outputs or execution counts
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_lecture_markdown_has_one_sentence_per_line():
    notebook = nbformat.read(LECTURE, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            # a full stop followed by a capital starts a second sentence on the same line
            # (tables, lists and maths are exempt)
            if line.startswith(("|", "$", "-", "<")) or "$" in line:
                continue
            assert not re.search(r"[a-z]\. [A-Z][a-z]", line), f"two sentences on one line: {line}"


def test_numbers_the_lecture_states():
    # section 4: error / Δx² of the linearisation of eˣ at 0.5 → e^0.5 / 2 ≈ 0.824
    a, dx = 0.5, 1e-4
    ratio = (np.exp(a + dx) - np.exp(a) * (1 + dx)) / dx**2
    assert ratio == pytest.approx(0.824, abs=1e-3)
    # section 3: e^-20 from 120 terms of the Maclaurin series is off by more than 100 %
    from mmlcalc.taylor import series_coefficients, taylor_polynomial

    maclaurin = taylor_polynomial(series_coefficients("exp", 120), -20.0)
    assert abs(maclaurin - np.exp(-20.0)) > np.exp(-20.0)
    # the check cell of section 2: order-3 polynomial of 1/(1 − x) about 0.5 at 0.6 = 2.496
    c = series_coefficients("geometric", 3, a=0.5)
    assert taylor_polynomial(c, 0.6, a=0.5) == pytest.approx(2.496)
    # section 6's claim: halving the step divides the quadratic model's error by about 8
    point, direction = np.array([1.0, 0.5]), np.array([0.8, -0.6])
    x, y = point
    J = np.array([np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)])
    d, o = -np.sin(x) * np.cos(y), -np.cos(x) * np.sin(y)
    H = np.array([[d, o], [o, d]])
    errors = []
    for size in (0.1, 0.05):
        step = size * direction
        model = np.sin(x) * np.cos(y) + J @ step + 0.5 * step @ H @ step
        errors.append(abs(np.sin(x + step[0]) * np.cos(y + step[1]) - model))
    assert 7.0 < errors[0] / errors[1] < 9.0


# --- the assignment ---------------------------------------------------------------------------


def _master():
    return nbformat.read(MASTER, as_version=4)


def test_assignment_metadata_is_nbgrader_schema_3_with_points():
    notebook = _master()
    ids = [_nbgrader(c)["grade_id"] for c in notebook.cells if _nbgrader(c)]
    assert len(ids) == len(set(ids)), "a grade_id occurs twice"
    tests = [c for c in notebook.cells if _nbgrader(c).get("grade")]
    assert len(tests) >= 5
    assert sum(_nbgrader(c)["points"] for c in tests) == 15
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if not meta:
            assert "nbgrader" not in cell.metadata
            continue
        assert meta["schema_version"] == 3
        if meta.get("grade"):
            assert meta["locked"] and meta["points"] > 0
            assert cell.source.lstrip().startswith('"""'), "a test cell opens with a docstring"
            assert "### BEGIN HIDDEN TESTS" in cell.source
            assert "expect_own_work" in cell.source
        if meta.get("solution"):
            before, _, after = cell.source.partition("### BEGIN SOLUTION")
            assert "### END SOLUTION" in after
            # signature and docstring stay visible in the released stub
            if before.startswith("def "):
                assert "Parameters" in before and "shape" in before


def _run(notebook, replace: dict[str, tuple[str, str]] | None = None) -> dict[str, str]:
    """Execute setup, answers and tests in one namespace; return {test grade_id: failure}."""
    namespace: dict = {}
    failures = {}
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            continue
        source = cell.source
        if meta.get("solution") and replace and meta["grade_id"] in replace:
            old, new = replace[meta["grade_id"]]
            assert source.count(old) == 1, f"mutation target not found once: {old!r}"
            source = source.replace(old, new)
        if meta.get("grade"):
            try:
                exec(compile(source, meta["grade_id"], "exec"), namespace)
            except CheckFailed as failure:
                failures[meta["grade_id"]] = failure.message
        else:
            exec(compile(source, meta.get("grade_id", "cell"), "exec"), namespace)
    return failures


def test_reference_passes_every_check_without_warnings():
    with np.errstate(all="raise"):
        assert _run(_master()) == {}


MUTATIONS = [
    # (answer cell, old, new, the one test cell that must fail, text its message contains)
    (
        "w4_taylor_coefficients",
        "derivatives / k_factorial",
        "derivatives * k_factorial",
        "w4_taylor_coefficients_divide_by_factorials",
        "divide them by k!",
    ),
    (
        "w4_taylor_polynomial",
        "t = np.asarray(x, dtype=float) - a",
        "t = np.asarray(x, dtype=float)",
        "w4_taylor_polynomial_matches_the_sum",
        "powers of t = x - a",
    ),
    (
        "w4_cos_series",
        "for j in range(n // 2 + 1):",
        "for j in range(n + 1):",
        "w4_cos_series_matches_the_terms",
        "not the number of terms",
    ),
    (
        "w4_linearise",
        "return value + slope * (np.asarray(x, dtype=float) - a)",
        "return value + slope * np.asarray(x, dtype=float)",
        "w4_linearise_builds_the_tangent_line",
        "the line goes through (a, f(a))",
    ),
    (
        "w4_linearise",
        "    return tangent_line\n",
        "    return tangent_line(a)\n",
        "w4_linearise_builds_the_tangent_line",
        "should return a function",
    ),
    (
        "w4_quadratic_approximation",
        "0.5 * delta @ hessian @ delta",
        "delta @ hessian @ delta",
        "w4_quadratic_approximation_is_exact_for_quadratics",
        "the ½ in front of ΔᵀHΔ is missing",
    ),
    (
        "w4_quadratic_approximation",
        "return float(value + jacobian @ delta + 0.5 * delta @ hessian @ delta)",
        "from mmlcalc.taylor import quadratic_approximation as package\n\n"
        "    return package(value, jacobian, hessian, delta)",
        "w4_quadratic_approximation_is_exact_for_quadratics",
        "calls mmlcalc.taylor.quadratic_approximation",
    ),
    (
        "w4_error_order",
        "return float(slope)",
        "return float(_intercept)",
        "w4_error_order_fits_the_log_log_slope",
        "that is the intercept",
    ),
    (
        "w4_error_order",
        "np.log(np.abs(steps))",
        "np.log(steps)",
        "w4_error_order_fits_the_log_log_slope",
        "np.abs of the steps",
    ),
]


@pytest.mark.parametrize(("answer", "old", "new", "lost", "message"), MUTATIONS)
def test_a_plausible_mistake_fails_only_its_own_check_with_a_useful_message(
    answer, old, new, lost, message
):
    with np.errstate(invalid="ignore"):  # log of a negative step: nan, reported by the check
        failures = _run(_master(), {answer: (old, new)})
    assert set(failures) == {lost}
    assert message in failures[lost]
