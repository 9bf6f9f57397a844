"""Binder: the pins agree with pyproject.toml, and a replay of Binder's steps runs the course.

repo2docker, given a ``binder/`` folder, installs ``binder/requirements.txt`` into the
Python of ``binder/runtime.txt`` and then runs ``binder/postBuild``. The replay does the
same in a fresh virtual environment (no packages of the test environment leak in) and
executes every lecture notebook there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.slow
def test_binder_replay_in_a_fresh_environment_executes_the_notebooks(tmp_path):
    venv = tmp_path / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
        "MPLBACKEND": "",
    }
    env.pop("PYTHONPATH", None)
    env.pop("MPLBACKEND")

    def run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        assert result.returncode == 0, (
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-3000:]}"
        )
        return result

    run(str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r",
        str(BINDER / "requirements.txt"))
    run("bash", str(BINDER / "postBuild"))
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
            cwd=ROOT / "notebooks")
        assert (out / notebook.name).is_file()
