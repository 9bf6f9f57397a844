"""What a batch has graded, kept in its output folder, so a rerun grades only what changed.

``<out>/.grading-state.sqlite`` holds one row per graded notebook: whose it is, the
**key** of what was graded (a hash of the submitted files, the master, the reference
results and the limits) and the result as JSON. Each result is written as soon as it
is graded (one small transaction), so a grader that stops in the middle of a batch
and is started again on the same folder resumes where it stopped; a rerun after one
late upload grades that one notebook; ``--student ID`` regrades the students named.
The outputs (CSV files, feedback, report, gradebook) are always written from the
store, for every student of the submissions found, so they are never out of date:
``mmlcalc_grade.cli.publish`` reads it back a few hundred students at a time
(:meth:`ResultStore.results_of`), so the command never holds the whole class's results.

>>> import tempfile
>>> from mmlcalc_grade.compare import TestResult
>>> folder = tempfile.mkdtemp()
>>> store = ResultStore(Path(folder) / STATE_FILE)
>>> test = TestResult("a.ipynb", "t1", 2.0, 2.0, "passed", "")
>>> result = SubmissionResult("ada", "week1", "a.ipynb", "graded", 2.0, 2.0, (test,), ())
>>> store.put(result, key="k1")
>>> store.get("week1", "ada", "a.ipynb", "k1") == result, store.get("week1", "ada", "a.ipynb", "k2")
(True, None)
>>> store.close()
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from pathlib import Path

from .batch import SubmissionJob, SubmissionResult
from .compare import TestResult

#: The store's file in the output folder.
STATE_FILE = ".grading-state.sqlite"
#: Bump when the meaning of a stored result changes: older rows are then regraded.
SCHEMA = 1


def result_to_json(result: SubmissionResult) -> str:
    return json.dumps(asdict(result), sort_keys=True)


def result_from_json(text: str) -> SubmissionResult:
    data = json.loads(text)
    known = {f.name for f in fields(SubmissionResult)}
    data = {k: v for k, v in data.items() if k in known}
    data["tests"] = tuple(TestResult(**test) for test in data["tests"])
    data["notes"] = tuple(data["notes"])
    return SubmissionResult(**data)


def job_key(job: SubmissionJob, files: Iterable[tuple[str, bytes]], reference_key: str) -> str:
    """What decides a notebook's grade: its files, the master and its reference, the limits."""
    digest = hashlib.sha256(f"{SCHEMA}|{job.master.sha256}|{reference_key}".encode())
    digest.update(repr((job.limits, job.deadlines, job.notes)).encode())
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


class ResultStore:
    """The graded notebooks of an output folder (SQLite; safe to share between threads)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS results (assignment TEXT, student TEXT, notebook TEXT,"
            " key TEXT, result TEXT, PRIMARY KEY (assignment, student, notebook))"
        )

    def get(self, assignment: str, student: str, notebook: str, key, any_key: bool = False):
        """The stored result of this notebook if it was graded with this ``key`` (or with any
        key: ``any_key``), else None."""
        with self.lock:
            row = self.db.execute(
                "SELECT key, result FROM results WHERE assignment=? AND student=? AND notebook=?",
                (assignment, student, notebook),
            ).fetchone()
        if row is None or (row[0] != key and not any_key):
            return None
        try:
            return result_from_json(row[1])
        except (ValueError, TypeError, KeyError):  # a row of an older grader: grade again
            return None

    def results_of(
        self, assignment: str, students: Sequence[str]
    ) -> dict[tuple[str, str], SubmissionResult]:
        """The stored results of ``students`` (a few hundred at most: one query), by
        ``(student, notebook)``; a row that no longer reads (an older grader's) is left out."""
        found: dict[tuple[str, str], SubmissionResult] = {}
        if not students:
            return found
        marks = ",".join("?" * len(students))
        with self.lock:
            rows = self.db.execute(
                f"SELECT student, notebook, result FROM results WHERE assignment=? "
                f"AND student IN ({marks})",
                (assignment, *students),
            ).fetchall()
        for student, notebook, text in rows:
            try:
                found[(student, notebook)] = result_from_json(text)
            except (ValueError, TypeError, KeyError):
                continue
        return found

    def put(self, result: SubmissionResult, key: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
                (result.assignment_id, result.student_id, result.notebook, key,
                 result_to_json(result)),
            )  # fmt: skip

    def close(self) -> None:
        with self.lock:
            self.db.close()
