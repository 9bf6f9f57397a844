"""The grader-side comparison: learner records against reference records.

Runs in the grader's process, which never runs learner code: the learner's values
arrive as data in the one value encoding (:func:`mmlcalc_grade.values.record`, written
by the test process's recorders), are rebuilt faithfully (:func:`mmlcalc_grade.values.rebuild`:
an int as an int, a list of text as a list of text, a dict as a dict, an array with its
dtype), any object as an opaque stand-in that equals nothing else, and are compared with
the REAL helpers of :mod:`mmlcalc.checks`, using the expected value, tolerances and
known mistakes recorded when the reference solution ran, as stock nbgrader calls them
on the real values.

A test cell passes when, in each of its chunks (visible, then hidden), the learner
made the same checks as the reference, in the same order, every one of them
passes, and the chunk ended without an error.

A test cell split into parts (``checks.Credit``: its records hold ``part`` and ``end``
markers) scores its points less those of every part that failed somewhere, as stock
nbgrader's partial credit gives them; a failure outside the parts, or an error that is
not a failed check, still scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmlcalc import checks

from . import values
from .assignment import MasterNotebook
from .remote import first_line


@dataclass(frozen=True)
class TestResult:
    """The result of one test cell for one submission (plain data)."""

    notebook: str
    grade_id: str
    points: float
    max_points: float
    status: str  # passed, partial, failed, error, timeout, not-run, needs-manual-grading
    message: str
    task: str = ""  # the task the test belongs to, as the master's heading names it


def compare_record(ref: dict, got: dict, hidden: bool = False) -> str | None:
    """``None`` if the learner's check ``got`` passes against the reference check ``ref``,
    else the CheckFailed message of the real helper.

    Another error of the helper (``expect_equal`` of an array against a list: NumPy
    cannot say whether they are equal) fails the check with its type and first line (only
    its type in a ``hidden`` test), as the test cell errs under stock nbgrader; a
    malformed record never raises here.
    """
    kind = ref.get("kind")
    name = str(ref.get("name", "your answer"))
    try:
        if kind == "close":
            expected = ref.get("expected")
            if isinstance(expected, dict) and expected.get("$") == "obj":  # described only
                return f"{name}: the expected value could not be recorded (too large to compare)"
            checks.expect_close(
                values.rebuild(got.get("got")),
                values.rebuild(expected),
                name,
                rtol=float(ref.get("rtol", 1e-7)),
                atol=float(ref.get("atol", 1e-10)),
                mistakes={str(k): values.rebuild(v) for k, v in ref.get("mistakes", [])},
                hint=ref.get("hint"),
            )
        elif kind == "equal":
            checks.expect_equal(
                values.rebuild(got.get("got")),
                values.rebuild(ref.get("expected")),
                name,
                hint=ref.get("hint"),
            )
        elif kind == "number":
            checks.expect_number(values.rebuild(got.get("got")), name)
        elif kind == "array":
            checks.expect_array(
                values.rebuild(got.get("got")), tuple(ref.get("shape", ())), ref.get("name", "")
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
    except Exception as error:  # the helper itself raised: the test cell would stop there
        what = (
            type(error).__name__ if hidden else f"{type(error).__name__}: {first_line(error, 300)}"
        )
        return f"{name}: the check stopped ({what})"
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
    message = _first_failure(grade_id, hidden, ref_records, got_records)
    if message is not None:
        return "failed", message
    error = got.get("error") if isinstance(got.get("error"), dict) else None
    k = len(got_records) + 1
    if error is not None and (
        error.get("type") != "CheckFailed" or len(got_records) < len(ref_records)
    ):
        return _stopped(grade_id, hidden, error, check=k)
    if len(got_records) != len(ref_records):
        return "failed", (
            f"{part} (check {min(k, len(ref_records) + 1)} of {grade_id}) ran "
            f"{len(got_records)} checks instead of {len(ref_records)}"
        )
    return None


def has_parts(chunk: dict) -> bool:
    """The chunk's records were made by a test split into parts (``checks.Credit``)."""
    return any(isinstance(r, dict) and r.get("kind") == "part" for r in chunk.get("records") or [])


def _segments(records: list) -> list[tuple[dict | None, list, dict | None]]:
    """``(part marker or None, its checks, end marker or None)``: the records split at parts."""
    segments, current = [], (None, [], None)
    for record in records:
        kind = record.get("kind") if isinstance(record, dict) else None
        if kind == "part":
            if current[0] is not None or current[1]:
                segments.append(current)
            current = (record, [], None)
        elif kind == "end" and current[0] is not None:
            segments.append((current[0], current[1], record))
            current = (None, [], None)
        else:
            current[1].append(record)
    if current[0] is not None or current[1]:
        segments.append(current)
    return segments


def _first_failure(grade_id: str, hidden: bool, ref_records: list, got_records: list):
    """The message of the first of ``got_records`` that fails against ``ref_records``, or None."""
    part = "a hidden test" if hidden else "the visible test"
    shown = _as_hidden if hidden else str
    for k, (r, g) in enumerate(zip(ref_records, got_records, strict=False), start=1):
        if not isinstance(g, dict) or g.get("kind") != r.get("kind"):
            if isinstance(g, dict) and g.get("kind") == "expect" and g.get("ok") is not True:
                return shown(str(g.get("message") or "a check of this test failed"))
            return shown(
                f"{part} (check {k} of {grade_id}) did not run the checks in the expected order"
            )
        if hidden:
            with checks.hidden_tests():  # without the expected value, as stock says it
                message = compare_record(r, g, hidden=True)
        else:
            message = compare_record(r, g)
        if message is not None:
            return shown(message)
    return None


def _stopped(grade_id: str, hidden: bool, error: dict, check: int | None = None):
    """The verdict ``(status, message)`` of a test cell that an error ended; a hidden one
    says which of its checks (``check``) it was at, when that is known."""
    status = "timeout" if error.get("type") == "Timeout" else "error"
    if error.get("type") == "CheckFailed":  # its sentence, as stock shows it
        return status, (_as_hidden if hidden else str)(str(error.get("message", "")))
    if hidden:
        where = f"(check {check} of {grade_id})" if check is not None else f"of {grade_id}"
        return status, f"a hidden test {where} stopped: {error_text(error)}"
    return status, f"the visible test of {grade_id} stopped: {error_text(error)}"


def grade_parts(grade_id: str, hidden: bool, ref: dict, got: dict | None):
    """A chunk of a test split into parts: ``(verdict or None, {part: message}, {part: points})``.

    ``verdict`` is the whole cell's ``(status, message)`` when it scores 0 whatever its
    parts (a failure outside them, an error that is not a failed check, a chunk that did
    not run); the dict holds each failed part's message (the first failure, as stock
    nbgrader's ``Credit`` prints it).
    """
    ref_segments = _segments(ref.get("records") or [])
    points = {m["what"]: float(m.get("points", 0)) for m, _, _ in ref_segments if m is not None}
    failed: dict[str, str] = {}
    if got is None:
        return grade_chunk(grade_id, hidden, ref, None), failed, points
    got_records = got.get("records") if isinstance(got.get("records"), list) else []
    got_segments = _segments(got_records)
    order = (
        f"{'a hidden test' if hidden else 'the visible test'} of {grade_id} did not run "
        "the checks in the expected order"
    )
    for (r_part, r_records, _), (g_part, g_records, g_end) in zip(
        ref_segments, got_segments, strict=False
    ):
        if (r_part is None) != (g_part is None) or (
            r_part is not None and g_part.get("what") != r_part.get("what")
        ):
            return ("failed", _as_hidden(order) if hidden else order), failed, points
        message = _first_failure(grade_id, hidden, r_records, g_records)
        if r_part is None:  # outside the parts: any failure scores the cell 0
            if message is not None:
                return ("failed", message), failed, points
            continue
        if message is None and g_end is None:
            break  # the chunk ended inside this part: its error below
        error = g_end.get("error") if isinstance(g_end, dict) else None
        if message is None and isinstance(error, dict):
            if error.get("type") != "CheckFailed":  # stock: the cell raised
                return _stopped(grade_id, hidden, error), failed, points
            message = (_as_hidden if hidden else str)(str(error.get("message", "")))
        if message is None and len(g_records) != len(r_records):
            message = (_as_hidden if hidden else str)(
                f"{grade_id} ran {len(g_records)} checks instead of {len(r_records)}"
            )
        if message is not None:
            failed.setdefault(r_part["what"], message)
    error = got.get("error") if isinstance(got.get("error"), dict) else None
    if error is not None:
        return _stopped(grade_id, hidden, error), failed, points
    if len(got_segments) != len(ref_segments):
        return ("failed", _as_hidden(order) if hidden else order), failed, points
    return None, failed, points


def grade_notebook(master: MasterNotebook, reference: list[dict], learner: dict[int, dict]):
    """One :class:`TestResult` per test cell of ``master``.

    ``reference``: the reference's chunk messages in order; ``learner``: the
    learner's chunk messages by chunk index (missing when the process died first).
    """
    verdicts: dict[str, tuple[str, str]] = {}
    lost: dict[str, dict[str, str]] = {}  # test cell -> {failed part: message}
    parts: dict[str, dict[str, float]] = {}  # test cell -> {part: points}
    for index, chunk in enumerate(master.chunks()):
        if chunk.grade_id in verdicts:
            continue
        ref, got = reference[index], learner.get(index)
        if has_parts(ref):
            verdict, failed, points = grade_parts(chunk.grade_id, chunk.hidden, ref, got)
            parts.setdefault(chunk.grade_id, {}).update(points)
            for what, message in failed.items():
                lost.setdefault(chunk.grade_id, {}).setdefault(what, message)
        else:
            verdict = grade_chunk(chunk.grade_id, chunk.hidden, ref, got)
        if verdict is not None:
            verdicts[chunk.grade_id] = verdict
    results = []
    for test in master.tests:
        status, message = verdicts.get(test.grade_id, ("passed", ""))
        points = test.points if status == "passed" else 0.0
        failed = lost.get(test.grade_id) if status == "passed" else None
        if failed:  # partial credit: the parts that never failed
            worth = parts[test.grade_id]
            points = max(0.0, test.points - sum(worth[what] for what in failed))
            status = "partial" if points > 0 else "failed"
            message = " ".join(
                checks.part_lost(what, worth[what], text) for what, text in failed.items()
            )
        results.append(TestResult(master.name, test.grade_id, points, test.points, status, message))
    return results
