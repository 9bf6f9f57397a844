"""Grading on a Dask cluster (``mmlcalc_grade.cluster``): a real scheduler and two worker
processes on this machine (``LocalCluster(n_workers=2, processes=True)``), shared by the
module's tests. The same class graded on the local pool is the reference: the cluster must
give every submission exactly once with the same status, score and per-test results, also
when a worker process is killed in the middle of the batch; a submission that takes its
worker down three times is ``crashed`` and the batch goes on; a cluster whose workers cannot
sandbox grades nothing and says why."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from grading_fixtures import write_case, write_honest_batch

pytest.importorskip("distributed", reason='needs Dask distributed: pip install "mmlcalc[cluster]"')

from mmlcalc_grade import cli
from mmlcalc_grade.batch import run_batch
from mmlcalc_grade.cluster import (
    CRASH_ATTEMPTS,
    MESSAGE_LOG,
    grade_on_cluster,
    grade_portable,
)
from mmlcalc_grade.sandbox import SandboxUnavailable
from mmlcalc_grade.session import GradingSession, Policy

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

CRASHER = "week1_crasher"


def outcome(result):
    """What must not depend on where a submission was graded."""
    tests = tuple((t.grade_id, t.points, t.status, t.message) for t in result.tests)
    return result.status, result.score, tests


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, reference_cache):
    """Week 1: honest submissions (correct, partly correct, blank), an unreadable notebook and
    a student folder with nothing in it; prepared and graded once on the local pool."""
    from grading_fixtures import week1_cases

    folder = tmp_path_factory.mktemp("cluster-class")
    root = folder / "submitted"
    write_honest_batch(root, "week1", 6)
    cases = week1_cases()
    for case in cases:
        if case.student in ("invalid_json", "empty_file", "renamed", "old_nbformat"):
            write_case(root, case)
    write_honest_batch(folder / "crash", "week1", 1)  # a copy renamed below
    (folder / "crash" / "week1_correct_00").rename(root / CRASHER)
    args = cli.parser().parse_args(
        ["week1", str(root), "--out", str(folder / "out"), "--jobs", "2", "--no-gradebook",
         "--cache", str(reference_cache), "--timeout", "300", "--cell-timeout", "30"]
    )  # fmt: skip
    with GradingSession(Policy()) as session:
        ready = cli.prepare(args, session, folder / "unpacked")
        local = run_batch(ready.jobs, session, 2)
    return ready, {(r.student_id, r.notebook): outcome(r) for r in local}


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        Client(cluster, set_as_default=False) as connected,  # as the command's own client
    ):  # fmt: skip
        connected.wait_for_workers(2, timeout=300)
        yield connected


def grade(client, jobs, **kwargs):
    notes = []
    results = list(grade_on_cluster(jobs, client=client, policy=Policy(), note=notes.append,
                                    **kwargs))  # fmt: skip
    return results, notes


def test_a_dask_cluster_grades_a_class_as_the_local_pool_does(prepared, client):
    ready, local = prepared
    jobs = [job for job in ready.jobs if job.student_id != CRASHER]
    seen = []
    results, notes = grade(client, jobs, progress=lambda done, total: seen.append((done, total)))
    assert notes == []
    keys = [(r.student_id, r.notebook) for r in results]
    assert sorted(keys) == sorted((j.student_id, j.master.name) for j in jobs)  # once each
    assert {k: outcome(r) for k, r in zip(keys, results, strict=True)} == {
        k: local[k] for k in keys
    }
    assert seen[-1] == (len(jobs), len(jobs))
    statuses = {r.status for r in results}
    assert {"graded", "invalid-notebook"} <= statuses


def test_grading_workers_stop_sampling_their_stacks(prepared, client):
    """The plugin stops each worker's 10 ms profiler (7% of a 2-core worker's throughput);
    the worker's other periodic work (heartbeats) goes on."""
    grade(client, prepared[0].jobs[:2])  # the plugin is set up on every worker

    def callbacks(dask_worker=None):
        return sorted(dask_worker.periodic_callbacks)

    for names in client.run(callbacks).values():
        assert "profile" not in names
        assert "heartbeat" in names


def test_dask_keeps_a_short_log_of_the_messages_that_carry_submissions(prepared, client):
    """Each message handing a worker its tasks carries their notebooks; Dask's connections
    keep the last 1000 messages they sent (for debugging), which held 200 MB more in the
    coordinator for 2,000 submissions. After a batch, the scheduler's connections to the
    workers and the client's to the scheduler keep MESSAGE_LOG at most."""
    grade(client, prepared[0].jobs[:2])

    def lengths(dask_scheduler=None):
        return [comm.recent_message_log.maxlen for comm in dask_scheduler.stream_comms.values()]

    scheduler_side = client.run_on_scheduler(lengths)
    assert len(scheduler_side) == 2 and all(n <= MESSAGE_LOG for n in scheduler_side)
    assert client.scheduler_comm.recent_message_log.maxlen <= MESSAGE_LOG


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(prepared, client):
    """SIGKILL to one worker process as soon as the first result graded on a worker is back
    (the coordinator itself answers for an empty notebook at once): its submissions are
    graded again elsewhere; every one comes back once, scored as on the local pool."""
    ready, local = prepared
    jobs = [job for job in ready.jobs if job.student_id != CRASHER]
    pids = client.run(os.getpid)
    victim = sorted(pids)[0]
    results, killed = [], False
    for result in grade_on_cluster(jobs, client=client, policy=Policy(), note=lambda _: None):
        results.append(result)
        if result.status == "graded" and not killed:
            killed = True
            busy = client.processing()
            victim = max(busy, key=lambda worker: len(busy[worker])) if busy else victim
            assert busy.get(victim), "the killed worker should hold submissions in flight"
            os.kill(pids[victim], signal.SIGKILL)
    assert killed
    keys = [(r.student_id, r.notebook) for r in results]
    assert sorted(keys) == sorted((j.student_id, j.master.name) for j in jobs)
    assert {k: outcome(r) for k, r in zip(keys, results, strict=True)} == {
        k: local[k] for k in keys
    }
    client.wait_for_workers(2, timeout=300)
    assert pids[victim] not in client.run(os.getpid).values()  # the process really died


FAILER = "week1_correct_03"


def crash_the_crasher(job, bundle, plugin):
    """The grading task, except that the crasher's submission kills its worker process."""
    if job.student_id == CRASHER:
        os._exit(1)
    return grade_portable(job, bundle, plugin)


def fail_the_failer(job, bundle, plugin):
    """The grading task, except that grading the failer's submission raises (a grader bug)."""
    if job.student_id == FAILER:
        raise ValueError("a bug in the grader")
    return grade_portable(job, bundle, plugin)


def test_a_submission_that_crashes_its_worker_three_times_is_crashed_and_the_batch_goes_on(
    prepared, client
):
    """The crasher and an honest submission share one task, so Dask blames both for each of
    the worker's deaths (KilledWorker for both); graded again alone, the honest one gets its
    grade and the crasher, which stops its worker three more times, is ``crashed``."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/
    ready, local = prepared
    jobs = [job for job in ready.jobs if job.student_id in (CRASHER, "week1_correct_00")]
    started = time.monotonic()
    results, _ = grade(client, jobs, task=crash_the_crasher, chunk=2)
    by_student = {r.student_id: r for r in results}
    assert sorted(by_student) == sorted({CRASHER, "week1_correct_00"})
    assert len(results) == 2
    crashed = by_student[CRASHER]
    assert crashed.status == "crashed" and crashed.score == 0
    assert f"{CRASH_ATTEMPTS} times while nothing else was being graded" in crashed.notes[-1]
    assert all(t.status == "not-run" for t in crashed.tests)
    bystander = by_student["week1_correct_00"]
    assert outcome(bystander) == local[("week1_correct_00", bystander.notebook)]
    client.wait_for_workers(2, timeout=300)
    print(f"six crashes took {time.monotonic() - started:.0f} s")


def test_a_submission_whose_grading_raises_costs_only_itself(prepared, client):
    """Grading one submission of a chunk raises every time: it is sent again alone
    (``TASK_RETRIES`` times), then ``crashed`` with the error; its chunk-mates are graded."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ready, local = prepared
    jobs = [job for job in ready.jobs if job.student_id.startswith("week1_correct_")]
    assert FAILER in {job.student_id for job in jobs} and len(jobs) == 2
    results, _ = grade(client, jobs, task=fail_the_failer, chunk=2)
    by_student = {r.student_id: r for r in results}
    assert len(results) == 2
    failed = by_student[FAILER]
    assert failed.status == "crashed" and failed.score == 0
    assert (
        "the grader failed on this submission (ValueError: a bug in the grader)"
        in (failed.notes[-1])
    )
    other = by_student["week1_correct_00"]
    assert outcome(other) == local[("week1_correct_00", other.notebook)]


def test_workers_that_cannot_sandbox_refuse_and_the_coordinator_says_why(prepared, client):
    ready, _ = prepared
    nowhere = str(Path("/nonexistent") / "bwrap")
    with pytest.raises(SandboxUnavailable) as refused:
        list(grade_on_cluster(ready.jobs[:1], client=client, policy=Policy(bwrap=nowhere),
                              note=lambda _: None))  # fmt: skip
    message = str(refused.value)
    assert "no worker of the cluster can grade" in message
    assert message.count("cannot sandbox") == 2  # each worker, with its address and reason


def test_the_command_grades_on_the_cluster_with_scheduler(
    prepared, client, tmp_path, reference_cache
):
    """``mmlcalc-grade ... --scheduler tcp://HOST:PORT``: the same grades.csv as the local pool."""
    from grading_fixtures import read_csv, run_cli

    ready, local = prepared
    root = Path(ready.out).parent / "submitted"
    address = client.scheduler.address
    status, _, stderr = run_cli(
        "week1", root, "--out", tmp_path / "out", "--scheduler", address, "--no-gradebook",
        "--jobs", "1", "--quiet", "--cache", reference_cache,
    )  # fmt: skip
    assert status == 0, stderr
    rows = {row["student_id"]: row for row in read_csv(tmp_path / "out" / "grades.csv")}
    assert CRASHER in rows  # not a crasher here: the ordinary task grades it
    for (student, _notebook), (state, score, _tests) in local.items():
        assert (rows[student]["status"], float(rows[student]["score"])) == (state, score), student
