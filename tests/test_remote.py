"""The calls between the test process and the notebook's process (mmlcalc_grade.remote).

Two endpoints talk over queues here, each message passing through JSON as on the
real pipes: the "tests" side in the main thread (as in the test process), the
"notebook" side serving in a thread of its own.
"""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import threading
import time
from collections import namedtuple

import numpy as np
import pytest

from mmlcalc_grade import protocol, remote, values
from mmlcalc_grade.deadlines import Deadlines
from mmlcalc_grade.tester import free_names

#: The time limits of the tests' side in these tests (a call's own limit comes from ``deadline``).
DEADLINES = Deadlines(notebook=300, cell=30)


class StopServing(BaseException):
    pass


class QueueTransport:
    def __init__(self, inbox: queue.Queue, outbox: queue.Queue):
        self.inbox, self.outbox = inbox, outbox

    def send(self, message):
        data = message if isinstance(message, dict) else message.to_json()
        self.outbox.put(json.loads(json.dumps(data, allow_nan=True)))

    def processed(self):
        pass

    def receive(self, limit):
        timeout = None if limit is None else max(0.0, limit - time.monotonic())
        try:
            data = self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None
        return data if data.get("m") == "stop" else protocol.parse(data)


class Pair:
    """A tests side and a notebook side; ``notebook(name)`` is a proxy for a notebook object."""

    def __init__(self, **exported):
        to_notebook, to_tests = queue.Queue(), queue.Queue()
        self.tests = remote.TestSide(QueueTransport(to_tests, to_notebook), DEADLINES)
        self.notebook = remote.Endpoint(
            QueueTransport(to_notebook, to_tests), "test process", self._stop
        )
        self.handles = {name: self.notebook.export(value) for name, value in exported.items()}
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _stop(self, message):
        if isinstance(message, dict) and message.get("m") == "stop":
            self.stopped = True
            raise StopServing

    def _serve(self):
        with contextlib.suppress(StopServing):
            while not self.stopped:  # (a serve that caught StopServing returns here)
                message = self.notebook.transport.receive(None)
                if isinstance(message, protocol.Request):
                    self.notebook.serve(message)
                else:
                    self._stop(message)

    def __call__(self, name):
        return remote.remote_object(self.tests, self.handles[name])

    def close(self):
        self.tests.transport.send({"m": "stop"})
        self.thread.join(5)


@pytest.fixture
def pair():
    made = []

    def make(**exported):
        made.append(Pair(**exported))
        return made[-1]

    yield make
    for each in made:
        each.close()


def crossed(value):
    """``value`` sent from the notebook's side and rebuilt on the tests' side."""
    sender = remote.Endpoint(None, "test process")
    receiver = remote.TestSide(None, DEADLINES)
    wire = json.loads(json.dumps(values.encode(value, sender), allow_nan=True))
    return receiver.decode(wire)


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None, True, 0, -7, 2**80, 2.5, float("inf"), float("nan"), 1 + 2j, "text",
        np.float32(1.5), np.int64(-3), np.bool_(True),
        np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int32),
        np.array([True, False]), np.array([1 + 1j, 2]), np.array(["ab", "c"]),
        np.zeros((0, 3)), np.array(7.0),
        [1, [2.0, "x"]], (1, (2, 3)), {"a": 1, 2: [3.0]}, range(2, 9, 3),
    ],
)  # fmt: skip
def test_data_crosses_as_an_equal_value_of_the_same_type(value):
    rebuilt = crossed(value)
    assert type(rebuilt) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert rebuilt.dtype == value.dtype and rebuilt.shape == value.shape
        assert np.array_equal(rebuilt, value, equal_nan=value.dtype.kind == "f")
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(rebuilt)
    else:
        assert rebuilt == value


def test_subclasses_cross_as_their_base_type_and_objects_as_handles():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    class Thing:
        pass

    Point = namedtuple("Point", "x y")
    assert type(crossed(AlwaysEqual(2.0))) is float and crossed(AlwaysEqual(2.0)) == 2.0
    assert type(crossed(Point(1, 2))) is tuple and crossed(Point(1, 2)) == (1, 2)
    assert type(crossed(np.arange(3).view(np.matrix))) is np.ndarray
    handle = crossed(Thing())
    assert isinstance(handle, remote.RemoteObject) and not callable(handle)
    assert "Thing object of the notebook" in repr(handle)
    function = crossed(lambda x: x)
    assert isinstance(function, remote.RemoteFunction) and callable(function)
    assert crossed(np) is np  # a module the tests trust is rebuilt by name
    assert isinstance(crossed(json), remote.RemoteObject)  # others stay remote


@pytest.mark.parametrize(
    "wire, why",
    [
        ({"$": "nd", "dtype": "float64", "shape": [3], "data": [1.0]}, "does not fit"),
        ({"$": "nd", "dtype": "V8", "shape": [1], "data": [1]}, "does not fit"),
        ({"$": "nd", "dtype": "float64", "shape": [-1], "data": []}, "does not fit"),
        ({"$": "pickle", "v": "gASV"}, "unknown kind"),
        ({"no": "tag"}, "unknown kind"),
        ({"$": "yours", "id": 5}, "does not exist"),
        ({"$": "dict", "items": [[[1], 2]]}, "unhashable"),
    ],
)
def test_what_is_not_data_is_refused(wire, why):
    with pytest.raises(remote.PeerLost, match=why):
        remote.TestSide(None, DEADLINES).decode(wire)


def test_a_value_too_large_to_send_stays_where_it_is(pair, monkeypatch):
    monkeypatch.setattr(values, "MAX_NUMBERS", 1000)
    p = pair(big=lambda: np.zeros(5000), many=lambda: [0.0] * 5000, length=len)
    big = p("big")()  # the notebook's big array: a handle (a test reading it does not fail)
    assert isinstance(big, remote.RemoteObject) and len(big) == 5000
    with pytest.raises(ValueError, match="too large to send"):
        p("many")()  # a list that large: an error of the call
    with pytest.raises(values.Unsendable):
        p("length")(np.zeros(5000))  # the tests' own arguments are never cut short


def test_free_names_are_every_name_the_code_reads():
    source = "got = f(x)\ndef check(v):\n    return g(v) + got\nfor k in range(n): pass"
    assert free_names(source) == {"f", "x", "g", "v", "got", "range", "n"}
    assert free_names("def broken(:") == set()


# --- calls ----------------------------------------------------------------------------------


def test_calls_cross_both_ways_and_nest(pair):
    def slope(f, x0, x1):
        return (f(x1) - f(x0)) / (x1 - x0)

    def twice(g, x):
        return g(g(x))

    p = pair(slope=slope, twice=twice)
    assert p("slope")(lambda x: x**2, 1.0, 3.0) == 4.0  # the lambda is called back
    got = p("slope")(np.sin, np.zeros(3), np.ones(3))
    assert np.allclose(got, np.sin(1.0))
    # a test function that itself calls the notebook: three levels deep
    assert p("twice")(lambda x: p("twice")(lambda y: y + 1, x), 0) == 4


def test_a_returned_function_and_an_object_work_through_their_handles(pair):
    class Model:
        def __init__(self):
            self.weights = np.array([1.0, 2.0])

        def __len__(self):
            return 2

        def __iter__(self):
            return iter([10, 20])

        def __getitem__(self, i):
            return self.weights[i] * 100

    def chain_rule(df, g, dg):
        return lambda x: df(g(x)) * dg(x)

    p = pair(chain_rule=chain_rule, model=Model())
    built = p("chain_rule")(np.cos, lambda x: x**2, lambda x: 2 * x)
    assert callable(built) and np.isclose(built(0.5), np.cos(0.25) * 1.0)
    model = p("model")
    assert np.array_equal(model.weights, [1.0, 2.0])
    assert len(model) == 2 and list(model) == [10, 20] and model[1] == 200.0
    with pytest.raises(AttributeError):
        model.missing  # noqa: B018 (the attribute access is the test)
    with pytest.raises(AttributeError):
        model.weights = None


def test_changes_made_in_place_to_arguments_are_written_back(pair):
    def in_place(weights, biases):
        for w in weights:
            w -= 1.0
        biases.append(5)

    p = pair(in_place=in_place)
    weights = [np.ones(2), np.ones((2, 2))]
    first = weights[0]
    biases = [1]
    assert p("in_place")(weights, biases) is None
    assert weights[0] is first and np.array_equal(first, [0.0, 0.0])
    assert np.array_equal(weights[1], np.zeros((2, 2))) and biases == [1, 5]


def test_exceptions_keep_their_type_and_message_across(pair):
    class Oops(Exception):
        pass

    class Stop(BaseException):
        pass

    def fails(kind):
        if kind == "value":
            raise ValueError("bad shape (3,)")
        if kind == "linalg":
            return np.linalg.inv(np.zeros((2, 2)))
        raise Oops("mine\nsecond line")

    def calls_back(f):
        return f()

    p = pair(fails=fails, calls_back=calls_back)
    with pytest.raises(ValueError, match=r"bad shape \(3,\)"):
        p("fails")("value")
    with pytest.raises(np.linalg.LinAlgError):
        p("fails")("linalg")
    with pytest.raises(remote.RemoteError) as caught:
        p("fails")("other")
    assert type(caught.value).__name__ == "Oops" and str(caught.value) == "mine"
    stop = Stop("the budget")

    def raises_stop():
        raise stop

    with pytest.raises(Stop) as caught:  # the tests' own exception, through the notebook
        p("calls_back")(raises_stop)
    assert caught.value is stop


def test_a_call_the_tests_stopped_waiting_for_is_settled_before_the_next(pair):
    class OutOfTime(BaseException):
        pass

    def slow(seconds):
        time.sleep(seconds)
        return seconds

    def alarm(signum, frame):
        raise OutOfTime

    p = pair(slow=slow)
    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        with pytest.raises(OutOfTime):
            p("slow")(0.4)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert p.tests.abandoned  # its reply is still to come
    assert p("slow")(0.0) == 0.0  # not the late reply of the first call
    assert not p.tests.abandoned


def test_a_call_carries_the_time_left_and_a_silent_notebook_is_lost(pair):
    p = pair(slow=lambda: time.sleep(1.0))
    p.tests.deadline = time.monotonic() + 0.2
    p.tests.deadlines = Deadlines(notebook=300, cell=30, grace=0.1)
    with pytest.raises(remote.PeerLost, match="did not answer in time") as lost:
        p("slow")()
    assert lost.value.timed_out


def test_the_notebook_may_call_the_tests_functions_but_not_look_inside_them(pair):
    def peeks(f):
        return f.__code__  # an attribute of the test's function: refused at once

    def asks(f):
        return f.anything  # a request to read an attribute: the tests' side refuses it

    p = pair(peeks=peeks, asks=asks)
    secret = 12.5

    def hidden(x):
        return x * secret

    with pytest.raises(AttributeError):
        p("peeks")(hidden)
    with pytest.raises(remote.PeerLost, match="read a test's object"):
        p("asks")(hidden)


def test_the_tests_side_never_imports_a_module_the_notebook_names(monkeypatch):
    """Decoding runs no import-time code in the trusted process: only modules already
    imported there (of a trusted package) are rebuilt; any other name stays remote."""
    import sys

    tests_side = remote.TestSide(None, DEADLINES)
    name = "mmlcalc.data"  # a trusted package's module, not imported here (for this test)
    monkeypatch.delitem(sys.modules, name, raising=False)
    value = tests_side.decode({"$": "module", "name": name})
    assert isinstance(value, remote.RemoteObject) and name not in sys.modules
    value = tests_side.decode({"$": "module", "name": "mmlcalc_grade.__main__"})
    assert isinstance(value, remote.RemoteObject)  # not trusted, and never run
    assert tests_side.decode({"$": "module", "name": "numpy"}) is np


def test_a_module_with_import_side_effects_named_by_the_notebook_is_not_run(capsys, monkeypatch):
    """``this`` prints the Zen of Python when first imported: trusted by name here, it still
    must not be imported on the notebook's word."""
    import sys

    monkeypatch.setattr(remote, "TRUSTED_MODULES", (*remote.TRUSTED_MODULES, "this"))
    monkeypatch.delitem(sys.modules, "this", raising=False)
    value = remote.TestSide(None, DEADLINES).decode({"$": "module", "name": "this"})
    assert isinstance(value, remote.RemoteObject)
    assert "this" not in sys.modules and capsys.readouterr().out == ""
