"""A grader stopped in the middle of a batch resumes where it stopped; reruns grade only changes.

The results store (``<out>/.grading-state.sqlite``) keeps each notebook as it is graded.
Killing ``mmlcalc-grade`` (SIGKILL, no clean-up) after some notebooks and starting it
again on the same folder grades only the rest, and the outputs equal those of an
undisturbed run; a rerun after one upload grades that one notebook.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from course_harness import write_notebook
from grading_fixtures import W1, correct, master_of, read_csv, replace_in_answer

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

STUDENTS = 8
STATE = ".grading-state.sqlite"


def command(submitted: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mmlcalc_grade", W1, str(submitted), "--out", str(out),
            "--jobs", "1", "--no-gradebook", "--quiet", "--cache", str(cache), *extra]  # fmt: skip


def stored(out: Path) -> int:
    try:
        with sqlite3.connect(out / STATE) as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def batch(tmp_path_factory, reference_cache):
    root = tmp_path_factory.mktemp("resume")
    name, master = master_of(W1)
    good = correct(master)
    slip = replace_in_answer(good, "w1_central_difference", "/ (2 * h)", "/ h")
    for index in range(STUDENTS):
        notebook = slip if index % 3 == 0 else good
        write_notebook(notebook, root / "submitted" / f"s{index}" / W1 / name)
    return root, name, slip, good, reference_cache


def test_a_killed_grader_resumes_and_writes_what_an_undisturbed_run_writes(batch):
    root, *_, cache = batch
    undisturbed = root / "undisturbed"
    subprocess.run(command(root / "submitted", undisturbed, cache), check=True, timeout=600)
    stopped = root / "stopped"
    process = subprocess.Popen(command(root / "submitted", stopped, cache), start_new_session=True)
    deadline = time.monotonic() + 300
    while stored(stopped) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # no clean-up at all: a crash, a power cut
    process.wait(30)
    before = stored(stopped)
    assert 2 <= before < STUDENTS, "the kill came too late to test a resume"
    resumed = subprocess.run(
        command(root / "submitted", stopped, cache), capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr
    report = (stopped / "report.html").read_text()
    assert f"{STUDENTS - before} notebooks graded in this run" in report
    assert f"{before} unchanged since an earlier run kept their results" in report
    for name in ("grades.csv", "results.csv"):
        assert read_csv(stopped / name) == read_csv(undisturbed / name), name


def test_a_rerun_after_one_upload_grades_that_notebook_only(batch):
    root, name, slip, good, cache = batch
    out = root / "rerun"
    subprocess.run(command(root / "submitted", out, cache), check=True, timeout=600)
    write_notebook(good, root / "submitted" / "s0" / W1 / name)  # s0 fixes the slip
    again = subprocess.run(
        command(root / "submitted", out, cache), capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    assert "1 notebooks graded in this run" in (out / "report.html").read_text()
    scores = {row["student_id"]: row["score"] for row in read_csv(out / "grades.csv")}
    assert scores["s0"] == "20" and len(scores) == STUDENTS
    write_notebook(slip, root / "submitted" / "s0" / W1 / name)
