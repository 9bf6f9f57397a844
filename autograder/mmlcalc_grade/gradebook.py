"""Bulk writes into nbgrader's gradebook: the same rows as nbgrader's API, in few statements.

``nbgrader.api.Gradebook`` writes one submission at a time, each row through the ORM
with queries in between (about 275 ms a submission on SQLite). :func:`write` writes the
same rows, on nbgrader's own tables (``nbgrader.api``'s SQLAlchemy models), in batches
of :data:`BATCH` students, one transaction each: it reads what the gradebook already
holds for the batch in a handful of ``SELECT ... IN`` queries, then inserts the missing
students, submissions, submitted notebooks, grades and comments and updates the existing
ones with one ``executemany`` per table. What a reader of the gradebook sees
(``nbgrader export``, formgrader, ``Gradebook.find_submission(...).score``) is what the
per-row writer leaves: ``tests/test_gradebook.py`` compares the two, table by table.

Concurrency: students are inserted with ``ON CONFLICT DO NOTHING`` (SQLite and
PostgreSQL), so two graders writing different assignments for the same students at
once neither fail nor lose a row; a batch that meets a locked SQLite file or a
serialization failure is rolled back and written again (up to :data:`ATTEMPTS` times).

``postgresql://`` URLs use psycopg 3 when psycopg2 (SQLAlchemy's default driver for that
scheme) is not installed: ``postgresql+psycopg://`` (write that form in
``nbgrader_config.py`` for nbgrader's own commands).
"""

from __future__ import annotations

import random
import time
import uuid
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

#: Students written per transaction.
BATCH = 200
#: Attempts at one batch's transaction when the database is busy (locked, serialization).
ATTEMPTS = 8


def engine_url(db_url: str) -> str:
    """``db_url`` with a driver SQLAlchemy can load: ``postgresql://`` becomes
    ``postgresql+psycopg://`` when psycopg2 is missing and psycopg (3) is installed."""
    for scheme in ("postgresql://", "postgres://"):
        if db_url.startswith(scheme):
            try:
                import psycopg2  # noqa: F401
            except ImportError:
                return "postgresql+psycopg://" + db_url.removeprefix(scheme)
    return db_url


def _new_id() -> str:
    return uuid.uuid4().hex  # what nbgrader.api.new_uuid gives


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _open(db_url: str, course_id: str):
    """nbgrader's Gradebook (it creates the tables, the alembic stamp and the course row)."""
    from nbgrader.api import Gradebook

    for attempt in range(1, ATTEMPTS + 1):
        try:
            return Gradebook(engine_url(db_url), course_id=course_id)
        except Exception as error:  # two graders creating one new gradebook at once
            if attempt == ATTEMPTS or not _transient(error):
                raise
            _pause(attempt)
    raise AssertionError("unreachable")


def _transient(error: Exception) -> bool:
    """A database that is busy rather than wrong: locked SQLite, a serialization failure,
    a row another grader inserted between our read and our write."""
    text = f"{type(error).__name__} {error}".lower()
    return any(
        word in text
        for word in (
            "database is locked",
            "busy",
            "serializ",
            "deadlock",
            "unique",
            "duplicate",
            "already exists",  # two graders creating the tables of a new gradebook at once
        )
    )


def _pause(attempt: int) -> None:
    time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))


def _insert_ignoring_conflicts(table, connection):
    """``INSERT ... ON CONFLICT DO NOTHING`` where the dialect has it, else a plain insert."""
    name = connection.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        return insert(table).on_conflict_do_nothing()
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert(table).on_conflict_do_nothing()
    return table.insert()


def _define(gradebook, assignment, duedate) -> None:
    """The assignment, its notebooks and cells, where the gradebook lacks them (a few rows,
    once per command, through nbgrader's API: exactly what the per-row writer creates)."""
    from nbgrader.api import MissingEntry

    aid = assignment.assignment_id
    extra = {"duedate": duedate} if duedate is not None else {}
    gradebook.update_or_create_assignment(aid, **extra)
    for master in assignment.notebooks:
        name = Path(master.name).stem
        try:
            gradebook.find_notebook(name, aid)
        except MissingEntry:
            gradebook.update_or_create_notebook(name, aid)
        for cell in (*master.tests, *master.manual):
            kind = "markdown" if getattr(cell, "kind", "") == "task" else "code"
            try:
                gradebook.find_grade_cell(cell.grade_id, name, aid)
            except MissingEntry:
                try:
                    gradebook.find_task_cell(cell.grade_id, name, aid)
                except MissingEntry:
                    gradebook.update_or_create_grade_cell(
                        cell.grade_id, name, aid, max_score=cell.points, cell_type=kind
                    )
        for cell in master.manual:
            if cell.kind == "answer":
                try:
                    gradebook.find_solution_cell(cell.grade_id, name, aid)
                except MissingEntry:
                    gradebook.update_or_create_solution_cell(cell.grade_id, name, aid)
    gradebook.db.commit()


class _Layout:
    """The assignment as the gradebook holds it: ids of the assignment, notebooks and cells."""

    def __init__(self, connection, course_id: str, assignment_id: str):
        from nbgrader.api import Assignment, BaseCell, Notebook
        from sqlalchemy import select

        a, n, c = Assignment.__table__, Notebook.__table__, BaseCell.__table__
        self.assignment = connection.execute(
            select(a.c.id).where(a.c.name == assignment_id, a.c.course_id == course_id)
        ).scalar_one()
        self.notebooks = dict(
            connection.execute(
                select(n.c.name, n.c.id).where(n.c.assignment_id == self.assignment)
            ).all()
        )
        self.grade_cells: dict[str, list[str]] = {nid: [] for nid in self.notebooks.values()}
        self.comment_cells: dict[str, list[str]] = {nid: [] for nid in self.notebooks.values()}
        self.cell_ids: dict[tuple[str, str], str] = {}  # (notebook id, grade id) -> cell id
        rows = connection.execute(
            select(c.c.id, c.c.name, c.c.notebook_id, c.c.type)
            .where(c.c.notebook_id.in_(list(self.notebooks.values())))
            .order_by(c.c.id)
        )
        for cell_id, name, notebook_id, kind in rows:
            # what add_submission mirrors: a grade per grade cell, a comment per solution
            # cell, both per task cell
            if kind in ("GradeCell", "TaskCell"):
                self.grade_cells[notebook_id].append(cell_id)
                if kind == "GradeCell" or (notebook_id, name) not in self.cell_ids:
                    self.cell_ids[(notebook_id, name)] = cell_id
            if kind in ("SolutionCell", "TaskCell"):
                self.comment_cells[notebook_id].append(cell_id)


def write(db_url: str, course_id: str, assignment, grades, duedate=None, batch: int = BATCH):
    """Write every student's scores into the nbgrader gradebook at ``db_url``.

    The same rows as :func:`mmlcalc_grade.outputs.write_gradebook`'s per-row writer:
    missing assignment, notebooks and cells created; per submitted student a student row,
    a submission (timestamp when known) mirroring every notebook and cell of the
    assignment, each test cell's ``auto_score`` (``needs_manual_grade`` for a notebook that
    could not be read), hand-marked cells left for formgrader (``auto_score`` empty,
    flagged until a ``manual_score`` is set), each notebook's late penalty. Students with
    nothing submitted get nothing. ``grades``: :class:`~mmlcalc_grade.outputs.StudentGrade`
    (any iterable; read once, ``batch`` at a time).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's API warns about its own relationships
        gradebook = _open(db_url, course_id)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _retry(lambda: _define(gradebook, assignment, duedate), gradebook.db.rollback)
        engine = gradebook.engine
        with engine.connect() as connection:
            layout = _Layout(connection, course_id, assignment.assignment_id)
        manual = {
            (layout.notebooks.get(Path(m.name).stem), cell.grade_id)
            for m in assignment.notebooks
            for cell in m.manual
        }
        pending: list = []
        for grade in grades:
            if grade.status == "missing" and not grade.score:
                continue
            pending.append(grade)
            if len(pending) >= batch:
                _write_batch(engine, layout, manual, pending)
                pending = []
        if pending:
            _write_batch(engine, layout, manual, pending)
    finally:
        gradebook.close()


def _retry(action, rollback):
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return action()
        except Exception as error:
            rollback()
            if attempt == ATTEMPTS or not _transient(error):
                raise
            _pause(attempt)
    raise AssertionError("unreachable")


def _write_batch(engine, layout: _Layout, manual: set, grades: Sequence) -> None:
    def once():
        with engine.begin() as connection:  # one transaction; its first statement writes
            _write_rows(connection, layout, manual, grades)

    for attempt in range(1, ATTEMPTS + 1):
        try:
            return once()
        except Exception as error:
            if attempt == ATTEMPTS or not _transient(error):
                raise
            _pause(attempt)
    return None


def _write_rows(connection, layout: _Layout, manual: set, grades: Sequence) -> None:
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook
    from nbgrader.utils import parse_utc
    from sqlalchemy import bindparam, select

    students, submissions = Student.__table__, SubmittedAssignment.__table__
    notebooks, grade_table = SubmittedNotebook.__table__, Grade.__table__
    comments = Comment.__table__
    ids = [grade.student_id for grade in grades]

    # students: created where missing (another grader may insert the same one at once)
    connection.execute(_insert_ignoring_conflicts(students, connection), [{"id": s} for s in ids])

    # submissions: found or created, with their timestamps
    found = dict(
        connection.execute(
            select(submissions.c.student_id, submissions.c.id).where(
                submissions.c.assignment_id == layout.assignment,
                submissions.c.student_id.in_(ids),
            )
        ).all()
    )
    new_submissions, timestamps = [], []
    for grade in grades:
        stamp = parse_utc(grade.submitted_at) if grade.submitted_at else None
        if grade.student_id in found:
            if stamp is not None:
                timestamps.append({"b_id": found[grade.student_id], "b_timestamp": stamp})
            continue
        found[grade.student_id] = _new_id()
        new_submissions.append(
            {
                "id": found[grade.student_id],
                "assignment_id": layout.assignment,
                "student_id": grade.student_id,
                "timestamp": stamp,
                "extension": None,
            }
        )
    if new_submissions:
        connection.execute(submissions.insert(), new_submissions)
    if timestamps:
        connection.execute(
            submissions.update()
            .where(submissions.c.id == bindparam("b_id"))
            .values(timestamp=bindparam("b_timestamp")),
            timestamps,
        )

    # submitted notebooks: one per notebook of the assignment and submission
    submission_ids = [found[s] for s in ids]
    existing_notebooks = {
        (sub, nb): snb
        for snb, sub, nb in connection.execute(
            select(notebooks.c.id, notebooks.c.assignment_id, notebooks.c.notebook_id).where(
                notebooks.c.assignment_id.in_(submission_ids)
            )
        )
    }
    new_notebooks = []
    for sub in submission_ids:
        for nid in layout.notebooks.values():
            if (sub, nid) not in existing_notebooks:
                existing_notebooks[(sub, nid)] = _new_id()
                new_notebooks.append(
                    {
                        "id": existing_notebooks[(sub, nid)],
                        "assignment_id": sub,
                        "notebook_id": nid,
                        "flagged": False,
                        "late_submission_penalty": None,
                    }
                )
    if new_notebooks:
        connection.execute(notebooks.insert(), new_notebooks)
    submitted_ids = list(existing_notebooks.values())

    # grades and comments that exist already (a submission graded before)
    existing_grades = {
        (snb, cell): (gid, manual_score)
        for gid, snb, cell, manual_score in connection.execute(
            select(
                grade_table.c.id,
                grade_table.c.notebook_id,
                grade_table.c.cell_id,
                grade_table.c.manual_score,
            ).where(grade_table.c.notebook_id.in_(submitted_ids))
        )
    }
    existing_comments = set(
        connection.execute(
            select(comments.c.notebook_id, comments.c.cell_id).where(
                comments.c.notebook_id.in_(submitted_ids)
            )
        ).all()
    )

    # what each test result says, by (submitted notebook, cell)
    values: dict[tuple[str, str], dict] = {}
    penalties = []
    for grade in grades:
        sub = found[grade.student_id]
        by_notebook = dict(grade.penalties)
        for result in grade.results:
            nid = layout.notebooks[Path(result.notebook).stem]
            snb = existing_notebooks[(sub, nid)]
            penalties.append({"b_id": snb, "b_penalty": by_notebook.get(result.notebook) or None})
            for test in result.tests:
                cell = layout.cell_ids[(nid, test.grade_id)]
                if (nid, test.grade_id) in manual:
                    known = existing_grades.get((snb, cell))
                    values[(snb, cell)] = {
                        "auto_score": None,
                        "needs_manual_grade": known is None or known[1] is None,
                    }
                else:
                    values[(snb, cell)] = {
                        "auto_score": test.points,
                        "needs_manual_grade": result.status == "invalid-notebook",
                    }

    new_grades, updates, new_comments = [], [], []
    for sub in submission_ids:
        for nid in layout.notebooks.values():
            snb = existing_notebooks[(sub, nid)]
            for cell in layout.grade_cells[nid]:
                value = values.get((snb, cell))
                if (snb, cell) in existing_grades:
                    if value is not None:
                        updates.append(
                            {
                                "b_id": existing_grades[(snb, cell)][0],
                                "b_auto": value["auto_score"],
                                "b_flag": value["needs_manual_grade"],
                            }
                        )
                    continue
                row = {
                    "id": _new_id(),
                    "notebook_id": snb,
                    "cell_id": cell,
                    "auto_score": None,
                    "manual_score": None,
                    "extra_credit": None,
                    "needs_manual_grade": False,
                }
                row.update(value or {})
                new_grades.append(row)
            for cell in layout.comment_cells[nid]:
                if (snb, cell) not in existing_comments:
                    new_comments.append(
                        {
                            "id": _new_id(),
                            "notebook_id": snb,
                            "cell_id": cell,
                            "auto_comment": None,
                            "manual_comment": None,
                        }
                    )
    if new_grades:
        connection.execute(grade_table.insert(), new_grades)
    if updates:
        connection.execute(
            grade_table.update()
            .where(grade_table.c.id == bindparam("b_id"))
            .values(auto_score=bindparam("b_auto"), needs_manual_grade=bindparam("b_flag")),
            updates,
        )
    if new_comments:
        connection.execute(comments.insert(), new_comments)
    if penalties:
        connection.execute(
            notebooks.update()
            .where(notebooks.c.id == bindparam("b_id"))
            .values(late_submission_penalty=bindparam("b_penalty")),
            penalties,
        )
