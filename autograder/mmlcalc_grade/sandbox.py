"""Where a learner's code runs: a bubblewrap sandbox, or, with a warning, a plain process.

Each test process (:mod:`mmlcalc_grade.tester`, one per parallel job) talks to a
long-lived **worker server** (:mod:`mmlcalc_grade.zygote`) of its own, which forks
a fresh process for every notebook. With
``isolation="sandbox"`` each server runs under `bubblewrap`_ (Debian and Ubuntu
package ``bubblewrap``, command ``bwrap``), which gives it, using Linux user
namespaces and no privileges:

* a private file system: read-only the system folders (``/usr``, ``/lib``...),
  the Python installation and the course package ``mmlcalc`` (only that folder of
  the repository), an empty ``/home`` (the notebook's working folder
  ``/home/learner``) and ``/tmp``, both in memory and emptied after every job.
  Nothing else exists: not ``source/``, the cached reference values, the
  gradebook, other submissions, the instructor's home, ``/etc``'s secrets;
* its own network namespace with nothing in it (not even the host's loopback);
* its own PID, IPC, UTS and user namespaces (uid 1000, no capabilities), so a
  notebook can see, signal or trace no process outside its sandbox, and
  ``RLIMIT_NPROC`` counts only the sandbox's processes;
* ``--die-with-parent``: if its test process dies, the sandbox dies with it.

``isolation="none"`` runs the same servers as plain processes (rlimits, process
groups and the time limits still apply, the rest does not); ``"auto"`` uses the
sandbox when bubblewrap works on this machine and otherwise warns, naming what is
not enforced. :func:`mmlcalc_grade.pools.resolve` makes that decision once per
grader process.

.. _bubblewrap: https://github.com/containers/bubblewrap
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import mmlcalc

from . import frames, zygote

#: Modules the worker servers import once, before forking notebooks' processes.
PRELOAD = ["numpy", "matplotlib", "matplotlib.pyplot", "mmlcalc.checks", "mmlcalc_grade.runner"]
#: The environment of the worker servers (the notebook's process reduces it further).
SERVER_ENVIRONMENT = {
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
#: Inside the sandbox: the notebook's working folder, in an in-memory /home.
SANDBOX_HOME = "/home/learner"
#: System folders shown read-only in the sandbox (symbolic links are recreated as links).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: The only files of /etc a Python process with NumPy and matplotlib needs.
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
#: Seconds a worker server may take to start (import NumPy, matplotlib).
START_TIMEOUT = 120.0
#: Seconds the grader waits past a job's own limit before it kills the server itself.
BACKSTOP = 30.0

UNENFORCED = (
    "a private file system (the notebooks' code can read source/, the cached reference "
    "values, the gradebook, other submissions and your home folder, and write wherever "
    "you can)",
    "no network",
    "the limits on processes and on the total memory and disk of a submission",
)
HOW_TO_SANDBOX = (
    "Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap) on a Linux machine "
    "with unprivileged user namespaces, or grade inside a container or virtual machine that "
    "holds nothing but the course (autograder/GRADING.md, 'Isolation')."
)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine (the message says why)."""


# --- the command line of a worker server ------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _python_folders() -> list[Path]:
    """The Python installation: prefixes and site-packages folders that exist."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates.update(site.getsitepackages())
    user_site = site.getusersitepackages()
    if user_site in sys.path:
        candidates.add(user_site)
    candidates.add(str(Path(sys.executable).resolve().parent.parent))
    return [Path(p).resolve() for p in candidates if p and Path(p).is_dir()]


def _outermost(paths) -> list[Path]:
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


def _fontlist() -> Path | None:
    """matplotlib's font cache file, built in the grader if missing (it takes seconds)."""
    try:
        import matplotlib
        import matplotlib.font_manager as font_manager
    except ImportError:
        return None
    name = f"fontlist-v{font_manager.FontManager.__version__}.json"
    path = Path(matplotlib.get_cachedir()) / name
    return path if path.exists() else None


@dataclass(frozen=True)
class ServerCommand:
    """How to start one worker server: argv and environment."""

    argv: tuple[str, ...]
    env: dict
    sandboxed: bool


def _boot_argv(python_path: list[str], config: dict) -> list[str]:
    boot = (
        "import json, sys; config = json.loads(sys.argv[1]); sys.path[:] = config['path']; "
        "from mmlcalc_grade.zygote import main; main([sys.argv[1]])"
    )
    return [sys.executable, "-I", "-c", boot, json.dumps({**config, "path": python_path})]


def plain_command() -> ServerCommand:
    config = {"sandboxed": False, "preload": PRELOAD}
    path = [p for p in sys.path if p and Path(p).is_dir()]
    env = {**os.environ, **SERVER_ENVIRONMENT}
    return ServerCommand(tuple(_boot_argv(path, config)), env, sandboxed=False)


def sandbox_command(protected=(), bwrap: str | None = None) -> ServerCommand:
    """The bubblewrap command line of a sandboxed worker server.

    ``protected`` are paths that must stay invisible even when they lie inside a
    folder the sandbox shows (e.g. a course kept under ``/usr/local``): each is
    covered by an empty in-memory folder (or ``/dev/null`` for a file).
    """
    bwrap = bwrap or shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (the bwrap command) is not installed")
    # the two packages' own folders, never their parents: autograder/ also holds the
    # course directory (submissions, gradebook), which the sandbox must not see
    packages = [Path(mmlcalc.__file__).resolve().parent, Path(__file__).resolve().parent]
    shown = _outermost([*_python_folders(), *packages])
    args = [
        bwrap,
        "--unshare-all",  # user, IPC, PID, network, UTS and cgroup namespaces
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--hostname",
        "grading-sandbox",
    ]
    # the in-memory folders first: what is bound below stays visible even when it lies
    # under /tmp or /home (a clone in /tmp, a virtual environment in a home folder)
    args += ["--tmpfs", "/tmp", "--tmpfs", str(Path(SANDBOX_HOME).parent)]
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in shown:
        args += ["--ro-bind", str(path), str(path)]
    for item in protected:
        path = Path(item).resolve()
        if not path.exists() or any(_inside(s, path) for s in shown):
            continue  # not there, or it holds something the sandbox needs: never shown whole
        if any(_inside(path, s) for s in shown):
            cover = ["--tmpfs"] if path.is_dir() else ["--ro-bind", "/dev/null"]
            args += [*cover, str(path)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    config = {
        "sandboxed": True,
        "preload": PRELOAD,
        "home": SANDBOX_HOME,
        "mplconfigdir": "/tmp/matplotlib",
        # top-level names in the scratch folders that hold bound folders: never wiped
        "keep": sorted(
            {
                p.relative_to(root).parts[0]
                for p in shown
                for root in map(Path, zygote.SCRATCH)
                if _inside(p, root) and p != root
            }
        ),
    }
    fontlist = _fontlist()
    if fontlist is not None:
        args += ["--ro-bind", str(fontlist), f"/run/mmlcalc/{fontlist.name}"]
        config["fontlist"] = f"/run/mmlcalc/{fontlist.name}"
    environment = {
        **SERVER_ENVIRONMENT,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": SANDBOX_HOME,
        "USER": "learner",
        "LOGNAME": "learner",
        "TMPDIR": "/tmp",
    }
    args += ["--remount-ro", "/", "--clearenv"]  # the root itself too: only /tmp, /home writable
    for name, value in environment.items():
        args += ["--setenv", name, value]
    args += ["--chdir", "/tmp", "--"]
    python_path = [p for p in sys.path if p and any(_inside(Path(p).resolve(), s) for s in shown)]
    python_path += [str(package.parent) for package in packages]
    return ServerCommand(
        tuple(args + _boot_argv(python_path, config)),
        {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        sandboxed=True,
    )


# --- a cap on processes where RLIMIT_NPROC does not hold -----------------------------------


def _pids_cgroup_parent() -> Path | None:
    """A writable cgroup folder with the pids controller (cgroup v1 or v2), or None."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, relative = line.split(":", 2)
            if "pids" in controllers.split(","):  # cgroup v1
                folder = Path("/sys/fs/cgroup/pids") / relative.lstrip("/")
                if (folder / "cgroup.procs").exists() and os.access(folder, os.W_OK):
                    return folder
            if controllers == "":  # cgroup v2: only with pids delegated to our own subtree
                folder = Path("/sys/fs/cgroup") / relative.lstrip("/")
                subtree = folder / "cgroup.subtree_control"
                if subtree.exists() and "pids" in subtree.read_text().split():
                    if os.access(folder, os.W_OK):
                        return folder
    return None


class PidsCgroup:
    """A cgroup whose ``pids.max`` caps every process of one worker server (root only).

    The kernel exempts root's processes from ``RLIMIT_NPROC`` even in a user
    namespace, so a grader run as root caps a sandbox's processes this way.
    """

    _numbers = itertools.count(1)  # next() is atomic: servers start from several threads

    def __init__(self, limit: int):
        parent = _pids_cgroup_parent()
        if parent is None:
            raise OSError("no writable pids cgroup")
        self.folder = parent / f"mmlcalc-grade-{os.getpid()}-{next(PidsCgroup._numbers)}"
        self.folder.mkdir()
        (self.folder / "pids.max").write_text(str(limit))

    def wrap(self, argv) -> list[str]:
        """``argv`` started from a shell that first moves itself into the cgroup."""
        procs = self.folder / "cgroup.procs"
        return ["/bin/sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "sh", *argv]

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.folder.rmdir()


#: Processes of a worker server besides the notebook's own: bwrap's init, the server, a shell.
SERVER_PROCESSES = 4


# --- one worker server ----------------------------------------------------------------------


class WorkerServer:
    """A running worker server: send it a job, read the job's records until its end."""

    def __init__(self, command: ServerCommand, processes: int = 0):
        self.command = command
        self.log = tempfile.TemporaryFile()
        self.cgroup = None
        argv = list(command.argv)
        if command.sandboxed and processes and os.geteuid() == 0:
            with contextlib.suppress(OSError):
                self.cgroup = PidsCgroup(processes + SERVER_PROCESSES)
                argv = self.cgroup.wrap(argv)
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=command.env,
            close_fds=True,
            start_new_session=True,
        )
        self.reader = frames.FrameReader(self.process.stdout.fileno(), zygote.MAX_MESSAGE_BYTES + 1)
        self.alive = True
        ready = self.next(time.monotonic() + START_TIMEOUT)
        if not isinstance(ready, dict) or ready.get("m") != "ready":
            why = self._stderr_tail() or "it did not start"
            self.close()
            raise SandboxUnavailable(why)

    def _stderr_tail(self) -> str:
        with contextlib.suppress(Exception):
            self.process.wait(2)
        with contextlib.suppress(OSError):
            self.log.seek(0)
            lines = self.log.read().decode(errors="replace").strip().splitlines()
            return lines[-1].strip() if lines else ""
        return ""

    def next(self, deadline: float, step: float = 1.0):
        """The next frame as a dict, ``"timeout"``, ``"garbage"`` or None (the server ended)."""
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
            message = json.loads(payload)
        except ValueError:
            return "garbage"
        if not isinstance(message, dict):
            return "garbage"
        if origin == zygote.RELAYED and message.get("m") in ("ready", "end"):
            return "garbage"  # a notebook forging the server's own messages
        if origin not in (zygote.RELAYED, zygote.CONTROL):
            return "garbage"
        return message

    def start(self, program, settings, files, timeout: float) -> None:
        """Send a job: the notebook's program, limits and files (raises OSError if it cannot)."""
        plain_settings = asdict(settings)
        plain_settings["protected"] = list(settings.protected)
        request = {
            "m": "job",
            "program": program.to_plain(),
            "settings": plain_settings,
            "files": [[name, base64.b64encode(data).decode()] for name, data in files],
            "timeout": float(timeout),
        }
        self.send(request, time.monotonic() + START_TIMEOUT)

    def send(self, message, deadline: float) -> None:
        """Write one frame to the server (for the job's notebook process) by ``deadline``.

        Raises ``TimeoutError`` when the notebook does not read it in time (the server
        must then be killed: a frame cut in half would be read as the next job).
        """
        fd = self.process.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(frames.encode(message))
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the notebook's process does not read its requests")
            _, writable, _ = select.select([], [fd], [], min(left, 0.05))
            if writable:
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    continue

    def kill(self) -> None:
        self.alive = False
        if self.cgroup is not None:  # every process of the server, wherever it moved
            with contextlib.suppress(OSError):
                for pid in (self.cgroup.folder / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(10)

    def close(self) -> None:
        """Ask the server to stop (close its stdin), then make sure it has."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        for stream in (self.process.stdin, self.process.stdout, self.log):
            with contextlib.suppress(Exception):
                stream.close()
        if self.cgroup is not None:
            self.cgroup.remove()


def _ending(end: dict, done: bool, garbage: bool, settings) -> str:
    reason = end.get("reason")
    if reason == "timeout":
        return "timeout"
    if reason == "memory":
        return (
            "crashed: the notebook's processes used more than the memory limit of "
            f"{settings.memory_mb} MB together and were stopped"
        )
    if reason == "disk":
        return (
            f"crashed: the notebook wrote more than the disk limit of {settings.disk_mb} MB "
            "of files and was stopped"
        )
    if reason == "processes":
        return (
            f"crashed: the notebook ran more than the limit of {settings.processes} processes "
            "at once and was stopped"
        )
    if garbage or (reason or "").startswith("garbage"):
        return "crashed: the worker sent something that is not a record"
    if done:
        return "done"
    if end.get("signal") == "SIGXCPU":
        return f"crashed: the notebook used more than {settings.cpu_seconds} s of CPU time"
    if end.get("signal"):
        return f"crashed: the notebook's process was killed by {end['signal']}"
    return f"crashed: the notebook's process exited with status {end.get('exit')}"
