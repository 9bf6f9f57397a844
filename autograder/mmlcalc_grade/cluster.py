"""Grading on a Dask cluster: the same work unit, run on other machines.

``mmlcalc-grade ... --scheduler tcp://HOST:PORT`` hands every submission to an existing
`Dask distributed <https://distributed.dask.org>`_ cluster instead of this machine's
pool (``pip install "mmlcalc[cluster]"``). What grades one submission is the same
function, :func:`mmlcalc_grade.batch.grade_submission`; Dask only decides where it runs.

* **Portable jobs.** A worker needs the course package and bubblewrap, no shared file
  system: each task carries a :class:`PortableJob` (the submission's files and notebook
  as bytes, its limits and deadlines); the master, the reference records and the master
  folder's support files travel once per batch as a :class:`Bundle` (a Dask future every
  task depends on, so a worker fetches it once). The worker writes them into a scratch
  folder of its own, grades, deletes them, and returns a
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
* **Retries.** A task whose worker dies is run again elsewhere (Dask reschedules it;
  ``retries`` also covers a task that raised); a submission that took its worker down
  :data:`CRASH_ATTEMPTS` times gets the status ``crashed`` and the batch goes on.
* **Streaming.** Results come back as they complete (``as_completed``), at most
  ``window`` submissions in flight, so the coordinator holds neither every notebook nor
  every task at once.
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .batch import (
    MAX_NOTEBOOK_BYTES,
    SubmissionJob,
    SubmissionResult,
    grade_submission,
    submission_files,
    ungraded,
)
from .deadlines import Deadlines
from .protocol import Limits
from .sandbox import SandboxUnavailable
from .session import GradingSession, Policy

logger = logging.getLogger("mmlcalc_grade.cluster")

#: A submission whose task took its worker down this many times is ``crashed``.
CRASH_ATTEMPTS = 3
#: Extra runs of a task that raised (not a dead worker: that is :data:`CRASH_ATTEMPTS`).
TASK_RETRIES = 2
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
    notebook: bytes  # the learner's notebook
    files: tuple[tuple[str, bytes], ...]  # the submission folder's files (relative path, bytes)
    notes: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    deadlines: Deadlines = field(default_factory=lambda: Deadlines(notebook=300.0, cell=30.0))


def portable(job: SubmissionJob) -> PortableJob | None:
    """``job`` as bytes, or None when it needs no worker: nothing submitted, or a notebook
    this machine cannot read or that is too large (the work unit says so without running any
    learner's code, so the coordinator runs it right here)."""
    if job.notebook_path is None:
        return None
    try:
        path = Path(job.notebook_path)
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        notebook = path.read_bytes()
        files = tuple(submission_files(replace(job, notebook_path=None)))
    except OSError:
        return None
    return PortableJob(
        job.student_id,
        job.assignment_id,
        job.master.name,
        notebook,
        files,
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
        folder = self.master_folder(bundle)
        place = Path(tempfile.mkdtemp(prefix="job-", dir=self.scratch))
        try:
            submission = place / "submission"
            submission.mkdir()
            for relative, data in job.files:
                target = (submission / relative).resolve()
                if not target.is_relative_to(submission.resolve()):
                    continue  # cannot happen from submission_files; never write outside
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            notebook = place / "notebook" / job.master_name
            notebook.parent.mkdir()
            notebook.write_bytes(job.notebook)
            local = SubmissionJob(
                student_id=job.student_id,
                assignment_id=job.assignment_id,
                master=replace(master, path=str(folder / job.master_name)),
                reference=reference,
                notebook_path=str(notebook),
                submission_dir=str(submission),
                notes=job.notes,
                limits=job.limits,
                deadlines=job.deadlines,
            )
            return grade_submission(local, self.session)
        finally:
            shutil.rmtree(place, ignore_errors=True)


def _plugin(name: str) -> GradingPlugin:
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(name)
    if plugin is None:
        raise WorkerCannotSandbox(f"the worker {worker.address} has no mmlcalc-grade session")
    return plugin


def grade_portable(job: PortableJob, bundle: Bundle, plugin: str) -> SubmissionResult:
    """The task a worker runs: materialise ``job`` and call the work unit in the session of
    the worker's plugin named ``plugin``."""
    return _plugin(plugin).grade(job, bundle)


def _worker_status(name: str, dask_worker=None) -> str | None:
    plugin = dask_worker.plugins.get(name) if dask_worker else None
    return "the grading plugin is not set up" if plugin is None else plugin.status()


def _has_plugin(name: str, dask_worker=None) -> bool:
    return dask_worker is not None and name in dask_worker.plugins


def _set_allowed_failures(count: int, dask_scheduler=None) -> int:
    before = dask_scheduler.allowed_failures
    dask_scheduler.allowed_failures = count
    return before


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
    note: Callable[[str], None] = _stderr_note,
    task: Callable = grade_portable,
    on_result: Callable[[SubmissionJob, SubmissionResult], None] | None = None,
) -> Iterator[SubmissionResult]:
    """Grade ``jobs`` on the Dask cluster at ``scheduler_address`` (or ``client``'s): the
    results, one per job, in the order they complete.

    ``policy`` is the coordinator's (``isolation`` decides which workers may grade; its
    protected paths are hidden on workers too). At most ``window`` submissions are in
    flight (default: four per grading slot, at least 32). Raises
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
        client.run_on_scheduler(_set_allowed_failures, CRASH_ATTEMPTS - 1)
        try:
            able = check_workers(client, name, note)
        except SandboxUnavailable:
            with contextlib.suppress(Exception):  # no session of this policy anywhere
                client.unregister_worker_plugin(name)
            raise
        slots = sum(info.get("nthreads", 1) for info in client.scheduler_info()["workers"].values())
        window = window or max(32, 4 * max(slots, able))
        yield from _stream(
            client, as_completed, KilledWorker, iter(jobs), policy, progress, total,
            window, task, on_result,
        )  # fmt: skip
    finally:
        if own:
            client.close()


def _stream(
    client, as_completed, KilledWorker, jobs, policy, progress, total, window, task, on_result
):
    batch = uuid.uuid4().hex[:8]
    bundles: dict[str, object] = {}  # master name -> the future of its batch's Bundle
    pending: dict = {}  # future -> its SubmissionJob
    done = 0
    resources = {resource_name(policy): 1}
    name = plugin_name(policy)
    running = as_completed(loop=client.loop)  # this client's, never a default one

    def report(job, result):
        if on_result is not None:
            on_result(job, result)
        if progress is not None:
            progress(done, max(total or 0, done + len(pending)))

    def bundle_for(job: SubmissionJob):
        # one Bundle per assignment's masters; a future whose lineage holds the data, so a
        # worker that dies with its copy costs a recomputation, not the batch
        if job.master.name not in bundles:
            bundle = Bundle.of({job.master.name: job})
            bundles[job.master.name] = client.submit(
                _identity, bundle, key=f"mmlcalc-bundle-{bundle.key}-{batch}", pure=False
            )
        return bundles[job.master.name]

    def submit(job: SubmissionJob) -> tuple[SubmissionJob, SubmissionResult] | None:
        item = portable(job)
        if item is None:
            return job, grade_here(job)
        key = f"mmlcalc-grade-{batch}-{uuid.uuid4().hex[:12]}"
        future = client.submit(
            task, item, bundle_for(job), name,
            key=key, pure=False, retries=TASK_RETRIES, resources=resources,
        )  # fmt: skip
        pending[future] = job
        running.add(future)
        return None

    exhausted = False

    def top_up():
        nonlocal exhausted, done
        immediate = []
        while not exhausted and len(pending) < window:
            job = next(jobs, None)
            if job is None:
                exhausted = True
                break
            result = submit(job)
            if result is not None:
                immediate.append(result)
        return immediate

    for job, result in top_up():
        done += 1
        report(job, result)
        yield result
    while pending:
        future = next(running)
        job = pending.pop(future)
        try:
            result = future.result()
        except KilledWorker:
            result = not_graded(
                job,
                "crashed",
                f"grading this submission stopped its grading worker {CRASH_ATTEMPTS} times "
                "(the worker process died each time); it was not graded",
            )
        except Exception as error:  # one bad job never sinks the batch
            result = not_graded(
                job,
                "crashed",
                f"the grader failed on this submission ({type(error).__name__}: "
                f"{str(error)[:200]}); it was not graded",
            )
        future.release()
        done += 1
        report(job, result)
        yield result
        for extra_job, extra in top_up():
            done += 1
            report(extra_job, extra)
            yield extra


def _identity(value):
    return value
