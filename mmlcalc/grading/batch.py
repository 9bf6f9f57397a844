"""The work unit (:func:`grade_submission`) and the loop that runs many of them.

``grade_submission(job) -> result`` is a plain function of plain, picklable data
(:class:`SubmissionJob` in, :class:`SubmissionResult` out), so any executor can run
it: :func:`run_batch` uses a ``concurrent.futures.ThreadPoolExecutor`` whose
threads only supervise (each starts one worker process, reads its messages and
enforces the wall-clock limit); a distributed engine could call the same function
on another machine that holds the files.

Worker processes come from a ``forkserver`` that has already imported NumPy,
matplotlib (backend Agg) and the checks, so a submission pays a fork, not an
interpreter start-up and its imports, and still runs in a process of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.spawn
import os
import platform
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
import numpy as np

from . import compare, runner
from .assignment import AssignmentError, MasterNotebook, build_program
from .compare import TestResult
from .runner import RunSettings

#: Largest notebook file read (bytes); bigger ones are "invalid-notebook".
MAX_NOTEBOOK_BYTES = 50 * 2**20
#: Largest total size of the submission folder copied into the worker's folder.
MAX_COPY_BYTES = 100 * 2**20
#: Largest single message accepted from a worker.
MAX_MESSAGE_BYTES = 64 * 2**20

PRELOAD = ["numpy", "matplotlib", "matplotlib.pyplot", "mmlcalc.checks", "mmlcalc.grading.runner"]
_SERVER_ENVIRONMENT = {
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_context = None
_context_lock = threading.Lock()
_launching = threading.local()
_preparation_data = multiprocessing.spawn.get_preparation_data


def _preparation_data_without_main(name):
    """multiprocessing's start-up data, minus "re-import the parent's __main__" for our workers.

    A worker needs nothing from the grader's main script (the CLI, pytest, a
    benchmark); re-importing it in every worker would cost time, and run an
    unguarded script again. Other users of multiprocessing get the data unchanged.
    """
    data = _preparation_data(name)
    if getattr(_launching, "worker", False):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


def worker_context():
    """The forkserver context, started once with NumPy and matplotlib preloaded."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            multiprocessing.spawn.get_preparation_data = _preparation_data_without_main
            saved = {name: os.environ.get(name) for name in _SERVER_ENVIRONMENT}
            os.environ.update(_SERVER_ENVIRONMENT)
            try:
                multiprocessing.forkserver.ensure_running()
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            _context = context
        return _context


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
    settings: RunSettings = field(default_factory=RunSettings)
    timeout: float = 300.0  # wall-clock limit of the whole submission, seconds


@dataclass(frozen=True)
class SubmissionResult:
    """The outcome of one job (plain data)."""

    student_id: str
    assignment_id: str
    notebook: str
    status: str  # graded, missing, invalid-notebook, timeout, crashed
    score: float
    max_score: float
    tests: tuple[TestResult, ...]
    notes: tuple[str, ...]
    seconds: float = 0.0  # wall clock spent on this job
    code_seconds: float = 0.0  # time the notebook's code and the tests took in the worker


def _ungraded(job: SubmissionJob, status: str, why: str, notes=()) -> SubmissionResult:
    tests = tuple(
        TestResult(job.master.name, test.grade_id, 0.0, test.points, "not-run", why)
        for test in job.master.tests
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


def read_learner_notebook(path: str):
    """``(notebook, notes)`` or raise ValueError with a one-line reason."""
    file = Path(path)
    size = file.stat().st_size
    if size == 0:
        raise ValueError("the notebook file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook file is too large ({size} bytes)")
    try:
        text = file.read_bytes().decode("utf-8")
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
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as error:
        raise ValueError(f"the notebook cannot be read: {type(error).__name__}: {error}") from None
    if isinstance(version, int) and version < 4:
        notes.append(f"the notebook was saved in the old format nbformat {version}; converted to 4")
    kernel = notebook.get("metadata", {}).get("kernelspec", {})
    if isinstance(kernel, dict) and kernel.get("name") not in (None, "python3"):
        notes.append(
            f"the notebook's kernel was {kernel.get('name')!r}; it was graded with Python 3"
        )
    return notebook, notes


def _copy_submission(job: SubmissionJob, workdir: Path) -> None:
    if job.submission_dir:
        total = 0
        for item in sorted(Path(job.submission_dir).rglob("*")):
            if ".ipynb_checkpoints" in item.parts or not item.is_file() or item.is_symlink():
                continue
            total += item.stat().st_size
            if total > MAX_COPY_BYTES:
                break
            target = workdir / item.relative_to(job.submission_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item, target)
    if job.notebook_path:
        shutil.copyfile(job.notebook_path, workdir / job.master.name)


def run_worker(program, settings: RunSettings, timeout: float):
    """Run ``program`` in a fresh worker process; return ``(messages, ending, code_seconds)``.

    ``ending`` is ``"done"``, ``"timeout"`` or ``"crashed: <why>"``.
    """
    context = worker_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=runner.child_main, args=(program, settings, sender), daemon=True
    )
    messages, ending, code_seconds = [], None, 0.0
    _launching.worker = True
    try:
        process.start()
    finally:
        _launching.worker = False
    sender.close()
    deadline = time.monotonic() + timeout
    try:
        while ending is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ending = "timeout"
                break
            if not receiver.poll(min(remaining, 0.5)):
                # the worker died, but a subprocess it started may hold the pipe open
                if not process.is_alive() and not receiver.poll(0.2):
                    break
                continue
            try:
                data = receiver.recv_bytes(MAX_MESSAGE_BYTES)
            except (EOFError, OSError):
                break
            try:
                message = json.loads(data)
            except ValueError:
                ending = "crashed: the worker sent something that is not a record"
                break
            if not isinstance(message, dict):
                continue
            if isinstance(message.get("s"), (int, float)):
                code_seconds += float(message["s"])
            if message.get("m") == "done":
                ending = "done"
            else:
                messages.append(message)
    finally:
        receiver.close()
        if ending != "done" or process.is_alive():
            _kill(process)
        process.join(10)
        _kill(process)  # learner subprocesses left in the worker's process group
    if ending is None:
        code = process.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                name = signal.Signals(-code).name
                ending = f"crashed: the notebook's process was killed by {name}"
        ending = ending or f"crashed: the notebook's process exited with status {code}"
    return messages, ending, code_seconds


def _kill(process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError, TypeError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.kill()


def grade_submission(job: SubmissionJob) -> SubmissionResult:
    """Grade one learner notebook: the work unit of a batch (plain data in, plain data out)."""
    started = time.monotonic()
    if job.notebook_path is None:
        return _ungraded(job, "missing", "no notebook was submitted for this part")
    try:
        notebook, read_notes = read_learner_notebook(job.notebook_path)
        built = build_program(job.master, notebook)
    except (ValueError, OSError) as error:
        return _ungraded(job, "invalid-notebook", str(error))
    except Exception as error:  # a notebook malformed in a way nbformat let through
        return _ungraded(
            job, "invalid-notebook", f"the notebook cannot be read: {type(error).__name__}"
        )
    workdir = Path(tempfile.mkdtemp(prefix="mmlcalc-grade-"))
    try:
        _copy_submission(job, workdir)
        settings = replace(job.settings, workdir=str(workdir), mode="learner")
        messages, ending, code_seconds = run_worker(built.program, settings, job.timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    notes = [*job.notes, *read_notes, *built.notes]
    chunks = {}
    for message in messages:
        if message.get("m") == "cell" and isinstance(message.get("error"), dict):
            error = message["error"]
            notes.append(
                f"the cell {str(message.get('label'))[:80]} stopped with "
                f"{compare._error_text(error)[:300]}"
            )
        elif message.get("m") == "chunk" and isinstance(message.get("i"), int):
            chunks.setdefault(message["i"], message)
    tests = compare.grade_notebook(job.master, list(job.reference), chunks)
    if ending == "done":
        status = "graded"
    elif ending == "timeout":
        status = "timeout"
        notes.append(
            f"the whole notebook ran longer than the limit of {job.timeout:g} s and was stopped; "
            "tests that had not run score 0"
        )
    else:
        status = "crashed"
        notes.append(ending.removeprefix("crashed: ") + "; tests that had not run score 0")
    if status != "graded":
        why = "not run: " + notes[-1].split(";")[0]
        first = next((t.grade_id for t in tests if t.status == "not-run"), None) if chunks else None
        tests = [
            replace(test, message=why + (" while this test ran" if test.grade_id == first else ""))
            if test.status == "not-run"
            else test
            for test in tests
        ]
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
        code_seconds=code_seconds,
    )


# --- the reference ----------------------------------------------------------------


def _reference_key(master: MasterNotebook, settings: RunSettings) -> str:
    digest = hashlib.sha256(master.sha256.encode())
    for module in (runner, compare, runner.checks):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(f"{np.__version__}|{platform.python_version()}|{settings.seed}".encode())
    return digest.hexdigest()[:32]


def reference_records(
    master: MasterNotebook, settings: RunSettings, cache_dir: str | None, timeout: float
) -> tuple:
    """The reference's chunk messages for ``master``: run the master in a clean worker (cached).

    Raises :class:`AssignmentError` if the reference solution does not pass its own tests.
    """
    key = _reference_key(master, settings)
    cache = Path(cache_dir) / f"{key}.json" if cache_dir else None
    if cache is not None and cache.exists():
        with contextlib.suppress(ValueError, OSError):
            return tuple(json.loads(cache.read_text()))
    workdir = Path(tempfile.mkdtemp(prefix="mmlcalc-reference-"))
    try:
        for item in Path(master.path).parent.iterdir():
            if item.is_file():
                shutil.copyfile(item, workdir / item.name)
        settings = replace(settings, workdir=str(workdir), mode="reference")
        messages, ending, _ = run_worker(master.reference_program(), settings, timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    where = f"the reference solution {master.path}"
    if ending != "done":
        raise AssignmentError(f"{where} did not finish: {ending}")
    for message in messages:
        if message.get("m") == "cell" and message.get("error"):
            error = message["error"]
            raise AssignmentError(
                f"{where}: the cell {message.get('label')} raised "
                f"{error.get('type')}: {error.get('message')}"
            )
    chunks = [m for m in messages if m.get("m") == "chunk"]
    for chunk, message in zip(master.chunks(), chunks, strict=True):
        if message.get("error"):
            error = message["error"]
            raise AssignmentError(
                f"{where} fails its own test {chunk.grade_id}"
                f"{' (hidden part)' if chunk.hidden else ''}: "
                f"{error.get('type')}: {error.get('message')}"
            )
    records = tuple({"records": m["records"], "error": None} for m in chunks)
    if cache is not None:
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(list(records)))
            temporary.replace(cache)
    return records


# --- the executor loop ----------------------------------------------------------------


def run_batch(
    jobs: Iterable[SubmissionJob],
    n_jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[SubmissionResult]:
    """Grade every job with ``n_jobs`` supervisor threads; results sorted by student, notebook."""
    jobs = list(jobs)
    results = []
    worker_context()
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as executor:
        futures = [executor.submit(grade_submission, job) for job in jobs]
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(future.result())
            if progress is not None:
                progress(done, len(jobs))
    return sorted(results, key=lambda r: (r.student_id, r.notebook))
