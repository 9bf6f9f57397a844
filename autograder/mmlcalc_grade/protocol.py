"""Every message between the grader's processes, defined once; and how a job ended.

Four kinds of process talk in frames of JSON (:mod:`.frames`), never pickle::

    grader ──JobRequest──▶ test process ──ServerJob──▶ worker server ──fork──▶ notebook
           ◀─Ready, Unavailable,        ◀─ServerReady, JobEnd (the server's own)
             CellRan, SetupRan,         ◀─CellRan, TestsReady, Request, Reply (relayed
             ChunkRan, JobResult          from the notebook)         ──Request, Reply──▶

(the worker server's forked child also tells the server :class:`Started` before any
learner code runs). Each kind is a frozen dataclass here with ``to_json()``;
:func:`parse` turns a decoded frame back into one. Messages that come from a
notebook's process (``CellRan``, ``TestsReady``, ``Request``, ``Reply``) are
validated field by field: a notebook may send anything, so a field of the wrong
type becomes a safe default or the frame is rejected (:class:`ProtocolError`).

On the wire a message is a dict whose key ``"m"`` names its kind; values inside
requests and replies are encoded by :mod:`.remote` (the one value encoding).

>>> message = CellRan(label="task 1", error=None, seconds=0.5)
>>> message.to_json()
{'m': 'cell', 'label': 'task 1', 'error': None, 'seconds': 0.5}
>>> parse(message.to_json()) == message
True
>>> parse({"m": "cell", "label": 7, "error": "x", "seconds": "slow"})
CellRan(label='7', error=None, seconds=0.0)
>>> Ending.crashed("the sandbox stopped").describe()
'crashed: the sandbox stopped'
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

#: Longest label (a cell's name) kept from a notebook's message.
MAX_LABEL = 200
#: Longest text of an error record's message.
MAX_ERROR_TEXT = 500


class ProtocolError(Exception):
    """A frame that is not a message of the protocol (from a notebook: treat it as garbage)."""


# --- how a job ended --------------------------------------------------------------------------


class EndKind(enum.Enum):
    DONE = "done"
    TIMEOUT = "timeout"
    CRASHED = "crashed"


@dataclass(frozen=True)
class Ending:
    """How a notebook's job ended: ``kind``, and ``why`` in words for the learner (or "")."""

    kind: EndKind
    why: str = ""

    @classmethod
    def done(cls) -> Ending:
        return cls(EndKind.DONE)

    @classmethod
    def timeout(cls, why: str = "") -> Ending:
        return cls(EndKind.TIMEOUT, why)

    @classmethod
    def crashed(cls, why: str) -> Ending:
        return cls(EndKind.CRASHED, why)

    def describe(self) -> str:
        return f"{self.kind.value}: {self.why}" if self.why else self.kind.value

    def to_json(self) -> dict:
        return {"kind": self.kind.value, "why": self.why}

    @classmethod
    def from_json(cls, data) -> Ending:
        try:
            return cls(EndKind(data["kind"]), str(data.get("why") or ""))
        except (KeyError, TypeError, ValueError):
            return cls.crashed("the test process sent an ending it does not know")


# --- what a job runs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """A piece of a master's test cell: its visible or its hidden part."""

    grade_id: str
    hidden: bool
    source: str


@dataclass(frozen=True)
class Program:
    """What grading runs: the notebook's cells ``(label, source)``, then the master's tests.

    ``cells`` run in the notebook's process (:mod:`.runner`); ``setup`` (the master's
    locked cells: imports and test helpers) and ``chunks`` run in the test process
    (:mod:`.tester`).
    """

    cells: tuple[tuple[str, str], ...]
    chunks: tuple[Chunk, ...]
    setup: tuple[tuple[str, str], ...] = ()

    def to_plain(self) -> dict:
        return {
            "cells": [list(cell) for cell in self.cells],
            "chunks": [[c.grade_id, c.hidden, c.source] for c in self.chunks],
            "setup": [list(cell) for cell in self.setup],
        }

    @classmethod
    def from_plain(cls, data: dict) -> Program:
        return cls(
            tuple((str(label), str(source)) for label, source in data["cells"]),
            tuple(Chunk(str(g), bool(h), str(source)) for g, h, source in data["chunks"]),
            tuple((str(label), str(source)) for label, source in data.get("setup", ())),
        )


# --- the notebook's limits: the only settings that cross into the sandbox ----------------------


@dataclass(frozen=True)
class Limits:
    """What the notebook's process must enforce on itself (plain data; crosses into the sandbox).

    The grader's own policy (sandbox or not, which host paths to hide) is not here: the
    sandbox is never told it (:class:`mmlcalc_grade.session.Policy`).
    """

    memory_mb: int = 2048  # RLIMIT_AS of each process, and (sandbox) their total PSS; 0 = none
    file_size_mb: int = 64  # RLIMIT_FSIZE; 0 = no limit
    disk_mb: int = 512  # (sandbox) working folder + /tmp + /dev/shm together; 0 = no limit
    processes: int = 64  # (sandbox) RLIMIT_NPROC in the sandbox's user namespace; 0 = none
    open_files: int = 256  # RLIMIT_NOFILE
    cpu_seconds: int = 0  # RLIMIT_CPU of each process; 0 = none
    output_limit: int = 100_000  # characters of stdout + stderr kept
    seed: int = 0

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict) -> Limits:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in data.items() if k in known})


# --- the messages ------------------------------------------------------------------------------


_KINDS: dict[str, type[Message]] = {}


@dataclass(frozen=True)
class Message:
    """Base of every message: ``to_json()`` adds the kind under ``"m"``."""

    KIND: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.KIND:
            _KINDS[cls.KIND] = cls

    def to_json(self) -> dict:
        data = {"m": self.KIND}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if value is not _ABSENT:
                data[name] = value
        return data

    @classmethod
    def from_json(cls, data: dict) -> Message:
        """Trusted messages (written by the grader's own code): fields as they are."""
        names = _field_names(cls)
        return cls(**{k: v for k, v in data.items() if k in names})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    """A message class's field names (``dataclasses.fields`` costs microseconds a call, and
    every call across processes sends two messages)."""
    return tuple(item.name for item in fields(kind))


class _Absent:
    def __repr__(self):
        return "ABSENT"


#: A field left out of the frame (a reply without ``value`` is not a reply whose value is None).
_ABSENT: Any = _Absent()
ABSENT = _ABSENT


def _text(value, limit: int = MAX_LABEL) -> str:
    return str(value)[:limit]


def _seconds(value) -> float:
    return float(value) if type(value) in (int, float) and value == value else 0.0


def error_record(value) -> dict | None:
    """An error record from a notebook (``type``, ``message`` and flags), cleaned; else None."""
    if not isinstance(value, dict):
        return None
    record = {
        "type": _text(value.get("type") or "Error", 100),
        "message": _text(value.get("message") or "", MAX_ERROR_TEXT),
    }
    for flag in ("timeout", "stop"):
        if value.get(flag) is True:
            record[flag] = True
    for token in ("yours", "mine"):
        if type(value.get(token)) is int:
            record[token] = value[token]
    return record


# from a notebook's process (untrusted: validated) -----------------------------------------------


@dataclass(frozen=True)
class CellRan(Message):
    """A cell of the notebook ran (``error``: its error record, or None)."""

    KIND: ClassVar[str] = "cell"
    label: str
    error: dict | None
    seconds: float

    @classmethod
    def from_json(cls, data: dict) -> CellRan:
        return cls(
            _text(data.get("label")), error_record(data.get("error")), _seconds(data.get("seconds"))
        )


@dataclass(frozen=True)
class TestsReady(Message):
    """The notebook's cells have all run: it now answers the tests' requests."""

    KIND: ClassVar[str] = "tests"

    @classmethod
    def from_json(cls, data: dict) -> TestsReady:
        return cls()


@dataclass(frozen=True)
class Request(Message):
    """Either side asks the other to act on one of its objects (``op`` on handle ``target``).

    ``timeout`` is the time the asking test has left (the notebook stops the call
    then); ``watch`` names modules whose first call ``expect_own_work`` wants to see.
    """

    KIND: ClassVar[str] = "request"
    op: str
    id: int
    target: int
    args: list
    kwargs: dict
    timeout: float | None = None
    watch: list | None = None

    @classmethod
    def from_json(cls, data: dict) -> Request:
        number, target = data.get("id"), data.get("target")
        args, kwargs = data.get("args"), data.get("kwargs")
        if type(number) is not int or type(target) is not int:
            raise ProtocolError("a request without a number or a target")
        if type(args) is not list or type(kwargs or {}) is not dict:
            raise ProtocolError("a request whose arguments are not data")
        timeout = data.get("timeout")
        timeout = float(timeout) if type(timeout) in (int, float) and timeout > 0 else None
        watch = data.get("watch")
        watch = [str(name)[:200] for name in watch] if type(watch) is list else None
        return cls(_text(data.get("op"), 40), number, target, args, kwargs or {}, timeout, watch)


@dataclass(frozen=True)
class Reply(Message):
    """The answer to request ``id``: a ``value`` or an ``error`` record.

    ``changed`` holds the arguments the callee changed in place (by position);
    ``called`` the first call into a watched module.
    """

    KIND: ClassVar[str] = "reply"
    id: int
    value: Any = _ABSENT
    error: dict | None = _ABSENT
    changed: dict | None = _ABSENT
    called: str | None = _ABSENT

    @classmethod
    def from_json(cls, data: dict) -> Reply:
        if type(data.get("id")) is not int:
            raise ProtocolError("a reply without a number")
        error = error_record(data["error"]) if "error" in data else _ABSENT
        if error is None:
            raise ProtocolError("a reply whose error is not a record")
        changed = data.get("changed", _ABSENT)
        if changed is not _ABSENT and type(changed) is not dict:
            raise ProtocolError("a reply whose changed arguments are not data")
        called = data.get("called", _ABSENT)
        if called is not _ABSENT:
            called = called[:200] if isinstance(called, str) else None
        return cls(data["id"], data.get("value", _ABSENT), error, changed, called)


# the worker server and its forked child (the server's own frames are marked CONTROL) ----------


@dataclass(frozen=True)
class ServerJob(Message):
    """Test process → worker server: run these cells (``program``) with these limits and files."""

    KIND: ClassVar[str] = "job"
    program: dict
    limits: dict
    files: list  # [relative path, base64 bytes]
    deadlines: dict  # Deadlines.to_json(): the notebook's and the cell's limits


@dataclass(frozen=True)
class ServerReady(Message):
    """The worker server has imported what notebooks need and waits for jobs."""

    KIND: ClassVar[str] = "ready"
    pid: int = 0
    sandboxed: bool = False


@dataclass(frozen=True)
class Started(Message):
    """The server's forked child → the server, before any learner code: the job's limits."""

    KIND: ClassVar[str] = "start"
    workdir: str
    timeout: float
    memory_mb: int
    disk_mb: int
    processes: int


@dataclass(frozen=True)
class JobEnd(Message):
    """The worker server: the notebook's process is gone (``reason`` if the server stopped it)."""

    KIND: ClassVar[str] = "end"
    reason: str | None = None  # "timeout", "memory", "disk", "processes", "garbage: ..."
    exit: int | None = None
    signal: str | None = None
    clean: bool = True  # every process of the job is gone: the server can take another job


# test process → grader (trusted: written by the grader's own code) -----------------------------


@dataclass(frozen=True)
class JobRequest:
    """Grader → test process: grade one notebook (not a framed kind: the only thing sent)."""

    program: dict
    limits: dict
    mode: str  # "learner" or "reference"
    files: list
    deadlines: dict  # Deadlines.to_json()
    folder: str | None = None

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict) -> JobRequest:
        return cls(**data)


@dataclass(frozen=True)
class Unavailable(Message):
    """The test process could not start its worker server (``why``)."""

    KIND: ClassVar[str] = "unavailable"
    why: str


@dataclass(frozen=True)
class SetupRan(Message):
    """A locked cell of the master ran in the test process."""

    KIND: ClassVar[str] = "setup"
    label: str
    error: dict | None


@dataclass(frozen=True)
class ChunkRan(Message):
    """Test part ``index`` of the master ran: its ``records`` (see :mod:`.tester`)."""

    KIND: ClassVar[str] = "chunk"
    index: int
    records: list
    error: dict | None
    seconds: float


@dataclass(frozen=True)
class JobResult(Message):
    """The job is over: how it ended, and the seconds the notebook's code and the tests took."""

    KIND: ClassVar[str] = "result"
    ending: dict
    code_seconds: float = 0.0


@dataclass(frozen=True)
class Reports:
    """What the grader keeps of one job: its reports and how it ended."""

    cells: list[CellRan] = field(default_factory=list)
    setup: list[SetupRan] = field(default_factory=list)
    chunks: dict[int, ChunkRan] = field(default_factory=dict)
    ending: Ending = field(default_factory=Ending.done)
    code_seconds: float = 0.0


def parse(data) -> Message:
    """The message a decoded frame holds; :class:`ProtocolError` if it holds none."""
    if not isinstance(data, dict):
        raise ProtocolError("a frame that is not a message")
    kind = _KINDS.get(data.get("m"))
    if kind is None:
        raise ProtocolError(f"a message of unknown kind {str(data.get('m'))[:40]!r}")
    try:
        return kind.from_json(data)
    except ProtocolError:
        raise
    except (TypeError, ValueError, KeyError) as error:
        raise ProtocolError(
            f"a {kind.KIND!r} message that does not fit its kind ({error})"
        ) from None
