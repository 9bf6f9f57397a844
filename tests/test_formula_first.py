"""Formula before package (issue 16, item 4): a lecture writes a formula before calling it.

Every use of a function of ``mmlcalc``'s numerics modules in a lecture's code (a call,
or the function passed along) must come after an earlier code cell that writes the same
formula in plain NumPy. Each week's claims table ``tests/claims/weekN.py`` lists, in
``FORMULA_FIRST``, each such function by its full name with a fragment of the code cell
that writes its formula::

    FORMULA_FIRST = {
        "mmlcalc.calculus.secant_slope": "rise = temperature(x1) - temperature(x0)",
    }

The test finds every use in the lecture, and fails for a function used with no entry,
an entry whose fragment is in no code cell (or in more than one), a fragment cell that
comes after the first use, and an entry for a function the lecture never uses.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from lecture_claims import NOTEBOOK_DIR, normalise, weeks

#: The modules of formulas a lecture teaches (the others draw, hold data or run the game).
NUMERICS = ("calculus", "multivariate", "neural", "taylor", "optimisation", "regression")

WEEKS = weeks()


def _parse(source: str) -> ast.Module:
    """A code cell's AST, with IPython magics and shell lines blanked out."""
    lines = ["" if re.match(r"\s*[%!]", line) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def numerics_uses(notebook) -> dict[str, int]:
    """Each numerics function the lecture's code uses, with the index of the first cell using it."""
    names: dict[str, str] = {}  # local name -> "mmlcalc.module" or "mmlcalc.module.function"
    first: dict[str, int] = {}

    def resolve(node) -> str | None:
        if isinstance(node, ast.Name):
            return names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = resolve(node.value)
            if base is None and isinstance(node.value, ast.Name) and node.value.id == "mmlcalc":
                base = "mmlcalc"
            return f"{base}.{node.attr}" if base else None
        return None

    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        tree = _parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if node.module == "mmlcalc" or node.module.startswith("mmlcalc."):
                        names[alias.asname or alias.name] = full
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("mmlcalc.") and alias.asname:
                        names[alias.asname] = alias.name
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                continue
            full = resolve(node)
            if not full:
                continue
            parts = full.split(".")
            if len(parts) == 3 and parts[0] == "mmlcalc" and parts[1] in NUMERICS:
                first.setdefault(full, index)
    return first


@pytest.mark.parametrize("week", WEEKS, ids=[week.name for week in WEEKS])
def test_every_numerics_call_comes_after_its_formula(week):
    notebook = nbformat.read(NOTEBOOK_DIR / week.notebook, as_version=4)
    table: dict[str, str] = getattr(week.module, "FORMULA_FIRST", {})
    uses = numerics_uses(notebook)
    problems = []
    for function, used_at in sorted(uses.items(), key=lambda item: item[1]):
        if function not in table:
            problems.append(
                f"cell {used_at} uses {function} but FORMULA_FIRST names no earlier cell that "
                "writes its formula: write the formula in NumPy first and add the entry"
            )
            continue
        fragment = normalise(table[function])
        holders = [
            index
            for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and fragment in normalise(cell.source)
        ]
        if len(holders) != 1:
            problems.append(
                f"{function}: the fragment {fragment!r} is in {len(holders)} code cells {holders}"
            )
        elif holders[0] >= used_at:
            problems.append(
                f"{function} is used in cell {used_at}, but its formula is written only in "
                f"cell {holders[0]}"
            )
    for function in sorted(set(table) - set(uses)):
        problems.append(f"FORMULA_FIRST lists {function}, which {week.notebook} never uses")
    assert not problems, f"{week.notebook}:\n  " + "\n  ".join(problems)


def test_uses_are_found_through_every_import_form():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport mmlcalc.taylor as taylor"),
        nbformat.v4.new_code_cell("from mmlcalc.calculus import derivative as d\nd(f, 1.0)"),
        nbformat.v4.new_code_cell("from mmlcalc import multivariate\nmultivariate.hessian(f, p)"),
        nbformat.v4.new_code_cell("taylor.taylor_polynomial(c, x)\nmap(d, xs)"),
        nbformat.v4.new_code_cell("from mmlcalc.plotting import plot_function\nplot_function(f)"),
    ]
    assert numerics_uses(notebook) == {
        "mmlcalc.calculus.derivative": 1,
        "mmlcalc.multivariate.hessian": 2,
        "mmlcalc.taylor.taylor_polynomial": 3,
    }
