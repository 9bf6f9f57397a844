"""The test process: runs the master's tests, calling the learner's functions in their own process.

Grading one notebook takes two processes:

* the **notebook's process** (:mod:`mmlcalc_grade.runner`, forked by a worker
  server, :mod:`mmlcalc_grade.zygote`, usually in a sandbox) runs the learner's
  cells, then answers requests;
* the **test process** (this module, one per parallel job, never sandboxed and
  never running a learner's code) runs the master's locked cells (the setup and
  the test helpers), then every test cell, visible and hidden. A name that the
  test reads and the master's cells do not define (``secant_slope``, ``H_CENTRAL``)
  is looked up in the notebook: numbers, text and arrays arrive as copies,
  functions as handles that call across (:mod:`mmlcalc_grade.remote`).

The test's code, its hidden inputs' origins and its expected values stay here; the
notebook's process sees only the arguments of the calls made into it. The
``expect*`` helpers are replaced by the recording ones of :class:`Recorder`; the
records go to the grader, which compares them with the reference's
(:mod:`mmlcalc_grade.compare`).

Time limits (:mod:`mmlcalc_grade.deadlines`): each test part may spend the cell's limit
in calls into the notebook (each call carries what is left; the notebook's process
stops the call itself); a notebook that does not answer within the grace past that,
or past the whole submission's limit, is stopped by killing its server.

The grader talks to a test process through :class:`mmlcalc_grade.processes.TestProcess`
(frames of JSON on its stdin and stdout, the messages of :mod:`mmlcalc_grade.protocol`);
``python -m mmlcalc_grade.tester CONFIG`` is its command.
"""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import functools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import mmlcalc.checks as checks

from . import frames, protocol, remote, runner, values
from .deadlines import Deadlines
from .processes import WorkerServer, ending_of
from .protocol import Ending
from .sandbox import SandboxUnavailable, ServerCommand

#: Longest text kept from a check's name or message (values are recorded whole: ``values``).
MAX_TEXT = 2_000
#: Support files (besides notebooks) copied from the master's folder for the tests: most bytes.
MAX_SUPPORT_BYTES = 100 * 2**20

#: The real ``checks.using_reference`` (the module's name is bound to the recorder's).
USING_REFERENCE = checks.using_reference

# --- the recording check helpers ----------------------------------------------------------


class Recorder:
    """Replacements for the ``expect*`` helpers that append records (JSON data).

    A recorded value (``got``, ``expected``, each known mistake) is written with
    :func:`mmlcalc_grade.values.record`: the one value encoding, faithful (an int stays an
    int, a list of text a list of text, a dict a dict), with objects described by their
    type's name and nothing kept alive; the grader rebuilds it with ``values.rebuild``.

    In learner mode only the learner's values are kept; ``expect_close`` never
    raises (the grader compares). In reference mode the arguments (expected value,
    tolerances, known mistakes, hint) are kept too and the real helper runs as
    well, so a reference that fails its own test is noticed.
    """

    def __init__(self, reference: bool, endpoint: remote.Endpoint | None = None):
        self.reference = reference
        self.records: list[dict] = []
        self.endpoint = endpoint
        self.depth = 0  # > 0 while a real helper runs (it calls the others: do not record those)
        self.notebook = None  # Job._notebook: a handle of the notebook's process (swap, restore)
        self.real = {
            name: getattr(checks, name)
            for name in ("expect", "expect_close", "expect_equal", "expect_array", "expect_number")
        }

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
            "using_reference": self.using_reference,
            "Credit": functools.partial(RecordingCredit, self),
        }

    @contextlib.contextmanager
    def using_reference(self, namespace, **references):
        """``checks.using_reference`` on both sides: in the tests' namespace here, and in the
        notebook's, where the learner's functions look the names up (as handles to these
        functions: the course's code runs here, the learner's process sees only values)."""
        with USING_REFERENCE(namespace, **references):
            wrapped = {name: namespace[name] for name in references}
            if self.notebook is not None and wrapped:
                self.notebook(2, "swap")(wrapped)
            try:
                yield
            finally:
                if self.notebook is not None and wrapped:
                    with contextlib.suppress(remote.CallTimeout, Exception):
                        self.notebook(3, "restore")()

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
        record = {"kind": "equal", "name": str(name)[:MAX_TEXT], "got": values.record(got)}
        if self.reference:
            record.update(
                expected=values.record(expected), hint=None if hint is None else str(hint)
            )
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
        record = {"kind": "close", "name": str(name)[:MAX_TEXT], "got": values.record(got)}
        if self.reference:
            record.update(
                expected=values.record(expected),
                rtol=float(rtol),
                atol=float(atol),
                mistakes=[[str(k), values.record(v)] for k, v in (mistakes or {}).items()],
                hint=None if hint is None else str(hint),
            )
        self.records.append(record)
        if self.reference:  # the reference must pass its own tests
            real()
        return None

    def expect_number(self, got, name="your answer"):
        if self.depth:
            return self._real("expect_number", got, name)
        self.records.append(
            {"kind": "number", "name": str(name)[:MAX_TEXT], "got": values.record(got)}
        )
        return self._real("expect_number", got, name)

    def expect_array(self, got, shape, name="your answer"):
        if self.depth:
            return self._real("expect_array", got, shape, name)
        record = {"kind": "array", "name": str(name)[:MAX_TEXT], "got": values.record(got)}
        if self.reference:
            record["shape"] = [int(n) for n in shape]
        self.records.append(record)
        return self._real("expect_array", got, shape, name)

    def expect_own_work(self, function, *args, name=None, forbidden=("mmlcalc.calculus",)):
        """``function(*args)``, watched (in the notebook's process) for calls into ``forbidden``.

        The notebook's functions cross as :class:`~mmlcalc_grade.remote.RemoteObject`;
        every call into the notebook made during this one carries the watch.
        """
        name = name or getattr(function, "__name__", "your function")
        record = {"kind": "own_work", "name": str(name)[:MAX_TEXT], "called": None}
        self.records.append(record)
        endpoint = self.endpoint
        if endpoint is None:
            return function(*args)
        outer = (endpoint.watch, endpoint.called)
        endpoint.watch, endpoint.called = tuple(str(m) for m in forbidden), None
        try:
            result = function(*args)
            called = endpoint.called
        except (checks.CheckFailed, NotImplementedError):
            raise
        except Exception as error:  # the learner's code raised: as checks.expect_own_work says
            raise checks.explain_error(name, error, args) from None
        finally:
            endpoint.watch, endpoint.called = outer
        if called:
            record["called"] = called
            raise checks.not_own_work(name, called)
        return result


class RecordingCredit(checks.Credit):
    """``checks.Credit`` that marks its parts in the records: ``{"kind": "part", "points",
    "what"}`` when a part starts, ``{"kind": "end", "error"}`` when it ends.

    Reference mode: the reference must pass every part, so an error is raised again.
    Learner mode: an error inside a part (a failed check, or any other exception) ends
    the part and is kept in its end marker; the comparison (``compare.grade_chunk``)
    decides, as stock nbgrader would, whether the part failed (a check failed first)
    or the cell stopped (another error with every check before it passing).
    """

    def __init__(self, recorder: Recorder, points):
        super().__init__(points)
        self.recorder = recorder

    @contextlib.contextmanager
    def part(self, points, what):
        what = str(what)[:MAX_TEXT]
        self._declare(points, what)
        self.recorder.records.append({"kind": "part", "points": float(points), "what": what})
        end = {"kind": "end", "error": None}
        try:
            yield
        except (remote.CallTimeout, remote.PeerLost):  # the job's end, not the part's
            raise
        except Exception as error:
            if self.recorder.reference:
                raise
            end["error"] = runner.error_record(error, 0.0)
            if isinstance(error, checks.CheckFailed):  # its whole sentence, as stock prints it
                end["error"]["message"] = error.message[:MAX_TEXT]
        finally:
            self.recorder.records.append(end)


# --- talking to the worker server ----------------------------------------------------------


class ServerTransport:
    """Frames to and from one job's notebook process, through its worker server.

    ``SIGALRM`` (a test's own time budget) is held back while a frame is read or
    written, never longer than 50 ms, so that a frame is never cut in half.
    """

    def __init__(self, server: WorkerServer, backstop: float, deadlines: Deadlines):
        self.server = server
        self.deadlines = deadlines
        self.backstop = backstop  # monotonic time past which the job is given up
        self.garbage = False
        self.unprocessed = None  # the message handed out and not yet dealt with
        self.ended: protocol.JobEnd | None = None  # the server's end of the job, once it came

    def processed(self) -> None:
        self.unprocessed = None

    def send(self, message: protocol.Message) -> None:
        if self.ended is not None:
            raise remote.PeerLost("the job ended", end=self.ended)
        try:
            with remote.alarm_held():
                self.server.send(message, time.monotonic() + self.deadlines.send)
        except (OSError, TimeoutError, ValueError) as error:
            why = f"the notebook's process does not take requests ({error})"
            raise remote.PeerLost(why) from None

    def receive(self, limit: float | None):
        if self.unprocessed is not None:
            return self.unprocessed
        if self.ended is not None:  # asked again (a test's cleanup): the job is still over
            raise remote.PeerLost("the job ended", end=self.ended)
        while True:
            now = time.monotonic()
            if now >= self.backstop:
                raise remote.PeerLost("the notebook's sandbox did not end in time")
            if limit is not None and now >= limit:
                return None
            until = min(now + 0.05, self.backstop, limit if limit is not None else now + 0.05)
            with remote.alarm_held():  # kept before the alarm can strike: see remote.Endpoint._wait
                message = self.server.next(until, step=0.05)
                if isinstance(message, protocol.Message) and not isinstance(
                    message, protocol.JobEnd
                ):
                    self.unprocessed = message
            if message == "timeout":
                continue
            if message == "garbage":
                self.garbage = True
                continue
            if message is None:
                raise remote.PeerLost("the notebook's sandbox stopped")
            if isinstance(message, protocol.JobEnd):  # the server's own (relayed ones: garbage)
                self.ended = message
                raise remote.PeerLost("the job ended", end=message)
            return message


# --- one job ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def free_names(source: str) -> frozenset[str]:
    """Every name the code reads (in any scope): the candidates to look up in the notebook.

    Cached, as :func:`compiled`: a test process runs the same master's cells for every
    notebook, and parsing them took a tenth of its time.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset()
    return frozenset(
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )


@functools.lru_cache(maxsize=256)
def compiled(source: str, filename: str):
    """The code object of one of the master's cells (immutable: run afresh for each job)."""
    return compile(source, filename, "exec")


class Job:
    """One notebook graded: its cells run in the notebook's process, its tests here."""

    def __init__(self, server, request: dict, emit):
        self.server = server
        self.emit = emit  # sends a message to the grader
        request = protocol.JobRequest.from_json(request)
        self.program = protocol.Program.from_plain(request.program)
        self.limits = protocol.Limits.from_json(request.limits)
        self.deadlines = Deadlines.from_json(request.deadlines)
        self.mode = request.mode
        self.files = [(name, base64.b64decode(data)) for name, data in request.files]
        self.folder = request.folder
        self.transport = ServerTransport(
            server, time.monotonic() + self.deadlines.test_process, self.deadlines
        )
        self.endpoint = remote.TestSide(self.transport, self.deadlines, on_other=self.on_other)
        self.recorder = Recorder(self.mode == "reference", self.endpoint)
        self.recorder.notebook = self._notebook
        self.ready = self.finished = False
        self.code_seconds = 0.0
        self.fetched: dict[str, object] = {}
        self.read_names: set[str] = set()

    def on_other(self, message: protocol.Message) -> None:
        """The notebook's own reports: its cells, and that it is ready for the tests."""
        if isinstance(message, protocol.CellRan):  # validated by protocol.parse
            self.code_seconds += max(0.0, min(message.seconds, self.deadlines.notebook))
            self.emit(message)
        elif isinstance(message, protocol.TestsReady):
            self.ready = True

    # the namespace of the tests
    def _notebook(self, handle: int, name: str) -> remote.RemoteFunction:
        return remote.RemoteFunction(self.endpoint, {"id": handle, "callable": True, "name": name})

    def look_up(self, namespace: dict, wanted: set[str]) -> None:
        """Bind the names the code reads that the tests do not define to the notebook's values."""
        for name, value in list(self.fetched.items()):
            if namespace.get(name) is value:
                del namespace[name]  # fetched for an earlier cell: fetch it again
        self.fetched.clear()
        missing = sorted(
            n for n in wanted if n not in namespace and not hasattr(builtins, n) and n[:2] != "__"
        )
        if not missing:
            return
        found = self._notebook(0, "the notebook's names")(missing)
        if isinstance(found, dict):
            for name, value in found.items():
                if isinstance(name, str) and name in missing:
                    namespace[name] = self.fetched[name] = value

    def install(self, namespace: dict) -> None:
        for name, function in self.recorder.functions().items():
            setattr(checks, name, function)
            namespace[name] = function

    def execute(self, source: str, filename: str, namespace: dict):
        """Run one cell of the master here; ``(error record or None, seconds)``.

        Looked up first: the names this cell reads and those that the cells run before
        it read (their functions may read them when this cell calls them).
        """
        started = time.perf_counter()
        self.endpoint.deadline = time.monotonic() + self.deadlines.cell
        self.read_names |= free_names(source)
        try:
            self.look_up(namespace, self.read_names)
            exec(compiled(source, filename), namespace)
        except remote.PeerLost:
            raise
        except remote.CallTimeout:
            record = runner.error_record(runner.CellTimeout(), self.deadlines.cell)
        except BaseException as error:  # the test's failure (CheckFailed) or the learner's error
            record = runner.error_record(error, self.deadlines.cell)
        else:
            record = None
        finally:
            self.endpoint.deadline = None
        return record, time.perf_counter() - started

    # the whole job
    def run(self) -> tuple[Ending, bool]:
        """Run the job; ``(how it ended, the server can serve another job)``."""
        cells_only = protocol.Program(self.program.cells, ())
        try:
            self.server.start(cells_only, self.limits, self.files, self.deadlines)
        except (OSError, TimeoutError):
            return Ending.crashed("the worker server stopped before the notebook ran"), False
        workdir = Path(tempfile.mkdtemp(prefix="mmlcalc-tests-"))
        real = {name: getattr(checks, name) for name in self.recorder.functions()}
        previous = os.getcwd()
        try:
            _copy_support_files(self.folder, workdir)
            os.chdir(workdir)
            return self._run()
        finally:
            os.chdir(previous)
            for name, function in real.items():
                setattr(checks, name, function)
            shutil.rmtree(workdir, ignore_errors=True)

    def _run(self) -> tuple[Ending, bool]:
        try:
            while not self.ready:
                message = self.transport.receive(None)
                self.transport.processed()
                if isinstance(message, protocol.Request):
                    self.endpoint.serve(message)  # nothing is exported yet: the job is lost
                else:
                    self.on_other(message)
            namespace = {"__builtins__": builtins, "__name__": "__main__"}
            self.install(namespace)
            for label, source in self.program.setup:
                error, _ = self.execute(source, f"<setup {label}>", namespace)
                self.emit(protocol.SetupRan(label=label, error=error))
            for index, chunk in enumerate(self.program.chunks):
                self.install(namespace)
                self.recorder.records = []
                part = "hidden" if chunk.hidden else "visible"
                filename = f"<test {chunk.grade_id} ({part})>"
                error, seconds = self.execute(chunk.source, filename, namespace)
                self.code_seconds += seconds
                records = self.recorder.records
                self.emit(
                    protocol.ChunkRan(index=index, records=records, error=error, seconds=seconds)
                )
            self.endpoint.deadline = time.monotonic() + self.deadlines.finish
            self._notebook(1, "finish")()
            self.finished = True  # its reply came: every request was read
            while True:
                self.on_other(self.transport.receive(None))
                self.transport.processed()
        except remote.PeerLost as lost:
            if lost.end is None:
                self.server.kill()
                if lost.timed_out:
                    why = (
                        "a test's call into the notebook ran longer than the limit of "
                        f"{self.deadlines.cell:g} s per cell without stopping"
                    )
                    return Ending.timeout(why), False
                return Ending.crashed(str(lost)), False
            end = lost.end
            ending = ending_of(end, self.finished, self.transport.garbage, self.limits)
            # only a notebook that read every request leaves the server's stdin empty: after
            # any other ending a request may wait there (the next job's process skips it,
            # but a new server is cheap insurance)
            return ending, self.finished and end.clean


def _copy_support_files(folder, workdir: Path) -> None:
    """The master folder's files other than notebooks (data the tests may read)."""
    if not folder or not Path(folder).is_dir():
        return
    total = 0
    for item in sorted(Path(folder).iterdir()):
        if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb":
            total += item.stat().st_size
            if total > MAX_SUPPORT_BYTES:
                break
            shutil.copyfile(item, workdir / item.name)


# --- the process -------------------------------------------------------------------------------


def serve(config: dict) -> None:
    """The test process's loop: one job after another from stdin, results to stdout.

    It ends when its stdin closes: the grader closed it, or died. (Not a parent-death
    signal: that follows the grader's thread that started the process, which may end
    long before the grader.)
    """
    out = os.dup(1)
    os.dup2(2, 1)  # a test's print goes to stderr, never into the frames
    sys.stdout = sys.stderr
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    command = ServerCommand(tuple(config["argv"]), config["env"], config["sandboxed"])

    def emit(message: protocol.Message) -> None:
        frames.write(out, message.to_json())

    server = None
    try:
        server = WorkerServer(command, config["processes"])
    except (SandboxUnavailable, OSError) as error:
        emit(protocol.Unavailable(why=str(error)))
        return
    emit(protocol.ServerReady(pid=os.getpid(), sandboxed=command.sandboxed))
    while True:
        try:
            request = frames.read(0, 2**31)
        except frames.FrameError:
            request = None
        if request is None:
            break
        if server is None:
            try:
                server = WorkerServer(command, config["processes"])
            except (SandboxUnavailable, OSError) as error:
                ending = Ending.crashed(f"the sandbox did not restart: {error}")
                emit(protocol.JobResult(ending=ending.to_json()))
                continue
        job = Job(server, request, emit)
        try:
            ending, reusable = job.run()
        except Exception as error:  # a fault of ours: this job is lost, not the batch
            ending = Ending.crashed(f"the test process failed ({type(error).__name__}: {error})")
            server.kill()
            reusable = False
        emit(protocol.JobResult(ending=ending.to_json(), code_seconds=job.code_seconds))
        if not reusable:
            server.close()
            server = None
    if server is not None:
        server.close()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    serve(json.loads(argv[0]))


if __name__ == "__main__":
    main()
