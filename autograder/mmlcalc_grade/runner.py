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
import linecache
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

from . import frames, protocol, remote
from .protocol import Limits

#: Environment variables the notebook's process keeps (everything else is dropped).
KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME")


@dataclass(frozen=True)
class Place:
    """Where the notebook runs: its working folder and its TMPDIR (given by the worker server)."""

    workdir: str = "."
    tmpdir: str = ""  # "" = the working folder


class CellTimeout(BaseException):
    """Raised in the worker when a cell runs past its time limit."""


def error_record(error: BaseException, cell_timeout: float) -> dict:
    """Type and first line of an exception's message: never a traceback."""
    if isinstance(error, CellTimeout):
        return {"type": "Timeout", "message": f"ran longer than the limit of {cell_timeout:g} s"}
    return {"type": type(error).__name__[:100], "message": remote.first_line(error, 300)}


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


def _limit_resources(settings: Limits) -> None:
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


def _quiet_standard_streams(settings: Limits) -> _CappedText:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdin = open(os.devnull)  # lives as long as the process
    capped = _CappedText(settings.output_limit)
    sys.stdout = sys.stderr = capped
    return capped


#: The built-ins that run notebook code, as they were before any notebook code ran:
#: ``_run_code`` holds them as default values, so a cell that rebinds ``exec`` does not
#: change how the next cell runs (the tests never run in this process: ``tester``).
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
    # the cell's lines, for the line of the learner's code that a test's failure names
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
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
        self.reader = frames.FrameReader(requests, frames.MAX_REQUEST_BYTES)
        self.unprocessed = None

    def send(self, message: protocol.Message) -> None:
        data = json.dumps(message.to_json(), allow_nan=True, separators=(",", ":")).encode()
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
                        self.unprocessed = protocol.parse(json.loads(payload))
                    except (ValueError, protocol.ProtocolError):
                        raise remote.PeerLost("the test process sent something else") from None
        return self.unprocessed


#: A name the notebook did not define before a test swapped it in.
_MISSING = object()
#: The watcher of ``expect_own_work``, as it was before any notebook code ran.
_FIRST_CALL_INTO = checks.first_call_into


class _NotebookSide(remote.Endpoint):
    """The notebook's end: serves the tests' requests under the limit each one carries."""

    def __init__(self, transport, namespace: dict, cell_timeout: float):
        super().__init__(transport, "test process")
        self.namespace = namespace
        self.cell_timeout = cell_timeout
        self.finished = False
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

    def call(self, message: protocol.Request, function, args, kwargs):
        """Call the learner's ``function`` (with ``watch``: and find its first call into those)."""
        if not message.watch:
            return function(*args, **kwargs), None
        files = {}
        for module_name in message.watch:
            with contextlib.suppress(Exception):  # imported before the watch, as the helper does
                module = importlib.import_module(module_name)
                path = MODULE_FILES.get(module_name) or getattr(module, "__file__", None)
                if path:
                    files[path] = module_name
        return _FIRST_CALL_INTO(files, functools.partial(function, *args, **kwargs))

    def error_record(self, error: BaseException) -> dict:
        if isinstance(error, CellTimeout):
            record = error_record(error, self.cell_timeout)
            return {**record, "timeout": True}
        record = super().error_record(error)
        where = checks.where_in_learner_code(error.__traceback__)
        if where and isinstance(error, Exception):
            # the line of the learner's code, as stock nbgrader's checks.explain_error names it;
            # an exception of the tests passing through (a course function swapped in) is then
            # rebuilt by its type, with that line, rather than handed back as it was
            record["message"] = f"{record['message']} ({where})"[: remote.MAX_MESSAGE]
            record.pop("yours", None)
        return record

    def serve_top(self, message: protocol.Request) -> None:
        """A request of the test itself (not made while we wait): under its own time limit."""
        try:
            if message.timeout:
                signal.setitimer(signal.ITIMER_REAL, message.timeout)
            self.serve(message)
        except CellTimeout:
            pass  # the limit struck just after the reply was sent
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def child_main(
    program, settings: Limits, cell_timeout: float, place: Place, sender: int, requests: int
) -> None:
    """Entry point of the notebook's process: run the cells, then answer the tests' requests.

    ``sender`` carries frames to the worker server (which relays them to the test
    process), ``requests`` brings the test process's requests.
    """
    transport = _PipeTransport(sender, requests)
    os.setpgid(0, 0)  # own process group: the parent kills learner subprocesses with it
    _limit_resources(settings)
    if hasattr(signal, "SIGXFSZ"):  # a file over the size limit: an OSError, not a killed process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _quiet_standard_streams(settings)
    home = os.path.abspath(place.workdir)
    kept = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
    os.environ.clear()
    os.environ.update(kept, HOME=home, TMPDIR=place.tmpdir or home, PWD=home)
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
        error = _run_code(source, f"<cell {label}>", namespace, cell_timeout)
        seconds = time.perf_counter() - started
        transport.send(protocol.CellRan(label=label, error=error, seconds=seconds))
    side = _NotebookSide(transport, namespace, cell_timeout)
    transport.send(protocol.TestsReady())
    while not side.finished:
        try:
            message = transport.receive()
            transport.processed()
            if isinstance(message, protocol.Request):
                side.serve_top(message)
        except CellTimeout:
            pass
        except remote.PeerLost:
            break
    os._exit(0)  # skip the learner's atexit handlers and lingering threads
