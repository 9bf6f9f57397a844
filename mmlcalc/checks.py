"""Feedback a learner can act on: the helpers behind check cells and assignment tests.

Two ways to use the same comparisons:

* In a lecture notebook's "check your understanding" cell, :func:`check_answer`
  never raises: it returns a :class:`Feedback` that shows as a green tick or an
  orange "not yet" with the reason, so the notebook always runs top to bottom.
* In an assignment's test cell, the ``expect_*`` functions raise
  :class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell zero)
  whose message says what was expected, what came and the likely mistake. In
  Jupyter it shows as that one message, not as a wall of traceback.

This module imports only NumPy.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import inspect
import linecache
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CheckFailed",
    "Credit",
    "Feedback",
    "check_answer",
    "describe",
    "expect",
    "expect_array",
    "expect_close",
    "expect_equal",
    "expect_number",
    "expect_own_work",
    "hidden_tests",
    "using_reference",
]

#: How every failure of a hidden test begins (stock nbgrader and mmlcalc-grade alike).
HIDDEN = "A hidden test failed: "
_hidden_depth = [0]  # > 0 inside ``with hidden_tests():``


class CheckFailed(AssertionError):
    """A failed check, carrying one clear sentence (or two) for the learner.

    Jupyter shows only the message (through IPython's ``_render_traceback_``
    hook), so a learner reads what went wrong instead of a traceback.
    """

    def __init__(self, message: str):
        if _hidden_depth[0] and not message.startswith(HIDDEN):
            message = HIDDEN + message
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        return [
            "CheckFailed: " + line if i == 0 else line
            for i, line in enumerate(self.message.splitlines())
        ]


@contextlib.contextmanager
def hidden_tests():
    """Checks in the block fail with what went wrong and the likely mistake, never the expected value.

    The hidden part of every test cell runs inside it, under stock nbgrader and under
    mmlcalc-grade alike, so a learner reads the same sentence from both: "A hidden test
    failed: " and the check's name (the kind of input), what differs and the hint.

    Examples
    --------
    >>> with hidden_tests():
    ...     expect_close(2.0, 4.0, "slope on a hidden line", mistakes={"halved": 2.0})
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: A hidden test failed: slope on a hidden line: not the right value. Likely mistake: halved
    """
    _hidden_depth[0] += 1
    try:
        yield
    finally:
        _hidden_depth[0] -= 1


def part_lost(what: str, points: float, message: str) -> str:
    """The sentence of a part of a test cell whose points were lost (both graders say it).

    Examples
    --------
    >>> part_lost("it reaches the answer", 2, "x: expected 1, got 2.")
    'it reaches the answer (0 of 2 points): x: expected 1, got 2.'
    """
    unit = "point" if points == 1 else "points"
    return f"{what} (0 of {points:g} {unit}): {message}"


class Credit:
    """Partial credit for a test cell that the task splits into parts, each with its points.

    Each check runs in a ``with credit.part(points, "what it checks"):`` block; a
    :class:`CheckFailed` inside it is caught, its sentence printed (stdout, never stderr:
    nbgrader zeroes a cell that writes to stderr) and that part earns nothing, while
    the other parts still count. A part may run several times (on several data sets):
    it earns its points only if it never fails. Any other exception propagates (the
    cell errors and scores zero). The cell ends with ``credit.score()``, the points
    earned, which stock nbgrader reads as the cell's partial credit; mmlcalc-grade
    scores the same parts from its records.

    Examples
    --------
    >>> credit = Credit(3)
    >>> with credit.part(1, "the shape"):
    ...     expect(True, "wrong shape")
    >>> for value in (2.0, 5.0):
    ...     with credit.part(2, "the value"):
    ...         expect_close(value, 2.0, "f(1)")
    the value (0 of 2 points): f(1): expected 2, got 5.
    >>> credit.score()
    1
    >>> with credit.part(1, "a part too many"):
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: the parts' points add up to 4, more than the cell's 3
    """

    def __init__(self, points: float):
        self.points = points
        self.parts: dict[str, float] = {}  # what -> points, in the order first run
        self.lost: set[str] = set()

    @contextlib.contextmanager
    def part(self, points: float, what: str):
        """A block of checks worth ``points``; ``what`` names it in the message."""
        self._declare(points, what)
        try:
            yield
        except CheckFailed as failure:
            if what not in self.lost:
                print(part_lost(what, points, failure.message))
            self.lost.add(what)

    def _declare(self, points: float, what: str) -> None:
        if self.parts.setdefault(what, points) != points:
            raise ValueError(
                f"the part {what!r} is worth {self.parts[what]:g} points, not {points:g}"
            )
        if sum(self.parts.values()) > self.points:
            raise ValueError(
                f"the parts' points add up to {sum(self.parts.values()):g}, "
                f"more than the cell's {self.points:g}"
            )

    def score(self) -> float:
        """The cell's points less those of every part that failed."""
        return self.points - sum(self.parts[what] for what in self.lost)


def describe(value) -> str:
    """A short description of ``value`` for a message: its type, and its shape if it has one.

    Examples
    --------
    >>> describe(None)
    'None'
    >>> describe(np.zeros((2, 3)))
    'an array of shape (2, 3)'
    >>> describe("7")
    "the text '7'"
    """
    if value is None:
        return "None"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"the text {shown!r}"
    if isinstance(value, (bool, np.bool_)):
        return f"the boolean {value}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if callable(value):
        return f"the function {getattr(value, '__name__', type(value).__name__)}"
    if isinstance(value, (int, float, np.number)):
        return f"the number {_fmt(value)}"
    article = "an" if type(value).__name__[0].lower() in "aeiou" else "a"
    return f"{article} {type(value).__name__}"


def _fmt(value) -> str:
    """Format a number or array compactly for a message."""
    array = np.asarray(value)
    if array.ndim == 0:
        number = array.item()
        if isinstance(number, float):
            return f"{number:.6g}"
        return str(number)
    return np.array2string(array, precision=6, threshold=12, separator=", ")


def expect(condition: bool, message: str) -> None:
    """Raise :class:`CheckFailed` with ``message`` unless ``condition`` holds.

    Examples
    --------
    >>> expect(1 + 1 == 2, "arithmetic is broken")
    """
    if not condition:
        raise CheckFailed(message)


def _as_real_array(got, name: str) -> np.ndarray:
    if got is None:
        raise CheckFailed(f"{name} gave None: did the function forget to `return` its result?")
    if isinstance(got, (str, bytes, bool, np.bool_)) or callable(got):
        raise CheckFailed(f"{name} should be a number or an array of numbers, got {describe(got)}.")
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise CheckFailed(
            f"{name} should be a number or an array of numbers, got {describe(got)}."
        ) from None
    return array


def expect_number(got, name: str = "your answer") -> float:
    """Check that ``got`` is one real number and return it as a float.

    Examples
    --------
    >>> expect_number(np.float64(2.5))
    2.5
    >>> expect_number([1, 2], "secant_slope(f, 0, 1)")
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: secant_slope(f, 0, 1) should be a single number, got a list of length 2.
    """
    array = _as_real_array(got, name)
    if array.size != 1:
        raise CheckFailed(f"{name} should be a single number, got {describe(got)}.")
    return float(array.reshape(()))


def expect_array(got, shape: Sequence[int], name: str = "your answer") -> np.ndarray:
    """Check that ``got`` is an array of numbers of ``shape`` and return it.

    A shape that is the expected one reversed is reported as a likely transpose.

    Examples
    --------
    >>> expect_array(np.zeros((3, 2)), (2, 3), "jacobian(f, x)")
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: jacobian(f, x) should have shape (2, 3), got shape (3, 2): did you transpose it?
    """
    array = _as_real_array(got, name)
    shape = tuple(shape)
    if array.shape != shape:
        hint = ""
        if array.shape == shape[::-1] and len(shape) == 2:
            hint = ": did you transpose it?"
        elif array.size == int(np.prod(shape)):
            hint = f": the right number of values, arranged differently (reshape to {shape}?)"
        raise CheckFailed(f"{name} should have shape {shape}, got shape {array.shape}{hint}")
    return array


def expect_close(
    got,
    expected,
    name: str = "your answer",
    *,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    mistakes: Mapping[str, object] | None = None,
    hint: str | None = None,
) -> None:
    """Check that ``got`` matches ``expected`` within tolerances; explain any difference.

    Parameters
    ----------
    got : number or array_like
        The learner's value.
    expected : number or array_like
        The right value. Its shape is the required shape.
    name : str
        How to call the value in the message, e.g. ``"central_difference(np.sin, 1.0, 1e-3)"``.
    rtol, atol : float
        Pass when ``|got - expected| <= atol + rtol * |expected|`` everywhere.
    mistakes : mapping of str to value, optional
        Values that known mistakes produce, keyed by the hint to show when ``got``
        matches one of them ("divided by h instead of 2h").
    hint : str, optional
        A general hint added when the value is wrong and no known mistake matches.

    Examples
    --------
    >>> expect_close(4.0, 4.0 + 1e-12)
    >>> expect_close(2.0, 4.0, "secant_slope(f, 1, 3)",
    ...              mistakes={"did you divide by x1 + x0 instead of x1 - x0?": 2.0})
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: secant_slope(f, 1, 3): expected 4, got 2. Likely mistake: did you divide by x1 + x0 instead of x1 - x0?
    """
    expected_array = np.asarray(expected, dtype=float)
    if expected_array.ndim == 0:
        got_array = np.asarray(expect_number(got, name))
    else:
        got_array = expect_array(got, expected_array.shape, name)
    if np.any(np.isnan(got_array)) and not np.any(np.isnan(expected_array)):
        raise CheckFailed(
            f"{name} contains nan (not a number): look for 0/0, a log or square root of a "
            "negative number, or an operation on an unset value."
        )
    if np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True):
        return
    if expected_array.ndim == 0 and _hidden_depth[0]:
        message = f"{name}: got {_fmt(got_array)}, not the right value."
    elif expected_array.ndim == 0:
        message = f"{name}: expected {_fmt(expected_array)}, got {_fmt(got_array)}."
    else:
        error = np.abs(got_array - expected_array)
        worst = np.unravel_index(
            int(np.nanargmax(np.where(np.isnan(error), np.inf, error))), error.shape
        )
        n_wrong = int(np.sum(~np.isclose(got_array, expected_array, rtol=rtol, atol=atol)))
        at = tuple(map(int, worst))
        message = (
            (
                f"{name}: {n_wrong} of {error.size} values differ; at index {at} you got "
                f"{_fmt(got_array[worst])}."
            )
            if _hidden_depth[0]
            else (
                f"{name}: {n_wrong} of {error.size} values differ; at index {tuple(map(int, worst))} "
                f"expected {_fmt(expected_array[worst])}, got {_fmt(got_array[worst])}."
            )
        )
    for mistake, wrong_value in (mistakes or {}).items():
        wrong = np.asarray(wrong_value, dtype=float)
        if wrong.shape == got_array.shape and np.allclose(got_array, wrong, rtol=1e-6, atol=atol):
            if _hidden_depth[0]:  # the learner's value and the mistake's name would give the
                message = f"{name}: not the right value."  # expected value away (a sign slip)
            raise CheckFailed(f"{message} Likely mistake: {mistake}")
    if (
        expected_array.ndim == 2
        and got_array.shape == expected_array.shape[::-1]
        and np.allclose(got_array, expected_array.T, rtol=rtol, atol=atol)
    ):
        raise CheckFailed(f"{message} Likely mistake: the values are transposed.")
    if hint:
        message = f"{message} Hint: {hint}"
    raise CheckFailed(message)


def expect_equal(got, expected, name: str = "your answer", *, hint: str | None = None) -> None:
    """Check that ``got`` is exactly ``expected``: for words, whole numbers and booleans.

    Use :func:`expect_close` for anything computed with floating point.

    Examples
    --------
    >>> expect_equal("saddle", "saddle")
    >>> expect_equal("minimum", "saddle", "classify([[2, 3], [3, 2]])", hint="look at the eigenvalues")
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: classify([[2, 3], [3, 2]]): expected 'saddle', got 'minimum'. Hint: look at the eigenvalues
    >>> expect_equal(None, "saddle", "classify(H)")
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: classify(H) gave None: did the function forget to `return` its result?
    """
    if got is None and expected is not None:
        raise CheckFailed(f"{name} gave None: did the function forget to `return` its result?")
    if isinstance(expected, str) and not isinstance(got, str):
        such = "" if _hidden_depth[0] else f" such as {expected!r}"
        raise CheckFailed(f"{name} should be text{such}, got {describe(got)}.")
    if type(expected) is bool and not isinstance(got, (bool, np.bool_)):
        raise CheckFailed(f"{name} should be True or False, got {describe(got)}.")
    same = (str.__str__(got) == expected) if isinstance(expected, str) else bool(got == expected)
    if not same:
        message = (
            f"{name}: got {got!r}, not the right answer."
            if _hidden_depth[0]
            else f"{name}: expected {expected!r}, got {got!r}."
        )
        raise CheckFailed(f"{message} Hint: {hint}" if hint else message)


def expect_own_work(
    function: Callable,
    *args,
    name: str | None = None,
    forbidden: Sequence[str] = ("mmlcalc.calculus",),
):
    """Call ``function(*args)`` and fail if it used the course package's version of the answer.

    The package holds the week's numerics for the lecture; a graded task asks the
    learner to write the formula. This watches every Python call made while
    ``function`` runs and fails if one lands in a ``forbidden`` module.

    Returns
    -------
    Whatever ``function(*args)`` returns.

    Examples
    --------
    >>> from mmlcalc.calculus import forward_difference
    >>> def mine(f, x, h):
    ...     return (f(x + h) - f(x)) / h
    >>> expect_own_work(mine, abs, 1.0, 0.5)
    1.0
    >>> expect_own_work(forward_difference, abs, 1.0, 0.5, name="forward_difference")
    Traceback (most recent call last):
    ...
    mmlcalc.checks.CheckFailed: forward_difference calls mmlcalc.calculus.forward_difference: this task asks you to write the formula yourself.
    """
    name = name or getattr(function, "__name__", "your function")
    files = {}
    for module_name in forbidden:
        module = importlib.import_module(module_name)
        files[inspect.getsourcefile(module)] = module_name
    try:
        result, called = first_call_into(files, function, *args)
    except (CheckFailed, NotImplementedError):
        raise
    except Exception as error:  # the learner's code raised: say what, where, and on what input
        raise explain_error(name, error, args) from None
    if called:
        raise not_own_work(name, called)
    return result


def _is_learner_file(filename: str) -> bool:
    """A notebook cell: IPython's (``ipykernel_*``, ``<ipython-input-…>``) or mmlcalc-grade's."""
    return filename.startswith(("<cell ", "<ipython-input")) or "ipykernel_" in filename


def where_in_learner_code(traceback) -> str:
    """``"at line N of your code: `…`"`` for the outermost notebook frame of ``traceback``."""
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if _is_learner_file(code.co_filename):
            line = linecache.getline(code.co_filename, traceback.tb_lineno).strip()
            shown = f": `{line[:120]}`" if line else ""
            return f"at line {traceback.tb_lineno} of your code{shown}"
        traceback = traceback.tb_next
    return ""


#: Longest explanation of a learner's error (mmlcalc-grade keeps 300 characters of an error).
MAX_EXPLAINED = 270  # with "A hidden test failed: " in front, still under 300


def explain_error(name: str, error: BaseException, args=()) -> CheckFailed:
    """A learner's exception inside a test as a sentence: what, where, and the test's inputs.

    Examples
    --------
    >>> print(explain_error("backprop", ValueError("operands could not be broadcast"),
    ...                     (np.zeros((2, 3)), [np.zeros(2)])).message)
    backprop raised ValueError: operands could not be broadcast. The test gave it an array of shape (2, 3), a list of length 1.
    """
    try:
        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    except Exception:
        text = ""
    message = f"{name} raised {type(error).__name__}" + (f": {text}" if text else "")
    where = where_in_learner_code(error.__traceback__)
    if where and where not in message:
        message += f" ({where})"
    inputs = ", ".join(describe(arg) for arg in args)
    if inputs:
        message += f". The test gave it {inputs}."
    if len(message) > MAX_EXPLAINED:  # cut between two inputs, never inside one
        message = message[:MAX_EXPLAINED].rsplit(", ", 1)[0] + ", …"
    return CheckFailed(message.strip())


def first_call_into(files: dict[str, str], function: Callable, *args):
    """``(function(*args), first call into a watched file)``, watching every Python call.

    ``files`` maps a source file to its module's name; the call found is named
    ``"module.function"``, or None if ``function`` made no call into those files.
    """
    called: list[str] = []

    def watch(frame, event, arg):
        if event == "call" and not called:
            module_name = files.get(frame.f_code.co_filename)
            if module_name is not None:
                called.append(f"{module_name}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        result = function(*args)
    finally:
        sys.setprofile(previous)
    return result, (called[0] if called else None)


def not_own_work(name: str, called: str) -> CheckFailed:
    """The failure of :func:`expect_own_work`: ``name`` called ``called`` in the package."""
    called = re.sub(r"\._(\w+)_dispatcher$", r".\1", called)  # NumPy's np.polyfit and friends
    return CheckFailed(f"{name} calls {called}: this task asks you to write the formula yourself.")


def as_reference(function: Callable, name: str) -> Callable:
    """``function`` as the course's version of the answer ``name``, swapped in by a test.

    While it runs, the watch of :func:`expect_own_work` is off: the learner's code did
    not choose to call the course package, the test put it there.
    """

    def reference(*args, **kwargs):
        previous = sys.getprofile()
        sys.setprofile(None)
        try:
            return function(*args, **kwargs)
        finally:
            sys.setprofile(previous)

    reference.__name__ = name
    reference.__qualname__ = name
    reference.__doc__ = f"The course's version of {name}, used by the tests of a later task."
    return reference


@contextlib.contextmanager
def using_reference(namespace: dict, **references: Callable):
    """While the block runs, ``namespace[name]`` is the course's ``references[name]``; then yours again.

    The tests of a task use it so that your function of that task calls the course's
    versions of the earlier tasks' functions: a mistake in an earlier task then costs
    that task's points only. ``namespace`` is the notebook's ``globals()``.

    Examples
    --------
    >>> def double(x):
    ...     return 3 * x  # a slip in an earlier task
    >>> def quadruple(x):
    ...     return double(double(x))
    >>> with using_reference(globals(), double=lambda x: 2 * x):
    ...     quadruple(1)
    4
    >>> quadruple(1)
    9
    """
    missing = object()
    saved = {name: namespace.get(name, missing) for name in references}
    try:
        for name, function in references.items():
            namespace[name] = as_reference(function, name)
        yield
    finally:
        for name, old in saved.items():
            if old is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = old


@dataclass(frozen=True)
class Feedback:
    """The verdict of a check cell: shown as a coloured line in Jupyter, plain text elsewhere."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return ("✓ " if self.correct else "✗ ") + self.message

    def _repr_html_(self) -> str:
        colour, mark = ("#117733", "✓") if self.correct else ("#AA4499", "✗")
        return (
            f'<div role="status" style="border-left: 4px solid {colour}; padding: 0.3em 0.6em;">'
            f"<b>{mark}</b> {html.escape(self.message)}</div>"
        )


def check_answer(
    got,
    expected,
    name: str = "your answer",
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, object] | None = None,
    hint: str | None = None,
    explanation: str = "",
) -> Feedback:
    """Compare a learner's answer with the right one and return :class:`Feedback`; never raises.

    ``got is None`` (the placeholder in a fresh notebook) asks for an answer
    instead of marking it wrong.

    Examples
    --------
    >>> check_answer(None, 4.0)
    ✗ Replace None with your answer, then run the cell again.
    >>> check_answer(4.0, 4.0, explanation="rise 8 over run 2.")
    ✓ Correct: rise 8 over run 2.
    >>> check_answer("4", 4.0)
    ✗ your answer should be a number or an array of numbers, got the text '4'.
    """
    if got is None:
        return Feedback(False, "Replace None with your answer, then run the cell again.")
    try:
        expect_close(got, expected, name, rtol=rtol, atol=atol, mistakes=mistakes, hint=hint)
    except CheckFailed as failure:
        return Feedback(False, failure.message)
    return Feedback(True, ("Correct: " + explanation) if explanation else "Correct.")
