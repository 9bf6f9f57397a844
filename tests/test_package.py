"""Importing the package is quiet: no output, no figures, no backend, no heavy imports; the
weeks share one convention for figures and use no other week's private helpers."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import mmlcalc

NUMERICS = [
    "mmlcalc",
    "mmlcalc.calculus",
    "mmlcalc.checks",
    "mmlcalc.data",
    "mmlcalc.multivariate",
    "mmlcalc.sandpit",
    "mmlcalc.neural",
    "mmlcalc.taylor",
    "mmlcalc.optimisation",
    "mmlcalc.regression",
    "mmlcalc.questions",  # imports ipywidgets only when choose() is called
]
ALL_MODULES = [*NUMERICS, "mmlcalc.plotting", "mmlcalc.widgets"]

PROBE = """
import os, sys
os.environ.pop("MPLBACKEND", None)
import {module}
heavy = sorted(m for m in ("matplotlib", "matplotlib.pyplot", "ipywidgets") if m in sys.modules)
backend = None
if "matplotlib" in sys.modules:
    import matplotlib
    # rcParams._get_backend_or_none is None until something chooses a backend
    backend = matplotlib.rcParams._get_backend_or_none()
print(repr((heavy, backend)))
"""


def _probe(module: str) -> tuple[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout, result.stderr


@pytest.mark.parametrize("module", NUMERICS)
def test_numerics_modules_import_neither_matplotlib_nor_ipywidgets(module):
    stdout, stderr = _probe(module)
    assert stdout.strip() == "([], None)", f"importing {module} pulled in {stdout.strip()}"
    assert stderr == ""


@pytest.mark.parametrize("module", ALL_MODULES)
def test_importing_prints_nothing_and_sets_no_backend(module):
    stdout, stderr = _probe(module)
    heavy, backend = eval(stdout)  # our own probe's repr
    assert backend is None, f"importing {module} chose the matplotlib backend {backend!r}"
    assert "matplotlib.pyplot" not in heavy, f"importing {module} imported pyplot"
    assert stderr == "", f"importing {module} wrote to stderr: {stderr}"


@pytest.mark.parametrize("package", ["mmlcalc.plotting", "mmlcalc.widgets"])
def test_week_modules_re_exported_without_clashes(package):
    import importlib
    import pkgutil

    module = importlib.import_module(package)
    names = [name for week in (module.base, *module.WEEK_MODULES) for name in week.__all__]
    clashes = sorted({name for name in names if names.count(name) > 1})
    assert not clashes, f"two modules of {package} export the same names: {clashes}"
    for name in names:
        assert hasattr(module, name), f"{package} does not re-export {name}"
    # every submodule on disk is listed (a new week must be added to __init__)
    on_disk = {info.name for info in pkgutil.iter_modules(module.__path__)} - {"base"}
    listed = {week.__name__.rsplit(".", 1)[1] for week in module.WEEK_MODULES}
    assert on_disk == listed, f"{package}/__init__.py lists {listed}, the folder has {on_disk}"


def _plot_helpers() -> list[str]:
    plotting = importlib.import_module("mmlcalc.plotting")
    return sorted(
        f"{module.__name__}.{name}"
        for module in (plotting.base, *plotting.WEEK_MODULES)
        for name, value in vars(module).items()
        if name.startswith("plot_")
        and inspect.isfunction(value)
        and value.__module__ == module.__name__
    )


#: The convention of mmlcalc/plotting/base.py: where a helper draws, and what it returns.
TARGETS = {"ax": ("Axes | None", "Axes"), "figure": ("Figure | None", "Figure")}


@pytest.mark.parametrize("qualified", _plot_helpers())
def test_every_plot_helper_takes_its_target_by_the_convention(qualified):
    module_name, name = qualified.rsplit(".", 1)
    signature = inspect.signature(getattr(importlib.import_module(module_name), name))
    # the annotations are strings (from __future__ import annotations)
    named = [
        p
        for p in signature.parameters.values()
        if p.name in {"ax", "axes", "fig", "figure"}
        or "Axes" in str(p.annotation)
        or "Figure" in str(p.annotation)
    ]
    assert [p.name for p in named] in (["ax"], ["figure"]), (
        f"{name} takes {[p.name for p in named]}: one-panel helpers take ax=None and "
        "return the Axes, several-panel helpers take figure=None and return the Figure"
    )
    target = named[0]
    assert target.default is None and target.kind is target.POSITIONAL_OR_KEYWORD
    assert (str(target.annotation), str(signature.return_annotation)) == TARGETS[target.name]


def _private_imports(path: Path) -> list[str]:
    """``from mmlcalc.x import _name`` and ``mmlcalc.x._name`` in one module's source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mmlcalc"):
            found += [
                f"line {node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Attribute | ast.Name)
            and ast.unparse(node.value).startswith("mmlcalc.")
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(Path(mmlcalc.__file__).parent.rglob("*.py")),
    ids=lambda path: str(path.relative_to(Path(mmlcalc.__file__).parent)),
)
def test_no_module_imports_a_private_name_of_another(path):
    # a helper two weeks share lives in a public place (plotting/base.py, widgets/base.py,
    # the private module mmlcalc._arrays with public names), never behind a week's underscore
    assert not _private_imports(path), f"{path.name}: {_private_imports(path)}"
