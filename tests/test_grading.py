"""``mmlcalc-grade``: record-and-compare grading of a whole class (issue 9).

One week-1 batch holds every malformed and adversarial submission of the issue
(``grading_fixtures.week1_cases``) plus the wrong answers of ``course_harness.MUTATIONS``;
it is graded once into a fresh SQLite gradebook and once more without one (the two
runs must write identical CSV files), in a module-scoped fixture. Every other
assignment in ``source/`` gets a small honest batch (correct, partly correct,
blank) as a zip. Time limits are short (2 s per cell, 12 s per submission) so the
timeout cases cost little.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from course_harness import (
    BEGIN_HIDDEN,
    END_HIDDEN,
    MUTATIONS,
    REPOSITORY,
    assignment_ids,
    distinctive_lines,
    read_notebook,
    write_notebook,
)
from grading_fixtures import (
    MARKUP_ERROR,
    MARKUP_OUTPUT,
    MARKUP_STUDENT,
    W1,
    W1_NAME,
    Week1Outputs,
    correct,
    master_of,
    page_elements,
    page_text,
    read_csv,
    run_cli,
    week1_cases,
    write_case,
    write_honest_batch,
)

from mmlcalc_grade import compare, tester, values
from mmlcalc_grade.assignment import load_assignment

ASSIGNMENTS = assignment_ids()
CASES = {case.student: case for case in week1_cases()}
W1_MUTATIONS = [m for m in MUTATIONS if m.assignment_id == W1]
LIMITS = ["--cell-timeout", "2", "--timeout", "12", "--jobs", "2"]
#: For batches without endless loops: room for a slow week on a busy machine.
ROOMY = ["--cell-timeout", "30", "--timeout", "300", "--jobs", "2"]


@pytest.fixture(scope="module")
def cache(reference_cache) -> Path:
    """The session's reference cache (tests/conftest.py): each master's reference runs once."""
    return reference_cache


@dataclass
class Batch(Week1Outputs):
    root: Path
    out: Path
    again: Path
    db: Path
    status: int
    again_status: int
    stdout: str


@pytest.fixture(scope="module")
def batch(tmp_path_factory, cache) -> Batch:
    folder = tmp_path_factory.mktemp("week1-batch")
    root = folder / "submitted"
    for case in CASES.values():
        write_case(root, case)
    _, master = master_of(W1)
    for mutation in W1_MUTATIONS:
        write_notebook(correct(mutation.apply(master)), root / mutation.student / W1 / W1_NAME)
    db = folder / "gradebook.db"
    common = [W1, root, *LIMITS, "--cache", cache]
    status, stdout, _ = run_cli(*common, "--out", folder / "out", "--gradebook", f"sqlite:///{db}")
    again_status, _, _ = run_cli(*common, "--out", folder / "again", "--no-gradebook")
    return Batch(root, folder / "out", folder / "again", db, status, again_status, stdout)


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_batch_completes_and_exits_0(batch):
    assert batch.status == 0 and batch.again_status == 0
    expected = set(CASES) | {m.student for m in W1_MUTATIONS}
    assert set(batch.grades()) == expected
    assert "students" in batch.stdout


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.parametrize("student", sorted(CASES))
def test_each_submission_gets_its_status_score_and_a_clear_message(batch, student):
    case = CASES[student]
    full = load_assignment(REPOSITORY / "source", W1).max_score
    row = batch.grades()[student]
    assert row["status"] == case.status, row
    assert float(row["max_score"]) == full
    assert float(row["score"]) == (full if case.score is None else case.score), row
    results = batch.results(student)
    for grade_id, result in results.items():
        expected = 0.0 if grade_id in case.lost else float(result["max_points"])
        assert float(result["points"]) == expected, result
    if case.message:
        shown = page_text(batch.feedback(student))
        assert case.message in shown, shown


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.parametrize("mutation", W1_MUTATIONS, ids=lambda m: m.student)
def test_wrong_answers_lose_exactly_their_cells_and_name_the_mistake(batch, mutation):
    results = batch.results(mutation.student)
    for grade_id, result in results.items():
        expected = 0.0 if grade_id in mutation.lost else float(result["max_points"])
        assert float(result["points"]) == expected, result
    messages = " ".join(results[g]["message"] for g in mutation.lost)
    assert mutation.message in messages


@pytest.mark.slow
@pytest.mark.sandbox
def test_grading_twice_gives_identical_csv_files(batch):
    for name in ("grades.csv", "results.csv"):
        assert (batch.out / name).read_bytes() == (batch.again / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.sandbox
def test_feedback_shows_no_hidden_test_code_and_no_hidden_expected_value(batch, cache):
    assignment = load_assignment(REPOSITORY / "source", W1)
    (master,) = assignment.notebooks
    hidden_lines = distinctive_lines(read_notebook(Path(master.path)), BEGIN_HIDDEN, END_HIDDEN)
    from mmlcalc_grade.batch import reference_records
    from mmlcalc_grade.deadlines import Deadlines
    from mmlcalc_grade.protocol import Limits
    from mmlcalc_grade.session import GradingSession

    with GradingSession() as session:
        reference = reference_records(
            master, session, Limits(), Deadlines(notebook=60, cell=30), str(cache)
        )
    secrets = set()
    for chunk, message in zip(master.chunks(), reference, strict=True):
        if not chunk.hidden:
            continue
        for record in message["records"]:
            if record["kind"] == "close":
                expected = np.ravel(values.rebuild(record["expected"]))
                secrets |= {f"{v:.6g}" for v in expected if len(f"{v:.6g}") >= 6}
    assert hidden_lines and secrets
    pages = list((batch.out / "feedback").rglob("*.html"))
    assert len(pages) == len(batch.grades())
    for page in pages:
        text = page_text(page)
        lines = {line.strip() for line in text.splitlines()}
        assert not hidden_lines & lines, page
        leaked = {s for s in secrets if s in text}
        assert not leaked, f"{page}: {sorted(leaked)[:3]}"
        assert "Traceback" not in text


@pytest.mark.slow
@pytest.mark.sandbox
def test_hidden_failures_name_the_check_and_the_likely_mistake_only(batch):
    result = batch.results("visible_only")["w1_forward_difference_matches_formula"]
    assert result["message"].startswith("A hidden test failed: ")
    assert "Likely mistake: a negative h steps to the left of x" in result["message"]
    assert "expected" not in result["message"]


#: Every tag the feedback pages and the report are made of (the templates' and the histogram's).
PAGE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "code",
    "table", "tr", "th", "td", "svg", "rect", "text", "line",
}  # fmt: skip


def assert_shown_as_text(page: str, *markup: str) -> None:
    """``markup`` (learners' text that looks like HTML) is in the page as text, never as tags."""
    tags, text = page_elements(page)
    assert page.startswith("<!DOCTYPE html>")
    assert {tag for tag, _ in tags} <= PAGE_TAGS, {tag for tag, _ in tags} - PAGE_TAGS
    assert not [name for _, attrs in tags for name, _ in attrs if name.startswith("on")]
    for piece in markup:
        assert piece in text, piece
        assert piece not in page, f"{piece} is in the page unescaped"
    for raw in ("<script", "<img", "onerror=alert(1)>", '"bold"'):
        assert raw not in page, raw


@pytest.mark.slow
@pytest.mark.sandbox
def test_markup_from_a_learner_comes_back_escaped_in_feedback_and_report(batch):
    """The markup submission (grading_fixtures._markup): its student id holds <b> and quotes,
    a function raises ValueError("<img src=x onerror=alert(1)>"), another returns (and prints)
    <script>alert(1)</script>, which the check's message quotes, and a cell raises one. Every
    piece shows as text in its feedback page; the student id and the reason also in the
    report, where the crashed submission is listed."""
    feedback = batch.feedback(MARKUP_STUDENT).read_text()
    assert_shown_as_text(feedback, MARKUP_STUDENT, MARKUP_ERROR, f"got the text '{MARKUP_OUTPUT}'")
    assert f"RuntimeError: {MARKUP_OUTPUT}" in page_elements(feedback)[1]
    report = (batch.out / "report.html").read_text()
    assert_shown_as_text(report, MARKUP_STUDENT)
    assert MARKUP_STUDENT in page_elements(report)[1].split("crashed")[0]


def test_every_text_of_the_pages_is_escaped_whatever_field_it_comes_from():
    """The templates escape every field, not only the ones a learner controls today."""
    from mmlcalc_grade import outputs
    from mmlcalc_grade.batch import SubmissionResult

    def tag(name: str) -> str:
        return f'<img src=x onerror="{name}">'

    test = compare.TestResult(
        tag("notebook"), tag("grade_id"), 0.0, 2.0, tag("status"), tag("m"), tag("task")
    )
    result = SubmissionResult(
        tag("student"), tag("assignment"), tag("notebook"), tag("status"), 0.0, 2.0,
        (test,), (tag("note"),),
    )  # fmt: skip
    grade = outputs.StudentGrade(
        tag("student"), tag("assignment"), 0.0, 2.0, tag("status"), tag("submitted"), 3600.0,
        1.0, (result,),
    )  # fmt: skip
    master = SimpleNamespace(
        name=tag("notebook"),
        tests=[SimpleNamespace(grade_id=tag("grade_id"), points=2.0)],
        task_of=lambda grade_id: tag("task"),
    )
    assignment = SimpleNamespace(assignment_id=tag("assignment"), max_score=2.0, notebooks=[master])
    late = outputs._late_note(grade, tag("due"))
    feedback = outputs.feedback_page(result, late)
    report = outputs.report_page(assignment, [grade], [tag("report note")])
    for page, names in (
        (feedback, ("student", "assignment", "notebook", "status", "grade_id", "m", "note",
                    "task", "submitted", "due")),
        (report, ("student", "assignment", "notebook", "status", "grade_id", "report note",
                  "task")),
    ):  # fmt: skip
        assert_shown_as_text(page, *(tag(name) for name in names))


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_gradebook_holds_every_score(batch):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{batch.db}", "mmlcalc") as gradebook:
        for student, row in batch.grades().items():
            try:
                submission = gradebook.find_submission(W1, student)
            except MissingEntry:
                pytest.fail(f"{student} is missing from the gradebook")
            assert submission.score == float(row["score"]), student
            assert submission.max_score == float(row["max_score"])
            flagged = row["status"] == "invalid-notebook"
            assert submission.needs_manual_grade == flagged, student


@pytest.mark.slow
@pytest.mark.sandbox
def test_nbgrader_export_shows_the_scores(batch, tmp_path):
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter"))
    env.pop("MMLCALC_DB_URL", None)
    target = tmp_path / "export.csv"
    completed = subprocess.run(
        [
            sys.executable, "-m", "nbgrader", "export",
            f"--CourseDirectory.db_url=sqlite:///{batch.db}",
            "--CourseDirectory.course_id=mmlcalc",
            f"--CourseDirectory.root={tmp_path}",
            f"--to={target}",
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    exported = {row["student_id"]: row for row in read_csv(target)}
    for student, row in batch.grades().items():
        assert float(exported[student]["score"]) == float(row["score"]), student


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_report_shows_histogram_pass_rates_and_ungraded_submissions(batch):
    page = (batch.out / "report.html").read_text()
    assert "<svg" in page and "histogram of scores" in page
    assignment = load_assignment(REPOSITORY / "source", W1)
    for test in assignment.notebooks[0].tests:
        assert test.grade_id in page
    text = page_text(batch.out / "report.html")
    for student, case in CASES.items():
        if case.status != "graded":
            assert student in text and case.status in text
    assert "Scores written to the gradebook" in text


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_assignment_grades_correct_partly_and_blank_work_from_a_zip(
    assignment_id, tmp_path, cache
):
    kinds = write_honest_batch(tmp_path / "submitted", assignment_id, 3)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((tmp_path / "submitted").rglob("*.ipynb")):
            zipped.write(path, path.relative_to(tmp_path).as_posix())
    status, _, err = run_cli(
        assignment_id, archive, "--out", tmp_path / "out", *ROOMY, "--cache", cache
    )
    assert status == 0, err
    masters = load_assignment(REPOSITORY / "source", assignment_id).notebooks
    full = sum(master.auto_score for master in masters)  # hand-marked points wait for a human
    waiting = "needs-manual-grading" if any(master.manual for master in masters) else "graded"
    for row in read_csv(tmp_path / "out" / "grades.csv"):
        assert row["status"] == waiting, row
        assert float(row["max_score"]) == sum(master.max_score for master in masters)
        score = float(row["score"])
        kind = kinds[row["student_id"]]
        assert {"correct": score == full, "blank": score == 0, "partly": 0 < score < full}[kind], (
            row
        )


#: Week 5 answers that never stop: one spins without calling f (only the test's own
#: 3 s alarm, in the test process, can stop it), one keeps calling f and swallows
#: every Exception (the test's call counter raises a BaseException, across the pipe).
RUNAWAY_NEWTON = {
    "spins": """
import numpy as np


def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    x = x0
    while True:
        x = x + 0.0
""",
    "swallows": """
import numpy as np


def newton_raphson(f, df, x0, tol=1e-10, max_iter=50, bound=1e8):
    path = [x0]
    while True:
        try:
            path.append(path[-1] - f(path[-1]) / df(path[-1]))
        except Exception:
            pass
""",
}


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_tests_own_time_budget_stops_a_runaway_answer_across_processes(tmp_path, cache):
    """Week 5's run_with_budget (signal.setitimer in the test) and counted() still work when
    the learner's function runs in another process: the runaway answers fail their tests
    with the budget's message, in bounded time, and every other test keeps its points."""
    name, master = master_of("week5")
    for student, source in RUNAWAY_NEWTON.items():
        notebook = correct(master)
        next(
            c
            for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") == "w5_newton_raphson"
        ).source = source.strip()
        write_notebook(notebook, tmp_path / "in" / student / "week5" / name)
    started = time.monotonic()
    limits = ["--cell-timeout", "20", "--timeout", "200", "--cache", cache]
    status, _, err = run_cli("week5", tmp_path / "in", "--out", tmp_path / "out", *limits)
    seconds = time.monotonic() - started
    assert status == 0, err
    newton = {"w5_newton_converges", "w5_newton_detects_failures"}
    for row in read_csv(tmp_path / "out" / "results.csv"):
        if row["grade_id"] in newton:
            assert float(row["points"]) == 0 and row["status"] == "error", row
            assert "did not stop" in row["message"], row
        else:
            assert float(row["points"]) == float(row["max_points"]), row
    # each of the 4 newton test parts stops at its first 3 s budget: far below 4 x 20 s
    assert seconds < 60, f"{seconds:.0f} s"


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_flat_folder_of_notebooks_and_a_failing_gradebook(tmp_path, cache):
    _, master = master_of(W1)
    write_notebook(correct(master), tmp_path / "in" / "alice.ipynb")
    (tmp_path / "in" / "bob.ipynb").write_text("not a notebook")
    url = f"sqlite:///{tmp_path / 'no such folder' / 'gradebook.db'}"
    status, _, err = run_cli(
        W1, tmp_path / "in", "--out", tmp_path / "out", *LIMITS, "--cache", cache,
        "--gradebook", url,
    )  # fmt: skip
    assert status == 3 and "gradebook" in err
    rows = {row["student_id"]: row for row in read_csv(tmp_path / "out" / "grades.csv")}
    assert rows["alice"]["score"] == "20" and rows["alice"]["status"] == "graded"
    assert rows["bob"]["status"] == "invalid-notebook"
    assert (tmp_path / "out" / "report.html").exists()


@pytest.mark.slow
@pytest.mark.sandbox
def test_the_grader_exits_non_zero_with_a_clear_message_when_it_cannot_run(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "mmlcalc_grade", "week99", str(tmp_path), "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "unknown assignment 'week99'" in completed.stderr
    source = tmp_path / "source" / "broken"
    source.mkdir(parents=True)
    (source / "broken.ipynb").write_text("{")
    status, _, err = run_cli("broken", tmp_path, "--out", tmp_path / "out", "--source",
                             tmp_path / "source")  # fmt: skip
    assert status == 2 and "cannot read the master" in err
    assert not (tmp_path / "out" / "grades.csv").exists()


# --- the pieces, without a worker ----------------------------------------------------------


def test_a_hidden_failure_never_shows_the_expected_value():
    reference = {
        "records": [
            {"kind": "close", "name": "f(hidden input)", "expected": values.record(123.456789),
             "rtol": 1e-7, "atol": 1e-10, "mistakes": [["sign", values.record(-123.456789)]],
             "hint": None}
        ]
    }  # fmt: skip
    learner = {"records": [{"kind": "close", "got": values.record(-123.456789)}], "error": None}
    status, message = compare.grade_chunk("cell", True, reference, learner)
    assert status == "failed" and "123.457" not in message and "Likely mistake: sign" in message
    status, message = compare.grade_chunk("cell", False, reference, learner)
    assert "expected 123.457" in message
    assert compare.grade_chunk("cell", True, reference, {"records": [], "error": None})


# --- the benchmark's helpers (no timing asserted) ------------------------------------------


@pytest.mark.slow
@pytest.mark.sandbox
def test_benchmark_helpers_build_grade_and_compare(tmp_path, cache):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "grading_throughput", REPOSITORY / "benchmarks" / "grading_throughput.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    kinds = bench.build_batch(tmp_path / "submitted", 3, [W1])
    assert sorted(kinds.values()) == ["blank", "correct", "partly"]
    seconds, scores = bench.grade_with_mmlcalc(
        tmp_path / "submitted", tmp_path / "out", [W1], 2, cache
    )
    assert seconds > 0 and set(scores) == set(kinds)
    by_kind = {kinds[key]: score for key, score in scores.items()}
    assert by_kind["correct"] == 20 and by_kind["blank"] == 0 and 0 < by_kind["partly"] < 20
    assert bench.disagreements(scores, dict(scores)) == []
    changed = {**scores, next(iter(scores)): -1.0}
    assert len(bench.disagreements(scores, changed)) == 1
    per_submission, code = bench.learner_code_overhead(tmp_path / "submitted", [W1], cache)
    assert per_submission > code > 0
    # as an instructor runs it: into its own course's gradebook, read back from there
    seconds, in_gradebook = bench.grade_as_instructor(
        tmp_path / "course", tmp_path / "submitted", [W1], 2, cache
    )
    assert seconds[W1] > 0 and in_gradebook == scores
    assert (tmp_path / "course" / "course" / "autograded").is_dir()


def test_progress_bar_and_default_gradebook(tmp_path, monkeypatch):
    from mmlcalc_grade import cli

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        progress = cli.Progress(enabled=True)
        progress(1, 4)
        progress(4, 4)
    assert "1/4 graded" in err.getvalue() and "left" in err.getvalue()
    for name in ("MMLCALC_DB_URL", "MMLCALC_COURSE_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert cli.default_gradebook(tmp_path) is None
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert cli.default_gradebook(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    monkeypatch.setenv("MMLCALC_DB_URL", "postgresql://grader@db/course")
    assert cli.default_gradebook(tmp_path) == "postgresql://grader@db/course"


def test_exact_checks_compare_plain_text_in_the_grader():
    """expect_equal records plain text, so a str whose == is always True earns nothing."""

    class AlwaysEqual(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    recorder = tester.Recorder(reference=True)
    recorder.expect_equal("saddle", "saddle", "classify(H)", hint="look at the eigenvalues")
    (reference,) = recorder.records
    learner = tester.Recorder(reference=False)
    learner.expect_equal(AlwaysEqual("minimum"), "anything", "classify(H)")
    learner.expect_equal("saddle", "anything", "classify(H)")
    forged, honest = learner.records
    assert "expected" not in forged  # the learner's side never supplies the expected value
    message = compare.compare_record(reference, forged)
    assert message == (
        "classify(H): expected 'saddle', got 'minimum'. Hint: look at the eigenvalues"
    )
    assert compare.compare_record(reference, honest) is None
