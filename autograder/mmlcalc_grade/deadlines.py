"""Every time limit of a job, derived from two numbers: the notebook's and the cell's.

The limits nest, innermost first; each outer one is a backstop that only matters
when the inner one failed to stop something::

    a cell of the notebook, or one test part           cell          (the notebook's own alarm;
                                                                      the test process's too)
      a call a test makes, past its own alarm          alarm + alarm_slack
      before the test process calls the notebook lost  call limit + grace
    the whole notebook (the worker server kills it)    notebook
    the test process gives the job up                  notebook + test_process_slack
    the grader gives the test process up               notebook + grader_slack

and, apart from a job: a worker server must start within ``server_start`` (importing
NumPy and matplotlib in a cold sandbox), a test process (which starts its server)
within ``test_process_start``; a notebook must take a request within ``send``;
the notebook must answer ``finish`` within ``finish`` after the last test.

>>> limits = Deadlines(notebook=300, cell=30)
>>> limits.cell < limits.notebook < limits.test_process < limits.grader
True
>>> limits.call_limit(left=3.0, alarm=1.0)
1.25
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Deadlines:
    """The time limits of one job, in seconds (see the module's docstring for how they nest)."""

    notebook: float  # the whole submission's wall clock (--timeout)
    cell: float  # one cell of the notebook, one test part (--cell-timeout)
    alarm_slack: float = 0.25  # a test's own signal alarm: its calls end this much after it
    grace: float = 2.0  # past a call's own limit before the notebook counts as lost
    abandoned: float = 60.0  # how long a call without a limit is waited for once abandoned
    finish: float = 5.0  # for the notebook to answer 'finish' after the last test
    send: float = 10.0  # for the notebook's process to take a request
    test_process_slack: float = 5.0  # the test process's backstop past the notebook's limit
    grader_slack: float = 60.0  # the grader's backstop past the notebook's limit
    server_start: float = 120.0  # a worker server starting (a cold sandbox imports NumPy)
    poll: float = 0.05  # how often a waiting process looks again (and holds its alarm at most)

    def __post_init__(self):
        if not (self.cell > 0 and self.notebook > 0):
            raise ValueError("the notebook's and the cell's time limits must be positive")

    @property
    def test_process(self) -> float:
        """Seconds after its start that the test process gives a job up."""
        return self.notebook + self.test_process_slack

    @property
    def grader(self) -> float:
        """Seconds after sending a job that the grader kills the test process."""
        return self.notebook + self.grader_slack

    @property
    def test_process_start(self) -> float:
        """A test process starts its worker server before it says it is ready."""
        return 2 * self.server_start

    def call_limit(self, left: float, alarm: float = 0.0) -> float:
        """The limit sent with a test's call: what the test part has ``left``, capped by the
        test's own ``alarm`` (a time budget such as week 5's) plus the slack."""
        limit = max(0.01, left)
        if alarm:
            limit = min(limit, alarm + self.alarm_slack)
        return limit

    def to_json(self) -> dict:
        return {"notebook": self.notebook, "cell": self.cell}

    @classmethod
    def from_json(cls, data: dict) -> Deadlines:
        return cls(float(data["notebook"]), float(data["cell"]))
