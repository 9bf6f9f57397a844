"""Where a learner's code runs: the command line of a worker server, in a bubblewrap sandbox.

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
groups and the time limits still apply, the rest does not); only an instructor's
explicit ``--isolation none`` does that: without a working sandbox the grader
refuses to run learners' code (:class:`mmlcalc_grade.session.GradingSession`).

.. _bubblewrap: https://github.com/containers/bubblewrap
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import site
import sys
from dataclasses import dataclass
from pathlib import Path

import mmlcalc

from . import zygote

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
#: The module a worker server runs (its ``main``).
SERVER_MODULE = "mmlcalc_grade.zygote"

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
    """matplotlib's font cache file, built in the grader if missing (it takes seconds).

    When the cache folder holds one font list, it is the one: importing
    ``matplotlib.font_manager`` to name its version would cost 0.2 to 0.5 s on the way to
    the first worker server. (A stale one is no worse than none: matplotlib rebuilds it.)
    """
    try:
        import matplotlib
    except ImportError:
        return None
    cache = Path(matplotlib.get_cachedir())
    found = list(cache.glob("fontlist-v*.json"))
    if len(found) == 1:
        return found[0]
    import matplotlib.font_manager as font_manager  # builds the font list if missing

    path = cache / f"fontlist-v{font_manager.FontManager.__version__}.json"
    return path if path.exists() else None


@dataclass(frozen=True)
class ServerCommand:
    """How to start one worker server: argv and environment."""

    argv: tuple[str, ...]
    env: dict
    sandboxed: bool


def boot_argv(module: str, config: dict, python_path: list[str]) -> list[str]:
    """``python -I -c …`` that sets ``sys.path`` and calls ``module.main([config])``.

    How the grader starts a test process and a test process its worker server.
    """
    boot = (
        "import json, sys; config = json.loads(sys.argv[1]); sys.path[:] = config['path']; "
        f"from {module} import main; main([sys.argv[1]])"
    )
    return [sys.executable, "-I", "-c", boot, json.dumps({**config, "path": python_path})]


def plain_command(warm=()) -> ServerCommand:
    """The command of an unsandboxed worker server; ``warm`` as for :func:`sandbox_command`."""
    config = {"sandboxed": False, "preload": PRELOAD, "warm": list(warm)}
    path = [p for p in sys.path if p and Path(p).is_dir()]
    env = {**os.environ, **SERVER_ENVIRONMENT}
    return ServerCommand(tuple(boot_argv(SERVER_MODULE, config, path)), env, sandboxed=False)


def sandbox_command(protected=(), bwrap: str | None = None, warm=()) -> ServerCommand:
    """The bubblewrap command line of a sandboxed worker server.

    ``protected`` are paths that must stay invisible even when they lie inside a
    folder the sandbox shows (e.g. a course kept under ``/usr/local``): each is
    covered by an empty in-memory folder (or ``/dev/null`` for a file).
    ``warm`` names modules the server imports once, before it forks any notebook's
    process (what the masters import: week 6's ``scipy.optimize`` would otherwise
    cost every notebook 0.4 s); one that fails to import is left to the notebook.
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
        "--as-pid-1",  # no bwrap init that a notebook could read: zygote._in_own_pid_namespace
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
        "warm": list(warm),
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
        tuple(args + boot_argv(SERVER_MODULE, config, python_path)),
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
