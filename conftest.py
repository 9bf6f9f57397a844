"""Repository-wide pytest setup: names every doctest may use, and the system components
some tests need.

A test that needs a system component carries its marker:

* ``sandbox``: bubblewrap (``bwrap``) working with unprivileged user namespaces, for
  everything that grades with ``mmlcalc-grade`` (it refuses to run learners' code
  without its sandbox);
* ``browser``: Debian's Chromium at ``/usr/bin/chromium`` and the ``playwright`` package;
* ``postgresql``: PostgreSQL's server programs (``initdb``, ``pg_ctl``) from Debian's
  ``postgresql`` package.

On a machine without one, its tests are skipped and the run's summary says why
(``-rs`` in ``addopts``). With ``CI=true`` a missing component fails those tests
instead: CI proves them all.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent
COMPONENTS = {
    "sandbox": "needs bubblewrap with user namespaces (Debian/Ubuntu: apt-get install bubblewrap)",
    "browser": "needs Debian's chromium and the playwright package (apt-get install chromium)",
    "postgresql": "needs PostgreSQL's server (Debian/Ubuntu: apt-get install postgresql)",
}


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace["np"] = np


@functools.cache
def missing_component(name: str) -> str | None:
    """Why the system component ``name`` is not usable here, or None when it is."""
    if name == "sandbox":
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            return "bubblewrap (the bwrap command) is not installed"
        probe = subprocess.run(
            [bwrap, "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "true"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if probe.returncode != 0:
            why = (probe.stderr.strip().splitlines() or ["it failed"])[-1]
            return f"bubblewrap cannot start a sandbox here ({why}; user namespaces restricted?)"
        return None
    if name == "browser":
        import sys

        sys.path.insert(0, str(ROOT / "tests"))
        from browser_harness import missing

        return missing()
    if name == "postgresql":
        found = glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")
        return None if found else "PostgreSQL's initdb is not installed"
    raise ValueError(name)


def pytest_configure(config):
    for name, what in COMPONENTS.items():
        config.addinivalue_line("markers", f"{name}: {what}; skipped without it, except in CI")


def pytest_runtest_setup(item):
    for name, what in COMPONENTS.items():
        if item.get_closest_marker(name) is None:
            continue
        why = missing_component(name)
        if why is None:
            continue
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and this test {what}: {why}", pytrace=False)
        pytest.skip(f"{what}: {why}")
