"""``mmlcalc-grade --check``: which protections this machine enforces, each on or off, and why.

The check does not trust its own configuration: it starts a real sandboxed worker
(as grading would) and runs a probe notebook in it, which reports what it can see
and do: a marker file the grader made outside the sandbox, a TCP listener the grader
opened on the host's loopback, and the resource limits it runs under. What the
worker server enforces from outside (memory, disk, processes, wall clock, output) is
reported from the same decision the grader makes.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .deadlines import Deadlines
from .protocol import Limits, Program
from .sandbox import PidsCgroup, SandboxUnavailable
from .session import GradingSession, Policy

#: The protections, in the order they are printed.
NAMES = (
    "own file system view",
    "no network",
    "memory",
    "processes",
    "CPU time",
    "wall clock",
    "disk",
    "output",
)

_PROBE = """
import json, os, resource, socket
found = {"sees_marker": os.path.exists(MARKER)}
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    found["reached_host"] = True
except OSError:
    found["reached_host"] = False
for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC"):
    found[name] = resource.getrlimit(getattr(resource, name))[0]
found["uid"] = os.getuid()
raise RuntimeError(json.dumps(found))
"""


@dataclass(frozen=True)
class Protection:
    name: str
    on: bool
    why: str


def _probe(session: GradingSession, limits: Limits) -> dict:
    """Run the probe notebook in the session's worker: what it found (a dict)."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mmlcalc-check-")))
        marker = folder / "outside-the-sandbox"
        marker.write_text("the grader's file\n")
        listener = stack.enter_context(socket.create_server(("127.0.0.1", 0)))
        port = listener.getsockname()[1]
        source = f"MARKER = {str(marker)!r}\nPORT = {port}\n" + _PROBE
        reports = session.run(
            Program(cells=(("probe", source),), chunks=()),
            limits,
            "learner",
            [],
            Deadlines(notebook=60, cell=30),
        )
    error = reports.cells[0].error if reports.cells else None
    if not error or error.get("type") != "RuntimeError":
        raise SandboxUnavailable(f"the probe did not run ({reports.ending.describe()})")
    return json.loads(error["message"])


def check(isolation: str = "sandbox", bwrap: str | None = None) -> list[Protection]:
    """Each protection of :data:`NAMES`, on or off, for grading on this machine."""
    limits = Limits(cpu_seconds=61)
    policy = Policy(isolation=isolation, bwrap=bwrap)
    try:
        with GradingSession(policy) as session:
            session.decide()
            found = _probe(session, limits)
    except SandboxUnavailable as error:
        why = f"no sandbox: {error}"
        return [
            Protection("own file system view", False, why),
            Protection("no network", False, why),
            Protection("memory", False, why),
            Protection("processes", False, why),
            Protection("CPU time", False, why),
            Protection("wall clock", False, why + " (nothing is graded)"),
            Protection("disk", False, why),
            Protection("output", False, why),
        ]
    sandboxed = policy.isolation == "sandbox"
    unlimited = -1
    kernel_pids = found["uid"] != 0 or _pids_cgroup_available()
    return [
        Protection(
            "own file system view",
            not found["sees_marker"],
            "a file the grader made outside the sandbox is "
            + ("visible to the notebook" if found["sees_marker"] else "invisible to the notebook"),
        ),
        Protection(
            "no network",
            not found["reached_host"],
            "a listener on the host's loopback was "
            + ("reached" if found["reached_host"] else "unreachable (own network namespace)"),
        ),
        Protection(
            "memory",
            found["RLIMIT_AS"] != unlimited and sandboxed,
            f"address space capped at {found['RLIMIT_AS'] // 2**20} MB per process"
            + (
                "; the processes' total (PSS) watched by the worker server"
                if sandboxed
                else "; the total of several processes is not watched without the sandbox"
            ),
        ),
        Protection(
            "processes",
            sandboxed,
            (
                "capped by the kernel (RLIMIT_NPROC in the sandbox's user namespace or a pids "
                "cgroup) and counted by the worker server"
                if kernel_pids
                else "counted by the worker server every "
                f"{Deadlines(1, 1).poll * 1000:.0f} ms (running as root without a writable pids "
                "cgroup: the kernel does not cap them)"
            )
            if sandboxed
            else "not capped without the sandbox (RLIMIT_NPROC would count all your processes)",
        ),
        Protection(
            "CPU time",
            found["RLIMIT_CPU"] != unlimited,
            f"RLIMIT_CPU of {found['RLIMIT_CPU']} s per process (the notebook's limit + 1 s)",
        ),
        Protection(
            "wall clock",
            True,
            "each cell and test part (--cell-timeout), each notebook (--timeout), "
            "and backstops in the test process and the grader",
        ),
        Protection(
            "disk",
            sandboxed,
            "the working folder, /tmp and /dev/shm are in memory and measured by the worker server"
            if sandboxed
            else "only single files are capped (RLIMIT_FSIZE) without the sandbox",
        ),
        Protection(
            "output",
            True,
            f"stdout and stderr kept up to {Limits().output_limit:,} characters per notebook",
        ),
    ]


def _pids_cgroup_available() -> bool:
    with contextlib.suppress(OSError):
        PidsCgroup(1).remove()
        return True
    return False


def print_check(args) -> int:
    """Print the check for the command's ``--isolation``; 0 if every protection is on, else 1."""
    protections = check(args.isolation)
    width = max(len(name) for name in NAMES)
    for item in protections:
        print(f"{item.name:<{width}}  {'on ' if item.on else 'OFF'}  {item.why}")
    off = [item.name for item in protections if not item.on]
    if off:
        print(f"\nNot enforced here: {', '.join(off)}.")
        if os.environ.get("CI", "").lower() != "true":
            print(
                "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) on Linux with "
                "unprivileged user namespaces; autograder/GRADING.md, 'Isolation'."
            )
        return 1
    return 0
