"""Binder: the pins agree with pyproject.toml, and a replay of Binder's steps runs the course.

repo2docker, given a ``binder/`` folder, installs ``binder/requirements.txt`` into the
Python of ``binder/runtime.txt`` and then runs ``binder/postBuild``. The replay does the
same in a fresh virtual environment (no packages of the test environment leak in),
once per test run, executes every notebook there, and starts JupyterLab from it to open
the course index where the README's Binder link opens it, in headless Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import browser_harness
import pytest
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _pins() -> dict[str, str]:
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"binder/requirements.txt must pin exactly: {line!r}"
            pins[requirement.name.lower()] = spec.version
    return pins


def test_binder_pins_every_dependency_inside_the_pyproject_ranges():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = requirement.name.lower()
        assert name in pins, f"{name} is a dependency but binder/requirements.txt does not pin it"
        assert requirement.specifier.contains(pins[name]), (
            f"binder pins {name}=={pins[name]}, outside pyproject.toml's {requirement.specifier}"
        )


def test_binder_runtime_and_postbuild_are_what_binder_expects():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[0-9])", runtime), runtime
    post_build = (BINDER / "postBuild").read_text()
    assert os.access(BINDER / "postBuild", os.X_OK), "binder/postBuild must be executable"
    assert re.search(r"^set -e", post_build, re.M), "postBuild must stop at the first error"
    assert "pip install" in post_build and " ." in post_build


#: Where Binder opens the course: the ``urlpath`` of the README's Binder link.
BINDER_URLPATH = "lab/tree/notebooks/00_index.ipynb"


def test_readme_binder_link_opens_the_course_index():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\(https://mybinder\.org/v2/[^)\s]+\)", readme)
    assert links, "the README has no Binder link"
    for link in links:
        match = re.search(r"[?&]urlpath=([^&)]+)", link)
        assert match and match.group(1) == BINDER_URLPATH, (
            f"the Binder link {link} should open {BINDER_URLPATH}"
        )
    assert (ROOT / BINDER_URLPATH.removeprefix("lab/tree/")).is_file()


@dataclass
class Replay:
    """A virtual environment built as Binder builds its image, and how to run commands in it."""

    venv: Path
    env: dict[str, str]

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def run(self, *command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=cwd, env=self.env, capture_output=True, text=True)
        assert result.returncode == 0, (
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-3000:]}"
        )
        return result


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> Replay:
    """Binder's steps, once per test run: requirements.txt, then postBuild, in a fresh venv."""
    venv = tmp_path_factory.mktemp("binder") / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
    }
    env.pop("PYTHONPATH", None)
    env.pop("MPLBACKEND", None)
    replay = Replay(venv, env)
    replay.run(str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r",
               str(BINDER / "requirements.txt"))  # fmt: skip
    replay.run("bash", str(BINDER / "postBuild"))
    return replay


@pytest.mark.slow
def test_binder_replay_in_a_fresh_environment_executes_the_notebooks(replay, tmp_path):
    bin_dir, run = replay.bin, replay.run
    # the package imports from the venv, not from the test environment
    where = run(str(bin_dir / "python"), "-c", "import mmlcalc, sys; print(mmlcalc.__file__)")
    assert where.stdout.strip().startswith(str(ROOT / "mmlcalc"))
    run(str(bin_dir / "jupyter"), "labextension", "list")
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no lecture notebooks to execute"
    out = tmp_path / "executed"
    for notebook in notebooks:
        run(str(bin_dir / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
            "--ExecutePreprocessor.timeout=120", "--output-dir", str(out), str(notebook),
            cwd=ROOT / "notebooks")  # fmt: skip
        assert (out / notebook.name).is_file()


@pytest.mark.slow
@pytest.mark.browser
def test_binder_replay_opens_the_course_index_in_jupyterlab(replay, tmp_path):
    """JupyterLab from the replayed venv opens Binder's urlpath; the index runs in its kernel."""
    missing = browser_harness.missing()
    if missing:
        pytest.skip(f"browser tests cannot run here: {missing}")
    from playwright.sync_api import sync_playwright

    root = tmp_path / "repository"  # Binder serves the repository; a copy keeps it clean
    for name in ("notebooks", "source"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(".ipynb_*"))
    state = tmp_path / "state"
    state.mkdir()
    artifacts = ROOT / "test-artifacts" / "browser"
    artifacts.mkdir(parents=True, exist_ok=True)
    lab = browser_harness.JupyterLab(
        root,
        python=replay.bin / "python",
        state=state,
        env={"PATH": replay.env["PATH"], "VIRTUAL_ENV": str(replay.venv)},
    )
    with lab, sync_playwright() as driver, browser_harness.browser(driver) as context:
        page = context.new_page()
        try:
            page.goto(lab.url(BINDER_URLPATH), timeout=90_000)
            title = page.locator(".jp-NotebookPanel .jp-RenderedMarkdown h1").first
            title.wait_for(timeout=90_000)
            assert "course index" in title.inner_text()
            # nbgrader's lab extension loaded in Binder's environment
            assert page.locator(".jp-NotebookPanel .validate-button").count() == 1
            page.wait_for_selector(
                '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=90_000
            )
            page.click('.lm-MenuBar-itemLabel:text-is("Run")')
            page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')
            output = page.locator(".jp-OutputArea-output:has-text('mmlcalc')").first
            output.wait_for(timeout=90_000)
            output.scroll_into_view_if_needed()
            assert "mmlcalc 0.1.0" in output.inner_text()
            assert (
                page.locator(
                    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
                ).count()
                == 0
            )
        finally:
            page.screenshot(path=str(artifacts / "binder-index.png"), timeout=30_000)
            page.close()
