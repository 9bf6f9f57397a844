"""Week 6 content: the numbers the lecture shows, its check cells, and the assignment's
test cells against the reference, the stub and plausible wrong answers.

* The lecture ``notebooks/06_regression.ipynb`` is executed once (module fixture); its
  printed numbers and explorer readouts are compared with values computed here
  independently (``numpy.polyfit``, ``scipy.optimize.curve_fit``, sums written out).
* The assignment master ``source/week6/regression.ipynb`` is run in-process: the
  reference passes every test cell, the stub fails every one, and each plausible
  mistake fails exactly the cells it should, with a message naming the mistake. The
  full nbgrader round trip is in ``tests/test_assignments.py``.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import nbformat
import notebook_runs
import numpy as np
import pytest
from notebook_runs import (
    cell_stdout,
    check_name,
    fill_in,
    grade_id,
    is_choice_check,
    is_numeric_check,
    numbers,
    run_cell,
)
from scipy.optimize import curve_fit

from mmlcalc import questions
from mmlcalc.checks import Feedback
from mmlcalc.data import load_cars, load_galton_families

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "notebooks" / "06_regression.ipynb"
MASTER = ROOT / "source" / "week6" / "regression.ipynb"

CARS = load_cars()
GALTON = load_galton_families()
SONS = GALTON["childHeight"][GALTON["gender"] == "male"]


def normal_density(x, mu, sigma):
    return np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


def sons_histogram():
    """Galton's sons in 1-inch bins with edges at k − 0.25, as the lecture builds them."""
    edges = np.arange(59.75, 80.0, 1.0)
    counts, _ = np.histogram(SONS, edges)
    return (edges[:-1] + edges[1:]) / 2, counts / SONS.size, np.sqrt(np.maximum(counts, 1)) / 481


def library_fit():
    x, y, u = sons_histogram()
    params, covariance = curve_fit(normal_density, x, y, p0=[66, 4], sigma=u, absolute_sigma=True)
    return params, covariance


# ------------------------------------------------------------------------------ the lecture


@pytest.fixture(scope="module")
def lecture(clean_lecture):
    """The lecture, executed once per session (shared with tests/test_notebooks.py)."""
    return clean_lecture(LECTURE)


def test_chi_squared_of_the_guess_and_the_best_line(lecture):
    speed, dist = CARS["speed"], CARS["dist"]
    text = cell_stdout(lecture, "chi2_guess = np.sum(residuals**2)")
    assert f"{np.sum((dist - (3.0 * speed - 10.0)) ** 2):.1f} ft²" in text
    assert "χ² with uncertainties: 2.0" in text  # residuals [−0.5, 0, 2] / u = [−1, 0, 1]
    slope, intercept = np.polyfit(speed, dist, 1)
    best = np.sum((dist - np.polyval([slope, intercept], speed)) ** 2)
    text = cell_stdout(lecture, "chi2_best = np.sum(")
    assert f"dist = {slope:.4f} · speed {intercept:+.4f} ft, χ² = {best:.1f} ft²" in text
    derivatives = numbers(text.splitlines()[1].split(":", 1)[1])
    assert all(abs(d) < 1e-8 * best for d in derivatives)  # both derivatives vanish
    # the prose claims the guess is about 30 % above the minimum
    assert np.sum((dist - (3.0 * speed - 10.0)) ** 2) / best == pytest.approx(1.3, abs=0.02)


def test_galton_regression_slope(lecture):
    slope, intercept = np.polyfit(GALTON["midparentHeight"], GALTON["childHeight"], 1)
    text = cell_stdout(lecture, "galton_slope, galton_intercept = fit_line")
    assert f"child ≈ {slope:.3f} · mid-parent {intercept:+.2f} in" in text
    assert f"children {3 * slope:.1f} in above" in text


def test_histogram_and_gradient_numbers(lecture):
    text = cell_stdout(lecture, "counts, _ = np.histogram(sons, edges)")
    assert f"481 sons, mean {SONS.mean():.2f} in, standard deviation {SONS.std():.2f} in" in text
    x, y, u = sons_histogram()
    counts = np.rint(y * 481).astype(int)
    assert " ".join(map(str, counts)) in re.sub(r"\s+", " ", text)
    text = cell_stdout(lecture, "def chi2_gradient(params)")
    chi2 = np.sum(((y - normal_density(x, 66.0, 4.0)) / u) ** 2)
    assert f"χ² at the start: {chi2:.1f}" in text
    formula, numeric = (numbers(line.split(":", 1)[1]) for line in text.splitlines()[1:3])
    h = 1e-5  # an independent central difference
    expected = [
        (
            np.sum(((y - normal_density(x, 66 + h, 4)) / u) ** 2)
            - np.sum(((y - normal_density(x, 66 - h, 4)) / u) ** 2)
        )
        / (2 * h),
        (
            np.sum(((y - normal_density(x, 66, 4 + h)) / u) ** 2)
            - np.sum(((y - normal_density(x, 66, 4 - h)) / u) ** 2)
        )
        / (2 * h),
    ]
    np.testing.assert_allclose(formula, expected, rtol=1e-6)
    np.testing.assert_allclose(numeric, expected, rtol=1e-6)
    assert expected[0] < 0  # the prose: χ² falls as μ grows


def test_descent_numbers_and_the_step_size_limit(lecture):
    library, _covariance = library_fit()
    text = cell_stdout(lecture, "raw steepest descent, η = {eta}")
    assert f"μ = {library[0]:.4f} in, σ = {library[1]:.4f} in" in text
    text = cell_stdout(lecture, "eigenvalues = np.linalg.eigvalsh(H)")
    x, _y, u = sons_histogram()
    jac = np.stack(
        [
            normal_density(x, *library) * (x - library[0]) / library[1] ** 2,
            normal_density(x, *library)
            * ((x - library[0]) ** 2 / library[1] ** 3 - 1 / library[1]),
        ],
        axis=1,
    )
    hessian = 2 * jac.T @ (jac / u[:, None] ** 2)
    eigenvalues = np.linalg.eigvalsh(hessian)
    assert f"2 / λ_max = {2 / eigenvalues[-1]:.4f} in²" in text
    assert 0.004 < 2 / eigenvalues[-1] < 0.008  # the prose: η = 0.004 sits below ≈ 0.0068
    lines = [line for line in text.splitlines() if line.startswith("η =")]
    assert "χ² = 17.96" in lines[0] and "χ² = 17.96" in lines[1]
    assert "lost" in lines[2] and float(lines[3].rsplit("=", 1)[1]) > 400  # the plateau
    text = cell_stdout(lecture, "rho = H[0, 1] / np.sqrt(")
    rho = hessian[0, 1] / np.sqrt(hessian[0, 0] * hessian[1, 1])
    assert f"coupling ρ at the answer = {rho:.3f}" in text
    steps = int(re.search(r"η = 1: (\d+) steps", text).group(1))
    assert steps < 20 and f"μ = {library[0]:.4f} in, σ = {library[1]:.4f} in" in text


def test_library_comparison(lecture):
    library, covariance = library_fit()
    text = cell_stdout(lecture, "standard_errors = np.sqrt(")
    assert f"curve_fit:        μ = {library[0]:.6f} in, σ = {library[1]:.6f} in" in text
    difference = numbers(text.splitlines()[2].split(":", 1)[1])[0]
    assert difference < 1e-5  # the prose: "about a millionth of an inch"
    errors = np.sqrt(np.diag(covariance))
    assert f"standard errors: {errors.round(3)}" in text
    x, y, u = sons_histogram()
    chi2 = np.sum(((y - normal_density(x, *library)) / u) ** 2)
    assert f"χ² = {chi2:.2f} with 20 - 2 = 18 degrees of freedom" in text
    assert abs(chi2 - 18) < 6  # within the spread √(2·18) ≈ 6: "close to" the dof
    assert np.all(np.abs(library - [SONS.mean(), SONS.std()]) < errors)  # "less than one error"


def readouts(notebook) -> dict[str, str]:
    """Each explorer's readout text after it was built, by title (as tests/test_notebooks.py)."""
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if not view:
                continue
            children = state[view["model_id"]]["state"].get("children", [])
            if len(children) != 5:
                continue
            value = state[children[0].removeprefix("IPY_MODEL_")]["state"]["value"]
            readout = state[children[3].removeprefix("IPY_MODEL_")]["state"]["value"]
            text = re.sub(r"<[^>]+>|&nbsp;", " ", readout)
            found[re.sub(r"<[^>]+>", "", value)] = re.sub(r"\s+", " ", html.unescape(text)).strip()
    return found


def test_explorer_readouts(lecture):
    shown = readouts(lecture)
    assert set(shown) == {"Fit a line by hand: residuals and χ²", "Steepest descent on χ²"}
    speed, dist = CARS["speed"], CARS["dist"]
    chi2 = np.sum((dist - 2.0 * speed) ** 2)
    slope, intercept = np.polyfit(speed, dist, 1)
    best = np.sum((dist - np.polyval([slope, intercept], speed)) ** 2)
    assert shown["Fit a line by hand: residuals and χ²"] == (
        f"y = 2.000 x +0.000 χ² = {chi2:.1f} least χ² = {best:.1f} at m = {slope:.3f}, "
        f"c = {intercept:.3f}"
    )
    library, _ = library_fit()
    text = shown["Steepest descent on χ²"]
    assert text.startswith("after 10 steps, converged: the steps became tiny")
    assert f"μ = {library[0]:.4f}, σ = {library[1]:.4f}" in text
    assert f"library: μ = {library[0]:.4f}, σ = {library[1]:.4f}" in text


WEEK6_ANSWERS = {  # by question id
    "w6-chi-squared": 2.0,  # χ² of y = x + 1
    "w6-best-slope": 1.5,
    "w6-gaussian-partial": np.exp(-0.5) / np.sqrt(2 * np.pi),  # ∂f/∂μ at x = 1
    "w6-stable-step": 0.005,  # the largest stable η
    "w6-degrees-of-freedom": 18,
}


def lecture_sources():
    return [c.source for c in nbformat.read(LECTURE, as_version=4).cells if c.cell_type == "code"]


def test_check_cells_accept_the_right_answer_and_reject_a_wrong_one():
    cells = [s for s in lecture_sources() if is_numeric_check(s)]
    assert {check_name(s) for s in cells} == set(WEEK6_ANSWERS)
    for source in cells:
        name = check_name(source)
        assert re.search(r"^my_answer = None\b", source, re.M)
        for answer, correct in (
            (WEEK6_ANSWERS[name], True),
            (WEEK6_ANSWERS[name] * 1.1 + 1, False),
        ):
            feedback = run_cell(fill_in(source, answer), {"np": np, "check": questions.check})
            assert isinstance(feedback, Feedback)
            assert feedback.correct is correct, (name, answer, feedback.message)


def test_multiple_choice_cells_hint_every_wrong_option():
    cells = [s for s in lecture_sources() if is_choice_check(s)]
    assert len(cells) == 5  # one per section
    for source in cells:
        question = run_cell(source, {"np": np, "choose": questions.choose})
        for option in question.choices.options:
            question.choices.value = option
            if option == question.answer:
                assert question.correct and question.explanation
            else:
                assert question.hints[option] in html.unescape(question.feedback.value)


# ------------------------------------------------------------------------------ the assignment

TEST_CELLS = {
    "w6_chi_squared_sums_weighted_squares": 2,
    "w6_fit_line_matches_polyfit": 3,
    "w6_gaussian_partials_match_finite_differences": 3,
    "w6_gradient_matches_finite_differences": 3,
    "w6_steepest_descent_reaches_curve_fit": 4,
}


def run_master(edits=None, stub=False) -> dict[str, str]:
    """The outcome of each test cell of the master, run in-process (see notebook_runs)."""
    return notebook_runs.run_master(MASTER, TEST_CELLS, edits, stub)


def test_the_model_answer_of_task_6_says_what_the_sons_heights_show():
    """The written answer's claims, on the lecture's data from the lecture's guess (66, 4)."""
    from mmlcalc.regression import (
        chi_squared_gradient,
        gaussian_model,
        gaussian_model_jacobian,
        sons_height_histogram,
        steepest_descent_fit,
    )

    notebook = nbformat.read(MASTER, as_version=4)
    (answer,) = [c for c in notebook.cells if grade_id(c) == "w6_rescaling_answer"]
    for quoted in ("η = 0.004 works", "η = 0.006 already overshoots", "η = 0.001 is safe"):
        assert quoted in answer.source
    x, y, u = sons_height_histogram()

    def fit(eta, rescale):
        return steepest_descent_fit(
            x, y, gaussian_model, gaussian_model_jacobian, np.array([66.0, 4.0]), eta, u,
            rescale=rescale, max_steps=1000,
        )  # fmt: skip

    good = fit(0.004, False)
    assert good.status == "converged"
    assert fit(0.006, False).status == "diverged"
    p = np.array([66.0, 4.0])  # the raw steps themselves: σ goes negative within three
    for _ in range(3):
        p = p - 0.006 * chi_squared_gradient(x, y, p, gaussian_model, gaussian_model_jacobian, u)
    assert p[1] < 0
    slow = fit(0.001, False)
    assert slow.status == "converged" and len(slow.params) > 3 * len(good.params)  # "several"
    rescaled = fit(1.0, True)
    assert rescaled.status == "converged"
    # "fewer steps than even the best step size found by trial for the raw gradient"
    trials = [fit(eta, False) for eta in np.arange(0.0005, 0.0070, 0.0005)]
    best = min(len(t.params) for t in trials if t.status == "converged")
    assert len(rescaled.params) < best


def test_master_metadata_and_test_cell_shape():
    notebook = nbformat.read(MASTER, as_version=4)
    graded = {
        grade_id(c): c.metadata["nbgrader"]["points"]
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
    }
    assert graded == TEST_CELLS and sum(graded.values()) == 15
    # task 6 is a written answer an instructor marks by hand: 2 points, no test
    (manual,) = [c for c in notebook.cells if grade_id(c) == "w6_rescaling_answer"]
    meta = manual.metadata["nbgrader"]
    assert manual.cell_type == "markdown" and meta["solution"] and meta["grade"]
    assert meta["points"] == 2 and "Mark scheme" in manual.source
    ids = [grade_id(c) for c in notebook.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "a duplicated grade_id aborts nbgrader autograde"
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        assert meta and meta["schema_version"] == 3
        if meta.get("grade") and not meta.get("solution"):
            assert meta["locked"]
            source = cell.source
            assert source.lstrip().startswith('"""'), "a test cell opens with a one-line docstring"
            assert "### BEGIN HIDDEN TESTS" in source and "### END HIDDEN TESTS" in source
            visible = source.split("### BEGIN HIDDEN TESTS")[0]
            assert "expect" in visible, "a visible check before the hidden tests"
            # nbgrader gives partial credit for a number as the last expression: the master and
            # the release (visible part) end with a statement or with a call that returns None
            # (expect, expect_close, or the cell's own check_* helper), never with a value such
            # as expect_number(...) or expect_own_work(...); a cell split into parts by
            # checks.Credit (partial credit, as its task states) ends with `credit.score()`,
            # and its Credit holds the cell's points (mmlcalc-grade scores from the metadata)
            if "Credit(" in source:
                assert f"Credit({meta['points']})" in source, grade_id(cell)
            for part in (source, visible):
                last = ast.parse(part).body[-1]
                name = getattr(getattr(last, "value", None), "func", None)
                assert not isinstance(last, ast.Expr) or (
                    isinstance(last.value, ast.Call)
                    and (
                        getattr(name, "id", "") in ("expect", "expect_close")
                        or getattr(name, "id", "").startswith("check_")
                        or (
                            "Credit(" in source
                            and isinstance(name, ast.Attribute)
                            and name.attr == "score"
                            and isinstance(name.value, ast.Name)
                            and not last.value.args
                        )
                    )
                ), f"{grade_id(cell)} ends with an expression that has a value"
        if meta.get("solution") and cell.cell_type == "code":
            before = cell.source.split("### BEGIN SOLUTION")[0]
            assert '"""' in before and "shape" in before, "signature and docstring stay visible"


def test_reference_passes_every_test_cell():
    assert run_master() == dict.fromkeys(TEST_CELLS, "")


def test_stub_fails_every_test_cell():
    outcome = run_master(stub=True)
    assert all(outcome[cell] for cell in TEST_CELLS), outcome


PARTIALS = "w6_gaussian_partials_match_finite_differences"
GRADIENT = "w6_gradient_matches_finite_differences"
DESCENT = "w6_steepest_descent_reaches_curve_fit"
MUTATIONS = [
    # (answer cell, old, new, test cells that must fail, text of the message)
    # A slip costs the tests of its own task only (issue 18): tasks 4 and 5 run with the
    # course's gaussian_partials and chi_squared_gradient swapped in (using_reference).
    (
        "w6_chi_squared",
        "np.sum((residuals / np.asarray(u, dtype=float)) ** 2)",
        "np.sum(residuals**2 / np.asarray(u, dtype=float))",
        {"w6_chi_squared_sums_weighted_squares"},
        "divide each residual by its uncertainty before squaring",
    ),
    (
        "w6_chi_squared",
        "return float(np.sum(residuals**2))",
        "return float(np.sum(residuals))",
        {"w6_chi_squared_sums_weighted_squares"},
        "square each residual",
    ),
    (
        "w6_fit_line",
        "return float(slope), float(y_bar - slope * x_bar)",
        "return float(y_bar - slope * x_bar), float(slope)",
        {"w6_fit_line_matches_polyfit"},
        "return (slope, intercept) in that order",
    ),
    (
        "w6_fit_line",
        "slope = np.sum((x - x_bar) * (y - y_bar)) / np.sum((x - x_bar) ** 2)",
        "slope = np.sum(x * y) / np.sum(x**2)",
        {"w6_fit_line_matches_polyfit"},
        "check the formula for the slope",
    ),
    (
        "w6_fit_line",
        "    x = np.asarray(x, dtype=float)\n",
        "    from mmlcalc.regression import fit_line as package_fit\n"
        "    return package_fit(x, y)\n",
        {"w6_fit_line_matches_polyfit"},
        "calls mmlcalc.regression.fit_line: this task asks you to write the formula yourself",
    ),
    (
        "w6_gaussian_partials",
        "f * ((x - mu) ** 2 / sigma**3 - 1 / sigma)",
        "f * (x - mu) ** 2 / sigma**3",
        {PARTIALS},
        "∂f/∂σ has two terms",
    ),
    (
        "w6_gaussian_partials",
        "axis=1)",
        "axis=0)",
        {PARTIALS},
        "did you transpose it?",
    ),
    (
        "w6_chi_squared_gradient",
        "return -2 * (residuals / u**2) @",
        "return (residuals / u**2) @",
        {GRADIENT},
        "the factor is −2",
    ),
    (
        "w6_chi_squared_gradient",
        "return -2 * (residuals / u**2) @",
        "return -2 * (residuals / u) @",
        {GRADIENT},
        "divide each residual by u², not by u",
    ),
    (
        "w6_steepest_descent_fit",
        "move = step * chi_squared_gradient(p, x, y, u) / curvature",
        "move = step * chi_squared_gradient(p, x, y, u)",
        {DESCENT},
        # the steps run σ negative, where the course's chi_squared_gradient (swapped in) refuses
        "steepest_descent_fit raised ValueError: sigma must be a finite number > 0",
    ),
    (
        "w6_steepest_descent_fit",
        "    path = [p]\n",
        "    path = []\n",
        {DESCENT},
        "row 0 of the path",
    ),
    (
        "w6_steepest_descent_fit",
        "if np.sqrt(np.sum(curvature * move**2)) < tol:",
        "if np.sqrt(np.sum(curvature * move**2)) < 1e-1:",
        {DESCENT},
        "the fitted (mu, sigma)",
    ),
]


@pytest.mark.parametrize(
    "cell, old, new, lost, message", MUTATIONS, ids=[f"{m[0]}:{m[4][:30]}" for m in MUTATIONS]
)
def test_wrong_answer_fails_exactly_its_cells_and_names_the_mistake(cell, old, new, lost, message):
    outcome = run_master({cell: (old, new)})
    failed = {key for key, value in outcome.items() if value}
    assert failed == lost, outcome
    assert any(message in outcome[name] for name in lost), outcome


@pytest.mark.parametrize(
    "old, new, kept",
    [("    path = [p]\n", "    path = []\n", 3), ("< tol:", "< 1e-1:", 2)],
    ids=["no start in row 0", "stops too soon"],
)
def test_task5_gives_partial_credit_part_by_part(old, new, kept):
    """Task 5 states its split (1 + 1 + 2 points): a slip loses only its part's points."""
    outcome = run_master({"w6_steepest_descent_fit": (old, new)})
    assert outcome[DESCENT].startswith(f"partial credit {kept} of 4: "), outcome[DESCENT]
    assert all(not outcome[cell] for cell in TEST_CELLS if cell != DESCENT), outcome
