"""The worker server: one long-lived process that forks a fresh process for every notebook.

``python -m mmlcalc_grade.zygote CONFIG`` is started by
:class:`mmlcalc_grade.processes.WorkerServer`, inside a bubblewrap sandbox (private
file system, no network, own PID and user namespaces) or, when the instructor
asked for ``--isolation none``, as a plain child process. It imports NumPy and matplotlib once, then
serves jobs one after another:

1. it forks a child **before** any job data exists in its own memory; the child
   reads one request frame (the notebook's cells, limits and files) from the
   server's stdin, closes every descriptor that leads to the grader, stdin too,
   except its two pipes to the server (frames out, requests in), writes the files
   into a fresh working folder, reports the limits in a first frame (still before
   any learner code), and runs :func:`mmlcalc_grade.runner.child_main`;
2. the server relays the child's frames to its stdout (the only writer of that
   pipe, so a learner's process cannot forge the end of its job), relays the test
   process's requests from its stdin to the child's request pipe (a pipe of this job
   only: nothing written there reaches the next one), and watches the
   job: wall-clock limit, total memory (proportional set size) of every process of the job, and
   disk used by the working folder and ``/tmp``;
3. when the job ends it kills every process the job left behind (in the sandbox:
   every process of the PID namespace but itself, its init, and reaps them), wipes
   the working folder and ``/tmp``, and writes an ``end`` frame.

The server marks itself not dumpable, so a learner's process (same user) cannot
read its memory, trace it or open its descriptors (``/proc/1/fd``); in the sandbox it
is pid 1 (bwrap ``--as-pid-1``), so no other process there holds the pipes to the
test process, and the signals a notebook sends it are dropped by the kernel.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import stat
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from . import frames, protocol, runner
from .deadlines import Deadlines

#: Largest single frame accepted from a notebook's process, bytes.
MAX_MESSAGE_BYTES = 64 * 2**20
#: How often the watchdog measures memory and disk, seconds.
WATCH_INTERVAL = 0.05
#: Highest file descriptor closed in the child (the learner must hold nothing of the grader's).
_MAX_FD = 4096
_PR_SET_DUMPABLE = 4
#: In the sandbox: the in-memory folders, besides the working folder's, that a notebook
#: can write to; counted in its disk limit and emptied after every job.
SCRATCH = ("/tmp", "/dev/shm")
#: The server's private copy of its stdout (fd 1 itself points at stderr, for stray prints).
_OUT = 1


def _in_own_pid_namespace() -> bool:
    """True only inside a bubblewrap PID namespace, where the server is pid 1 (``--as-pid-1``).

    ``kill(-1)`` kills every process the caller may signal; it is safe only here.
    """
    # Issue 19: the server is the namespace's init itself. With bwrap's own init as pid 1
    # (same user, dumpable), a notebook opened /proc/1/fd/1, the server's stdout, and wrote
    # frames marked as the server's own (a forged "end"), or /proc/1/fd/0, its stdin (a
    # forged job for the next notebook). The server is not dumpable: /proc/1/fd is closed.
    return os.getpid() == 1


def _reap(child: int) -> int | None:
    """Reap every exited process (the server is the namespace's init: orphans come to it);
    the wait status of ``child`` if it was among them."""
    status = None
    while True:
        try:
            pid, code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == child:
            status = code


def _set_dumpable(flag: int) -> None:
    """0: no process of the same user may read this one's memory or trace it."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, flag, 0, 0, 0)


# --- the child ----------------------------------------------------------------------


def _close_grader_descriptors(keep: tuple[int, ...]) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, _MAX_FD)


def _write_files(workdir: Path, files) -> None:
    for relative, encoded in files:
        path = Path(relative)
        if path.is_absolute() or ".." in path.parts:
            continue
        target = workdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(encoded))


def _child(config: dict, sender: int, requests: int) -> None:
    _set_dumpable(1)  # so that the server's watchdog can read this process's memory use
    while True:  # skip what an earlier job left unread (a request it never took)
        try:
            request = frames.read(0, frames.MAX_REQUEST_BYTES)
        except frames.FrameError:
            os._exit(71)
        if request is None:  # the grader closed the server's stdin: shut down
            os._exit(0)
        if isinstance(request, dict) and request.get("m") == protocol.ServerJob.KIND:
            job = protocol.ServerJob.from_json(request)  # written by the (trusted) test process
            break
    # Issue 19: the test process's requests reach this process through a pipe of its own
    # job (``requests``), relayed by the server, never through the server's stdin: a
    # notebook holding a pipe can reopen it for writing (/proc/self/fd/N), and wrote a
    # forged job into the server's stdin that the next notebook's process read as its own.
    _close_grader_descriptors(keep=(sender, requests))  # fd 0 too
    if config["sandboxed"]:
        workdir = Path(config["home"])
        workdir.mkdir(mode=0o700, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="mmlcalc-grade-"))
    _write_files(workdir, job.files)
    limits = protocol.Limits.from_json(job.limits)
    deadlines = Deadlines.from_json(job.deadlines)
    if config["sandboxed"]:
        tmpdir = "/tmp"
    else:  # outside a user namespace RLIMIT_NPROC would count all the instructor's processes
        limits = replace(limits, processes=0)
        tmpdir = str(workdir)
    started = protocol.Started(
        workdir=str(workdir),
        timeout=deadlines.notebook,
        memory_mb=limits.memory_mb,
        disk_mb=limits.disk_mb,
        processes=limits.processes,
    )
    frames.write(sender, started.to_json())
    program = protocol.Program.from_plain(job.program)
    place = runner.Place(workdir=str(workdir), tmpdir=tmpdir)
    runner.child_main(program, limits, deadlines.cell, place, sender, requests)


# --- the watchdog ---------------------------------------------------------------------


def _memory_bytes(pids) -> int:
    """Memory of the processes: proportional set sizes (shared pages split, not counted twice)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{pid}/smaps_rollup", "rb") as file:
                for line in file:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
    return total


def _job_pids(child: int, sandboxed: bool) -> list[int]:
    if not sandboxed:
        return [child]
    me = os.getpid()
    pids = (int(name) for name in os.listdir("/proc") if name.isdigit())
    return [pid for pid in pids if pid not in (1, me)]


def _used_bytes(paths) -> int:
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):
            info = os.statvfs(path)
            total += (info.f_blocks - info.f_bfree) * info.f_frsize
    return total


def _kill_job(child: int, sandboxed: bool, status: int | None) -> tuple[bool, int | None]:
    """Kill the child and everything it started; ``(nothing is left, the child's status)``.

    ``status`` is the child's wait status if it was reaped already (its pid may then
    belong to another process: it is not signalled again).
    """
    if sandboxed and _in_own_pid_namespace():
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        if status is None:
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(child, 0)
        for _ in range(400):  # orphans come to the server, the namespace's init: reaped here
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                return True, status
            time.sleep(0.005)
            _reap(child)
        return False, status
    # the child leads its own process group (runner.child_main): kill what is left in it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child, signal.SIGKILL)
    if status is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(child, signal.SIGKILL)  # before it made its group
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(child, 0)
    return True, status


def _wipe(path: Path) -> None:
    """Remove ``path`` even where the learner's code took away permissions."""

    def allow_and_retry(function, name, _):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            os.chmod(name, stat.S_IRWXU)
            function(name)

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, onerror=allow_and_retry)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


#: The frame a notebook's process sends when its cells are done and the tests may start.
TESTS_READY = json.dumps(protocol.TestsReady().to_json(), separators=(",", ":")).encode()


def _over_limits(start: protocol.Started, child: int, sandboxed: bool, writable) -> str | None:
    """The limit the job is over (``processes``, ``memory``, ``disk``), or None.

    Checked every WATCH_INTERVAL, and once more before the tests start: a notebook whose
    cells overran a limit between two checks is stopped before any test runs, as one
    caught in the act, not after the first tests (a race the suite lost under load).
    """
    pids = _job_pids(child, sandboxed)
    if sandboxed and start.processes and len(pids) > start.processes:
        return "processes"  # RLIMIT_NPROC does not hold where the grader runs as root
    memory = start.memory_mb * 2**20
    if memory and _memory_bytes(pids) > memory:
        return "memory"
    disk = start.disk_mb * 2**20
    if sandboxed and disk and _used_bytes(writable) > disk:
        return "disk"
    return None


def _supervise(config: dict, child: int, receiver: int, relay: int) -> protocol.JobEnd | None:
    """Relay the child's frames, enforce the job's limits, clean up; the ``end`` frame.

    Once the child has taken its job (its first frame), the test process's requests on
    stdin are relayed to the child's own request pipe (``relay``), a read at a time.
    """
    sandboxed = config["sandboxed"]
    writable = (os.path.dirname(config["home"]), *SCRATCH) if sandboxed else ()
    splitter = frames.Splitter(MAX_MESSAGE_BYTES)
    start = None
    deadline = next_watch = next_reap = 0.0
    reason = status = exited_at = None
    eof = False
    relaying, pending = True, b""  # requests read from stdin, not yet taken by the child
    os.set_blocking(receiver, False)
    os.set_blocking(relay, False)
    while True:
        readable = takes = []
        watched = [] if eof else [receiver]
        if start is not None and status is None and relaying and not pending:
            watched.append(0)  # the next request only when the child took the last one
        if watched or pending:
            readable, takes, _ = select.select(
                watched, [relay] if pending else [], [], WATCH_INTERVAL
            )
        else:
            time.sleep(0.01)
        if 0 in readable:
            pending = os.read(0, frames.READ_SIZE)
            if not pending:  # stdin closed, the test process is gone: so are the requests
                relaying = False
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, relay)  # the child reads the end of its requests
                os.close(null)
            else:
                takes = [relay]  # a reply is usually taken at once: no select before it
        if takes and status is None:
            try:
                pending = pending[os.write(relay, pending) :]
            except BlockingIOError:
                pass
            except BrokenPipeError:  # nobody reads the requests any more
                relaying, pending = False, b""
        if receiver in readable:
            try:
                data = os.read(receiver, frames.READ_SIZE)
            except BlockingIOError:
                data = None
            if data == b"":
                eof = True
            elif data:
                try:
                    payloads = splitter.feed(data)
                except frames.FrameError as error:
                    reason = f"garbage: {error}"
                    break
                for payload in payloads:
                    if start is None:  # written by our own code before any learner code
                        start = protocol.Started.from_json(json.loads(payload))
                        deadline = time.monotonic() + start.timeout
                        continue
                    if payload == TESTS_READY:  # the cells are done: their limits, checked now
                        reason = _over_limits(start, child, sandboxed, writable)
                        if reason:
                            break
                    frames.write_raw(_OUT, RELAYED + payload)
                if reason:
                    break
        # reaped (and the orphans the job left: the server is their init) when the child's
        # pipe ends or falls quiet, and at least every WATCH_INTERVAL: not at every frame
        if eof or not readable or time.monotonic() >= next_reap:
            next_reap = time.monotonic() + WATCH_INTERVAL
            reaped = _reap(child)
            if status is None and reaped is not None:
                status, exited_at = reaped, time.monotonic()
        if status is not None and (eof or time.monotonic() - exited_at > 0.2):
            break
        if start is None:
            continue  # the child waits for its request: no learner code runs yet
        now = time.monotonic()
        if now > deadline:
            reason = "timeout"
            break
        if now >= next_watch:
            next_watch = now + WATCH_INTERVAL
            reason = _over_limits(start, child, sandboxed, writable)
            if reason:
                break
    clean, status = _kill_job(child, sandboxed, status)
    os.close(receiver)
    if start is None and reason is None and status is not None:
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return None  # shut down: the grader closed stdin
    if start is not None:
        _wipe(Path(start.workdir))
    if sandboxed:
        for folder in map(Path, SCRATCH):
            for item in folder.iterdir() if folder.is_dir() else ():
                if item.name != "matplotlib" and item.name not in config.get("keep", ()):
                    _wipe(item)
    exit_status = killed_by = None
    if status is not None and os.WIFEXITED(status):
        exit_status = os.WEXITSTATUS(status)
    elif status is not None and os.WIFSIGNALED(status):
        with contextlib.suppress(ValueError):
            killed_by = signal.Signals(os.WTERMSIG(status)).name
    return protocol.JobEnd(reason=reason, exit=exit_status, signal=killed_by, clean=clean)


# --- the server -------------------------------------------------------------------------

#: First byte of every frame the server writes: its own (``ready``, ``end``) or relayed
#: from a notebook's process, so that a notebook cannot forge the end of its job.
CONTROL, RELAYED = b"Z", b"R"


def _control(message: protocol.Message) -> None:
    frames.write_raw(_OUT, CONTROL + json.dumps(message.to_json()).encode())


def _prepare_matplotlib(config: dict) -> None:
    """Give matplotlib a writable cache folder holding the grader's font list (no rebuild)."""
    cache = config.get("mplconfigdir")
    if not cache:
        return
    os.makedirs(cache, exist_ok=True)
    fontlist = config.get("fontlist")
    if fontlist and os.path.exists(fontlist):
        shutil.copyfile(fontlist, os.path.join(cache, os.path.basename(fontlist)))
    os.environ["MPLCONFIGDIR"] = cache


def serve(config: dict) -> None:
    """The server's loop (never returns while the grader keeps stdin open)."""
    global _OUT
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _OUT = os.dup(1)
    os.dup2(2, 1)
    _prepare_matplotlib(config)
    for name in config["preload"]:
        importlib.import_module(name)
    for name in config.get("warm", ()):  # the masters' imports: the notebook reports a failure
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    _set_dumpable(0)
    if config["sandboxed"]:
        os.makedirs(os.path.dirname(config["home"]), exist_ok=True)
    _control(protocol.ServerReady(pid=os.getpid(), sandboxed=config["sandboxed"]))
    while True:
        receiver, sender = os.pipe()
        requests, relay = os.pipe()  # the test process's requests, for this job's child only
        child = os.fork()
        if child == 0:
            try:
                os.close(receiver)
                os.close(relay)
                _child(config, sender, requests)
            finally:
                os._exit(70)
        os.close(sender)
        os.close(requests)
        end = _supervise(config, child, receiver, relay)
        os.close(relay)
        if end is None:
            return
        _control(end)
        if not end.clean:
            return  # processes survived the kill: the grader starts a new server


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    serve(json.loads(argv[0]))


if __name__ == "__main__":
    main()
