"""Grading on a Dask cluster: the same work unit, run on other machines.

``mmlcalc-grade ... --scheduler tcp://HOST:PORT`` hands every submission to an existing
`Dask distributed <https://distributed.dask.org>`_ cluster instead of this machine's
pool (``pip install "mmlcalc[cluster]"``). What grades one submission is the same
function, :func:`mmlcalc_grade.batch.grade_submission`; Dask only decides where it runs.

* **Portable jobs.** A worker needs the course package and bubblewrap, no shared file
  system: each task carries a :class:`PortableJob` (the submission's files and notebook
  as bytes, its limits and deadlines); the master, the reference records and the master
  folder's support files travel once per batch as a :class:`Bundle` (a Dask future every
  task depends on, so a worker fetches it once). The worker writes a bundle's support
  files once into a scratch folder of its own; a submission's bytes go straight to the
  work unit (nothing written per submission), which returns a
  :class:`~mmlcalc_grade.batch.SubmissionResult` (plain data).
* **One session per worker.** :class:`GradingPlugin` (a Dask ``WorkerPlugin``) keeps one
  :class:`~mmlcalc_grade.session.GradingSession` per worker, with its warm sandboxed test
  processes, from task to task. On start it proves that it can sandbox (the session's
  decision, failing closed); only then does the worker advertise the Dask resource
  ``mmlcalc-grade-sandbox-<digest of the policy>`` that every grading task requires. A
  worker that cannot sandbox never advertises it, so it is given no submission; it logs
  why, and the coordinator prints each such worker with its reason (no worker able to
  sandbox: nothing is graded, exit status 2). Only the coordinator's explicit
  ``isolation="none"`` grades unsandboxed (resource ``mmlcalc-grade-none-<digest>``).
* **Chunks.** A task grades up to :data:`MAX_CHUNK` submissions of one master in turn
  (:func:`grade_chunk`): each task costs the scheduler, the client and the worker CPU that
  the grading needs.
* **Retries.** A task whose worker dies is run again elsewhere (Dask reschedules it); a
  job whose grading raised is sent again alone, :data:`TASK_RETRIES` times at most. Dask
  blames a worker's death on every task the worker held, so a task that ends with
  ``KilledWorker`` only makes its submissions suspects: after the batch, each is graded
  alone on the cluster, and only one that stops its worker :data:`CRASH_ATTEMPTS` times
  then gets the status ``crashed`` (:class:`_Stream`). The batch goes on either way.
* **Streaming.** Results come back as they complete (``as_completed``, gathered in the
  client's event loop), at most ``window`` submissions in flight, so the coordinator
  holds neither every notebook nor every task at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import shutil
import sys
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .batch import (
    SubmissionJob,
    SubmissionResult,
    Submitted,
    folder_files,
    grade_submission,
    read_notebook_bytes,
    ungraded,
)
from .deadlines import Deadlines
from .protocol import Limits
from .sandbox import SandboxUnavailable
from .session import GradingSession, Policy

logger = logging.getLogger("mmlcalc_grade.cluster")

#: A submission whose task took its worker down this many times is ``crashed``.
CRASH_ATTEMPTS = 3
#: Extra runs of a job whose grading raised (not a dead worker: that is :data:`CRASH_ATTEMPTS`).
TASK_RETRIES = 2
#: Most submissions one task grades. Each task costs the scheduler, the client and the worker
#: a few milliseconds of CPU, taken from the cores that grade: four a task keeps the Dask
#: throughput within a few per cent of the local pool's (``benchmarks/grading_scale.py``).
MAX_CHUNK = 4
#: Messages each Dask connection keeps of those it sent, for debugging (Dask's
#: ``distributed.admin.low-level-log-length``, 1000 by default). A message that hands tasks
#: to a worker carries their submissions (a notebook is some 50 kB), so with 1000 the
#: scheduler held the last 1000 such messages per worker, and the client as many of its
#: own: 200 MB more in the coordinator for 2,000 submissions, and gigabytes on the
#: scheduler of a cluster of a hundred workers. The coordinator sets this on the scheduler.
MESSAGE_LOG = 20
#: Seconds to wait for a first worker able to grade before giving up.
WORKER_WAIT = 120.0

INSTALL_HINT = 'grading on a cluster needs Dask distributed: pip install "mmlcalc[cluster]"'


def _policy_tag(policy: Policy) -> str:
    """The policy's isolation and a digest of the rest: coordinators with other policies get
    sessions (and resources) of their own on a shared cluster."""
    digest = hashlib.sha256(repr(policy).encode()).hexdigest()[:8]
    return f"{policy.isolation}-{digest}"


def resource_name(policy: Policy) -> str:
    """The Dask resource a worker advertises once it proved it can grade under ``policy``."""
    return f"mmlcalc-grade-{_policy_tag(policy)}"


def plugin_name(policy: Policy) -> str:
    return f"mmlcalc-grade-session-{_policy_tag(policy)}"


class WorkerCannotSandbox(RuntimeError):
    """A task reached a worker that cannot grade as the coordinator's policy says."""


# --- what travels -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """What every job of a batch shares: per master notebook, the parsed master, the reference
    records and the master folder's support files (never its notebooks: the reference solution
    stays on the coordinator; the parsed master carries only what the tests need)."""

    masters: dict  # master name -> (MasterNotebook, reference records, ((file, bytes), ...))
    key: str  # a digest of all of it: the folder name workers materialise it under

    @classmethod
    def of(cls, jobs_by_master: dict[str, SubmissionJob]) -> Bundle:
        masters, digest = {}, hashlib.sha256()
        for name in sorted(jobs_by_master):
            job = jobs_by_master[name]
            folder = Path(job.master.path).parent
            support = tuple(
                (item.name, item.read_bytes())
                for item in sorted(folder.iterdir())
                if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb"
            )
            masters[name] = (job.master, job.reference, support)
            digest.update(f"{name}|{job.master.sha256}|".encode())
            for file, data in support:
                digest.update(f"{file}|{len(data)}|".encode() + hashlib.sha256(data).digest())
            digest.update(repr(job.reference).encode())
        return cls(masters, digest.hexdigest()[:24])


@dataclass(frozen=True)
class PortableJob:
    """One submission as bytes: everything a worker without our file system needs."""

    student_id: str
    assignment_id: str
    master_name: str
    submitted: Submitted  # the learner's notebook and the submission folder's files
    notes: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    deadlines: Deadlines = field(default_factory=lambda: Deadlines(notebook=300.0, cell=30.0))


def portable(job: SubmissionJob) -> PortableJob | None:
    """``job`` as bytes, or None when it needs no worker: nothing submitted, or a notebook
    this machine cannot read, that is empty or too large (the work unit says so without
    running any learner's code, so the coordinator runs it right here)."""
    if job.notebook_path is None:
        return None
    try:
        notebook = read_notebook_bytes(job.notebook_path)
        files = tuple(folder_files(job.submission_dir, job.master.name))
    except (ValueError, OSError):
        return None
    return PortableJob(
        job.student_id,
        job.assignment_id,
        job.master.name,
        Submitted(notebook, files),
        job.notes,
        job.limits,
        job.deadlines,
    )


class _NoSession:
    """The session of a job that runs no learner's code (missing, unreadable): never used."""

    def run(self, *args, **kwargs):  # pragma: no cover - would be a bug in batch.py
        raise AssertionError("this job was expected to run no learner code")


def grade_here(job: SubmissionJob) -> SubmissionResult:
    """The work unit for a job that runs no learner's code (see :func:`portable`)."""
    return grade_submission(job, _NoSession())  # type: ignore[arg-type]


def not_graded(job: SubmissionJob, status: str, why: str) -> SubmissionResult:
    """A result for a job whose task never came back with one (``crashed``)."""
    return ungraded(job, status, why)


# --- the worker's side ------------------------------------------------------------------------


def _worker_plugin_base():
    try:
        from distributed import WorkerPlugin
    except ImportError:  # the module stays importable without the extra
        return object
    return WorkerPlugin


def quiet_profiler(worker) -> None:
    """Stop the worker's statistical profiler: every 10 ms (Dask's default
    ``distributed.worker.profile.interval``) it walks every thread's Python stack, for the
    dashboard's profile page. Grading keeps a worker's cores busy with test and notebook
    processes, and the sampling cost 7% of the throughput of a 2-core worker
    (``benchmarks/grading_scale.py``: Dask/local 0.85 with it, 0.92 without)."""
    callback = worker.periodic_callbacks.pop("profile", None)
    if callback is not None:
        callback.stop()


class GradingPlugin(_worker_plugin_base()):
    """One :class:`GradingSession` per Dask worker, decided (sandbox or not) when it starts.

    Registered by the coordinator (``client.register_plugin``); Dask sets it up on every
    worker, those that join later and those restarted after a crash included.
    """

    def __init__(self, policy: Policy):
        self.policy = policy
        self.name = plugin_name(policy)
        self.session: GradingSession | None = None
        self.refusal: str | None = None
        self.scratch: Path | None = None
        self.address = "?"

    async def setup(self, worker):
        self.address = worker.address
        self.scratch = Path(tempfile.mkdtemp(prefix="mmlcalc-grade-worker-"))
        # the coordinator's protected paths (meaningful when it shares this machine) and ours
        protected = (*self.policy.protected, str(self.scratch), str(Path.home()))
        self.session = GradingSession(replace(self.policy, protected=protected))
        slots = max(1, worker.state.nthreads)
        try:
            await asyncio.to_thread(self.session.prestart, slots)
        except (SandboxUnavailable, OSError) as error:
            self.refusal = f"it cannot sandbox learners' code, so it grades nothing ({error})"
            logger.error("mmlcalc-grade: worker %s: %s", worker.address, self.refusal)
            return
        quiet_profiler(worker)
        await worker.set_resources(**{resource_name(self.policy): slots})
        logger.info("mmlcalc-grade: %s ready, %d grading slots", worker.address, slots)

    def teardown(self, worker):
        if self.session is not None:
            self.session.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def status(self) -> str | None:
        """None when this worker grades; else why it refuses."""
        return self.refusal

    def master_folder(self, bundle: Bundle) -> Path:
        """The bundle's support files in this worker's scratch folder (written once)."""
        folder = self.scratch / "masters" / bundle.key
        if not folder.is_dir():
            staging = Path(tempfile.mkdtemp(dir=self.scratch))
            for _master, _reference, support in bundle.masters.values():
                for name, data in support:
                    (staging / name).write_bytes(data)
            folder.parent.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):  # another thread was first: same bytes
                staging.rename(folder)
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def grade(self, job: PortableJob, bundle: Bundle) -> SubmissionResult:
        if self.refusal is not None or self.session is None:
            raise WorkerCannotSandbox(self.refusal or "the worker's grading session is not set up")
        master, reference, _support = bundle.masters[job.master_name]
        local = SubmissionJob(
            student_id=job.student_id,
            assignment_id=job.assignment_id,
            master=replace(master, path=str(self.master_folder(bundle) / job.master_name)),
            reference=reference,
            notebook_path=None,  # the notebook and the files come as bytes: nothing is written
            notes=job.notes,
            limits=job.limits,
            deadlines=job.deadlines,
        )
        return grade_submission(local, self.session, job.submitted)


def _plugin(name: str) -> GradingPlugin:
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(name)
    if plugin is None:
        raise WorkerCannotSandbox(f"the worker {worker.address} has no mmlcalc-grade session")
    return plugin


def grade_portable(job: PortableJob, bundle: Bundle, plugin: str) -> SubmissionResult:
    """Grade one submission on this worker: the work unit, in the session of the worker's
    plugin named ``plugin``."""
    return _plugin(plugin).grade(job, bundle)


@dataclass(frozen=True)
class GraderFailure:
    """What a task returns for a job whose grading raised on the worker: a fault of the
    grader or of the worker, never of the learner's code (which runs in other processes and
    ends as a status of its own). The coordinator runs the job again, alone."""

    error: str


def grade_chunk(task: Callable, items: tuple[PortableJob, ...], bundle: Bundle, plugin: str):
    """The Dask task: ``task(item, bundle, plugin)`` for each of ``items`` in turn (``task`` is
    :func:`grade_portable`; tests wrap it). One result per item: a
    :class:`~mmlcalc_grade.batch.SubmissionResult`, or a :class:`GraderFailure` when grading
    that item raised, so its chunk-mates keep their grades. A worker that cannot grade raises
    :class:`WorkerCannotSandbox` for the whole chunk."""
    results = []
    for item in items:
        try:
            results.append(task(item, bundle, plugin))
        except WorkerCannotSandbox:
            raise
        except Exception as error:
            results.append(GraderFailure(f"{type(error).__name__}: {str(error)[:200]}"))
    return results


def _worker_status(name: str, dask_worker=None) -> str | None:
    plugin = dask_worker.plugins.get(name) if dask_worker else None
    return "the grading plugin is not set up" if plugin is None else plugin.status()


def _has_plugin(name: str, dask_worker=None) -> bool:
    return dask_worker is not None and name in dask_worker.plugins


def _shorten_message_log(comm, length: int) -> None:
    """Keep at most ``length`` of the messages a Dask connection (a ``BatchedSend``) sent."""
    log = comm.recent_message_log
    if log.maxlen is None or log.maxlen > length:
        comm.recent_message_log = deque(log, maxlen=length)


def _configure_scheduler(allowed_failures: int, message_log: int, dask_scheduler=None) -> None:
    """On the scheduler: a task is ``KilledWorker`` after ``allowed_failures`` + 1 deaths of
    its workers; each connection to a worker, now and for workers that join later, keeps
    ``message_log`` of the messages it sent (see :data:`MESSAGE_LOG`)."""
    import dask

    dask_scheduler.allowed_failures = allowed_failures
    if dask.config.get("distributed.admin.low-level-log-length") > message_log:
        dask.config.set({"distributed.admin.low-level-log-length": message_log})
    for comm in dask_scheduler.stream_comms.values():
        _shorten_message_log(comm, message_log)


# --- the coordinator's side -------------------------------------------------------------------


def check_workers(client, name: str, note: Callable[[str], None]) -> int:
    """Report each worker that refuses work, with why; the number of workers able to grade.

    Raises :class:`SandboxUnavailable` when none can (fail closed: nothing is graded).
    """
    if not client.scheduler_info().get("workers"):
        with contextlib.suppress(Exception):  # the error below says what is wrong
            client.wait_for_workers(1, timeout=WORKER_WAIT)
    statuses = client.run(_worker_status, name)
    refusing = {address: why for address, why in statuses.items() if why}
    for address, why in sorted(refusing.items()):
        note(f"worker {address} refuses work: {why}")
    able = len(statuses) - len(refusing)
    if not able:
        reasons = "; ".join(f"{a}: {w}" for a, w in sorted(refusing.items())) or "no workers"
        raise SandboxUnavailable(f"no worker of the cluster can grade ({reasons})")
    return able


def _stderr_note(message: str) -> None:
    print(f"mmlcalc-grade: {message}", file=sys.stderr)


def grade_on_cluster(
    jobs: Iterable[SubmissionJob],
    scheduler_address: str | None = None,
    policy: Policy | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    client=None,
    total: int | None = None,
    window: int | None = None,
    chunk: int | None = None,
    note: Callable[[str], None] = _stderr_note,
    task: Callable = grade_portable,
    on_result: Callable[[SubmissionJob, SubmissionResult], None] | None = None,
) -> Iterator[SubmissionResult]:
    """Grade ``jobs`` on the Dask cluster at ``scheduler_address`` (or ``client``'s): the
    results, one per job, in the order they complete.

    ``policy`` is the coordinator's (``isolation`` decides which workers may grade; its
    protected paths are hidden on workers too). At most ``window`` submissions are in
    flight (default: four per grading slot, at least 32), ``chunk`` to a task (default
    :func:`chunk_size`). Raises
    :class:`SandboxUnavailable` before grading anything when no worker can grade.
    ``task`` is what workers run (tests substitute a wrapper of :func:`grade_portable`).
    ``on_result(job, result)`` is called as each result comes in, before it is yielded (as
    :func:`~mmlcalc_grade.batch.run_batch` does: the results store keeps it at once).
    """
    try:
        from distributed import Client, as_completed
        from distributed.scheduler import KilledWorker
    except ImportError:
        raise SandboxUnavailable(INSTALL_HINT) from None
    policy = policy or Policy()
    if total is None and hasattr(jobs, "__len__"):
        total = len(jobs)  # type: ignore[arg-type]
    own = client is None
    if own:
        client = Client(scheduler_address, set_as_default=False)
    try:
        name = plugin_name(policy)
        if not all(client.run(_has_plugin, name).values()) or not client.scheduler_info().get(
            "workers"
        ):  # a plugin already set up with this policy keeps its warm sessions
            client.register_plugin(GradingPlugin(policy), name=name)
        client.run_on_scheduler(_configure_scheduler, CRASH_ATTEMPTS - 1, MESSAGE_LOG)
        if hasattr(client, "scheduler_comm"):  # update-graph messages carry submissions too
            _shorten_message_log(client.scheduler_comm, MESSAGE_LOG)
        try:
            able = check_workers(client, name, note)
        except SandboxUnavailable:
            with contextlib.suppress(Exception):  # no session of this policy anywhere
                client.unregister_worker_plugin(name)
            raise
        slots = sum(info.get("nthreads", 1) for info in client.scheduler_info()["workers"].values())
        window = window or max(32, 4 * max(slots, able))
        chunk = min(chunk or chunk_size(total, slots), window)
        stream = _Stream(
            client, iter(jobs), policy, window, chunk, task, as_completed, KilledWorker
        )
        for done, (job, result) in enumerate(stream.results(), start=1):
            if on_result is not None:
                on_result(job, result)
            if progress is not None:
                progress(done, max(total or 0, done + stream.waiting()))
            yield result
    finally:
        if own:
            client.close()


def chunk_size(total: int | None, slots: int) -> int:
    """Submissions a task: up to :data:`MAX_CHUNK`, as long as every grading slot still gets
    eight tasks or more (a small class is spread over all workers); one when the number of
    submissions is not known."""
    if not total:
        return 1
    return max(1, min(MAX_CHUNK, total // (8 * max(1, slots))))


@dataclass
class _Entry:
    """A job on its way through the cluster."""

    job: SubmissionJob
    item: PortableJob
    failures: int = 0  # times its grading raised (GraderFailure, a task that erred)


class _Stream:
    """The coordinator's loop: submissions go out in chunks, at most ``window`` in flight;
    results come back as their tasks complete.

    When a worker dies, Dask blames every task it held, the one that ran and those waiting
    behind it; after :data:`CRASH_ATTEMPTS` deaths a task ends with ``KilledWorker``. So
    its submissions are *suspects*, not culprits: after the rest of the batch, each one is
    graded again alone on the whole cluster, where a worker's death can only be its own
    doing. Only a suspect that stops its worker :data:`CRASH_ATTEMPTS` more times then is
    ``crashed``; a bystander gets its grade.
    """

    def __init__(self, client, jobs, policy, window, chunk, task, as_completed, killed):
        self.client, self.jobs, self.window, self.chunk, self.task = (
            client, jobs, window, chunk, task,
        )  # fmt: skip
        self.killed = killed  # the KilledWorker class
        self.batch = uuid.uuid4().hex[:8]
        self.resources = {resource_name(policy): 1}
        self.plugin = plugin_name(policy)
        self.bundles: dict[str, object] = {}  # master name -> the future of its Bundle
        self.buffers: dict[str, list[_Entry]] = {}  # master name -> entries not yet sent
        self.pending: dict = {}  # future -> its entries
        self.in_flight = 0  # submissions sent and not back
        self.exhausted = False
        self.suspects: list[_Entry] = []
        # this client's loop, never a default one; results gathered in the event loop
        self.running = as_completed(loop=client.loop, with_results=True, raise_errors=False)

    def waiting(self) -> int:
        return self.in_flight + sum(map(len, self.buffers.values()))

    def results(self) -> Iterator[tuple[SubmissionJob, SubmissionResult]]:
        yield from self._top_up()
        while self.pending:
            entries, retry = self._settle(*next(self.running), alone=False)
            yield from entries
            for entry in retry:
                self._send([entry])
            yield from self._top_up()
        queue = list(reversed(self.suspects))  # alone, one at a time, in the order they came
        while queue:
            self._send([queue.pop()])
            entries, retry = self._settle(*next(self.running), alone=True)
            yield from entries
            queue.extend(retry)

    def _top_up(self) -> list[tuple[SubmissionJob, SubmissionResult]]:
        """Send jobs until ``window`` are in flight; the results of those that need no worker
        (returned once the others are on their way)."""
        here = []
        while not self.exhausted and self.waiting() < self.window:
            job = next(self.jobs, None)
            if job is None:
                self.exhausted = True
                break
            item = portable(job)
            if item is None:  # nothing to run: the coordinator says why right here
                here.append((job, grade_here(job)))
                continue
            buffer = self.buffers.setdefault(job.master.name, [])
            buffer.append(_Entry(job, item))
            if len(buffer) >= self.chunk:
                self._send(self.buffers.pop(job.master.name))
        if self.exhausted or self.in_flight == 0:  # nothing else would fill them
            for name in list(self.buffers):
                self._send(self.buffers.pop(name))
        return here

    def _bundle(self, job: SubmissionJob):
        # one Bundle per master; a future whose lineage holds the data, so a worker that dies
        # with its copy costs a recomputation, not the batch
        name = job.master.name
        if name not in self.bundles:
            bundle = Bundle.of({name: job})
            self.bundles[name] = self.client.submit(
                _identity, bundle, key=f"mmlcalc-bundle-{bundle.key}-{self.batch}", pure=False
            )
        return self.bundles[name]

    def _send(self, entries: list[_Entry]) -> None:
        future = self.client.submit(
            grade_chunk, self.task, tuple(e.item for e in entries), self._bundle(entries[0].job),
            self.plugin, key=f"mmlcalc-grade-{self.batch}-{uuid.uuid4().hex[:12]}", pure=False,
            resources=self.resources,
        )  # fmt: skip
        self.pending[future] = entries
        self.in_flight += len(entries)
        self.running.add(future)

    def _settle(self, future, outcome, alone: bool):
        """``(finished (job, result) pairs, entries to send again)`` from a task's outcome."""
        entries = self.pending.pop(future)
        self.in_flight -= len(entries)
        status = future.status
        future.release()
        finished, retry = [], []
        if status == "finished":
            for entry, result in zip(entries, outcome, strict=True):
                if isinstance(result, GraderFailure):
                    self._failed(entry, result.error, finished, retry)
                else:
                    finished.append((entry.job, result))
            return finished, retry
        error = outcome[1] if isinstance(outcome, tuple) else outcome
        if isinstance(error, self.killed) and not alone:
            self.suspects.extend(entries)
        elif isinstance(error, self.killed):
            why = (
                f"grading this submission stopped its grading worker {CRASH_ATTEMPTS} times "
                "while nothing else was being graded (the worker process died each time); "
                "it was not graded"
            )
            finished += [(e.job, not_graded(e.job, "crashed", why)) for e in entries]
        else:  # the task itself failed: each of its submissions again, alone
            for entry in entries:
                self._failed(entry, f"{type(error).__name__}: {str(error)[:200]}", finished, retry)
        return finished, retry

    def _failed(self, entry: _Entry, error: str, finished: list, retry: list) -> None:
        entry.failures += 1
        if entry.failures > TASK_RETRIES:
            why = f"the grader failed on this submission ({error}); it was not graded"
            finished.append((entry.job, not_graded(entry.job, "crashed", why)))
        else:
            retry.append(entry)


def _identity(value):
    return value
