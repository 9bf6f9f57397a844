"""Calls between the test process and the notebook's process: values as plain data, never code.

The master's tests run in a trusted **test process** (:mod:`mmlcalc_grade.tester`);
the learner's functions live in the **notebook's process** (:mod:`mmlcalc_grade.runner`),
usually in a sandbox. When a test calls ``secant_slope(wavy, x0, x1)``, the test
process sends a ``call`` request over a pipe and waits for the reply; when the
learner's function calls ``wavy``, a function of the test, the notebook's process
sends a ``call`` request the other way. Both sides are an :class:`Endpoint`, and
either may serve the other's requests while it waits for its own reply, so calls
nest to any depth.

What crosses is JSON (:func:`encode` / :func:`decode`): numbers, text, ``None``,
booleans, NumPy arrays and scalars, lists, tuples and dicts of those, and modules
by name. Anything else (functions, objects of the learner's classes) stays where
it is and crosses as a numbered handle, which the other side wraps in a
:class:`RemoteObject` (calling it, reading an attribute, indexing it, ``len`` and
``iter`` are requests in turn). Arguments are copies: after a call, an argument
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
import math
import re
import signal
import sys
import time
import types

import numpy as np

from . import protocol
from .deadlines import Deadlines

#: Most numbers one message may carry (arrays, lists): past it, an error from the tests'
#: side; from the notebook's side a big array crosses as a handle instead.
MAX_NUMBERS = 4_000_000
#: Nesting depth of lists, tuples and dicts sent as data; deeper ones cross as handles.
MAX_DEPTH = 24
#: Longest text of an error message sent across.
MAX_MESSAGE = 500
#: Modules that the test process rebuilds from their name (others stay remote).
TRUSTED_MODULES = (
    "numpy", "math", "cmath", "random", "statistics", "itertools", "functools",
    "collections", "operator", "warnings", "fractions", "decimal", "scipy", "mmlcalc",
)  # fmt: skip
#: Array element kinds sent as numbers or text; other arrays cross element by element.
_PLAIN_KINDS = "biufcU"
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


class Unsendable(Exception):
    """A value that cannot cross (too large)."""


def _exception_class(name: str, base: type) -> type:
    clean = re.sub(r"\W", "_", name or "Error")[:100] or "Error"
    if clean[0].isdigit():
        clean = "_" + clean
    return type(clean, (base,), {})


@contextlib.contextmanager
def alarm_held():
    """Hold ``SIGALRM`` (a time limit) back while a frame is read or written, then deliver it.

    Both sides use it so that a time limit never cuts a frame in half or loses a
    message between reading it and keeping it.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


# --- values ----------------------------------------------------------------------------------


class _Budget:
    def __init__(self):
        self.numbers = 0

    def take(self, count: int) -> None:
        self.numbers += count
        if self.numbers > MAX_NUMBERS:
            raise Unsendable(f"the value holds more than {MAX_NUMBERS:,} numbers")


def _encode_array(array: np.ndarray, endpoint, budget: _Budget, depth: int) -> dict:
    array = np.ndarray.view(array, np.ndarray)
    if not endpoint.trusted_side and budget.numbers + array.size > MAX_NUMBERS:
        return endpoint.export(array)  # a notebook's big array stays there, as a handle
    budget.take(int(array.size))
    shape = [int(n) for n in array.shape]
    if array.dtype.kind in _PLAIN_KINDS and array.dtype.fields is None:
        flat = np.ndarray.ravel(array)
        if array.dtype.kind == "c":
            data = [[float(v.real), float(v.imag)] for v in flat.tolist()]
        else:
            data = np.ndarray.tolist(flat)
        return {"$": "nd", "dtype": array.dtype.str, "shape": shape, "data": data}
    items = [encode(item, endpoint, budget, depth + 1) for item in array.ravel().tolist()]
    return {"$": "nd", "dtype": "object", "shape": shape, "items": items}


def encode(value, endpoint, budget: _Budget | None = None, depth: int = 0):
    """``value`` as JSON-able data; objects that are not data become handles of ``endpoint``."""
    budget = budget or _Budget()
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if value.bit_length() <= 64 else {"$": "int", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is complex:
        return {"$": "complex", "v": [value.real, value.imag]}
    for base in (bool, int, float, complex, str):  # a subclass crosses as its base type
        if isinstance(value, base) and not isinstance(value, np.generic):
            converted = {bool: bool, int: int.__index__, float: float.__float__}.get(base)
            if converted is not None:
                return encode(converted(value), endpoint, budget, depth)
            if base is str:
                return str.__str__(value)
            return encode(complex(complex.__complex__(value)), endpoint, budget, depth)
    if isinstance(value, RemoteObject) and value._endpoint is endpoint:
        return {"$": "yours", "id": value._id}
    if isinstance(value, np.ndarray):
        return _encode_array(value, endpoint, budget, depth)
    if isinstance(value, np.generic) and value.dtype.kind in _PLAIN_KINDS:
        return {"$": "np", "v": _encode_array(np.asarray(value), endpoint, budget, depth)}
    if depth < MAX_DEPTH:
        if isinstance(value, (list, tuple)):  # a named tuple too, as a plain tuple
            items = list(list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))
            budget.take(len(items))
            items = [encode(item, endpoint, budget, depth + 1) for item in items]
            return items if isinstance(value, list) else {"$": "tuple", "items": items}
        if isinstance(value, dict):
            pairs = list(dict.items(value))
            budget.take(len(pairs))
            pairs = [
                [encode(k, endpoint, budget, depth + 1), encode(v, endpoint, budget, depth + 1)]
                for k, v in pairs
            ]
            return {"$": "dict", "items": pairs}
        if kind is range:
            return {"$": "range", "v": [value.start, value.stop, value.step]}
    if isinstance(value, types.ModuleType) and isinstance(getattr(value, "__name__", None), str):
        return {"$": "module", "name": value.__name__}
    return endpoint.export(value)


def decode(data, endpoint, depth: int = 0):
    """Rebuild a value sent by the other side (plain data only; handles become proxies)."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if depth > MAX_DEPTH + 2:
        raise PeerLost("a value nested too deeply")
    if type(data) is list:
        return [decode(item, endpoint, depth + 1) for item in data]
    if type(data) is not dict:
        raise PeerLost("a value that is not data")
    tag = data.get("$")
    if tag == "nd":
        return _decode_array(data, endpoint, depth)
    if tag == "np":
        return _decode_array(data.get("v"), endpoint, depth)[()]
    if tag == "tuple":
        return tuple(decode(item, endpoint, depth + 1) for item in _list(data.get("items")))
    if tag == "dict":
        out = {}
        for pair in _list(data.get("items")):
            if len(_list(pair)) != 2:
                raise PeerLost("a dict entry that is not a pair")
            key = decode(pair[0], endpoint, depth + 1)
            try:
                out[key] = decode(pair[1], endpoint, depth + 1)
            except TypeError:  # an unhashable key
                raise PeerLost("a dict with an unhashable key") from None
        return out
    if tag == "int":
        return int(str(data.get("v"))[:5000])
    if tag == "float":
        return float(str(data.get("v"))[:10])
    if tag == "complex":
        re_, im = _list(data.get("v"))[:2]
        return complex(float(re_), float(im))
    if tag == "range":
        return range(*[int(n) for n in _list(data.get("v"))[:3]])
    if tag == "module":
        return endpoint.module(str(data.get("name", "")))
    if tag == "obj":
        return remote_object(endpoint, data)
    if tag == "yours":
        return endpoint.own(data.get("id"))
    raise PeerLost(f"a value of unknown kind {str(tag)[:40]!r}")


def _list(value) -> list:
    if type(value) is not list:
        raise PeerLost("a value that is not data")
    return value


def _decode_array(data, endpoint, depth: int) -> np.ndarray:
    if type(data) is not dict:
        raise PeerLost("an array that is not data")
    try:
        shape = tuple(int(n) for n in _list(data.get("shape")))
        if len(shape) > 32 or any(n < 0 for n in shape):
            raise ValueError
        dtype = str(data.get("dtype"))
        if dtype == "object":
            items = [decode(item, endpoint, depth + 1) for item in _list(data.get("items"))]
            array = np.empty(len(items), dtype=object)
            array[:] = items if items else array
            return array.reshape(shape)
        dtype = np.dtype(dtype)
        if dtype.kind not in _PLAIN_KINDS or dtype.fields is not None:
            raise ValueError
        flat = _list(data.get("data"))
        if dtype.kind == "c":
            flat = [complex(float(a), float(b)) for a, b in flat]
        return np.array(flat, dtype=dtype).reshape(shape)
    except PeerLost:
        raise
    except Exception:  # a shape that does not fit the data, an unknown dtype...
        raise PeerLost("an array that does not fit its own description") from None


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


class RemoteObject:
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

    # objects
    def export(self, value) -> dict:
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
            args=[encode(a, self) for a in args],
            kwargs={str(k): encode(v, self) for k, v in kwargs.items()},
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
                    write_back(args[int(index)], decode(data, self))
        if reply.error is not protocol.ABSENT:
            raise self.rebuild(reply.error)
        if reply.value is protocol.ABSENT:
            raise PeerLost("a reply without a value")
        return decode(reply.value, self)

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
            args = [decode(a, self) for a in message.args]
            kwargs = {str(k): decode(v, self) for k, v in message.kwargs.items()}
            op = message.op
            if op == "call":
                value, watched = self.call(message, target, args, kwargs)
                if message.watch:
                    called = watched
                for index, arg in enumerate(args):
                    if isinstance(arg, (np.ndarray, list, dict)):
                        now = encode(arg, self)
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
                message.id, value=encode(value, self), changed=changed or protocol.ABSENT,
                called=called,
            )  # fmt: skip
        except PeerLost:
            raise
        except Unsendable as error:
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
