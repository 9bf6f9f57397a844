"""The notebook's process: run one notebook's code and record every check as plain data.

:func:`child_main` runs in a fresh process forked for each submission (and for
each master, to get the reference values) by the worker server
(:mod:`mmlcalc.grading.zygote`), usually inside a sandbox
(:mod:`mmlcalc.grading.sandbox`). Before any notebook code runs it

* sets resource limits: address space, processes, CPU time, open files, file
  size, no core dumps;
* points stdin at ``/dev/null`` (``input()`` raises ``EOFError``), and stdout and
  stderr at a size-capped buffer (file descriptors 1 and 2 at ``/dev/null``);
* replaces the environment by a short allow-list (no grading markers), seeds
  ``random`` and ``numpy.random``, and works in its own fresh folder;
* replaces the helpers of :mod:`mmlcalc.checks` by RECORDING versions, in the
  module and in the notebook's namespace (again before every test chunk).

Phase 1 runs the notebook's cells, phase 2 the master's test chunks, each under a
per-cell time limit (``signal.setitimer``). After every cell and every chunk a JSON
message goes to the parent over a pipe, so a process that dies keeps what it sent.
JSON, not pickle: the grader must never unpickle what a learner's process wrote.
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

#: The largest array (number of values) sent back; bigger ones are described only.
MAX_VALUES = 1_000_000
#: Longest text kept from a string answer or a message.
MAX_TEXT = 2_000
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
    isolation: str = "auto"  # "sandbox", "none" or "auto" (mmlcalc.grading.sandbox)
    protected: tuple = ()  # paths a sandbox must hide even under a folder it shows


@dataclass(frozen=True)
class Chunk:
    """A piece of code run in phase 2: the visible or hidden part of one test cell."""

    grade_id: str
    hidden: bool
    source: str


@dataclass(frozen=True)
class Program:
    """What a worker runs: phase-1 cells ``(label, source)``, then the test chunks."""

    cells: tuple[tuple[str, str], ...]
    chunks: tuple[Chunk, ...]

    def to_plain(self) -> dict:
        return {
            "cells": [list(cell) for cell in self.cells],
            "chunks": [[c.grade_id, c.hidden, c.source] for c in self.chunks],
        }

    @classmethod
    def from_plain(cls, data: dict) -> Program:
        return cls(
            tuple((str(label), str(source)) for label, source in data["cells"]),
            tuple(Chunk(str(g), bool(h), str(source)) for g, h, source in data["chunks"]),
        )


class CellTimeout(BaseException):
    """Raised in the worker when a cell runs past its time limit."""


# --- plain data -------------------------------------------------------------------


def to_plain(value) -> dict:
    """A JSON-able description of ``value``: numbers, arrays as flat lists, text, None, bools.

    Uses ``type(value)`` (which a learner's object cannot fake) and converts
    subclasses of the built-in types to the built-in type itself.
    """
    kind = type(value)
    try:
        if value is None:
            return {"t": "none"}
        if issubclass(kind, (bool, np.bool_)):
            return {"t": "bool", "v": bool(value is True or value is np.True_)}
        if issubclass(kind, str):
            text = str.__str__(value)
            return {"t": "str", "v": text[:MAX_TEXT], "len": len(text)}
        if issubclass(kind, int):
            number = int.__index__(value)
            if number.bit_length() > 4000:
                return {"t": "other", "type": "int", "numeric": None}
            return {"t": "int", "v": number}
        if issubclass(kind, float):
            return {"t": "float", "v": float.__float__(value)}
        if issubclass(kind, (np.integer, np.floating)):
            return {"t": "float", "v": float(np.asarray(value, dtype=float))}
        if issubclass(kind, np.ndarray):
            return _array_record("array", value)
        if issubclass(kind, (list, tuple)):
            name = "list" if issubclass(kind, list) else "tuple"
            record = _array_record(name, value)
            record["len"] = (list.__len__ if name == "list" else tuple.__len__)(value)
            return record
        if callable(value):
            return {"t": "callable", "name": str(getattr(kind, "__name__", "function"))[:100]}
        record = _array_record("other", value)
        record["type"] = str(kind.__name__)[:100]
        return record
    except CellTimeout:
        raise
    except BaseException:
        return {"t": "other", "type": str(getattr(kind, "__name__", "object"))[:100], "bad": True}


def _array_record(tag: str, value) -> dict:
    try:
        array = np.asarray(value, dtype=float)
    except CellTimeout:
        raise
    except BaseException:
        shape = list(np.shape(value)) if tag == "array" else None
        return {"t": tag, "bad": True, "shape": shape}
    array = np.ndarray.view(array, np.ndarray)
    if array.size > MAX_VALUES:
        return {"t": tag, "bad": True, "shape": list(array.shape), "huge": True}
    return {"t": tag, "shape": list(array.shape), "data": np.ndarray.tolist(array.ravel())}


def error_record(error: BaseException, cell_timeout: float) -> dict:
    """Type and first line of an exception's message: never a traceback."""
    if isinstance(error, CellTimeout):
        return {"type": "Timeout", "message": f"ran longer than the limit of {cell_timeout:g} s"}
    try:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    except BaseException:
        message = ""
    return {"type": type(error).__name__[:100], "message": message[:300]}


# --- the recording check helpers ----------------------------------------------------


class Recorder:
    """Replacements for the ``expect*`` helpers that append plain-data records.

    In learner mode only the learner's values are kept; ``expect_close`` never
    raises (the grader compares). In reference mode the arguments (expected value,
    tolerances, known mistakes, hint) are kept too and the real helper runs as
    well, so a reference that fails its own test is noticed.
    """

    def __init__(self, reference: bool, forbidden_files: dict[str, str]):
        self.reference = reference
        self.records: list[dict] = []
        self.forbidden_files = forbidden_files
        self.depth = 0  # > 0 while a real helper runs (it calls the others: do not record those)
        self.real = {
            name: getattr(checks, name)
            for name in ("expect", "expect_close", "expect_equal", "expect_array", "expect_number")
        }
        self.first_call_into = checks.first_call_into

    def _real(self, name, *args, **kwargs):
        self.depth += 1
        try:
            return self.real[name](*args, **kwargs)
        finally:
            self.depth -= 1

    def functions(self) -> dict:
        return {
            "expect": self.expect,
            "expect_close": self.expect_close,
            "expect_equal": self.expect_equal,
            "expect_array": self.expect_array,
            "expect_number": self.expect_number,
            "expect_own_work": self.expect_own_work,
        }

    def expect(self, condition, message=""):
        if self.depth:
            return self._real("expect", condition, message)
        ok = bool(condition)
        self.records.append({"kind": "expect", "ok": ok, "message": str(message)[:MAX_TEXT]})
        if not ok:
            raise checks.CheckFailed(str(message))

    def expect_equal(self, got, expected, name="your answer", *, hint=None):
        real = functools.partial(self._real, "expect_equal", got, expected, name, hint=hint)
        if self.depth:
            return real()
        record = {"kind": "equal", "name": str(name)[:MAX_TEXT], "got": to_plain(got)}
        if self.reference:
            record.update(expected=to_plain(expected), hint=None if hint is None else str(hint))
        self.records.append(record)
        if self.reference:  # the reference must pass its own tests
            real()
        return None

    def expect_close(
        self, got, expected, name="your answer", *, rtol=1e-7, atol=1e-10, mistakes=None, hint=None
    ):
        real = functools.partial(
            self._real,
            "expect_close",
            got,
            expected,
            name,
            rtol=rtol,
            atol=atol,
            mistakes=mistakes,
            hint=hint,
        )
        if self.depth:
            return real()
        record = {"kind": "close", "name": str(name)[:MAX_TEXT], "got": to_plain(got)}
        if self.reference:
            record.update(
                expected=to_plain(expected),
                rtol=float(rtol),
                atol=float(atol),
                mistakes=[[str(k), to_plain(v)] for k, v in (mistakes or {}).items()],
                hint=None if hint is None else str(hint),
            )
        self.records.append(record)
        if self.reference:  # the reference must pass its own tests
            real()
        return None

    def expect_number(self, got, name="your answer"):
        if self.depth:
            return self._real("expect_number", got, name)
        self.records.append({"kind": "number", "name": str(name)[:MAX_TEXT], "got": to_plain(got)})
        return self._real("expect_number", got, name)

    def expect_array(self, got, shape, name="your answer"):
        if self.depth:
            return self._real("expect_array", got, shape, name)
        record = {"kind": "array", "name": str(name)[:MAX_TEXT], "got": to_plain(got)}
        if self.reference:
            record["shape"] = [int(n) for n in shape]
        self.records.append(record)
        return self._real("expect_array", got, shape, name)

    def expect_own_work(self, function, *args, name=None, forbidden=("mmlcalc.calculus",)):
        name = name or getattr(function, "__name__", "your function")
        files = {}
        for module_name in forbidden:
            # imported before the watch starts (as the real helper does), so that a first
            # import inside the learner's function does not count as a call
            module = importlib.import_module(module_name)
            path = self.forbidden_files.get(module_name) or getattr(module, "__file__", None)
            if path:
                files[path] = module_name
        record = {"kind": "own_work", "name": str(name)[:MAX_TEXT], "called": None}
        self.records.append(record)
        result, called = self.first_call_into(files, function, *args)
        if called:
            record["called"] = called
            raise checks.not_own_work(name, called)
        return result


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


def child_main(program, settings: RunSettings, connection) -> None:
    """Entry point of the worker process: run ``program`` and stream records to ``connection``."""

    def send(message: dict) -> None:
        connection.send_bytes(json.dumps(message, allow_nan=True).encode())

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
    recorder = Recorder(settings.mode == "reference", MODULE_FILES)
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    namespace = main.__dict__
    namespace["__builtins__"] = builtins
    builtins.display = _display

    def install() -> None:
        for name, original in _ORIGINAL_BUILTINS.items():
            setattr(builtins, name, original)
        for name, function in recorder.functions().items():
            setattr(checks, name, function)
            namespace[name] = function

    if "matplotlib" in sys.modules:  # preloaded by the fork server: no window, ever
        with contextlib.suppress(Exception):
            sys.modules["matplotlib"].use("Agg")
    install()
    for label, source in program.cells:
        started = time.perf_counter()
        error = _run_code(source, f"<cell {label}>", namespace, settings.cell_timeout)
        seconds = time.perf_counter() - started
        send({"m": "cell", "label": label, "error": error, "s": seconds})
    for index, chunk in enumerate(program.chunks):
        install()
        recorder.records = []
        part = "hidden" if chunk.hidden else "visible"
        started = time.perf_counter()
        error = _run_code(
            chunk.source, f"<test {chunk.grade_id} ({part})>", namespace, settings.cell_timeout
        )
        seconds = time.perf_counter() - started
        records = recorder.records if isinstance(recorder.records, list) else []
        send({"m": "chunk", "i": index, "records": records, "error": error, "s": seconds})
    send({"m": "done", "output_chars": capped.total})
    connection.close()
    os._exit(0)  # skip the learner's atexit handlers and lingering threads
