"""Which processes grade, and keeping them: the pools of test processes, sandbox or not.

:func:`resolve` decides once per grader process (and setting) whether notebooks
run in the sandbox (:mod:`mmlcalc_grade.sandbox`) and warns, naming what is not
enforced, when they cannot. :func:`pool_for` gives the pool of
:class:`~mmlcalc_grade.tester.TestProcess` es for that decision: one per
parallel job, each with its own worker server, kept for the next job.
"""

from __future__ import annotations

import atexit
import sys
import threading
import warnings
from dataclasses import dataclass

from .sandbox import (
    HOW_TO_SANDBOX,
    UNENFORCED,
    SandboxUnavailable,
    ServerCommand,
    plain_command,
    sandbox_command,
)
from .tester import TestProcess


class WorkerPool:
    """Idle test processes of one kind (each with its worker server), reused job after job."""

    def __init__(self, command: ServerCommand, processes: int = 64):
        self.command = command
        self.processes = processes
        self.idle: list[TestProcess] = []
        self.starting = 0  # started in the background by fill(), not ready yet
        self.lock = threading.Condition()

    def fill(self, count: int) -> None:
        """Start test processes in the background until ``count`` are idle or starting.

        Called before a batch, so that the ``--jobs`` processes start side by side
        while the grader reads the submissions; one that fails to start is left to
        :meth:`take`, which starts its own (and reports the error).
        """
        with self.lock:
            missing = max(0, count - len(self.idle) - self.starting)
            self.starting += missing
        for _ in range(missing):
            threading.Thread(target=self._start_one, daemon=True).start()

    def _start_one(self) -> None:
        try:
            worker = TestProcess(self.command, self.processes)
        except Exception:  # SandboxUnavailable, OSError: take() tries again and says why
            worker = None
        with self.lock:
            self.starting -= 1
            if worker is not None:
                self.idle.append(worker)
            self.lock.notify_all()

    def take(self) -> TestProcess:
        with self.lock:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.usable():
                        return worker
                    worker.close()
                if not self.starting:
                    break
                self.lock.wait()  # one is on its way: quicker than starting another
        return TestProcess(self.command, self.processes)

    def give_back(self, worker: TestProcess) -> None:
        if worker.usable():
            with self.lock:
                self.idle.append(worker)
                self.lock.notify_all()
        else:
            worker.close()

    def run(self, program, settings, files, timeout: float, folder=None):
        worker = self.take()
        try:
            return worker.run(program, settings, files, timeout, folder)
        finally:
            self.give_back(worker)

    def close(self) -> None:
        with self.lock:
            servers, self.idle = self.idle, []
        for server in servers:
            server.close()


@dataclass(frozen=True)
class Decision:
    """What ``isolation`` resolved to: ``mode`` is "sandbox" or "none"; ``warning`` if weaker."""

    mode: str
    warning: str | None = None


_pools: dict[tuple, WorkerPool] = {}
_decisions: dict[tuple, Decision] = {}
_registry_lock = threading.Lock()


def _warning(why: str) -> str:
    return (
        f"learners' code runs WITHOUT a sandbox ({why}). Not enforced: "
        + "; ".join(UNENFORCED)
        + ". "
        + HOW_TO_SANDBOX
    )


def resolve(isolation: str = "auto", protected=(), processes: int = 64, warn=True) -> Decision:
    """Decide (once per process and setting) whether notebooks run in the sandbox.

    ``"sandbox"`` raises :class:`SandboxUnavailable` when the sandbox cannot start;
    ``"auto"`` falls back to plain processes with a warning; ``"none"`` warns too
    (a ``RuntimeWarning`` when the decision is made, unless ``warn`` is false: the
    command prints ``Decision.warning`` itself). Starting a sandboxed server is the
    test: the server it starts is kept for use.
    """
    if isolation not in ("auto", "sandbox", "none"):
        raise ValueError(f"isolation must be 'auto', 'sandbox' or 'none', not {isolation!r}")
    key = (isolation, tuple(protected))
    with _registry_lock:
        if key in _decisions:
            return _decisions[key]
        if isolation == "none":
            decision = Decision("none", _warning("--isolation none was asked for"))
        else:
            try:
                if not sys.platform.startswith("linux"):
                    raise SandboxUnavailable(f"the sandbox needs Linux, this is {sys.platform}")
                pool = _pool("sandbox", protected, processes)
                pool.give_back(pool.take())  # starts one server: proof that it works
                decision = Decision("sandbox")
            except (SandboxUnavailable, OSError) as error:
                if isolation == "sandbox":
                    raise SandboxUnavailable(f"the sandbox cannot start: {error}") from None
                decision = Decision("none", _warning(f"the sandbox cannot start: {error}"))
        _decisions[key] = decision
    if warn and decision.warning:
        warnings.warn(decision.warning, RuntimeWarning, stacklevel=2)
    return decision


def _pool_key(mode: str, protected, processes: int) -> tuple:
    return (mode, tuple(protected) if mode == "sandbox" else (), processes)


def _pool(mode: str, protected, processes: int) -> WorkerPool:
    """The pool for these settings, made on first use (call it holding ``_registry_lock``)."""
    key = _pool_key(mode, protected, processes)
    if key not in _pools:
        command = sandbox_command(protected) if mode == "sandbox" else plain_command()
        _pools[key] = WorkerPool(command, processes)
    return _pools[key]


def pool_for(isolation: str = "auto", protected=(), processes: int = 64) -> WorkerPool:
    """The pool of worker servers for these settings (see :func:`resolve` for the warning)."""
    decision = resolve(isolation, protected, processes)
    with _registry_lock:
        return _pool(decision.mode, protected, processes)


def prestart(isolation: str, protected, processes: int, count: int) -> None:
    """Start ``count`` test processes of the pool for these settings, in the background."""
    pool_for(isolation, protected, processes).fill(count)


def close_pools() -> None:
    """Stop every idle worker server (also done at exit)."""
    with _registry_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


atexit.register(close_pools)
