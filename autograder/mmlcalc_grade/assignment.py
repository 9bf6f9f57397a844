"""Read an nbgrader master and build the program that grades one submission.

A master notebook (``source/<assignment>/<notebook>.ipynb``) has three kinds of
code cells that matter here, told apart by ``metadata.nbgrader``:

* **test cells**: ``grade: true`` with ``points``, not a solution. Each is split at
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` into a visible chunk (the
  code before the first marker) and a hidden chunk (the rest, markers removed);
* **answer cells**: ``solution: true``; the learner's version counts;
* **locked cells** (``locked: true``, neither of the above): the setup cell and
  given helper functions; the master's version always counts.

:func:`build_program` turns a learner's notebook into a :class:`Program`: phase 1
is the learner's code in the learner's order (answer cells and ordinary cells as
written; locked cells replaced by the master's; the learner's copies of test cells
ignored), phase 2 is every test cell of the MASTER in master order. Everything is
plain data (strings, numbers, tuples), so a program can be pickled to a worker.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .protocol import Chunk, Program

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


class AssignmentError(Exception):
    """The assignment cannot be graded at all (unknown id, unreadable master)."""


@dataclass(frozen=True)
class TestCell:
    """One test cell of a master: its id, points, visible and hidden code, and its task."""

    grade_id: str
    points: float
    visible: str
    hidden: str
    task: str = ""  # the heading the test sits under ("Task 3: the central difference")


@dataclass(frozen=True)
class ManualCell:
    """A cell an instructor marks by hand: a graded answer (``grade`` and ``solution``) or a
    task cell (``task``). Its points count in the maximum; no test scores it."""

    grade_id: str
    points: float
    kind: str  # "answer" or "task"
    task: str = ""


@dataclass(frozen=True)
class MasterNotebook:
    """A parsed master notebook."""

    name: str  # file name, e.g. "slopes_and_derivatives.ipynb"
    path: str
    sha256: str
    tests: tuple[TestCell, ...]
    locked: dict[str, str]  # grade_id -> source of a locked non-test code cell
    answers: tuple[str, ...]  # grade_ids of answer cells, in master order
    reference_cells: tuple[tuple[str, str], ...]  # every non-test code cell, in order
    manual: tuple[ManualCell, ...] = ()  # cells marked by hand, in master order

    @property
    def auto_score(self) -> float:
        """The points the tests award."""
        return float(sum(test.points for test in self.tests))

    @property
    def max_score(self) -> float:
        """Every point of the notebook: the tests' and the hand-marked cells'."""
        return self.auto_score + float(sum(cell.points for cell in self.manual))

    def task_of(self, grade_id: str) -> str:
        """The task a test or hand-marked cell belongs to (its heading), or its grade id."""
        for cell in (*self.tests, *self.manual):
            if cell.grade_id == grade_id:
                return cell.task or grade_id
        return grade_id

    def chunks(self) -> tuple[Chunk, ...]:
        out = []
        for test in self.tests:
            out.append(Chunk(test.grade_id, False, test.visible))
            if test.hidden.strip():
                out.append(Chunk(test.grade_id, True, test.hidden))
        return tuple(out)

    def setup_cells(self) -> tuple[tuple[str, str], ...]:
        """The locked cells, run before the tests in the test process (imports, test helpers)."""
        return tuple((gid, without_magics(source)) for gid, source in self.locked.items())

    def reference_program(self) -> Program:
        return Program(self.reference_cells, self.chunks(), self.setup_cells())


@dataclass(frozen=True)
class Assignment:
    """An assignment: its id, folder and master notebooks (sorted by name)."""

    assignment_id: str
    folder: str
    notebooks: tuple[MasterNotebook, ...]

    @property
    def max_score(self) -> float:
        return sum(notebook.max_score for notebook in self.notebooks)


def masters_imports(source_dir: Path, assignment_id: str) -> tuple[str, ...]:
    """The installed modules an assignment's masters import (``scipy.optimize``, ...).

    The worker servers import them once, before they fork any notebook's process. Read
    from the notebooks' JSON (quick, without nbformat); an unreadable master gives
    nothing here (:func:`load_assignment` says what is wrong with it).
    """
    names = set()
    for path in sorted((Path(source_dir) / assignment_id).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            for cell in cells:
                if cell.get("cell_type") == "code":
                    names |= _imports(cell_source(cell))
        except (OSError, ValueError, AttributeError, TypeError):
            continue
    return tuple(sorted(names))


def _imports(source: str) -> set[str]:
    """Absolute imports in one cell (of a master: trusted code) whose module is installed."""
    try:
        tree = ast.parse(without_magics(source))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    found = set()
    for name in names:
        try:
            if importlib.util.find_spec(name) is not None:
                found.add(name)
        except (ImportError, ValueError):  # a parent package that is not installed
            pass
    return found


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata, or ``{}`` when it has none (or something malformed)."""
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def cell_grade_id(cell) -> str | None:
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def cell_source(cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def split_hidden(source: str) -> tuple[str, str]:
    """``(visible, hidden)``: the code before the first hidden marker; the rest, unmarked."""
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if BEGIN_HIDDEN in line:
            rest = [x for x in lines[index + 1 :] if BEGIN_HIDDEN not in x and END_HIDDEN not in x]
            return "\n".join(lines[:index]), "\n".join(rest)
    return source, ""


_MAGIC = re.compile(r"^(\s*)[%!]")


def without_magics(source: str) -> str:
    """IPython magics and shell escapes (``%matplotlib``, ``!pip``) become ``pass``: not Python."""
    if source.lstrip().startswith("%%"):
        return ""
    out = []
    for line in source.splitlines():
        match = _MAGIC.match(line)
        out.append(f"{match.group(1)}pass  # magic removed" if match else line)
    return "\n".join(out)


def _task_title(heading: str) -> str:
    """A heading as a task's name: without its "(3 points)", maths as plain text (pages show it).

    >>> _task_title("Task 1 — The secant slope (3 points)")
    'Task 1 — The secant slope'
    >>> _task_title("Task 6 — Choosing a sensible step $h$ (1 point)")
    'Task 6 — Choosing a sensible step h'
    >>> _task_title("Task 6 — What does the rescaling buy us? (2 points, marked by hand)")
    'Task 6 — What does the rescaling buy us?'
    """
    title = re.sub(r"\s*\(\s*[\d.]+\s+points?\b[^()]*\)\s*$", "", heading).strip()
    return title.replace("$", "")


def parse_master(path: Path) -> MasterNotebook:
    """Parse one master notebook; raise :class:`AssignmentError` if it is unusable."""
    try:
        data = path.read_bytes()
        notebook = json.loads(data.decode("utf-8"))  # nbformat 4, as nbgrader's masters are
        if notebook.get("nbformat") != 4 or not isinstance(notebook.get("cells"), list):
            raise ValueError(f"not a notebook in nbformat 4 (nbformat {notebook.get('nbformat')})")
    except Exception as error:  # any failure to read the master stops the grader
        raise AssignmentError(
            f"cannot read the master {path}: {type(error).__name__}: {error}"
        ) from error
    tests, locked, answers, reference_cells, seen = [], {}, [], [], set()
    manual, heading = [], ""
    for index, cell in enumerate(notebook["cells"]):
        meta, gid = nbgrader_meta(cell), cell_grade_id(cell)
        if cell.get("cell_type") == "markdown":
            titles = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell_source(cell), flags=re.M)
            heading = _task_title(titles[-1]) if titles else heading
        manually_graded = meta.get("task") or (meta.get("grade") and meta.get("solution"))
        if manually_graded and gid is not None:
            kind = "task" if meta.get("task") else "answer"
            manual.append(ManualCell(gid, float(meta.get("points") or 0), kind, heading))
            if cell.get("cell_type") != "code" or kind == "task":
                continue
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        if gid is not None:
            if gid in seen:
                raise AssignmentError(f"the master {path} has the grade_id {gid!r} twice")
            seen.add(gid)
        if meta.get("grade") and not meta.get("solution"):
            if gid is None:
                raise AssignmentError(f"the master {path} has a test cell without grade_id")
            visible, hidden = split_hidden(source)
            points = float(meta.get("points") or 0)
            tests.append(TestCell(gid, points, visible, hidden, heading))
            continue
        if meta.get("solution") and gid is not None:
            answers.append(gid)
        elif meta.get("locked") and gid is not None:
            locked[gid] = source
        reference_cells.append((gid or str(index + 1), without_magics(source)))
    if not tests:
        raise AssignmentError(f"the master {path} has no test cell (grade: true with points)")
    return MasterNotebook(
        name=path.name,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        tests=tuple(tests),
        locked=locked,
        answers=tuple(answers),
        reference_cells=tuple(reference_cells),
        manual=tuple(manual),
    )


def load_assignment(source_dir: Path, assignment_id: str) -> Assignment:
    """The assignment ``source_dir/<assignment_id>/``; :class:`AssignmentError` if unusable."""
    folder = Path(source_dir) / assignment_id
    if not folder.is_dir():
        known = sorted(p.name for p in Path(source_dir).glob("*") if p.is_dir())
        raise AssignmentError(
            f"unknown assignment {assignment_id!r}: no folder {folder} "
            f"(assignments in {source_dir}: {', '.join(known) or 'none'})"
        )
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise AssignmentError(f"the assignment folder {folder} holds no notebook")
    return Assignment(assignment_id, str(folder), tuple(parse_master(p) for p in paths))


@dataclass
class BuiltProgram:
    program: Program
    notes: list[str] = field(default_factory=list)


def build_program(master: MasterNotebook, notebook) -> BuiltProgram:
    """The program that grades the learner's ``notebook`` (an nbformat v4 node) against ``master``.

    Rules: learner code cells run in the learner's order; a cell with the grade_id of a
    master test cell is ignored (the master's tests run instead); a cell with the
    grade_id of a master locked cell runs the master's source; the first copy of a
    duplicated grade_id counts, the others are ignored and reported; master locked
    cells missing from the notebook run first; markdown and raw cells never run;
    a code cell without (or with unknown) nbgrader metadata is the learner's code.
    """
    test_ids = {test.grade_id for test in master.tests}
    notes: list[str] = []
    cells: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    present_locked = set()
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        gid = cell_grade_id(cell)
        label = gid or str(index + 1)  # "the cell 12", "the cell w1_setup"
        if gid is not None:
            counts[gid] = counts.get(gid, 0) + 1
            if gid in test_ids:
                continue
            if counts[gid] > 1:
                continue
        if gid in master.locked:
            present_locked.add(gid)
            cells.append((label, without_magics(master.locked[gid])))
        else:
            cells.append((label, without_magics(cell_source(cell))))
    missing = [(gid, source) for gid, source in master.locked.items() if gid not in present_locked]
    cells = [(gid, without_magics(source)) for gid, source in missing] + cells
    if missing:
        notes.append(
            "locked cells missing from the notebook were run from the master first: "
            + ", ".join(gid for gid, _ in missing)
        )
    for gid, count in sorted(counts.items()):
        if count > 1 and gid not in test_ids:
            notes.append(
                f"the cell {gid} appears {count} times (copied or split); the first copy was "
                "graded and the others were ignored"
            )
    absent = [gid for gid in master.answers if gid not in counts]
    if absent:
        notes.append(
            "answer cells not found by their nbgrader id (deleted, or metadata removed; "
            "code in unmarked cells still counts): " + ", ".join(absent)
        )
    return BuiltProgram(Program(tuple(cells), master.chunks(), master.setup_cells()), notes)
