"""Submissions for ``mmlcalc-grade``, built from the real masters in ``source/``.

Used by ``tests/test_grading.py`` and ``benchmarks/grading_throughput.py``. A
learner's correct work is the master with the solution markers removed; a blank
submission has every solution region replaced by ``raise NotImplementedError()``
(what ``nbgrader generate_assignment`` does); the malformed submissions of issue 9
are edits of those.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import html
import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from course_harness import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    cells_by_grade_id,
    inject_warnings,
    is_solution_cell,
    is_test_cell,
    master_notebooks,
    read_notebook,
    split_first_answer_cell,
    without_solution_markers,
    write_notebook,
)


def correct(master):
    """The master's answers typed in by a learner (no solution markers)."""
    notebook = nbformat.from_dict(copy.deepcopy(master))
    for cell in notebook.cells:
        if is_solution_cell(cell) and cell.cell_type == "code":
            cell.source = without_solution_markers(cell.source)
    return notebook


def blank(master):
    """The released stub: every solution region replaced by ``raise NotImplementedError()``."""
    notebook = nbformat.from_dict(copy.deepcopy(master))
    for cell in notebook.cells:
        if not (is_solution_cell(cell) and cell.cell_type == "code"):
            continue
        lines, out, inside = cell.source.splitlines(), [], False
        for line in lines:
            if BEGIN_SOLUTION in line:
                inside = True
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}# YOUR CODE HERE")
                out.append(f"{indent}raise NotImplementedError()")
            elif END_SOLUTION in line:
                inside = False
            elif not inside:
                out.append(line)
        cell.source = "\n".join(out)
    return notebook


def replace_in_answer(notebook, cell_id: str, old: str, new: str):
    notebook = nbformat.from_dict(copy.deepcopy(notebook))
    cell = cells_by_grade_id(notebook)[cell_id]
    assert cell.source.count(old) == 1, f"{old!r} not exactly once in {cell_id}"
    cell.source = cell.source.replace(old, new)
    return notebook


def with_cell(notebook, source: str, *, after: str | None = None):
    """A copy with a new ordinary code cell appended (or inserted after the cell ``after``)."""
    notebook = nbformat.from_dict(copy.deepcopy(notebook))
    cell = nbformat.v4.new_code_cell(source)
    if after is None:
        notebook.cells.append(cell)
    else:
        index = next(
            i
            for i, c in enumerate(notebook.cells)
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == after
        )
        notebook.cells.insert(index + 1, cell)
    return notebook


def master_of(assignment_id: str):
    (path,) = master_notebooks(assignment_id)[:1]
    return path.name, read_notebook(path)


@dataclass(frozen=True)
class Case:
    """One submission of the batch and what grading it must give."""

    student: str
    files: dict  # relative path under the student's folder (or flat file name) -> notebook or text
    score: float | None  # None: full marks
    status: str = "graded"
    lost: frozenset = frozenset()  # test cells that must score 0 (all others full)
    message: str = ""  # text one of the results or notes must contain


W1 = "week1"
W1_NAME = "slopes_and_derivatives.ipynb"


def week1_cases() -> list[Case]:
    """The malformed and adversarial submissions of issue 9, from the week 1 master."""
    _, master = master_of(W1)
    good, stub = correct(master), blank(master)
    full = f"{W1}/{W1_NAME}"
    central = frozenset({"w1_central_difference_matches_formula"})

    def good_with(cell_id, old, new):
        return correct(replace_in_answer(master, cell_id, old, new))

    wrong_central = good_with("w1_central_difference", "/ (2 * h)", "/ h")
    half = nbformat.writes(good)
    ids = cells_by_grade_id(good)

    def without(notebook, predicate):
        notebook = nbformat.from_dict(copy.deepcopy(notebook))
        notebook.cells = [c for c in notebook.cells if not predicate(c)]
        return notebook

    def edited_tests(notebook, source="pass"):
        notebook = nbformat.from_dict(copy.deepcopy(notebook))
        for cell in notebook.cells:
            if is_test_cell(cell):
                cell.source = source
        return notebook

    def stripped(notebook):
        notebook = nbformat.from_dict(copy.deepcopy(notebook))
        for cell in notebook.cells:
            cell.metadata.pop("nbgrader", None)
        return notebook

    def retyped(notebook, cell_ids, kind):
        notebook = nbformat.from_dict(copy.deepcopy(notebook))
        for index, cell in enumerate(notebook.cells):
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in cell_ids:
                new = (
                    nbformat.v4.new_markdown_cell
                    if kind == "markdown"
                    else nbformat.v4.new_raw_cell
                )(cell.source)
                new.metadata = cell.metadata
                notebook.cells[index] = new
        return notebook

    duplicated_copy = nbformat.from_dict(copy.deepcopy(good))
    index = next(
        i
        for i, c in enumerate(duplicated_copy.cells)
        if c is not None
        and c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "w1_forward_difference"
    )
    twin = nbformat.from_dict(copy.deepcopy(duplicated_copy.cells[index]))
    twin["id"] = "twin-cell"
    duplicated_copy.cells.insert(index + 1, twin)
    test_twin = nbformat.from_dict(copy.deepcopy(ids["w1_df_chain_matches_numeric"]))
    test_twin.source = "pass"
    test_twin["id"] = "test-twin"
    duplicated_test = nbformat.from_dict(copy.deepcopy(stub))
    duplicated_test.cells.append(test_twin)

    kernel = nbformat.from_dict(copy.deepcopy(good))
    kernel.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    always_equal = good_with(
        "w1_df_sum_power",
        "### BEGIN SOLUTION",
        "class AlwaysEqual:\n        def __eq__(self, other):\n            return True\n\n"
        "        def __ne__(self, other):\n            return False\n\n"
        "    return AlwaysEqual()\n    ### BEGIN SOLUTION",
    )
    sum_power = frozenset({"w1_df_sum_power_matches_numeric"})
    return [
        Case("correct", {full: good}, None),
        Case(
            "blank",
            {full: stub},
            0.0,
            lost=frozenset(ids_of_tests(master)),
            message="NotImplementedError",
        ),
        Case(
            "wrong_central",
            {full: wrong_central},
            17.0,
            lost=central,
            message="divided by h instead of 2h",
        ),
        Case(
            "visible_only",
            {
                full: good_with(
                    "w1_forward_difference",
                    "return (f(x + h) - f(x)) / h",
                    "return (f(x + abs(h)) - f(x)) / abs(h)",
                )
            },
            18.0,
            lost=frozenset({"w1_forward_difference_matches_formula"}),
            message="A hidden test failed: ",
        ),
        Case(
            "invalid_json",
            {full: half[: len(half) // 2]},
            0.0,
            status="invalid-notebook",
            lost=frozenset(ids_of_tests(master)),
            message="not valid JSON",
        ),
        Case(
            "empty_file",
            {full: ""},
            0.0,
            status="invalid-notebook",
            lost=frozenset(ids_of_tests(master)),
            message="empty",
        ),
        Case(
            "old_nbformat",
            {full: nbformat.writes(copy.deepcopy(good), version=3)},
            None,
            message="nbformat 3",
        ),
        Case("renamed", {f"{W1}/my work (1).ipynb": good}, None, message="renamed"),
        Case("wrong_folder", {W1_NAME: good}, None, message="not week1/"),
        Case(
            "deleted_test_cells",
            {full: without(stub, is_test_cell)},
            0.0,
            lost=frozenset(ids_of_tests(master)),
        ),
        Case(
            "deleted_answer",
            {
                full: without(
                    good,
                    lambda c: (
                        c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                        == "w1_secant_slope"
                    ),
                )
            },
            17.0,
            lost=frozenset(
                {"w1_secant_slope_matches_rise_over_run", "w1_secant_slope_is_vectorised"}
            ),
            message="NameError",
        ),
        Case("duplicated_copy", {full: duplicated_copy}, None, message="appears 2 times"),
        Case(
            "duplicated_split",
            {full: split_first_answer_cell(good)},
            17.0,
            lost=frozenset(
                {"w1_secant_slope_matches_rise_over_run", "w1_secant_slope_is_vectorised"}
            ),
            message="appears 2 times",
        ),
        Case(
            "duplicated_test_cell",
            {full: duplicated_test},
            0.0,
            lost=frozenset(ids_of_tests(master)),
        ),
        Case("stripped_metadata", {full: stripped(good)}, None, message="metadata removed"),
        Case(
            "edited_tests_blank",
            {full: edited_tests(stub)},
            0.0,
            lost=frozenset(ids_of_tests(master)),
        ),
        Case(
            "edited_setup",
            {full: _edited_setup(wrong_central)},
            17.0,
            lost=central,
            message="divided by h instead of 2h",
        ),
        Case(
            "changed_cell_types",
            {
                full: retyped(
                    retyped(good, {"w1_df_chain"}, "markdown"),
                    {"w1_df_chain_matches_numeric", "w1_setup"},
                    "raw",
                )
            },
            18.0,
            lost=frozenset({"w1_df_chain_matches_numeric"}),
            message="NameError",
        ),
        Case("kernelspec", {full: kernel}, None, message="'ir'"),
        Case(
            "loop_top_level",
            {full: with_cell(good, "while True:\n    pass", after="w1_secant_slope")},
            None,
            message="time limit",
        ),
        Case(
            "loop_in_function",
            {
                full: good_with(
                    "w1_central_difference",
                    "### BEGIN SOLUTION",
                    "while True:\n        pass\n    ### BEGIN SOLUTION",
                )
            },
            17.0,
            lost=central,
            message="time limit",
        ),
        Case(
            "loop_uninterruptible",
            {
                full: with_cell(
                    good,
                    "while True:\n    try:\n        while True:\n"
                    "            pass\n    except BaseException:\n        pass",
                )
            },
            0.0,
            status="timeout",
            lost=frozenset(ids_of_tests(master)),
            message="ran longer than the limit",
        ),
        Case(
            "calls_input",
            {full: with_cell(good, "name = input('Your name? ')", after="w1_setup")},
            None,
            message="EOFError",
        ),
        Case(
            "os_exit",
            {
                full: good_with(
                    "w1_best_step",
                    "### BEGIN SOLUTION",
                    "import os\n\n    os._exit(3)\n    ### BEGIN SOLUTION",
                )
            },
            17.0,
            status="crashed",
            lost=frozenset({"w1_best_step_picks_smallest_error", "w1_h_central_is_sensible"}),
            message="exited with status 3",
        ),
        Case(
            "system_exit",
            {full: with_cell(good, "raise SystemExit(0)", after="w1_setup")},
            None,
            message="SystemExit",
        ),
        Case(
            "segfault",
            {
                full: good_with(
                    "w1_df_product",
                    "### BEGIN SOLUTION",
                    "import ctypes\n\n    ctypes.string_at(0)\n    ### BEGIN SOLUTION",
                )
            },
            10.0,
            status="crashed",
            lost=frozenset(
                {
                    "w1_df_product_matches_numeric",
                    "w1_df_chain_matches_numeric",
                    "w1_chain_rule_builds_derivative",
                    "w1_best_step_picks_smallest_error",
                    "w1_h_central_is_sensible",
                }
            ),
            message="SIGSEGV",
        ),
        Case(
            "huge_output",
            {full: with_cell(good, "for i in range(200_000):\n    print('spam ' * 40)")},
            None,
        ),
        Case("warnings", {full: correct(inject_warnings(master))}, None),
        Case(
            "always_equal", {full: always_equal}, 18.0, lost=sum_power, message="got an AlwaysEqual"
        ),
        Case(
            "patched_numpy",
            {
                full: with_cell(
                    wrong_central,
                    "import numpy\nimport numpy.testing\n"
                    "numpy.allclose = lambda *args, **kwargs: True\n"
                    "numpy.isclose = lambda a, b, **kwargs: numpy.ones_like(a, bool)\n"
                    "numpy.testing.assert_allclose = lambda *args, **kwargs: None\n",
                )
            },
            17.0,
            lost=central,
            message="divided by h instead of 2h",
        ),
        Case(
            "patched_checks",
            {
                full: with_cell(
                    wrong_central,
                    "import mmlcalc.checks\n"
                    "mmlcalc.checks.expect_close = lambda *args, **kwargs: None\n"
                    "expect_close = lambda *args, **kwargs: None\n"
                    "expect_own_work = lambda f, *args, **kw: f(*args)\n",
                )
            },
            17.0,
            lost=central,
            message="divided by h instead of 2h",
        ),
        Case(
            "environment_markers",
            {
                full: good_with(
                    "w1_central_difference",
                    "### BEGIN SOLUTION",
                    "import os\n\n    if any(('GRAD' in k or 'MMLCALC' in k or 'PYTEST' in k) "
                    "for k in os.environ):\n        return 0.0 * x\n    ### BEGIN SOLUTION",
                )
            },
            None,
        ),
        Case(
            MARKUP_STUDENT,
            {full: _markup(master)},
            13.0,
            status="crashed",
            lost=frozenset(
                {
                    "w1_df_product_matches_numeric",
                    "w1_df_chain_matches_numeric",
                    "w1_best_step_picks_smallest_error",
                    "w1_h_central_is_sensible",
                }
            ),
            message=f"ValueError: {MARKUP_ERROR}",
        ),
    ]


#: A student id, an error message and an output that are HTML markup: the feedback pages
#: and the report must show them as text (escaped), never as tags.
MARKUP_STUDENT = 'markup_<b>"bold"'
MARKUP_ERROR = "<img src=x onerror=alert(1)>"
MARKUP_OUTPUT = "<script>alert(1)</script>"


def _markup(master):
    """Correct work except: df_product raises an error whose message is an <img> tag, df_chain
    prints and returns a <script> tag (the check's message quotes the text it got), a cell
    added at the end raises one, and best_step ends the process (status crashed, so the
    student appears in the report's table of submissions not graded completely)."""
    notebook = replace_in_answer(
        master,
        "w1_df_product",
        "### BEGIN SOLUTION",
        f"raise ValueError({MARKUP_ERROR!r})\n    ### BEGIN SOLUTION",
    )
    notebook = replace_in_answer(
        notebook,
        "w1_df_chain",
        "### BEGIN SOLUTION",
        f"print({MARKUP_OUTPUT!r})\n    return {MARKUP_OUTPUT!r}\n    ### BEGIN SOLUTION",
    )
    notebook = replace_in_answer(
        notebook,
        "w1_best_step",
        "### BEGIN SOLUTION",
        "import os\n\n    os._exit(3)\n    ### BEGIN SOLUTION",
    )
    return correct(
        with_cell(notebook, f"print({MARKUP_OUTPUT!r})\nraise RuntimeError({MARKUP_OUTPUT!r})")
    )


def _edited_setup(notebook):
    """The learner rewrote the locked setup cell to neuter the checks."""
    notebook = nbformat.from_dict(copy.deepcopy(notebook))
    cells_by_grade_id(notebook)["w1_setup"].source = (
        "import numpy as np\n\n"
        "def expect_close(*args, **kwargs):\n    pass\n\n"
        "def expect(*args, **kwargs):\n    pass\n\n"
        "def expect_number(x, *args, **kwargs):\n    return x\n\n"
        "def expect_own_work(f, *args, **kwargs):\n    return f(*args)\n"
    )
    return notebook


def ids_of_tests(master) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in master.cells if is_test_cell(c)]


def write_case(root: Path, case: Case) -> None:
    """Write a case's files under ``root/<student>/``."""
    for relative, content in case.files.items():
        path = root / case.student / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            write_notebook(content, path)


def write_honest_batch(root: Path, assignment_id: str, count: int) -> dict[str, str]:
    """``count`` honest submissions in nbgrader's layout: correct, partly correct, blank in turn.

    Partly correct: the first half of the answer cells filled in, the rest blank.
    Returns ``{student: kind}``.
    """
    name, master = master_of(assignment_id)
    good, stub = correct(master), blank(master)
    answers = [
        c.metadata["nbgrader"]["grade_id"]
        for c in master.cells
        if is_solution_cell(c) and c.cell_type == "code"
    ]
    partly = nbformat.from_dict(copy.deepcopy(good))
    stub_cells = cells_by_grade_id(stub)
    for cell in partly.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers[len(answers) // 2 :]:
            cell.source = stub_cells[gid].source
    kinds = {}
    for index in range(count):
        kind, notebook = (("correct", good), ("partly", partly), ("blank", stub))[index % 3]
        student = f"{assignment_id}_{kind}_{index:02d}"
        write_notebook(notebook, root / student / assignment_id / name)
        kinds[student] = kind
    return kinds


# --- running the command and reading what it wrote ------------------------------------------


def run_cli(*args) -> tuple[int, str, str]:
    """``mmlcalc-grade`` in this process: (exit status, stdout, stderr)."""
    from mmlcalc_grade.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exit:  # argparse refusing the command line
            status = exit.code
    return status, out.getvalue(), err.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def page_text(path: Path) -> str:
    """The text of an HTML page, tags removed and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text()))


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def page_elements(page: str) -> tuple[list[tuple[str, list]], str]:
    """What a browser would build from ``page``: its start tags with their attributes, and its
    text (entities decoded), as read by the standard library's HTML parser."""
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.tags, "".join(parser.text)


class Week1Outputs:
    """Read back what ``mmlcalc-grade week1 ... --out self.out`` wrote (a mixin for batches)."""

    out: Path

    def grades(self) -> dict[str, dict[str, str]]:
        return {row["student_id"]: row for row in read_csv(self.out / "grades.csv")}

    def results(self, student: str) -> dict[str, dict[str, str]]:
        return {
            row["grade_id"]: row
            for row in read_csv(self.out / "results.csv")
            if row["student_id"] == student
        }

    def feedback(self, student: str) -> Path:
        return self.out / "feedback" / student / W1 / W1_NAME.replace(".ipynb", ".html")
