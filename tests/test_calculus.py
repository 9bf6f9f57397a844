"""Unit tests of ``mmlcalc.calculus`` (finite differences) and ``mmlcalc.checks`` (feedback).

The numeric derivatives are checked against analytic ones with error bounds derived
from each method's order; see ``forward_bound`` and ``central_bound`` below.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest

from mmlcalc import calculus
from mmlcalc.calculus import (
    FD_METHODS,
    backward_difference,
    central_difference,
    default_step,
    derivative,
    difference_error,
    evaluate,
    forward_difference,
    secant_slope,
)
from mmlcalc.checks import (
    CheckFailed,
    Feedback,
    check_answer,
    describe,
    expect,
    expect_array,
    expect_close,
    expect_number,
    expect_own_work,
)

EPS = np.finfo(float).eps

# ------------------------------------------------------------------------------------------
# Test functions: f with its first three derivatives, and the points to test them at.
# ------------------------------------------------------------------------------------------

WIDE = np.linspace(-3.0, 3.0, 25)  # includes 0 and both signs
POSITIVE = np.linspace(0.1, 5.0, 25)  # for log, sqrt and 1/x
TAN_RANGE = np.linspace(-1.3, 1.3, 25)  # stays clear of the poles of tan at ±π/2


def _tan_derivatives():
    def d1(x):
        return 1 + np.tan(x) ** 2

    def d2(x):
        t = np.tan(x)
        return 2 * t * (1 + t**2)

    def d3(x):
        t = np.tan(x)
        return (1 + t**2) * (2 + 6 * t**2)

    return np.tan, d1, d2, d3


FUNCTIONS = {
    # name: ((f, f', f'', f'''), points)
    "quadratic x² + 3x − 1": (
        (lambda x: x**2 + 3 * x - 1, lambda x: 2 * x + 3, lambda x: 2 + 0 * x, lambda x: 0 * x),
        WIDE,
    ),
    "cubic x³ − 2x": (
        (lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2, lambda x: 6 * x, lambda x: 6 + 0 * x),
        WIDE,
    ),
    "quintic x⁵": (
        (lambda x: x**5, lambda x: 5 * x**4, lambda x: 20 * x**3, lambda x: 60 * x**2),
        WIDE,
    ),
    "exp": ((np.exp, np.exp, np.exp, np.exp), WIDE),
    "log": ((np.log, lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3), POSITIVE),
    "sin": ((np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)), WIDE),
    "cos": ((np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x), np.sin), WIDE),
    "tan": (_tan_derivatives(), TAN_RANGE),
    "sqrt": (
        (
            np.sqrt,
            lambda x: 0.5 / np.sqrt(x),
            lambda x: -0.25 * x**-1.5,
            lambda x: 0.375 * x**-2.5,
        ),
        POSITIVE,
    ),
    "reciprocal 1/x": (
        (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3, lambda x: -6 / x**4),
        POSITIVE,
    ),
    "composition sin(x²)": (
        (
            lambda x: np.sin(x**2),
            lambda x: 2 * x * np.cos(x**2),
            lambda x: 2 * np.cos(x**2) - 4 * x**2 * np.sin(x**2),
            lambda x: -12 * x * np.sin(x**2) - 8 * x**3 * np.cos(x**2),
        ),
        WIDE,
    ),
    "product x·eˣ": (
        (
            lambda x: x * np.exp(x),
            lambda x: (1 + x) * np.exp(x),
            lambda x: (2 + x) * np.exp(x),
            lambda x: (3 + x) * np.exp(x),
        ),
        WIDE,
    ),
    "gaussian exp(−x²)": (
        (
            lambda x: np.exp(-(x**2)),
            lambda x: -2 * x * np.exp(-(x**2)),
            lambda x: (4 * x**2 - 2) * np.exp(-(x**2)),
            lambda x: (12 * x - 8 * x**3) * np.exp(-(x**2)),
        ),
        WIDE,
    ),
}
NAMES = list(FUNCTIONS)


# Error bounds, derived from the method's order.
#
# Taylor's theorem gives the truncation errors
#     forward/backward:  D±f(x) − f′(x) = ±(h/2) f″(ξ)        for some ξ within h of x,
#     central:           D₀f(x) − f′(x) = (h²/6) f‴(ξ)        for some ξ within h of x.
# With h ≤ 6e-6·max(1, |x|) the derivative at ξ equals the one at x to a relative
# 1e-4 or so, so we use |f″(x)|, |f‴(x)| and absorb the difference in the safety factor.
#
# Round-off: NumPy's exp, log, sin, ... are accurate to about one ulp, so each of the
# two values of f carries an error of about ε·|f| and their difference an error of
# about 2ε·|f|; dividing by the step h (the module divides by the step the computer
# really took, so the step itself adds nothing) gives 2ε|f|/h for the forward formula
# and 2ε|f|/(2h) for the central one. The final division adds a relative ε·|f′|.
#
# Plugging in the automatic steps, h = √ε for forward and h = ∛ε for central (times
# max(1, |x|)), gives for |f|, |f″|, |f‴| of order 1 an error of about √ε ≈ 1.5e-8
# (forward) and ε^(2/3) ≈ 4e-11 (central). The bounds below keep the size of each
# derivative and multiply the sum by a safety factor of 4 (rounding is a few ulp, not
# exactly one). Where every one of these terms vanishes (x⁵ at 0: f, f′, f″ and f‴ are
# all 0) the error is the next, higher-order term: h⁴ ≈ 1e-32 (forward) or, for central,
# h⁴ f⁽⁵⁾/120 = h⁴ ≈ 1.3e-21. The absolute FLOOR of 1e-20 allows for those and is still
# far below any error a wrong formula would make.
SAFETY = 4.0
FLOOR = 1e-20


def forward_bound(fs, x, h):
    f, d1, d2, _ = fs
    return FLOOR + SAFETY * (
        0.5 * np.abs(h) * np.abs(d2(x)) + 2 * EPS * np.abs(f(x)) / np.abs(h) + EPS * np.abs(d1(x))
    )


def central_bound(fs, x, h):
    f, d1, _, d3 = fs
    return FLOOR + SAFETY * (
        np.abs(h) ** 2 / 6 * np.abs(d3(x)) + EPS * np.abs(f(x)) / np.abs(h) + EPS * np.abs(d1(x))
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["forward", "backward", "central"])
def test_automatic_step_is_within_the_derived_error_bound(name, method):
    fs, points = FUNCTIONS[name]
    exact = fs[1](points)
    h = default_step(points, method)
    got = derivative(fs[0], points, method=method)
    bound = central_bound(fs, points, h) if method == "central" else forward_bound(fs, points, h)
    error = np.abs(got - exact)
    worst = int(np.argmax(error / bound))
    assert np.all(error <= bound), (
        f"{name}, {method}: at x = {points[worst]:.3f} the error {error[worst]:.2e} exceeds "
        f"the derived bound {bound[worst]:.2e}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_headline_accuracy_relative_to_the_size_of_the_function(name):
    """Forward is good to about 1e-6 and central to about 1e-9, relative to the function's scale.

    The scale is the largest of |f|, |f′|, |f″| and |f‴| at x, and 1: those sizes enter
    the error terms above. With the automatic steps, forward error/scale ≈ √ε ≈ 1.5e-8
    times max(1, |x|) ≤ 5, and central ≈ ε^(2/3) ≈ 4e-11 times max(1, |x|)² ≤ 25; the
    limits 1e-6 and 1e-9 leave a margin of about ten on top.
    """
    fs, points = FUNCTIONS[name]
    scale = np.maximum.reduce([np.ones_like(points)] + [np.abs(g(points)) for g in fs])
    exact = fs[1](points)
    forward_error = np.abs(derivative(fs[0], points, method="forward") - exact) / scale
    central_error = np.abs(derivative(fs[0], points) - exact) / scale
    assert forward_error.max() < 1e-6, f"{name}: forward relative error {forward_error.max():.1e}"
    assert central_error.max() < 1e-9, f"{name}: central relative error {central_error.max():.1e}"


@pytest.mark.parametrize("name", NAMES)
def test_fixed_step_truncation_error_matches_the_leading_term(name):
    """At h = 1e-3 truncation dominates: the error is (h/2) f″ (forward) and (h²/6) f‴ (central)."""
    fs, points = FUNCTIONS[name]
    h = 1e-3
    exact = fs[1](points)
    forward_error = forward_difference(fs[0], points, h) - exact
    backward_error = backward_difference(fs[0], points, h) - exact
    central_error = central_difference(fs[0], points, h) - exact
    # The next terms of the expansions are h²/6 f‴ (forward, backward) and h⁴/120 f⁽⁵⁾
    # (central): the leading term must account for the error up to 5 % of itself plus
    # 1.5 times the next term (forward, backward) or an absolute 1e-9, larger than
    # h⁴/120 |f⁽⁵⁾| ≈ 1e-14 |f⁽⁵⁾| on these ranges, plus round-off of order ε|f|/h ≈ 1e-11.
    next_term = 1.5 * h**2 / 6 * np.abs(fs[3](points)) + 1e-11
    lead = 0.5 * h * fs[2](points)
    assert np.all(np.abs(forward_error - lead) <= 0.05 * np.abs(lead) + next_term)
    assert np.all(np.abs(backward_error + lead) <= 0.05 * np.abs(lead) + next_term)
    lead = h**2 / 6 * fs[3](points)
    assert np.all(np.abs(central_error - lead) <= 0.05 * np.abs(lead) + 1e-9)


# ------------------------------------------------------------------------------------------
# Convergence order, vectorisation, shapes
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "df", "x"),
    [(np.sin, np.cos, 1.0), (np.exp, np.exp, 0.5), (np.log, lambda x: 1 / x, 2.0)],
    ids=["sin at 1", "exp at 0.5", "log at 2"],
)
@pytest.mark.parametrize(
    ("method", "order"), [("forward", 1), ("backward", 1), ("central", 2)], ids=str
)
def test_error_falls_with_the_order_of_the_method(f, df, x, method, order):
    # moderate steps, 1e-4 to 1e-1: truncation dominates round-off by many orders of magnitude
    steps = np.logspace(-4, -1, 13)
    errors = difference_error(f, df, x, steps, method)
    slope = np.polyfit(np.log10(steps), np.log10(errors), 1)[0]
    assert abs(slope - order) < 0.1, f"{method}: fitted slope {slope:.3f}, expected {order}"
    assert FD_METHODS[method] == order


def test_round_off_error_grows_like_one_over_h():
    # tiny steps, 1e-13 to 1e-10: round-off ε|f|/h dominates, so the error grows as h shrinks
    steps = np.logspace(-13, -10, 13)
    errors = difference_error(np.exp, np.exp, 1.0, steps, "forward")
    slope = np.polyfit(np.log10(steps), np.log10(errors), 1)[0]
    assert -1.5 < slope < -0.5, f"round-off slope {slope:.2f}, expected about −1"


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
@pytest.mark.parametrize("name", ["sin", "log", "composition sin(x²)", "product x·eˣ"])
def test_vectorised_result_equals_the_scalar_loop(name, method):
    fs, points = FUNCTIONS[name]
    h = 1e-4
    formula = {"forward": forward_difference, "backward": backward_difference}.get(
        method, central_difference
    )
    vector = formula(fs[0], points, h)
    loop = np.array([formula(fs[0], float(x), h) for x in points])
    # NumPy may evaluate an array and a single number with different (SIMD) code paths that
    # differ in the last bit; divided by h that is at most about 4ε|f|/h
    atol = 4 * EPS * np.max(np.abs(fs[0](points))) / h
    np.testing.assert_allclose(vector, loop, rtol=0, atol=atol)
    auto_vector = derivative(fs[0], points, method=method)
    auto_loop = np.array([derivative(fs[0], float(x), method=method) for x in points])
    steps = default_step(points, method)
    np.testing.assert_allclose(
        auto_vector, auto_loop, rtol=0, atol=4 * EPS * np.max(np.abs(fs[0](points)) / steps)
    )


SHAPED = {
    "secant_slope": lambda f, x: secant_slope(f, x, np.asarray(x) + 0.5),
    "forward_difference": lambda f, x: forward_difference(f, x, 1e-3),
    "backward_difference": lambda f, x: backward_difference(f, x, 1e-3),
    "central_difference": lambda f, x: central_difference(f, x, 1e-3),
    "derivative": lambda f, x: derivative(f, x),
    "derivative forward": lambda f, x: derivative(f, x, method="forward"),
}


@pytest.mark.parametrize("name", list(SHAPED))
def test_shapes_are_preserved(name):
    function = SHAPED[name]
    # a single number comes back as a plain Python float, whatever form it came in
    for x in (0.3, np.float64(0.3), np.array(0.3)):
        assert type(function(np.sin, x)) is float
    grid = np.linspace(0.1, 2.0, 12).reshape(3, 4)
    assert function(np.sin, grid).shape == (3, 4)
    assert function(np.sin, [0.1, 0.2]).shape == (2,)


def test_evaluate_keeps_the_shape_as_an_array():
    assert evaluate(np.sin, 0.3).shape == ()
    assert evaluate(np.sin, np.zeros((3, 4))).shape == (3, 4)
    assert evaluate(np.sin, [1, 2]).dtype == float


def test_derivative_with_an_explicit_step_and_array_of_steps():
    x = np.array([0.5, 1.0, 2.0])
    h = np.array([1e-3, 1e-4, 1e-5])
    got = derivative(np.exp, x, h=h)
    np.testing.assert_allclose(got, (np.exp(x + h) - np.exp(x - h)) / (2 * h), rtol=1e-9)


def test_default_step_values_and_scaling():
    assert default_step(0.0, "forward") == pytest.approx(math.sqrt(EPS), rel=1e-12)
    assert default_step(0.0, "central") == pytest.approx(EPS ** (1 / 3), rel=1e-12)
    assert default_step(0.5, "central") == default_step(1.0, "central")  # max(1, |x|)
    assert default_step(-100.0, "forward") == pytest.approx(100 * math.sqrt(EPS), rel=1e-12)
    steps = default_step(np.array([[0.0, -2.0], [3.0, 1e8]]), "backward")
    np.testing.assert_allclose(steps, math.sqrt(EPS) * np.array([[1.0, 2.0], [3.0, 1e8]]))
    # the scaled step still moves a large x: x + h != x
    assert 1e8 + default_step(1e8, "forward") != 1e8


def test_secant_slope_is_rise_over_run_and_broadcasts():
    assert secant_slope(lambda x: 15.0 - 6.5 * x, 1.0, 4.0) == -6.5
    assert secant_slope(lambda x: x**2, 1.0, 3.0) == 4.0
    assert secant_slope(lambda x: x**2, 3.0, 1.0) == 4.0  # order of the points does not matter
    got = secant_slope(lambda x: x**3, np.array([0.0, 1.0, 2.0]), 3.0)
    np.testing.assert_allclose(got, [9.0, 13.0, 19.0])


def test_difference_error_shape_and_values():
    steps = [1e-1, 1e-2, 1e-3]
    errors = difference_error(np.sin, np.cos, 1.0, steps, "central")
    assert errors.shape == (3,)
    expected = np.abs(
        (np.sin(1 + np.array(steps)) - np.sin(1 - np.array(steps))) / (2 * np.array(steps))
        - np.cos(1.0)
    )
    np.testing.assert_allclose(errors, expected, rtol=1e-6)


# ------------------------------------------------------------------------------------------
# Functions that take one number only (math.sin)
# ------------------------------------------------------------------------------------------


def test_evaluate_works_with_scalar_only_functions():
    x = np.array([[0.0, math.pi / 2], [math.pi, 1.0]])
    np.testing.assert_allclose(evaluate(math.sin, x), np.sin(x), atol=1e-15)
    assert evaluate(math.exp, 1.0).shape == ()

    def branchy(x):  # an `if` on x fails on arrays ("truth value is ambiguous")
        return x if x > 0 else -x

    np.testing.assert_allclose(evaluate(branchy, [-2.0, 3.0]), [2.0, 3.0])


def test_finite_differences_work_with_scalar_only_functions():
    x = np.linspace(0.1, 3.0, 7)
    np.testing.assert_allclose(derivative(math.sin, x), np.cos(x), atol=1e-9)
    np.testing.assert_allclose(forward_difference(math.log, x, 1e-7), 1 / x, rtol=1e-5)
    assert derivative(math.exp, 0.0) == pytest.approx(1.0, abs=1e-9)
    assert secant_slope(math.sqrt, 1.0, 4.0) == pytest.approx(1 / 3)


# ------------------------------------------------------------------------------------------
# Clear errors
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "formula", [forward_difference, backward_difference, central_difference], ids=str
)
def test_zero_and_non_finite_steps_are_refused(formula):
    for bad in (0.0, np.nan, np.inf, [1e-3, 0.0]):
        with pytest.raises(ValueError, match="finite, non-zero"):
            formula(np.sin, [1.0, 2.0], bad)


@pytest.mark.parametrize(
    "formula", [forward_difference, backward_difference, central_difference], ids=str
)
def test_a_step_too_small_to_move_x_is_refused(formula):
    with pytest.raises(ValueError, match=r"too small.*x \+ h == x"):
        formula(np.sin, 1.0, 1e-17)
    with pytest.raises(ValueError, match="too small"):
        formula(np.sin, 1e8, 1e-9)  # the gap between floats near 1e8 is about 1.5e-8


def test_unknown_method_is_refused_with_the_choices():
    for call in (
        lambda: derivative(np.sin, 1.0, method="centre"),
        lambda: default_step(1.0, "symmetric"),
        lambda: difference_error(np.sin, np.cos, 1.0, [1e-3], "Central"),
        lambda: derivative(np.sin, 1.0, method=None),
    ):
        with pytest.raises(ValueError, match=r"unknown method.*'forward'.*'backward'.*'central'"):
            call()


def test_non_callable_f_is_refused_with_a_hint():
    for call in (
        lambda: forward_difference(np.sin(1.0), 1.0, 1e-3),
        lambda: derivative(3.0, 1.0),
        lambda: secant_slope("x**2", 0.0, 1.0),
        lambda: evaluate(None, 1.0),
    ):
        with pytest.raises(TypeError, match="pass the function itself"):
            call()


def test_secant_slope_refuses_equal_points():
    with pytest.raises(ValueError, match="same point"):
        secant_slope(np.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match="same point"):
        secant_slope(np.sin, [0.0, 1.0], [2.0, 1.0])


def test_calculus_imports_only_numpy():
    source = open(calculus.__file__, encoding="utf-8").read()
    imports = set(re.findall(r"^(?:from|import) (\w+)", source, flags=re.MULTILINE))
    assert imports <= {"__future__", "collections", "numpy"}, imports


# ------------------------------------------------------------------------------------------
# mmlcalc.checks
# ------------------------------------------------------------------------------------------


def _message(call) -> str:
    with pytest.raises(CheckFailed) as failure:
        call()
    return str(failure.value)


def _one_sentence(text: str) -> bool:
    """No sentence break (full stop, then a space and a capital) inside ``text``."""
    return re.search(r"[.!?]\s+[A-Z]", text.rstrip(".")) is None


def test_expect_close_passes_within_tolerance_and_says_expected_and_got():
    expect_close(4.0, 4.0 + 1e-12)
    expect_close([1.0, 2.0], np.array([1.0, 2.0 + 1e-12]))
    message = _message(lambda: expect_close(2.5, 4.0, "secant_slope(f, 1, 3)"))
    assert message == "secant_slope(f, 1, 3): expected 4, got 2.5."


def test_expect_close_names_a_likely_mistake():
    message = _message(
        lambda: expect_close(
            2.0,
            4.0,
            "secant_slope(f, 1, 3)",
            mistakes={"did you divide by h instead of 2h?": 8.0, "run over rise?": 2.0},
        )
    )
    assert message.endswith("Likely mistake: run over rise?")
    assert "expected 4, got 2" in message


def test_expect_close_gives_the_general_hint_when_no_mistake_matches():
    message = _message(lambda: expect_close(3.0, 4.0, mistakes={"m": 2.0}, hint="look at h."))
    assert message.endswith("Hint: look at h.")
    assert "Likely mistake" not in message


def test_expect_close_spots_a_transpose():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    square = _message(lambda: expect_close(expected.T, expected, "hessian(f, x)"))
    assert "Likely mistake: the values are transposed." in square
    assert "2 of 4 values differ" in square
    jacobian = np.arange(6.0).reshape(2, 3)
    wide = _message(lambda: expect_close(jacobian.T, jacobian, "jacobian(f, x)"))
    assert wide == (
        "jacobian(f, x) should have shape (2, 3), got shape (3, 2): did you transpose it?"
    )


def test_expect_close_array_message_points_at_the_worst_entry():
    message = _message(lambda: expect_close([1.0, 5.0, 3.0], [1.0, 2.0, 3.0], "grad"))
    assert message == "grad: 1 of 3 values differ; at index (1,) expected 2, got 5."


def test_expect_close_explains_nan():
    message = _message(lambda: expect_close(np.nan, 1.0, "f′(0)"))
    assert "contains nan" in message and "0/0" in message
    message = _message(lambda: expect_close([1.0, np.nan], [1.0, 2.0], "slopes"))
    assert "contains nan" in message
    expect_close(np.nan, np.nan)  # nan where nan is expected is right


def test_expect_close_none_asks_whether_return_was_forgotten():
    message = _message(lambda: expect_close(None, 1.0, "forward_difference(np.sin, 1.0, 1e-3)"))
    assert message == (
        "forward_difference(np.sin, 1.0, 1e-3) gave None: "
        "did the function forget to `return` its result?"
    )


@pytest.mark.parametrize(
    ("got", "described"),
    [
        ("4", "the text '4'"),
        (True, "the boolean True"),
        (np.sin, "the function sin"),
        (b"4", "a bytes"),
        ({"slope": 4}, "a dict"),
        ([[1.0], [1.0, 2.0]], "a list of length 2"),
    ],
    ids=["text", "bool", "function", "bytes", "dict", "ragged list"],
)
def test_expect_close_wrong_type_is_one_sentence(got, described):
    message = _message(lambda: expect_close(got, 4.0, "my_slope"))
    assert message == f"my_slope should be a number or an array of numbers, got {described}."
    assert _one_sentence(message)


def test_expect_number_and_expect():
    assert expect_number(np.float64(2.5)) == 2.5
    assert expect_number([[3]]) == 3.0
    message = _message(lambda: expect_number([1, 2], "secant_slope(f, 0, 1)"))
    assert message == "secant_slope(f, 0, 1) should be a single number, got a list of length 2."
    expect(True, "never shown")
    assert _message(lambda: expect(False, "shown")) == "shown"


def test_expect_array_shape_messages():
    assert expect_array([[1, 2, 3]], (1, 3)).shape == (1, 3)
    transposed = _message(lambda: expect_array(np.zeros((3, 2)), (2, 3), "J"))
    assert transposed == "J should have shape (2, 3), got shape (3, 2): did you transpose it?"
    reshaped = _message(lambda: expect_array(np.zeros(6), (2, 3), "J"))
    assert reshaped == (
        "J should have shape (2, 3), got shape (6,): "
        "the right number of values, arranged differently (reshape to (2, 3)?)"
    )
    wrong = _message(lambda: expect_array(np.zeros(4), (3,), "grad"))
    assert wrong == "grad should have shape (3,), got shape (4,)"
    # a 1-D vector is not a transposed 1-D vector
    row = _message(lambda: expect_array(np.zeros((1, 3)), (3,), "grad"))
    assert "transpose" not in row


def test_describe():
    assert describe(None) == "None"
    assert describe(np.zeros((2, 3))) == "an array of shape (2, 3)"
    assert describe(2.0) == "the number 2"
    assert describe((1, 2)) == "a tuple of length 2"
    assert describe("x" * 40) == "the text 'xxxxxxxxxxxxxxxxxxxxxxxxxxx...'"


@pytest.mark.parametrize(
    "got",
    [
        None,
        "4",
        b"4",
        True,
        [1, 2],
        [[1], [1, 2]],
        {"a": 1},
        {1, 2},
        1 + 2j,
        np.array(["a", "b"]),
        np.nan,
        np.inf,
        -np.inf,
        np.sin,
        object(),
        np.zeros((2, 2)),
        4,
        np.float32(4.0),
    ],
    ids=repr,
)
def test_check_answer_never_raises(got):
    feedback = check_answer(got, 4.0, "the slope", mistakes={"m": 2.0}, hint="h")
    assert isinstance(feedback, Feedback)
    assert isinstance(feedback.message, str) and feedback.message
    assert bool(feedback) is feedback.correct
    is_four = isinstance(got, (int, float, np.floating)) and not isinstance(got, bool) and got == 4
    assert feedback.correct == is_four


def test_check_answer_feedback():
    placeholder = check_answer(None, 4.0)
    assert not placeholder
    assert repr(placeholder) == "✗ Replace None with your answer, then run the cell again."
    right = check_answer(4.0 + 1e-8, 4.0, explanation="rise 8 over run 2.")
    assert right and right.message == "Correct: rise 8 over run 2."
    assert check_answer(4.0, 4.0).message == "Correct."
    wrong = check_answer(2.0, 4.0, "gradient", mistakes={"run over rise.": 2.0})
    assert not wrong and wrong.message.endswith("Likely mistake: run over rise.")
    loose = check_answer(3.0647, 3.064715, rtol=1e-3)
    assert loose
    html = check_answer(1.0, 2.0, "x < y")._repr_html_()
    assert 'role="status"' in html and "x &lt; y" in html and "✗" in html
    assert "✓" in right._repr_html_()


def test_check_answer_never_raises_on_a_huge_integer():
    assert not check_answer(10**400, 4.0)


def test_expect_own_work_lets_an_independent_implementation_through():
    def my_forward_difference(f, x, h):
        return (f(x + h) - f(x)) / h

    result = expect_own_work(my_forward_difference, np.sin, 1.0, 1e-6)
    assert result == pytest.approx(np.cos(1.0), abs=1e-6)


def test_expect_own_work_catches_a_call_into_mmlcalc_calculus():
    def lazy(f, x, h):
        return derivative(f, x, h, method="forward")

    def hidden(f, x, h):  # the call is one level down
        def helper():
            return calculus.central_difference(f, x, h)

        return helper()

    profile_before = sys.getprofile()
    message = _message(lambda: expect_own_work(lazy, np.sin, 1.0, 1e-6, name="forward"))
    assert message == (
        "forward calls mmlcalc.calculus.derivative: this task asks you to write the formula "
        "yourself."
    )
    assert "mmlcalc.calculus.central_difference" in _message(
        lambda: expect_own_work(hidden, np.sin, 1.0, 1e-6)
    )
    # the watcher is removed afterwards, even after a failure
    assert sys.getprofile() is profile_before


def test_check_failed_renders_only_its_message():
    failure = CheckFailed("expected 4, got 2.\nLikely mistake: run over rise.")
    assert isinstance(failure, AssertionError)
    assert failure._render_traceback_() == [
        "CheckFailed: expected 4, got 2.",
        "Likely mistake: run over rise.",
    ]
    assert failure.message == str(failure)
