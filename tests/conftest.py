"""Fixtures shared by several test modules (the repository's ``conftest.py`` holds the
doctest names and the system components' markers).

What lives here is built once per session and used by more than one module:

* ``executed_lecture`` / ``clean_lecture``: a lecture notebook executed with nbclient,
  once per session, for the tests that read values or outputs from the kernel
  (``test_notebooks.py``, ``test_weekN_content.py``, ``test_lecture_claims.py``,
  ``test_questions.py``; see ``notebook_runs.py`` for why nbval's own run is not enough);
* ``reference_cache``: the folder of ``mmlcalc-grade``'s cached reference results, so
  every grading test of a session runs each master's reference solution once.

Harness code that is not a fixture (builders of submissions, courses, claims) lives in
importable modules (``course_harness.py``, ``grading_fixtures.py``, ...): a test module
never imports another test module (``test_suite_layout.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # notebook_runs imports nbclient: only the sessions that execute a lecture do
    import nbformat
    import notebook_runs


@pytest.fixture(scope="session")
def lecture_workdir() -> Path:
    """The temporary copy of ``notebooks/`` the executed lectures run from."""
    import notebook_runs

    return notebook_runs._workdir()


@pytest.fixture(scope="session")
def executed_lecture(lecture_workdir) -> Callable[[Path], notebook_runs.Run]:
    """``executed_lecture(path)``: the lecture executed once per session, errors kept
    (:func:`notebook_runs.executed`): its notebook with outputs, its time, its claims' values."""
    import notebook_runs

    return notebook_runs.executed


@pytest.fixture(scope="session")
def clean_lecture(lecture_workdir) -> Callable[[Path], nbformat.NotebookNode]:
    """``clean_lecture(path)``: the executed lecture (the same session run), failing the test
    if any cell raised (:func:`notebook_runs.executed_cleanly`)."""
    import notebook_runs

    return notebook_runs.executed_cleanly


@pytest.fixture(scope="session")
def reference_cache(tmp_path_factory) -> Path:
    """A fresh ``--cache`` folder for ``mmlcalc-grade``, shared by the session's grading tests
    (tests that need an empty or attacked cache make their own)."""
    return tmp_path_factory.mktemp("reference-cache")
