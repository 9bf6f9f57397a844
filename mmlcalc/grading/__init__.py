"""Grade a whole class against the reference solutions: ``mmlcalc-grade``.

The learner's notebook runs in a process of its own (usually sandboxed); the
master's tests run in a separate test process that calls the learner's functions
across a pipe, with the check helpers of :mod:`mmlcalc.checks` replaced by
recorders; the reference solution (the master) is graded the same way; the
comparison, with the tolerances of the master's tests, happens in the grader's
process. Neither the test process nor the grader ever runs learner code. See
``autograder/GRADING.md``.

Modules: :mod:`~mmlcalc.grading.assignment` (reading a master),
:mod:`~mmlcalc.grading.runner` (the notebook's process),
:mod:`~mmlcalc.grading.tester` (the test process and the recorders),
:mod:`~mmlcalc.grading.remote` (calls between the two, plain data only),
:mod:`~mmlcalc.grading.zygote` (the worker server that forks notebooks' processes),
:mod:`~mmlcalc.grading.sandbox` (bubblewrap), :mod:`~mmlcalc.grading.pools`
(sandbox or not; the processes kept for the next job),
:mod:`~mmlcalc.grading.frames` (the wire format), :mod:`~mmlcalc.grading.compare`
(the grader-side comparison), :mod:`~mmlcalc.grading.batch` (the work unit and the
executor loop), :mod:`~mmlcalc.grading.submissions` (finding submissions),
:mod:`~mmlcalc.grading.outputs` (CSV, HTML, gradebook) and :mod:`~mmlcalc.grading.cli`.
"""
