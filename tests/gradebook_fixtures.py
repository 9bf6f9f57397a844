"""Graded classes made up without grading anything, for the gradebook's tests and benchmark.

:func:`synthetic_class` gives :class:`~mmlcalc_grade.outputs.StudentGrade` rows for the real
masters of an assignment (so the gradebook's notebooks and cells are the course's), with
scores, statuses (an unreadable notebook, a student with nothing submitted), timestamps and
late penalties varied by a seeded generator. :func:`gradebook_view` reads a gradebook back
through ``nbgrader.api.Gradebook``, as ``nbgrader export`` and formgrader do, as plain data
with no row ids, so two gradebooks written differently can be compared.
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


@functools.cache
def _assignment(assignment_id: str):
    from mmlcalc_grade.assignment import load_assignment

    return load_assignment(REPOSITORY / "source", assignment_id)


def synthetic_class(assignment_id: str, students: int, seed: int = 0, prefix: str = "s"):
    """``(assignment, grades)``: ``students`` made-up learners' grades for ``assignment_id``."""
    from mmlcalc_grade.batch import SubmissionResult
    from mmlcalc_grade.compare import TestResult
    from mmlcalc_grade.outputs import summarise

    assignment = _assignment(assignment_id)
    rng = random.Random(seed)
    results = []
    for index in range(students):
        student = f"{prefix}{index:05d}"
        status = "graded"
        roll = rng.random()
        if roll < 0.05:
            status = "missing"
        elif roll < 0.1:
            status = "invalid-notebook"
        for master in assignment.notebooks:
            tests = []
            for test in master.tests:
                passed = status == "graded" and rng.random() < 0.7
                tests.append(
                    TestResult(
                        master.name, test.grade_id, test.points if passed else 0.0, test.points,
                        "passed" if passed else "failed", "" if passed else "expected 1, got 2",
                    )
                )  # fmt: skip
            for cell in master.manual:
                tests.append(
                    TestResult(
                        master.name, cell.grade_id, 0.0, cell.points, "needs-manual-grading", ""
                    )
                )
            results.append(
                SubmissionResult(
                    student, assignment_id, master.name, status,
                    float(sum(t.points for t in tests)), master.max_score, tuple(tests), (),
                )
            )  # fmt: skip
    grades = []
    for grade in summarise(results, assignment):
        if grade.status != "missing" and rng.random() < 0.5:
            penalty = rng.choice([0.0, 1.0, 2.5])
            per_notebook = tuple((r.notebook, penalty) for r in grade.results)
            grade = replace(
                grade,
                submitted_at=f"2026-11-{rng.randint(1, 28):02d} 12:00:00.000000 UTC",
                penalties=per_notebook,
            )
        grades.append(grade)
    return assignment, grades


def gradebook_view(db_url: str, course_id: str, assignment_id: str) -> dict:
    """What nbgrader's readers see of ``assignment_id``: per student the submission's scores,
    flags and timestamp, per notebook its penalty, grades and comments (no row ids)."""
    import warnings

    from nbgrader.api import Gradebook

    view = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(db_url, course_id=course_id) as gradebook:
            for submission in gradebook.assignment_submissions(assignment_id):
                notebooks = {}
                for notebook in submission.notebooks:
                    notebooks[notebook.name] = {
                        "score": notebook.score,
                        "max_score": notebook.max_score,
                        "needs_manual_grade": notebook.needs_manual_grade,
                        "late_submission_penalty": notebook.late_submission_penalty,
                        "flagged": notebook.flagged,
                        "grades": sorted(
                            (g.name, g.auto_score, g.manual_score, g.needs_manual_grade)
                            for g in notebook.grades
                        ),
                        "comments": sorted(
                            (c.name, c.auto_comment, c.manual_comment) for c in notebook.comments
                        ),
                    }
                view[submission.student_id] = {
                    "score": submission.score,
                    "max_score": submission.max_score,
                    "needs_manual_grade": submission.needs_manual_grade,
                    "timestamp": str(submission.timestamp),
                    "late_submission_penalty": submission.late_submission_penalty,
                    "notebooks": notebooks,
                }
    return view


def write_synthetic(db_url: str, assignment_id: str, students: int, seed: int, start: str = ""):
    """Write a synthetic class with the bulk writer, in small batches (``start``: a file to
    wait for first, so that two processes begin together)."""
    import time

    from mmlcalc_grade import gradebook

    assignment, grades = synthetic_class(assignment_id, students, seed)
    if start:
        deadline = time.monotonic() + 60
        while not Path(start).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    gradebook.write(db_url, "mmlcalc", assignment, grades, batch=25)


if __name__ == "__main__":  # python gradebook_fixtures.py URL ASSIGNMENT STUDENTS SEED START
    import sys

    url, assignment_id, count, seed, start = sys.argv[1:6]
    write_synthetic(url, assignment_id, int(count), int(seed), start)
