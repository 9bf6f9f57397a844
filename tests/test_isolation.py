"""Hostile submissions cannot beat or escape ``mmlcalc-grade --isolation sandbox`` (issue 8).

One week 1 batch holds every hostile submission of ``hostile_submissions`` (the
module's docstring is the list of threats) and one honest, correct submission. It
is graded once, in a module-scoped fixture, through the real command with the
sandbox and tight limits, in a setting built to be attacked:

* ``--source`` is a copy of ``source/`` whose week 1 hidden tests carry a marker;
* ``--cache`` is a fresh folder, ``--gradebook`` a SQLite file that already holds an
  earlier grading of two of the students;
* two decoy nbgrader gradebooks of "other courses", one in the host's temporary folder
  and one in the home folder (removed afterwards);
* a TCP listener on the host's 127.0.0.1 and an abstract Unix socket count every
  connection;
* the grader's environment holds a secret (``GRADER_SECRET_NAME``) that no attack is told.

Then each submission must end with its status, score, lost test cells and a clear
message (one of the outcomes its case accepts), the honest one with full marks, and
the machine must show no trace of the attacks: no secret in the ``--out`` folder, the
gradebook holding the grader's scores only, the source and cache folders and the decoy
gradebooks untouched, no connection, no learner's results forged by another, nothing
read of the grader's processes, no process or big file left behind (``/tmp``,
``/dev/shm``). The batch takes about 55-65 s (the sleeping submission's 40 s limit
beside the rest, on 2 cores); the module skips when less than 6 GiB of memory is
available.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import socket
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from course_harness import BEGIN_HIDDEN, END_HIDDEN, SOURCE, read_notebook, regions, write_notebook
from grading_fixtures import W1, W1_NAME, Week1Outputs, page_text, read_csv, run_cli
from hostile_submissions import (
    CASE_NAMES,
    DISK_MB,
    FRAME_WALK,
    GRADER_SECRET_NAME,
    HONEST,
    SABOTAGE,
    SABOTAGE_NEXT,
    HostileCase,
    Outcome,
    Targets,
    honest_case,
    hostile_cases,
    plant_source_marker,
    points_of_tests,
    week1_master,
)

from mmlcalc_grade.assignment import load_assignment
from mmlcalc_grade.values import rebuild

pytestmark = pytest.mark.sandbox  # skipped without bubblewrap, except in CI: conftest.py

LIMITS = ["--jobs", "2", "--timeout", "40", "--cell-timeout", "5", "--memory", "1024"]
LIMITS += ["--disk", str(DISK_MB)]
#: The longest the batch may take: the sleeping submission's 40 s, the rest beside it.
BATCH_SECONDS = 80
#: Free memory the memory bombs need to be safe (8 processes of up to 900 MB).
NEEDED_MEMORY = 6 * 2**30
#: A file at least this big, new in the host's /tmp after the batch, is a leftover
#: (the attacks write files of 60 and 64 MB).
BIG_FILE = 50 * 2**20
STEM = Path(W1_NAME).stem


def available_memory() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


# --- the attacked machine ---------------------------------------------------------------------


class Listener:
    """A TCP server on the host's 127.0.0.1 and an abstract Unix socket; keeps every peer."""

    def __init__(self, unix_name: str):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + unix_name)
        self.accepted: list[str] = []
        self.stopping = threading.Event()
        self.selector = selectors.DefaultSelector()
        for server in (self.tcp, self.unix):
            server.listen(64)
            server.setblocking(False)
            self.selector.register(server, selectors.EVENT_READ)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            for key, _ in self.selector.select(0.1):
                with contextlib.suppress(OSError):
                    connection, peer = key.fileobj.accept()
                    self.accepted.append(f"{key.fileobj.family.name} {peer!r}")
                    connection.close()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for server in (self.tcp, self.unix):
            server.close()
        self.selector.close()


def copy_source_with_marker(target: Path, marker: str) -> Path:
    shutil.copytree(SOURCE, target)
    plant_source_marker(target / W1 / W1_NAME, marker)
    return target


def earlier_grading(db: Path, students, points) -> None:
    """The gradebook as an earlier run left it: these students' week 1 graded 0 (resubmitted)."""
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's add_submission: SAWarnings, rows are fine
        with Gradebook(f"sqlite:///{db}", course_id="mmlcalc") as gradebook:
            gradebook.update_or_create_assignment(W1)
            gradebook.update_or_create_notebook(STEM, W1)
            for grade_id, most in points.items():
                gradebook.update_or_create_grade_cell(
                    grade_id, STEM, W1, max_score=most, cell_type="code"
                )
            for student in students:
                gradebook.update_or_create_student(student)
                gradebook.add_submission(W1, student)
                for grade_id in points:
                    gradebook.find_grade(grade_id, STEM, W1, student).auto_score = 0.0
            gradebook.db.commit()


def decoy_gradebooks(token: str) -> tuple[Path, Path]:
    """Where other courses' gradebooks lie for gradebook_decoys: the host's temporary folder
    (``tempfile.gettempdir()``, not pytest's folder) and the home folder."""
    name = f"mmlcalc-decoy-{token}"
    return (
        Path(tempfile.gettempdir()) / name / "gradebook.db",
        Path.home() / name / "gradebook.db",
    )


def plant_decoys(decoys, gradebook: Path) -> dict[str, str]:
    """Copies of a real nbgrader gradebook (scores to rewrite) at ``decoys``; their digests."""
    for decoy in decoys:
        decoy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(gradebook, decoy)
    return file_digests(decoys)


def file_digests(paths) -> dict[str, str]:
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"
        for path in paths
    }


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def big_files(top: str) -> set[str]:
    found = set()
    for folder, _, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                if not os.path.islink(path) and os.path.getsize(path) >= BIG_FILE:
                    found.add(path)
    return found


def processes_with(argument: str) -> list[int]:
    """Process ids whose command line holds ``argument`` (the fork bomb's ``sleep``)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if argument.encode() in Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0"):
                found.append(int(name))
    return found


def leftover_files(targets: Targets) -> list[str]:
    return sorted(
        str(path)
        for top in ("/tmp", "/dev/shm", "/var/tmp")
        for path in Path(top).glob(f"*{targets.leftover}*")
    )


def remove_leftovers(targets: Targets) -> None:
    """Undo what the attacks may have left on a machine without a working sandbox."""
    for pid in processes_with(targets.sleep_argument):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for path in leftover_files(targets):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


# --- the batch --------------------------------------------------------------------------------


@dataclass
class Batch(Week1Outputs):
    targets: Targets
    cases: dict[str, HostileCase]
    root: Path
    out: Path
    status: int
    stdout: str
    stderr: str
    seconds: float
    source_before: dict[str, str]
    accepted: list[str]
    survivors: list[int]
    leftovers: list[str]
    new_big_files: set[str]
    points: dict[str, float] = field(default_factory=dict)
    decoys_before: dict[str, str] = field(default_factory=dict)
    decoys_after: dict[str, str] = field(default_factory=dict)
    grader_secret: str = ""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reference-cache")


@pytest.fixture(scope="module")
def batch(tmp_path_factory, cache):
    if available_memory() < NEEDED_MEMORY:
        pytest.skip(
            f"the memory bombs need {NEEDED_MEMORY / 2**30:g} GiB of available memory to be "
            f"safe; this machine has {available_memory() / 2**30:.1f} GiB (/proc/meminfo)"
        )
    folder = tmp_path_factory.mktemp("hostile")
    token = f"{secrets.randbelow(10**12):012d}"
    listener = Listener(f"mmlcalc-hostile-{token}")
    root = folder / "submitted"
    targets = Targets(
        source=folder / "source",
        cache=cache,
        gradebook=folder / "gradebook.db",
        other_notebook=root / HONEST / W1 / W1_NAME,
        port=listener.port,
        unix_name=f"mmlcalc-hostile-{token}",
        token=token,
        decoys=decoy_gradebooks(token),
        grader_pids=(os.getpid(), os.getppid()),  # the grader runs in this process (run_cli)
    )
    # in the environment of the grader and its test processes; the attacks are never told it
    grader_secret = f"GRADER-SECRET-{secrets.token_hex(12)}"
    try:
        copy_source_with_marker(targets.source, targets.source_marker)
        points = points_of_tests(week1_master())
        earlier_grading(targets.gradebook, ["write_gradebook", HONEST], points)
        decoys_before = plant_decoys(targets.decoys, targets.gradebook)
        cases = {case.student: case for case in [*hostile_cases(targets), honest_case(targets)]}
        for case in cases.values():
            write_notebook(case.notebook, root / case.student / W1 / W1_NAME)
        source_before = digests(targets.source)
        big_before = big_files("/tmp") | big_files("/dev/shm")
        started = time.monotonic()
        os.environ[GRADER_SECRET_NAME] = grader_secret
        try:
            status, stdout, stderr = run_cli(
                W1, root, "--out", folder / "out", "--source", targets.source, "--cache", cache,
                "--gradebook", f"sqlite:///{targets.gradebook}", "--isolation", "sandbox",
                *LIMITS, "--quiet",
            )  # fmt: skip
        finally:
            del os.environ[GRADER_SECRET_NAME]
        seconds = time.monotonic() - started
        time.sleep(0.5)  # a connection in flight when the batch ended is still counted
        yield Batch(
            targets=targets,
            cases=cases,
            root=root,
            out=folder / "out",
            status=status,
            stdout=stdout,
            stderr=stderr,
            seconds=seconds,
            source_before=source_before,
            accepted=list(listener.accepted),
            survivors=processes_with(targets.sleep_argument),
            leftovers=leftover_files(targets),
            new_big_files=(big_files("/tmp") | big_files("/dev/shm")) - big_before,
            points=points,
            decoys_before=decoys_before,
            decoys_after=file_digests(targets.decoys),
            grader_secret=grader_secret,
        )
    finally:
        listener.close()
        remove_leftovers(targets)
        for decoy in targets.decoys:
            shutil.rmtree(decoy.parent, ignore_errors=True)


# --- every submission: status, score, lost test cells, message --------------------------------


def problems(batch: Batch, student: str, outcome: Outcome) -> list[str]:
    row = batch.grades()[student]
    results = batch.results(student)
    found = []
    if row["status"] != outcome.status:
        return [f"status {row['status']!r}, expected {outcome.status!r}"]
    full = sum(batch.points.values())
    if float(row["score"]) != full - sum(outcome.lost.values()):
        found.append(f"score {row['score']}, expected {full - sum(outcome.lost.values()):g}")
    for grade_id, result in results.items():
        expected = 0.0 if grade_id in outcome.lost else float(result["max_points"])
        if float(result["points"]) != expected:
            found.append(f"{grade_id}: {result['points']} points, expected {expected:g}")
    if outcome.keyword not in page_text(batch.feedback(student)):
        found.append(f"the feedback does not say {outcome.keyword!r}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("student", [*CASE_NAMES, HONEST])
def test_each_submission_ends_with_its_status_score_and_a_clear_message(batch, student):
    assert batch.status == 0, batch.stderr
    case = batch.cases[student]
    verdicts = [(outcome, problems(batch, student, outcome)) for outcome in case.outcomes]
    if all(found for _, found in verdicts):
        feedback = " ".join(page_text(batch.feedback(student)).split())
        pytest.fail(
            f"{student} ({case.threat}): "
            + " | or: ".join(f"{outcome.status}: {'; '.join(found)}" for outcome, found in verdicts)
            + f"\nfeedback: {feedback[:3000]}"
        )


@pytest.mark.slow
def test_the_batch_is_sandboxed_and_ends_in_bounded_time(batch):
    assert batch.status == 0, batch.stderr
    assert "WITHOUT a sandbox" not in batch.stderr + batch.stdout
    assert set(batch.grades()) == set(batch.cases)
    assert batch.seconds < BATCH_SECONDS, f"the batch took {batch.seconds:.0f} s"
    row = batch.grades()[HONEST]
    assert row["status"] == "graded" and float(row["score"]) == sum(batch.points.values())


# --- what the attacks must not have done -----------------------------------------------------


def hidden_secrets(batch: Batch) -> tuple[set[str], set[str]]:
    """Long lines of the hidden tests, and the hidden expected values as printed (6 digits)."""
    notebook = read_notebook(batch.targets.source / W1 / W1_NAME)
    lines = {
        line.strip()
        for cell in notebook.cells
        for region in regions(cell.source, BEGIN_HIDDEN, END_HIDDEN)
        for line in region.splitlines()
        if len(line.strip()) >= 25
    }
    (master,) = load_assignment(batch.targets.source, W1).notebooks
    cached = [p for p in batch.targets.cache.glob("*.json") if batch.targets.token not in p.name]
    values: dict[bool, set[str]] = {True: set(), False: set()}  # hidden or not: printed values
    for path in cached:
        reference = json.loads(path.read_text())
        for chunk, message in zip(master.chunks(), reference, strict=False):
            for record in message.get("records", []):
                if record.get("kind") == "close":
                    for value in np.ravel(rebuild(record["expected"])):
                        text = f"{value:.6g}"
                        values[chunk.hidden] |= {text} if len(text) >= 6 else set()
    # a hidden value that a visible check expects too (the same best step) is no secret
    return lines, values[True] - values[False]


@pytest.mark.slow
def test_no_secret_reaches_anything_the_grader_wrote(batch):
    """read_source, read_other_learner: the markers, hidden code and values are nowhere in --out."""
    lines, values = hidden_secrets(batch)
    assert lines and values
    markers = {batch.targets.source_marker, batch.targets.other_marker}
    files = [path for path in batch.out.rglob("*") if path.is_file()]
    assert files
    for path in files:
        text = path.read_text(errors="replace")
        assert not {m for m in markers if m in text}, f"{path} shows a planted marker"
        assert not {line for line in lines if line in text}, f"{path} shows hidden test code"
        if path.suffix == ".html":
            shown = page_text(path)
            leaked = sorted(v for v in values if v in shown)
            assert not leaked, f"{path} shows hidden expected values {leaked[:3]}"
    assert not {m for m in markers if m in batch.stdout + batch.stderr}


@pytest.mark.slow
def test_the_gradebook_holds_the_graders_scores_only(batch):
    """write_gradebook: every score in the gradebook is the grader's, no manual score appeared."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{batch.targets.gradebook}", "mmlcalc") as gradebook:
        for student, row in batch.grades().items():
            submission = gradebook.find_submission(W1, student)
            assert submission.score == float(row["score"]), student
            results = batch.results(student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    assert grade.manual_score is None, (student, grade.name)
                    assert grade.auto_score == float(results[grade.name]["points"]), (
                        student,
                        grade.name,
                    )


@pytest.mark.slow
def test_the_source_and_the_cache_are_untouched(batch):
    """write_gradebook: no file beside the masters, no poisoned reference in the cache."""
    assert digests(batch.targets.source) == batch.source_before
    for path in batch.targets.cache.rglob("*"):
        assert batch.targets.token not in path.name, path
        if path.is_file():
            assert batch.targets.token not in path.read_text(errors="replace"), path


@pytest.mark.slow
@pytest.mark.parametrize(
    "attacker, sabotage", [("forged_frames", SABOTAGE), ("next_job", SABOTAGE_NEXT)]
)
def test_no_submission_is_graded_with_results_another_one_sent(batch, attacker, sabotage):
    """forged_frames: its forged results reach no other learner's grade or feedback;
    next_job: the job it planted in the worker's pipes runs for no other learner."""
    victims = sorted(
        {
            row["student_id"]
            for row in read_csv(batch.out / "results.csv")
            if sabotage in row["message"] and row["student_id"] != attacker
        }
    )
    assert victims == [], f"graded with what {attacker} sent: {victims}"
    for student in batch.cases:
        if student != attacker:
            assert sabotage not in batch.feedback(student).read_text(), student


@pytest.mark.slow
def test_no_connection_reached_the_hosts_listeners(batch):
    """network, abstract_socket: neither the TCP listener on 127.0.0.1 nor the abstract Unix
    socket (by its name, or any name /proc/net/unix lists, every socket type) saw anyone."""
    assert batch.accepted == []
    feedback = " ".join(page_text(batch.feedback("abstract_socket")).split())
    assert "reached []" in feedback and "ConnectionRefusedError" in feedback


@pytest.mark.slow
def test_gradebooks_of_other_courses_are_untouched(batch):
    """gradebook_decoys: the nbgrader gradebooks in the host's temporary folder and in the
    home folder, which it looked for by name and by searching, are byte for byte the same."""
    temporary, home = batch.targets.decoys
    assert temporary.parent.parent == Path(tempfile.gettempdir())
    assert home.parent.parent == Path.home()
    assert "missing" not in batch.decoys_before.values()
    assert batch.decoys_after == batch.decoys_before
    feedback = " ".join(page_text(batch.feedback("gradebook_decoys")).split())
    assert "rewrote []" in feedback and str(home) in feedback


@pytest.mark.slow
def test_nothing_of_the_graders_processes_was_read(batch):
    """proc_snoop: the grader's processes are not in the sandbox's /proc; of the processes it
    sees (the worker server, pid 1) no memory, environment, open file, root or folder could
    be read; the secret in the grader's environment is in nothing the grader wrote."""
    feedback = " ".join(page_text(batch.feedback("proc_snoop")).split())
    assert "grader seen: []; read: []" in feedback, feedback[:1000]
    for pid in batch.targets.grader_pids:  # tried by number: not in the sandbox's /proc
        for tried in re.finditer(rf"'{pid} (\w+): (\w*)", feedback):  # (the line is cut short)
            assert "FileNotFoundError".startswith(tried.group(2)), tried.group(0)
    outputs = [path for path in batch.out.rglob("*") if path.is_file()]
    for path in outputs:
        assert batch.grader_secret not in path.read_text(errors="replace"), path
    assert batch.grader_secret not in batch.stdout + batch.stderr


@pytest.mark.slow
def test_signals_end_no_process_but_the_senders_own(batch):
    """signals: SIGKILL to the grader's process ids, to every process it sees and kill(-1)
    reach nothing outside its sandbox and not the worker server (the namespace's init):
    its notebook goes on and is graded, every other submission has its own outcome (above),
    and no worker server was lost on the way."""
    row = batch.grades()["signals"]
    assert row["status"] == "graded", row
    feedback = " ".join(page_text(batch.feedback("signals")).split())
    assert "signalled [" in feedback
    assert set(batch.grades()) == set(batch.cases)
    for student in batch.cases:
        if batch.grades()[student]["status"] == "crashed":
            assert "sandbox stopped" not in page_text(batch.feedback(student)), student


def test_frame_walk_cannot_find_its_own_search():
    """frame_walk looks for the tests' code by a text that neither its source nor any
    constant of its compiled code holds (else it finds itself: a flaky false alarm)."""
    wanted = "expect_own_work" + "(secant_slope"
    assert wanted not in FRAME_WALK

    def strings(constants):
        for constant in constants:
            if isinstance(constant, type(code)):
                yield from strings(constant.co_consts)
            elif isinstance(constant, (tuple, frozenset)):
                yield from strings(constant)
            elif isinstance(constant, str):
                yield constant

    code = compile(FRAME_WALK, "<frame_walk>", "exec")
    assert not [text for text in strings(code.co_consts) if wanted in text]


@pytest.mark.slow
def test_no_process_and_no_big_file_is_left_behind(batch):
    """fork_bomb, huge_file, huge_file_in_shm, shm_spill, next_job: nothing survives the
    batch on the host, nothing lands in the host's /tmp or /dev/shm."""
    assert batch.survivors == [], f"{len(batch.survivors)} processes of the fork bomb survived"
    assert batch.leftovers == []
    assert batch.new_big_files == set()


# --- where the sandbox cannot run: fail closed ----------------------------------------------


@pytest.mark.slow
def test_without_bubblewrap_nothing_is_graded_unless_the_instructor_opts_out(tmp_path, monkeypatch):
    """No ``bwrap`` on PATH: the default (the sandbox) exits with status 2 before any learner's
    code runs (a cell that would write a marker file never runs) and says how to get the
    sandbox; ``--isolation none`` grades, the same scores as the sandbox, and says so in
    its outputs (stderr, the report, grading.json)."""
    from grading_fixtures import correct, replace_in_answer, with_cell

    master = week1_master()
    marker = tmp_path / "learner-code-ran"
    good = with_cell(correct(master), f"open({str(marker)!r}, 'w').write('ran')")
    wrong = replace_in_answer(correct(master), "w1_central_difference", "/ (2 * h)", "/ h")
    write_notebook(good, tmp_path / "in" / "alice.ipynb")
    write_notebook(wrong, tmp_path / "in" / "carol.ipynb")
    common = [W1, tmp_path / "in", "--cache", tmp_path / "cache", "--no-gradebook", *LIMITS]

    status, _, err = run_cli(*common, "--out", tmp_path / "sandboxed")
    assert status == 0 and "WITHOUT a sandbox" not in err
    assert not marker.exists()  # it ran, in the sandbox's own /tmp-less file system view
    sandboxed = read_csv(tmp_path / "sandboxed" / "grades.csv")
    assert json.loads((tmp_path / "sandboxed" / "grading.json").read_text())["sandboxed"] is True

    empty = tmp_path / "no-bwrap"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for refused in ([], ["--isolation", "sandbox"]):
        status, _, err = run_cli(*common, "--out", tmp_path / "refused", *refused)
        assert status == 2, err
        assert "bubblewrap (the bwrap command) is not installed" in err
        assert "apt-get install bubblewrap" in err and "user namespaces" in err
        assert not (tmp_path / "refused" / "grades.csv").exists()
        assert not marker.exists(), "a learner's code ran although the sandbox could not start"

    status, _, err = run_cli(*common, "--out", tmp_path / "none", "--isolation", "none")
    assert status == 0, err
    assert marker.exists()  # the opt-out really runs learners' code as the instructor
    assert "WITHOUT a sandbox" in err and "--isolation none" in err
    for unenforced in ("private file system", "no network", "limits on processes"):
        assert unenforced in err, unenforced
    assert "WITHOUT a sandbox" in page_text(tmp_path / "none" / "report.html")
    metadata = json.loads((tmp_path / "none" / "grading.json").read_text())
    assert metadata["isolation"] == "none" and metadata["sandboxed"] is False
    assert read_csv(tmp_path / "none" / "grades.csv") == sandboxed
    scores = {row["student_id"]: row["score"] for row in sandboxed}
    assert scores == {"alice": "20", "carol": "17"}


def test_auto_is_gone_there_is_no_silent_fallback():
    from mmlcalc_grade.session import Policy

    with pytest.raises(ValueError, match="no automatic fallback"):
        Policy(isolation="auto")
    status, _, err = run_cli(W1, "nowhere", "--out", "nowhere", "--isolation", "auto")
    assert status == 2 and "invalid choice: 'auto'" in err


@pytest.mark.slow
def test_check_says_what_is_enforced_and_fails_without_a_sandbox(monkeypatch, capsys):
    from mmlcalc_grade.cli import main
    from mmlcalc_grade.protections import NAMES

    assert main(["--check"]) == 0
    shown = capsys.readouterr().out
    for name in NAMES:
        assert f"{name}" in shown
    assert "OFF" not in shown and "invisible to the notebook" in shown and "unreachable" in shown

    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["--check"]) == 1
    shown = capsys.readouterr().out
    assert shown.count("OFF") == len(NAMES) and "bwrap" in shown
