"""``mmlcalc-grade ASSIGNMENT SUBMISSIONS --out DIR``: grade a whole class in one command.

Exit status: 0 when the batch was graded (whatever the learners' results); 2 when
the grader cannot run (unknown assignment, unreadable master or submissions, a
reference solution that fails its own tests); 3 when the batch was graded and the
CSV files written but the gradebook could not be updated.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mmlcalc

from . import pools, sandbox
from .assignment import AssignmentError, load_assignment
from .batch import SubmissionJob, reference_records, run_batch
from .outputs import summarise, write_csvs, write_feedback, write_gradebook, write_report
from .runner import RunSettings
from .submissions import SubmissionsError, extract_zip, find_submissions

EXIT_GRADER_CANNOT_RUN = 2
EXIT_GRADEBOOK_FAILED = 3


def default_source() -> Path:
    """The repository's ``source/`` next to the package (editable install), else ``./source``."""
    repository_source = Path(mmlcalc.__file__).resolve().parents[1] / "source"
    return repository_source if repository_source.is_dir() else Path.cwd() / "source"


def default_cache() -> Path:
    if os.environ.get("MMLCALC_GRADE_CACHE"):
        return Path(os.environ["MMLCALC_GRADE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mmlcalc-grade"


def default_gradebook(cwd: Path) -> str | None:
    """SQLite in the course when run in a course directory (a folder with nbgrader_config.py).

    Follows the course's ``autograder/nbgrader_config.py``: ``MMLCALC_DB_URL`` if set,
    else ``gradebook.db`` in ``MMLCALC_COURSE_DIR`` or in the current folder.
    """
    if not (cwd / "nbgrader_config.py").is_file():
        return None
    if os.environ.get("MMLCALC_DB_URL"):
        return os.environ["MMLCALC_DB_URL"]
    root = Path(os.environ.get("MMLCALC_COURSE_DIR") or cwd).resolve()
    return f"sqlite:///{root / 'gradebook.db'}"


def protected_paths(source, submissions, out, cache, db_url) -> tuple[str, ...]:
    """What a sandbox must never show, even inside a folder it shows (created if missing)."""
    paths = [Path(source), Path(submissions), Path(out), Path.home()]
    if cache:
        paths.append(Path(cache))
    if db_url and db_url.startswith("sqlite:///"):
        paths.append(Path(db_url.removeprefix("sqlite:///")))
    for path in (Path(out), Path(cache) if cache else None):
        if path is not None:
            with contextlib.suppress(OSError):
                path.mkdir(parents=True, exist_ok=True)
    return tuple(str(path.resolve()) for path in paths)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mmlcalc-grade",
        description="Grade every submission of an assignment against the reference solutions, "
        "in parallel, with each notebook in a process of its own.",
    )
    p.add_argument("assignment", help="assignment id, e.g. week1 (a folder of the source folder)")
    p.add_argument(
        "submissions",
        help="nbgrader's submitted/ (<student>/<assignment>/<notebook>.ipynb), a folder of "
        "<student>.ipynb files, or a .zip of either",
    )
    p.add_argument(
        "--out", required=True, help="where grades.csv, results.csv, feedback/ and report.html go"
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="submissions graded at once (default: the number of cores)",
    )
    p.add_argument(
        "--gradebook",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL of the nbgrader gradebook to write the scores into "
        "(default: the course's SQLite gradebook when run in a course directory)",
    )
    p.add_argument("--no-gradebook", action="store_true", help="write no gradebook")
    p.add_argument("--course", default="mmlcalc", help="course id in the gradebook")
    p.add_argument(
        "--source", default=None, help="the folder of masters (default: the repository's source/)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="wall-clock limit of one submission, seconds (default 300)",
    )
    p.add_argument(
        "--cell-timeout",
        type=float,
        default=30.0,
        help="time limit of one cell or test chunk, seconds (default 30)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=2048,
        help="address-space limit of a notebook's process, MB (0: none; default 2048)",
    )
    p.add_argument(
        "--isolation",
        choices=("auto", "sandbox", "none"),
        default="auto",
        help="where learners' code runs: 'sandbox' (bubblewrap; stop if it cannot start), "
        "'none' (plain processes), 'auto' (the sandbox if it works here, else a warning; "
        "the default)",
    )
    p.add_argument(
        "--disk",
        type=int,
        default=512,
        help="in the sandbox: MB a submission may write in its folder and /tmp (default 512)",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=64,
        help="in the sandbox: processes a submission may run at once (default 64)",
    )
    p.add_argument(
        "--cache",
        default=None,
        help="folder of cached reference results "
        "(default: ~/.cache/mmlcalc-grade or $MMLCALC_GRADE_CACHE)",
    )
    p.add_argument("--no-cache", action="store_true", help="always run the reference again")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


class Progress:
    """A progress bar with the time left, on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled, self.started = enabled, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        left = elapsed / done * (total - done) if done else 0.0
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} graded, "
            f"{int(left) // 60}:{int(left) % 60:02d} left "
        )
        sys.stderr.flush()
        if done == total:
            sys.stderr.write("\n")


def fail(message: str) -> int:
    print(f"mmlcalc-grade: error: {message}", file=sys.stderr)
    return EXIT_GRADER_CANNOT_RUN


def _decide_and_prestart(isolation, protected, processes: int, jobs: int) -> pools.Decision:
    """Sandbox or not (the warning is printed by the caller); then start ``jobs`` test processes."""
    decision = pools.resolve(isolation, protected, processes, warn=False)
    pools.prestart(isolation, protected, processes, jobs)
    return decision


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    source = Path(args.source) if args.source else default_source()
    submissions = Path(args.submissions)
    out = Path(args.out)
    cache = None if args.no_cache else str(Path(args.cache) if args.cache else default_cache())
    db_url = None if args.no_gradebook else (args.gradebook or default_gradebook(Path.cwd()))
    deciding, protected = None, None
    if (source / args.assignment).is_dir() and submissions.exists():
        # deciding sandbox or not starts a sandbox, and the test processes take a second
        # to start: do both while the masters are read (nbformat alone takes a second)
        protected = protected_paths(source, submissions, out, cache, db_url)
        deciding = ThreadPoolExecutor(max_workers=1)
        decision_of = deciding.submit(
            _decide_and_prestart, args.isolation, protected, args.processes, args.jobs
        )
        deciding.shutdown(wait=False)
    try:
        assignment = load_assignment(source, args.assignment)
    except AssignmentError as error:
        return fail(str(error))
    if not submissions.exists():
        return fail(f"no submissions at {submissions}")
    settings = RunSettings(
        cell_timeout=args.cell_timeout,
        memory_mb=args.memory,
        disk_mb=args.disk,
        processes=args.processes,
        isolation=args.isolation,
        protected=protected or protected_paths(source, submissions, out, cache, db_url),
    )
    try:
        if deciding is not None:
            decision = decision_of.result()
        else:
            decision = _decide_and_prestart(
                settings.isolation, settings.protected, settings.processes, args.jobs
            )
    except sandbox.SandboxUnavailable as error:
        return fail(f"{error}. {sandbox.HOW_TO_SANDBOX}")
    report_notes = []
    if decision.warning:
        print(f"mmlcalc-grade: warning: {decision.warning}", file=sys.stderr)
        report_notes.append("Warning: " + decision.warning)
    with tempfile.TemporaryDirectory(prefix="mmlcalc-submissions-") as unpacked:
        try:
            root = submissions
            if submissions.is_file():
                if submissions.suffix.lower() != ".zip":
                    return fail(f"{submissions} is neither a folder nor a .zip file")
                root = extract_zip(submissions, Path(unpacked))
            names = [master.name for master in assignment.notebooks]
            others = [
                p.name for p in source.iterdir() if p.is_dir() and p != Path(assignment.folder)
            ]
            found = find_submissions(root, assignment.assignment_id, names, others)
        except (SubmissionsError, OSError) as error:
            return fail(str(error))
        try:
            references = {
                master.name: reference_records(master, settings, cache, args.timeout)
                for master in assignment.notebooks
            }
        except AssignmentError as error:
            return fail(str(error))
        jobs = [
            SubmissionJob(
                student_id=submission.student_id,
                assignment_id=assignment.assignment_id,
                master=master,
                reference=references[master.name],
                notebook_path=submission.notebooks[master.name].path,
                submission_dir=submission.notebooks[master.name].folder,
                notes=tuple(submission.notebooks[master.name].notes),
                settings=settings,
                timeout=args.timeout,
            )
            for submission in found
            for master in assignment.notebooks
        ]
        started = time.monotonic()
        progress = Progress(sys.stderr.isatty() and not args.quiet)
        results = run_batch(jobs, args.jobs, progress)
    grades = summarise(results, assignment)
    write_csvs(out, grades)
    write_feedback(out, grades)
    status = 0
    if db_url:
        try:
            write_gradebook(db_url, args.course, assignment, grades)
            report_notes.append(f"Scores written to the gradebook {db_url}.")
        except Exception as error:  # the CSV files are written already: report and go on
            message = f"the gradebook {db_url} was not updated: {type(error).__name__}: {error}"
            print(f"mmlcalc-grade: warning: {message}", file=sys.stderr)
            report_notes.append(
                "Warning: " + message + " (grades.csv and results.csv are complete)."
            )
            status = EXIT_GRADEBOOK_FAILED
    write_report(out, assignment, grades, report_notes)
    graded = sum(grade.status == "graded" for grade in grades)
    print(
        f"{assignment.assignment_id}: {len(grades)} students, {graded} graded completely, "
        f"{len(grades) - graded} not (see {out / 'report.html'}); "
        f"{time.monotonic() - started:.1f} s with {args.jobs} jobs"
    )
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
