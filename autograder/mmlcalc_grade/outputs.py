"""What a batch produces: grades.csv, results.csv, feedback pages, report.html, the gradebook.

Everything here is written from plain results in a fixed order, so grading the
same batch twice writes identical CSV files. The HTML pages escape every piece of
text and never contain test code or expected values of hidden tests (the
results they are built from do not hold any).
"""

from __future__ import annotations

import csv
import html
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .assignment import Assignment
from .batch import SubmissionResult

#: Student statuses, worst first: the status of a student is the worst of their notebooks'.
STATUS_ORDER = ("invalid-notebook", "crashed", "timeout", "missing", "graded")


@dataclass(frozen=True)
class StudentGrade:
    student_id: str
    assignment_id: str
    score: float
    max_score: float
    status: str
    results: tuple[SubmissionResult, ...]


def number(value: float) -> str:
    """A score as text: ``3`` not ``3.0``, ``2.5`` stays."""
    return f"{value:g}"


def summarise(results: Sequence[SubmissionResult], assignment: Assignment) -> list[StudentGrade]:
    by_student: dict[str, list[SubmissionResult]] = {}
    for result in results:
        by_student.setdefault(result.student_id, []).append(result)
    grades = []
    for student in sorted(by_student):
        parts = sorted(by_student[student], key=lambda r: r.notebook)
        statuses = {part.status for part in parts}
        status = next(s for s in (*STATUS_ORDER, *sorted(statuses)) if s in statuses)
        grades.append(
            StudentGrade(
                student,
                assignment.assignment_id,
                sum(part.score for part in parts),
                assignment.max_score,
                status,
                tuple(parts),
            )
        )
    return grades


def write_csvs(out: Path, grades: Sequence[StudentGrade]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["student_id", "assignment", "score", "max_score", "status"])
        for grade in grades:
            writer.writerow(
                [
                    grade.student_id,
                    grade.assignment_id,
                    number(grade.score),
                    number(grade.max_score),
                    grade.status,
                ]
            )
    with (out / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "student_id",
                "assignment",
                "notebook",
                "grade_id",
                "points",
                "max_points",
                "status",
                "message",
            ]
        )
        for grade in grades:
            for result in grade.results:
                for test in result.tests:
                    writer.writerow(
                        [
                            grade.student_id,
                            grade.assignment_id,
                            test.notebook,
                            test.grade_id,
                            number(test.points),
                            number(test.max_points),
                            test.status,
                            test.message,
                        ]
                    )


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { border-bottom: 1px solid #ccc; padding: 0.35em 0.5em; text-align: left;
         vertical-align: top; }
.passed { color: #117733; font-weight: bold; }
.failed, .error, .timeout, .not-run { color: #AA3377; font-weight: bold; }
.note { background: #f6f6f6; border-left: 4px solid #999; padding: 0.4em 0.8em; margin: 0.4em 0; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def feedback_page(result: SubmissionResult) -> str:
    e = html.escape
    rows = []
    for test in result.tests:
        mark = "✓ passed" if test.status == "passed" else f"✗ {test.status}"
        rows.append(
            f"<tr><td><code>{e(test.grade_id)}</code></td>"
            f"<td>{number(test.points)} / {number(test.max_points)}</td>"
            f'<td class="{e(test.status)}">{e(mark)}</td><td>{e(test.message)}</td></tr>'
        )
    notes = "".join(f'<p class="note">{e(note)}</p>' for note in result.notes)
    status = "" if result.status == "graded" else f" ({e(result.status)})"
    body = (
        f"<h1>Feedback: {e(result.assignment_id)} / {e(result.notebook)}</h1>\n"
        f"<p>Student: <b>{e(result.student_id)}</b>. Score: "
        f"<b>{number(result.score)} / {number(result.max_score)}</b>{status}.</p>\n"
        + (f"<h2>About your notebook</h2>\n{notes}\n" if notes else "")
        + "<h2>Tests</h2>\n<table>\n<tr><th>test</th><th>points</th><th>result</th>"
        "<th>what to look at</th></tr>\n" + "\n".join(rows) + "\n</table>\n"
        "<p>Hidden tests are named with their result only: run your functions on inputs "
        "of your own to find what they check.</p>"
    )
    return _page(f"Feedback {result.assignment_id} {result.student_id}", body)


def write_feedback(out: Path, grades: Sequence[StudentGrade]) -> None:
    for grade in grades:
        for result in grade.results:
            folder = out / "feedback" / grade.student_id / grade.assignment_id
            folder.mkdir(parents=True, exist_ok=True)
            page = folder / (Path(result.notebook).stem + ".html")
            page.write_text(feedback_page(result), encoding="utf-8")


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


def report_page(
    assignment: Assignment, grades: Sequence[StudentGrade], notes: Sequence[str]
) -> str:
    e = html.escape
    graded = [g for g in grades if g.status != "missing"]
    fractions = [g.score / g.max_score if g.max_score else 0.0 for g in graded]
    scores = [g.score for g in graded]
    summary = (
        f"<p>{len(grades)} students; {sum(g.status == 'graded' for g in grades)} graded "
        f"completely. Full marks: {number(assignment.max_score)}."
        + (
            f" Mean {statistics.mean(scores):.1f}, median {number(statistics.median(scores))}."
            if scores
            else ""
        )
        + "</p>"
    )
    rows = []
    for master in assignment.notebooks:
        for test in master.tests:
            outcomes = [
                t.status == "passed"
                for g in graded
                for r in g.results
                if r.notebook == master.name
                for t in r.tests
                if t.grade_id == test.grade_id
            ]
            rate = sum(outcomes) / len(outcomes) if outcomes else 0.0
            rows.append((rate, master.name, test))
    rows.sort(key=lambda row: (row[0], row[1], row[2].grade_id))
    test_rows = "\n".join(
        f"<tr><td><code>{e(test.grade_id)}</code></td><td>{e(name)}</td>"
        f"<td>{number(test.points)}</td><td>{rate:.0%}</td>"
        f'<td><svg width="120" height="12"><rect width="{120 * rate:.1f}" height="12" '
        f'fill="#117733"/><rect x="{120 * rate:.1f}" width="{120 * (1 - rate):.1f}" height="12" '
        'fill="#DDDDDD"/></svg></td></tr>'
        for rate, name, test in rows
    )
    trouble = []
    for grade in grades:
        if grade.status == "graded":
            continue
        why = "; ".join(
            note for r in grade.results if r.status != "graded" for note in r.notes[-1:]
        )
        trouble.append(
            f"<tr><td>{e(grade.student_id)}</td><td>{e(grade.status)}</td>"
            f"<td>{number(grade.score)}</td><td>{e(why)}</td></tr>"
        )
    body = (
        f"<h1>Class report: {e(assignment.assignment_id)}</h1>\n{summary}\n"
        + "".join(f'<p class="note">{e(note)}</p>' for note in notes)
        + "<h2>Scores</h2>\n"
        + histogram_svg(fractions)
        + "\n<h2>Pass rate of every test (hardest first)</h2>\n<table>\n<tr><th>test</th>"
        "<th>notebook</th><th>points</th><th>passed</th><th></th></tr>\n"
        + test_rows
        + "\n</table>\n<h2>Submissions not graded completely</h2>\n"
        + (
            "<table>\n<tr><th>student</th><th>status</th><th>score</th><th>why</th></tr>\n"
            + "\n".join(trouble)
            + "\n</table>"
            if trouble
            else "<p>None: every submission was graded.</p>"
        )
    )
    return _page(f"Report {assignment.assignment_id}", body)


def write_report(out: Path, assignment: Assignment, grades, notes=()) -> None:
    (out / "report.html").write_text(report_page(assignment, grades, notes), encoding="utf-8")


def write_gradebook(db_url: str, course_id: str, assignment: Assignment, grades) -> None:
    """Write every score into nbgrader's gradebook (creating what is missing).

    Assignment, notebooks and grade cells are created when the assignment was
    never generated in this gradebook. Each test cell's ``auto_score`` is set; a
    submission whose notebook could not be read is also flagged for a human
    (``needs_manual_grade``); students with nothing submitted get no submission.
    """
    from nbgrader.api import Grade, Gradebook, MissingEntry

    with warnings.catch_warnings():
        # nbgrader's add_submission builds related rows before adding them to the session,
        # which SQLAlchemy reports as SAWarnings; the rows are committed correctly
        warnings.simplefilter("ignore")
        _write_gradebook(db_url, course_id, assignment, grades, Grade, Gradebook, MissingEntry)


def _write_gradebook(db_url, course_id, assignment, grades, Grade, Gradebook, MissingEntry):
    aid = assignment.assignment_id
    with Gradebook(db_url, course_id=course_id) as gradebook:
        gradebook.update_or_create_assignment(aid)
        for master in assignment.notebooks:
            name = Path(master.name).stem
            try:
                gradebook.find_notebook(name, aid)
            except MissingEntry:
                gradebook.update_or_create_notebook(name, aid)
            for test in master.tests:
                try:
                    gradebook.find_grade_cell(test.grade_id, name, aid)
                except MissingEntry:
                    gradebook.update_or_create_grade_cell(
                        test.grade_id, name, aid, max_score=test.points, cell_type="code"
                    )
        for grade in grades:
            if grade.status == "missing" and not grade.score:
                continue
            gradebook.update_or_create_student(grade.student_id)
            try:
                gradebook.find_submission(aid, grade.student_id)
            except MissingEntry:
                gradebook.add_submission(aid, grade.student_id)
            for result in grade.results:
                name = Path(result.notebook).stem
                submitted = gradebook.find_submission_notebook(name, aid, grade.student_id)
                for test in result.tests:
                    try:
                        cell = gradebook.find_grade(test.grade_id, name, aid, grade.student_id)
                    except MissingEntry:
                        grade_cell = gradebook.find_grade_cell(test.grade_id, name, aid)
                        cell = Grade(cell_id=grade_cell.id, notebook=submitted)
                        gradebook.db.add(cell)
                    cell.auto_score = test.points
                    cell.needs_manual_grade = result.status == "invalid-notebook"
            gradebook.db.commit()
