"""The worker server: one long-lived process that forks a fresh process for every notebook.

``python -m mmlcalc_grade.zygote CONFIG`` is started by
:class:`mmlcalc_grade.sandbox.WorkerServer`, inside a bubblewrap sandbox (private
file system, no network, own PID and user namespaces) or, when no sandbox is
available, as a plain child process. It imports NumPy and matplotlib once, then
serves jobs one after another:

1. it forks a child **before** any job data exists in its own memory; the child
   reads one request frame (the notebook's cells, limits and files) from the
   server's stdin, closes every descriptor that leads to the grader except that
   stdin (the test process's requests follow on it) and its pipe to the server,
   writes the files into a fresh working folder, reports the limits in a first
   frame (still before any learner code), and runs
   :func:`mmlcalc_grade.runner.child_main`;
2. the server relays the child's frames to its stdout (the only writer of that
   pipe, so a learner's process cannot forge the end of its job), and watches the
   job: wall-clock limit, total memory (proportional set size) of every process of the job, and
   disk used by the working folder and ``/tmp``;
3. when the job ends it kills every process the job left behind (in the sandbox:
   every process of the PID namespace but itself and the namespace's init), wipes
   the working folder and ``/tmp``, and writes an ``end`` frame.

The server marks itself not dumpable, so a learner's process (same user) cannot
read its memory or trace it; a learner's process that kills it only ends its own
job (the grader starts a new server).
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

from . import frames, runner

#: Largest request (program + files) a child accepts, bytes.
MAX_REQUEST_BYTES = 256 * 2**20
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
    """True only inside a bubblewrap PID namespace: the server is pid 2, bwrap's init pid 1.

    ``kill(-1)`` kills every process the caller may signal; it is safe only here.
    """
    return os.getpid() == 2 and os.getppid() == 1


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


def _child(config: dict, sender: int) -> None:
    _set_dumpable(1)  # so that the server's watchdog can read this process's memory use
    while True:  # skip what an earlier job left unread (a request it never took)
        try:
            request = frames.read(0, MAX_REQUEST_BYTES)
        except frames.FrameError:
            os._exit(71)
        if request is None:  # the grader closed the server's stdin: shut down
            os._exit(0)
        if isinstance(request, dict) and request.get("m") == "job":
            break
    requests = os.dup(0)  # the test process's requests follow the job on the same pipe
    _close_grader_descriptors(keep=(sender, requests))
    if config["sandboxed"]:
        workdir = Path(config["home"])
        workdir.mkdir(mode=0o700, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="mmlcalc-grade-"))
    _write_files(workdir, request["files"])
    settings = replace(runner.RunSettings(**request["settings"]), workdir=str(workdir))
    if config["sandboxed"]:
        settings = replace(settings, tmpdir="/tmp")
    else:  # outside a user namespace RLIMIT_NPROC would count all the instructor's processes
        settings = replace(settings, processes=0, tmpdir=str(workdir))
    frames.write(
        sender,
        {
            "m": "start",
            "workdir": str(workdir),
            "timeout": float(request["timeout"]),
            "memory_mb": int(settings.memory_mb),
            "disk_mb": int(settings.disk_mb),
            "processes": int(settings.processes),
        },
    )
    program = runner.Program.from_plain(request["program"])
    runner.child_main(program, settings, sender, requests)


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
        for _ in range(400):  # orphans go to the namespace's init, which reaps them
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                return True, status
            time.sleep(0.005)
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


def _supervise(config: dict, child: int, receiver: int) -> dict | None:
    """Relay the child's frames, enforce the job's limits, clean up; the ``end`` frame."""
    sandboxed = config["sandboxed"]
    writable = (os.path.dirname(config["home"]), *SCRATCH) if sandboxed else ()
    splitter = frames.Splitter(MAX_MESSAGE_BYTES)
    start = None
    deadline = next_watch = 0.0
    reason = status = exited_at = None
    eof = False
    os.set_blocking(receiver, False)
    while True:
        readable = []
        if not eof:
            readable, _, _ = select.select([receiver], [], [], WATCH_INTERVAL)
        else:
            time.sleep(0.01)
        if readable:
            try:
                data = os.read(receiver, 1 << 20)
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
                        start = json.loads(payload)
                        deadline = time.monotonic() + start["timeout"]
                        continue
                    frames.write_raw(_OUT, RELAYED + payload)
        if status is None:
            pid, code = os.waitpid(child, os.WNOHANG)
            if pid:
                status, exited_at = code, time.monotonic()
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
            pids = _job_pids(child, sandboxed)
            if sandboxed and start["processes"] and len(pids) > start["processes"]:
                reason = "processes"  # RLIMIT_NPROC does not hold where the grader runs as root
                break
            memory = start["memory_mb"] * 2**20
            if memory and _memory_bytes(pids) > memory:
                reason = "memory"
                break
            disk = start["disk_mb"] * 2**20
            if sandboxed and disk and _used_bytes(writable) > disk:
                reason = "disk"
                break
    clean, status = _kill_job(child, sandboxed, status)
    os.close(receiver)
    if start is None and reason is None and status is not None:
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return None  # shut down: the grader closed stdin
    if start is not None:
        _wipe(Path(start["workdir"]))
    if sandboxed:
        for folder in map(Path, SCRATCH):
            for item in folder.iterdir() if folder.is_dir() else ():
                if item.name != "matplotlib" and item.name not in config.get("keep", ()):
                    _wipe(item)
    end = {"m": "end", "reason": reason, "exit": None, "signal": None, "clean": clean}
    if status is not None and os.WIFEXITED(status):
        end["exit"] = os.WEXITSTATUS(status)
    elif status is not None and os.WIFSIGNALED(status):
        with contextlib.suppress(ValueError):
            end["signal"] = signal.Signals(os.WTERMSIG(status)).name
    return end


# --- the server -------------------------------------------------------------------------

#: First byte of every frame the server writes: its own (``ready``, ``end``) or relayed
#: from a notebook's process, so that a notebook cannot forge the end of its job.
CONTROL, RELAYED = b"Z", b"R"


def _control(message: dict) -> None:
    frames.write_raw(_OUT, CONTROL + json.dumps(message).encode())


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
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    _set_dumpable(0)
    if config["sandboxed"]:
        os.makedirs(os.path.dirname(config["home"]), exist_ok=True)
    _control({"m": "ready", "pid": os.getpid(), "sandboxed": config["sandboxed"]})
    while True:
        receiver, sender = os.pipe()
        child = os.fork()
        if child == 0:
            try:
                os.close(receiver)
                _child(config, sender)
            finally:
                os._exit(70)
        os.close(sender)
        end = _supervise(config, child, receiver)
        if end is None:
            return
        _control(end)
        if not end["clean"]:
            return  # processes survived the kill: the grader starts a new server


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    serve(json.loads(argv[0]))


if __name__ == "__main__":
    main()
