"""Grading at scale: the local pool and a Dask cluster side by side, and the gradebook's cost.

Generates N honest submissions of one assignment (correct, partly correct and blank in turn),
prepares them once (masters, references), then in one run:

1. grades them on this machine's pool (``run_batch``, ``--jobs`` = the workers' slots);
2. grades them on a Dask cluster of two local worker processes (``LocalCluster(n_workers=2,
   processes=True)``, one thread each), through ``grade_on_cluster``, as ``--scheduler`` does;
3. checks that both gave every submission the same status and score;
4. writes the results into a fresh SQLite gradebook with the bulk writer
   (``mmlcalc_grade.gradebook``), with nbgrader's per-row API on a sample for comparison,
   and into PostgreSQL when ``--postgresql URL`` is given.

It prints the throughput ratio Dask/local (target at least 0.9 on the same cores), the
coordinator's peak memory (target under 500 MB for 2,000; the LocalCluster's scheduler runs
in this process too, so this overstates a coordinator that talks to a remote scheduler),
per-submission costs (grading, gradebook) and the estimated wall time for 10,000
submissions on K one-slot workers.

Run:  python benchmarks/grading_scale.py [--n 2000] [--week week1] [--postgresql URL]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "tests"))

from grading_fixtures import write_honest_batch  # noqa: E402 (needs the path above)

#: Targets of issue 21.
TARGET_RATIO = 0.9
TARGET_PEAK_MB = 500
TARGET_GRADEBOOK_MS = 20
#: Students written with nbgrader's per-row API for comparison (it is slow).
PER_ROW_SAMPLE = 40


def peak_mb() -> float:
    """This process's peak resident memory so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(root: Path, week: str, n: int, slots: int, cache: Path):
    from mmlcalc_grade import cli

    write_honest_batch(root / "submitted", week, n)
    args = cli.parser().parse_args(
        [week, str(root / "submitted"), "--out", str(root / "out"), "--jobs", str(slots),
         "--no-gradebook", "--cache", str(cache), "--quiet"]
    )  # fmt: skip
    return args


def grade_local(args, root: Path):
    from mmlcalc_grade import cli
    from mmlcalc_grade.batch import run_batch
    from mmlcalc_grade.session import GradingSession, Policy

    with GradingSession(Policy()) as session:
        prepared = cli.prepare(args, session, root / "unpacked")
        started = time.perf_counter()
        results = run_batch(prepared.jobs, session, args.jobs)
        seconds = time.perf_counter() - started
    return prepared, results, seconds


def grade_dask(prepared, workers: int):
    from distributed import Client, LocalCluster

    from mmlcalc_grade.cluster import grade_on_cluster
    from mmlcalc_grade.session import Policy

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(workers, timeout=600)
        # set the workers' sessions up (sandbox proof, warm processes) before the clock starts,
        # as a cluster that waits for a deadline has them: the same for the local pool
        list(grade_on_cluster(prepared.jobs[:workers], client=client, policy=Policy()))
        start_up = time.perf_counter() - started
        started = time.perf_counter()
        results = list(grade_on_cluster(prepared.jobs, client=client, policy=Policy()))
        seconds = time.perf_counter() - started
    return results, seconds, start_up


def gradebook_costs(prepared, results, folder: Path, postgresql: str | None) -> dict:
    """Milliseconds per submission written: bulk on SQLite (and PostgreSQL), per-row sample."""
    from mmlcalc_grade import gradebook, outputs

    grades = outputs.summarise(results, prepared.assignment)
    costs = {}
    targets = [("sqlite bulk", f"sqlite:///{folder / 'bulk.db'}")]
    if postgresql:
        targets.append(("postgresql bulk", postgresql))
    for label, url in targets:
        gradebook.write(url, "mmlcalc", prepared.assignment, grades[:1])  # create the tables
        started = time.perf_counter()
        gradebook.write(url, "mmlcalc", prepared.assignment, grades[:1])
        fixed = time.perf_counter() - started  # per command: connect, define, read the layout
        started = time.perf_counter()
        gradebook.write(url, "mmlcalc", prepared.assignment, grades)
        whole = time.perf_counter() - started
        costs[label] = max(0.0, whole - fixed) / len(grades) * 1000
        costs[f"{label}, once per command"] = fixed * 1000
    sample = grades[:PER_ROW_SAMPLE]
    url = f"sqlite:///{folder / 'per-row.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs._write_gradebook(url, "mmlcalc", prepared.assignment, sample[:1])
        started = time.perf_counter()
        outputs._write_gradebook(url, "mmlcalc", prepared.assignment, sample)
    costs["sqlite per-row (nbgrader API)"] = (time.perf_counter() - started) / len(sample) * 1000
    return costs


def run(n: int, week: str, workers: int, postgresql: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="grading-scale-") as temporary:
        root = Path(temporary)
        args = prepare(root, week, n, workers, root / "cache")
        prepared, local, local_s = grade_local(args, root)
        peak_local = peak_mb()
        remote, dask_s, start_up = grade_dask(prepared, workers)
        peak_dask = peak_mb()
        key = lambda r: (r.student_id, r.notebook)  # noqa: E731
        same = [(r.status, r.score) for r in sorted(local, key=key)] == [
            (r.status, r.score) for r in sorted(remote, key=key)
        ]
        once = sorted(map(key, remote)) == sorted(map(key, local))
        costs = gradebook_costs(prepared, remote, root, postgresql)
    return {
        "n": len(prepared.jobs),
        "workers": workers,
        "local_s": local_s,
        "dask_s": dask_s,
        "dask_start_up_s": start_up,
        "ratio": local_s / dask_s,
        "same_scores": same,
        "each_once": once,
        "peak_mb_local": peak_local,
        "peak_mb": peak_dask,
        "grading_ms": dask_s / len(remote) * 1000,
        "work_unit_ms": statistics.mean(r.seconds for r in remote) * 1000,
        "work_unit_ms_local": statistics.mean(r.seconds for r in local) * 1000,
        "gradebook_ms": costs,
    }


def estimate_10k(measured: dict, slots: tuple[int, ...] = (2, 8, 32, 128)) -> list[str]:
    """Wall time for 10,000 submissions on K one-slot workers: grading spread over K slots
    (this run's per-slot cost), plus the coordinator's serial bulk gradebook writes."""
    per_slot = measured["dask_s"] * measured["workers"] / measured["n"]
    writes = measured["gradebook_ms"]["sqlite bulk"] / 1000
    lines = []
    for k in slots:
        grading = 10_000 * per_slot / k
        total = grading + 10_000 * writes
        lines.append(
            f"  K = {k:3d}: {total / 60:6.1f} min ({grading / 60:.1f} min grading, "
            f"{10_000 * writes / 60:.1f} min gradebook)"
        )
    return lines


def report(measured: dict) -> bool:
    ratio_ok = measured["ratio"] >= TARGET_RATIO
    memory_ok = measured["peak_mb"] < TARGET_PEAK_MB * max(1.0, measured["n"] / 2000)
    bulk = [ms for label, ms in measured["gradebook_ms"].items() if label.endswith("bulk")]
    bulk_ok = all(ms < TARGET_GRADEBOOK_MS for ms in bulk)
    n, k = measured["n"], measured["workers"]
    print(
        f"{n} submissions; local pool of {k} slots vs Dask LocalCluster of {k} one-thread workers"
    )
    print(f"local pool:   {measured['local_s']:8.1f} s  ({n / measured['local_s']:6.2f} per s)")
    print(
        f"Dask cluster: {measured['dask_s']:8.1f} s  ({n / measured['dask_s']:6.2f} per s; "
        f"cluster start-up {measured['dask_start_up_s']:.1f} s, not counted)"
    )
    print(
        f"throughput ratio Dask/local: {measured['ratio']:.2f} (target >= {TARGET_RATIO}) "
        f"{'ok' if ratio_ok else 'MISSED'}"
    )
    print(
        f"same status and score everywhere: {measured['same_scores']}; "
        f"each submission exactly once: {measured['each_once']}"
    )
    print(
        f"coordinator peak memory: {measured['peak_mb']:.0f} MB after Dask "
        f"({measured['peak_mb_local']:.0f} MB after the local pool; target < {TARGET_PEAK_MB} MB "
        f"for 2,000) {'ok' if memory_ok else 'MISSED'}"
    )
    print("per submission:")
    print(
        f"  grading on the cluster: {measured['grading_ms']:7.1f} ms of wall time "
        f"({measured['work_unit_ms']:.0f} ms in the work unit on one slot; "
        f"{measured['work_unit_ms_local']:.0f} ms on the local pool)"
    )
    for label, ms in measured["gradebook_ms"].items():
        if label.endswith("once per command"):
            print(f"  (gradebook, {label}: {ms:.0f} ms in all)")
            continue
        target = f" (target < {TARGET_GRADEBOOK_MS} ms)" if label.endswith("bulk") else ""
        if label.endswith("bulk") and not bulk_ok:
            target += " MISSED"
        print(f"  gradebook, {label}: {ms:7.1f} ms{target}")
    print("estimated wall time for 10,000 submissions on K one-slot workers like these:")
    for line in estimate_10k(measured):
        print(line)
    return measured["same_scores"] and measured["each_once"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="submissions (default 2000)")
    parser.add_argument("--week", default="week1")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers = local slots")
    parser.add_argument("--postgresql", default=None, help="also write into this gradebook URL")
    args = parser.parse_args(argv)
    measured = run(args.n, args.week, args.workers, args.postgresql)
    return 0 if report(measured) else 1


if __name__ == "__main__":
    sys.exit(main())
