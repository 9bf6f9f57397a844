"""One slip costs once, and both graders agree (issue 18).

The corpus in ``tests/fairness/weekN.py`` holds, per week, learners' correct answers
written differently from the reference (loops, other algebra, other valid layouts) and
single typical slips, each with the test cells it must lose. Every submission of a week
is graded in one stock ``nbgrader autograde`` run (a temporary course, as in
``test_assignments.py``) and in one ``mmlcalc-grade`` run (as in ``test_grading.py``),
in module-scoped fixtures. The tests require:

* a correct submission gets full marks;
* a slip loses exactly its ``lost`` test cells, and those are tests of the task it
  edits (the test cells after its answer cell and before the next answer cell): the
  tests of later tasks run with the course's versions of earlier functions swapped in
  (``mmlcalc.checks.using_reference``);
* the two graders give every submission the same score on every test cell.
"""

from __future__ import annotations

import copy
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from course_harness import (
    Course,
    assignment_ids,
    cells_by_grade_id,
    grade_id,
    is_solution_cell,
    is_test_cell,
    master_notebooks,
    nbgrader_metadata,
    read_notebook,
    without_solution_markers,
    write_notebook,
)
from grading_fixtures import read_csv, run_cli

sys.path.insert(0, str(Path(__file__).parent))

pytestmark = pytest.mark.slow

ASSIGNMENTS = assignment_ids()


def corpus(assignment_id: str):
    return importlib.import_module(f"fairness.{assignment_id}").SUBMISSIONS


def tasks_of_tests(master) -> dict[str, str]:
    """``{test cell: the answer cell of its task}``: the last answer cell above it."""
    owner, answer = {}, None
    for cell in master.cells:
        if is_solution_cell(cell) and cell.cell_type == "code":
            answer = grade_id(cell)
        elif is_test_cell(cell):
            owner[grade_id(cell)] = answer
    return owner


def build(master, submission):
    """The master's answers typed in without markers, with the submission's edits."""
    notebook = nbformat.from_dict(copy.deepcopy(master))
    for cell in notebook.cells:
        if is_solution_cell(cell) and cell.cell_type == "code":
            cell.source = without_solution_markers(cell.source)
    cells = cells_by_grade_id(notebook)
    for answer_cell, old, new in submission.edits:
        cell = cells[answer_cell]
        if old is None:
            cell.source = new
            continue
        count = cell.source.count(old)
        assert count == 1, f"{submission.name}: {old!r} occurs {count} times in {answer_cell}"
        cell.source = cell.source.replace(old, new)
    return notebook


@dataclass
class Graded:
    assignment_id: str
    master: object
    points: dict  # test cell -> its points
    stock: dict  # student -> {test cell: points}
    ours: dict  # student -> {test cell: points}
    messages: dict  # student -> {test cell: mmlcalc-grade's message}
    stock_messages: dict  # student -> {test cell: the CheckFailed message stock nbgrader showed}
    seconds: dict


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory) -> Graded:
    import time

    assignment_id = request.param
    (path,) = master_notebooks(assignment_id)[:1]
    master = read_notebook(path)
    points = {
        grade_id(c): float(nbgrader_metadata(c)["points"]) for c in master.cells if is_test_cell(c)
    }
    notebooks = {s.name: build(master, s) for s in corpus(assignment_id)}
    folder = tmp_path_factory.mktemp(f"fairness-{assignment_id}")
    seconds = {}

    started = time.perf_counter()
    course = Course.create(folder / "stock")
    course.generate(assignment_id)
    for student, notebook in notebooks.items():
        course.place_submission(student, assignment_id, {path.name: notebook})
    course.autograde(assignment_id)
    stock = {  # the test cells only (an answer marked by hand is no test)
        student: {
            cell: score
            for cell, (score, _) in course.scores(student, assignment_id).items()
            if cell in points
        }
        for student in notebooks
    }
    stock_messages = {
        student: stock_failures(course.autograded_path(student, assignment_id) / path.name)
        for student in notebooks
    }
    seconds["nbgrader autograde"] = time.perf_counter() - started

    started = time.perf_counter()
    flat = folder / "flat"
    flat.mkdir()
    for student, notebook in notebooks.items():
        write_notebook(notebook, flat / f"{student}.ipynb")
    out = folder / "out"
    status, _, err = run_cli(
        assignment_id, flat, "--out", out, "--no-gradebook", "--jobs", "2", "--quiet",
        "--cache", folder / "cache",
    )  # fmt: skip
    assert status == 0, err
    ours, messages = {}, {}
    for row in read_csv(out / "results.csv"):
        if row["grade_id"] not in points:
            continue
        ours.setdefault(row["student_id"], {})[row["grade_id"]] = float(row["points"])
        messages.setdefault(row["student_id"], {})[row["grade_id"]] = row["message"]
    seconds["mmlcalc-grade"] = time.perf_counter() - started
    print(f"\n{assignment_id}: {len(notebooks)} submissions, " + ", ".join(
        f"{name} {value:.1f} s" for name, value in seconds.items()))  # fmt: skip
    return Graded(assignment_id, master, points, stock, ours, messages, stock_messages, seconds)


def stock_failures(path: Path) -> dict[str, str]:
    """``{test cell: message}`` of every test cell that failed with a CheckFailed under stock,
    and of every cell with partial credit (``checks.Credit``): the parts it printed."""
    failures = {}
    for cell in read_notebook(path).cells:
        if not is_test_cell(cell):
            continue
        outputs = cell.get("outputs", [])
        for output in outputs:
            if output.get("output_type") == "error" and output.get("ename") == "CheckFailed":
                failures[grade_id(cell)] = output.get("evalue", "")
        printed = "".join(
            o.get("text", "") for o in outputs if o.get("output_type") == "stream"
        ).strip()
        kinds = {o.get("output_type") for o in outputs}
        if printed and "execute_result" in kinds and "error" not in kinds:
            failures[grade_id(cell)] = printed.replace("\n", " ")
    return failures


def expected_scores(graded: Graded, submission) -> dict[str, float]:
    kept = dict(submission.kept)  # partial credit (checks.Credit): the points a slip keeps
    return {
        cell: float(kept.get(cell, 0.0)) if cell in submission.lost else points
        for cell, points in graded.points.items()
    }


@pytest.mark.parametrize("week", ASSIGNMENTS)
def test_corpus_is_big_enough_and_well_formed(week):
    (path,) = master_notebooks(week)[:1]
    master = read_notebook(path)
    owner = tasks_of_tests(master)
    submissions = corpus(week)
    correct = [s for s in submissions if s.slip is None]
    slips = [s for s in submissions if s.slip is not None]
    assert len(correct) >= 3 and len(slips) >= 6, (len(correct), len(slips))
    assert len({s.name for s in submissions}) == len(submissions)
    for s in slips:
        assert s.lost, f"{s.name}: a slip must cost something"
        foreign = {cell for cell in s.lost if owner[cell] != s.slip}
        assert not foreign, f"{s.name} (a slip in {s.slip}) may not lose {sorted(foreign)}"


@pytest.mark.sandbox  # the fixture grades with mmlcalc-grade too
def test_stock_nbgrader_gives_the_expected_scores(graded):
    wrong = {}
    for submission in corpus(graded.assignment_id):
        got = graded.stock[submission.name]
        if got != expected_scores(graded, submission):
            wrong[submission.name] = got
    assert not wrong, wrong


@pytest.mark.sandbox  # the fixture grades with mmlcalc-grade too
def test_mmlcalc_grade_gives_the_expected_scores(graded):
    wrong = {}
    for submission in corpus(graded.assignment_id):
        got = graded.ours[submission.name]
        if got != expected_scores(graded, submission):
            failed = {c: graded.messages[submission.name][c] for c, p in got.items() if not p}
            wrong[submission.name] = failed
    assert not wrong, wrong


@pytest.mark.sandbox  # the fixture grades with mmlcalc-grade too
def test_the_two_graders_agree(graded):
    differ = {
        s.name: (graded.stock[s.name], graded.ours[s.name])
        for s in corpus(graded.assignment_id)
        if graded.stock[s.name] != graded.ours[s.name]
    }
    assert not differ, differ


@pytest.mark.sandbox  # the fixture grades with mmlcalc-grade too
def test_the_two_graders_say_the_same(graded):
    """A test cell that stock nbgrader failed with a check's sentence gets the same sentence
    from mmlcalc-grade (hidden ones included: neither shows the expected value)."""
    differ = {}
    for submission in corpus(graded.assignment_id):
        for cell, kept in submission.kept:  # partial credit: stock printed the lost parts
            assert kept == 0 or cell in graded.stock_messages[submission.name], submission.name
        for cell, stock_message in graded.stock_messages[submission.name].items():
            ours = graded.messages[submission.name][cell]
            if ours != stock_message:
                differ[f"{submission.name}/{cell}"] = (stock_message, ours)
    assert not differ, differ
