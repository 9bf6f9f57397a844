"""Fixtures shared by several test modules (the repository's ``conftest.py`` holds the
doctest names and the system components' markers).

What lives here is built once per session and used by more than one module:

* ``executed_lecture`` / ``clean_lecture``: a lecture notebook executed with nbclient,
  once per session, for the tests that read values or outputs from the kernel
  (``test_notebooks.py``, ``test_weekN_content.py``, ``test_lecture_claims.py``,
  ``test_questions.py``; see ``notebook_runs.py`` for why nbval's own run is not enough);
* ``reference_cache``: the folder of ``mmlcalc-grade``'s cached reference results, so
  every grading test of a session runs each master's reference solution once;
* ``postgresql_server``: a throwaway PostgreSQL server for the session (Debian's
  ``initdb`` and ``pg_ctl``; as ``nobody`` under root), for ``@pytest.mark.postgresql`` tests.

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


class PostgreSQLServer:
    """A throwaway PostgreSQL server (Debian's ``postgresql`` package) for the gradebook tests."""

    def __init__(self, bin_dir: Path, folder: Path, port: int, as_user: list[str]):
        self.bin_dir, self.folder, self.port, self.as_user = bin_dir, folder, port, as_user

    def run(self, program: str, *args: str, check: bool = True):
        import subprocess

        return subprocess.run(
            [*self.as_user, str(self.bin_dir / program), *args],
            capture_output=True, text=True, timeout=120, check=check, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        """A new, empty database on the server: its SQLAlchemy URL (created if missing)."""
        import psycopg

        with psycopg.connect(self.url_of("postgres", "postgresql"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{database}"')
        return self.url_of(database, driver)

    def url_of(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgresql_server():
    """A PostgreSQL server started for the session from Debian's programs (``initdb``,
    ``pg_ctl``) in a temporary folder, listening on 127.0.0.1 at a free port, trust auth,
    stopped and deleted at the end. As root (CI, containers) it runs as ``nobody``: PostgreSQL
    refuses to run as root. Tests using it carry ``@pytest.mark.postgresql`` (skipped with the
    reason without PostgreSQL's programs, failed under CI=true; conftest.py at the root)."""
    import glob
    import os
    import shutil
    import socket
    import tempfile

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = Path(found[-1]) if found else Path(shutil.which("initdb") or "initdb")
    folder = Path(tempfile.mkdtemp(prefix="mmlcalc-postgresql-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, user="nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PostgreSQLServer(initdb.parent, folder, port, as_user)
    data = str(folder / "data")
    server.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = server.run(
        "pg_ctl", "-D", data, "-l", str(folder / "log"), "-w", "-o", options, "start", check=False
    )
    if started.returncode != 0:
        log = (folder / "log").read_text() if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr}{log[-2000:]}")
    try:
        yield server
    finally:
        server.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)
