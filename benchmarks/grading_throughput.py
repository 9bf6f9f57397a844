"""Class grading throughput: ``mmlcalc-grade`` against stock ``nbgrader autograde``.

Builds a batch of honest submissions across every assignment in ``source/``
(correct, partly correct and blank in turn; at least 24 in all), grades it

* with stock nbgrader, in a temporary course built by ``tests/course_harness.py``
  (``generate_assignment`` first, untimed; then ``nbgrader autograde weekN``, timed);
* with ``mmlcalc-grade`` (``python -m mmlcalc_grade``, one run per assignment,
  timed from a cold reference cache, so the reference runs are included),

checks that both give every honest submission the same score, and prints the
throughput ratio and the per-submission overhead of ``mmlcalc-grade`` over the
time the learners' code itself takes (measured in the workers, ``--jobs 1``).

Then the cost of isolation: the same batch graded with ``--isolation sandbox``
(bubblewrap) and ``--isolation none`` (plain processes), warm reference cache,
alternating A B A B... ``--rounds`` times, and the ratio of the medians.

Run:  python benchmarks/grading_throughput.py [--per-week N] [--jobs N] [--rounds N]
      python benchmarks/grading_throughput.py --isolation-only   (skips stock nbgrader)
Targets: at least 3 times stock nbgrader's throughput on a 2-core machine; the
sandbox costs at most 15% of throughput.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "tests"))

from course_harness import Course, assignment_ids  # noqa: E402 (needs the path above)
from grading_fixtures import write_honest_batch  # noqa: E402

TARGET_RATIO = 3.0
#: Largest acceptable loss of throughput from running notebooks in the sandbox.
ISOLATION_BUDGET = 0.15


def build_batch(root: Path, per_week: int, weeks: list[str]) -> dict[tuple[str, str], str]:
    """Honest submissions in nbgrader's ``submitted/`` layout; ``{(week, student): kind}``."""
    kinds = {}
    for week in weeks:
        for student, kind in write_honest_batch(root, week, per_week).items():
            kinds[(week, student)] = kind
    return kinds


def grade_with_mmlcalc(
    submitted: Path, out: Path, weeks: list[str], jobs: int, cache: Path, isolation: str = "sandbox"
) -> tuple[float, dict[tuple[str, str], float]]:
    """Run ``mmlcalc-grade`` once per week; ``(seconds, {(week, student): score})``."""
    scores, started = {}, time.perf_counter()
    for week in weeks:
        subprocess.run(
            [sys.executable, "-m", "mmlcalc_grade", week, str(submitted), "--out",
             str(out / week), "--jobs", str(jobs), "--cache", str(cache), "--no-gradebook",
             "--quiet", "--isolation", isolation],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with (out / week / "grades.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                if row["status"] != "missing":
                    scores[(week, row["student_id"])] = float(row["score"])
    return time.perf_counter() - started, scores


def grade_with_nbgrader(
    folder: Path, submitted: Path, weeks: list[str]
) -> tuple[float, dict[tuple[str, str], float]]:
    """Stock ``nbgrader autograde`` in a temporary course; ``(seconds, scores)``."""
    course = Course.create(folder)
    (course.root / "submitted").symlink_to(submitted, target_is_directory=True)
    for week in weeks:
        course.generate(week)  # untimed: it is done once per assignment, before grading
    scores, started = {}, time.perf_counter()
    for week in weeks:
        course.autograde(week, check=False)
    seconds = time.perf_counter() - started
    for student_folder in sorted(submitted.iterdir()):
        for week in weeks:
            if (student_folder / week).is_dir():
                score, _ = course.total(student_folder.name, week)
                scores[(week, student_folder.name)] = float(score)
    return seconds, scores


def disagreements(ours: dict, stock: dict) -> list[str]:
    """Every submission the two graders scored differently (or only one of them scored)."""
    return [
        f"{week}/{student}: mmlcalc-grade {ours.get((week, student))}, "
        f"nbgrader {stock.get((week, student))}"
        for week, student in sorted(set(ours) | set(stock))
        if ours.get((week, student)) != stock.get((week, student))
    ]


def learner_code_overhead(submitted: Path, weeks: list[str], cache: Path) -> tuple[float, float]:
    """``(mean seconds per submission, mean seconds of learner code in it)`` with one worker."""
    from mmlcalc_grade.assignment import load_assignment
    from mmlcalc_grade.batch import SubmissionJob, reference_records, run_batch
    from mmlcalc_grade.deadlines import Deadlines
    from mmlcalc_grade.protocol import Limits
    from mmlcalc_grade.session import GradingSession

    limits, deadlines, results = Limits(), Deadlines(notebook=120, cell=30), []
    with GradingSession() as session:
        for week in weeks:
            (master,) = load_assignment(REPOSITORY / "source", week).notebooks[:1]
            reference = reference_records(master, session, limits, deadlines, str(cache))
            jobs = [
                SubmissionJob(folder.name, week, master, reference,
                              str(folder / week / master.name), str(folder / week))
                for folder in sorted(submitted.iterdir())
                if (folder / week / master.name).exists()
            ]  # fmt: skip
            results += run_batch(jobs, session, 1)
    return (
        statistics.mean(r.seconds for r in results),
        statistics.mean(r.code_seconds for r in results),
    )


def isolation_cost(
    submitted: Path, out: Path, weeks: list[str], jobs: int, cache: Path, rounds: int
) -> tuple[float, float, bool]:
    """``(median seconds sandboxed, median seconds plain, same scores)``, alternating runs."""
    grade_with_mmlcalc(submitted, out / "warm", weeks, jobs, cache, "none")  # fills the cache
    times = {"sandbox": [], "none": []}
    scores = {}
    for index in range(rounds):
        for mode in ("sandbox", "none") if index % 2 == 0 else ("none", "sandbox"):
            seconds, scores[mode] = grade_with_mmlcalc(
                submitted, out / f"{mode}{index}", weeks, jobs, cache, mode
            )
            times[mode].append(seconds)
    same = scores["sandbox"] == scores["none"]
    return statistics.median(times["sandbox"]), statistics.median(times["none"]), same


def report_isolation(n: int, sandboxed: float, plain: float, same: bool) -> bool:
    cost = 1 - plain / sandboxed  # share of throughput lost: 1 - (n/sandboxed)/(n/plain)
    verdict = "within" if cost <= ISOLATION_BUDGET else "over"
    for label, seconds in (("none:   ", plain), ("sandbox:", sandboxed)):
        rate = n / seconds
        print(f"mmlcalc-grade --isolation {label} {seconds:7.1f} s  ({rate:5.2f} submissions/s)")
    print(
        f"isolation costs {100 * cost:.1f}% of throughput ({verdict} the budget of "
        f"{100 * ISOLATION_BUDGET:.0f}%); scores {'identical' if same else 'DIFFER'}"
    )
    return same


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    weeks = assignment_ids()
    parser.add_argument("--per-week", type=int, default=max(6, -(-24 // max(1, len(weeks)))))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each isolation mode")
    parser.add_argument("--isolation-only", action="store_true", help="skip stock nbgrader")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as temporary:
        folder = Path(temporary)
        submitted = folder / "submitted"
        kinds = build_batch(submitted, args.per_week, weeks)
        print(f"{len(kinds)} submissions over {', '.join(weeks)} (correct, partly, blank)")
        sandboxed, plain, same = isolation_cost(
            submitted, folder / "isolation", weeks, args.jobs, folder / "cache", args.rounds
        )
        if not report_isolation(len(kinds), sandboxed, plain, same):
            return 1
        if args.isolation_only:
            return 0
        stock_s, stock = grade_with_nbgrader(folder / "nbgrader", submitted, weeks)
        ours_s, ours = grade_with_mmlcalc(
            submitted, folder / "out", weeks, args.jobs, folder / "cold-cache"
        )
        per_submission, code = learner_code_overhead(submitted, weeks, folder / "cache")
    differ = disagreements(ours, stock)
    n = len(kinds)
    print(f"stock nbgrader autograde: {stock_s:7.1f} s  ({n / stock_s:5.2f} submissions/s)")
    print(
        f"mmlcalc-grade --jobs {args.jobs}:  {ours_s:7.1f} s  ({n / ours_s:5.2f} submissions/s, "
        "reference runs included)"
    )
    ratio = stock_s / ours_s
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"throughput ratio: {ratio:.1f}x ({verdict} the target of {TARGET_RATIO:g}x)")
    print(
        f"per submission, one worker: {1000 * per_submission:.0f} ms, of which the learner's "
        f"code and the tests {1000 * code:.0f} ms: overhead {1000 * (per_submission - code):.0f} ms"
    )
    if differ:
        print(f"{len(differ)} honest submissions scored differently:")
        print("\n".join("  " + line for line in differ))
        return 1
    print(f"both graders agree on all {n} honest submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
