"""Publishing streams from the results store: the same files as the list path, flat memory.

``mmlcalc_grade.cli.publish`` reads the results back from the store (``.grading-state.sqlite``)
a chunk of students at a time and appends to the open CSV files, writes the feedback pages
and autograded notebooks, tallies the report and feeds the gradebook, never holding the
class (issue 21, item 3). These tests publish a class made up without grading (real
``SubmissionResult`` values for the real masters, every status) both ways: through
``publish`` and through the list functions of ``outputs`` as ``publish`` used them before
(:func:`publish_from_list`), and compare every file; then they measure the peak memory of
publishing 500 and 5,000 students.
"""

from __future__ import annotations

import datetime
import json
import shutil
import statistics
import tracemalloc
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from gradebook_fixtures import REPOSITORY, gradebook_view

from mmlcalc_grade import cli, compare, outputs
from mmlcalc_grade.assignment import load_assignment
from mmlcalc_grade.autograded import write_autograded
from mmlcalc_grade.batch import SubmissionJob, SubmissionResult, ungraded
from mmlcalc_grade.store import STATE_FILE, ResultStore, result_to_json

DUE = datetime.datetime(2026, 11, 20, 17, 0, 0)
METADATA = {"assignment": "", "isolation": "sandbox", "graded_at": "2026-12-04T22:00:00+0000"}

#: (student, what their notebook gets, submitted late?): every status of a student and a test.
WEEK1 = [
    ("ada", "graded", False),
    ("<b>bea</b>", "failed", False),  # markup in a student id: escaped the same both ways
    ("cleo", "graded", True),
    ("dan", "missing", False),
    ("eve", "invalid-notebook", False),
    ("fay", "timeout", True),
    ("gus", "crashed", False),
    ("hal", "failed", True),
]
WEEK6 = [
    ("ada", "needs-manual-grading", False),
    ("bo", "partial", True),
    ("cy", "failed", False),
    ("di", "missing", False),
    ("ed", "partial", False),
    ("flo", "invalid-notebook", True),
]


def made_result(master, student: str, kind: str, index: int = 0) -> SubmissionResult:
    """What grading ``student``'s notebook could give: ``kind`` says how it went."""
    job = SubmissionJob(student, master_assignment(master), master, (), None)
    if kind == "missing":
        return ungraded(job, "missing", "no notebook was submitted for this part")
    if kind == "invalid-notebook":
        return ungraded(
            job, "invalid-notebook", "the notebook is not valid JSON (line 3, column 1): it was "
            "probably damaged while saving or uploading",
        )  # fmt: skip
    tests = []
    for number, test in enumerate(master.tests):
        status, points, message = "passed", test.points, ""
        if kind == "failed" and (number + index) % 3 == 0:
            status, points = "failed", 0.0
            message = f"expected {number + 6}, got {2 * number + 12}. Likely mistake: divided by h"
        elif kind == "partial" and number == len(master.tests) - 1:
            status, points = "partial", test.points / 2
            message = "it reaches the minimum (0 of 2 points): A hidden test failed: 3 of 3 differ"
        elif kind in ("timeout", "crashed") and number >= len(master.tests) // 2:
            status, points = "not-run", 0.0
            message = "not run: the whole notebook ran longer than the limit of 300 s"
        elif kind == "failed" and number == 1:
            status, points, message = "error", 0.0, "NotImplementedError: not implemented yet"
        task = master.task_of(test.grade_id)
        tests.append(compare.TestResult(master.name, test.grade_id, points, test.points, status,
                                        message, task))  # fmt: skip
    tests += [
        compare.TestResult(master.name, cell.grade_id, 0.0, cell.points, "needs-manual-grading",
                   "marked by hand by your instructor", cell.task or cell.grade_id)
        for cell in master.manual
    ]  # fmt: skip
    status = {"timeout": "timeout", "crashed": "crashed"}.get(kind, "graded")
    if master.manual and status == "graded":
        status = "needs-manual-grading"
    notes = ("the cell [3] stopped with ValueError: shapes (3,) and (4,) not aligned",)
    if kind in ("timeout", "crashed"):
        notes += (f"the notebook {kind}: tests that had not run score 0",)
    return SubmissionResult(
        student, master_assignment(master), master.name, status,
        float(sum(t.points for t in tests)), master.max_score, tuple(tests), notes,
        seconds=0.25 + index / 1000, code_seconds=0.125,
    )  # fmt: skip


def master_assignment(master) -> str:
    return Path(master.path).parent.name


def build_class(root: Path, week: str, students, store: ResultStore, late_policy: bool = True):
    """``(jobs, results)``: submission folders for ``students`` (a notebook, a timestamp) under
    ``root``, the jobs of a grader, and each job's result, put into ``store``."""
    from grading_fixtures import correct

    assignment = load_assignment(REPOSITORY / "source", week)
    jobs, results = [], []
    for index, (student, kind, late) in enumerate(students):
        folder = root / "submitted" / student / week
        for master in assignment.notebooks:
            path = None
            if kind != "missing":
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / master.name
                if kind == "invalid-notebook":
                    path.write_text('{"cells": [\n', encoding="utf-8")
                else:
                    nbformat.write(correct(nbformat.read(master.path, as_version=4)), str(path))
                stamp = DUE + datetime.timedelta(hours=5 if late else -2, minutes=index)
                (folder / "timestamp.txt").write_text(f"{stamp} UTC\n", encoding="utf-8")
            job = SubmissionJob(
                student, week, master, (), str(path) if path else None,
                str(folder) if path else None,
            )  # fmt: skip
            jobs.append(job)
            result = made_result(master, student, kind, index)
            store.put(result, key=f"key-{student}")
            results.append(result)
    return assignment, jobs, results


def prepared_for(assignment, jobs, store, out: Path, db_url, course_dir, policy, reused=0):
    prepared = cli.Prepared(
        assignment, jobs[reused:], out, db_url, "mmlcalc", store, reused=reused,
        course_dir=course_dir, duedate=DUE, policy=policy,
        metadata={**METADATA, "assignment": assignment.assignment_id}, all_jobs=jobs,
    )  # fmt: skip
    return prepared


def publish_from_list(prepared, results) -> int:
    """``publish`` as it was before it streamed: every result in one list, every grade built
    at once, each output written from the whole list (the functions ``outputs`` keeps)."""
    prepared.settle()
    out, assignment, notes = prepared.out, prepared.assignment, list(prepared.notes)
    if prepared.reused:
        notes.append(
            f"{len(results) - prepared.reused} notebooks graded in this run; "
            f"{prepared.reused} unchanged since an earlier run kept their results."
        )
    grades = outputs.summarise(results, assignment, prepared.lateness)
    outputs.write_csvs(out, grades)
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading.json").write_text(json.dumps(prepared.metadata, indent=2) + "\n")
    due = str(prepared.duedate) if prepared.duedate else ""
    outputs.write_feedback(out, grades, due)
    if prepared.course_dir is not None:
        jobs = {(job.student_id, job.master.name): job for job in prepared.all_jobs}
        for result in results:
            job = jobs.get((result.student_id, result.notebook))
            if job is not None:
                write_autograded(
                    prepared.course_dir, job.master, result, job.notebook_path, job.submission_dir
                )
    status = 0
    if prepared.db_url:
        try:
            outputs.write_gradebook(
                prepared.db_url, prepared.course, assignment, grades, prepared.duedate
            )
            notes.append(f"Scores written to the gradebook {prepared.db_url}.")
        except Exception as error:
            message = (
                f"the gradebook {prepared.db_url} was not updated: {type(error).__name__}: {error}"
            )
            notes.append("Warning: " + message + " (grades.csv and results.csv are complete).")
            status = cli.EXIT_GRADEBOOK_FAILED
    outputs.write_report(out, assignment, grades, notes)
    graded = sum(grade.status == "graded" for grade in grades)
    print(
        f"{assignment.assignment_id}: {len(grades)} students, {graded} graded completely, "
        f"{len(grades) - graded} not (see {out / 'report.html'})",
        end="",
    )
    return status


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path; an autograded notebook without the
    random ids nbformat gives the test cells it makes (they differ between any two runs)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".ipynb" and "autograded" in path.parts:
            notebook = json.loads(data)
            for cell in notebook["cells"]:
                cell.pop("id", None)
            data = json.dumps(notebook, sort_keys=True).encode()
        found[path.relative_to(folder).as_posix()] = data
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("week", "students"), [("week1", WEEK1), ("week6", WEEK6)])
def test_streaming_publish_writes_what_the_list_path_writes(
    tmp_path, capsys, monkeypatch, week, students
):
    from mmlcalc_grade.late import LatePolicy

    monkeypatch.setattr(cli, "PUBLISH_CHUNK", 3)  # chunks end inside the class
    store = ResultStore(tmp_path / STATE_FILE)
    assignment, jobs, results = build_class(tmp_path, week, students, store)
    # rows that are not this class's: a student who withdrew, another assignment
    ghost = replace(results[0], student_id="zz-withdrawn")
    store.put(ghost, key="old")
    store.put(replace(results[1], assignment_id="week9"), key="old")
    policy = LatePolicy(penalty_method="per_hour", penalty_points=1.0)
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"  # the same URL both ways: the same note
    before = publish_from_list(
        prepared_for(assignment, jobs, store, tmp_path / "list", db_url, tmp_path / "list-course",
                     policy, reused=3),
        results,
    )  # fmt: skip
    said_before = capsys.readouterr().out
    shutil.move(tmp_path / "gradebook.db", tmp_path / "list-gradebook.db")
    streamed = cli.publish(
        prepared_for(assignment, jobs, store, tmp_path / "stream", db_url,
                     tmp_path / "stream-course", policy, reused=3),
    )  # fmt: skip
    said = capsys.readouterr().out
    assert streamed == before == 0
    assert said == said_before.replace(str(tmp_path / "list"), str(tmp_path / "stream"))
    old, new = files_of(tmp_path / "list"), files_of(tmp_path / "stream")
    assert sorted(new) == sorted(old)
    for name in old:
        assert new[name] == old[name], name
    assert files_of(tmp_path / "stream-course") == files_of(tmp_path / "list-course")
    readable = [s for s, kind, _ in students if kind not in ("missing", "invalid-notebook")]
    autograded = files_of(tmp_path / "stream-course")
    assert len(autograded) == 2 * len(readable)  # each notebook and its timestamp.txt
    grades = (tmp_path / "stream" / "grades.csv").read_text()
    assert "zz-withdrawn" not in grades and len(grades.splitlines()) == len(students) + 1
    assert gradebook_view(db_url, "mmlcalc", week) == gradebook_view(
        f"sqlite:///{tmp_path / 'list-gradebook.db'}", "mmlcalc", week
    )
    report = (tmp_path / "stream" / "report.html").read_text()
    assert "3 unchanged since an earlier run kept their results" in report
    statuses = {line.split(",")[4] for line in grades.splitlines()[1:]}
    expected = {"graded", "missing", "invalid-notebook", "timeout", "crashed"}
    assert statuses == (expected if week == "week1" else {"needs-manual-grading", "missing",
                                                          "invalid-notebook"})  # fmt: skip
    tests = (tmp_path / "stream" / "results.csv").read_text()
    assert all(s in tests for s in ((",failed,", ",error,", ",not-run,") if week == "week1"
                                    else (",partial,", ",needs-manual-grading,")))  # fmt: skip
    store.close()


@pytest.mark.slow
def test_a_failing_gradebook_leaves_every_file_complete_when_streaming(tmp_path, capsys):
    store = ResultStore(tmp_path / STATE_FILE)
    assignment, jobs, _ = build_class(tmp_path, "week1", WEEK1, store)
    with store.lock:  # a row lost under the command: that notebook is reported, not dropped
        store.db.execute("DELETE FROM results WHERE student = 'ada'")
    db_url = f"sqlite:///{tmp_path / 'no-such-folder' / 'gradebook.db'}"
    status = cli.publish(prepared_for(assignment, jobs, store, tmp_path / "out", db_url, None,
                                      None))  # fmt: skip
    assert status == cli.EXIT_GRADEBOOK_FAILED
    capsys.readouterr()
    out = tmp_path / "out"
    assert len((out / "grades.csv").read_text().splitlines()) == len(WEEK1) + 1
    assert len(list((out / "feedback").rglob("*.html"))) == len(WEEK1)
    assert "was not updated" in (out / "report.html").read_text()
    assert not list(out.glob(".*.partial"))
    assert "ada,week1,0,20,crashed,,0,0" in (out / "grades.csv").read_text().splitlines()
    assert "not found in the results store" in (out / "report.html").read_text()
    store.close()


def report_from_the_list(assignment, grades, notes) -> outputs.ReportData:
    """The report's numbers computed straight from the whole list (what the tally must give)."""
    graded = [g for g in grades if g.status != "missing" and g.status not in outputs.UNGRADABLE]
    scores = [g.score for g in graded]
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
            task = master.task_of(test.grade_id)
            rows.append(outputs.TestRow(test.grade_id, master.name, test.points, rate, task))
    rows.sort(key=lambda row: (row.rate, row.notebook, row.grade_id))
    not_graded = tuple(
        outputs.NotGradedRow(
            g.student_id,
            g.status,
            g.score,
            "; ".join(note for r in g.results if r.status != "graded" for note in r.notes[-1:]),
        )
        for g in grades
        if g.status not in ("graded", "needs-manual-grading")
    )
    return outputs.ReportData(
        assignment_id=assignment.assignment_id,
        students=len(grades),
        graded_completely=sum(g.status == "graded" for g in grades),
        needs_manual=sum(g.status == "needs-manual-grading" for g in grades),
        ungradable=sum(g.status in outputs.UNGRADABLE for g in grades),
        late=sum(g.seconds_late > 0 for g in grades),
        max_score=assignment.max_score,
        mean=statistics.mean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        notes=tuple(notes),
        fractions=tuple(g.score / g.max_score if g.max_score else 0.0 for g in graded),
        tests=tuple(rows),
        not_graded=not_graded,
    )


def test_the_report_tally_in_chunks_gives_the_numbers_of_the_whole_list():
    from gradebook_fixtures import synthetic_class

    for week in ("week1", "week6"):
        assignment, grades = synthetic_class(week, 60, seed=3)
        expected = report_from_the_list(assignment, grades, ["a note"])
        assert {g.status for g in grades} - {"graded"}, "the class has more than one status"
        tally = outputs.ReportTally(assignment)
        for start in range(0, len(grades), 7):
            tally.add(grades[start : start + 7])
        assert tally.data(["a note"]) == expected
        assert outputs.report_data(assignment, grades, ["a note"]) == expected


# --- memory ---------------------------------------------------------------------------------


def fill_store(store: ResultStore, template: SubmissionResult, students: int) -> list[str]:
    """``students`` copies of ``template`` under other student ids (one transaction)."""
    ids = [f"learner{index:06d}" for index in range(students)]
    data = json.loads(result_to_json(template))
    rows = (
        (template.assignment_id, student, template.notebook, "k",
         json.dumps({**data, "student_id": student, "score": float(index % 21)}, sort_keys=True))
        for index, student in enumerate(ids)
    )  # fmt: skip
    with store.lock:
        store.db.execute("BEGIN")
        store.db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)", rows)
        store.db.execute("COMMIT")
    return ids


def empty_gradebook(path: Path) -> Path:
    """A new SQLite gradebook with nbgrader's tables (creating them takes nbgrader seconds)."""
    from mmlcalc_grade import gradebook

    gradebook._open(f"sqlite:///{path}", "mmlcalc").close()
    return path


def publishing_peak(root: Path, students: int, streaming: bool = True, empty=None) -> int:
    """Peak bytes Python allocated while publishing ``students`` week 1 results (feedback,
    CSV files, report and an SQLite gradebook: a copy of ``empty`` if given), above what was
    held before."""
    root.mkdir(parents=True)
    if empty is not None:
        shutil.copyfile(empty, root / "gb.db")
    assignment = load_assignment(REPOSITORY / "source", "week1")
    master = assignment.notebooks[0]
    store = ResultStore(root / STATE_FILE)
    template = made_result(master, "template", "failed")
    ids = fill_store(store, template, students)
    jobs = [SubmissionJob(s, "week1", master, (), str(root / s / master.name)) for s in ids]
    prepared = prepared_for(assignment, jobs, store, root / "out", f"sqlite:///{root / 'gb.db'}",
                            None, None)  # fmt: skip
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        if streaming:
            cli.publish(prepared)
        else:
            stored = store.results_of("week1", ids)  # what grade() used to return: everything
            publish_from_list(prepared, [stored[(s, master.name)] for s in ids])
            del stored
        peak = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
        store.close()
    assert len((root / "out" / "grades.csv").read_text().splitlines()) == students + 1
    return peak


@pytest.mark.slow
def test_publishing_memory_stays_flat_however_large_the_class(tmp_path, capsys):
    publishing_peak(tmp_path / "warm", 20)  # imports (nbgrader, SQLAlchemy), templates: once
    empty = empty_gradebook(tmp_path / "empty.db")
    small = publishing_peak(tmp_path / "small", 500, empty=empty)
    large = publishing_peak(tmp_path / "large", 5000, empty=empty)
    capsys.readouterr()
    print(f"publish peak: {small / 2**20:.1f} MB for 500 students, {large / 2**20:.1f} MB for 5000")
    assert large < 2 * small, (small, large)
