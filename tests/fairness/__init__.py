"""The fairness corpus: learners' answers written in their own style, and single slips.

Each ``weekN.py`` lists :class:`Submission` objects built from the week's master: the
reference answers typed in (without solution markers), then a few edits. A correct
submission written differently from the reference must get full marks; a single slip
must lose exactly the test cells in ``lost``, all of them tests of the task it edits.
``tests/test_fairness.py`` grades every submission with stock ``nbgrader autograde`` and
with ``mmlcalc-grade`` and requires both to give these scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Submission:
    """One learner's notebook: the reference answers with ``edits`` applied.

    ``edits`` are ``(answer cell grade_id, old, new)``: ``old`` occurs exactly once in
    that cell and becomes ``new``; with ``old=None`` the whole cell becomes ``new``.
    ``slip`` names the answer cell of the single slip (None for a correct submission);
    ``lost`` the test cells that must score zero (every other test cell scores full),
    or, for a test cell with partial credit (``checks.Credit``), the points it keeps
    (``kept``: pairs of test cell and points).
    """

    name: str
    edits: tuple = ()
    slip: str | None = None
    lost: frozenset = field(default_factory=frozenset)
    note: str = ""
    kept: tuple = ()


def correct(name: str, *edits, note: str = "") -> Submission:
    return Submission(name, tuple(edits), None, frozenset(), note)


def slip(name: str, answer_cell: str, lost, *edits, note: str = "") -> Submission:
    """``lost``: the test cells that score 0, or a dict ``{test cell: points it keeps}``."""
    kept = tuple(lost.items()) if isinstance(lost, dict) else ()
    return Submission(name, tuple(edits), answer_cell, frozenset(lost), note, kept)
