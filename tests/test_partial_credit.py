"""Partial credit where the task says so (issue 20, item 6): ``checks.Credit`` and its grading.

Under stock nbgrader a test cell split into parts prints each failed part's sentence and
ends with the points earned (nbgrader's partial credit); under ``mmlcalc-grade`` the
recorder marks the parts in the records and ``compare.grade_notebook`` scores the parts
whose checks all match. The fairness corpus (``tests/fairness/week6.py``) grades real
slips of week 6 task 5 with both graders.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmlcalc.checks import Credit, expect, expect_close, hidden_tests
from mmlcalc_grade import compare, tester
from mmlcalc_grade.assignment import MasterNotebook
from mmlcalc_grade.assignment import TestCell as Cell

# --- stock nbgrader: the learner's kernel -------------------------------------------------


def test_a_failed_part_prints_its_sentence_on_stdout_and_the_others_count(capsys):
    credit = Credit(4)
    with credit.part(1, "the shape"):
        expect(False, "f should return an array.")
    for value in (2.0, 3.0):  # a part that runs twice is lost once, and said once
        with credit.part(2, "the value"):
            expect_close(value, 2.0, "f(1)")
    with credit.part(1, "the sign"):
        expect(True, "never shown")
    assert credit.score() == 1
    out, err = capsys.readouterr()
    assert err == ""  # nbgrader zeroes a cell that writes to stderr
    assert out.splitlines() == [
        "the shape (0 of 1 point): f should return an array.",
        "the value (0 of 2 points): f(1): expected 2, got 3.",
    ]


def test_a_hidden_part_keeps_the_hidden_phrasing(capsys):
    credit = Credit(2)
    with hidden_tests(), credit.part(2, "it reaches the answer"):
        expect_close(5.0, 123.456, "f on hidden data")
    assert credit.score() == 0
    out = capsys.readouterr().out
    assert out.startswith("it reaches the answer (0 of 2 points): A hidden test failed: ")
    assert "123.456" not in out


def test_any_other_error_propagates_and_the_parts_must_fit_the_cell():
    credit = Credit(2)
    with pytest.raises(TypeError), credit.part(1, "the shape"):
        len(None)
    with pytest.raises(ValueError, match="worth 1 points, not 2"), credit.part(2, "the shape"):
        pass
    with pytest.raises(ValueError, match="more than the cell's 2"), credit.part(2, "another"):
        pass


# --- mmlcalc-grade: the recorder and the comparison -----------------------------------------

MASTER = MasterNotebook(
    name="m.ipynb", path="m.ipynb", sha256="", locked={}, answers=(), reference_cells=(),
    tests=(Cell("t", 4.0, "visible", "hidden"),),
)  # fmt: skip


def run_chunks(reference: bool, path, hidden_path=None, hidden_error=None, raises=None):
    """The records of a test cell like week 6 task 5's: parts of 1, 1 and 2 points, run on
    visible data, then (hidden chunk) on hidden data; ``path`` is the learner's answer,
    ``raises`` an error the learner's code raises in the first part after its checks."""
    recorder = tester.Recorder(reference)
    helpers = recorder.functions()
    credit = helpers["Credit"](4)

    def check(path, start, answer):
        with credit.part(1, "it starts at start"):
            helpers["expect"](isinstance(path, np.ndarray), "the path should be an array.")
            helpers["expect_close"](path[0], start, "row 0 of the path")
            if raises is not None:  # after a failed check stock stops: then it never counts
                raise raises
        with credit.part(1, "it stops"):
            helpers["expect"](len(path) < 10, "it took all the steps.")
        with credit.part(2, "it reaches the answer"):
            helpers["expect_close"](path[-1], answer, "the fit")

    chunks = []
    for hidden, value in ((False, path), (True, hidden_path if hidden_path is not None else path)):
        recorder.records, error = [], None
        try:
            with hidden_tests() if hidden else np.errstate():
                if hidden and hidden_error is not None:
                    raise hidden_error
                check(value, np.array([0.0, 1.0]), np.array([2.0, 3.0]))
        except Exception as failure:
            error = {"type": type(failure).__name__, "message": str(failure)}
        chunks.append({"records": recorder.records, "error": error})
    return chunks


RIGHT = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])


def grade(learner_chunks):
    reference = run_chunks(True, RIGHT)
    (result,) = compare.grade_notebook(MASTER, reference, dict(enumerate(learner_chunks)))
    return result


def test_the_recorder_marks_the_parts_and_the_reference_must_pass_them():
    records = run_chunks(True, RIGHT)[0]["records"]
    kinds = [r["kind"] for r in records]
    assert kinds == ["part", "expect", "close", "end", "part", "expect", "end",
                     "part", "close", "end"]  # fmt: skip
    assert records[0] == {"kind": "part", "points": 1.0, "what": "it starts at start"}
    assert run_chunks(True, RIGHT[1:])[0]["error"]["type"] == "CheckFailed"  # not swallowed


def test_a_correct_answer_passes_with_all_its_points():
    result = grade(run_chunks(False, RIGHT))
    assert (result.status, result.points, result.message) == ("passed", 4.0, "")


def test_a_part_lost_on_visible_data_costs_its_points_only():
    result = grade(run_chunks(False, RIGHT[1:]))  # no start in row 0; stops, reaches
    assert (result.status, result.points) == ("partial", 3.0)
    assert result.message == (
        "it starts at start (0 of 1 point): row 0 of the path: 2 of 2 values differ; at index "
        "(0,) expected 0, got 1."
    )


def test_a_part_lost_on_hidden_data_never_shows_the_expected_value():
    hidden = np.array([[0.0, 1.0], [7.0, 7.0]])  # the hidden fit is off
    result = grade(run_chunks(False, RIGHT, hidden_path=hidden))
    assert (result.status, result.points) == ("partial", 2.0)
    assert result.message.startswith(
        "it reaches the answer (0 of 2 points): A hidden test failed: the fit: 2 of 2 values differ"
    )
    assert "expected" not in result.message


def test_every_part_lost_scores_zero_and_says_each():
    result = grade(run_chunks(False, [[5.0, 5.0]] * 12))  # a list, not an array, too long
    assert (result.status, result.points) == ("failed", 0.0)
    assert result.message.count("(0 of ") == 3


def test_an_error_outside_the_parts_or_not_a_failed_check_scores_zero():
    outside = grade(run_chunks(False, RIGHT, hidden_error=NotImplementedError()))
    assert (outside.status, outside.points) == ("error", 0.0)
    inside = grade(run_chunks(False, RIGHT, raises=TypeError("no len()")))
    assert (inside.status, inside.points) == ("error", 0.0)
    assert inside.message == "the visible test of t stopped: TypeError: no len()"
    after_a_failed_check = grade(run_chunks(False, RIGHT[1:], raises=TypeError("no len()")))
    assert (after_a_failed_check.status, after_a_failed_check.points) == ("partial", 3.0)
    died = grade(run_chunks(False, RIGHT)[:1])  # the hidden chunk never reported
    assert (died.status, died.points) == ("not-run", 0.0)
