"""``mmlcalc-export`` (``mmlcalc_grade.lms``): the gradebook's grades for Canvas, Moodle and CSV.

One small gradebook is built with nbgrader's own API (``nbgrader.api.Gradebook``):
two assignments, three learners, automatic scores, a hand mark that replaces an
automatic score, a hand-marked written answer, one answer still waiting for hand
marking, late penalties (one larger than the score) and a missing submission.
The plain CSV is compared with ``nbgrader export`` run on the same gradebook, row
by row and field by field; the Canvas and Moodle files are checked field by field
against the tables written out below.

A slow test does the same on a gradebook written by nbgrader itself: week 1
generated and autograded in a temporary course with the course's configuration and a
per-hour late policy (one learner submits 2.5 hours late), one score changed by hand
as formgrader does, then ``nbgrader export`` and ``mmlcalc-export``.
"""

from __future__ import annotations

import csv
import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from course_harness import AUTOGRADER, Course, master_notebooks, read_notebook, run_nbgrader

from mmlcalc_grade import lms

REPOSITORY = Path(__file__).resolve().parents[1]
EXAMPLES = REPOSITORY / "autograder" / "examples"

# nbgrader's own Gradebook.add_submission warns that SQLAlchemy skips an autoflush while
# it builds the submission's notebooks; autograde does the same, the rows land all right
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

DUE_1 = datetime.datetime(2026, 12, 11, 17, 0)
DUE_2 = datetime.datetime(2026, 12, 18, 17, 0)


def _grade(gradebook, cell, notebook, assignment, student, *, auto=None, manual=None):
    grade = gradebook.find_grade(cell, notebook, assignment, student)
    grade.auto_score = auto
    grade.manual_score = manual
    grade.needs_manual_grade = auto is None and manual is None
    return grade


def build_gradebook(path: Path) -> str:
    """The synthetic class of this module; returns the gradebook's URL."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{path}"
    with Gradebook(url, "mmlcalc") as gb:
        # week1: two test cells (3 and 2 points) and a written answer marked by hand (2 points)
        gb.add_assignment("week1", duedate=DUE_1)
        gb.add_notebook("slopes", "week1")
        gb.add_grade_cell("w1_secant", "slopes", "week1", max_score=3, cell_type="code")
        gb.add_grade_cell("w1_central", "slopes", "week1", max_score=2, cell_type="code")
        gb.add_solution_cell("w1_why", "slopes", "week1")
        gb.add_grade_cell("w1_why", "slopes", "week1", max_score=2, cell_type="markdown")
        # week2: one test cell of 4 points
        gb.add_assignment("week2", duedate=DUE_2)
        gb.add_notebook("jacobians", "week2")
        gb.add_grade_cell("w2_jacobian", "jacobians", "week2", max_score=4, cell_type="code")

        gb.add_student("s001", first_name="Ana", last_name="Alpha", email="s001@example.org")
        gb.add_student("s002", first_name="Ben", last_name="Beta", email="s002@example.org")
        gb.add_student("s003")  # no name, no email: only the id the exchange knew

        # s001: week1 on time, the written answer marked 1.5 of 2
        gb.add_submission("week1", "s001", timestamp=DUE_1 - datetime.timedelta(hours=2))
        _grade(gb, "w1_secant", "slopes", "week1", "s001", auto=3.0)
        _grade(gb, "w1_central", "slopes", "week1", "s001", auto=0.0)
        _grade(gb, "w1_why", "slopes", "week1", "s001", manual=1.5)
        # s001: week2 three hours late, 1 point off
        week2 = gb.add_submission("week2", "s001", timestamp=DUE_2 + datetime.timedelta(hours=3))
        _grade(gb, "w2_jacobian", "jacobians", "week2", "s001", auto=4.0)
        week2.notebooks[0].late_submission_penalty = 1.0

        # s002: week1, an automatic 0 raised to 2 by hand, the written answer not marked yet
        gb.add_submission("week1", "s002", timestamp=DUE_1 - datetime.timedelta(days=1))
        _grade(gb, "w1_secant", "slopes", "week1", "s002", auto=3.0)
        _grade(gb, "w1_central", "slopes", "week1", "s002", auto=0.0, manual=2.0)
        _grade(gb, "w1_why", "slopes", "week1", "s002")
        # s002: no week2

        # s003: week1 two days late: 0.5 points, a 1-point penalty, so 0 (never negative)
        week1 = gb.add_submission("week1", "s003", timestamp=DUE_1 + datetime.timedelta(days=2))
        _grade(gb, "w1_secant", "slopes", "week1", "s003", auto=0.0)
        _grade(gb, "w1_central", "slopes", "week1", "s003", auto=0.0)
        _grade(gb, "w1_why", "slopes", "week1", "s003", manual=0.5)
        week1.notebooks[0].late_submission_penalty = 1.0
        gb.db.commit()
    return url


@pytest.fixture(scope="module")
def gradebook_url(tmp_path_factory) -> str:
    return build_gradebook(tmp_path_factory.mktemp("lms") / "gradebook.db")


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def nbgrader_export(url: str, folder: Path) -> list[dict[str, str]]:
    """``nbgrader export`` of the gradebook, run as an instructor would, outside any course."""
    destination = folder / "nbgrader-grades.csv"
    env = {key: value for key, value in os.environ.items() if not key.startswith("MMLCALC_")}
    env["JUPYTER_CONFIG_DIR"] = str(folder / "no-config")
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", f"--db={url}", f"--to={destination}"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with destination.open(newline="") as handle:
        return list(csv.DictReader(handle))


NUMERIC = {"raw_score", "late_submission_penalty", "score", "max_score"}


def test_plain_csv_matches_nbgrader_export(gradebook_url, tmp_path):
    expected = nbgrader_export(gradebook_url, tmp_path)
    assert lms.main(["--gradebook", gradebook_url, "--out", str(tmp_path), "--format", "csv"]) == 0
    with (tmp_path / "grades.csv").open(newline="") as handle:
        ours = list(csv.DictReader(handle))
    assert len(ours) == len(expected) == 6  # 2 assignments x 3 students
    for theirs, mine in zip(expected, ours, strict=True):
        for column in lms.NBGRADER_EXPORT_COLUMNS:
            if column in NUMERIC:
                assert float(mine[column]) == pytest.approx(float(theirs[column])), (column, theirs)
            else:
                assert mine[column] == theirs[column], (column, theirs)
    statuses = {(row["student_id"], row["assignment"]): row["status"] for row in ours}
    assert statuses == {
        ("s001", "week1"): "graded",
        ("s002", "week1"): "needs-manual-grading",
        ("s003", "week1"): "graded",
        ("s001", "week2"): "graded",
        ("s002", "week2"): "not-submitted",
        ("s003", "week2"): "not-submitted",
    }


def test_totals_by_hand(gradebook_url):
    """Totals: automatic + manual points (a hand mark replaces its cell's score) - penalty."""
    grades = lms.read_gradebook(gradebook_url)
    assert [a.name for a in grades.assignments] == ["week1", "week2"]
    assert [(a.max_score) for a in grades.assignments] == [7.0, 4.0]
    table = {key: (g.raw_score, g.late_penalty, g.score) for key, g in grades.grades.items()}
    assert table == {
        ("s001", "week1"): (4.5, 0.0, 4.5),  # 3 + 0 + 1.5 by hand
        ("s002", "week1"): (5.0, 0.0, 5.0),  # 3 + 2 (hand mark over the automatic 0) + unmarked
        ("s003", "week1"): (0.5, 1.0, 0.0),  # 0.5 - 1 late, never below zero
        ("s001", "week2"): (4.0, 1.0, 3.0),
        ("s002", "week2"): (0.0, 0.0, 0.0),
        ("s003", "week2"): (0.0, 0.0, 0.0),
    }


def test_canvas_file_field_by_field(gradebook_url, tmp_path):
    assert lms.main(["--gradebook", gradebook_url, "--out", str(tmp_path)]) == 0
    assert read_csv(tmp_path / "canvas.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "week1", "week2"],
        ["Points Possible", "", "", "", "", "7", "4"],
        ["s003", "", "", "s003", "", "0", "0"],  # no name in the gradebook: the id
        ["Alpha, Ana", "", "", "s001", "", "4.5", "3"],
        ["Beta, Ben", "", "", "s002", "", "5", "0"],
    ]


def test_moodle_file_field_by_field(gradebook_url, tmp_path):
    assert lms.main(["--gradebook", gradebook_url, "--out", str(tmp_path)]) == 0
    assert read_csv(tmp_path / "moodle.csv") == [
        ["ID number", "First name", "Last name", "week1", "week2"],
        ["s003", "", "", "0", "0"],
        ["s001", "Ana", "Alpha", "4.5", "3"],
        ["s002", "Ben", "Beta", "5", "0"],
    ]


def test_options_missing_blank_titles_and_identifiers(gradebook_url, tmp_path):
    arguments = [
        "--gradebook", gradebook_url, "--out", str(tmp_path),
        "--missing", "blank", "--canvas-id", "sis_user_id", "--moodle-id", "username",
        "--title", "week2=Week 2: Jacobians (5512)",
    ]  # fmt: skip
    assert lms.main(arguments) == 0
    canvas = read_csv(tmp_path / "canvas.csv")
    assert canvas[0][-1] == "Week 2: Jacobians (5512)"
    assert canvas[4] == ["Beta, Ben", "", "s002", "", "", "5", ""]  # no week2: empty cell
    moodle = read_csv(tmp_path / "moodle.csv")
    assert moodle[0][0] == "Username"
    assert moodle[3] == ["s002", "Ben", "Beta", "5", ""]
    # a late submission that ends at 0 is a grade, not a missing one
    assert moodle[1] == ["s003", "", "", "0", ""]


def test_one_assignment_and_some_students(gradebook_url, tmp_path):
    arguments = ["week2", "--gradebook", gradebook_url, "--out", str(tmp_path)]
    assert lms.main([*arguments, "--student", "s001", "--format", "canvas"]) == 0
    assert read_csv(tmp_path / "canvas.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "week2"],
        ["Points Possible", "", "", "", "", "4"],
        ["Alpha, Ana", "", "", "s001", "", "3"],
    ]
    assert not (tmp_path / "moodle.csv").exists()


def test_hand_marking_still_to_do_is_reported(gradebook_url, tmp_path, capsys):
    assert lms.main(["--gradebook", gradebook_url, "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "1 submission(s) still need hand marking" in captured.err
    assert "s002 week1" in captured.err
    assert "wrote" in captured.out and "canvas.csv" in captured.out


def test_errors_exit_2_with_a_message(gradebook_url, tmp_path, capsys):
    base = ["--gradebook", gradebook_url, "--out", str(tmp_path)]
    assert lms.main(["week9", *base]) == lms.EXIT_CANNOT_EXPORT
    assert "unknown assignment week9" in capsys.readouterr().err
    # s003 has no email address: Moodle would abort the whole import at that row
    assert lms.main([*base, "--moodle-id", "email"]) == lms.EXIT_CANNOT_EXPORT
    assert "no email address in the gradebook for s003" in capsys.readouterr().err
    missing = tmp_path / "nowhere" / "gradebook.db"
    assert lms.main(["--gradebook", f"sqlite:///{missing}"]) == lms.EXIT_CANNOT_EXPORT
    assert "no gradebook at" in capsys.readouterr().err
    assert not missing.exists()  # reading never creates an empty gradebook


def test_default_gradebook_is_the_courses(gradebook_url, tmp_path, monkeypatch):
    """Run in a course folder (one with nbgrader_config.py), it reads that course's gradebook."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n")
    monkeypatch.delenv("MMLCALC_DB_URL", raising=False)
    monkeypatch.setenv("MMLCALC_COURSE_DIR", str(course))
    shutil.copyfile(gradebook_url.removeprefix("sqlite:///"), course / "gradebook.db")
    monkeypatch.chdir(course)
    assert lms.main(["--format", "csv"]) == 0
    assert (course / "exports" / "grades.csv").is_file()


@pytest.mark.parametrize("name", ["canvas.csv", "moodle.csv", "grades.csv"])
def test_documented_examples_are_what_the_command_writes(gradebook_url, tmp_path, name):
    """autograder/examples/ holds this module's class exported with the defaults."""
    assert lms.main(["--gradebook", gradebook_url, "--out", str(tmp_path)]) == 0
    assert read_csv(EXAMPLES / name) == read_csv(tmp_path / name), (
        f"autograder/examples/{name} differs from what mmlcalc-export writes for the class of "
        "tests/test_lms.py: regenerate it with `python tests/test_lms.py`"
    )


@pytest.mark.slow
def test_a_gradebook_nbgrader_autograde_wrote(tmp_path):
    """Stock autograde with the course's late plugin, a hand mark, then both exports agree."""
    from nbgrader.api import Gradebook

    course = Course.create(tmp_path)
    env = {**course.env, "MMLCALC_LATE_POLICY": "per_hour", "MMLCALC_LATE_POINTS": "1"}

    def nbgrader(*args):
        return run_nbgrader(args, cwd=AUTOGRADER, env=env)

    nbgrader("generate_assignment", "week1", "--force")
    nbgrader("db", "assignment", "add", "week1", "--duedate=2026-12-11 17:00:00 UTC")
    nbgrader("db", "student", "add", "s001", "--first-name=Ana", "--last-name=Alpha")
    masters = {path.name: read_notebook(path) for path in master_notebooks("week1")}
    released = course.release_path("week1")
    release = {name: read_notebook(released / name) for name in masters}
    stamps = {"s001": "2026-12-11 16:00:00.000000 UTC", "s002": "2026-12-11 19:30:00.000000 UTC"}
    for student, notebooks in (("s001", release), ("s002", masters)):
        course.place_submission(student, "week1", notebooks)
        (course.root / "submitted" / student / "week1" / "timestamp.txt").write_text(
            stamps[student]
        )
    nbgrader("autograde", "week1", "--force")
    with Gradebook(course.db_url, "mmlcalc") as gradebook:  # formgrader's hand mark
        submission = gradebook.find_submission("week1", "s001")
        grade = next(g for nb in submission.notebooks for g in nb.grades if g.max_score >= 2)
        grade.manual_score = 1.0
        gradebook.db.commit()

    expected = nbgrader_export(course.db_url, tmp_path)
    out = tmp_path / "exports"
    assert lms.main(["--gradebook", course.db_url, "--out", str(out)]) == 0
    with (out / "grades.csv").open(newline="") as handle:
        ours = list(csv.DictReader(handle))
    for theirs, mine in zip(expected, ours, strict=True):
        for column in lms.NBGRADER_EXPORT_COLUMNS:
            if column in NUMERIC:
                assert float(mine[column]) == pytest.approx(float(theirs[column])), (column, theirs)
            else:
                assert mine[column] == theirs[column], (column, theirs)
    scores = {row["student_id"]: row for row in expected}
    maximum = float(scores["s002"]["max_score"])
    assert float(scores["s002"]["raw_score"]) == pytest.approx(maximum)  # the reference answers
    assert float(scores["s002"]["late_submission_penalty"]) == pytest.approx(3.0)  # 2.5 h: 3 h
    assert float(scores["s001"]["score"]) == pytest.approx(1.0)  # the blank release + a hand mark
    canvas = read_csv(out / "canvas.csv")
    moodle = read_csv(out / "moodle.csv")
    by_id = {row[3]: row for row in canvas[2:]}
    assert canvas[1][5] == lms.points(maximum)
    assert by_id["s001"][0] == "Alpha, Ana" and by_id["s001"][5] == "1"
    assert by_id["s002"][5] == lms.points(maximum - 3.0)
    assert {row[0]: row[3] for row in moodle[1:]} == {"s001": "1", "s002": by_id["s002"][5]}


def write_examples() -> None:
    """Regenerate autograder/examples/ from this module's synthetic class."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        url = build_gradebook(Path(folder) / "gradebook.db")
        lms.export(lms.read_gradebook(url), EXAMPLES)
    print(f"wrote {EXAMPLES}/canvas.csv, moodle.csv, grades.csv")


if __name__ == "__main__":
    write_examples()
