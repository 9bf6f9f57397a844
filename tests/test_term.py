"""An instructor's whole term in a temporary course, with nbgrader's exchange (issue 20).

generate → release → three learners fetch and submit (one after the due date) → collect
→ ``mmlcalc-grade`` (late penalty, a hand-marked written answer waiting) → the
instructor marks it in the gradebook as formgrader does → one learner fixes a slip
and is regraded alone → ``nbgrader generate_feedback`` / ``release_feedback`` → the
learner's ``fetch_feedback`` → ``nbgrader export``. One module-scoped run; the tests
read what it left.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from course_harness import (
    AUTOGRADER,
    BEGIN_HIDDEN,
    END_HIDDEN,
    Course,
    cells_by_grade_id,
    distinctive_lines,
    fill_in,
    master_notebooks,
    read_notebook,
    write_notebook,
)

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

AID = "week6"
MANUAL = "w6_rescaling_answer"  # the written question graded by hand
ON_TIME, LATE, SLIP = "ada", "bob", "cy"
#: cy's slip: a sign error in task 3, fixed before the regrade
SLIP_CELL, SLIP_OLD, SLIP_NEW = "w6_gaussian_partials", "(x - mu)", "(mu - x)"


def grade(course: Course, *extra: str) -> subprocess.CompletedProcess:
    """``mmlcalc-grade`` run from ``autograder/`` as the README says, on this course."""
    env = {**course.env, "MMLCALC_LATE_POLICY": "per_hour", "MMLCALC_LATE_POINTS": "1"}
    out = course.root / "grading" / AID
    command = [sys.executable, "-m", "mmlcalc_grade", AID, str(course.root / "submitted"),
               "--out", str(out), "--jobs", "2", "--quiet", *extra]  # fmt: skip
    return subprocess.run(
        command, cwd=AUTOGRADER, env=env, capture_output=True, text=True, timeout=900
    )


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@dataclass
class Term:
    course: Course
    first: subprocess.CompletedProcess
    first_grades: dict
    regrade: subprocess.CompletedProcess
    grades: dict
    results: Path
    feedback: Path  # the page the late learner fetched
    export: list[dict[str, str]]
    platforms: Path  # mmlcalc-export's folder: canvas, moodle and plain CSV files


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Term:
    course = Course.create(tmp_path_factory.mktemp("term"))
    (master_path,) = master_notebooks(AID)
    master = read_notebook(master_path)
    assert MANUAL in cells_by_grade_id(master), "week 6 has its written question"
    course.generate(AID)
    course.release(AID)
    learners = {name: course.learner(name) for name in (ON_TIME, LATE, SLIP)}
    for name, learner in learners.items():
        folder = learner.fetch(AID)
        notebook = fill_in(read_notebook(folder / master_path.name), master)
        if name == SLIP:
            cell = cells_by_grade_id(notebook)[SLIP_CELL]
            assert SLIP_OLD in cell.source
            cell.source = cell.source.replace(SLIP_OLD, SLIP_NEW, 1)
        write_notebook(notebook, folder / master_path.name)
    learners[ON_TIME].submit(AID)
    learners[SLIP].submit(AID)
    # the due date passes between the submissions: bob submits a second or two late
    due = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() + 1))
    course.nbgrader("db", "assignment", "add", AID, f"--duedate={due}")
    time.sleep(2.5)
    learners[LATE].submit(AID)
    course.collect(AID)

    first = grade(course)
    out = course.root / "grading" / AID
    first_grades = rows(out / "grades.csv")

    # the instructor marks the written answers, as formgrader does (a manual score per cell)
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course_id="mmlcalc") as gradebook:
        for student in (ON_TIME, LATE, SLIP):
            cell = gradebook.find_grade(MANUAL, "regression", AID, student)
            cell.manual_score = 2.0 if student != SLIP else 1.0
        gradebook.db.commit()

    # cy fixes the slip; the corrected notebook replaces the collected one and cy alone is
    # regraded (keeping nbgrader's timestamp of the original submission)
    submitted = course.root / "submitted" / SLIP / AID / master_path.name
    fixed = read_notebook(submitted)
    cell = cells_by_grade_id(fixed)[SLIP_CELL]
    cell.source = cell.source.replace(SLIP_NEW, SLIP_OLD, 1)
    write_notebook(fixed, submitted)
    regrade = grade(course, "--student", SLIP)

    course.generate_feedback(AID)
    course.nbgrader("release_feedback", AID)
    late = learners[LATE]
    late.nbgrader("fetch_feedback", AID)
    pages = sorted((late.home / AID / "feedback").rglob("*.html"))
    platforms = course.root / "exports"
    subprocess.run(
        [sys.executable, "-m", "mmlcalc_grade.lms", AID, "--out", str(platforms)],
        cwd=AUTOGRADER, env=course.env, check=True, timeout=300,
    )  # fmt: skip
    return Term(
        course, first, first_grades, regrade, rows(out / "grades.csv"), out / "results.csv",
        pages[-1] if pages else late.home / "missing.html", course.export_csv(), platforms,
    )  # fmt: skip


def test_the_first_grading_applies_the_late_policy_and_waits_for_hand_marking(term):
    assert term.first.returncode == 0, term.first.stderr
    grades = term.first_grades
    assert set(grades) == {ON_TIME, LATE, SLIP}
    for row in grades.values():
        assert row["status"] == "needs-manual-grading"
        assert float(row["max_score"]) == 17.0  # 15 points of tests + 2 marked by hand
    assert float(grades[ON_TIME]["score"]) == 15.0 and float(grades[ON_TIME]["late_penalty"]) == 0
    assert float(grades[LATE]["seconds_late"]) > 0
    assert float(grades[LATE]["late_penalty"]) == 1.0  # one started hour, one point
    assert float(grades[LATE]["score"]) == 14.0
    assert float(grades[SLIP]["score"]) == 12.0  # the slip costs task 3's 3 points, once


def test_the_gradebook_has_what_formgrader_needs(term):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(root=str(term.course.root))
    coursedir.db_url = term.course.db_url
    api = NbGraderAPI(coursedir=coursedir)
    submissions = {s["student"]: s for s in api.get_submissions(AID)}
    assert set(submissions) == {ON_TIME, LATE, SLIP}
    assert submissions[LATE]["timestamp"] is not None
    autograded = term.course.root / "autograded" / ON_TIME / AID / "regression.ipynb"
    assert autograded.is_file()
    assert "BEGIN HIDDEN" not in autograded.read_text()


def test_a_regrade_grades_only_the_learner_named_and_updates_the_class_outputs(term):
    assert term.regrade.returncode == 0, term.regrade.stderr
    assert "1 notebooks graded in this run" in (term.results.parent / "report.html").read_text()
    assert float(term.grades[SLIP]["score"]) == 15.0  # the fix counts
    assert term.grades[ON_TIME]["score"] == term.first_grades[ON_TIME]["score"]
    assert term.grades[LATE] == term.first_grades[LATE]


def test_export_totals_the_automatic_and_the_manual_parts_less_the_penalty(term):
    scores = {row["student_id"]: row for row in term.export if row["assignment"] == AID}
    assert float(scores[ON_TIME]["raw_score"]) == 17.0
    assert float(scores[LATE]["late_submission_penalty"]) == 1.0
    assert float(scores[LATE]["score"]) == 16.0
    assert float(scores[SLIP]["score"]) == 16.0  # 15 after the regrade, 1 by hand


def test_the_learner_fetches_feedback_that_names_tasks_and_hides_hidden_tests(term):
    assert term.feedback.is_file(), "fetch_feedback brought no page"
    page = term.feedback.read_text()
    assert "Task 5" in page or "steepest_descent_fit" in page
    assert "BEGIN HIDDEN" not in page and "hidden tests of this cell ran in the grader" in page
    hidden = distinctive_lines(read_notebook(master_notebooks(AID)[0]), BEGIN_HIDDEN, END_HIDDEN)
    assert hidden and not any(line in page for line in hidden)
    assert os.path.getsize(term.feedback) > 1000


def test_the_class_exports_for_canvas_and_moodle_with_the_same_totals(term):
    totals = {row["student_id"]: float(row["score"]) for row in term.export}
    files = {path.name: path.read_text() for path in term.platforms.iterdir()}
    canvas = next(text for name, text in files.items() if "canvas" in name)
    moodle = next(text for name, text in files.items() if "moodle" in name)
    for text in (canvas, moodle):
        table = list(csv.reader(text.splitlines()))
        for student, total in totals.items():
            (row,) = [r for r in table if student in r]
            assert any(cell and float(cell) == total for cell in row[1:] if _number(cell)), row


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
