"""The learners' copies of the assignments (``assignments/weekN/``) and the lectures' links to them.

Learners never need ``source/`` (the masters, with reference solutions and hidden
tests): every lecture links to the released notebook shipped in ``assignments/``, and
those files are exactly what ``nbgrader generate_assignment`` makes from the masters
with the course's configuration. The slow test regenerates every release in a
temporary course (``mmlcalc_grade.releases``) and compares it with the shipped copy
cell by cell: type, source and metadata (nbgrader's grade ids, points, flags and
checksums). When it fails, one command refreshes the copies:
``python -m mmlcalc_grade.releases``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mmlcalc_grade import releases

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
SHIPPED = ROOT / "assignments"
LECTURES = sorted((ROOT / "notebooks").glob("0[1-9]_*.ipynb"))

MASTERS = sorted(SOURCE.glob("week*/*.ipynb"))
COPIES = sorted(SHIPPED.glob("week*/*.ipynb"))


def _relative(paths, base):
    return {path.relative_to(base) for path in paths}


def _stale_message(problems) -> str:
    return (
        "assignments/ differs from what nbgrader generate_assignment makes of source/:\n  "
        + "\n  ".join(problems)
        + f"\nRefresh the learners' copies with `{releases.REFRESH_COMMAND}` "
        "(from the repository root) and commit assignments/."
    )


def test_every_master_has_a_learners_copy_and_no_more():
    missing = _relative(MASTERS, SOURCE) - _relative(COPIES, SHIPPED)
    extra = _relative(COPIES, SHIPPED) - _relative(MASTERS, SOURCE)
    assert not missing and not extra, _stale_message(
        [f"{p}: missing" for p in sorted(missing)]
        + [f"{p}: no master in source/" for p in sorted(extra)]
    )


@pytest.mark.parametrize("path", COPIES, ids=[str(p.relative_to(ROOT)) for p in COPIES])
def test_copy_holds_no_solution_or_hidden_test(path):
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in cell.source, f"{path.name}: {marker} in a learner's copy"
        assert not cell.get("outputs") and cell.get("execution_count") is None


@pytest.mark.slow
def test_copies_are_what_nbgrader_releases():
    problems = releases.check(SHIPPED, root=ROOT)
    assert not problems, _stale_message(problems)


def test_differences_name_the_cell_that_changed(tmp_path):
    """The comparison itself: a changed source and a changed point value are both reported."""
    if not COPIES:
        pytest.skip("no learners' copies yet")
    shipped = COPIES[0]
    notebook = nbformat.read(str(shipped), as_version=4)
    graded = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade"))
    graded.metadata["nbgrader"]["points"] += 1
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += "\n# edited by hand"
    edited = tmp_path / shipped.name
    nbformat.write(notebook, str(edited))
    found = releases.differences(edited, shipped)
    grade_id, answer_id = (c.metadata["nbgrader"]["grade_id"] for c in (graded, answer))
    assert f"{grade_id} (code): its metadata differs" in found
    assert f"{answer_id} (code): its source differs" in found
    assert len(found) == 2
    assert releases.differences(shipped, shipped) == []


# --- the lectures link to the learner's copy, never to source/ --------------------------------


def _markdown_links(path: Path) -> list[str]:
    notebook = nbformat.read(str(path), as_version=4)
    return [
        target
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for pair in re.findall(r"\]\(([^)\s]+)\)|href=\"([^\"]+)\"", cell.source)
        for target in pair
        if target
    ]


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_no_notebook_links_into_source(path):
    into_source = [target for target in _markdown_links(path) if "source/" in target]
    assert not into_source, (
        f"{path.name} links to the masters (reference solutions, hidden tests): {into_source}; "
        "link to the learner's copy in ../assignments/weekN/ instead"
    )


@pytest.mark.parametrize("lecture", LECTURES, ids=lambda p: p.name)
def test_where_next_links_to_the_learners_copy(lecture):
    week = int(lecture.name[:2])
    copies = sorted((SHIPPED / f"week{week}").glob("*.ipynb"))
    if not (SOURCE / f"week{week}").is_dir():
        pytest.skip(f"week {week} has no assignment")
    notebook = nbformat.read(str(lecture), as_version=4)
    where_next = "\n".join(
        cell.source.split("## Where next", 1)[1]
        for cell in notebook.cells
        if cell.cell_type == "markdown" and "## Where next" in cell.source
    )
    assert where_next, f"{lecture.name} has no 'Where next' section"
    for copy in copies:
        target = f"../assignments/week{week}/{copy.name}"
        assert f"]({target})" in where_next, f"{lecture.name}: 'Where next' does not link {target}"
        assert (lecture.parent / target).resolve() == copy.resolve()
