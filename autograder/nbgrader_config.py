"""nbgrader configuration of the course "Multivariate calculus for machine learning".

The instructor works in this folder (``cd autograder``) as the nbgrader course
directory; the master notebooks stay where the team edits them, in the
repository's ``source/weekN/`` folders, and are never copied here. Everything
nbgrader produces (``release/``, ``submitted/``, ``autograded/``, ``feedback/``,
``gradebook.db``) lands in the course root: this folder, or the folder named by
``MMLCALC_COURSE_DIR``.

Environment variables (all optional):

``MMLCALC_COURSE_DIR``
    The course root. Default: this folder. The tests point it at a temporary
    folder so that a test run never writes into the repository.
``MMLCALC_DB_URL``
    A SQLAlchemy URL of the gradebook. Default: ``sqlite:///<course root>/gradebook.db``.
    Use a PostgreSQL URL when several graders share one gradebook.
``MMLCALC_EXCHANGE``
    The exchange folder for release / fetch / submit / collect. Default: nbgrader's
    own default, ``/usr/local/share/nbgrader/exchange``.
``MMLCALC_LATE_POLICY``, ``MMLCALC_LATE_POINTS``
    The late-submission policy (none, zero, per_hour, per_day) and the points off per
    started hour or day. Default: none. See "Late submissions" below.

See ``README.md`` next to this file for the commands.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)

# The repository this file lives in: autograder/ is one level below it.
_HERE = os.path.dirname(os.path.abspath(__file__))
_REPOSITORY = os.path.dirname(_HERE)

# --- Course and folders -----------------------------------------------------

# The course id learners put in their own config to fetch and submit; it is also
# the folder name inside the exchange and the course column of the gradebook.
c.CourseDirectory.course_id = "mmlcalc"

# The course root: where release/, submitted/, autograded/, feedback/ and the
# gradebook live. An absolute path, so the commands work from any folder.
c.CourseDirectory.root = os.path.abspath(os.environ.get("MMLCALC_COURSE_DIR") or _HERE)

# The masters stay in the repository's source/ (one folder per assignment id,
# source/week1/, source/week2/, ...). nbgrader builds every path as
# os.path.join(root, "{nbgrader_step}/{student_id}/{assignment_id}"), so an
# ABSOLUTE source_directory replaces the root for this one step (checked on
# nbgrader 0.9.6: generate_assignment, release_assignment, autograde with its
# "copy the master's other files" step, and the assignment list of the formgrader
# API). A relative "../source" works as well, but it is relative to the course
# root, so it would point elsewhere as soon as MMLCALC_COURSE_DIR moves the root;
# the absolute path, computed from this file's location, always finds the masters.
# The other steps (release/, submitted/, ...) stay inside the course root.
c.CourseDirectory.source_directory = os.path.join(_REPOSITORY, "source")

# The gradebook: SQLite in the course root unless MMLCALC_DB_URL names another
# database. Leaving db_url unset lets nbgrader derive it from the root above.
if os.environ.get("MMLCALC_DB_URL"):
    c.CourseDirectory.db_url = os.environ["MMLCALC_DB_URL"]

# The exchange: a folder every learner can write to (release_assignment creates
# it when it is missing and the instructor may). The default is nbgrader's own,
# so a JupyterHub set up the usual way needs no variable.
c.Exchange.root = os.environ.get("MMLCALC_EXCHANGE", "/usr/local/share/nbgrader/exchange")

# --- Autograding ------------------------------------------------------------

# Per-cell time limit in seconds, applied to every cell of a submission. Every
# cell of week 1 runs in well under a second; the heaviest planned cells (training
# a small network in week 3, a steepest-descent fit in week 6) take a few seconds.
# 60 s is more than ten times that on a busy grading machine, and it caps what a
# learner's endless loop costs the batch: the cell is interrupted, marked with a
# CellTimeoutError, and the next cells run.
c.Execute.timeout = 60

# A correct answer must not lose its marks because NumPy or another library
# printed a warning: nbgrader scores a test cell zero for ANY stderr output.
# IgnorePattern runs right after each notebook is executed (before the scores are
# saved) and drops every stderr stream output whose text re.search-matches the
# pattern. The pattern is the line Python's warnings module writes,
# "<file>:<line>: <Category>Warning: <message>" (DeprecationWarning,
# RuntimeWarning, UserWarning, FutureWarning, NumPy's own warning classes, ...).
# A cell's stderr text that arrives in one message is one output, so other stderr
# text printed together with a warning goes too; errors (tracebacks, failed
# checks) are "error" outputs, not stderr streams, and are never dropped.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^\S.*:\d+: \w*Warning: "

# A learner who deletes a graded test cell would otherwise leave the submission
# waiting for manual grading forever; with this the cell is put back from the
# gradebook and run like any other.
c.OverwriteCells.add_missing_cells = True

# Output limits for the autograded notebook and the feedback: a print in a loop
# must not produce a megabyte of feedback. 300 lines of stream output per cell
# is far more than any answer needs; 60 traceback lines keep the top and the
# bottom (where the failed check's message is) of a deep traceback.
c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 60

# --- Late submissions ---------------------------------------------------------
#
# One policy for both graders: nbgrader autograde applies it through its
# AssignLatePenalties step, mmlcalc-grade reads this file and applies the same
# plugin (mmlcalc_grade/late.py). A submission is late by its timestamp.txt
# (written at submit / collect) against the assignment's due date in the gradebook
# (nbgrader db assignment add week1 --duedate="2026-12-11 17:00:00 UTC", or
# mmlcalc-grade --duedate). penalty_method: "none" (late work is flagged, not
# penalised), "zero" (a late notebook scores 0), "per_hour" or "per_day"
# (penalty_points off per started hour or day). The penalty never exceeds the score.
c.AssignLatePenalties.plugin_class = "mmlcalc_grade.late.LatePolicy"
c.LatePolicy.penalty_method = os.environ.get("MMLCALC_LATE_POLICY", "none")
c.LatePolicy.penalty_points = float(os.environ.get("MMLCALC_LATE_POINTS", "1"))

# --- Keeping one broken submission from stopping the batch --------------------
#
# What nbgrader 0.9.6 does, read from its source (converters/base.py) and checked
# by tests/test_assignments.py:
#
# * An exception while one submission is processed (invalid JSON, an unreadable
#   file, a failed check of the metadata, ...) is logged, that submission's
#   autograded/ folder is removed, and the batch goes on with the next learner.
#   At the end the command exits with status 1 and names the failed submissions.
#   No setting is needed for that.
# * Two exceptions end the WHOLE run instead: SchemaTooOldError and
#   SchemaTooNewError. A learner's notebook with a duplicated graded cell (copy
#   and paste, or a split cell) triggers the first: DeduplicateIds blanks the
#   metadata of the earlier copy to "{}", which then reads as "old metadata".
#   Leaving DeduplicateIds out of the sanitising steps turns that into an
#   ordinary per-submission failure ("Duplicate grade id"): the rest of the batch
#   is graded and the broken submission is reported for a human to fix. That is
#   the most configuration alone can do; grading the duplicated notebook anyway
#   needs code: mmlcalc-grade does it (the first copy counts; README.md). (With the stock list AND
#   add_missing_cells = True, as set above, the blanked copy happens to crash
#   OverwriteCells with a KeyError first: also per submission, but the log then
#   names no cell.) A notebook whose cell metadata was edited to another
#   schema_version still ends the whole run: no setting reaches that check.
#   The list below is nbgrader 0.9.6's
#   own list without DeduplicateIds: compare it with Autograde.sanitize_preprocessors
#   when upgrading nbgrader.
# * A kernel that dies (os._exit, out of memory) loses that submission's grades;
#   a kernel that cannot be interrupted fails that submission. No setting here
#   changes either.
from nbgrader.preprocessors import (  # noqa: E402 (kept next to the setting it serves)
    CheckCellMetadata,
    ClearOutput,
    OverwriteCells,
    OverwriteKernelspec,
)

c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]
