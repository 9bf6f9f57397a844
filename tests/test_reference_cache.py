"""The reference-results cache of ``mmlcalc-grade`` (issue 15, item 5).

The expected values of a master's tests are recorded once, by running the reference
solution, and cached under a key. The key must cover everything that shapes those
values, and a cached entry is checked against the master before it is used: one
whose chunks are not the master's, or a damaged file, is recomputed, never trusted
(``compare.grade_notebook`` indexes the cached chunks by the master's chunk order).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from course_harness import SOURCE, write_notebook
from grading_fixtures import W1, W1_NAME, correct, master_of, read_csv, run_cli

from mmlcalc_grade import batch
from mmlcalc_grade.assignment import load_assignment

#: A copy of week 1 whose master has one test cell more (one chunk more), worth 1 point.
MORE = "week1more"
EXTRA_TEST = """\
\"\"\"One more visible check: the secant slope of y = 2x is 2 everywhere.\"\"\"
expect_close(secant_slope(lambda x: 2 * x, 0.0, 1.0), 2.0, "secant_slope(lambda x: 2 * x, 0, 1)")
"""
LIMITS = ["--cell-timeout", "30", "--timeout", "300", "--jobs", "1", "--no-gradebook"]


@pytest.fixture
def course(tmp_path) -> SimpleNamespace:
    """A source folder with week 1 and its copy with one test more; a correct learner each."""
    source = tmp_path / "source"
    shutil.copytree(SOURCE / W1, source / W1)
    _, master = master_of(W1)
    more = nbformat.from_dict(json.loads(json.dumps(master)))
    extra = nbformat.v4.new_code_cell(EXTRA_TEST)
    extra.metadata = {
        "deletable": False,
        "editable": False,
        "nbgrader": {
            "grade": True, "grade_id": "w1_extra_secant_check", "locked": True, "points": 1,
            "schema_version": 3, "solution": False,
        },
    }  # fmt: skip
    more.cells.append(extra)
    write_notebook(more, source / MORE / W1_NAME)
    submitted = tmp_path / "submitted"
    write_notebook(correct(master), submitted / W1 / "ada" / W1 / W1_NAME)
    write_notebook(correct(more), submitted / MORE / "ada" / MORE / W1_NAME)
    cache = tmp_path / "cache"
    return SimpleNamespace(source=source, submitted=submitted, cache=cache, tmp=tmp_path)


def grade(course, assignment_id: str) -> dict[str, str]:
    """Grade the correct learner of ``assignment_id``: their row of grades.csv."""
    out = course.tmp / "out" / assignment_id
    shutil.rmtree(out, ignore_errors=True)
    status, _, err = run_cli(
        assignment_id, course.submitted / assignment_id, "--out", out, "--source", course.source,
        "--cache", course.cache, *LIMITS,
    )  # fmt: skip
    assert status == 0, err
    (row,) = read_csv(out / "grades.csv")
    return row


def cache_files(course) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(course.cache.glob("*.json"))}


def entry_ids(data: bytes) -> list[tuple[str, bool]]:
    return [(entry["grade_id"], entry["hidden"]) for entry in json.loads(data)]


def chunk_ids(course, assignment_id: str) -> list[tuple[str, bool]]:
    (master,) = load_assignment(course.source, assignment_id).notebooks
    return [(chunk.grade_id, chunk.hidden) for chunk in master.chunks()]


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_changed_master_gets_its_own_entry_and_a_stale_or_damaged_one_is_recomputed(course):
    first = grade(course, W1)
    assert (first["score"], first["status"]) == ("20", "graded")
    (original,) = cache_files(course).values()
    assert entry_ids(original) == chunk_ids(course, W1)

    # a master with one test chunk more: a new key, its own entry, the first one untouched
    assert grade(course, MORE)["score"] == "21"
    files = cache_files(course)
    assert len(files) == 2 and original in files.values()
    ((name, entry),) = [(n, data) for n, data in files.items() if data != original]
    assert entry_ids(entry) == chunk_ids(course, MORE)
    assert len(entry_ids(entry)) == len(entry_ids(original)) + 1

    # stale: the entry under the new master's key holds the old master's chunks (as if the
    # key had missed a change); it is recomputed, not trusted (trusting it would shift every
    # test after the new one onto the wrong expected values, or fail on the missing chunk)
    path = course.cache / name
    path.write_bytes(original)
    assert grade(course, MORE)["score"] == "21"
    assert entry_ids(path.read_bytes()) == chunk_ids(course, MORE)

    # damaged: half a file, then bytes that are not UTF-8; each time a clean recompute
    for damage in (entry[: len(entry) // 2], b"\xff\xfe not json"):
        path.write_bytes(damage)
        assert grade(course, MORE)["score"] == "21"
        assert path.read_bytes() == entry


# --- the pieces, without a worker ----------------------------------------------------------


def test_the_key_covers_the_grader_the_course_package_and_the_masters_folder(tmp_path):
    (master,) = load_assignment(SOURCE, W1).notebooks
    inputs = {path.resolve() for path in batch.reference_inputs(master)}
    grader = Path(batch.__file__).resolve().parent
    course = grader.parents[1] / "mmlcalc"
    for expected in (
        grader / "assignment.py",  # how a master is split into chunks (the defect of issue 15)
        grader / "tester.py",
        grader / "compare.py",
        course / "checks.py",
        course / "data" / "__init__.py",  # week 6's master loads its data from mmlcalc.data
        course / "multivariate.py",  # week 3's master imports the package's jacobian
        Path(master.path).resolve(),
    ):
        assert expected in inputs, expected
    every_grader_file = {p for p in grader.rglob("*.py") if "__pycache__" not in p.parts}
    assert every_grader_file <= inputs
    assert not [p for p in inputs if "__pycache__" in p.parts]

    # a support file beside a master changes the key
    shutil.copytree(SOURCE / W1, tmp_path / W1)
    (copy,) = load_assignment(tmp_path, W1).notebooks
    settings = SimpleNamespace(seed=0)
    before = batch._reference_key(copy, settings)
    assert batch._reference_key(copy, settings) == before
    (tmp_path / W1 / "points.csv").write_text("x,y\n0,1\n")
    assert batch._reference_key(copy, settings) != before
    assert batch._reference_key(copy, SimpleNamespace(seed=1)) != before


def test_a_cached_entry_is_used_only_when_it_matches_the_master_chunk_by_chunk(tmp_path):
    chunks = (
        SimpleNamespace(grade_id="a", hidden=False),
        SimpleNamespace(grade_id="a", hidden=True),
        SimpleNamespace(grade_id="b", hidden=False),
    )
    master = SimpleNamespace(chunks=lambda: chunks)
    records = [{"kind": "close", "name": "f(1)"}]
    good = [{"grade_id": c.grade_id, "hidden": c.hidden, "records": records} for c in chunks]
    path = tmp_path / "entry.json"

    def cached(content):
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return batch.cached_reference(path, master)

    assert cached(good) == tuple({"records": records, "error": None} for _ in chunks)
    assert batch.cached_reference(tmp_path / "missing.json", master) is None
    stale = [
        good[:2],  # one chunk fewer (the master gained a test)
        [*good, good[0]],  # one chunk more
        [good[0], {**good[1], "hidden": False}, good[2]],  # a part changed side
        [good[0], good[1], {**good[2], "grade_id": "c"}],  # another test
        [{k: v for k, v in entry.items() if k != "grade_id"} for entry in good],  # old format
        [entry["records"] for entry in good],
        [*good[:2], {**good[2], "records": "not a list"}],
        [*good[:2], {**good[2], "records": [{"no": "kind"}]}],
        {"records": records},
        "[" * 100_000,  # deeper than the JSON decoder recurses
        json.dumps(good)[:-10],
        "",
    ]
    for content in stale:
        assert cached(content) is None, str(content)[:80]
