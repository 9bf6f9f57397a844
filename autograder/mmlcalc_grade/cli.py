"""``mmlcalc-grade ASSIGNMENT SUBMISSIONS --out DIR``: grade a whole class in one command.

The command is three steps: :func:`prepare` (read the masters and the submissions,
decide where learners' code runs, run the references), :func:`grade` (every
submission, in parallel, in a :class:`~mmlcalc_grade.session.GradingSession`, each
result put into the results store as it comes in and not kept) and :func:`publish`
(CSV files, feedback, the report, the gradebook, read back from the store a few
hundred students at a time): the command's memory does not grow with the class.

Exit status: 0 when the batch was graded (whatever the learners' results); 2 when
the grader cannot run (unknown assignment, unreadable master or submissions, a
reference solution that fails its own tests, no working sandbox and no explicit
``--isolation none``); 3 when the batch was graded and the CSV files written but the
gradebook could not be updated. ``--check`` prints what this machine enforces.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import mmlcalc

from . import protections
from .assignment import Assignment, AssignmentError, load_assignment, masters_imports
from .autograded import write_autograded
from .batch import (
    SubmissionJob,
    SubmissionResult,
    reference_records,
    run_batch,
    submission_files,
    ungraded,
)
from .deadlines import Deadlines
from .outputs import (
    ClassFiles,
    Lateness,
    ReportTally,
    StudentGrade,
    render_report,
    summarise,
    write_gradebook,
)
from .protocol import Limits
from .sandbox import SandboxUnavailable
from .session import ISOLATION_MODES, GradingSession, Policy
from .store import STATE_FILE, ResultStore, job_key
from .submissions import SubmissionsError, extract_zip, find_submissions

if TYPE_CHECKING:  # importing it imports nbgrader, seconds: done in the background
    from .late import LatePolicy

EXIT_GRADER_CANNOT_RUN = 2
EXIT_GRADEBOOK_FAILED = 3
#: Students read back from the results store at a time when publishing.
PUBLISH_CHUNK = 200


def default_source() -> Path:
    """The repository's ``source/`` next to the package (editable install), else ``./source``."""
    repository_source = Path(mmlcalc.__file__).resolve().parents[1] / "source"
    return repository_source if repository_source.is_dir() else Path.cwd() / "source"


def default_cache() -> Path:
    if os.environ.get("MMLCALC_GRADE_CACHE"):
        return Path(os.environ["MMLCALC_GRADE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mmlcalc-grade"


def default_course_dir(cwd: Path) -> Path | None:
    """The nbgrader course directory when run in one (a folder with nbgrader_config.py).

    Follows the course's ``autograder/nbgrader_config.py``: ``MMLCALC_COURSE_DIR`` if set.
    """
    if not (cwd / "nbgrader_config.py").is_file():
        return None
    return Path(os.environ.get("MMLCALC_COURSE_DIR") or cwd).resolve()


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
    p.add_argument(
        "assignment", nargs="?", help="assignment id, e.g. week1 (a folder of the source folder)"
    )
    p.add_argument(
        "submissions",
        nargs="?",
        help="nbgrader's submitted/ (<student>/<assignment>/<notebook>.ipynb), a folder of "
        "<student>.ipynb files, or a .zip of either",
    )
    p.add_argument("--out", help="where grades.csv, results.csv, feedback/ and report.html go")
    p.add_argument(
        "--check",
        action="store_true",
        help="print which protections this machine enforces when grading (each on or off, "
        "with the reason) and exit: 0 if all are on, 1 if any is off",
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
    p.add_argument(
        "--student",
        action="append",
        metavar="ID",
        help="regrade this student (repeatable) into an existing --out folder; everyone else "
        "keeps their stored result, and grades.csv, results.csv, the report and the "
        "gradebook are rewritten for the whole class. Without it, a rerun grades only "
        "submissions that changed since the last run on the same --out",
    )
    p.add_argument(
        "--duedate",
        default=None,
        help="the due date (e.g. '2026-12-04 17:00:00 UTC'; default: the assignment's due date "
        "in the gradebook). Late submissions (nbgrader's timestamp.txt) get the course's late "
        "penalty (autograder/nbgrader_config.py, LatePolicy)",
    )
    p.add_argument(
        "--course-dir",
        default=None,
        help="the nbgrader course directory where autograded/ notebooks go for formgrader and "
        "nbgrader generate_feedback (default: the current folder when it holds "
        "nbgrader_config.py)",
    )
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
        choices=ISOLATION_MODES,
        default="sandbox",
        help="where learners' code runs: 'sandbox' (bubblewrap, the default: without a working "
        "sandbox nothing is graded and the command exits with status 2) or 'none' (plain "
        "processes as your own user, with your files and network in reach: only for code "
        "you trust; the outputs say the batch was not sandboxed)",
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
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="grade on the Dask cluster whose scheduler is there (pip install "
        '"mmlcalc[cluster]"; each worker needs the course package and bubblewrap); the '
        "references still run here, with --jobs processes (default: this machine's pool)",
    )
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


class CannotGrade(Exception):
    """The grader cannot run (the message says why): exit status 2, nothing graded."""


@dataclass
class Prepared:
    """Everything :func:`grade` needs: the jobs, and what :func:`publish` reports about them."""

    assignment: Assignment
    jobs: list[SubmissionJob]
    out: Path
    db_url: str | None
    course: str
    store: ResultStore
    keys: dict[int, str] = field(default_factory=dict)  # id(job) -> what was graded
    reused: int = 0  # notebooks unchanged since an earlier run: not regraded (kept in the store)
    course_dir: Path | None = None
    duedate: datetime.datetime | None = None
    policy: LatePolicy | None = None  # the course's late policy (None: no penalties)
    notes: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    all_jobs: list[SubmissionJob] = field(default_factory=list)
    jobs_of: dict[str, list[SubmissionJob]] = field(default_factory=dict)  # by student
    settings: Future | None = None  # (policy, duedate), loading in the background

    def settle(self) -> None:
        """Wait for the late policy and the due date (read while grading); raise CannotGrade.

        Whatever was graded is kept in the results store: after the error is fixed, the
        same command publishes it without grading anything again.
        """
        if self.settings is not None:
            try:
                self.policy, self.duedate = self.settings.result()
            except CannotGrade as error:
                raise CannotGrade(
                    f"{error} (the notebooks graded are kept in {self.out / STATE_FILE}: "
                    "run the same command again once this is fixed; nothing is regraded)"
                ) from None
            self.settings = None
        self.metadata["duedate"] = str(self.duedate) if self.duedate else None
        self.metadata["late_policy"] = self.policy.penalty_method if self.policy else "none"

    def __post_init__(self):
        for job in self.all_jobs:
            self.jobs_of.setdefault(job.student_id, []).append(job)

    def keep(self, job: SubmissionJob, result: SubmissionResult) -> None:
        """Store a result as soon as it is graded: a stopped grader resumes from here."""
        self.store.put(result, self.keys[id(job)])

    def lateness(self, student: str, results) -> Lateness:
        """When ``student`` submitted, how late, and the course policy's penalty."""
        from .late import clamp_penalty, read_timestamp

        folders = [job.submission_dir for job in self.jobs_of.get(student, ())]
        stamps = [t for t in map(read_timestamp, folders) if t is not None]
        if not stamps or self.policy is None:
            return Lateness()
        stamp = max(stamps)
        late = max(0.0, (stamp - self.duedate).total_seconds()) if self.duedate else 0.0
        penalties = tuple(
            (r.notebook, clamp_penalty(self.policy.late_submission_penalty(student, r.score, late),
                                       r.score) if late > 0 else 0.0)
            for r in results
        )  # fmt: skip
        return Lateness(str(stamp), late, sum(p for _, p in penalties), penalties)


def prepare(args, session: GradingSession, unpacked: Path) -> Prepared:
    """Read the masters and the submissions, decide where learners' code runs, run the references.

    The sandbox decision (which starts the first sandboxed worker) and the start of
    ``--jobs`` test processes happen in the background while the masters are read.
    Raises :class:`CannotGrade`; no learner's code has run when it does.
    """
    source = Path(args.source) if args.source else default_source()
    submissions, out = Path(args.submissions), Path(args.out)
    cache = None if args.no_cache else str(Path(args.cache) if args.cache else default_cache())
    db_url = None if args.no_gradebook else (args.gradebook or default_gradebook(Path.cwd()))
    course_dir = Path(args.course_dir) if args.course_dir else default_course_dir(Path.cwd())
    # nbgrader (the late policy, the due date in the gradebook) takes seconds to import:
    # it loads while the sandbox starts and the masters are read and run
    if args.duedate and not _is_time(args.duedate):  # a typo stops the grader before grading
        raise CannotGrade(
            f"--duedate {args.duedate!r} is not a date (e.g. '2026-12-04 17:00:00 UTC')"
        )
    settings = _in_background(_course_settings, args, db_url, course_dir)
    deciding = None
    if (source / args.assignment).is_dir() and submissions.exists():
        deciding = _in_background(session.prestart, args.jobs)
    try:
        assignment = load_assignment(source, args.assignment)
    except AssignmentError as error:
        raise CannotGrade(str(error)) from None
    if not submissions.exists():
        raise CannotGrade(f"no submissions at {submissions}")
    root = submissions
    try:  # while the first worker server starts
        if submissions.is_file():
            if submissions.suffix.lower() != ".zip":
                raise CannotGrade(f"{submissions} is neither a folder nor a .zip file")
            root = extract_zip(submissions, unpacked)
        names = [master.name for master in assignment.notebooks]
        others = [p.name for p in source.iterdir() if p.is_dir() and p != Path(assignment.folder)]
        found = find_submissions(root, assignment.assignment_id, names, others)
    except (SubmissionsError, OSError) as error:
        raise CannotGrade(str(error)) from None
    try:
        if deciding is not None:
            deciding.result()
        session.prestart(args.jobs)
    except SandboxUnavailable as error:
        raise CannotGrade(str(error)) from None
    notes = [f"Warning: {session.unsandboxed_note}"] if session.unsandboxed_note else []
    limits = Limits(memory_mb=args.memory, disk_mb=args.disk, processes=args.processes)
    deadlines = Deadlines(notebook=args.timeout, cell=args.cell_timeout)
    try:
        references = {
            master.name: reference_records(master, session, limits, deadlines, cache)
            for master in assignment.notebooks
        }
    except AssignmentError as error:
        raise CannotGrade(str(error)) from None
    jobs = [
        SubmissionJob(
            student_id=submission.student_id,
            assignment_id=assignment.assignment_id,
            master=master,
            reference=references[master.name],
            notebook_path=submission.notebooks[master.name].path,
            submission_dir=submission.notebooks[master.name].folder,
            notes=tuple(submission.notebooks[master.name].notes),
            limits=limits,
            deadlines=deadlines,
        )
        for submission in found
        for master in assignment.notebooks
    ]
    store = ResultStore(out / STATE_FILE)
    prepared = Prepared(
        assignment, [], out, db_url, args.course, store, course_dir=course_dir,
        notes=notes, all_jobs=jobs, settings=settings,
    )  # fmt: skip
    chosen = set(args.student or ())
    unknown = chosen - {job.student_id for job in jobs}
    if unknown:
        raise CannotGrade(f"no submission of {', '.join(sorted(unknown))} in {submissions}")
    reference_keys = {  # once per master, not per job: the records are large
        name: hashlib.sha256(json.dumps(records, sort_keys=True).encode()).hexdigest()
        for name, records in references.items()
    }
    for job in jobs:
        try:
            files = submission_files(job)
        except OSError:
            files = []  # grading reports why; the key only has to differ
        key = job_key(job, files, reference_keys[job.master.name])
        prepared.keys[id(job)] = key
        stored = prepared.store.get(job.assignment_id, job.student_id, job.master.name, key)
        if chosen and job.student_id not in chosen:
            stored = stored or prepared.store.get(
                job.assignment_id, job.student_id, job.master.name, None, any_key=True
            )
        if stored is not None and job.student_id not in chosen:
            prepared.reused += 1  # publish reads it back from the store
        else:
            prepared.jobs.append(job)
    metadata = {
        "assignment": assignment.assignment_id,
        "isolation": session.policy.isolation,
        "sandboxed": session.sandboxed,
        "timeout": args.timeout,
        "cell_timeout": args.cell_timeout,
        "memory_mb": args.memory,
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mmlcalc": mmlcalc.__version__,
    }
    prepared.metadata = metadata
    return prepared


def _is_time(text: str) -> bool:
    """Whether nbgrader can read ``text`` as a time (both use dateutil's parser)."""
    from dateutil import parser as dates

    try:
        dates.parse(text)
    except (ValueError, OverflowError):
        return False
    return True


def _course_settings(args, db_url: str | None, course_dir: Path | None):
    """``(late policy, due date)`` of the course; raises :class:`CannotGrade`."""
    from .late import policy_from_course

    here = Path.cwd()  # nbgrader reads nbgrader_config.py where it runs; so does the policy
    try:
        policy = policy_from_course(here if (here / "nbgrader_config.py").is_file() else course_dir)
    except ValueError as error:
        raise CannotGrade(str(error)) from None
    return policy, _duedate(args.duedate, db_url, args.course, args.assignment)


def _duedate(text: str | None, db_url: str | None, course: str, assignment_id: str):
    """``--duedate``, else the assignment's due date in the gradebook, else None."""
    from .late import parse_time

    if text:
        duedate = parse_time(text)
        if duedate is None:
            raise CannotGrade(f"--duedate {text!r} is not a date (e.g. '2026-12-04 17:00:00 UTC')")
        return duedate
    if not db_url:
        return None
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(db_url, course_id=course) as gradebook:
            return gradebook.find_assignment(assignment_id).duedate
    except MissingEntry:
        return None
    except Exception as error:  # an unreachable gradebook: publish reports it again
        print(f"mmlcalc-grade: warning: due date not read from {db_url}: {error}", file=sys.stderr)
        return None


def _in_background(function, *args) -> Future:
    """Run ``function(*args)`` in a thread; the future gives its result or raises its error."""
    future: Future = Future()

    def run():
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever waits for the result
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future


def grade(prepared: Prepared, session: GradingSession, jobs: int, quiet: bool, scheduler=None):
    """Grade the submissions that need it (``jobs`` at a time, or on the Dask cluster at
    ``scheduler``): how many were graded. Each result goes into the results store as it
    comes in (:meth:`Prepared.keep`) and is not kept here: :func:`publish` reads them
    back. Raises :class:`CannotGrade` when no worker of the cluster can grade."""
    progress = Progress(sys.stderr.isatty() and not quiet)
    graded = 0
    if scheduler:
        from .cluster import grade_on_cluster  # Dask is an optional extra

        try:
            for _ in grade_on_cluster(
                prepared.jobs, scheduler, session.policy, progress, on_result=prepared.keep
            ):
                graded += 1
        except (SandboxUnavailable, OSError) as error:  # no worker can grade; unreachable
            raise CannotGrade(f"the Dask cluster at {scheduler} cannot grade: {error}") from None
    else:
        run_batch(prepared.jobs, session, jobs, progress, on_result=prepared.keep, collect=False)
        graded = len(prepared.jobs)
    return graded


def stored_grades(prepared: Prepared, chunk: int | None = None) -> Iterator[list[StudentGrade]]:
    """Every student of the submissions found, in order, as grades read back from the
    results store: ``chunk`` students a list (:data:`PUBLISH_CHUNK`; one query each), so
    no more than that is held. Rows of students no longer among the submissions, or of
    notebooks the assignment no longer has, are left out. A notebook without a stored
    result (it cannot happen unless the store was changed under the command) is reported
    ``crashed``, never dropped: running the command again grades it."""
    students, chunk = sorted(prepared.jobs_of), chunk or PUBLISH_CHUNK
    for start in range(0, len(students), chunk):
        some = students[start : start + chunk]
        stored = prepared.store.results_of(prepared.assignment.assignment_id, some)
        results = [
            stored.get((student, job.master.name))
            or ungraded(job, "crashed", "its result was not found in the results store: "
                        "run the command again to grade it")
            for student in some
            for job in prepared.jobs_of[student]
        ]  # fmt: skip
        yield summarise(results, prepared.assignment, prepared.lateness)


def publish(prepared: Prepared) -> int:
    """Write grades.csv, results.csv, grading.json, feedback, the gradebook and the report.

    Everything is read back from the results store (:func:`stored_grades`), a chunk of
    students at a time, so memory stays flat however large the class: one pass appends
    to the open CSV files and writes the feedback pages and the autograded notebooks
    while :class:`~mmlcalc_grade.outputs.ReportTally` keeps the report's numbers; a
    second pass feeds the gradebook (its batches one transaction each); the report comes
    last, with the gradebook's warning if it failed (exit status 3: every file is
    complete by then).
    """
    prepared.settle()
    out, assignment, notes = prepared.out, prepared.assignment, list(prepared.notes)
    if prepared.reused:
        notes.append(
            f"{len(prepared.jobs)} notebooks graded in this run; "
            f"{prepared.reused} unchanged since an earlier run kept their results."
        )
    out.mkdir(parents=True, exist_ok=True)
    due = str(prepared.duedate) if prepared.duedate else ""
    tally = ReportTally(assignment)
    with ClassFiles(out, due) as files:
        for grades in stored_grades(prepared):
            files.add(grades)
            tally.add(grades)
            if prepared.course_dir is not None:
                _write_autograded(prepared, grades)
    (out / "grading.json").write_text(json.dumps(prepared.metadata, indent=2) + "\n")
    status = 0
    if prepared.db_url:
        try:
            every = (grade for grades in stored_grades(prepared) for grade in grades)
            write_gradebook(prepared.db_url, prepared.course, assignment, every, prepared.duedate)
            notes.append(f"Scores written to the gradebook {prepared.db_url}.")
        except Exception as error:  # the CSV files are written already: report and go on
            message = (
                f"the gradebook {prepared.db_url} was not updated: {type(error).__name__}: {error}"
            )
            print(f"mmlcalc-grade: warning: {message}", file=sys.stderr)
            notes.append("Warning: " + message + " (grades.csv and results.csv are complete).")
            status = EXIT_GRADEBOOK_FAILED
    data = tally.data(notes)
    (out / "report.html").write_text(render_report(data), encoding="utf-8")
    print(
        f"{assignment.assignment_id}: {data.students} students, {data.graded_completely} graded "
        f"completely, {data.students - data.graded_completely} not (see {out / 'report.html'})",
        end="",
    )
    return status


def _write_autograded(prepared: Prepared, grades: Iterable[StudentGrade]) -> None:
    """The autograded notebooks formgrader and ``nbgrader generate_feedback`` read."""
    for grade in grades:
        jobs = {job.master.name: job for job in prepared.jobs_of.get(grade.student_id, ())}
        for result in grade.results:
            job = jobs.get(result.notebook)
            if job is not None:
                write_autograded(
                    prepared.course_dir, job.master, result, job.notebook_path, job.submission_dir
                )


def _skip_iri_grammar() -> None:
    """Spare the command 1.4 s of CPU: keep jsonschema from building its IRI grammar.

    Importing nbgrader imports nbformat, which imports jsonschema; jsonschema then imports
    the optional ``rfc3987_syntax`` (installed with JupyterLab), which compiles a Lark
    grammar for the ``iri`` string format. Nothing this command validates has that format
    (nbformat's schemas name none), so the grader marks the module absent, as it would be
    without JupyterLab, unless jsonschema is already loaded (``main`` called in a process
    that uses it).
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    _skip_iri_grammar()
    p = parser()
    args = p.parse_args(argv)
    if args.check:
        return protections.print_check(args)
    if not (args.assignment and args.submissions and args.out):
        p.error("the following arguments are required: assignment, submissions, --out")
    source = Path(args.source) if args.source else default_source()
    cache = None if args.no_cache else str(Path(args.cache) if args.cache else default_cache())
    db_url = None if args.no_gradebook else (args.gradebook or default_gradebook(Path.cwd()))
    policy = Policy(
        isolation=args.isolation,
        protected=protected_paths(source, args.submissions, args.out, cache, db_url),
        processes=args.processes,
        warm=masters_imports(source, args.assignment),
    )
    started = time.monotonic()
    with (
        GradingSession(policy) as session,
        tempfile.TemporaryDirectory(prefix="mmlcalc-submissions-") as unpacked,
    ):
        if session.unsandboxed_note:
            print(f"mmlcalc-grade: warning: {session.unsandboxed_note}", file=sys.stderr)
        try:
            prepared = prepare(args, session, Path(unpacked))
        except CannotGrade as error:
            return fail(str(error))
        try:
            grade(prepared, session, args.jobs, args.quiet, args.scheduler)
            prepared.settle()
        except CannotGrade as error:
            prepared.store.close()
            return fail(str(error))
        stopping = _in_background(session.close)  # the workers stop while the files are written
    try:
        status = publish(prepared)
    finally:
        prepared.store.close()
        stopping.result()
    print(
        f"; {time.monotonic() - started:.1f} s with {args.jobs} jobs"
        + ("" if session.sandboxed else "; NOT sandboxed (--isolation none)")
    )
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
