"""Late submissions: one policy, applied alike by ``nbgrader autograde`` and ``mmlcalc-grade``.

The course configures it once, in ``autograder/nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "mmlcalc_grade.late.LatePolicy"
    c.LatePolicy.penalty_method = "per_hour"   # none | zero | per_hour | per_day
    c.LatePolicy.penalty_points = 1.0          # points off per started hour (or day)

Stock nbgrader calls :meth:`LatePolicy.late_submission_penalty` for each notebook
during ``autograde`` (its ``AssignLatePenalties`` preprocessor); ``mmlcalc-grade``
reads the same configuration file and calls the same method. As in nbgrader, the
penalty is clamped between 0 and the notebook's score, a submission's lateness is
its ``timestamp.txt`` (written by ``nbgrader submit``/``collect``) minus the due
date (from the gradebook, or ``--duedate``), and a notebook is late only when that
is positive.

>>> policy = LatePolicy(penalty_method="per_hour", penalty_points=1.0)
>>> policy.late_submission_penalty("ada", 10.0, 2.5 * 3600)
3.0
>>> clamp_penalty(policy.late_submission_penalty("ada", 2.0, 10 * 3600), 2.0)
2.0
>>> LatePolicy(penalty_method="zero").late_submission_penalty("ada", 7.0, 1.0)
7.0
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

#: nbgrader's name of the file beside a submission that holds when it was submitted.
TIMESTAMP_FILE = "timestamp.txt"


class LatePolicy(LateSubmissionPlugin):
    """nbgrader's late-submission plugin, with penalties per started hour or day."""

    penalty_method = Enum(
        ["none", "zero", "per_hour", "per_day"],
        default_value="none",
        help="none: no penalty; zero: a late notebook scores 0; per_hour / per_day: "
        "penalty_points off for every started hour / day late",
    ).tag(config=True)
    penalty_points = Float(1.0, help="points off per started hour or day (per_hour, per_day)").tag(
        config=True
    )

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0 or self.penalty_method == "none":
            return None
        if self.penalty_method == "zero":
            return score
        unit = 3600.0 if self.penalty_method == "per_hour" else 86400.0
        return self.penalty_points * math.ceil(total_seconds_late / unit)


def clamp_penalty(penalty: float | None, score: float) -> float:
    """nbgrader's rule: a penalty is never negative and never more than the score."""
    if penalty is None:
        return 0.0
    return min(max(0.0, float(penalty)), max(0.0, score))


def read_timestamp(folder: str | Path | None) -> datetime.datetime | None:
    """When a submission was made (``timestamp.txt`` in its folder, UTC), or None."""
    if folder is None:
        return None
    path = Path(folder) / TIMESTAMP_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return parse_time(text)


def parse_time(text: str) -> datetime.datetime | None:
    """A time as nbgrader writes and reads it (naive UTC), or None if it is not one."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text)
    except Exception:  # dateutil's ParserError and friends: an unreadable timestamp
        return None


def policy_from_course(course_dir: Path | None) -> LatePolicy:
    """The late policy the ``nbgrader_config.py`` in ``course_dir`` configures (none if none)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = None
    if course_dir is not None and (course_dir / "nbgrader_config.py").is_file():
        loader = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir))
        try:
            config = loader.load_config()
        except Exception as error:  # the course's config must load for nbgrader too
            raise ValueError(f"cannot read {course_dir / 'nbgrader_config.py'}: {error}") from None
    return LatePolicy(config=config) if config is not None else LatePolicy()
