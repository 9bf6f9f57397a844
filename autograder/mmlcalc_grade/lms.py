"""``mmlcalc-export``: the class's grades from the nbgrader gradebook, ready to import elsewhere.

One command reads the gradebook that ``nbgrader autograde``, ``mmlcalc-grade`` and
formgrader's hand marking write to, and writes, for one assignment or all of them:

``canvas.csv``
    Canvas's gradebook import (*Grades → Import*): the columns ``Student``, ``ID``,
    ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment,
    and under the header a ``Points Possible`` row with each assignment's maximum.
    The gradebook's student id goes into the identifier column that ``--canvas-id``
    names (default ``SIS Login ID``: on a JupyterHub the learner's login); the other
    identifier columns and ``Section`` stay empty.
``moodle.csv``
    Moodle's CSV grade import (*Grades → Import → CSV file*): an identifier column
    (``--moodle-id``: ``ID number`` by default, or ``Username`` or ``Email address``),
    ``First name``, ``Last name``, then one column per assignment. No maximum row:
    Moodle takes the maximum from the grade item (and would read such a row as a
    learner it cannot find, which aborts the whole import).
``grades.csv``
    The plain CSV: the columns of ``nbgrader export`` (one row per student and
    assignment) and a ``status`` column (``graded``, ``needs-manual-grading``,
    ``not-submitted``).

Every score is the total ``nbgrader export`` computes: the automatic and the manual
points of every graded cell (a hand mark replaces the automatic score of its cell),
plus extra credit, minus the late-submission penalty, never below zero.

A learner with no submission gets 0 in every file (as ``nbgrader export`` gives), so
that a platform's total counts missing work. ``--missing blank`` leaves the cell
empty instead: Canvas then shows the assignment as not graded (and its "current
score" leaves it out); Moodle reads an empty cell as "no grade" and removes any
grade already entered for that learner and item.

A submission that still waits for hand marking is exported with the points it has
so far, and the command lists it on stderr.

Exit status: 0 when the files were written; 2 when the gradebook cannot be read,
an assignment or student is unknown, or a Moodle row would have no identifier.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import sys
from dataclasses import dataclass
from pathlib import Path

EXIT_CANNOT_EXPORT = 2

#: The statuses of the plain CSV (the first two are the grader's words too).
GRADED, NEEDS_MANUAL, NOT_SUBMITTED = "graded", "needs-manual-grading", "not-submitted"

#: The columns of ``nbgrader export`` (nbgrader 0.9 CsvExportPlugin), in its order.
NBGRADER_EXPORT_COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
)
PLAIN_COLUMNS = (*NBGRADER_EXPORT_COLUMNS, "status")

#: Canvas's identifying columns, in the order its gradebook export writes them.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_ID_CHOICES = {"sis_login_id": "SIS Login ID", "sis_user_id": "SIS User ID", "id": "ID"}
CANVAS_POINTS_ROW = "Points Possible"

#: Moodle's user fields a CSV column can be mapped to ("Map to" on its import page).
MOODLE_ID_CHOICES = {"idnumber": "ID number", "username": "Username", "email": "Email address"}
MOODLE_NAME_COLUMNS = ("First name", "Last name")


class ExportError(Exception):
    """The grades cannot be exported (the message says why and what to do)."""


@dataclass(frozen=True)
class AssignmentInfo:
    name: str
    duedate: datetime.datetime | None
    max_score: float


@dataclass(frozen=True)
class StudentInfo:
    id: str
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True)
class Grade:
    """One student's result for one assignment, totalled as ``nbgrader export`` does."""

    assignment: str
    student: str
    status: str
    timestamp: datetime.datetime | None
    raw_score: float
    late_penalty: float
    max_score: float

    @property
    def score(self) -> float:
        return max(0.0, self.raw_score - self.late_penalty)

    @property
    def submitted(self) -> bool:
        return self.status != NOT_SUBMITTED


@dataclass(frozen=True)
class ClassGrades:
    """Assignments and students in ``nbgrader export``'s order, and every pair's grade."""

    assignments: tuple[AssignmentInfo, ...]
    students: tuple[StudentInfo, ...]
    grades: dict[tuple[str, str], Grade]  # (student id, assignment name) -> grade

    def grade(self, student: str, assignment: str) -> Grade:
        return self.grades[(student, assignment)]

    def waiting_for_hand_marking(self) -> list[Grade]:
        return [grade for grade in self.grades.values() if grade.status == NEEDS_MANUAL]


# --- reading the gradebook -----------------------------------------------------------


def read_gradebook(
    db_url: str,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    course_id: str = "mmlcalc",
) -> ClassGrades:
    """Every (student, assignment) grade of the gradebook at ``db_url``.

    Assignments come in ``nbgrader export``'s order (due date, then name), students
    by last name and first name, as nbgrader's ``Gradebook`` lists them. Raises
    :class:`ExportError` when the database does not exist or a requested assignment or
    student is not in it.
    """
    from nbgrader.api import Gradebook

    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise ExportError(
                f"no gradebook at {path}: run `nbgrader generate_assignment` (which creates it) "
                "and grade first, or name the gradebook with --gradebook URL"
            )
    with Gradebook(db_url, course_id) as gradebook:
        all_assignments = [
            AssignmentInfo(a.name, a.duedate, float(a.max_score or 0.0))
            for a in gradebook.assignments
        ]
        all_students = [
            StudentInfo(s.id, s.first_name or "", s.last_name or "", s.email or "")
            for s in gradebook.students
        ]
        chosen_assignments = _select(all_assignments, assignments, "assignment", lambda a: a.name)
        chosen_students = _select(all_students, students, "student", lambda s: s.id)
        grades = {}
        for assignment in chosen_assignments:
            submitted = {
                submission.student_id: submission
                for submission in _submissions(gradebook, assignment.name)
            }
            for student in chosen_students:
                submission = submitted.get(student.id)
                if submission is None:
                    grade = Grade(
                        assignment.name,
                        student.id,
                        NOT_SUBMITTED,
                        None,
                        0.0,
                        0.0,
                        assignment.max_score,
                    )
                else:
                    grade = Grade(
                        assignment.name,
                        student.id,
                        NEEDS_MANUAL if submission.needs_manual_grade else GRADED,
                        submission.timestamp,
                        float(submission.score or 0.0),
                        float(submission.late_submission_penalty or 0.0),
                        assignment.max_score,
                    )
                grades[(student.id, assignment.name)] = grade
    return ClassGrades(tuple(chosen_assignments), tuple(chosen_students), grades)


def _submissions(gradebook, assignment: str) -> list:
    """``gradebook.assignment_submissions(assignment)`` with the totals loaded in one query.

    nbgrader computes a submission's score, late penalty and "needs manual grade" as
    deferred SQL subqueries; loading them with the submissions (``undefer``) makes the
    export one query per assignment instead of three more per submission.
    """
    from nbgrader.api import Assignment, SubmittedAssignment
    from sqlalchemy.orm import undefer

    return (
        gradebook.db.query(SubmittedAssignment)
        .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
        .filter(Assignment.name == assignment)
        .options(
            undefer(SubmittedAssignment.score),
            undefer(SubmittedAssignment.late_submission_penalty),
            undefer(SubmittedAssignment.needs_manual_grade),
        )
        .all()
    )


def _select(items, wanted, what, key):
    if not wanted:
        return list(items)
    known = {key(item) for item in items}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ExportError(
            f"unknown {what}{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"the gradebook has {', '.join(sorted(known)) or f'no {what}s'}"
        )
    return [item for item in items if key(item) in set(wanted)]


# --- the three files ---------------------------------------------------------------------


def points(value: float) -> str:
    """A score as a platform reads it: up to four decimals, no trailing zeros.

    >>> points(7.0), points(2.5), points(1 / 3), points(0.0)
    ('7', '2.5', '0.3333', '0')
    """
    text = f"{round(value, 4) + 0.0:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _cell(grade: Grade, missing: str) -> str:
    if not grade.submitted and missing == "blank":
        return ""
    return points(grade.score)


def _text(value) -> str:
    """A value as ``nbgrader export`` writes it (``str``, and empty for None)."""
    return "" if value is None else str(value)


def plain_rows(grades: ClassGrades) -> list[dict[str, str]]:
    """``nbgrader export``'s rows (same columns, order and totals) with a status column."""
    students = {student.id: student for student in grades.students}
    rows = []
    for assignment in grades.assignments:
        for student in grades.students:
            grade = grades.grade(student.id, assignment.name)
            info = students[student.id]
            rows.append(
                {
                    "assignment": assignment.name,
                    "duedate": _text(assignment.duedate),
                    "timestamp": _text(grade.timestamp),
                    "student_id": student.id,
                    "last_name": info.last_name,
                    "first_name": info.first_name,
                    "email": info.email,
                    "raw_score": points(grade.raw_score),
                    "late_submission_penalty": points(grade.late_penalty),
                    "score": points(grade.score),
                    "max_score": points(assignment.max_score),
                    "status": grade.status,
                }
            )
    return rows


def _titles(grades: ClassGrades, titles: dict[str, str] | None) -> list[str]:
    titles = titles or {}
    return [titles.get(a.name, a.name) for a in grades.assignments]


def canvas_rows(
    grades: ClassGrades,
    id_column: str = "sis_login_id",
    missing: str = "zero",
    titles: dict[str, str] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of Canvas's gradebook import, Points Possible row first."""
    header = [*CANVAS_COLUMNS, *_titles(grades, titles)]
    identifier = CANVAS_ID_CHOICES[id_column]
    rows = [[CANVAS_POINTS_ROW, "", "", "", ""] + [points(a.max_score) for a in grades.assignments]]
    for student in grades.students:
        name = ", ".join(part for part in (student.last_name, student.first_name) if part)
        row = dict.fromkeys(CANVAS_COLUMNS, "")
        row["Student"] = name or student.id
        row[identifier] = student.id
        rows.append(
            [row[column] for column in CANVAS_COLUMNS]
            + [_cell(grades.grade(student.id, a.name), missing) for a in grades.assignments]
        )
    return header, rows


def moodle_rows(
    grades: ClassGrades,
    id_field: str = "idnumber",
    missing: str = "zero",
    titles: dict[str, str] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of Moodle's CSV grade import (no maximum row)."""
    header = [MOODLE_ID_CHOICES[id_field], *MOODLE_NAME_COLUMNS, *_titles(grades, titles)]
    rows, nameless = [], []
    for student in grades.students:
        identifier = student.email if id_field == "email" else student.id
        if not identifier:
            nameless.append(student.id)
        rows.append(
            [identifier, student.first_name, student.last_name]
            + [_cell(grades.grade(student.id, a.name), missing) for a in grades.assignments]
        )
    if nameless:
        raise ExportError(
            f"no email address in the gradebook for {', '.join(nameless)}: Moodle aborts the "
            "whole import at a row it cannot match; add the addresses "
            "(nbgrader db student add ID --email=...) or use --moodle-id idnumber or username"
        )
    return header, rows


def write_csv(path: Path, header, rows) -> None:
    """UTF-8 CSV with a header row, every field quoted where needed (RFC 4180)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def export(
    grades: ClassGrades,
    out: Path,
    formats: tuple[str, ...] = ("canvas", "moodle", "csv"),
    canvas_id: str = "sis_login_id",
    moodle_id: str = "idnumber",
    missing: str = "zero",
    titles: dict[str, str] | None = None,
) -> list[Path]:
    """Write the chosen files into ``out`` and return their paths."""
    written = []
    if "canvas" in formats:
        path = out / "canvas.csv"
        write_csv(path, *canvas_rows(grades, canvas_id, missing, titles))
        written.append(path)
    if "moodle" in formats:
        path = out / "moodle.csv"
        write_csv(path, *moodle_rows(grades, moodle_id, missing, titles))
        written.append(path)
    if "csv" in formats:
        path = out / "grades.csv"
        rows = plain_rows(grades)
        write_csv(path, PLAIN_COLUMNS, [[row[c] for c in PLAIN_COLUMNS] for row in rows])
        written.append(path)
    return written


# --- command line --------------------------------------------------------------------------


def _title(text: str) -> tuple[str, str]:
    name, separator, title = text.partition("=")
    if not separator or not name or not title:
        raise argparse.ArgumentTypeError(f"expected ASSIGNMENT=TITLE, got {text!r}")
    return name, title


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mmlcalc-export",
        description=(
            "Write the class's grades from the nbgrader gradebook in the import formats of "
            "Canvas and Moodle, and as a plain CSV (totals as nbgrader export computes them)."
        ),
    )
    p.add_argument(
        "assignments", nargs="*", metavar="ASSIGNMENT", help="assignment ids (default: all)"
    )
    p.add_argument(
        "--gradebook",
        metavar="URL",
        help="the gradebook's SQLAlchemy URL (default: the course's, when run in autograder/)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("exports"), help="output folder (default: ./exports)"
    )
    p.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=("canvas", "moodle", "csv"),
        help="which file to write (repeatable; default: all three)",
    )
    p.add_argument(
        "--canvas-id",
        choices=tuple(CANVAS_ID_CHOICES),
        default="sis_login_id",
        help="the Canvas column that holds the gradebook's student id (default: sis_login_id)",
    )
    p.add_argument(
        "--moodle-id",
        choices=tuple(MOODLE_ID_CHOICES),
        default="idnumber",
        help="the Moodle user field the identifier column maps to (default: idnumber, the "
        "student id; email writes the gradebook's email address)",
    )
    p.add_argument(
        "--missing",
        choices=("zero", "blank"),
        default="zero",
        help="a learner with no submission: 0 (default, as nbgrader export) or an empty cell",
    )
    p.add_argument(
        "--title",
        action="append",
        type=_title,
        default=[],
        metavar="ASSIGNMENT=TITLE",
        help="the column title of an assignment on the platform (default: its id)",
    )
    p.add_argument(
        "--student",
        action="append",
        default=[],
        metavar="ID",
        help="export only these students (repeatable; default: everyone in the gradebook)",
    )
    p.add_argument("--course", default="mmlcalc", help="the nbgrader course id (default: mmlcalc)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    db_url = args.gradebook
    if db_url is None:
        from .cli import default_gradebook

        db_url = default_gradebook(Path.cwd())
    if db_url is None:
        print(
            "mmlcalc-export: no gradebook: run it in the course folder (autograder/) or give "
            "--gradebook URL",
            file=sys.stderr,
        )
        return EXIT_CANNOT_EXPORT
    formats = tuple(args.formats or ("canvas", "moodle", "csv"))
    try:
        grades = read_gradebook(db_url, args.assignments, args.student, args.course)
        written = export(
            grades,
            args.out,
            formats,
            canvas_id=args.canvas_id,
            moodle_id=args.moodle_id,
            missing=args.missing,
            titles=dict(args.title),
        )
    except ExportError as error:
        print(f"mmlcalc-export: {error}", file=sys.stderr)
        return EXIT_CANNOT_EXPORT
    waiting = grades.waiting_for_hand_marking()
    if waiting:
        print(
            f"mmlcalc-export: {len(waiting)} submission(s) still need hand marking in formgrader; "
            "exported with the points they have so far:",
            file=sys.stderr,
        )
        for grade in waiting:
            print(f"  {grade.student} {grade.assignment}", file=sys.stderr)
    counts = f"{len(grades.students)} students, {len(grades.assignments)} assignments"
    for path in written:
        print(f"wrote {path} ({counts})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
