"""The autograded notebooks nbgrader's own tools read: formgrader, ``generate_feedback``.

``nbgrader autograde`` leaves ``autograded/<student>/<assignment>/<notebook>.ipynb`` in
the course directory (the learner's notebook, its test cells put back from the master,
run) and a ``timestamp.txt`` beside it. Formgrader shows that file for hand marking, and
``nbgrader generate_feedback`` turns it into the learner's HTML feedback, with the scores
of the gradebook. ``mmlcalc-grade`` writes the same files, so the rest of nbgrader's
term works after it:

* the learner's cells as submitted (outputs cleared: nothing the learner printed is
  shown as if the grader had run it);
* each test cell is the master's **visible** part, with its result as the cell's output
  (an error output naming the task, the status and the message when it failed, as
  stock nbgrader shows a failed assertion; a cell with partial credit prints its lost
  parts and shows the points earned); the hidden part is never written: a line
  says the hidden checks ran and gives their result only;
* a test cell the learner deleted is put back where the master has it (after the
  cell before it).
"""

from __future__ import annotations

import copy
import functools
import shutil
from pathlib import Path

from .assignment import MasterNotebook, cell_grade_id
from .batch import SubmissionResult, read_learner_notebook

HIDDEN_NOTE = "# hidden tests of this cell ran in the grader: their result is below, not their code"


def autograded_path(course_dir: Path, result: SubmissionResult) -> Path:
    return course_dir / "autograded" / result.student_id / result.assignment_id / result.notebook


def _test_cell(master: MasterNotebook, grade_id: str, metadata: dict, result) -> dict:
    import nbformat

    test = next(t for t in master.tests if t.grade_id == grade_id)
    source = test.visible.rstrip() + ("\n\n" + HIDDEN_NOTE if test.hidden.strip() else "")
    cell = nbformat.v4.new_code_cell(source, metadata=copy.deepcopy(metadata))
    if result is not None and result.status == "partial":  # as stock nbgrader shows partial credit
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=result.message + "\n"),
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": f"{result.points:g}"}, execution_count=None
            ),
        ]
    elif result is not None and result.status != "passed":
        cell.outputs = [
            nbformat.v4.new_output(
                "error",
                ename=f"{result.status} ({result.task or grade_id})",
                evalue=result.message,
                traceback=[f"{result.status}: {result.message}"],
            )
        ]
    return cell


def autograded_notebook(master_cells, master: MasterNotebook, result: SubmissionResult, learner):
    """The autograded copy of ``learner`` (a notebook) for ``result``."""
    tests = {test.grade_id: test for test in result.tests}
    master_meta = {cell_grade_id(c): c.get("metadata", {}) for c in master_cells}
    wanted = [t.grade_id for t in master.tests]
    cells, placed = [], set()
    for cell in learner.cells:
        gid = cell_grade_id(cell)
        if gid in wanted:
            if gid not in placed:
                cells.append(_test_cell(master, gid, master_meta[gid], tests.get(gid)))
                placed.add(gid)
            continue
        cell = copy.deepcopy(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    order = [cell_grade_id(c) for c in master_cells]
    for gid in wanted:  # deleted test cells: after the master's previous graded cell found
        if gid in placed:
            continue
        before = order[: order.index(gid)]
        at = next(
            (i + 1 for i in range(len(cells) - 1, -1, -1) if cell_grade_id(cells[i]) in before),
            len(cells),
        )
        cells.insert(at, _test_cell(master, gid, master_meta[gid], tests.get(gid)))
        placed.add(gid)
    notebook = copy.deepcopy(learner)
    notebook.cells = cells
    return notebook


def write_autograded(
    course_dir: Path, master: MasterNotebook, result: SubmissionResult, notebook_path, folder
) -> Path | None:
    """Write the autograded notebook (and the submission's timestamp) for nbgrader's tools."""
    import nbformat

    if notebook_path is None:
        return None
    try:
        learner, _ = read_learner_notebook(notebook_path)
        learner = nbformat.from_dict(learner)
    except (ValueError, OSError):
        return None  # nothing nbgrader could show either: the gradebook flags it for a human
    master_cells = _master_cells(master.path, master.sha256)
    target = autograded_path(course_dir, result)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(autograded_notebook(master_cells, master, result, learner), str(target))
    _copy_submission_files(folder, target.parent)
    return target


@functools.lru_cache(maxsize=16)
def _master_cells(path: str, sha256: str) -> tuple:
    """The master's cells, read once per master (not once per learner); ``sha256`` keys it."""
    import nbformat

    return tuple(nbformat.read(path, as_version=4).cells)


def _copy_submission_files(folder, target: Path) -> None:
    """The submission's other files, as ``nbgrader autograde`` copies them: ``timestamp.txt``,
    nbgrader's ``submission_secret.txt`` (``release_feedback`` needs it) and the learner's
    data files; never links or checkpoints."""
    if folder is None or not Path(folder).is_dir():
        return
    for item in sorted(Path(folder).iterdir()):
        if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb":
            shutil.copyfile(item, target / item.name)
