"""What a batch produces: grades.csv, results.csv, feedback pages, report.html, the gradebook.

Everything here is written from plain results in a fixed order, so grading the
same batch twice writes identical CSV files. The HTML pages are rendered from the
Jinja2 templates in ``templates/`` with autoescaping on, so every piece of text
(learners' messages, student ids, notes) is escaped unless this module marks it
safe (only the SVG histogram, drawn from numbers). They never contain test code or
expected values of hidden tests (the results they are built from do not hold any).

Two ways in: the functions that take a whole list of grades (:func:`summarise`,
:func:`write_csvs`, :func:`write_feedback`, :func:`write_report`), and the streaming
pieces ``mmlcalc-grade`` uses so that its memory does not grow with the class
(:class:`ClassFiles` appends each chunk of grades to the open CSV files and writes its
feedback pages; :class:`ReportTally` keeps only the report's counts and scores). Both
write the same bytes (``tests/test_publish.py``).
"""

from __future__ import annotations

import csv
import functools
import os
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import jinja2
from markupsafe import Markup

from .assignment import Assignment
from .batch import SubmissionResult
from .compare import TestResult

#: Student statuses, worst first: the status of a student is the worst of their notebooks'.
STATUS_ORDER = (
    "invalid-notebook", "crashed", "timeout", "missing", "needs-manual-grading", "graded"
)  # fmt: skip
#: Statuses of work that could not be graded at all: counted apart in the report, never as
#: fails (an unreadable notebook says nothing about what the class understood).
UNGRADABLE = ("invalid-notebook",)


@dataclass(frozen=True)
class Lateness:
    """When a student submitted, against the due date, and the penalty the course's policy gives."""

    submitted_at: str = ""  # nbgrader's timestamp (UTC), "" when unknown
    seconds_late: float = 0.0
    penalty: float = 0.0  # points off, summed over the student's notebooks
    per_notebook: tuple[tuple[str, float], ...] = ()  # (notebook, points off), as nbgrader has it


@dataclass(frozen=True)
class StudentGrade:
    student_id: str
    assignment_id: str
    score: float  # after the late penalty
    max_score: float
    status: str
    submitted_at: str
    seconds_late: float
    late_penalty: float
    results: tuple[SubmissionResult, ...]
    penalties: tuple[tuple[str, float], ...] = ()  # by notebook (for the gradebook)


def number(value: float) -> str:
    """A score as text: ``3`` not ``3.0``, ``2.5`` stays."""
    return f"{value:g}"


def summarise(
    results: Sequence[SubmissionResult],
    assignment: Assignment,
    lateness: Callable[[str, Sequence[SubmissionResult]], Lateness] | None = None,
) -> list[StudentGrade]:
    """One grade per student: their notebooks' scores, less the late penalty ``lateness`` gives."""
    by_student: dict[str, list[SubmissionResult]] = {}
    for result in results:
        by_student.setdefault(result.student_id, []).append(result)
    grades = []
    for student in sorted(by_student):
        parts = sorted(by_student[student], key=lambda r: r.notebook)
        statuses = {part.status for part in parts}
        status = next(s for s in (*STATUS_ORDER, *sorted(statuses)) if s in statuses)
        late = lateness(student, parts) if lateness is not None else Lateness()
        grades.append(
            StudentGrade(
                student,
                assignment.assignment_id,
                sum(part.score for part in parts) - late.penalty,
                assignment.max_score,
                status,
                late.submitted_at,
                late.seconds_late,
                late.penalty,
                tuple(parts),
                late.per_notebook,
            )
        )
    return grades


def _csv_fields(record_type) -> list[str]:
    """A result dataclass's columns after the two that say whose it is (student, assignment)."""
    return [
        item.name
        for item in fields(record_type)
        if item.name not in ("student_id", "assignment_id", "results", "penalties")
    ]


#: The columns of grades.csv (one row per student) and results.csv (one row per graded test).
GRADE_COLUMNS = ("student_id", "assignment", *_csv_fields(StudentGrade))
RESULT_COLUMNS = ("student_id", "assignment", *_csv_fields(TestResult))


def _csv_row(grade: StudentGrade, record) -> dict[str, str]:
    """``record`` (the grade itself, or one of its tests) as a CSV row, scores as text."""
    row = {"student_id": grade.student_id, "assignment": grade.assignment_id}
    for name in _csv_fields(type(record)):
        value = getattr(record, name)
        row[name] = number(value) if isinstance(value, (int, float)) else value
    return row


def write_csvs(out: Path, grades: Sequence[StudentGrade]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, GRADE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_csv_row(grade, grade) for grade in grades)
    with (out / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, RESULT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            _csv_row(grade, test)
            for grade in grades
            for result in grade.results
            for test in result.tests
        )


class ClassFiles:
    """grades.csv, results.csv and the feedback pages, written a chunk of grades at a time.

    ``with ClassFiles(out, due) as files: files.add(grades)`` once per chunk, the chunks
    in student order: the same bytes as :func:`write_csvs` and :func:`write_feedback` on
    the whole list, holding one chunk. The CSV files are written beside their final
    names and moved there when the block ends without an error, so a stopped command
    never leaves half a file (the previous run's stays).
    """

    NAMES = ("grades.csv", "results.csv")

    def __init__(self, out: Path, due: str = ""):
        self.out, self.due = out, due
        self.handles: list = []

    def __enter__(self) -> ClassFiles:
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            for name in self.NAMES:
                self.handles.append(self._partial(name).open("w", newline="", encoding="utf-8"))
        except OSError:
            self.__exit__(OSError, None, None)
            raise
        self.grades, self.results = (
            csv.DictWriter(handle, columns, lineterminator="\n")
            for handle, columns in zip(self.handles, (GRADE_COLUMNS, RESULT_COLUMNS), strict=True)
        )
        self.grades.writeheader()
        self.results.writeheader()
        return self

    def _partial(self, name: str) -> Path:
        return self.out / f".{name}.partial"

    def add(self, grades: Sequence[StudentGrade]) -> None:
        self.grades.writerows(_csv_row(grade, grade) for grade in grades)
        self.results.writerows(
            _csv_row(grade, test)
            for grade in grades
            for result in grade.results
            for test in result.tests
        )
        write_feedback(self.out, grades, self.due)

    def __exit__(self, kind, error, traceback) -> None:
        for handle in self.handles:
            handle.close()
        for name in self.NAMES:
            if kind is None:
                os.replace(self._partial(name), self.out / name)
            else:
                self._partial(name).unlink(missing_ok=True)


@functools.cache
def _templates() -> jinja2.Environment:
    """The page templates (``templates/*.html.j2``), every value escaped unless marked safe."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mmlcalc_grade", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["number"] = number
    environment.filters["percent"] = lambda fraction: f"{fraction:.0%}"
    return environment


def feedback_page(result: SubmissionResult, late: dict | None = None) -> str:
    """One learner's feedback page for one notebook (``templates/feedback.html.j2``)."""
    return _templates().get_template("feedback.html.j2").render(result=result, late=late)


def _late_note(grade: StudentGrade, due: str) -> dict | None:
    if grade.seconds_late <= 0:
        return None
    hours = grade.seconds_late / 3600
    text = f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"
    return {"submitted_at": grade.submitted_at, "hours": text, "due": due,
            "penalty": grade.late_penalty}  # fmt: skip


def write_feedback(out: Path, grades: Sequence[StudentGrade], due: str = "") -> None:
    for grade in grades:
        for result in grade.results:
            folder = out / "feedback" / grade.student_id / grade.assignment_id
            folder.mkdir(parents=True, exist_ok=True)
            page = folder / (Path(result.notebook).stem + ".html")
            page.write_text(feedback_page(result, _late_note(grade, due)), encoding="utf-8")


def histogram_svg(fractions: Sequence[float], bins: int = 10) -> str:
    """An inline SVG bar chart of scores as fractions of full marks (0 to 1)."""
    counts = [0] * bins
    for value in fractions:
        counts[min(bins - 1, max(0, int(value * bins)))] += 1
    width, height, pad = 520, 220, 30
    bar = (width - 2 * pad) / bins
    top = max(counts) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
        'role="img" aria-label="histogram of scores">'
    ]
    for index, count in enumerate(counts):
        h = (height - pad) * count / top
        x = pad + index * bar
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" '
            f'fill="#4477AA"><title>{index * 100 // bins}–{(index + 1) * 100 // bins}%: '
            f"{count}</title></rect>"
        )
        if count:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - h - 4:.1f}" font-size="12" '
                f'text-anchor="middle">{count}</text>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{height + 16}" font-size="11">{index * 100 // bins}%</text>'
        )
    parts.append(f'<text x="{width - pad:.1f}" y="{height + 16}" font-size="11">100%</text>')
    parts.append(
        f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#333"/></svg>'
    )
    return "".join(parts)


@dataclass(frozen=True)
class TestRow:
    """One test cell in the report: how many of the graded submissions passed it."""

    grade_id: str
    notebook: str
    points: float
    rate: float  # fraction of graded submissions that passed (0 when none was graded)
    task: str = ""


@dataclass(frozen=True)
class NotGradedRow:
    """A student whose work was not graded completely, and why (their notebooks' last notes)."""

    student_id: str
    status: str
    score: float
    why: str


@dataclass(frozen=True)
class ReportData:
    """Everything ``templates/report.html.j2`` shows, as plain numbers and text."""

    assignment_id: str
    students: int
    graded_completely: int
    needs_manual: int
    ungradable: int
    late: int
    max_score: float
    mean: float | None  # None when no submission was graded
    median: float | None
    notes: tuple[str, ...]
    fractions: tuple[float, ...]  # each graded student's score / full marks, for the histogram
    tests: tuple[TestRow, ...]  # hardest first
    not_graded: tuple[NotGradedRow, ...]


def report_data(
    assignment: Assignment, grades: Sequence[StudentGrade], notes: Sequence[str] = ()
) -> ReportData:
    """The class report's numbers: scores, the pass rate of every test, who was not graded.

    Missing and ungradable work (an unreadable notebook) is left out of the mean, the
    median, the histogram and the pass rates, and counted apart (:class:`ReportTally`,
    given the whole list at once).
    """
    tally = ReportTally(assignment)
    tally.add(grades)
    return tally.data(notes)


class ReportTally:
    """The report's numbers gathered a chunk of grades at a time (:func:`report_data` gives
    it the whole list), holding only counts, each graded student's score (a
    float, for the mean, median and histogram), per-test pass counts and the rows of the
    students not graded completely.

    >>> from types import SimpleNamespace
    >>> tally = ReportTally(SimpleNamespace(assignment_id="week1", max_score=4.0, notebooks=[]))
    >>> tally.add([StudentGrade("ada", "week1", 3.0, 4.0, "graded", "", 0.0, 0.0, ())])
    >>> data = tally.data()
    >>> data.students, data.mean, data.fractions
    (1, 3.0, (0.75,))
    """

    def __init__(self, assignment: Assignment):
        self.assignment = assignment
        self.students = self.graded_completely = self.needs_manual = 0
        self.ungradable = self.late = 0
        self.scores: list[float] = []
        self.fractions: list[float] = []
        self.outcomes: dict[tuple[str, str], list[int]] = {}  # (notebook, test) -> [passed, of]
        self.not_graded: list[NotGradedRow] = []

    def add(self, grades: Iterable[StudentGrade]) -> None:
        for g in grades:
            self.students += 1
            self.graded_completely += g.status == "graded"
            self.needs_manual += g.status == "needs-manual-grading"
            self.ungradable += g.status in UNGRADABLE
            self.late += g.seconds_late > 0
            if g.status not in ("graded", "needs-manual-grading"):
                self.not_graded.append(_not_graded_row(g))
            if g.status == "missing" or g.status in UNGRADABLE:
                continue
            self.scores.append(g.score)
            self.fractions.append(g.score / g.max_score if g.max_score else 0.0)
            for r in g.results:
                for t in r.tests:
                    counts = self.outcomes.setdefault((r.notebook, t.grade_id), [0, 0])
                    counts[0] += t.status == "passed"
                    counts[1] += 1

    def data(self, notes: Sequence[str] = ()) -> ReportData:
        rows = []
        for master in self.assignment.notebooks:
            for test in master.tests:
                passed, of = self.outcomes.get((master.name, test.grade_id), (0, 0))
                rate = passed / of if of else 0.0
                task = master.task_of(test.grade_id)
                rows.append(TestRow(test.grade_id, master.name, test.points, rate, task))
        rows.sort(key=lambda row: (row.rate, row.notebook, row.grade_id))
        scores = self.scores
        return ReportData(
            assignment_id=self.assignment.assignment_id,
            students=self.students,
            graded_completely=self.graded_completely,
            needs_manual=self.needs_manual,
            ungradable=self.ungradable,
            late=self.late,
            max_score=self.assignment.max_score,
            mean=statistics.mean(scores) if scores else None,
            median=statistics.median(scores) if scores else None,
            notes=tuple(notes),
            fractions=tuple(self.fractions),
            tests=tuple(rows),
            not_graded=tuple(self.not_graded),
        )


def _not_graded_row(grade: StudentGrade) -> NotGradedRow:
    why = "; ".join(note for r in grade.results if r.status != "graded" for note in r.notes[-1:])
    return NotGradedRow(grade.student_id, grade.status, grade.score, why)


def report_page(
    assignment: Assignment, grades: Sequence[StudentGrade], notes: Sequence[str] = ()
) -> str:
    """The class report (``templates/report.html.j2``) from :func:`report_data`."""
    return render_report(report_data(assignment, grades, notes))


def render_report(data: ReportData) -> str:
    """The class report page (``templates/report.html.j2``) showing ``data``."""
    context = {item.name: getattr(data, item.name) for item in fields(data)}
    # the histogram is drawn from numbers only, so its markup is safe to insert as it is
    histogram = Markup(histogram_svg(data.fractions))
    return _templates().get_template("report.html.j2").render(context, histogram=histogram)


def write_report(out: Path, assignment: Assignment, grades, notes=()) -> None:
    (out / "report.html").write_text(report_page(assignment, grades, notes), encoding="utf-8")


def write_gradebook(
    db_url: str, course_id: str, assignment: Assignment, grades, duedate=None
) -> None:
    """Write every score into nbgrader's gradebook (creating what is missing).

    What ``nbgrader autograde`` would leave there, so formgrader, ``nbgrader export`` and
    ``nbgrader generate_feedback`` work on it: the assignment (with ``duedate`` if given),
    notebooks, grade cells (the tests and the hand-marked cells) and solution cells when
    the assignment was never generated in this gradebook; for each submission its
    timestamp, a grade per test cell (``auto_score``), a grade per hand-marked cell
    flagged ``needs_manual_grade`` (its ``auto_score`` empty, for an instructor to mark in
    formgrader), a comment per solution cell, and each notebook's late penalty. A
    submission whose notebook could not be read is flagged for a human too; students with
    nothing submitted get no submission.

    Written in bulk, 200 students a transaction (:func:`mmlcalc_grade.gradebook.write`);
    :func:`_write_gradebook`, row by row through ``nbgrader.api.Gradebook``, is the reference
    its tests compare it with (``tests/test_gradebook.py``).
    """
    from . import gradebook

    gradebook.write(db_url, course_id, assignment, grades, duedate)


def _write_gradebook(
    db_url: str, course_id: str, assignment: Assignment, grades, duedate=None
) -> None:
    from nbgrader.api import Comment, Grade, Gradebook, MissingEntry  # slow import: here

    from . import gradebook as bulk

    aid = assignment.assignment_id
    manual = {(Path(m.name).stem, cell.grade_id) for m in assignment.notebooks for cell in m.manual}
    with Gradebook(db_url, course_id=course_id) as gradebook:
        bulk._define(gradebook, assignment, duedate)  # the cells, as the bulk writer makes them
        for grade in grades:
            if grade.status == "missing" and not grade.score:
                continue
            gradebook.update_or_create_student(grade.student_id)
            try:
                submission = gradebook.find_submission(aid, grade.student_id)
            except MissingEntry:
                submission = gradebook.add_submission(aid, grade.student_id)
            if grade.submitted_at:
                from nbgrader.utils import parse_utc

                submission.timestamp = parse_utc(grade.submitted_at)
            penalties = dict(grade.penalties)
            for result in grade.results:
                name = Path(result.notebook).stem
                submitted = gradebook.find_submission_notebook(name, aid, grade.student_id)
                submitted.late_submission_penalty = penalties.get(result.notebook) or None
                for cell in submitted.notebook.solution_cells:
                    if not any(c.cell_id == cell.id for c in submitted.comments):
                        gradebook.db.add(Comment(cell_id=cell.id, notebook=submitted))
                for test in result.tests:
                    try:
                        cell = gradebook.find_grade(test.grade_id, name, aid, grade.student_id)
                    except MissingEntry:
                        grade_cell = gradebook.find_grade_cell(test.grade_id, name, aid)
                        cell = Grade(cell_id=grade_cell.id, notebook=submitted)
                        gradebook.db.add(cell)
                    if (name, test.grade_id) in manual:
                        cell.auto_score = None  # an instructor marks it in formgrader
                        cell.needs_manual_grade = cell.manual_score is None
                    else:
                        cell.auto_score = test.points
                        cell.needs_manual_grade = result.status == "invalid-notebook"
            gradebook.db.commit()
