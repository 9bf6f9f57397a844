"""Calls between the test process and the notebook's process: values as plain data, never code.

The master's tests run in a trusted **test process** (:mod:`mmlcalc_grade.tester`);
the learner's functions live in the **notebook's process** (:mod:`mmlcalc_grade.runner`),
usually in a sandbox. When a test calls ``secant_slope(wavy, x0, x1)``, the test
process sends a ``call`` request over a pipe and waits for the reply; when the
learner's function calls ``wavy``, a function of the test, the notebook's process
sends a ``call`` request the other way. Both sides are an :class:`Endpoint`, and
either may serve the other's requests while it waits for its own reply, so calls
nest to any depth.

What crosses is JSON in the grader's one value encoding (:mod:`mmlcalc_grade.values`,
which the check records use too): numbers, text, ``None``, booleans, NumPy arrays
and scalars, lists, tuples and dicts of those, and modules by name. Anything else
(functions, objects of the learner's classes) stays where it is and crosses as a
numbered handle (:meth:`Endpoint.export`), which the other side wraps in a
:class:`RemoteObject` (calling it, reading an attribute, indexing it, ``len`` and
``iter`` are requests in turn); data that is not a value ends the conversation
(:class:`PeerLost`). Arguments are copies: after a call, an argument
that the callee changed in place (an array, a list) is sent back and written into
the caller's object, so ``W -= ...`` inside a learner's function is still seen.

So the test's code, its hidden inputs' origin and its expected values never enter
the notebook's process: only the arguments of each call do. The test process
never runs the learner's code and decodes nothing but JSON.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import re
import signal
import sys
import time

import numpy as np

from . import protocol, values
from .deadlines import Deadlines

#: Longest text of an error message sent across.
MAX_MESSAGE = 500
#: Modules that the test process rebuilds from their name (others stay remote).
TRUSTED_MODULES = (
    "numpy", "math", "cmath", "random", "statistics", "itertools", "functools",
    "collections", "operator", "warnings", "fractions", "decimal", "scipy", "mmlcalc",
)  # fmt: skip
#: Exceptions rebuilt as themselves on the other side (so that ``except ValueError`` works).
_SAFE_EXCEPTIONS = {
    name: value
    for name, value in vars(builtins).items()
    if isinstance(value, type)
    and issubclass(value, Exception)
    and not issubclass(value, (OSError, Warning, ImportError, SyntaxError, UnicodeError))
    and name not in ("ExceptionGroup", "BaseExceptionGroup")
}
_SAFE_EXCEPTIONS["LinAlgError"] = np.linalg.LinAlgError


class RemoteError(Exception):
    """Base class of an exception raised on the other side whose type is not rebuilt there."""


class RemoteStop(BaseException):
    """Base class of a ``BaseException`` of the other side (not caught by ``except Exception``)."""


class CallTimeout(BaseException):
    """A call ran past the time limit of the test that made it (the other side said so)."""


class PeerLost(BaseException):
    """The other side stopped answering, or sent something that is not a message."""

    def __init__(self, why: str, end: protocol.JobEnd | None = None, timed_out: bool = False):
        super().__init__(why)
        self.end = end  # the worker server's end of the job, when that is what happened
        self.timed_out = timed_out  # the other side did not answer within a call's limit


def _exception_class(name: str, base: type) -> type:
    clean = re.sub(r"\W", "_", name or "Error")[:100] or "Error"
    if clean[0].isdigit():
        clean = "_" + clean
    return type(clean, (base,), {})


try:  # CPython's own function: signal.pthread_sigmask wraps it to turn the previous mask
    # into a set of enum members on every call (µs each, several times per call across)
    from _signal import pthread_sigmask as _SIGMASK
except ImportError:  # pragma: no cover (another Python)
    _SIGMASK = signal.pthread_sigmask
_ALARM = (signal.SIGALRM,)


class _AlarmHeld:
    """The context manager of :func:`alarm_held` (a class: cheaper than a generator's)."""

    __slots__ = ()

    def __enter__(self):
        _SIGMASK(signal.SIG_BLOCK, _ALARM)

    def __exit__(self, *exc):
        _SIGMASK(signal.SIG_UNBLOCK, _ALARM)
        return False


_ALARM_HELD = _AlarmHeld()


def alarm_held() -> _AlarmHeld:
    """Hold ``SIGALRM`` (a time limit) back while a frame is read or written, then deliver it.

    Both sides use it so that a time limit never cuts a frame in half or loses a
    message between reading it and keeping it.
    """
    return _ALARM_HELD


# --- arguments changed in place -----------------------------------------------------------------


def write_back(original, changed) -> None:
    """Copy what a callee changed in its copy of an argument into the caller's object."""
    if isinstance(original, np.ndarray) and isinstance(changed, np.ndarray):
        if original.shape == changed.shape and original.flags.writeable:
            with contextlib.suppress(TypeError, ValueError):
                np.copyto(original, changed, casting="unsafe")
    elif type(original) is list and type(changed) is list:
        if len(original) == len(changed):
            for index, (old, new) in enumerate(zip(original, changed, strict=True)):
                if isinstance(old, (np.ndarray, list, dict)) and type(old) is type(new):
                    write_back(old, new)
                else:
                    original[index] = new
        else:
            original[:] = changed
    elif type(original) is dict and type(changed) is dict:
        for key in set(original) - set(changed):
            del original[key]
        for key, new in changed.items():
            old = original.get(key)
            if isinstance(old, (np.ndarray, list, dict)) and type(old) is type(new):
                write_back(old, new)
            else:
                original[key] = new


# --- the other side's objects -------------------------------------------------------------------


class RemoteObject(values.Proxy):
    """An object that lives on the other side, e.g. an object of the learner's class.

    Reading an attribute, indexing it, ``len`` and ``iter`` are requests (calling
    it too, for a :class:`RemoteFunction`);
    its ``repr`` is local (``<secant_slope: a function of the notebook>``).
    """

    __slots__ = ("__name__", "_callable", "_endpoint", "_id", "_type")

    def __init__(self, endpoint, data: dict):
        object.__setattr__(self, "_endpoint", endpoint)
        object.__setattr__(self, "_id", data.get("id"))
        object.__setattr__(self, "_callable", bool(data.get("callable")))
        object.__setattr__(self, "__name__", str(data.get("name") or "object")[:100])
        object.__setattr__(self, "_type", str(data.get("type") or "object")[:100])

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # NumPy and copy probe these: no request
        return self._endpoint.request("getattr", self, (name,), {})

    def __getitem__(self, key):
        return self._endpoint.request("getitem", self, (key,), {})

    def __len__(self):
        return self._endpoint.request("len", self, (), {})

    def __iter__(self):
        return iter(self._endpoint.request("iter", self, (), {}))

    def __setattr__(self, name, value):
        raise AttributeError("an object of the other process cannot be changed from here")

    def __repr__(self):
        what = "function" if self._callable else f"{self._type} object"
        return f"<{self.__name__}: a {what} of the {self._endpoint.peer}>"


class RemoteFunction(RemoteObject):
    """A callable of the other side: calling it is a request."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self._endpoint.request("call", self, args, kwargs)


def remote_object(endpoint, data: dict) -> RemoteObject:
    """The proxy for a handle: a :class:`RemoteFunction` if the object is callable."""
    return (RemoteFunction if data.get("callable") else RemoteObject)(endpoint, data)


# --- one side of the conversation ----------------------------------------------------------------


class Endpoint:
    """One side: its exported objects, and requests to the other side.

    ``transport`` has ``send(message)`` (a :mod:`.protocol` message), ``receive(limit)``
    (the next message, or None at the monotonic time ``limit``; raising
    :class:`PeerLost` when the other side is gone; the same message again until
    ``processed()`` is called). ``on_other(message)`` is given every message that is
    neither a request nor a reply (the notebook's cell reports).

    The two sides differ where trust differs: :class:`TestSide` (the trusted test
    process) bounds every call by the time its test has left and lets the notebook
    only *call* the tests' objects; the notebook's side (``runner``) serves requests
    under the limit each carries and watches calls for ``expect_own_work``.
    """

    #: True on the test process's side: arrays always cross as data, modules are looked up
    #: among those already imported, and the other side may only call our objects.
    trusted_side = False

    def __init__(self, transport, peer: str, on_other=None):
        self.transport = transport
        self.peer = peer  # "notebook" or "test process": for messages
        self.on_other = on_other or (lambda message: None)
        self.exports: list = []
        self.exported_ids: dict[int, int] = {}
        self.next_id = 0
        self.raised: dict[int, BaseException] = {}  # our exceptions, by token
        self.watch: tuple[str, ...] | None = None  # modules watched by expect_own_work
        self.called: str | None = None  # the first call into them found

    # values (see :mod:`.values`: this side is their exporter and importer)
    def decode(self, data):
        """Rebuild a value the other side sent (:class:`PeerLost` if it is not data)."""
        try:
            return values.decode(data, self)
        except values.NotData as error:
            raise PeerLost(str(error)) from None

    def export(self, value) -> dict:
        """A handle for an object that is not data (the other side gets a proxy)."""
        if isinstance(value, RemoteObject) and value._endpoint is self:
            return {"$": "yours", "id": value._id}  # one of the other side's own objects
        key = id(value)
        if key not in self.exported_ids:
            self.exported_ids[key] = len(self.exports)
            self.exports.append(value)
        name = getattr(value, "__name__", None) if callable(value) else None
        return {
            "$": "obj",
            "id": self.exported_ids[key],
            "callable": callable(value),
            "name": name if isinstance(name, str) else None,
            "type": type(value).__name__,
        }

    def too_large(self, value, why: str):
        """A value past the encoding's bounds: an error, or from the notebook's side a big
        array that stays there, as a handle."""
        if not self.trusted_side and isinstance(value, np.ndarray):
            return self.export(value)
        raise values.Unsendable(why)

    def proxy(self, data: dict) -> RemoteObject:
        return remote_object(self, data)

    def own(self, handle):
        if type(handle) is not int or not 0 <= handle < len(self.exports):
            raise PeerLost("a handle to an object that does not exist")
        return self.exports[handle]

    def module(self, name: str):
        """A module the other side named: imported here (the notebook's side)."""
        with contextlib.suppress(Exception):
            return importlib.import_module(name)
        return RemoteObject(self, {"id": -1, "name": name, "type": "module"})

    # requests
    def call_limit(self) -> float | None:
        """The time limit sent with a request (None: the other side sets none)."""
        return None

    def request(self, op: str, target, args, kwargs):
        """Send one request about ``target`` (a :class:`RemoteObject`) and wait for its reply."""
        self.next_id += 1
        number = self.next_id
        timeout = self.call_limit()
        message = protocol.Request(
            op=op,
            id=number,
            target=target._id,
            args=[values.encode(a, self) for a in args],
            kwargs={str(k): values.encode(v, self) for k, v in kwargs.items()},
            timeout=timeout,
            watch=list(self.watch) if self.watch else None,
        )
        self.transport.send(message)
        return self._result(self.wait_for(number, timeout), args)

    def wait_for(self, number: int, timeout: float | None) -> protocol.Reply:
        return self._wait(number, None)

    def _wait(self, number: int, limit: float | None) -> protocol.Reply:
        """The reply to request ``number``, serving the other side's requests meanwhile.

        A time limit may strike (as an exception) between any two steps here. The
        transport keeps the message it handed out until it is marked processed, so an
        interrupted message is dealt with on the next call, not lost. A request is
        marked as it is served (serving may wait in turn): one cut off in the few steps
        between is the rare loss, which the notebook's own time limit then ends.
        """
        while True:
            message = self.transport.receive(limit)
            if message is None:
                raise PeerLost(f"the {self.peer} did not answer in time", timed_out=True)
            if isinstance(message, protocol.Reply):
                self.replied(message.id)
                if message.id == number:
                    self.transport.processed()
                    return message
            elif isinstance(message, protocol.Request):
                self.transport.processed()  # before serving: serving waits in turn
                self.serve(message)
                continue
            else:
                self.on_other(message)
            self.transport.processed()

    def replied(self, number: int) -> None:
        """A reply to request ``number`` came (the test side forgets it as abandoned)."""

    def _result(self, reply: protocol.Reply, args):
        if self.watch and isinstance(reply.called, str) and self.called is None:
            self.called = reply.called
        if isinstance(reply.changed, dict):
            for index, data in reply.changed.items():
                with contextlib.suppress(ValueError, IndexError):
                    write_back(args[int(index)], self.decode(data))
        if reply.error is not protocol.ABSENT:
            raise self.rebuild(reply.error)
        if reply.value is protocol.ABSENT:
            raise PeerLost("a reply without a value")
        return self.decode(reply.value)

    def rebuild(self, error: dict) -> BaseException:
        """The exception that ``error`` (sent by the other side) describes."""
        yours, theirs = error.get("yours"), error.get("mine")
        if type(yours) is int and yours in self.raised:
            return self.raised[yours]
        name = str(error.get("type") or "Error")[:100]
        message = str(error.get("message") or "")[:MAX_MESSAGE]
        if name == "Timeout" and error.get("timeout"):
            return CallTimeout(message)
        if name in _SAFE_EXCEPTIONS:
            rebuilt = _SAFE_EXCEPTIONS[name](message)
        else:
            base = RemoteStop if error.get("stop") else RemoteError
            rebuilt = _exception_class(name, base)(message)
        if type(theirs) is int:
            rebuilt._mmlcalc_token = theirs  # if it comes back to them, they know it again
        return rebuilt

    def describe_error(self, error: BaseException) -> dict:
        """What crosses of an exception of ours: type, first line, and a token to rebuild it."""
        self.next_id += 1
        token = self.next_id
        self.raised[token] = error
        record = {
            "type": type(error).__name__[:100],
            "message": first_line(error, MAX_MESSAGE),
            "stop": not isinstance(error, Exception),
        }
        theirs = getattr(error, "_mmlcalc_token", None)
        if type(theirs) is int:
            record["yours"] = theirs  # an exception of theirs, passed through our code
        else:
            record["mine"] = token
        return record

    # serving the other side's requests
    def check_request(self, message: protocol.Request) -> None:
        """Refuse a request this side does not serve (raise :class:`PeerLost`)."""

    def call(self, message: protocol.Request, target, args, kwargs):
        """Call ``target``; ``(value, the first call into a watched module or None)``."""
        return target(*args, **kwargs), None

    def serve(self, message: protocol.Request) -> None:
        changed: dict = {}
        called = protocol.ABSENT
        try:
            self.check_request(message)
            target = self.own(message.target)
            args = [self.decode(a) for a in message.args]
            kwargs = {str(k): self.decode(v) for k, v in message.kwargs.items()}
            op = message.op
            if op == "call":
                value, watched = self.call(message, target, args, kwargs)
                if message.watch:
                    called = watched
                for index, arg in enumerate(args):
                    if isinstance(arg, (np.ndarray, list, dict)):
                        now = values.encode(arg, self)
                        if now != message.args[index]:
                            changed[str(index)] = now
            elif op == "getattr":
                value = getattr(target, str(args[0]))
            elif op == "getitem":
                value = target[args[0]]
            elif op == "len":
                value = len(target)
            elif op == "iter":
                value = list(target)
            else:
                raise PeerLost(f"an unknown request {op!r}")
            reply = protocol.Reply(
                message.id, value=values.encode(value, self), changed=changed or protocol.ABSENT,
                called=called,
            )  # fmt: skip
        except PeerLost:
            raise
        except values.Unsendable as error:
            reply = protocol.Reply(
                message.id, error={"type": "ValueError", "message": f"{error}: too large to send"}
            )
        except BaseException as error:  # the callee's own exception (or ours): send it across
            reply = protocol.Reply(message.id, error=self.error_record(error), called=called)
        self.transport.send(reply)

    def error_record(self, error: BaseException) -> dict:
        return self.describe_error(error)


class TestSide(Endpoint):
    """The test process's end (trusted): calls bounded by the test's time, objects only callable."""

    __test__ = False  # not a pytest class
    trusted_side = True

    def __init__(self, transport, deadlines: Deadlines, on_other=None):
        super().__init__(transport, "notebook", on_other)
        self.deadlines = deadlines
        self.deadline: float | None = None  # monotonic time the current test part must end by
        self.abandoned: dict[int, float] = {}  # calls we stopped waiting for: until when
        self.last_replied = 0  # the last request whose reply came

    def module(self, name: str):
        """A module named by the notebook: only one already imported here, of a trusted package.

        Nothing is imported on the notebook's word: decoding a value must never run a
        module's import-time code in the trusted process.
        """
        module = sys.modules.get(name)
        if module is not None and name.split(".")[0] in TRUSTED_MODULES:
            return module
        return RemoteObject(self, {"id": -1, "name": name, "type": "module"})

    def call_limit(self) -> float | None:
        if self.deadline is None:
            return None
        alarm = signal.getitimer(signal.ITIMER_REAL)[0]
        return self.deadlines.call_limit(self.deadline - time.monotonic(), alarm)

    def request(self, op: str, target, args, kwargs):
        self._settle()
        return super().request(op, target, args, kwargs)

    def wait_for(self, number: int, timeout: float | None) -> protocol.Reply:
        limit = None if timeout is None else time.monotonic() + timeout + self.deadlines.grace
        try:
            return self._wait(number, limit)
        except PeerLost:
            raise
        except BaseException:  # our own alarm while waiting: the reply comes later
            if self.last_replied != number:
                until = limit if limit is not None else time.monotonic() + self.deadlines.abandoned
                self.abandoned[number] = until
            raise

    def replied(self, number: int) -> None:
        self.abandoned.pop(number, None)
        self.last_replied = number

    def _settle(self) -> None:
        """Wait until calls we stopped waiting for have ended on the notebook's side.

        The notebook's process does one thing at a time: a new call sent while it still
        runs the old one would be served inside it, under the old one's time limit.
        """
        while self.abandoned:
            number = min(self.abandoned)
            self._wait(number, self.abandoned[number])

    def check_request(self, message: protocol.Request) -> None:
        if message.op != "call":
            # the tests' objects may only be called: an attribute could lead anywhere
            # (a function's __globals__ are the tests' namespace)
            raise PeerLost(f"a request to read a test's object ({message.op})")


def first_line(error: BaseException, limit: int) -> str:
    """The first line of an exception's text (never a traceback), at most ``limit`` characters.

    >>> first_line(ValueError("shapes differ\\nmore"), 100)
    'shapes differ'
    """
    try:
        text = str(error).strip()
        return text.splitlines()[0][:limit] if text else ""
    except BaseException:  # a learner's exception whose __str__ raises
        return ""
