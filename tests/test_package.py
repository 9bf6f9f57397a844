"""Importing the package is quiet: no output, no figures, no backend, no heavy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
    result = subprocess.run([sys.executable, "-c", PROBE.format(module=module)],
                            capture_output=True, text=True, check=True)
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
