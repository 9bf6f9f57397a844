"""Grade a whole class against the reference solutions: ``mmlcalc-grade``.

The learner's notebook runs in a process of its own (usually sandboxed); the
master's tests run in a separate test process that calls the learner's functions
across a pipe, with the check helpers of :mod:`mmlcalc.checks` replaced by
recorders; the reference solution (the master) is graded the same way; the
comparison, with the tolerances of the master's tests, happens in the grader's
process. Neither the test process nor the grader ever runs learner code. See
``autograder/GRADING.md``.

Modules: :mod:`~mmlcalc_grade.assignment` (reading a master),
:mod:`~mmlcalc_grade.runner` (the notebook's process),
:mod:`~mmlcalc_grade.tester` (the test process and the recorders),
:mod:`~mmlcalc_grade.remote` (calls between the two),
:mod:`~mmlcalc_grade.values` (the one value encoding: calls and check records),
:mod:`~mmlcalc_grade.zygote` (the worker server that forks notebooks' processes),
:mod:`~mmlcalc_grade.sandbox` (bubblewrap), :mod:`~mmlcalc_grade.pools`
(sandbox or not; the processes kept for the next job),
:mod:`~mmlcalc_grade.frames` (the wire format), :mod:`~mmlcalc_grade.compare`
(the grader-side comparison), :mod:`~mmlcalc_grade.batch` (the work unit and the
executor loop), :mod:`~mmlcalc_grade.submissions` (finding submissions),
:mod:`~mmlcalc_grade.outputs` (CSV, HTML, gradebook) and :mod:`~mmlcalc_grade.cli`.
"""
