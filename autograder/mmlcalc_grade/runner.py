"""The notebook's process: run the learner's cells, then answer the tests' requests.

:func:`child_main` runs in a fresh process forked for each submission (and for
each master, to get the reference values) by the worker server
(:mod:`mmlcalc_grade.zygote`), usually inside a sandbox
(:mod:`mmlcalc_grade.sandbox`). Before any notebook code runs it

* sets resource limits: address space, processes, CPU time, open files, file
  size, no core dumps;
* points stdin at ``/dev/null`` (``input()`` raises ``EOFError``), and stdout and
  stderr at a size-capped buffer (file descriptors 1 and 2 at ``/dev/null``);
* replaces the environment by a short allow-list (no grading markers), seeds
  ``random`` and ``numpy.random``, and works in its own fresh folder.

It runs the notebook's cells, each under a per-cell time limit
(``signal.setitimer``), and reports each one to the test process. Then it answers
the test process's requests (:mod:`mmlcalc_grade.remote`): the values of names,
calls of the learner's functions, each under the time its test has left. The
tests themselves never run here (:mod:`mmlcalc_grade.tester`). Everything sent
is JSON, never pickle: nothing outside may unpickle what a learner's process wrote.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib
import io
import json
import os
import random
import signal
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mmlcalc
import mmlcalc.checks as checks

from . import frames, remote

#: Environment variables the notebook's process keeps (everything else is dropped).
KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME")


@dataclass(frozen=True)
class RunSettings:
    """Limits and mode of one worker run (plain data)."""

    mode: str = "learner"  # "learner" or "reference"
    workdir: str = "."
    cell_timeout: float = 10.0
    memory_mb: int = 2048  # RLIMIT_AS of each process, and (sandbox) their total RSS; 0 = none
    file_size_mb: int = 64  # RLIMIT_FSIZE; 0 = no limit
    disk_mb: int = 512  # (sandbox) working folder + /tmp together; 0 = no limit
    processes: int = 64  # (sandbox) RLIMIT_NPROC in the sandbox's user namespace; 0 = none
    open_files: int = 256  # RLIMIT_NOFILE
    cpu_seconds: int = 0  # RLIMIT_CPU of each process; 0 = none
    output_limit: int = 100_000  # characters of stdout + stderr kept
    seed: int = 0
    tmpdir: str = ""  # TMPDIR of the notebook ("" = its working folder)
    isolation: str = "auto"  # "sandbox", "none" or "auto" (mmlcalc_grade.sandbox)
    protected: tuple = ()  # paths a sandbox must hide even under a folder it shows


@dataclass(frozen=True)
class Chunk:
    """A piece of code run in phase 2: the visible or hidden part of one test cell."""

    grade_id: str
    hidden: bool
    source: str


@dataclass(frozen=True)
class Program:
    """What grading runs: the notebook's cells ``(label, source)``, then the master's tests.

    ``cells`` run in the notebook's process; ``setup`` (the master's locked cells:
    imports and test helpers) and ``chunks`` run in the test process
    (:mod:`mmlcalc_grade.tester`).
    """

    cells: tuple[tuple[str, str], ...]
    chunks: tuple[Chunk, ...]
    setup: tuple[tuple[str, str], ...] = ()

    def to_plain(self) -> dict:
        return {
            "cells": [list(cell) for cell in self.cells],
            "chunks": [[c.grade_id, c.hidden, c.source] for c in self.chunks],
            "setup": [list(cell) for cell in self.setup],
        }

    @classmethod
    def from_plain(cls, data: dict) -> Program:
        return cls(
            tuple((str(label), str(source)) for label, source in data["cells"]),
            tuple(Chunk(str(g), bool(h), str(source)) for g, h, source in data["chunks"]),
            tuple((str(label), str(source)) for label, source in data.get("setup", ())),
        )


class CellTimeout(BaseException):
    """Raised in the worker when a cell runs past its time limit."""


def error_record(error: BaseException, cell_timeout: float) -> dict:
    """Type and first line of an exception's message: never a traceback."""
    if isinstance(error, CellTimeout):
        return {"type": "Timeout", "message": f"ran longer than the limit of {cell_timeout:g} s"}
    try:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    except BaseException:
        message = ""
    return {"type": type(error).__name__[:100], "message": message[:300]}


def _module_files() -> dict[str, str]:
    """``{module name: file}`` of every module of the mmlcalc package (found without importing)."""
    root = Path(mmlcalc.__file__).parent
    files = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(["mmlcalc", *parts])] = str(path)
    return files


#: Computed when the fork server imports this module, before any notebook code runs.
MODULE_FILES = _module_files()


# --- the process -----------------------------------------------------------------


class _CappedText(io.TextIOBase):
    """A text stream that keeps at most ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.total = limit, [], 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = self.limit - min(self.total, self.limit)
        if room > 0:
            self.kept.append(text[:room])
        self.total += len(text)
        return len(text)


def _limit_resources(settings: RunSettings) -> None:
    try:
        import resource
    except ImportError:  # not a POSIX system: nothing portable to set
        return
    limits = [(resource.RLIMIT_CORE, 0)]
    if settings.memory_mb:
        limits.append((resource.RLIMIT_AS, settings.memory_mb * 2**20))
    if settings.file_size_mb:
        limits.append((resource.RLIMIT_FSIZE, settings.file_size_mb * 2**20))
    if settings.processes:
        limits.append((resource.RLIMIT_NPROC, settings.processes))
    if settings.open_files:
        limits.append((resource.RLIMIT_NOFILE, settings.open_files))
    if settings.cpu_seconds:
        limits.append((resource.RLIMIT_CPU, settings.cpu_seconds))
    for which, value in limits:
        with contextlib.suppress(ValueError, OSError):
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            # the hard limit too: the notebook's code cannot raise its own soft limit back
            # (CPU: SIGXCPU at the soft limit, a kill at the hard one)
            ceiling = value + 2 if which == resource.RLIMIT_CPU else value
            if hard != resource.RLIM_INFINITY:
                ceiling = min(ceiling, hard)
            resource.setrlimit(which, (value, ceiling))


def _quiet_standard_streams(settings: RunSettings) -> _CappedText:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdin = open(os.devnull)  # lives as long as the process
    capped = _CappedText(settings.output_limit)
    sys.stdout = sys.stderr = capped
    return capped


#: The built-ins that run notebook code, as they were before any notebook code ran;
#: restored before every test chunk, so a notebook that rebinds them does not rewrite
#: the tests. ``_run_code`` holds its own as default values; code in the notebook's
#: process can still reach those (GRADING.md, threat model).
_ORIGINAL_BUILTINS = {name: getattr(builtins, name) for name in ("compile", "exec", "eval")}


def _display(*objects, **kwargs):
    """Stand-in for IPython's ``display``: prints the objects' reprs."""
    for obj in objects:
        print(repr(obj))


def _run_code(
    source: str,
    filename: str,
    namespace: dict,
    timeout: float,
    _compile=_ORIGINAL_BUILTINS["compile"],
    _exec=_ORIGINAL_BUILTINS["exec"],
):
    """Run ``source`` in ``namespace`` under a time limit; return the error record or None."""
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            code = _compile(source, filename, "exec")
            _exec(code, namespace)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as error:  # learner code: SystemExit too
        return error_record(error, timeout)
    return None


# --- answering the test process ---------------------------------------------------------


class _PipeTransport:
    """Frames to the worker server (relayed to the test process) and from the test process.

    ``SIGALRM`` (a time limit) is held back while a frame is written, and while one
    is read and handed out, never longer than 50 ms: a frame is never cut in half,
    and a message read is kept until it is processed (see ``remote.Endpoint._wait``).
    Between reads the limit strikes at once, even while waiting for the test process.
    """

    def __init__(self, sender: int, requests: int):
        self.sender = sender
        self.reader = frames.FrameReader(requests, MAX_REQUEST_BYTES)
        self.unprocessed = None

    def send(self, message: dict) -> None:
        data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
        with remote.alarm_held():
            frames.write_raw(self.sender, data)

    def processed(self) -> None:
        self.unprocessed = None

    def receive(self, limit=None):
        while self.unprocessed is None:
            with remote.alarm_held():
                try:
                    payload = self.reader.next(time.monotonic() + 0.05, step=0.05)
                except frames.FrameError:
                    payload = None
                if payload is None:
                    raise remote.PeerLost("the test process closed the connection")
                if payload != "timeout":
                    try:
                        message = json.loads(payload)
                    except ValueError:
                        message = None
                    if not isinstance(message, dict):
                        raise remote.PeerLost("the test process sent something else")
                    self.unprocessed = message
        return self.unprocessed


#: Largest request frame the notebook's process accepts from the test process, bytes.
MAX_REQUEST_BYTES = 256 * 2**20
#: A name the notebook did not define before a test swapped it in.
_MISSING = object()
#: The watcher of ``expect_own_work``, as it was before any notebook code ran.
_FIRST_CALL_INTO = checks.first_call_into


class _NotebookSide(remote.Endpoint):
    """The notebook's end: serves the tests' requests under the limit each one carries."""

    def __init__(self, transport, namespace: dict, settings: RunSettings):
        super().__init__(transport, "test process", trusted_side=False)
        self.namespace = namespace
        self.settings = settings
        self.finished = False
        self.watch_call = self._watch_call
        self.export(self.lookup)  # handle 0: the notebook's names
        self.export(self.finish)  # handle 1: the end of the tests
        self.export(self.swap)  # handle 2: the course's versions of earlier tasks, for a test
        self.export(self.restore)  # handle 3: the notebook's own names again
        self.swapped: dict[str, object] = {}  # name -> the notebook's own value (or _MISSING)

    def lookup(self, names):
        """``{name: value}`` of the names the notebook defines, among ``names``."""
        found = {}
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name in self.namespace and not name.startswith("__"):
                found[name] = self.namespace[name]
        return found

    def finish(self):
        self.finished = True
        return None

    def swap(self, references):
        """Bind names to the tests' functions (``checks.using_reference``) until :meth:`restore`.

        The learner's function of task k then calls the course's version of an earlier
        task's function, which runs in the test process (the values cross as usual).
        """
        self.restore()
        for name, value in references.items() if isinstance(references, dict) else ():
            if isinstance(name, str) and isinstance(value, remote.RemoteFunction):
                self.swapped[name] = self.namespace.get(name, _MISSING)
                self.namespace[name] = value
        return None

    def restore(self):
        for name, value in self.swapped.items():
            if value is _MISSING:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value
        self.swapped.clear()
        return None


    def _watch_call(self, modules, function, args, kwargs):
        files = {}
        for module_name in modules:
            with contextlib.suppress(Exception):  # imported before the watch, as the helper does
                module = importlib.import_module(module_name)
                path = MODULE_FILES.get(module_name) or getattr(module, "__file__", None)
                if path:
                    files[path] = module_name
        return _FIRST_CALL_INTO(files, functools.partial(function, *args, **kwargs))

    def error_record(self, error: BaseException) -> dict:
        if isinstance(error, CellTimeout):
            record = error_record(error, self.settings.cell_timeout)
            return {**record, "timeout": True}
        return super().error_record(error)

    def serve_top(self, message: dict) -> None:
        """A request of the test itself (not made while we wait): under its own time limit."""
        timeout = message.get("timeout")
        try:
            if isinstance(timeout, (int, float)) and timeout > 0:
                signal.setitimer(signal.ITIMER_REAL, float(timeout))
            self.serve(message)
        except CellTimeout:
            pass  # the limit struck just after the reply was sent
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def child_main(program, settings: RunSettings, sender: int, requests: int) -> None:
    """Entry point of the notebook's process: run the cells, then answer the tests' requests.

    ``sender`` carries frames to the worker server (which relays them to the test
    process), ``requests`` brings the test process's requests.
    """
    transport = _PipeTransport(sender, requests)
    os.setpgid(0, 0)  # own process group: the parent kills learner subprocesses with it
    _limit_resources(settings)
    if hasattr(signal, "SIGXFSZ"):  # a file over the size limit: an OSError, not a killed process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    capped = _quiet_standard_streams(settings)
    home = os.path.abspath(settings.workdir)
    kept = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
    os.environ.clear()
    os.environ.update(kept, HOME=home, TMPDIR=settings.tmpdir or home, PWD=home)
    os.chdir(home)
    sys.path.insert(0, home)
    sys.argv = [""]
    random.seed(settings.seed)
    np.random.seed(settings.seed)  # noqa: NPY002 (the legacy global generator, if used)

    def on_alarm(signum, frame):
        raise CellTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    namespace = main.__dict__
    namespace["__builtins__"] = builtins
    builtins.display = _display
    if "matplotlib" in sys.modules:  # preloaded by the fork server: no window, ever
        with contextlib.suppress(Exception):
            sys.modules["matplotlib"].use("Agg")
    for label, source in program.cells:
        started = time.perf_counter()
        error = _run_code(source, f"<cell {label}>", namespace, settings.cell_timeout)
        seconds = time.perf_counter() - started
        transport.send({"m": "cell", "label": label, "error": error, "s": seconds})
    side = _NotebookSide(transport, namespace, settings)
    transport.send({"m": "tests"})
    while not side.finished:
        try:
            message = transport.receive()
            transport.processed()
            if message.get("m") == "request":
                side.serve_top(message)
        except CellTimeout:
            pass
        except remote.PeerLost:
            break
    transport.send({"m": "done", "output_chars": capped.total})
    os._exit(0)  # skip the learner's atexit handlers and lingering threads
