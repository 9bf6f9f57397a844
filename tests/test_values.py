"""The one value encoding (mmlcalc_grade.values), as the check records use it (issue 15).

The test process writes each check's values with ``values.record``; the grader rebuilds
them with ``values.rebuild`` and calls the real ``mmlcalc.checks`` helpers on them, as
stock nbgrader calls them on the real values in the learner's kernel. A record is
faithful (the same value, of the same type) or an opaque stand-in that equals nothing
else, so the two graders agree (issue 18); a hostile record is an opaque object, never
an exception and never an import. (The same encoding between the test process and the
notebook: ``tests/test_remote.py``.)
"""

from __future__ import annotations

import json
import math
import sys
from collections import namedtuple

import numpy as np
import pytest

from mmlcalc import checks
from mmlcalc_grade import compare, remote, tester, values


def recorded(value):
    """``value`` recorded, sent as the frames send it (JSON), and rebuilt by the grader."""
    wire = json.loads(json.dumps(values.record(value), allow_nan=True))
    return values.rebuild(wire)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class LyingFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class NoRequests:
    """The endpoint of a RemoteObject in these tests: any request to the notebook fails."""

    peer = "notebook"

    def request(self, *args):
        raise AssertionError("a record asked the notebook's process something")


def learner_object(name="Model", callable_=False):
    data = {"id": 4, "type": name, "name": "predict" if callable_ else None}
    data["callable"] = callable_
    return remote.remote_object(NoRequests(), data)


# --- faithful: every kind of value --------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None, True, False, 0, -7, 2**80, -(3**200), 2.5, -0.0, float("inf"), float("-inf"),
        1 + 2j, "", "saddle", "x" * 50_000, ["minimum", "saddle"], (1, "a", 2.5),
        {"a": 1, 2: [3.0], (1, 2): None}, [[1, [2, [3.0]]], []], range(2, 9, 3),
        np.arange(6).reshape(2, 3), np.array([True, False]), np.arange(6.0).reshape(3, 2),
        np.array([1 + 1j, 2]), np.array(["ab", "c"]), np.zeros((0, 3)), np.array(7.0),
        np.float64(0.1), np.float32(1.5), np.int64(-3), np.uint8(200), np.bool_(True),
        np.str_("text"), np.complex128(1 - 1j),
    ],
)  # fmt: skip
def test_data_is_recorded_as_an_equal_value_of_the_same_type(value):
    rebuilt = recorded(value)
    assert type(rebuilt) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert rebuilt.dtype == value.dtype and rebuilt.shape == value.shape
        assert np.array_equal(rebuilt, value)
    else:
        assert rebuilt == value


def test_nan_is_recorded_as_nan():
    assert math.isnan(recorded(float("nan")))
    rebuilt = recorded(np.array([1.0, np.nan]))
    assert rebuilt.dtype == float and np.isnan(rebuilt[1]) and rebuilt[0] == 1.0


def test_subclasses_are_recorded_as_their_base_type():
    Point = namedtuple("Point", "x y")
    lying = recorded(LyingFloat(1.5))
    assert type(lying) is float and lying == 1.5 and lying != 2.0
    assert type(recorded(Point(1, 2))) is tuple and recorded(Point(1, 2)) == (1, 2)
    assert type(recorded(np.arange(3).view(np.matrix))) is np.ndarray
    assert type(recorded([LyingFloat(1.0)])[0]) is float


def opaque(value) -> bool:
    """A stand-in: of no built-in or NumPy type, equal to nothing but itself."""
    return (
        type(value).__module__ == values.__name__
        and value == value
        and all(value != other for other in (None, 0, 1.0, "", [], value.__class__(), object()))
    )


def test_numbers_json_cannot_hold_as_they_are_are_described():
    """A ``longdouble`` has more precision than a JSON number: a stand-in, never a crash."""
    wire = json.dumps(values.record([np.longdouble(1.5), np.array([1.5], dtype=np.longdouble)]))
    scalar, array = values.rebuild(json.loads(wire))
    assert opaque(scalar) and type(scalar).__name__ == "longdouble"
    assert array.dtype == object and array.shape == (1,) and opaque(array[0])


def test_objects_are_recorded_as_stand_ins_that_equal_nothing_else():
    rebuilt = recorded(AlwaysEqual())
    assert opaque(rebuilt) and type(rebuilt).__name__ == "AlwaysEqual"
    assert checks.describe(rebuilt) == "an AlwaysEqual"
    assert [opaque(item) for item in recorded([AlwaysEqual(), 1])] == [True, False]
    module = recorded(json)
    assert opaque(module) and type(module).__name__ == "module"


def test_a_function_is_recorded_as_a_stand_in_function_with_its_name():
    def secant_slope(f, x0, x1):
        raise AssertionError("the recorded function was run")

    rebuilt = recorded(secant_slope)
    assert callable(rebuilt) and rebuilt.__name__ == "secant_slope"
    assert rebuilt is not secant_slope and rebuilt(1, 2, 3) is None
    assert checks.describe(rebuilt) == "the function secant_slope"


def test_the_notebooks_object_is_described_without_a_request():
    model = recorded(learner_object("Model"))
    assert opaque(model) and type(model).__name__ == "Model"
    predict = recorded(learner_object("function", callable_=True))
    assert callable(predict) and predict.__name__ == "predict"
    assert opaque(recorded({"fit": learner_object("Fit")})["fit"])


def test_a_value_past_the_bound_is_described_and_an_array_keeps_its_shape():
    huge = np.zeros((1100, 1000))  # over MAX_RECORDED numbers
    record = values.record(huge)
    assert len(json.dumps(record)) < 200 and record["shape"] == [1100, 1000]
    rebuilt = recorded(huge)
    assert rebuilt.shape == (1100, 1000) and rebuilt.strides == (0, 0)  # no memory
    assert opaque(recorded("x" * (values.MAX_RECORDED + 1)))  # text: never cut short
    assert opaque(recorded(list(range(values.MAX_RECORDED + 1))))
    assert opaque(recorded(10 ** (values.MAX_INT_BITS // 3 + 10)))
    nested = [1.0]
    for _ in range(values.MAX_DEPTH + 5):
        nested = [nested]
    deepest = recorded(nested)
    for _ in range(values.MAX_DEPTH):
        deepest = deepest[0]
    assert opaque(deepest)


# --- the grader's verdict is the helper's verdict on the real value -----------------------


def verdict_of_the_real_helper(helper, got, expected, **kwargs):
    """What stock nbgrader's test says: the helper on the real values in one process."""
    try:
        helper(got, expected, **kwargs)
    except checks.CheckFailed as failure:
        return failure.message
    return None


def verdict_of_the_grader(helper, got, expected, **kwargs):
    """What mmlcalc-grade says: a reference record, a learner record, compare_record."""
    name = helper.__name__
    reference = tester.Recorder(reference=True)
    right = np.zeros(expected) if helper is checks.expect_array else expected
    getattr(reference, name)(right, expected, **kwargs)
    learner = tester.Recorder(reference=False)
    try:
        getattr(learner, name)(got, expected, **kwargs)
    except checks.CheckFailed:
        pass  # expect_array and expect_number also check in the test process
    (ref,), (mine,) = reference.records, learner.records
    mine = json.loads(json.dumps(mine, allow_nan=True))
    return compare.compare_record(json.loads(json.dumps(ref, allow_nan=True)), mine)


@pytest.mark.parametrize(
    "helper, got, expected, kwargs",
    [
        (checks.expect_equal, ["saddle", "minimum"], ["saddle", "minimum"], {}),
        (checks.expect_equal, ["saddle", "maximum"], ["saddle", "minimum"], {}),
        (checks.expect_equal, ("saddle", "minimum"), ["saddle", "minimum"], {}),
        (checks.expect_equal, {"slope": 2, "intercept": -1}, {"slope": 2, "intercept": -1}, {}),
        (checks.expect_equal, {"slope": 2, "intercept": 1}, {"slope": 2, "intercept": -1}, {}),
        (checks.expect_equal, 3, 3, {}),
        (checks.expect_equal, 2**70 + 1, 2**70, {}),
        (checks.expect_equal, "a" * 3000 + "x", "a" * 3000 + "y", {}),
        (checks.expect_equal, AlwaysEqual(), "saddle", {}),
        (checks.expect_close, np.array([1, 2, 3]), np.array([1, 2, 3]), {}),
        (checks.expect_close, np.array([1, 2, 4]), np.array([1, 2, 3]), {}),
        (checks.expect_close, [1, 2, 3], np.array([1.0, 2.0, 3.0]), {}),
        (checks.expect_close, np.int64(7), 7.0, {"mistakes": {"off by one": 8}}),
        (checks.expect_close, 8, 7.0, {"mistakes": {"off by one": 8}}),
        (checks.expect_close, [1.0, "two"], np.array([1.0, 2.0]), {}),
        (checks.expect_array, np.zeros((1100, 1000)), (1100, 1000), {}),
        (checks.expect_array, np.zeros((1000, 1100)), (1100, 1000), {}),
        (checks.expect_array, np.zeros(1_100_000), (1100, 1000), {}),
        (checks.expect_number, [1.0, 2.0], None, {}),
        (checks.expect_number, np.float32(2.5), None, {}),
    ],
)  # fmt: skip
def test_the_grader_gives_the_helpers_verdict_on_the_real_value(helper, got, expected, kwargs):
    if helper is checks.expect_number:
        real = verdict_of_the_real_helper(lambda g, _: helper(g), got, None)
        reference = tester.Recorder(reference=True)
        reference.expect_number(1.0)
        learner = tester.Recorder(reference=False)
        with pytest.raises(checks.CheckFailed) if real else _nothing():
            learner.expect_number(got)
        grader = compare.compare_record(reference.records[0], learner.records[0])
    else:
        real = verdict_of_the_real_helper(helper, got, expected, **kwargs)
        grader = verdict_of_the_grader(helper, got, expected, **kwargs)
    assert grader == real


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_value_whose_eq_lies_fools_the_real_helper_but_not_the_grader():
    """The one intended difference: in the learner's kernel a float subclass whose ``==``
    says True passes ``expect_equal``; recorded, it is the float it holds."""
    assert verdict_of_the_real_helper(checks.expect_equal, LyingFloat(2.0), 3.0) is None
    message = verdict_of_the_grader(checks.expect_equal, LyingFloat(2.0), 3.0)
    assert message == "your answer: expected 3.0, got 2.0."


def test_a_helper_that_raises_fails_the_check_instead_of_escaping_compare():
    """NumPy cannot say whether an array equals a list of two: stock nbgrader's test cell
    stops with ValueError (0 points); the grader fails the check (0 points)."""
    with pytest.raises(ValueError):
        checks.expect_equal(np.array([1, 2]), [[1, 2], [1, 2]])
    message = verdict_of_the_grader(checks.expect_equal, np.array([1, 2]), [[1, 2], [1, 2]])
    assert message.startswith("your answer: the check stopped (ValueError: ")
    reference = tester.Recorder(reference=True)
    reference.expect_equal([[1, 2], [1, 2]], [[1, 2], [1, 2]], "f(hidden input)")
    learner = {"records": [{"kind": "equal", "got": values.record(np.array([1, 2]))}]}
    status, message = compare.grade_chunk("cell", True, {"records": reference.records}, learner)
    assert (status, message) == (
        "failed",
        "A hidden test failed: f(hidden input): the check stopped (ValueError)",
    )


# --- hostile records: an opaque object, never an exception, never an import -------------


def deeply_nested(levels: int):
    data = 1.0
    for _ in range(levels):
        data = [data]
    return data


@pytest.mark.parametrize(
    "data",
    [
        deeply_nested(values.MAX_DEPTH + 10),
        {"$": "pickle", "v": "gASV"},
        {"no": "tag"},
        {"$": "nd", "dtype": "float64", "shape": [3], "data": [1.0]},
        {"$": "nd", "dtype": "float64", "shape": [-1], "data": []},
        {"$": "nd", "dtype": "V8", "shape": [1], "data": [1]},
        {"$": "nd", "dtype": "O", "shape": [1], "data": [1]},
        {"$": "nd", "dtype": "<U100000000", "shape": [10], "data": [""] * 10},
        {"$": "nd", "dtype": "float64", "shape": [2], "data": ["1", {"$": "obj"}]},
        {"$": "np", "v": {"$": "obj", "type": "x"}},
        {"$": "np", "dtype": "V8", "v": 1},
        {"$": "np", "dtype": "<f8", "v": [1.0]},
        {"$": "np", "dtype": "<u1", "v": 300},
        {"$": "obj", "type": "ndarray", "shape": [10**12, 10**12], "dtype": "<f8"},
        {"$": "obj", "type": "ndarray", "shape": "(3,)", "dtype": "<f8"},
        {"$": "dict", "items": [[[1], 2]]},
        {"$": "dict", "items": [[1]]},
        {"$": "tuple", "items": "abc"},
        {"$": "int", "v": "9" * 100_000},
        {"$": "int", "v": "12a"},
        {"$": "complex", "v": [1.0]},
        {"$": "complex", "v": [{}, 1.0]},
        {"$": "range", "v": [1, 2, 0]},
        {"$": "yours", "id": 0},
        [1, {"$": "yours", "id": 0}],
        3 + 0j,
    ],
)
def test_a_malformed_record_is_an_opaque_object(data):
    rebuilt = values.rebuild(data)
    assert opaque(rebuilt) and type(rebuilt).__name__ == "object"


def test_a_module_named_by_a_record_is_never_imported(capsys, monkeypatch):
    """``this`` prints the Zen of Python when first imported; ``os`` is imported already.
    Either way the grader gets an opaque stand-in, and nothing runs."""
    monkeypatch.delitem(sys.modules, "this", raising=False)
    for name in ("this", "os", "mmlcalc_grade.__main__"):
        rebuilt = values.rebuild({"$": "module", "name": name})
        assert opaque(rebuilt) and type(rebuilt).__name__ == "module"
    assert "this" not in sys.modules and capsys.readouterr().out == ""


def test_compare_never_raises_on_a_malformed_record():
    reference = tester.Recorder(reference=True)
    reference.expect_close(2.0, 2.0, "f(1)", mistakes={"doubled": 4.0})
    reference.expect_equal("saddle", "saddle", "classify(H)")
    close, equal = reference.records
    for got in (deeply_nested(100), {"$": "yours", "id": 1}, {"$": "module", "name": "os"}):
        assert "f(1)" in compare.compare_record(close, {"kind": "close", "got": got})
        assert "classify(H)" in compare.compare_record(equal, {"kind": "equal", "got": got})
    broken = dict(close, mistakes=[["doubled"]], rtol="a lot")
    assert "the check stopped" in compare.compare_record(broken, {"kind": "close", "got": 2.0})
