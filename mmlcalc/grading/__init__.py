"""Grade a whole class against the reference solutions: ``mmlcalc-grade``.

The learner's notebook runs in a process of its own, with the check helpers of
:mod:`mmlcalc.checks` replaced by recorders that send plain data back; the
reference solution (the master) runs the same way in a clean process; the
comparison, with the tolerances of the master's tests, happens in the grader's
process, which never runs learner code. See ``autograder/GRADING.md``.

Modules: :mod:`~mmlcalc.grading.assignment` (reading a master),
:mod:`~mmlcalc.grading.runner` (the worker process), :mod:`~mmlcalc.grading.compare`
(the grader-side comparison), :mod:`~mmlcalc.grading.batch` (the work unit and the
executor loop), :mod:`~mmlcalc.grading.submissions` (finding submissions),
:mod:`~mmlcalc.grading.outputs` (CSV, HTML, gradebook) and :mod:`~mmlcalc.grading.cli`.
"""
