"""Importing the package is quiet: no output, no figures, no backend, no heavy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

NUMERICS = ["mmlcalc", "mmlcalc.calculus", "mmlcalc.checks", "mmlcalc.data"]
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
