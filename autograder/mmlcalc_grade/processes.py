"""Handles on the grader's child processes: a test process, a worker server.

Both are a :class:`ManagedChild`: a Python process started with ``-I`` (isolated)
and a given ``sys.path``, in its own session, that speaks frames (:mod:`.frames`) on
its stdin and stdout, logs to a temporary file, and is killed with its whole process
group when it misbehaves.

* :class:`TestProcess` is the grader's handle on a trusted test process
  (:mod:`.tester`), which owns one worker server;
* :class:`WorkerServer` is the test process's handle on its worker server
  (:mod:`.zygote`), sandboxed or not (:mod:`.sandbox` builds its command line).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import frames, protocol, zygote
from .deadlines import Deadlines
from .protocol import Ending, Limits, Reports
from .sandbox import SERVER_ENVIRONMENT, PidsCgroup, SandboxUnavailable, ServerCommand, boot_argv

#: Processes of a worker server besides the notebook's own: bwrap's init, the server, a shell.
SERVER_PROCESSES = 4
#: Largest frame a test process sends the grader (records of a whole test part).
MAX_RESULT_BYTES = 2**31 - 1


class ManagedChild:
    """A child process speaking frames on stdin/stdout, with its stderr kept in a log."""

    def __init__(self, argv, env: dict, limit: int):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        self.reader = frames.FrameReader(self.process.stdout.fileno(), limit)
        self.alive = True

    def stderr_tail(self) -> str:
        """The last line the process wrote on stderr (why it stopped, usually)."""
        with contextlib.suppress(Exception):
            self.process.wait(2)
        with contextlib.suppress(OSError):
            self.log.seek(0)
            lines = self.log.read().decode(errors="replace").strip().splitlines()
            return lines[-1].strip() if lines else ""
        return ""

    def usable(self) -> bool:
        return self.alive and self.process.poll() is None

    def kill(self) -> None:
        self.alive = False
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(10)

    def ask_to_stop(self) -> None:
        """Close its stdin: the process ends when it has read everything (:meth:`close` waits)."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()

    def close(self, wait: float = 10.0) -> None:
        """Ask the process to stop (close its stdin), then make sure it has."""
        if self.process.poll() is None:
            self.ask_to_stop()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(wait)
        self.kill()
        for stream in (self.process.stdin, self.process.stdout, self.log):
            with contextlib.suppress(Exception):
                stream.close()


# --- the grader's handle on a test process ---------------------------------------------------


class TestProcess(ManagedChild):
    """A running test process (which owns one worker server), as the grader sees it."""

    __test__ = False  # not a pytest class

    def __init__(self, command: ServerCommand, processes: int = 0):
        config = {
            "argv": list(command.argv),
            "env": command.env,
            "sandboxed": command.sandboxed,
            "processes": processes,
        }
        path = [p for p in sys.path if p and Path(p).is_dir()]
        argv = boot_argv("mmlcalc_grade.tester", config, path)
        super().__init__(argv, {**os.environ, **SERVER_ENVIRONMENT}, MAX_RESULT_BYTES)
        ready = self._next(time.monotonic() + Deadlines(1, 1).test_process_start)
        if not isinstance(ready, protocol.ServerReady):
            why = ready.why if isinstance(ready, protocol.Unavailable) else None
            self.close()
            raise SandboxUnavailable(why or self.stderr_tail() or "it did not start")

    def _next(self, deadline: float):
        try:
            payload = self.reader.next(deadline)
        except frames.FrameError:
            payload = None
        if payload is None or payload == "timeout":
            return payload
        return protocol.parse(json.loads(payload))  # written by our own code: trusted JSON

    def run(
        self, program, limits: Limits, mode: str, files, deadlines: Deadlines, folder=None
    ) -> Reports:
        """Grade one notebook: the test process's reports and how the job ended."""
        request = protocol.JobRequest(
            program=program.to_plain(),
            limits=limits.to_json(),
            mode=mode,
            files=[[name, base64.b64encode(data).decode()] for name, data in files],
            deadlines=deadlines.to_json(),
            folder=folder,
        )
        reports = Reports()
        try:
            frames.write(self.process.stdin.fileno(), request.to_json())
        except OSError:
            self.kill()
            return Reports(
                ending=Ending.crashed("the test process stopped before the notebook ran")
            )
        backstop = time.monotonic() + deadlines.grader
        while True:
            message = self._next(backstop)
            if message == "timeout" or message is None:
                why = self.stderr_tail()
                self.kill()
                if message == "timeout":
                    return _with_ending(reports, Ending.timeout())
                return _with_ending(
                    reports,
                    Ending.crashed(f"the test process stopped ({why or 'no reason given'})"),
                )
            if isinstance(message, protocol.JobResult):
                ending = Ending.from_json(message.ending)
                return _with_ending(reports, ending, message.code_seconds)
            if isinstance(message, protocol.CellRan):
                reports.cells.append(message)
            elif isinstance(message, protocol.SetupRan):
                reports.setup.append(message)
            elif isinstance(message, protocol.ChunkRan):
                reports.chunks.setdefault(message.index, message)


def _with_ending(reports: Reports, ending: Ending, code_seconds: float = 0.0) -> Reports:
    return Reports(reports.cells, reports.setup, reports.chunks, ending, code_seconds)


# --- the test process's handle on its worker server -----------------------------------------


class WorkerServer(ManagedChild):
    """A running worker server: send it a job, read the job's messages until its end."""

    def __init__(self, command: ServerCommand, processes: int = 0):
        self.command = command
        self.cgroup = None
        argv = list(command.argv)
        if command.sandboxed and processes and os.geteuid() == 0:
            with contextlib.suppress(OSError):
                self.cgroup = PidsCgroup(processes + SERVER_PROCESSES)
                argv = self.cgroup.wrap(argv)
        super().__init__(argv, command.env, zygote.MAX_MESSAGE_BYTES + 1)
        self.deadlines = Deadlines(1, 1)  # only the job-independent limits are read
        ready = self.next(time.monotonic() + self.deadlines.server_start)
        if not isinstance(ready, protocol.ServerReady):
            why = self.stderr_tail() or "it did not start"
            self.close()
            raise SandboxUnavailable(why)

    def next(self, deadline: float, step: float = 1.0):
        """The next message, ``"timeout"``, ``"garbage"`` or None (the server ended).

        The server marks its own frames (``ready``, ``end``) apart from those it relays
        from the notebook's process, so a notebook cannot forge the end of its job.
        """
        try:
            payload = self.reader.next(deadline, step)
        except frames.FrameError:
            self.kill()
            return None
        if payload is None:
            self.alive = False
            return None
        if payload == "timeout":
            return "timeout"
        origin, payload = payload[:1], payload[1:]
        try:
            message = protocol.parse(json.loads(payload))
        except (ValueError, protocol.ProtocolError):
            return "garbage"
        own = isinstance(message, (protocol.ServerReady, protocol.JobEnd))
        if origin == zygote.RELAYED and not own:
            return message
        if origin == zygote.CONTROL and own:
            return message
        return "garbage"  # a notebook forging the server's own messages, or worse

    def start(self, program, limits: Limits, files, deadlines: Deadlines) -> None:
        """Send a job: the notebook's cells, limits and files (raises OSError if it cannot)."""
        job = protocol.ServerJob(
            program=program.to_plain(),
            limits=limits.to_json(),
            files=[[name, base64.b64encode(data).decode()] for name, data in files],
            deadlines=deadlines.to_json(),
        )
        self.send(job, time.monotonic() + self.deadlines.server_start)

    def send(self, message: protocol.Message, deadline: float) -> None:
        """Write one frame to the server (for the job's notebook process) by ``deadline``.

        Raises ``TimeoutError`` when the notebook does not read it in time (the server
        must then be killed: a frame cut in half would be read as the next job).
        """
        fd = self.process.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(frames.encode(message.to_json()))
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the notebook's process does not read its requests")
            _, writable, _ = select.select([], [fd], [], min(left, self.deadlines.poll))
            if writable:
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    continue

    def kill(self) -> None:
        if self.cgroup is not None:  # every process of the server, wherever it moved
            with contextlib.suppress(OSError):
                for pid in (self.cgroup.folder / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
        super().kill()

    def close(self, wait: float = 5.0) -> None:
        super().close(wait)
        if self.cgroup is not None:
            self.cgroup.remove()


def ending_of(end: protocol.JobEnd, finished: bool, garbage: bool, limits: Limits) -> Ending:
    """How a job ended, from the worker server's ``end`` message, in words for the learner."""
    reason = end.reason or ""
    if reason == "timeout":
        return Ending.timeout()
    if reason == "memory":
        return Ending.crashed(
            "the notebook's processes used more than the memory limit of "
            f"{limits.memory_mb} MB together and were stopped"
        )
    if reason == "disk":
        return Ending.crashed(
            f"the notebook wrote more than the disk limit of {limits.disk_mb} MB "
            "of files and was stopped"
        )
    if reason == "processes":
        return Ending.crashed(
            f"the notebook ran more than the limit of {limits.processes} processes "
            "at once and was stopped"
        )
    if garbage or reason.startswith("garbage"):
        return Ending.crashed("the worker sent something that is not a record")
    if finished:
        return Ending.done()
    if end.signal == "SIGXCPU":
        return Ending.crashed(f"the notebook used more than {limits.cpu_seconds} s of CPU time")
    if end.signal:
        return Ending.crashed(f"the notebook's process was killed by {end.signal}")
    return Ending.crashed(f"the notebook's process exited with status {end.exit}")
