"""What makes each grading command start quickly, and that it changes nothing a user sees.

* the worker servers import what the assignment's masters import, once, before they fork
  any notebook's process (week 6's ``scipy.optimize`` would otherwise cost every notebook
  0.4 s);
* the command does not import nbgrader (seconds) before it grades: the late policy and the
  due date load in the background, and a ``--duedate`` typo still stops it before grading;
* nbgrader's import does not build jsonschema's IRI grammar (1.4 s of CPU), which
  validates nothing the grader reads or writes;
* the first worker server gets matplotlib's font list without the grader importing
  ``matplotlib.font_manager`` (0.2 to 0.5 s before the first worker can start);
* notebooks in today's format are read as JSON, older ones converted by nbformat.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mmlcalc_grade.assignment import build_program, load_assignment, masters_imports
from mmlcalc_grade.batch import read_learner_notebook
from mmlcalc_grade.deadlines import Deadlines
from mmlcalc_grade.protocol import Limits, Program
from mmlcalc_grade.sandbox import plain_command
from mmlcalc_grade.session import GradingSession, Policy

REPOSITORY = Path(__file__).resolve().parents[1]


def _master(folder: Path, *sources: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    folder.mkdir(parents=True)
    nbformat.write(notebook, str(folder / "master.ipynb"))


def test_masters_imports_lists_installed_absolute_imports_only(tmp_path):
    _master(
        tmp_path / "weekx",
        "import numpy as np\nfrom scipy.optimize import minimize\n%matplotlib inline",
        "import no_such_module_of_the_course\nfrom . import sibling",
        "def helper():\n    import fractions\n    return fractions",
        "this is not python (",
    )
    assert masters_imports(tmp_path, "weekx") == ("fractions", "numpy", "scipy.optimize")
    assert masters_imports(tmp_path, "no-such-assignment") == ()


def test_every_masters_imports_are_the_modules_its_setup_names():
    assert "scipy.optimize" in masters_imports(REPOSITORY / "source", "week6")
    for week in ("week1", "week2", "week3", "week4", "week5", "week6"):
        found = masters_imports(REPOSITORY / "source", week)
        assert "numpy" in found and "mmlcalc.checks" in found, week


def test_a_worker_server_is_told_to_import_the_masters_modules():
    config = json.loads(plain_command(("scipy.optimize", "no_such_module")).argv[-1])
    assert config["warm"] == ["scipy.optimize", "no_such_module"]
    assert json.loads(plain_command().argv[-1])["warm"] == []


@pytest.mark.parametrize("warm, loaded", [((), False), (("mailbox", "no_such_module"), True)])
def test_a_notebook_starts_with_the_warm_modules_loaded(warm, loaded):
    """Forked after the server imported them (a module that fails to import is skipped)."""
    source = (
        "import sys\nraise RuntimeError('loaded' if 'mailbox' in sys.modules else 'not loaded')\n"
    )
    with GradingSession(Policy(isolation="none", warm=warm)) as session:
        reports = session.run(
            Program(cells=(("probe", source),), chunks=()),
            Limits(cpu_seconds=30),
            "learner",
            [],
            Deadlines(notebook=30, cell=20),
        )
    assert reports.cells and reports.cells[0].error["message"] == (
        "loaded" if loaded else "not loaded"
    )


def test_the_command_imports_no_nbgrader_before_it_grades():
    code = (
        "import sys, mmlcalc_grade.cli\n"
        "print(sorted(m for m in ('nbgrader', 'nbformat', 'jsonschema') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_the_command_spares_jsonschema_its_iri_grammar_and_still_validates_notebooks():
    code = (
        "import sys\n"
        "from mmlcalc_grade import cli\n"
        "cli._skip_iri_grammar()\n"
        "import nbformat, nbgrader.api, jsonschema\n"
        "notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
        "nbformat.validate(notebook)\n"
        "try:\n"
        "    nbformat.validate(nbformat.v4.new_notebook(cells=[{'cell_type': 'code'}]))\n"
        "except nbformat.ValidationError:\n"
        "    print('broken notebook refused')\n"
        "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.split("\n")[:2] == ["broken notebook refused", "False"]


def test_a_duedate_typo_stops_the_grader_before_anything_is_graded(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "mmlcalc_grade", "week1", str(tmp_path), "--out",
         str(tmp_path / "out"), "--duedate", "next tuesday-ish", "--isolation", "none",
         "--no-gradebook"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "--duedate 'next tuesday-ish' is not a date" in completed.stderr
    assert not (tmp_path / "out" / ".grading-state.sqlite").exists()


def test_a_notebook_of_today_is_its_json_and_an_old_one_is_converted(tmp_path):
    master = load_assignment(REPOSITORY / "source", "week1").notebooks[0]
    today = tmp_path / "today.ipynb"
    notebook = nbformat.read(master.path, as_version=4)
    nbformat.write(notebook, str(today))
    read, notes = read_learner_notebook(str(today))
    assert read == json.loads(today.read_text()) and notes == []
    old = tmp_path / "old.ipynb"
    nbformat.write(nbformat.convert(notebook, 3), str(old))
    converted, notes = read_learner_notebook(str(old))
    assert any("old format nbformat 3" in note for note in notes)
    # both versions build the same program: the same cells, in the same order
    assert build_program(master, read).program.cells == (
        build_program(master, converted).program.cells
    )


def test_the_font_list_is_found_without_importing_matplotlibs_font_manager(tmp_path):
    """One font list in the cache is the one (the fast path); with several, the version
    that matplotlib's font manager names is chosen."""
    code = (
        "import sys\n"
        "from mmlcalc_grade.sandbox import _fontlist\n"
        "print(_fontlist().name, 'matplotlib.font_manager' in sys.modules)\n"
    )

    def run(cache):
        env = {**os.environ, "MPLCONFIGDIR": str(cache)}
        completed = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        return completed.stdout.split()

    one = tmp_path / "one"
    one.mkdir()
    (one / "fontlist-v999.json").write_text("{}")
    assert run(one) == ["fontlist-v999.json", "False"]
    import matplotlib.font_manager

    current = f"fontlist-v{matplotlib.font_manager.FontManager.__version__}.json"
    several = tmp_path / "several"
    several.mkdir()
    for name in ("fontlist-v1.json", current):
        (several / name).write_text("{}")
    assert run(several) == [current, "True"]
