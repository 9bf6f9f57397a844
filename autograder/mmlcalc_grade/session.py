"""A grading session: the sandbox decision and the warm processes, owned by one object.

:class:`GradingSession` is made once per command (``with GradingSession(policy) as
session``). It decides whether learners' code may run at all, **failing closed**:

* ``isolation="sandbox"`` (the default): a sandboxed worker is started as proof that
  the sandbox works here (retried, since a cold start can be slow or fail once); if it
  cannot start, :class:`~mmlcalc_grade.sandbox.SandboxUnavailable` is raised before
  any learner's code runs, and the command exits with status 2, saying what is missing;
* ``isolation="none"``: the instructor opted out by name; notebooks run as plain
  processes, and the outputs say so (:attr:`GradingSession.unsandboxed_note`).

There is no fallback: a sandboxed worker that fails in the middle of a batch is
restarted in the sandbox (or its job is reported as crashed), never unsandboxed.

The session keeps one pool of test processes (:class:`WorkerPool`), each with its own
worker server, warm from job to job, and closes them when it ends.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

from .deadlines import Deadlines
from .processes import TestProcess
from .protocol import Ending, Limits, Reports
from .sandbox import (
    HOW_TO_SANDBOX,
    UNENFORCED,
    SandboxUnavailable,
    ServerCommand,
    plain_command,
    sandbox_command,
)

#: The two ways to run learners' code; there is deliberately no automatic choice.
ISOLATION_MODES = ("sandbox", "none")
#: Attempts to start a worker before the sandbox counts as unavailable (a cold start
#: under load can time out once; a missing bwrap fails every time, at once).
START_ATTEMPTS = 3


@dataclass(frozen=True)
class Policy:
    """How the grader runs learners' code: settings of the grader's own.

    ``protected``: host paths a sandbox must hide even inside a folder it shows (the
    masters, the submissions, the outputs, the cache, the gradebook, the home folder);
    they shape the sandbox's command line and are never sent into it.
    ``warm``: modules the worker servers import before forking notebooks (what the
    masters import, :func:`~mmlcalc_grade.assignment.masters_imports`); only these
    names reach the server.
    """

    isolation: str = "sandbox"
    protected: tuple[str, ...] = ()
    processes: int = 64  # the sandbox's process cap (also in Limits), for the pids cgroup
    bwrap: str | None = None  # the bubblewrap binary (default: bwrap on PATH)
    warm: tuple[str, ...] = ()

    def __post_init__(self):
        if self.isolation not in ISOLATION_MODES:
            raise ValueError(
                f"isolation must be 'sandbox' or 'none', not {self.isolation!r} "
                "(there is no automatic fallback: without a sandbox, say 'none' explicitly)"
            )


class WorkerPool:
    """Idle test processes (each with its worker server), reused job after job."""

    def __init__(self, command: ServerCommand, processes: int):
        self.command = command
        self.processes = processes
        self.idle: list[TestProcess] = []
        self.starting = 0  # started in the background by fill(), not ready yet
        self.lock = threading.Condition()

    def fill(self, count: int) -> None:
        """Start test processes in the background until ``count`` are idle or starting."""
        with self.lock:
            missing = max(0, count - len(self.idle) - self.starting)
            self.starting += missing
        for _ in range(missing):
            threading.Thread(target=self._start_one, daemon=True).start()

    def _start_one(self) -> None:
        try:
            worker = TestProcess(self.command, self.processes)
        except (SandboxUnavailable, OSError):  # take() starts its own and says why
            worker = None
        with self.lock:
            self.starting -= 1
            if worker is not None:
                self.idle.append(worker)
            self.lock.notify_all()

    def start(self, attempts: int = START_ATTEMPTS) -> TestProcess:
        """A new test process, tried ``attempts`` times (a transient failure is retried)."""
        for attempt in range(1, attempts + 1):
            try:
                return TestProcess(self.command, self.processes)
            except (SandboxUnavailable, OSError) as error:
                if attempt == attempts:
                    raise SandboxUnavailable(str(error)) from None
                time.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

    def take(self) -> TestProcess:
        stale = []
        with self.lock:
            worker = None
            while worker is None:
                while self.idle and worker is None:
                    candidate = self.idle.pop()
                    if candidate.usable():
                        worker = candidate
                    else:
                        stale.append(candidate)
                if worker is None and not self.starting:
                    break
                if worker is None:
                    self.lock.wait()  # one is on its way: quicker than starting another
        for old in stale:  # closing may wait: never while holding the lock
            old.close()
        return worker if worker is not None else self.start()

    def give_back(self, worker: TestProcess) -> None:
        if worker.usable():
            with self.lock:
                self.idle.append(worker)
                self.lock.notify_all()
        else:
            worker.close()

    def close(self) -> None:
        with self.lock:
            workers, self.idle = self.idle, []
        for worker in workers:  # all asked to stop first, then waited for: they stop together
            worker.ask_to_stop()
        for worker in workers:
            worker.close()


class GradingSession:
    """The sandbox decision and the pool of warm test processes of one grading command."""

    def __init__(self, policy: Policy | None = None):
        self.policy = policy or Policy()
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        self._decided = False

    def __enter__(self) -> GradingSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def sandboxed(self) -> bool:
        return self.policy.isolation == "sandbox"

    @property
    def unsandboxed_note(self) -> str | None:
        """The warning every output of an unsandboxed batch carries (None when sandboxed)."""
        if self.sandboxed:
            return None
        return (
            "graded WITHOUT a sandbox (--isolation none, asked for by the instructor). "
            "Not enforced: " + "; ".join(UNENFORCED) + "."
        )

    def decide(self) -> None:
        """Prove that learners' code can run as the policy says, or raise SandboxUnavailable.

        For the sandbox this starts one sandboxed worker (kept for the first job). Call
        it before any learner's code runs; it is done once.
        """
        with self._lock:
            if self._decided:
                return
            if self.sandboxed and not sys.platform.startswith("linux"):
                raise SandboxUnavailable(f"the sandbox needs Linux, this is {sys.platform}")
            try:
                pool = self._make_pool()
                if self.sandboxed:
                    pool.give_back(pool.start())
            except SandboxUnavailable as error:
                raise SandboxUnavailable(
                    f"the sandbox cannot start: {error}. {HOW_TO_SANDBOX}"
                ) from None
            self._decided = True

    def _make_pool(self) -> WorkerPool:
        if self._pool is None:
            if self.sandboxed:
                command = sandbox_command(
                    self.policy.protected, self.policy.bwrap, self.policy.warm
                )
            else:
                command = plain_command(self.policy.warm)
            self._pool = WorkerPool(command, self.policy.processes)
        return self._pool

    def prestart(self, count: int) -> None:
        """Decide (if not yet), then start ``count`` test processes in the background."""
        self.decide()
        self._pool.fill(count)

    def run(
        self, program, limits: Limits, mode: str, files, deadlines: Deadlines, folder=None
    ) -> Reports:
        """Grade one notebook in a warm test process (see :meth:`TestProcess.run`)."""
        self.decide()
        try:
            worker = self._pool.take()
        except SandboxUnavailable as error:  # transient failures were retried already
            return Reports(ending=Ending.crashed(f"the sandbox did not start ({error})"))
        try:
            return worker.run(program, limits, mode, list(files), deadlines, folder)
        finally:
            self._pool.give_back(worker)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
