"""The lecture notebooks run, follow the course skeleton and show the right numbers.

* Every ``notebooks/*.ipynb`` is executed once per session with nbclient, from a
  temporary copy of the ``notebooks`` folder, and must run without errors, without any
  stderr output (warnings count) and in reasonable time.
* Every lecture notebook (``0N_*.ipynb``, N ≥ 1) has the skeleton of STYLE.md; the
  course index ``00_index.ipynb`` is not a lecture and has no skeleton.
* No relative link of any notebook is dead; every lecture links to the index and to
  the previous and next week, and the index links to every lecture.
* Week 1's printed numbers, explorer readouts and check cells are compared with values
  computed here independently.
* Every notebook in ``notebooks/`` and ``source/`` is stored without outputs, and every
  assignment in ``source/`` carries nbgrader metadata.
* ``ruff check`` passes on the repository, and ``ruff format --check`` finds nothing to
  reformat (one code layout for the package, tests and notebooks).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from notebook_runs import (
    Run,
    cell_stdout,
    check_name,
    fill_in,
    is_choice_check,
    is_numeric_check,
    numbers,
    run_cell,
)

from mmlcalc import questions
from mmlcalc.checks import Feedback
from mmlcalc.widgets import MultipleChoice

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
SOURCE_DIR = ROOT / "source"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: The course index: the map of the course, not a lecture (no skeleton checks).
INDEX = NOTEBOOK_DIR / "00_index.ipynb"
LECTURES = [path for path in NOTEBOOKS if re.match(r"0[1-9]_\w+\.ipynb$", path.name)]
ASSIGNMENTS = sorted(SOURCE_DIR.glob("**/*.ipynb"))

#: Lecture file names the curriculum (CURRICULUM.md) fixes, by week.
CURRICULUM_FILES = {
    1: "01_slopes_and_derivatives.ipynb",
    2: "02_multivariate_calculus.ipynb",
    3: "03_chain_rule_and_neural_networks.ipynb",
    4: "04_taylor_series.ipynb",
    5: "05_optimisation.ipynb",
    6: "06_regression.ipynb",
}
#: A guard, not a benchmark: a lecture must run in well under a minute on a 2-core machine.
TIME_LIMIT_SECONDS = 30.0
#: nbclient's per-cell limit.


def _ids(paths):
    return [path.name for path in paths]


def week_of(path: Path) -> int:
    return int(path.name[:2])


# ---------------------------------------------------------------------------- execution


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=_ids(NOTEBOOKS))
def run(request, executed_lecture) -> tuple[Path, Run]:
    """Each notebook, executed once per session (shared with the week content tests)."""
    return request.param, executed_lecture(request.param)


@pytest.fixture(scope="module")
def week1(executed_lecture) -> Run:
    path = NOTEBOOK_DIR / CURRICULUM_FILES[1]
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing")
    return executed_lecture(path)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def markdown_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "markdown"]


def test_notebook_runs_without_errors(run):
    path, result = run
    errors = [
        f"cell {index}: {output.ename}: {output.evalue}"
        for index, cell in enumerate(result.notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert not errors, f"{path.name} raised:\n" + "\n".join(errors)


def test_notebook_writes_nothing_to_stderr(run):
    path, result = run
    stderr = [
        f"cell {index}: {output.text.strip()[:300]}"
        for index, cell in enumerate(result.notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == "stderr"
    ]
    assert not stderr, f"{path.name} wrote to stderr (warnings count):\n" + "\n".join(stderr)


def test_notebook_runs_in_reasonable_time(run):
    path, result = run
    assert result.seconds < TIME_LIMIT_SECONDS, (
        f"{path.name} took {result.seconds:.1f} s to run, more than the {TIME_LIMIT_SECONDS:g} s "
        "a learner should wait: make explorers build lazily or use fewer points"
    )


def test_check_cells_ask_for_an_answer_until_one_is_given(run):
    """A fresh ``my_answer = None`` check prints the "Replace None" feedback and does not raise."""
    path, result = run
    for index, cell in enumerate(result.notebook.cells):
        if cell.cell_type == "code" and re.search(r"^my_answer = None", cell.source, re.M):
            shown = " ".join(
                output.get("data", {}).get("text/plain", "") for output in cell.outputs
            )
            assert "Replace None" in shown, f"{path.name} cell {index} shows {shown!r}"


# ---------------------------------------------------------------------------- skeleton


def headings(notebook) -> list[str]:
    return [
        line.lstrip("#").strip()
        for cell in markdown_cells(notebook)
        for line in cell.source.splitlines()
        if re.match(r"#{1,6} ", line)
    ]


def links(notebook) -> list[tuple[str, str]]:
    """Every markdown link as (the line it is on, its target)."""
    return [
        (line, target)
        for cell in markdown_cells(notebook)
        for line in cell.source.splitlines()
        for target in re.findall(r"\]\(([^)\s]+)\)", line)
    ]


def is_check_cell(cell) -> bool:
    return cell.cell_type == "code" and (
        is_numeric_check(cell.source) or is_choice_check(cell.source)
    )


def is_explorer_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(re.search(r"\b\w+_explorer\(", cell.source))


@pytest.fixture(params=LECTURES, ids=_ids(LECTURES))
def lecture(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_lecture_file_name_follows_the_curriculum(lecture):
    path, _ = lecture
    week = week_of(path)
    if week in CURRICULUM_FILES:
        assert path.name == CURRICULUM_FILES[week]


def test_title_and_subtitle(lecture):
    path, notebook = lecture
    first = notebook.cells[0]
    assert first.cell_type == "markdown", "the first cell is the title"
    lines = [line for line in first.source.splitlines() if line.strip()]
    assert re.match(rf"# Week {week_of(path)} — \S", lines[0]), f"title line is {lines[0]!r}"
    assert len(lines) >= 2 and not lines[1].startswith("#"), "a one-line subtitle follows the title"


def test_learning_objectives_with_three_to_five_items(lecture):
    _, notebook = lecture
    cells = [cell for cell in markdown_cells(notebook) if "Learning objectives" in cell.source]
    assert cells, "no 'Learning objectives' section"
    assert re.search(r"^#+ Learning objectives", cells[0].source, re.M)
    items = re.findall(r"^\s*[-*\d.]+\s", cells[0].source, re.M)
    assert 3 <= len(items) <= 5, f"{len(items)} learning objectives; the style asks for 3–5"


def test_setup_cell(lecture):
    _, notebook = lecture
    setup = code_cells(notebook)[0].source
    for needed in (
        "import numpy as np",
        "import matplotlib.pyplot as plt",
        "%matplotlib inline",
        "use_course_style()",
        "from mmlcalc.plotting",
        "from mmlcalc.widgets",
        "from mmlcalc.questions import check, choose, explain",
    ):
        assert needed in setup, f"the setup cell lacks {needed!r}"


def test_closing_sections(lecture):
    _, notebook = lecture
    found = headings(notebook)
    for section in ("Summary", "Exercises", "Further reading"):
        assert any(heading.startswith(section) for heading in found), f"no {section!r} heading"
    order = [
        next(i for i, h in enumerate(found) if h.startswith(s))
        for s in ("Summary", "Exercises", "Further reading")
    ]
    assert order == sorted(order), "Summary, Exercises and Further reading come in that order"


def test_exercises_have_hidden_answers(lecture):
    _, notebook = lecture
    text = "\n".join(cell.source for cell in markdown_cells(notebook))
    answers = re.findall(r"<details>\s*<summary>\s*Answer\s*</summary>", text)
    assert answers, "no <details><summary>Answer</summary> block"
    assert text.count("<details>") == text.count("</details>"), "unclosed <details>"


def test_explorers_and_checks_in_every_section(lecture):
    _, notebook = lecture
    assert any(is_explorer_cell(cell) for cell in notebook.cells), "no explorer"
    assert any(is_check_cell(cell) for cell in notebook.cells), "no check cell"
    sections: dict[str, list] = {}
    current = None
    for cell in notebook.cells:
        match = cell.cell_type == "markdown" and re.search(r"^## (\d+\. .*)$", cell.source, re.M)
        if match:
            current = match.group(1)
            sections[current] = []
        elif cell.cell_type == "markdown" and re.search(r"^## ", cell.source, re.M):
            current = None  # Summary, Exercises, ... are not teaching sections
        if current is not None:
            sections[current].append(cell)
    assert sections, "no numbered sections (## 1. …)"
    for title, cells in sections.items():
        assert any(is_check_cell(cell) for cell in cells), f"section {title!r} has no check"


def is_future_week(line: str, target: str, week: int) -> bool:
    """A "Next" link to a later week not yet written, under the curriculum's file name."""
    match = re.fullmatch(r"0(\d)_\w+\.ipynb", target)
    return bool(
        match
        and "Next" in line
        and int(match.group(1)) > week
        and CURRICULUM_FILES.get(int(match.group(1))) == target
    )


def test_navigation_links(lecture):
    path, notebook = lecture
    week = week_of(path)
    navigation = [
        (line, target)
        for line, target in links(notebook)
        if re.search(r"\b(Next|Previous)\b", line)
    ]
    assert navigation, "no 'Next' or 'Previous' link"
    for line, target in navigation:
        if (NOTEBOOK_DIR / target).exists():
            continue
        match = re.fullmatch(r"0(\d)_\w+\.ipynb", target)
        assert match and int(match.group(1)) > week, (
            f"{target!r} does not exist and is not a later week's notebook: {line!r}"
        )
        expected = CURRICULUM_FILES.get(int(match.group(1)))
        assert expected in (None, target), f"week {match.group(1)} will be {expected!r}"
    previous = [t for line, t in navigation if "Previous" in line]
    expected_previous = INDEX.name if week == 1 else CURRICULUM_FILES.get(week - 1)
    assert previous, f"a 'Previous' link back to {expected_previous}"
    if expected_previous:
        assert expected_previous in previous, f"'Previous' links to {previous}"
    if week < max(CURRICULUM_FILES):
        assert [t for line, t in navigation if "Next" in line], "a 'Next' link to next week"


def test_lecture_links_to_the_index(lecture):
    path, notebook = lecture
    assert INDEX.name in [target for _, target in links(notebook)], (
        f"{path.name} has no link to the course index {INDEX.name}"
    )


def test_index_links_to_every_lecture():
    assert INDEX.exists(), f"{INDEX.relative_to(ROOT)} is missing"
    targets = {target for _, target in links(nbformat.read(INDEX, as_version=4))}
    missing = [path.name for path in LECTURES if path.name not in targets]
    assert not missing, f"the course index does not link to {missing}"


def relative_links(notebook) -> list[tuple[str, str]]:
    """Markdown and HTML links that point into the repository: (line, target without #anchor)."""
    found = links(notebook) + [
        (line, target)
        for cell in markdown_cells(notebook)
        for line in cell.source.splitlines()
        for target in re.findall(r"""(?:href|src)=["']([^"']+)["']""", line)
    ]
    return [
        (line, target.split("#", 1)[0])
        for line, target in found
        if not re.match(r"[a-z][a-z0-9+.-]*:|#|//", target, re.I) and target.split("#", 1)[0]
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_dead_relative_link(path):
    notebook = nbformat.read(path, as_version=4)
    week = week_of(path)
    dead = [
        f"{target} ({line.strip()[:120]})"
        for line, target in relative_links(notebook)
        if not (NOTEBOOK_DIR / target).exists() and not is_future_week(line, target, week)
    ]
    assert not dead, f"{path.name} has dead links:\n" + "\n".join(dead)


def test_links_into_source_exist(lecture):
    path, notebook = lecture
    for line, target in links(notebook):
        if target.startswith("../source/"):
            assert (NOTEBOOK_DIR / target).resolve().exists(), (
                f"{path.name} links to {target}, which does not exist: {line!r}"
            )


# ---------------------------------------------------------------------------- week 1 numbers


def stdout(run: Run, marker: str) -> str:
    """The printed output of the one code cell whose source contains ``marker``."""
    return cell_stdout(run.notebook, marker)


def result(run: Run, marker: str) -> str:
    """The text/plain value of the one code cell whose source contains ``marker``."""
    cells = [cell for cell in code_cells(run.notebook) if marker in cell.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {marker!r}"
    return "".join(output.get("data", {}).get("text/plain", "") for output in cells[0].outputs)


def readouts(run: Run) -> dict[str, str]:
    """Each displayed explorer's readout text after it was built, by the explorer's title.

    nbclient stores the widget models in the notebook's metadata; an explorer is a VBox
    of [title, controls, image, readout, caption].
    """
    state = run.notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]

    def model(reference: str) -> dict:
        return state[reference.removeprefix("IPY_MODEL_")]["state"]

    found = {}
    for cell in code_cells(run.notebook):
        for output in cell.outputs:
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if not view:
                continue
            children = state[view["model_id"]]["state"].get("children", [])
            if len(children) != 5:  # MultipleChoice has four children
                continue
            title = re.sub(r"<[^>]+>", "", model(children[0])["value"])
            readout = re.sub(r"<[^>]+>|&nbsp;", " ", model(children[3])["value"])
            found[html.unescape(title)] = re.sub(r"\s+", " ", html.unescape(readout)).strip()
    return found


def test_week1_gradient_of_the_temperature_line(week1):
    def temperature(x):  # International Standard Atmosphere: 15 °C at 0 km, −6.5 °C per km
        return 15.0 - 6.5 * x

    gradient = (temperature(4.0) - temperature(1.0)) / (4.0 - 1.0)
    text = stdout(week1, "rise = temperature(x1) - temperature(x0)")
    assert f"T(1 km) = {temperature(1.0):.2f} °C, T(4 km) = {temperature(4.0):.2f} °C" in text
    assert f"rise = {temperature(4.0) - temperature(1.0):.2f} °C, run = 3.00 km" in text
    assert f"gradient = rise / run = {gradient:.2f} °C per km" in text
    neighbours = stdout(week1, "np.diff(temperatures)")
    assert "[-6.5 -6.5 -6.5]" in neighbours
    assert float(result(week1, "secant_slope(temperature, 1.0, 4.0)")) == gradient


def test_week1_secant_slopes_of_x_squared(week1):
    rows = [numbers(line) for line in stdout(week1, "secant slope = {slope:.6f}").splitlines()]
    assert [row[0] for row in rows] == [1.0, 0.1, 0.01, 0.001]
    for dx, slope in rows:
        assert slope == pytest.approx(((1.0 + dx) ** 2 - 1.0) / dx, abs=5e-7)
        assert slope == pytest.approx(2.0 + dx, abs=5e-7)  # the algebra the notebook states


def test_week1_forward_differences_of_x_cubed(week1):
    lines = stdout(week1, "def cube").splitlines()
    assert len(lines) == 4
    for line in lines:
        dx, estimate, error, ratio = numbers(line.replace("Δx = ", ""))
        exact_estimate = ((2.0 + dx) ** 3 - 8.0) / dx
        assert estimate == pytest.approx(exact_estimate, abs=5e-7)
        assert error == pytest.approx(exact_estimate - 12.0, rel=6e-3)
        assert ratio == pytest.approx(6.0 + dx, abs=5e-4)  # error/Δx = 3x + Δx at x = 2
    assert float(result(week1, "forward_difference(cube, 2.0, 1e-3)")) == pytest.approx(
        (2.001**3 - 8.0) / 1e-3, rel=1e-9
    )


def test_week1_the_number_e(week1):
    lines = stdout(week1, "for base in [2.0, np.e, 3.0]").splitlines()
    for line, base in zip(lines, (2.0, np.e, 3.0), strict=True):
        match = re.fullmatch(r"a = ([\d.]+): \(a\^Δx − 1\) / Δx = ([\d.]+)", line)
        assert match, line
        a, limit = float(match.group(1)), float(match.group(2))
        assert a == pytest.approx(base, abs=5e-6)
        assert limit == pytest.approx(np.log(base), abs=1e-5)  # the slope of aˣ at 0 is ln a


def test_week1_product_rule_numbers(week1):
    def u(x):
        return x + 1

    def v(x):
        return x**2

    text = stdout(week1, "product rule: u′v + uv′")
    lines = text.splitlines()
    assert lines[0] == f"product rule: u′v + uv′ = {1 * v(1.0) + u(1.0) * 2 * 1.0:.4f}"
    for line, dx in zip(lines[1:], (0.3, 0.03, 0.003), strict=True):
        delta_u, delta_v = u(1 + dx) - u(1.0), v(1 + dx) - v(1.0)
        expected = [
            dx,
            v(1.0) * delta_u,
            u(1.0) * delta_v,
            delta_u * delta_v,
            (u(1 + dx) * v(1 + dx) - u(1.0) * v(1.0)) / dx,
        ]
        got = numbers(line.replace("Δ(uv)/Δx", "").replace("Δu·Δv", ""))
        np.testing.assert_allclose(got, expected, atol=5e-4)


def test_week1_rules_agree_with_secant_slopes(week1):
    rng = np.random.default_rng(seed=1)  # the notebook's seed and points
    points = rng.uniform(-2.0, 2.0, size=5)
    dx = 1e-6
    examples = [  # the same functions, with their derivatives worked out independently
        (lambda x: 3 * x**4 + np.sin(x), lambda x: 12 * x**3 + np.cos(x)),
        (lambda x: x**2 * np.sin(x), lambda x: 2 * x * np.sin(x) + x**2 * np.cos(x)),
        (lambda x: np.exp(-(x**2)), lambda x: -2 * x * np.exp(-(x**2))),
        (lambda x: np.log(1 + x**2), lambda x: 2 * x / (1 + x**2)),
    ]
    lines = stdout(week1, "largest |secant slope − rule|").splitlines()
    for line, (g, dg) in zip(lines, examples, strict=True):
        worst = np.max(np.abs((g(points + dx) - g(points)) / dx - dg(points)))
        shown = float(line.rsplit("=", 1)[1])
        assert shown == pytest.approx(worst, rel=0.06)  # printed to two significant figures
        assert shown < 1e-4  # the agreement the notebook claims


def test_week1_forward_and_central_error_table(week1):
    lines = stdout(week1, "forward error   central error").splitlines()[1:]
    assert len(lines) == 7
    x = 1.0
    for line in lines:
        h, forward_error, central_error = (float(part) for part in line.split())
        forward = (np.sin(x + h) - np.sin(x)) / h
        central = (np.sin(x + h) - np.sin(x - h)) / (2 * h)
        assert forward_error == pytest.approx(abs(forward - np.cos(x)), rel=1e-3)
        assert central_error == pytest.approx(abs(central - np.cos(x)), rel=1e-3)
        if h >= 1e-4:  # truncation regime: the leading terms of the error
            assert forward_error == pytest.approx(h / 2 * np.sin(x), rel=0.03)
            assert central_error == pytest.approx(h**2 / 6 * np.cos(x), rel=0.03)


def test_week1_machine_epsilon_and_automatic_steps(week1):
    eps = np.finfo(float).eps
    text = stdout(week1, "eps = np.finfo(float).eps")
    assert f"ε = {eps:.3e}, √ε = {eps**0.5:.3e}, ∛ε = {eps ** (1 / 3):.3e}" in text
    assert "Is 1e8 + 1e-9 == 1e8? True" in text
    lines = stdout(week1, "from mmlcalc.calculus import default_step, derivative").splitlines()
    for line, x in zip(lines[:2], (1.0, 1000.0), strict=True):
        assert line == (
            f"x = {x:g}: forward step {np.sqrt(eps) * x:.2e}, central step {np.cbrt(eps) * x:.2e}"
        )
    central, forward, exact = (numbers(line.split(":", 1)[1])[0] for line in lines[2:5])
    assert exact == pytest.approx(np.cos(1.0), abs=1e-12)
    h = np.cbrt(eps)  # independent central difference with the automatic step at x = 1
    # the two may differ by round-off, about ε/h ≈ 4e-11
    assert central == pytest.approx((np.sin(1 + h) - np.sin(1 - h)) / (2 * h), abs=1e-10)
    assert abs(central - np.cos(1.0)) < 1e-10
    assert abs(forward - np.cos(1.0)) < 1e-7
    central_error, forward_error = (numbers(line.rsplit("error", 1)[1])[0] for line in lines[2:4])
    assert central_error < 1e-10 and forward_error < 1e-7


def test_week1_explorer_readouts(week1):
    shown = readouts(week1)
    assert set(shown) == {
        "From secant to tangent",
        "A function and its derivative",
        "The product rule as a growing rectangle",
        "How small should h be?",
    }
    # secant of x² from 1 to 2
    assert shown["From secant to tangent"] == (
        "secant slope = rise/run = 3 / 1 = 3.00000 "
        "f′(x₀) = 2.00000 error of the secant slope = +1.00e+00"
    )
    # x³ − 3x at 0.5
    f_value, slope = 0.5**3 - 3 * 0.5, 3 * 0.5**2 - 3
    assert shown["A function and its derivative"] == (
        f"f(x) = {f_value:.4f} slope of the tangent = f′(x) = {slope:.4f}"
    )
    # (x + 1)·x² grown from 1 by 0.3
    delta_u, delta_v = 0.3, 1.3**2 - 1.0
    growth = 1.0 * delta_u + 2.0 * delta_v + delta_u * delta_v
    assert shown["The product rule as a growing rectangle"] == (
        f"Δ(uv) = v·Δu + u·Δv + Δu·Δv = {delta_u:.4f} + {2 * delta_v:.4f} + "
        f"{delta_u * delta_v:.4f} = {growth:.4f} Δ(uv)/Δx = {growth / 0.3:.4f} "
        f"product rule u′v + uv′ = {1.0 * 1.0 + 2.0 * 2.0:.4f}"
    )
    # sin at 1 with h = 1e-4
    h = 1e-4
    forward = abs((np.sin(1 + h) - np.sin(1.0)) / h - np.cos(1.0))
    central = abs((np.sin(1 + h) - np.sin(1 - h)) / (2 * h) - np.cos(1.0))
    assert shown["How small should h be?"].startswith(
        f"h = 1.0e-04: forward error = {forward:.2e}, central error = {central:.2e}"
    )


# The right answer of every week 1 check cell, worked out independently, by its question id.
WEEK1_ANSWERS = {
    "w1-line-gradient": (19 - 7) / (6 - 2),  # through (2, 7) and (6, 19)
    "w1-secant-cube": (1.5**3 - 1**3) / 0.5,  # x³ from 1 to 1.5
    "w1-derivative-definition": 2 * 2 + 5,  # f′(x) = 2x + 5 for x² + 5x, at 2
    "w1-product-rule": 3 * np.sin(1.0) + np.cos(1.0),  # 3x² sin x + x³ cos x at 1
    "w1-central-difference-exp": (np.exp(0.1) - np.exp(-0.1)) / 0.2,  # eˣ at 0, h = 0.1
}


def test_week1_check_cells_accept_the_right_answer_and_reject_a_wrong_one(week1):
    cells = [cell.source for cell in code_cells(week1.notebook) if is_numeric_check(cell.source)]
    assert {check_name(source) for source in cells} == set(WEEK1_ANSWERS)
    for source in cells:
        name = check_name(source)
        assert re.search(r"^my_answer = None\b", source, re.M), f"{name}: no None placeholder"
        for answer, correct in ((WEEK1_ANSWERS[name], True), (WEEK1_ANSWERS[name] + 1, False)):
            feedback = run_cell(fill_in(source, answer), {"np": np, "check": questions.check})
            assert isinstance(feedback, Feedback), f"{name}: the cell does not end with the check"
            assert feedback.correct is correct, f"{name} with {answer!r}: {feedback.message}"


def test_week1_multiple_choice_cells_work_and_hint_every_wrong_option(week1):
    cells = [cell.source for cell in code_cells(week1.notebook) if is_choice_check(cell.source)]
    assert len(cells) >= 5  # one per section
    for source in cells:
        question = run_cell(source, {"np": np, "choose": questions.choose})
        assert isinstance(question, MultipleChoice)
        for option in question.choices.options:
            question.choices.value = option
            if option == question.answer:
                assert question.correct and question.explanation
            else:
                assert option in question.hints, f"no hint for the wrong option {option!r}"
                assert question.hints[option] in html.unescape(question.feedback.value)


# ---------------------------------------------------------------------------- hygiene


@pytest.mark.parametrize(
    "path", NOTEBOOKS + ASSIGNMENTS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS + ASSIGNMENTS]
)
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.relative_to(ROOT)} has outputs or execution counts in cells {dirty}: run "
        "`jupyter nbconvert --clear-output --inplace` on it"
    )
    assert "widgets" not in notebook.metadata, "saved widget state: clear it before committing"


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=[str(p.relative_to(ROOT)) for p in ASSIGNMENTS])
def test_assignment_has_nbgrader_metadata(path):
    notebook = nbformat.read(path, as_version=4)
    empty = [i for i, cell in enumerate(notebook.cells) if cell.metadata.get("nbgrader") == {}]
    assert not empty, f"cells {empty} have empty nbgrader metadata"
    graded = [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade") is True
        and cell.metadata["nbgrader"].get("points", 0) > 0
    ]
    assert graded, "no graded cell (nbgrader grade: true with points > 0)"


def test_ruff_check_passes():
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ruff_format_finds_nothing_to_reformat():
    """One code format for the Python files (pyproject.toml: notebooks are linted, not laid out)."""
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
