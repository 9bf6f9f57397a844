"""The test suite's own rules (issue 15, item 8).

A test module never imports another test module: pytest collects each ``test_*.py``
once, and importing one from another runs its module-level code twice, under two
names, and ties the two modules' fixtures and parameters together. Shared data and
helpers live in harness modules (``course_harness.py``, ``grading_fixtures.py``,
``notebook_runs.py``, ...), shared fixtures in ``tests/conftest.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
TEST_MODULES = {path.stem for path in TESTS.rglob("test_*.py")}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports by name: import statements (also inside functions),
    ``importlib.import_module("...")`` and ``spec_from_file_location(..., ".../x.py")``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            strings = [
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
            if name == "import_module":
                found |= set(strings[:1])
            elif name == "spec_from_file_location":
                found |= {Path(s).stem for s in strings[1:2] if s.endswith(".py")}
    return found


def test_no_test_module_imports_another():
    offenders = {}
    for path in sorted(TESTS.rglob("*.py")):
        mine = path.stem
        others = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] in TEST_MODULES and name.split(".")[0] != mine
        }
        if others:
            offenders[str(path.relative_to(TESTS))] = sorted(others)
    assert not offenders, (
        f"test modules imported from elsewhere: {offenders}; move what they share into a "
        "harness module (course_harness.py, grading_fixtures.py, ...) or tests/conftest.py"
    )


def test_the_check_sees_the_ways_a_module_is_imported(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import test_a\nfrom test_b import X\nfrom course_harness import test_c\n"
        "def f():\n    import test_d.sub\n"
        "importlib.import_module('test_e')\n"
        "importlib.util.spec_from_file_location('x', 'tests/test_f.py')\n"
    )
    found = imported_modules(sample)
    for name in ("test_a", "test_b", "course_harness.test_c", "test_d.sub", "test_e", "test_f"):
        assert name in found, name
