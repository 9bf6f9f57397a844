"""Execute each lecture notebook once per test session and read what it showed.

``tests/test_notebooks.py`` (every notebook) and the week content tests
(``test_weekN_content.py``) check the same executed notebooks: the first test that
asks for a notebook runs it, from a temporary copy of ``notebooks/``, and every
later test reads the stored result. The session fixtures ``executed_lecture`` and
``clean_lecture`` of ``tests/conftest.py`` hand out the same runs (the week content
tests take them there).

Why a second execution, next to nbval's
---------------------------------------
``python -m pytest`` executes every notebook twice. nbval (``--nbval-lax``, with
``notebooks`` in ``testpaths``) is the notebook validation: every cell must run
without an error. Its kernel and outputs are gone when its items end, so it cannot
answer the tests below, which read what a cell showed or what the kernel holds:

* ``test_notebooks.py``, every notebook: nothing written to stderr (warnings, which
  nbval's lax mode lets pass), the run's own time under the limit, every unanswered
  check cell showing "Replace None"; week 1's printed numbers, explorer readouts
  and check cells, compared with values computed independently (outputs of cells);
* ``test_week3_content.py`` and ``test_week6_content.py``: printed numbers and
  explorer readouts (outputs of cells);
* ``test_lecture_claims.py``: the values each week's claims table names, evaluated
  in the kernel after the last cell (:func:`values_cell`), and printed outputs;
* ``test_questions.py``: the lecture run with every check cell unanswered (outputs of
  the check cells).

Cost: one run per notebook per session, as long as nbval's. Measured on the
shared 2-core development machine under a load average of about 8 (other test
runs beside it): 5 s for the index, 20-45 s per lecture, about 190 s for the seven
notebooks; side by side, week 1 took 24 s under nbval and 27 s here, week 6 25 s
and 26 s.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import io
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
#: Per-cell limit while executing: generous, since a lecture's slowest cell takes ~2 s.
CELL_TIMEOUT_SECONDS = 60


@dataclass
class Run:
    """An executed notebook: the notebook with its outputs, and how long it took.

    ``values`` maps each expression the week's claims table asks for (see
    ``tests/lecture_claims.py``) to ``{"value": ...}`` or ``{"error": ...}``, evaluated
    by one extra cell after the lecture's last cell; that cell is removed from
    ``notebook`` and its time is not counted in ``seconds``.
    """

    notebook: nbformat.NotebookNode
    seconds: float
    values: dict = field(default_factory=dict)


_RUNS: dict[str, Run] = {}
_WORKDIR: list[Path] = []


def _workdir() -> Path:
    """A temporary copy of the notebooks folder: the notebooks run from it, not from the repo."""
    if not _WORKDIR:
        top = Path(tempfile.mkdtemp(prefix="mmlcalc-notebooks-"))
        atexit.register(shutil.rmtree, top, ignore_errors=True)
        shutil.copytree(NOTEBOOK_DIR, top / "notebooks")
        _WORKDIR.append(top / "notebooks")
    return _WORKDIR[0]


#: Marks the line the values cell prints (see ``values_cell``).
VALUES_MARKER = "__lecture_claims_values__"


def values_cell(expressions) -> str:
    """Code that evaluates each expression in the kernel and prints them all as JSON."""
    return f"""\
def _lecture_claims_values(expressions):
    import json as _json

    import numpy as _np

    def plain(value):
        if isinstance(value, _np.ndarray):
            return value.tolist()
        if isinstance(value, _np.generic):
            return value.item()
        if isinstance(value, (tuple, set, frozenset)):
            return list(value)
        raise TypeError(f"{{type(value).__name__}} is not JSON-able")

    found = {{}}
    for expression in expressions:
        try:
            value = eval(expression, globals())
            _json.dumps(value, default=plain)
            found[expression] = {{"value": value}}
        except Exception as error:
            found[expression] = {{"error": f"{{type(error).__name__}}: {{error}}"}}
    print({VALUES_MARKER!r} + _json.dumps(found, default=plain))


_lecture_claims_values({list(expressions)!r})
"""


def _values_wanted(name: str) -> tuple[str, ...]:
    """The expressions the claims table of lecture ``name`` reads (none if it has none)."""
    try:
        import lecture_claims  # imported late: it imports this module
    except ImportError:
        return ()
    try:
        return lecture_claims.values_wanted(name)
    except Exception:  # a broken claims table fails in test_lecture_claims, not here
        return ()


def _seconds(cell) -> float:
    """How long nbclient took to execute ``cell`` (its recorded timing), 0 if unknown."""
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        from datetime import datetime

        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def executed(path: Path) -> Run:
    """The executed copy of the notebook ``path``, run once per session with every error kept.

    If the week's claims table (``tests/claims/``) asks for values, one extra cell
    evaluates them after the last cell; it is removed again (see :class:`Run`).
    """
    name = Path(path).name
    if name not in _RUNS:
        workdir = _workdir()
        notebook = nbformat.read(workdir / name, as_version=4)
        wanted = _values_wanted(name)
        if wanted:
            notebook.cells.append(nbformat.v4.new_code_cell(values_cell(wanted)))
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_SECONDS,
            allow_errors=True,  # collect every error; test_notebooks.py reports them all
            resources={"metadata": {"path": str(workdir)}},
        )
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
        values = {}
        if wanted:
            extra = notebook.cells.pop()
            seconds -= _seconds(extra)
            values = {e: {"error": "the values cell printed nothing"} for e in wanted}
            printed = "".join(output.get("text", "") for output in extra.outputs)
            for line in printed.splitlines():
                if line.startswith(VALUES_MARKER):
                    values = json.loads(line[len(VALUES_MARKER) :])
            for output in extra.outputs:
                if output.output_type == "error":
                    values = {e: {"error": f"{output.ename}: {output.evalue}"} for e in wanted}
        _RUNS[name] = Run(notebook, seconds, values)
    return _RUNS[name]


def executed_cleanly(path: Path) -> nbformat.NotebookNode:
    """The executed notebook (once per session), for tests of its numbers: no cell may raise."""
    notebook = executed(path).notebook
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"the lecture raised {errors[0].ename}: {errors[0].evalue}"
    return notebook


def cell_stdout(notebook, marker: str) -> str:
    """The printed output of the one code cell whose source contains ``marker``."""
    cells = [c for c in notebook.cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {marker!r}"
    return "".join(
        output.text
        for output in cells[0].outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def run_cell(source: str, namespace: dict, filename: str = "<cell>"):
    """Run a cell's code as Jupyter does; the value of its last expression (None if none)."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)


def check_name(source: str) -> str:
    """The question id of a check cell: the first argument of ``check`` or ``choose``."""
    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("check", "choose")
    )
    return ast.literal_eval(call.args[0])


def is_numeric_check(source: str) -> bool:
    """Whether a code cell is a numeric check cell: it calls ``check(id, my_answer)``."""
    return bool(re.search(r"^check\(\"w\d-[\w-]+\", my_answer\)$", source, re.M))


def is_choice_check(source: str) -> bool:
    """Whether a code cell is a multiple-choice check cell: it calls ``choose(id, prompt)``."""
    return bool(re.search(r"^choose\($", source, re.M))


def fill_in(source: str, answer) -> str:
    """A numeric check cell with ``answer`` typed in place of ``None``."""
    return re.sub(r"^my_answer = None", f"my_answer = {answer!r}", source, count=1, flags=re.M)


def numbers(text: str) -> list[float]:
    """Every number written in ``text``, in order."""
    return [float(n) for n in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", text)]


def grade_id(cell) -> str | None:
    """The nbgrader grade_id of a cell, or None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def run_master(master: Path, test_cells, edits=None, stub: bool = False) -> dict[str, str]:
    """Run an assignment master's code cells in one namespace, in this process.

    Returns the outcome of each test cell in ``test_cells`` by grade_id: ``""`` when it
    passed, else ``"ErrorType: message"``. ``edits`` maps an answer cell's grade_id to
    (old, new) text, a plausible mistake; ``stub`` replaces every solution region by
    ``raise NotImplementedError()``, as the released notebook does.
    """
    notebook = nbformat.read(master, as_version=4)
    namespace: dict = {}
    outcome = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if edits and grade_id(cell) in edits:
            old, new = edits[grade_id(cell)]
            assert source.count(old) == 1, (grade_id(cell), old)
            source = source.replace(old, new)
        if stub:
            source = re.sub(
                r"( *)### BEGIN SOLUTION.*?### END SOLUTION",
                r"\1raise NotImplementedError()",
                source,
                flags=re.S,
            )
        printed = io.StringIO()
        try:
            with np.errstate(all="ignore"), contextlib.redirect_stdout(printed):
                score = run_cell(source, namespace, str(grade_id(cell)))
            points = cell.metadata.get("nbgrader", {}).get("points")
            outcome[grade_id(cell)] = ""
            if isinstance(score, (int, float)) and points is not None and score < points:
                # a test cell with partial credit (checks.Credit): what it printed, as stock shows
                text = printed.getvalue()
                outcome[grade_id(cell)] = f"partial credit {score:g} of {points:g}: {text}"
        except Exception as error:  # every failure is an outcome here
            outcome[grade_id(cell)] = f"{type(error).__name__}: {error}"
    return {key: value for key, value in outcome.items() if key in test_cells}
