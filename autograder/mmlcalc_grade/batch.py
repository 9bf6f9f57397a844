"""The work unit (:func:`grade_submission`) and the loop that runs many of them.

``grade_submission(job, session) -> result`` takes and returns plain, picklable data
(:class:`SubmissionJob` in, :class:`SubmissionResult` out); the
:class:`~mmlcalc_grade.session.GradingSession` says where learners' code runs and
keeps the warm processes. :func:`run_batch` uses a ``concurrent.futures.ThreadPoolExecutor``
whose threads only supervise (each hands one job to a test process, reads its messages
and enforces a wall-clock backstop); a distributed engine could call the same function
on another machine with a session of its own.

Each job takes two processes: the notebook's (:mod:`.runner`), forked by a worker
server (:mod:`.zygote`) that has already imported NumPy, matplotlib (backend Agg)
and the checks, so a submission pays a fork, not an interpreter start-up, and runs
in a sandbox when the machine allows (:mod:`.sandbox`); and a test process
(:mod:`.tester`) that runs the master's tests and calls into the notebook's
(:mod:`.remote`). Both kinds are kept from job to job (:mod:`.pools`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import compare
from .assignment import AssignmentError, MasterNotebook, build_program
from .compare import TestResult
from .deadlines import Deadlines
from .protocol import EndKind, Limits, Reports
from .session import GradingSession

#: Largest notebook file read (bytes); bigger ones are "invalid-notebook".
MAX_NOTEBOOK_BYTES = 50 * 2**20
#: Largest total size of the submission folder copied into the worker's folder.
MAX_COPY_BYTES = 100 * 2**20


@dataclass(frozen=True)
class SubmissionJob:
    """One learner's notebook of one assignment, with everything needed to grade it."""

    student_id: str
    assignment_id: str
    master: MasterNotebook
    reference: tuple  # the reference's chunk messages, in master chunk order
    notebook_path: str | None  # None: nothing submitted for this notebook
    submission_dir: str | None = None  # folder whose files the worker gets a copy of
    notes: tuple[str, ...] = ()  # e.g. how the notebook was found (renamed, wrong folder)
    limits: Limits = field(default_factory=Limits)
    deadlines: Deadlines = field(default_factory=lambda: Deadlines(notebook=300.0, cell=30.0))


@dataclass(frozen=True)
class SubmissionResult:
    """The outcome of one job (plain data)."""

    student_id: str
    assignment_id: str
    notebook: str
    status: str  # graded, needs-manual-grading, missing, invalid-notebook, timeout, crashed
    score: float
    max_score: float
    tests: tuple[TestResult, ...]
    notes: tuple[str, ...]
    seconds: float = 0.0  # wall clock spent on this job
    code_seconds: float = 0.0  # time the notebook's code and the tests took in the worker


def ungraded(job: SubmissionJob, status: str, why: str, notes=()) -> SubmissionResult:
    """A result with no test run: every cell scores 0 with ``why`` (missing, unreadable...)."""
    tests = tuple(
        TestResult(job.master.name, cell.grade_id, 0.0, cell.points, "not-run", why, cell.task)
        for cell in (*job.master.tests, *job.master.manual)
    )
    return SubmissionResult(
        job.student_id,
        job.assignment_id,
        job.master.name,
        status,
        0.0,
        job.master.max_score,
        tests,
        (*job.notes, *notes, why),
    )


@dataclass(frozen=True)
class Submitted:
    """What a learner handed in, as bytes: the notebook, and the other files of the submission
    folder as ``(relative path, bytes)`` pairs. A worker of a cluster grades from these,
    without writing them anywhere first."""

    notebook: bytes
    files: tuple[tuple[str, bytes], ...] = ()


def read_notebook_bytes(path: str) -> bytes:
    """The notebook file's bytes, or raise ValueError (empty, too large) or OSError."""
    file = Path(path)
    size = file.stat().st_size
    if size == 0:
        raise ValueError("the notebook file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook file is too large ({size} bytes)")
    return file.read_bytes()


def read_learner_notebook(path: str):
    """``(notebook, notes)`` of the file at ``path``, or raise ValueError with a one-line
    reason (see :func:`parse_learner_notebook`)."""
    return parse_learner_notebook(read_notebook_bytes(path))


def parse_learner_notebook(data: bytes):
    """``(notebook, notes)`` of bytes read by :func:`read_notebook_bytes` (which refused an
    empty or too large file), or raise ValueError with a one-line reason.

    A notebook in today's format (nbformat 4) is its JSON as it is (a dict: grading reads
    cells with ``.get``, and nbformat's validation would cost ~4 ms a notebook that
    decides nothing); an older one is converted by nbformat.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"the notebook is not UTF-8 text ({error.reason})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"the notebook is not valid JSON (line {error.lineno}, column {error.colno}): "
            "it was probably damaged while saving or uploading"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise ValueError("the file is JSON but not a Jupyter notebook (no list of cells)")
    notes = []
    version = raw.get("nbformat")
    if version == 4 and type(version) is int:
        notebook = raw
    else:
        import nbformat  # here, not at the top: importing it takes a second or two

        try:
            notebook = nbformat.reads(text, as_version=4, capture_validation_error={})
        except Exception as error:
            raise ValueError(
                f"the notebook cannot be read: {type(error).__name__}: {error}"
            ) from None
    if isinstance(version, int) and version < 4:
        notes.append(f"the notebook was saved in the old format nbformat {version}; converted to 4")
    metadata = notebook.get("metadata")
    kernel = metadata.get("kernelspec", {}) if isinstance(metadata, dict) else {}
    if isinstance(kernel, dict) and kernel.get("name") not in (None, "python3"):
        notes.append(
            f"the notebook's kernel was {kernel.get('name')!r}; it was graded with Python 3"
        )
    return notebook, notes


def folder_files(folder: str | None, notebook: str | None = None) -> list[tuple[str, bytes]]:
    """``(relative path, bytes)`` of the files of a submission folder (none for ``None``).

    Links, checkpoints, the file ``notebook`` (the learner's notebook is copied under the
    master's name anyway, last) and anything past :data:`MAX_COPY_BYTES` in all are left out.
    """
    files, total = [], 0
    if folder:
        root = Path(folder)
        for item in sorted(root.rglob("*")):
            if ".ipynb_checkpoints" in item.parts or item.is_symlink() or not item.is_file():
                continue
            if item.relative_to(root).as_posix() == notebook:
                continue
            total += item.stat().st_size
            if total > MAX_COPY_BYTES:
                break
            files.append((item.relative_to(root).as_posix(), item.read_bytes()))
    return files


def submission_files(job: SubmissionJob) -> list[tuple[str, bytes]]:
    """``(relative path, bytes)`` of the submission folder, then the notebook as the master's name.

    Links, checkpoints and anything past :data:`MAX_COPY_BYTES` in all are left out.
    """
    files = folder_files(job.submission_dir, job.master.name if job.notebook_path else None)
    if job.notebook_path:
        files.append((job.master.name, Path(job.notebook_path).read_bytes()))
    return files


def run_worker(
    session: GradingSession, program, limits: Limits, mode: str, deadlines: Deadlines,
    files=(), folder=None,
) -> Reports:  # fmt: skip
    """Grade with ``program`` in the session's warm processes: what the test process reported.

    The notebook's cells run in a fresh notebook process, forked by a worker server
    (sandboxed unless the instructor said ``--isolation none``); the tests run in a
    test process that calls into it (:mod:`mmlcalc_grade.tester`), with the master's
    ``folder``'s support files. ``files`` (``(relative path, bytes)`` pairs) are written
    into the notebook process's new working folder.
    """
    if not limits.cpu_seconds:
        limits = replace(limits, cpu_seconds=int(deadlines.notebook) + 1)
    return session.run(program, limits, mode, list(files), deadlines, folder)


def _cell_notes(reports: Reports) -> list[str]:
    return [
        f"the cell {cell.label[:80]} stopped with {compare.error_text(cell.error)[:300]}"
        for cell in reports.cells
        if cell.error
    ]


def _not_run_notes(job: SubmissionJob, reports: Reports) -> tuple[str, str | None]:
    """``(status, why the tests that did not run did not)`` from how the job ended."""
    ending = reports.ending
    if ending.kind is EndKind.DONE:
        return "graded", None
    if ending.kind is EndKind.TIMEOUT:
        limit = job.deadlines.notebook
        why = ending.why or f"the whole notebook ran longer than the limit of {limit:g} s"
        return "timeout", why + " and was stopped"
    return "crashed", ending.why


def grade_submission(
    job: SubmissionJob, session: GradingSession, submitted: Submitted | None = None
) -> SubmissionResult:
    """Grade one learner notebook: the work unit of a batch (plain data in, plain data out).

    The notebook and the submission folder's files are read from ``job``'s paths, or taken
    from ``submitted`` when the caller holds them as bytes (a cluster's worker).
    """
    started = time.monotonic()
    if submitted is None and job.notebook_path is None:
        return ungraded(job, "missing", "no notebook was submitted for this part")
    try:
        data = read_notebook_bytes(job.notebook_path) if submitted is None else submitted.notebook
        notebook, read_notes = parse_learner_notebook(data)
        built = build_program(job.master, notebook)
    except (ValueError, OSError) as error:
        return ungraded(job, "invalid-notebook", str(error))
    except Exception as error:  # a notebook malformed in a way nbformat let through
        return ungraded(
            job, "invalid-notebook", f"the notebook cannot be read: {type(error).__name__}"
        )
    try:
        others = (
            folder_files(job.submission_dir, job.master.name)
            if submitted is None
            else submitted.files
        )
    except OSError as error:
        return ungraded(job, "invalid-notebook", f"the submission cannot be read: {error}")
    files = [*others, (job.master.name, data)]
    folder = str(Path(job.master.path).parent)
    reports = run_worker(
        session, built.program, job.limits, "learner", job.deadlines, files, folder
    )
    notes = [*job.notes, *read_notes, *built.notes, *_cell_notes(reports)]
    chunks = {i: {"records": c.records, "error": c.error} for i, c in reports.chunks.items()}
    tests = [
        replace(test, task=job.master.task_of(test.grade_id))
        for test in compare.grade_notebook(job.master, list(job.reference), chunks)
    ]
    status, why = _not_run_notes(job, reports)
    if why is not None:
        notes.append(why + "; tests that had not run score 0")
        first = next((t.grade_id for t in tests if t.status == "not-run"), None) if chunks else None
        while_this = {first: " while this test ran"}
        tests = [
            replace(test, message=f"not run: {why}{while_this.get(test.grade_id, '')}")
            if test.status == "not-run"
            else test
            for test in tests
        ]
    if job.master.manual:  # the tests are scored; the instructor marks the rest by hand
        status = "needs-manual-grading" if status == "graded" else status
        tests += [
            TestResult(job.master.name, cell.grade_id, 0.0, cell.points, "needs-manual-grading",
                       "marked by hand by your instructor", cell.task or cell.grade_id)
            for cell in job.master.manual
        ]  # fmt: skip
    return SubmissionResult(
        job.student_id,
        job.assignment_id,
        job.master.name,
        status,
        float(sum(test.points for test in tests)),
        job.master.max_score,
        tuple(tests),
        tuple(notes),
        seconds=time.monotonic() - started,
        code_seconds=reports.code_seconds,
    )


# --- the reference ----------------------------------------------------------------


def reference_inputs(master: MasterNotebook) -> list[Path]:
    """Every file whose bytes can change a reference run's recorded values.

    The master's folder (the notebook and the support files a reference run gets), every
    file of this package (how a master is split into chunks, run, recorded and encoded)
    and every file of the course package ``mmlcalc``: not only ``mmlcalc.checks`` but
    what the masters import (``mmlcalc.data``, ``mmlcalc.multivariate``, ...). A change to
    a module no master uses costs one needless reference run per assignment, a few seconds.
    """
    import mmlcalc

    folders = (Path(__file__).resolve().parent, Path(mmlcalc.__file__).resolve().parent)
    code = [
        path
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    support = sorted(item for item in Path(master.path).parent.iterdir() if item.is_file())
    return [*support, *code]


def _reference_key(master: MasterNotebook, settings: Limits) -> str:
    """The cache key of ``master``'s reference values: everything that shapes them.

    The bytes and names of :func:`reference_inputs`, the seed, and the versions of the
    interpreter, the machine's architecture and the numerical libraries the masters use.
    """
    from importlib import metadata

    digest = hashlib.sha256(master.sha256.encode())
    for path in reference_inputs(master):
        digest.update(f"{path.name}|{path.stat().st_size}|".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    versions = [platform.python_implementation(), platform.python_version(), platform.machine()]
    for distribution in ("numpy", "scipy"):
        try:
            versions.append(f"{distribution} {metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{distribution} missing")
    digest.update(f"{np.__version__}|{'|'.join(versions)}|{settings.seed}".encode())
    return digest.hexdigest()[:32]


def cached_reference(cache: Path, master: MasterNotebook) -> tuple | None:
    """The reference's chunk messages cached in ``cache`` for ``master``, or None.

    None, so that the caller runs the reference again, when the file is missing,
    unreadable, not JSON, or not this master's: one entry per chunk of
    ``master.chunks()``, in order, each naming the chunk's grade id and part (visible or
    hidden) and holding a list of check records. A stale or damaged entry is never used.
    """
    try:
        entries = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # missing, not UTF-8, not JSON, too deep
        return None
    chunks = master.chunks()
    if not isinstance(entries, list) or len(entries) != len(chunks):
        return None
    for chunk, entry in zip(chunks, entries, strict=True):
        if not isinstance(entry, dict):
            return None
        records = entry.get("records")
        if (
            entry.get("grade_id") != chunk.grade_id
            or entry.get("hidden") is not chunk.hidden
            or not isinstance(records, list)
            or not all(isinstance(r, dict) and isinstance(r.get("kind"), str) for r in records)
        ):
            return None
    return tuple({"records": entry["records"], "error": None} for entry in entries)


def reference_records(
    master: MasterNotebook,
    session: GradingSession,
    settings: Limits,
    deadlines: Deadlines,
    cache_dir: str | None,
) -> tuple:
    """The reference's chunk messages for ``master``: run the master in a clean worker (cached).

    Raises :class:`AssignmentError` if the reference solution does not pass its own tests.
    """
    key = _reference_key(master, settings)
    cache = Path(cache_dir) / f"{key}.json" if cache_dir else None
    if cache is not None:
        cached = cached_reference(cache, master)
        if cached is not None:
            return cached
    files = [
        (item.name, item.read_bytes())
        for item in sorted(Path(master.path).parent.iterdir())
        if item.is_file()
    ]
    folder = str(Path(master.path).parent)
    reports = run_worker(
        session, master.reference_program(), settings, "reference", deadlines, files, folder
    )
    where = f"the reference solution {master.path}"
    if reports.ending.kind is not EndKind.DONE:
        raise AssignmentError(f"{where} did not finish: {reports.ending.describe()}")
    for label, error, place in [
        *((cell.label, cell.error, "") for cell in reports.cells),
        *((setup.label, setup.error, " (run with the tests)") for setup in reports.setup),
    ]:
        if error:
            raise AssignmentError(
                f"{where}: the cell {label}{place} raised "
                f"{error.get('type')}: {error.get('message')}"
            )
    chunks = [reports.chunks[i] for i in sorted(reports.chunks)]
    for chunk, message in zip(master.chunks(), chunks, strict=True):
        if message.error:
            raise AssignmentError(
                f"{where} fails its own test {chunk.grade_id}"
                f"{' (hidden part)' if chunk.hidden else ''}: "
                f"{message.error.get('type')}: {message.error.get('message')}"
            )
    records = tuple({"records": m.records, "error": None} for m in chunks)
    if cache is not None:
        entries = [
            {"grade_id": chunk.grade_id, "hidden": chunk.hidden, **record}
            for chunk, record in zip(master.chunks(), records, strict=True)
        ]
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(entries), encoding="utf-8")
            temporary.replace(cache)
    return records


# --- the executor loop ----------------------------------------------------------------


def run_batch(
    jobs: Iterable[SubmissionJob],
    session: GradingSession,
    n_jobs: int,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[SubmissionJob, SubmissionResult], None] | None = None,
    collect: bool = True,
) -> list[SubmissionResult]:
    """Grade every job with ``n_jobs`` supervisor threads; results sorted by student, notebook.

    ``on_result(job, result)`` is called as each result comes in (to keep it at once).
    With ``collect=False`` the results are not gathered (the list returned is empty): each
    one is dropped once ``on_result`` has it, so memory does not grow with the batch
    (``mmlcalc-grade`` keeps them in its results store and publishes from there).
    """
    jobs = list(jobs)
    results = []
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as executor:
        futures = {executor.submit(grade_submission, job, session): job for job in jobs}
        for done, future in enumerate(as_completed(futures), start=1):
            job, result = futures.pop(future), future.result()  # popped: no future keeps it
            if collect:
                results.append(result)
            if on_result is not None:
                on_result(job, result)
            if progress is not None:
                progress(done, len(jobs))
    return sorted(results, key=lambda r: (r.student_id, r.notebook))
