"""The learners' copies of the assignments in ``assignments/``, kept as nbgrader releases them.

The repository ships every week's released notebook (no reference solutions, no hidden
tests) in ``assignments/weekN/<name>.ipynb``, so that a lecture can link to the
learner's copy and nobody needs ``source/``. Those files are exactly what
``nbgrader generate_assignment`` makes from the masters with the course's own
``autograder/nbgrader_config.py``; this module regenerates them in a temporary course
and compares them cell by cell (``tests/test_released_assignments.py`` does it on every
test run).

After changing a master in ``source/``, refresh the copies from the repository root::

    python -m mmlcalc_grade.releases            # every week
    python -m mmlcalc_grade.releases week3      # one week
    python -m mmlcalc_grade.releases --check    # compare only; exit 1 when a copy is stale
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

#: The one command that refreshes the copies (the test's failure message prints it).
REFRESH_COMMAND = "python -m mmlcalc_grade.releases"

#: The longest one ``generate_assignment`` may take, in seconds (about 5 s per week).
GENERATE_TIMEOUT = 600


def repository() -> Path:
    """The repository this package is installed from (an editable install), else the cwd."""
    import mmlcalc

    root = Path(mmlcalc.__file__).resolve().parents[1]
    return root if (root / "autograder" / "nbgrader_config.py").is_file() else Path.cwd()


def assignment_ids(source: Path) -> list[str]:
    """Every ``weekN`` folder of ``source`` that holds a notebook, in week order."""

    def week(path: Path) -> int:
        digits = re.sub(r"\D", "", path.name)
        return int(digits) if digits else 0

    folders = [p for p in source.glob("week*") if p.is_dir() and any(p.glob("*.ipynb"))]
    return [p.name for p in sorted(folders, key=week)]


def _environment(course: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MMLCALC_COURSE_DIR", "MMLCALC_EXCHANGE", "MMLCALC_DB_URL")
    }
    env.update(
        MMLCALC_COURSE_DIR=str(course),
        MMLCALC_EXCHANGE=str(course.parent / "exchange"),
        # an empty user config folder: the maintainer's own ~/.jupyter cannot interfere
        JUPYTER_CONFIG_DIR=str(course.parent / "jupyter-config"),
    )
    return env


def generate(
    out: Path,
    assignments: list[str] | None = None,
    root: Path | None = None,
    source: Path | None = None,
) -> dict[str, list[Path]]:
    """Run ``nbgrader generate_assignment`` in a temporary course; copy each release to ``out``.

    ``out/<assignment>/`` is replaced by the release of that assignment (its notebooks as
    nbgrader wrote them, byte for byte). The commands run in ``root/autograder`` with the
    course's configuration, as the instructor runs them; ``source`` (default: the
    configuration's, the repository's ``source/``) is where the masters are read.
    """
    root = root or repository()
    source = source or root / "source"
    assignments = assignments or assignment_ids(source)
    written: dict[str, list[Path]] = {}
    with tempfile.TemporaryDirectory(prefix="mmlcalc-release-") as folder:
        course = Path(folder) / "course"
        course.mkdir()
        for assignment in assignments:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "nbgrader",
                    "generate_assignment",
                    assignment,
                    "--force",
                    f"--CourseDirectory.source_directory={source.resolve()}",
                ],
                cwd=root / "autograder",
                env=_environment(course),
                capture_output=True,
                text=True,
                timeout=GENERATE_TIMEOUT,
                check=False,
            )
            release = course / "release" / assignment
            if completed.returncode != 0 or not release.is_dir():
                raise RuntimeError(
                    f"nbgrader generate_assignment {assignment} failed "
                    f"(exit {completed.returncode}):\n{completed.stdout}{completed.stderr}"
                )
            target = out / assignment
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            written[assignment] = []
            for notebook in sorted(release.glob("*.ipynb")):
                shutil.copyfile(notebook, target / notebook.name)
                written[assignment].append(target / notebook.name)
    return written


def _cell_summary(cell) -> dict:
    """What must agree between a shipped copy and a fresh release, for one cell."""
    return {
        "cell_type": cell.cell_type,
        "source": cell.source,
        "metadata": dict(cell.get("metadata", {})),
    }


def differences(shipped: Path, fresh: Path) -> list[str]:
    """How the notebook ``shipped`` differs from ``fresh``: cell count, then cell by cell.

    Compared: each cell's type, its source and its metadata (the ``nbgrader`` part:
    grade id, points, solution, locked, schema version, the checksum of graded and
    locked cells; and the ``deletable`` / ``editable`` flags nbgrader sets); outputs and
    execution counts must be empty in ``shipped``. nbgrader writes no volatile field
    (no time, no random id) into a release, so nothing is ignored.
    """
    a = nbformat.read(str(shipped), as_version=4)
    b = nbformat.read(str(fresh), as_version=4)
    found = []
    if len(a.cells) != len(b.cells):
        found.append(f"{len(a.cells)} cells, a fresh release has {len(b.cells)}")
    for index, (mine, theirs) in enumerate(zip(a.cells, b.cells, strict=False)):
        left, right = _cell_summary(mine), _cell_summary(theirs)
        for key in left:
            if left[key] != right[key]:
                label = right["metadata"].get("nbgrader", {}).get("grade_id") or f"cell {index}"
                found.append(f"{label} ({right['cell_type']}): its {key} differs")
        if mine.get("outputs") or mine.get("execution_count") is not None:
            found.append(f"cell {index} has outputs or an execution count")
    return found


def check(
    shipped_root: Path, assignments: list[str] | None = None, root: Path | None = None
) -> list[str]:
    """Every difference between ``shipped_root/<assignment>/`` and a fresh release."""
    root = root or repository()
    assignments = assignments or assignment_ids(root / "source")
    problems = []
    with tempfile.TemporaryDirectory(prefix="mmlcalc-release-check-") as folder:
        fresh = generate(Path(folder), assignments, root)
        for assignment, notebooks in fresh.items():
            names = {path.name for path in notebooks}
            shipped_folder = shipped_root / assignment
            shipped = (
                {p.name for p in shipped_folder.glob("*.ipynb")}
                if shipped_folder.is_dir()
                else set()
            )
            for name in sorted(names - shipped):
                problems.append(f"{assignment}/{name}: missing")
            for name in sorted(shipped - names):
                problems.append(f"{assignment}/{name}: not a notebook of the release")
            for path in notebooks:
                if path.name in shipped:
                    problems += [
                        f"{assignment}/{path.name}: {difference}"
                        for difference in differences(shipped_folder / path.name, path)
                    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m mmlcalc_grade.releases",
        description="Regenerate assignments/weekN/ (the learners' copies) from the masters "
        "with nbgrader generate_assignment, or --check that they are up to date.",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every week")
    p.add_argument("--check", action="store_true", help="compare only; exit 1 if a copy differs")
    args = p.parse_args(argv)
    root = repository()
    shipped = root / "assignments"
    if args.check:
        problems = check(shipped, args.assignments or None, root)
        for problem in problems:
            print(problem)
        if problems:
            print(f"assignments/ is out of date: run `{REFRESH_COMMAND}` from {root}")
            return 1
        print("assignments/ matches a fresh nbgrader release of every master")
        return 0
    written = generate(shipped, args.assignments or None, root)
    for notebooks in written.values():
        for path in notebooks:
            print(f"wrote {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
