"""Class grading throughput: ``mmlcalc-grade`` against stock ``nbgrader autograde``.

Builds a class of honest submissions for every assignment in ``source/`` (correct,
partly correct and blank in turn; ``--per-week`` learners, 30 by default), and grades it
as an instructor does, one command per assignment, each grader in its own temporary
nbgrader course built by ``tests/course_harness.py`` (``generate_assignment`` first,
untimed: it creates the gradebook and the assignment, once per term):

* stock nbgrader: ``nbgrader autograde weekN`` (it writes the gradebook and the
  autograded notebooks);
* ``mmlcalc-grade weekN submitted --gradebook <its course's gradebook> --course-dir
  <its course>``: the gradebook, the autograded notebooks, feedback pages, CSV files and
  the report; timed from a cold reference cache, so the reference runs are included.

It checks that the two gradebooks give every honest submission the same score, and
prints both times per assignment, the throughput ratio, and the per-submission
overhead of ``mmlcalc-grade`` over the time the learners' code itself takes (measured in
the workers, ``--jobs 1``). A command's fixed costs (starting Python and the sandbox,
reading the masters) weigh on a small class: the ratio grows with the class.

Then the cost of isolation: the same batch graded with ``--isolation sandbox``
(bubblewrap) and ``--isolation none`` (plain processes), warm reference cache,
alternating A B A B... ``--rounds`` times, and the ratio of the medians.

Run:  python benchmarks/grading_throughput.py [--per-week N] [--jobs N] [--rounds N]
      python benchmarks/grading_throughput.py --isolation-only   (skips stock nbgrader)
Targets: at least 10 times stock nbgrader's throughput on a 2-core machine, with the
gradebook on (issue 21); the sandbox costs at most 15% of throughput.
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

TARGET_RATIO = 10.0
#: Learners per assignment by default: a class, not a handful.
CLASS_SIZE = 30
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
    """``mmlcalc-grade`` once per week, without a gradebook (the isolation runs);
    ``(seconds, {(week, student): score})`` from grades.csv."""
    scores, started = {}, time.perf_counter()
    for week in weeks:
        _run_mmlcalc(week, submitted, out / week, jobs, cache, "--no-gradebook",
                     "--isolation", isolation)  # fmt: skip
        with (out / week / "grades.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                if row["status"] != "missing":
                    scores[(week, row["student_id"])] = float(row["score"])
    return time.perf_counter() - started, scores


def _run_mmlcalc(week: str, submitted: Path, out: Path, jobs: int, cache: Path, *options):
    subprocess.run(
        [sys.executable, "-m", "mmlcalc_grade", week, str(submitted), "--out", str(out),
         "--jobs", str(jobs), "--cache", str(cache), "--quiet", *options],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def course_for(folder: Path, submitted: Path, weeks: list[str]) -> Course:
    """A temporary nbgrader course with every assignment generated (untimed, as in a term)."""
    course = Course.create(folder)
    (course.root / "submitted").symlink_to(submitted, target_is_directory=True)
    for week in weeks:
        course.generate(week)  # creates the gradebook and the assignment in it
    return course


def gradebook_scores(course: Course, submitted: Path, weeks: list[str]) -> dict:
    """``{(week, student): total score}`` as the course's gradebook holds it."""
    return {
        (week, folder.name): float(course.total(folder.name, week)[0])
        for folder in sorted(submitted.iterdir())
        for week in weeks
        if (folder / week).is_dir()
    }


def grade_as_instructor(
    folder: Path, submitted: Path, weeks: list[str], jobs: int, cache: Path
) -> tuple[dict[str, float], dict]:
    """``mmlcalc-grade`` per week into its own course's gradebook and autograded/ folder;
    ``({week: seconds}, scores read from the gradebook)``."""
    course = course_for(folder, submitted, weeks)
    seconds = {}
    for week in weeks:
        started = time.perf_counter()
        _run_mmlcalc(week, submitted, folder / "out" / week, jobs, cache,
                     "--gradebook", course.db_url, "--course-dir", str(course.root))  # fmt: skip
        seconds[week] = time.perf_counter() - started
    return seconds, gradebook_scores(course, submitted, weeks)


def grade_with_nbgrader(
    folder: Path, submitted: Path, weeks: list[str]
) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Stock ``nbgrader autograde`` per week in its own course; ``({week: seconds}, scores)``."""
    course = course_for(folder, submitted, weeks)
    seconds = {}
    for week in weeks:
        started = time.perf_counter()
        course.autograde(week, check=False)
        seconds[week] = time.perf_counter() - started
    return seconds, gradebook_scores(course, submitted, weeks)


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
    from mmlcalc_grade.assignment import load_assignment, masters_imports
    from mmlcalc_grade.batch import SubmissionJob, reference_records, run_batch
    from mmlcalc_grade.deadlines import Deadlines
    from mmlcalc_grade.protocol import Limits
    from mmlcalc_grade.session import GradingSession, Policy

    limits, deadlines, results = Limits(), Deadlines(notebook=120, cell=30), []
    for week in weeks:  # a session per assignment, warm with its masters' imports as the CLI's
        with GradingSession(Policy(warm=masters_imports(REPOSITORY / "source", week))) as session:
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
    parser.add_argument("--per-week", type=int, default=CLASS_SIZE, help="learners a week")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each isolation mode")
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
        ours_s, ours = grade_as_instructor(
            folder / "mmlcalc", submitted, weeks, args.jobs, folder / "cold-cache"
        )
        per_submission, code = learner_code_overhead(submitted, weeks, folder / "cache")
    return report_throughput(kinds, weeks, stock_s, ours_s, args.jobs, per_submission, code,
                             disagreements(ours, stock))  # fmt: skip


def report_throughput(kinds, weeks, stock_s, ours_s, jobs, per_submission, code, differ) -> int:
    """Print both graders' times per assignment and overall, and the ratio; 1 if scores differ."""
    n = len(kinds)
    print(f"{'':8}{'learners':>9}{'nbgrader autograde':>20}{'mmlcalc-grade':>15}{'ratio':>8}")
    for week in weeks:
        count = sum(w == week for w, _ in kinds)
        ratio = stock_s[week] / ours_s[week]
        print(f"{week:8}{count:9d}{stock_s[week]:18.1f} s{ours_s[week]:13.1f} s{ratio:7.1f}x")
    stock_total, ours_total = sum(stock_s.values()), sum(ours_s.values())
    print(f"stock nbgrader autograde: {stock_total:7.1f} s  ({n / stock_total:5.2f} submissions/s)")
    print(
        f"mmlcalc-grade --jobs {jobs}:  {ours_total:7.1f} s  ({n / ours_total:5.2f} "
        "submissions/s; gradebook, autograded notebooks, feedback and report written; "
        "reference runs included)"
    )
    ratio = stock_total / ours_total
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"throughput ratio: {ratio:.1f}x ({verdict} the target of {TARGET_RATIO:g}x)")
    print(
        f"per submission, one worker: {1000 * per_submission:.0f} ms, of which the learner's "
        f"code and the tests {1000 * code:.0f} ms: overhead {1000 * (per_submission - code):.0f} ms"
    )
    if differ:
        print(f"{len(differ)} honest submissions scored differently in the two gradebooks:")
        print("\n".join("  " + line for line in differ))
        return 1
    print(f"both gradebooks agree on all {n} honest submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
