"""The bulk gradebook writer (``mmlcalc_grade.gradebook``): the same gradebook as nbgrader's
per-row API, read back the way ``nbgrader export`` and formgrader read it, on SQLite and on a
real PostgreSQL server (``postgresql_server`` in tests/conftest.py), with two graders writing
at once. Its speed is measured in ``benchmarks/grading_scale.py``, not asserted here."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from gradebook_fixtures import gradebook_view, synthetic_class

from mmlcalc_grade import gradebook, outputs

TESTS = Path(__file__).resolve().parent


def per_row(db_url: str, assignment, grades) -> None:
    """The per-row writer through ``nbgrader.api.Gradebook`` that the bulk writer replaces."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs._write_gradebook(gradebook.engine_url(db_url), "mmlcalc", assignment, grades)


def assert_same_as_per_row(bulk_url: str, row_url: str, weeks=("week1", "week6"), students=16):
    for seed, week in enumerate(weeks):
        assignment, grades = synthetic_class(week, students, seed=seed)
        per_row(row_url, assignment, grades)
        gradebook.write(bulk_url, "mmlcalc", assignment, grades, batch=5)
        expected = gradebook_view(gradebook.engine_url(row_url), "mmlcalc", week)
        assert gradebook_view(gradebook.engine_url(bulk_url), "mmlcalc", week) == expected
        # a second run (the same students graded again, other scores) updates in place
        _, again = synthetic_class(week, students, seed=seed + 10)
        per_row(row_url, assignment, again)
        gradebook.write(bulk_url, "mmlcalc", assignment, again, batch=7)
        expected = gradebook_view(gradebook.engine_url(row_url), "mmlcalc", week)
        assert gradebook_view(gradebook.engine_url(bulk_url), "mmlcalc", week) == expected
        both = (*grades, *again)  # a student seen in either run keeps a submission
        assert set(expected) == {g.student_id for g in both if g.status != "missing" or g.score}


@pytest.mark.slow
def test_bulk_writes_leave_what_nbgraders_api_leaves_on_sqlite(tmp_path):
    assert_same_as_per_row(f"sqlite:///{tmp_path / 'bulk.db'}", f"sqlite:///{tmp_path / 'row.db'}")


def test_postgresql_urls_get_a_driver_that_is_installed():
    url = gradebook.engine_url("postgresql://u@host:5432/db")
    try:
        import psycopg2  # noqa: F401

        assert url == "postgresql://u@host:5432/db"
    except ImportError:
        assert url == "postgresql+psycopg://u@host:5432/db"
    assert gradebook.engine_url("sqlite:///x.db") == "sqlite:///x.db"


def two_graders_at_once(url: str, tmp_path: Path, students: int = 60) -> None:
    """week1 and week2 of the same students written by two processes at once: nothing lost."""
    start = tmp_path / "go"
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    )
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                str(TESTS / "gradebook_fixtures.py"),
                url,
                week,
                str(students),
                str(seed),
                str(start),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, week in enumerate(("week1", "week2"))
    ]
    start.touch()
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-3000:]
    one_by_one = f"sqlite:///{tmp_path / 'one-by-one.db'}"  # the same writes, in turn
    for seed, week in enumerate(("week1", "week2")):
        assignment, grades = synthetic_class(week, students, seed)
        gradebook.write(one_by_one, "mmlcalc", assignment, grades)
        expected = gradebook_view(one_by_one, "mmlcalc", week)
        assert len(expected) > students * 0.8
        assert gradebook_view(gradebook.engine_url(url), "mmlcalc", week) == expected, week


@pytest.mark.slow
def test_two_graders_writing_different_assignments_at_once_lose_nothing_sqlite(tmp_path):
    two_graders_at_once(f"sqlite:///{tmp_path / 'shared.db'}", tmp_path)


# --- PostgreSQL, for real -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.postgresql
def test_bulk_writes_leave_what_nbgraders_api_leaves_on_postgresql(postgresql_server):
    assert_same_as_per_row(postgresql_server.url("bulk"), postgresql_server.url("per_row"))


@pytest.mark.slow
@pytest.mark.postgresql
def test_two_graders_writing_different_assignments_at_once_lose_nothing_postgresql(
    postgresql_server, tmp_path
):
    two_graders_at_once(postgresql_server.url("shared"), tmp_path)


@pytest.mark.slow
@pytest.mark.postgresql
def test_nbgrader_export_and_formgrader_read_the_scores_from_postgresql(
    postgresql_server, tmp_path
):
    """``nbgrader export`` through the course's nbgrader_config.py (``MMLCALC_DB_URL`` sets its
    ``db_url``) and formgrader's API (``NbGraderAPI``) read what the bulk writer wrote."""
    url = postgresql_server.url("readers")
    assignment, grades = synthetic_class("week1", 12, seed=3)
    gradebook.write(
        url.replace("postgresql+psycopg://", "postgresql://"), "mmlcalc", assignment, grades
    )
    # nbgrader's scores are the notebooks' points less their late penalties
    penalties = {g.student_id: sum(points for _, points in g.penalties) for g in grades}

    def penalty(student: str) -> float:
        return penalties[student]

    expected = {
        g.student_id: g.score - penalty(g.student_id)
        for g in grades
        if g.status != "missing" or g.score
    }
    course = tmp_path / "course"
    course.mkdir()
    autograder = TESTS.parent / "autograder"
    (course / "nbgrader_config.py").write_text((autograder / "nbgrader_config.py").read_text())
    env = dict(os.environ, MMLCALC_DB_URL=url, MMLCALC_COURSE_DIR=str(course),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter"))  # fmt: skip
    target = tmp_path / "export.csv"
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", f"--to={target}"],
        cwd=course, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    import csv

    with target.open(newline="") as handle:
        exported = {
            row["student_id"]: float(row["score"])
            for row in csv.DictReader(handle)
            if row["assignment"] == "week1"
        }
    assert {s: exported[s] for s in expected} == pytest.approx(expected)

    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(root=str(course), db_url=url, course_id="mmlcalc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = NbGraderAPI(coursedir=coursedir)
        listed = {s["student"]: s["score"] for s in api.get_submissions("week1")}
    # formgrader lists the points before the late penalty (it shows the penalty apart)
    before_penalty = {student: score + penalty(student) for student, score in expected.items()}
    assert {s: listed[s] for s in expected} == pytest.approx(before_penalty)


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.postgresql
def test_the_command_grades_into_postgresql_by_url_and_by_the_course_config(
    postgresql_server, tmp_path, monkeypatch, reference_cache
):
    """``mmlcalc-grade --gradebook postgresql://...``, then the course's default (a folder with
    nbgrader_config.py and ``MMLCALC_DB_URL``): the gradebook holds grades.csv's scores."""
    from grading_fixtures import read_csv, run_cli, write_honest_batch

    write_honest_batch(tmp_path / "submitted", "week1", 3)
    common = ["week1", tmp_path / "submitted", "--cache", reference_cache, "--jobs", "2"]
    by_url = postgresql_server.url("by_url", driver="postgresql")
    status, _, err = run_cli(*common, "--out", tmp_path / "a", "--gradebook", by_url)
    assert status == 0, err
    course = tmp_path / "course"
    course.mkdir()
    config = TESTS.parent / "autograder" / "nbgrader_config.py"
    (course / "nbgrader_config.py").write_text(config.read_text())
    by_config = postgresql_server.url("by_config")
    monkeypatch.setenv("MMLCALC_DB_URL", by_config)
    monkeypatch.chdir(course)
    status, _, err = run_cli(*common, "--out", tmp_path / "b")
    assert status == 0, err
    for url, out in ((by_url, "a"), (by_config, "b")):
        rows = read_csv(tmp_path / out / "grades.csv")
        view = gradebook_view(gradebook.engine_url(url), "mmlcalc", "week1")
        assert {r["student_id"]: float(r["score"]) for r in rows} == {
            student: seen["score"] for student, seen in view.items()
        }
