"""Build a temporary nbgrader course from this repository and grade notebooks in it.

Used by ``tests/test_assignments.py`` (and by later weeks' tests). Everything runs
through the real nbgrader command line (``python -m nbgrader ...`` in a
subprocess) with the course's own ``autograder/nbgrader_config.py``:

* instructor commands run in ``autograder/`` exactly as the README tells the
  instructor, with ``MMLCALC_COURSE_DIR`` and ``MMLCALC_EXCHANGE`` pointing at
  temporary folders, so nothing is written into the repository;
* learner commands (fetch, submit) run in a separate temporary home folder with
  the learner's own ``nbgrader_config.py`` (course id and exchange), as a learner
  on a shared machine would set them up;
* grades are read from the real SQLite gradebook with ``nbgrader.api.Gradebook``.

The notebook helpers (solution and hidden-test regions, filling in a release with
the reference answers, mutating an answer) work on any ``source/weekN`` master.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPOSITORY = Path(__file__).resolve().parents[1]
SOURCE = REPOSITORY / "source"
AUTOGRADER = REPOSITORY / "autograder"
COURSE_ID = "mmlcalc"

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"

#: The longest one nbgrader command may take, in seconds. An autograde run of a
#: dozen week-1 notebooks takes about 30 s on 2 cores; this is a safety net
#: against a hung kernel, not a performance target.
COMMAND_TIMEOUT = 600


# --- the assignments of the repository -----------------------------------------


def assignment_ids() -> list[str]:
    """The assignment ids: every ``source/week*/`` folder that holds a notebook, in week order."""

    def week_number(path: Path) -> int:
        digits = re.sub(r"\D", "", path.name)
        return int(digits) if digits else 0

    folders = [p for p in SOURCE.glob("week*") if p.is_dir() and any(p.glob("*.ipynb"))]
    return [p.name for p in sorted(folders, key=week_number)]


def master_notebooks(assignment_id: str) -> list[Path]:
    """The master notebooks of an assignment, sorted by name."""
    return sorted((SOURCE / assignment_id).glob("*.ipynb"))


# --- notebook helpers -------------------------------------------------------------


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write_notebook(notebook: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def nbgrader_metadata(cell) -> dict:
    """The cell's ``nbgrader`` metadata, or an empty dict for an ordinary cell."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_metadata(cell).get("grade_id")


def is_solution_cell(cell) -> bool:
    return bool(nbgrader_metadata(cell).get("solution"))


def is_test_cell(cell) -> bool:
    """A graded cell that is not an answer: an autograder test cell."""
    meta = nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def cells_by_grade_id(notebook) -> dict[str, nbformat.NotebookNode]:
    return {grade_id(cell): cell for cell in notebook.cells if grade_id(cell)}


def regions(source: str, begin: str, end: str) -> list[str]:
    """The text between each ``begin`` and ``end`` marker line (markers excluded)."""
    found, current = [], None
    for line in source.splitlines():
        if begin in line:
            current = []
        elif end in line and current is not None:
            found.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return found


def outside_regions(source: str, begin: str, end: str) -> str:
    """``source`` without its marked regions and without the marker lines."""
    kept, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def _meaningful_lines(text: str) -> set[str]:
    """Stripped lines long enough to identify a piece of code (not ``)`` or ``else:``)."""
    lines = {line.strip() for line in text.splitlines()}
    return {line for line in lines if len(line) >= 8 and re.search(r"[A-Za-z0-9]", line)}


def distinctive_lines(notebook, begin: str, end: str) -> set[str]:
    """Lines that occur inside the marked regions of ``notebook`` and nowhere outside them.

    Such a line appearing in a released notebook means the region leaked.
    """
    inside, outside = set(), set()
    for cell in notebook.cells:
        inside |= _meaningful_lines("\n".join(regions(cell.source, begin, end)))
        outside |= _meaningful_lines(outside_regions(cell.source, begin, end))
    return inside - outside


def notebook_lines(notebook) -> set[str]:
    """Every stripped line of every cell source (and of every text output)."""
    lines = set()
    for cell in notebook.cells:
        lines |= {line.strip() for line in cell.source.splitlines()}
        for output in cell.get("outputs", []):
            lines |= {line.strip() for line in str(output.get("text", "")).splitlines()}
    return lines


def without_solution_markers(source: str) -> str:
    """An answer as a learner would write it: the reference solution without the marker lines."""
    return "\n".join(
        line
        for line in source.splitlines()
        if BEGIN_SOLUTION not in line and END_SOLUTION not in line
    )


def fill_in(release, master):
    """A copy of the released notebook with every answer cell filled in from the master.

    This is a learner's correct work: their own copy of the release, with the
    reference answers typed into the answer cells (no solution markers).
    """
    notebook = nbformat.from_dict(release)
    answers = cells_by_grade_id(master)
    for cell in notebook.cells:
        if is_solution_cell(cell):
            cell.source = without_solution_markers(answers[grade_id(cell)].source)
    return notebook


def inject_warnings(notebook):
    """A copy of ``notebook`` whose answers print a DeprecationWarning and a RuntimeWarning.

    The two warnings go right after every ``### BEGIN SOLUTION`` line, at its
    indentation, so they run whenever a test cell calls the answer: the answers stay
    correct but every test cell that calls one writes warnings to stderr.
    """
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if not is_solution_cell(cell) or cell.cell_type != "code":
            continue
        lines = []
        for line in cell.source.splitlines():
            lines.append(line)
            if BEGIN_SOLUTION in line:
                indent = line[: len(line) - len(line.lstrip())]
                lines += [
                    f"{indent}import warnings",
                    f'{indent}warnings.warn("this call is deprecated", DeprecationWarning)',
                    f'{indent}warnings.warn("overflow encountered in exp", RuntimeWarning)',
                ]
        cell.source = "\n".join(lines)
    return notebook


def split_first_answer_cell(notebook):
    """A copy of ``notebook`` whose first answer cell is split in two, both keeping its metadata.

    That is what "Split cell" in Jupyter does to an nbgrader cell: the same grade_id
    twice in one notebook.
    """
    notebook = nbformat.from_dict(notebook)
    for index, cell in enumerate(notebook.cells):
        if is_solution_cell(cell) and cell.cell_type == "code":
            lines = cell.source.splitlines()
            first = nbformat.from_dict(cell)
            second = nbformat.from_dict(cell)
            first.source = "\n".join(lines[:1])
            second.source = "\n".join(lines[1:])
            first["id"] = f"{cell.get('id', 'cell')}-a"[:64]
            second["id"] = f"{cell.get('id', 'cell')}-b"[:64]
            notebook.cells[index : index + 1] = [first, second]
            return notebook
    raise ValueError("the notebook has no answer cell to split")


@dataclass(frozen=True)
class Mutation:
    """A plausible wrong answer: ``old`` replaced by ``new`` in one answer cell of a master.

    ``lost`` names the test cells that must score zero (every other test cell keeps
    its points) and ``message`` is a piece of text the failure message must contain.
    """

    assignment_id: str
    student: str
    answer_cell: str
    old: str
    new: str
    lost: frozenset[str]
    message: str

    def apply(self, notebook):
        notebook = nbformat.from_dict(notebook)
        cell = cells_by_grade_id(notebook)[self.answer_cell]
        count = cell.source.count(self.old)
        if count != 1:
            raise ValueError(
                f"mutation {self.student}: {self.old!r} occurs {count} times in answer cell "
                f"{self.answer_cell} (expected once); update the mutation to the master"
            )
        cell.source = cell.source.replace(self.old, self.new)
        return notebook


#: Plausible wrong answers per week: each must cost exactly the points of the
#: test cells in ``lost`` and explain itself with ``message``. Graded by stock
#: nbgrader in ``test_assignments.py`` and by ``mmlcalc-grade`` in ``test_grading.py``.
MUTATIONS = [
    Mutation(
        assignment_id="week1",
        student="wrong_central_divides_by_h",
        answer_cell="w1_central_difference",
        old="/ (2 * h)",
        new="/ h",
        lost=frozenset({"w1_central_difference_matches_formula"}),
        message="divided by h instead of 2h",
    ),
    Mutation(
        # passes every visible check (they all use h > 0); only a hidden check catches it
        assignment_id="week1",
        student="forward_ignores_sign_of_h",
        answer_cell="w1_forward_difference",
        old="return (f(x + h) - f(x)) / h",
        new="return (f(x + abs(h)) - f(x)) / abs(h)",
        lost=frozenset({"w1_forward_difference_matches_formula"}),
        message="use h as given, not abs(h)",
    ),
    Mutation(
        assignment_id="week1",
        student="calls_course_package",
        answer_cell="w1_central_difference",
        old="return (f(x + h) - f(x - h)) / (2 * h)",
        new="from mmlcalc.calculus import central_difference as reference\n\n"
        "    return reference(f, x, h)",
        lost=frozenset({"w1_central_difference_matches_formula"}),
        message="calls mmlcalc.calculus.central_difference: "
        "this task asks you to write the formula yourself",
    ),
    Mutation(
        assignment_id="week1",
        student="product_rule_one_term",
        answer_cell="w1_df_product",
        old="2 * x * np.exp(x) + x**2 * np.exp(x)",
        new="2 * x * np.exp(x)",
        lost=frozenset({"w1_df_product_matches_numeric"}),
        message="has a second term, x²·eˣ",
    ),
    Mutation(
        assignment_id="week1",
        student="chain_rule_without_inner_derivative",
        answer_cell="w1_chain_rule",
        old="df_outer(inner(x)) * df_inner(x)",
        new="df_outer(inner(x))",
        lost=frozenset({"w1_chain_rule_builds_derivative"}),
        message="the inner derivative df_inner(x) is missing",
    ),
]


def error_text(cell) -> str:
    """Everything a code cell reported as an error: exception names, messages, tracebacks."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            parts += [output.get("ename", ""), output.get("evalue", "")]
            parts += output.get("traceback", [])
        elif output.get("output_type") == "stream" and output.get("name") == "stderr":
            parts.append(output.get("text", ""))
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))


# --- running nbgrader -------------------------------------------------------------


class NbgraderFailed(AssertionError):
    pass


def run_nbgrader(args: Iterable[str], *, cwd: Path, env: Mapping[str, str], check: bool = True):
    """Run ``python -m nbgrader <args>``; return the CompletedProcess (stdout+stderr in .output)."""
    command = [sys.executable, "-m", "nbgrader", *args]
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    completed.output = completed.stdout
    if check and completed.returncode != 0:
        raise NbgraderFailed(
            f"`nbgrader {' '.join(args)}` exited with {completed.returncode}:\n{completed.output}"
        )
    return completed


def _clean_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("MMLCALC_COURSE_DIR", "MMLCALC_EXCHANGE", "MMLCALC_DB_URL", "JUPYTER_CONFIG_DIR"):
        env.pop(name, None)
    # The kernels that execute submissions must find the course package.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPOSITORY), env.get("PYTHONPATH", "")) if p
    )
    return env


@dataclass
class Learner:
    """A learner with their own home folder and nbgrader config, on the instructor's exchange."""

    name: str
    home: Path
    course: Course

    @property
    def env(self) -> dict[str, str]:
        env = _clean_environment()
        env.update(
            HOME=str(self.home),
            JUPYTER_CONFIG_DIR=str(self.home / ".jupyter"),
            JUPYTER_DATA_DIR=str(self.home / ".local" / "share" / "jupyter"),
        )
        return env

    def nbgrader(self, *args: str, check: bool = True):
        return run_nbgrader(args, cwd=self.home, env=self.env, check=check)

    def fetch(self, assignment_id: str) -> Path:
        self.nbgrader("fetch_assignment", assignment_id)
        return self.home / assignment_id

    def submit(self, assignment_id: str):
        # On a shared machine every learner has their own login; here every learner
        # is the same OS user, so the student id is given explicitly.
        return self.nbgrader("submit", assignment_id, f"--student={self.name}")


@dataclass
class Course:
    """A temporary nbgrader course that uses the repository's config and masters."""

    root: Path
    exchange: Path
    learners_home: Path
    commands: list = field(default_factory=list)

    @classmethod
    def create(cls, folder: Path) -> Course:
        root, exchange, homes = folder / "course", folder / "exchange", folder / "learners"
        for path in (root, exchange, homes, folder / "instructor-jupyter"):
            path.mkdir(parents=True, exist_ok=True)
        return cls(root=root, exchange=exchange, learners_home=homes)

    @property
    def env(self) -> dict[str, str]:
        env = _clean_environment()
        env.update(
            MMLCALC_COURSE_DIR=str(self.root),
            MMLCALC_EXCHANGE=str(self.exchange),
            # an empty user config folder: the instructor's own ~/.jupyter cannot interfere
            JUPYTER_CONFIG_DIR=str(self.root.parent / "instructor-jupyter"),
        )
        return env

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def nbgrader(self, *args: str, check: bool = True):
        """An instructor command, run in ``autograder/`` as the README says."""
        completed = run_nbgrader(args, cwd=AUTOGRADER, env=self.env, check=check)
        self.commands.append((args, completed.returncode))
        return completed

    # -- the steps of the pipeline --

    def generate(self, assignment_id: str):
        return self.nbgrader("generate_assignment", assignment_id, "--force")

    def release(self, assignment_id: str):
        return self.nbgrader("release_assignment", assignment_id, "--force")

    def collect(self, assignment_id: str):
        return self.nbgrader("collect", assignment_id)

    def autograde(self, assignment_id: str, *options: str, check: bool = True):
        return self.nbgrader("autograde", assignment_id, "--force", *options, check=check)

    def generate_feedback(self, assignment_id: str):
        return self.nbgrader("generate_feedback", assignment_id, "--force")

    def export_csv(self) -> list[dict[str, str]]:
        path = self.root / "grades.csv"
        self.nbgrader("export", f"--to={path}")
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))

    def learner(self, name: str) -> Learner:
        """A learner whose config names this course and its exchange (as the README tells them)."""
        home = self.learners_home / name
        config_dir = home / ".jupyter"
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n"
        )
        return Learner(name=name, home=home, course=self)

    def place_submission(self, student: str, assignment_id: str, notebooks: Mapping[str, object]):
        """Put notebooks straight into ``submitted/<student>/<assignment>/``, as collect would.

        ``notebooks`` maps file names to a notebook node or to raw text (for a broken file).
        """
        folder = self.root / "submitted" / student / assignment_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, content in notebooks.items():
            if isinstance(content, str):
                (folder / name).write_text(content)
            else:
                write_notebook(content, folder / name)

    # -- where things land --

    def release_path(self, assignment_id: str) -> Path:
        return self.root / "release" / assignment_id

    def autograded_path(self, student: str, assignment_id: str) -> Path:
        return self.root / "autograded" / student / assignment_id

    def feedback_path(self, student: str, assignment_id: str) -> Path:
        return self.root / "feedback" / student / assignment_id

    # -- reading the gradebook --

    def scores(self, student: str, assignment_id: str) -> dict[str, tuple[float | None, float]]:
        """``{grade_id: (auto_score, max_score)}`` of every graded cell of a submission.

        The score is None for a cell the autograder never scored.
        """
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, COURSE_ID) as gradebook:
            submission = gradebook.find_submission(assignment_id, student)
            return {
                grade.name: (grade.auto_score, grade.max_score)
                for notebook in submission.notebooks
                for grade in notebook.grades
            }

    def total(self, student: str, assignment_id: str) -> tuple[float, float]:
        """``(score, max_score)`` of a submission."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, COURSE_ID) as gradebook:
            submission = gradebook.find_submission(assignment_id, student)
            return submission.score, submission.max_score

    def needs_manual_grade(self, student: str, assignment_id: str) -> bool:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, COURSE_ID) as gradebook:
            return gradebook.find_submission(assignment_id, student).needs_manual_grade
