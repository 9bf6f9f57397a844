"""The grader-side comparison: learner records against reference records.

Runs in the grader's process, which never runs learner code: the learner's values
arrive as plain data (see :func:`mmlcalc_grade.tester.to_plain`), are rebuilt as
numbers, arrays, text or an opaque stand-in, and are compared with the REAL
helpers of :mod:`mmlcalc.checks`, using the expected value, tolerances and known
mistakes recorded when the reference solution ran.

A test cell passes when, in each of its chunks (visible, then hidden), the learner
made the same checks as the reference, in the same order, every one of them
passes, and the chunk ended without an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mmlcalc import checks

from .assignment import MasterNotebook


@dataclass(frozen=True)
class TestResult:
    """The result of one test cell for one submission (plain data)."""

    notebook: str
    grade_id: str
    points: float
    max_points: float
    status: str  # passed, failed, error, timeout, not-run, needs-manual-grading
    message: str
    task: str = ""  # the task the test belongs to, as the master's heading names it


def _opaque(type_name: str):
    """A stand-in object whose type has the learner value's type name (for messages)."""
    name = re.sub(r"\W", "_", type_name or "object") or "object"
    if name[0].isdigit():
        name = "_" + name
    return type(name, (), {"__repr__": lambda self: f"<{name}>"})()


def from_plain(record: dict | None):
    """Rebuild a value from its plain-data record (never runs learner code)."""
    if not isinstance(record, dict):
        return _opaque("object")
    tag = record.get("t")
    if tag == "none":
        return None
    if tag == "bool":
        return bool(record.get("v"))
    if tag == "str":
        return str(record.get("v", ""))
    if tag == "int":
        value = record.get("v")
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0
    if tag == "float":
        value = record.get("v")
        return float(value) if isinstance(value, (int, float)) else float("nan")
    if tag == "callable":
        return _opaque_callable(str(record.get("name", "function")))
    if tag in ("array", "list", "tuple", "other"):
        if record.get("bad") or "data" not in record:
            if tag == "list":
                return [_opaque("object")] * int(record.get("len") or 0)
            if tag == "tuple":
                return (_opaque("object"),) * int(record.get("len") or 0)
            if tag == "array" and record.get("shape") is not None:
                return np.full(tuple(record["shape"]), None, dtype=object)
            return _opaque(str(record.get("type", "object")))
        try:
            array = np.asarray(record["data"], dtype=float).reshape(
                tuple(int(n) for n in record["shape"])
            )
        except (TypeError, ValueError):
            return _opaque(str(record.get("type", tag)))
        if tag == "list":
            return array.tolist() if array.ndim else [array.item()]
        if tag == "tuple":
            return tuple(array.tolist()) if array.ndim else (array.item(),)
        return array
    return _opaque("object")


def _opaque_callable(name: str):
    def stand_in(*args, **kwargs):
        return None

    stand_in.__name__ = name
    return stand_in


def compare_record(ref: dict, got: dict) -> str | None:
    """``None`` if the learner's check ``got`` passes against the reference check ``ref``,
    else the CheckFailed message of the real helper."""
    kind = ref.get("kind")
    try:
        if kind == "close":
            checks.expect_close(
                from_plain(got.get("got")),
                from_plain(ref.get("expected")),
                ref.get("name", "your answer"),
                rtol=float(ref.get("rtol", 1e-7)),
                atol=float(ref.get("atol", 1e-10)),
                mistakes={str(k): from_plain(v) for k, v in ref.get("mistakes", [])},
                hint=ref.get("hint"),
            )
        elif kind == "equal":
            checks.expect_equal(
                from_plain(got.get("got")),
                from_plain(ref.get("expected")),
                ref.get("name", "your answer"),
                hint=ref.get("hint"),
            )
        elif kind == "number":
            checks.expect_number(from_plain(got.get("got")), ref.get("name", "your answer"))
        elif kind == "array":
            checks.expect_array(
                from_plain(got.get("got")), tuple(ref.get("shape", ())), ref.get("name", "")
            )
        elif kind == "own_work":
            called = got.get("called")
            if called:
                return checks.not_own_work(str(ref.get("name")), str(called)[:200]).message
        elif kind == "expect":
            if got.get("ok") is not True:
                return str(got.get("message") or "a check of this test failed")[:2000]
        else:
            return "unknown check"
    except checks.CheckFailed as failure:
        return failure.message
    return None


def _as_hidden(message: str) -> str:
    """A hidden test's failure as stock nbgrader shows it (``checks.hidden_tests``)."""
    return message if message.startswith(checks.HIDDEN) else checks.HIDDEN + message


def error_text(error: dict) -> str:
    kind = str(error.get("type", "Error"))
    message = str(error.get("message", "")).strip()
    if kind == "NotImplementedError" and not message:
        message = "not implemented yet"
    if kind == "Timeout":
        return f"time limit: the code {message}"
    return f"{kind}: {message}" if message else kind


def grade_chunk(grade_id: str, hidden: bool, ref: dict, got: dict | None) -> tuple[str, str] | None:
    """``None`` if the chunk passes, else ``(status, message)``.

    ``ref`` and ``got`` are chunk messages ``{"records": [...], "error": ...}``; ``got``
    is None when the learner's process never reported this chunk.
    """
    part = "a hidden test" if hidden else "the visible test"
    if got is None:
        return "not-run", f"{part} did not run (the notebook's process ended before it)"
    ref_records = ref.get("records") or []
    got_records = got.get("records") if isinstance(got.get("records"), list) else []
    shown = _as_hidden if hidden else str
    for k, (r, g) in enumerate(zip(ref_records, got_records, strict=False), start=1):
        if not isinstance(g, dict) or g.get("kind") != r.get("kind"):
            if isinstance(g, dict) and g.get("kind") == "expect" and g.get("ok") is not True:
                # a check the reference never made, such as the test's own
                # `if len(path) != len(expected): expect(False, ...)`: its sentence, as stock
                return "failed", shown(str(g.get("message") or "a check of this test failed"))
            return "failed", shown(
                f"{part} (check {k} of {grade_id}) did not run the checks in the expected order"
            )
        if hidden:
            with checks.hidden_tests():  # without the expected value, as stock says it
                message = compare_record(r, g)
        else:
            message = compare_record(r, g)
        if message is not None:
            return "failed", shown(message)
    error = got.get("error") if isinstance(got.get("error"), dict) else None
    k = len(got_records) + 1
    if error is not None and (
        error.get("type") != "CheckFailed" or len(got_records) < len(ref_records)
    ):
        status = "timeout" if error.get("type") == "Timeout" else "error"
        if error.get("type") == "CheckFailed":  # its sentence, as stock shows it
            return status, shown(str(error.get("message", "")))
        if hidden:
            shown = error
            return status, f"a hidden test (check {k} of {grade_id}) stopped: {error_text(shown)}"
        return status, f"the visible test of {grade_id} stopped: {error_text(error)}"
    if len(got_records) != len(ref_records):
        return "failed", (
            f"{part} (check {min(k, len(ref_records) + 1)} of {grade_id}) ran "
            f"{len(got_records)} checks instead of {len(ref_records)}"
        )
    return None


def grade_notebook(master: MasterNotebook, reference: list[dict], learner: dict[int, dict]):
    """One :class:`TestResult` per test cell of ``master``.

    ``reference``: the reference's chunk messages in order; ``learner``: the
    learner's chunk messages by chunk index (missing when the process died first).
    """
    verdicts: dict[str, tuple[str, str]] = {}
    for index, chunk in enumerate(master.chunks()):
        if chunk.grade_id in verdicts:
            continue
        verdict = grade_chunk(chunk.grade_id, chunk.hidden, reference[index], learner.get(index))
        if verdict is not None:
            verdicts[chunk.grade_id] = verdict
    results = []
    for test in master.tests:
        status, message = verdicts.get(test.grade_id, ("passed", ""))
        points = test.points if status == "passed" else 0.0
        results.append(TestResult(master.name, test.grade_id, points, test.points, status, message))
    return results
