"""Unit tests of ``mmlcalc.taylor``: Taylor polynomials, standard series, linearisation,
the multivariate quadratic model and the measured order of an approximation's error.

Every result is checked against an independent truth: exact rational arithmetic
(``fractions.Fraction``), NumPy's own polynomial evaluation, symbolic derivatives
(sympy, when installed), the functions themselves, or quadratics whose second-order
model is exact. Each tolerance says where it comes from.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from mmlcalc.taylor import (
    STANDARD_SERIES,
    approximation_errors,
    error_order,
    linear_approximation,
    linearisation,
    quadratic_approximation,
    series_coefficients,
    taylor_coefficients,
    taylor_polynomial,
)

EPS = np.finfo(float).eps


# --- taylor_coefficients ---------------------------------------------------------------


def test_coefficients_divide_each_derivative_by_its_factorial():
    derivatives = np.array([2.0, -3.0, 5.0, 7.0, -11.0, 13.0])
    expected = [d / math.factorial(k) for k, d in enumerate(derivatives)]
    np.testing.assert_allclose(taylor_coefficients(derivatives), expected, rtol=1e-15)


def test_coefficients_of_high_order_do_not_overflow():
    # 171! overflows a float, but 1/171! (about 8e-310, subnormal) does not
    c = taylor_coefficients(np.ones(200))
    assert np.all(np.isfinite(c)) and c[10] == pytest.approx(1 / math.factorial(10), rel=1e-14)


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], 3.0])
def test_coefficients_reject_anything_but_a_1d_array(bad):
    with pytest.raises(ValueError, match=r"shape \(n \+ 1,\)"):
        taylor_coefficients(bad)


def test_coefficients_reject_text():
    with pytest.raises(TypeError, match="array of numbers"):
        taylor_coefficients(["one", "two"])


# --- taylor_polynomial (Horner) -------------------------------------------------------------


def _exact_polynomial(c, x, a) -> Fraction:
    """Σ cₖ (x − a)ᵏ in exact rational arithmetic, from the float inputs as given."""
    t = Fraction(x) - Fraction(a)
    return sum((Fraction(ck) * t**k for k, ck in enumerate(c)), Fraction(0))


def test_horner_matches_exact_arithmetic_within_the_rounding_bound():
    # Higham (2002), eq. (5.3): |computed − exact| <= γ₂ₙ Σ|cₖ||t|ᵏ with γ₂ₙ = 2nε/(1 − 2nε).
    # The bound holds for every input, so random ones (seed 4) test it fairly.
    rng = np.random.default_rng(4)
    for _ in range(30):
        n = int(rng.integers(1, 25))
        c = rng.normal(size=n + 1)
        a, x = rng.uniform(-2, 2, size=2)
        got = taylor_polynomial(c, x, a)
        exact = _exact_polynomial(c, x, a)
        t = abs(x - a)
        gamma = 2 * n * EPS / (1 - 2 * n * EPS)
        bound = gamma * sum(abs(ck) * t**k for k, ck in enumerate(c))
        # the input t = x − a is itself rounded once: add that first-order effect, |p′(t)| ε |t|
        dp = abs(sum(k * ck * (x - a) ** (k - 1) for k, ck in enumerate(c) if k))
        assert abs(Fraction(got) - exact) <= bound + 2 * EPS * t * dp + 1e-300


def test_horner_agrees_with_numpy_polyval_on_arrays_of_any_shape():
    rng = np.random.default_rng(5)  # seed 5: fixed random coefficients and points
    c = rng.normal(size=8)
    x = rng.uniform(-1.5, 1.5, size=(3, 4))
    expected = np.polynomial.polynomial.polyval(x - 0.25, c)
    got = taylor_polynomial(c, x, a=0.25)
    assert got.shape == (3, 4)
    # both are Horner-type evaluations: they differ by rounding only (8 terms, |t| < 2)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


def test_horner_returns_a_float_for_a_number_and_a_constant_for_order_zero():
    assert taylor_polynomial([2.5], 7.0) == 2.5
    assert isinstance(taylor_polynomial([1.0, 1.0], 0.5), float)
    np.testing.assert_array_equal(taylor_polynomial([2.5], np.zeros(3)), [2.5, 2.5, 2.5])


def test_expanding_about_a_nearby_point_beats_the_maclaurin_series_far_away():
    # e^-20 from the Maclaurin series: the terms reach 20²⁰/20! ≈ 4e7 with alternating signs,
    # so rounding errors of about 4e7·ε ≈ 1e-8 swamp the answer 2e-9. About a = −20 the
    # series e^a (1 + t + t²/2 + …) with t = −0.5 has terms that shrink from the start.
    exact = math.exp(-20.0)
    far = taylor_polynomial(series_coefficients("exp", 120), -20.0)
    near = taylor_polynomial(series_coefficients("exp", 40, a=-19.5), -20.0, a=-19.5)
    assert abs(far - exact) / exact > 1e-2
    # 40 terms of |t| = 0.5 leave a remainder below 1e-60; rounding of e^a and the sum ~ 1e-15
    assert near == pytest.approx(exact, rel=1e-14)


def test_polynomial_rejects_a_bad_expansion_point():
    with pytest.raises(TypeError, match="one number"):
        taylor_polynomial([1.0, 2.0], 1.0, a=[0.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        taylor_polynomial([1.0, 2.0], 1.0, a=np.nan)


# --- the standard series ---------------------------------------------------------------------

POINTS = {  # expansion points inside each domain, some of them far from 0
    "exp": [-2.0, 0.0, 1.3],
    "sin": [-2.5, 0.0, 0.7],
    "cos": [-1.0, 0.0, 3.0],
    "log1p": [-0.6, 0.0, 2.0],
    "geometric": [-3.0, 0.0, 0.5],
}
SYMPY_FORMS = {
    "exp": "exp(x)",
    "sin": "sin(x)",
    "cos": "cos(x)",
    "log1p": "log(1 + x)",
    "geometric": "1/(1 - x)",
}


@pytest.mark.parametrize("name", STANDARD_SERIES)
def test_series_coefficients_match_symbolic_derivatives(name):
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    expression = sympy.sympify(SYMPY_FORMS[name])
    for a in POINTS[name]:
        order = 9
        truth = [
            float(sympy.diff(expression, x, k).subs(x, sympy.Rational(a)) / sympy.factorial(k))
            for k in range(order + 1)
        ]
        # the recurrences and cumulative products round at each step: 1e-13 relative,
        # plus a tiny absolute term for coefficients that are exactly 0 (sin, cos at 0)
        np.testing.assert_allclose(
            series_coefficients(name, order, a), truth, rtol=1e-13, atol=1e-16
        )


def test_maclaurin_coefficients_by_their_closed_forms():
    k = np.arange(8)
    fact = np.array([math.factorial(int(i)) for i in k], dtype=float)
    np.testing.assert_allclose(series_coefficients("exp", 7), 1 / fact, rtol=1e-15)
    sin = np.where(k % 2 == 1, (-1.0) ** ((k - 1) // 2) / fact, 0.0)
    cos = np.where(k % 2 == 0, (-1.0) ** (k // 2) / fact, 0.0)
    np.testing.assert_allclose(series_coefficients("sin", 7), sin, rtol=1e-15, atol=0)
    np.testing.assert_allclose(series_coefficients("cos", 7), cos, rtol=1e-15, atol=0)
    log = np.concatenate(([0.0], (-1.0) ** (k[1:] - 1) / k[1:]))
    np.testing.assert_allclose(series_coefficients("log1p", 7), log, rtol=1e-15)
    np.testing.assert_array_equal(series_coefficients("geometric", 7), np.ones(8))


@pytest.mark.parametrize("name", STANDARD_SERIES)
def test_series_converge_to_the_function_inside_half_the_radius(name):
    series = STANDARD_SERIES[name]
    for a in POINTS[name]:
        # inside half the radius (or within 1.5 where it is infinite) the terms of the
        # series shrink at least like 2⁻ᵏ, so order 60 leaves a remainder far below 1e-15
        # relative; the bound 1e-12 is the rounding of the sum at worst (terms up to e^1.5).
        reach = min(1.5, 0.5 * series.radius(a))
        x = a + np.linspace(-reach, reach, 41)
        got = taylor_polynomial(series.coefficients(60, a), x, a)
        np.testing.assert_allclose(got, series.function(x), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ["log1p", "geometric"])
def test_series_diverge_outside_the_radius(name):
    series = STANDARD_SERIES[name]
    for a in POINTS[name]:
        x = a - 1.5 * series.radius(a) if name == "geometric" else a + 1.5 * series.radius(a)
        # outside the radius the terms grow like 1.5ᵏ: more terms, a worse answer
        errors = [
            abs(taylor_polynomial(series.coefficients(n, a), x, a) - series.function(x))
            for n in (10, 20, 40)
        ]
        assert errors[0] < errors[1] < errors[2] and errors[2] > 1e5


def test_radius_is_the_distance_to_the_singularity():
    assert STANDARD_SERIES["exp"].radius(5.0) == math.inf
    assert STANDARD_SERIES["log1p"].radius(0.0) == 1.0
    assert STANDARD_SERIES["log1p"].radius(2.0) == 3.0
    assert STANDARD_SERIES["geometric"].radius(-1.0) == 2.0


def test_series_reject_unknown_names_bad_orders_and_points_outside_the_domain():
    with pytest.raises(ValueError, match="unknown series 'tan'"):
        series_coefficients("tan", 3)
    with pytest.raises(TypeError, match="whole number"):
        series_coefficients("exp", 2.5)
    with pytest.raises(ValueError, match="0 or more"):
        series_coefficients("exp", -1)
    with pytest.raises(ValueError, match=r"domain \(-1, inf\)"):
        series_coefficients("log1p", 3, a=-1.0)
    with pytest.raises(ValueError, match="no Taylor series about a = 1"):
        STANDARD_SERIES["geometric"].radius(1.0)


# --- the order of the error: Δx^(n+1) ------------------------------------------------------


@pytest.mark.parametrize("name", STANDARD_SERIES)
@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
def test_error_of_an_order_n_polynomial_shrinks_like_step_to_the_n_plus_1(name, order):
    # a = 0.3 is a generic point: no derivative of these functions vanishes there, so the
    # leading error term f⁽ⁿ⁺¹⁾(a)/(n+1)! Δxⁿ⁺¹ is present. Steps 0.05 … 0.005 keep the
    # smallest error (about 0.005⁵/5! ≈ 3e-14 for order 4) far above round-off (about 1e-16)
    # and the next term below 10 % of the leading one, hence the tolerance ±0.1.
    a = 0.3
    series = STANDARD_SERIES[name]
    c = series.coefficients(order, a)
    steps = np.geomspace(0.05, 0.005, 9)
    errors = approximation_errors(series.function, lambda x: taylor_polynomial(c, x, a), a, steps)
    assert error_order(steps, errors) == pytest.approx(order + 1, abs=0.1)
    # negative steps give the same order
    errors = approximation_errors(series.function, lambda x: taylor_polynomial(c, x, a), a, -steps)
    assert error_order(-steps, errors) == pytest.approx(order + 1, abs=0.1)


def test_a_vanishing_next_derivative_raises_the_order():
    # sin about 0: the x² coefficient is 0, so the linearisation x has error x³/6, slope 3
    steps = np.geomspace(0.05, 0.005, 9)
    errors = approximation_errors(np.sin, lambda x: x, 0.0, steps)
    assert error_order(steps, errors) == pytest.approx(3.0, abs=0.05)


def test_error_order_recovers_exact_power_laws():
    steps = np.geomspace(1.0, 1e-3, 7)
    for p in (0.5, 1.0, 2.0, 3.7):
        assert error_order(steps, 2.5 * steps**p) == pytest.approx(p, abs=1e-12)


def test_error_order_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        error_order([0.1, 0.01], [1e-2])
    with pytest.raises(ValueError, match="two different step sizes"):
        error_order([0.1, 0.1], [1e-2, 1e-2])
    with pytest.raises(ValueError, match="finite and positive"):
        error_order([0.1, 0.01], [1e-2, 0.0])
    with pytest.raises(ValueError, match="non-zero"):
        error_order([0.1, 0.0], [1e-2, 1e-3])


# --- linearisation ------------------------------------------------------------------------------


def test_linearisation_is_the_tangent_line():
    x = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(linearisation(np.exp, np.exp, 1.0, x), np.e * x, rtol=1e-15)
    # a straight line is its own linearisation
    line = linearisation(lambda t: 3 - 2 * t, lambda t: -2 + 0 * t, 0.7, x)
    np.testing.assert_allclose(line, 3 - 2 * x, rtol=1e-15)


def test_linearisation_error_is_half_the_curvature_times_step_squared():
    # f(a + h) − L(a + h) = ½ f″(a) h² + O(h³): at h = 1e-3 the ratio is within 1e-3 of ½ f″(a)
    a, h = 0.4, 1e-3
    error = np.log1p(a + h) - linearisation(np.log1p, lambda t: 1 / (1 + t), a, a + h)
    assert error / h**2 == pytest.approx(-0.5 / (1 + a) ** 2, rel=1e-3)
    steps = np.geomspace(0.1, 1e-3, 9)
    errors = approximation_errors(
        np.log1p, lambda x: linearisation(np.log1p, lambda t: 1 / (1 + t), a, x), a, steps
    )
    assert error_order(steps, errors) == pytest.approx(2.0, abs=0.05)


def test_linearisation_ties_to_the_forward_difference():
    # week 1: the forward difference's error is (f(a+h) − L(a+h)) / h, which is O(h)
    a, h = 1.0, 1e-4
    forward = (np.sin(a + h) - np.sin(a)) / h
    gap = np.sin(a + h) - linearisation(np.sin, np.cos, a, a + h)
    assert forward - np.cos(a) == pytest.approx(gap / h, rel=1e-6)


def test_linearisation_accepts_scalar_only_functions():
    assert linearisation(math.exp, math.exp, 0.0, 0.5) == pytest.approx(1.5)


# --- the multivariate quadratic model -----------------------------------------------------------


def _random_quadratic(rng, n):
    """f(x) = c + b·x + ½ xᵀAx with A symmetric, with its exact J and H at any point."""
    A = rng.normal(size=(n, n))
    A = A + A.T
    b, c = rng.normal(size=n), float(rng.normal())

    def f(x):
        return c + x @ b + 0.5 * np.einsum("...i,ij,...j->...", x, A, x)

    return f, (lambda x: b + A @ x), A


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_quadratic_model_is_exact_for_a_quadratic(n):
    rng = np.random.default_rng(40 + n)  # seed 40 + n: a different fixed quadratic per size
    f, grad, A = _random_quadratic(rng, n)
    x = rng.normal(size=n)
    steps = rng.normal(size=(6, n)) * 2.0
    got = quadratic_approximation(f(x), grad(x), A, steps)
    assert got.shape == (6,)
    # exact up to rounding of sums of a few numbers of size about 10
    np.testing.assert_allclose(got, f(x + steps), rtol=1e-12, atol=1e-11)
    one = quadratic_approximation(f(x), grad(x), A, steps[0])
    assert isinstance(one, float) and one == pytest.approx(f(x + steps[0]), rel=1e-12)


def test_quadratic_model_matches_the_hand_computed_terms():
    J = np.array([1.0, -2.0, 0.5])
    H = np.array([[2.0, 1.0, 0.0], [1.0, -3.0, 4.0], [0.0, 4.0, 1.0]])
    d = np.array([0.1, 0.2, -0.3])
    by_hand = 1.5 + (0.1 - 0.4 - 0.15) + 0.5 * float(d @ H @ d)
    assert quadratic_approximation(1.5, J, H, d) == pytest.approx(by_hand, rel=1e-15)
    assert linear_approximation(1.5, J, d) == pytest.approx(1.5 + 0.1 - 0.4 - 0.15, rel=1e-15)


def _egg_box():
    def f(p):
        return np.sin(p[..., 0]) * np.cos(p[..., 1])

    def jacobian(p):
        x, y = p
        return np.array([np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)])

    def hessian(p):
        x, y = p
        off = -np.cos(x) * np.sin(y)
        return np.array([[-np.sin(x) * np.cos(y), off], [off, -np.sin(x) * np.cos(y)]])

    return f, jacobian, hessian


def test_quadratic_model_error_shrinks_like_step_cubed_and_linear_like_step_squared():
    f, jacobian, hessian = _egg_box()
    x = np.array([0.4, -0.9])
    direction = np.array([0.6, 0.8])  # a unit vector
    # steps 0.1 … 0.005: errors from about 1e-4 down to 1e-8 (cubic) stay far above round-off
    r = np.geomspace(0.1, 0.005, 9)
    points = x + r[:, None] * direction
    quad = quadratic_approximation(f(x), jacobian(x), hessian(x), points - x)
    lin = linear_approximation(f(x), jacobian(x), points - x)
    assert error_order(r, np.abs(f(points) - quad)) == pytest.approx(3.0, abs=0.1)
    assert error_order(r, np.abs(f(points) - lin)) == pytest.approx(2.0, abs=0.1)


def test_analytic_J_and_H_agree_with_finite_differences():
    # independent truth for J and H: central differences of f (error about 1e-10 here)
    f, jacobian, hessian = _egg_box()
    x, h = np.array([1.1, 0.3]), 1e-4
    e = np.eye(2) * h
    J_numeric = np.array([(f(x + e[i]) - f(x - e[i])) / (2 * h) for i in range(2)])
    H_numeric = np.array(
        [
            [
                (f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j]) + f(x - e[i] - e[j]))
                / (4 * h * h)
                for j in range(2)
            ]
            for i in range(2)
        ]
    )
    # central-difference truncation ~ h² ≈ 1e-8, round-off of the Hessian ~ ε/h² ≈ 2e-8
    np.testing.assert_allclose(jacobian(x), J_numeric, atol=1e-7)
    np.testing.assert_allclose(hessian(x), H_numeric, atol=1e-6)
    d = np.array([0.01, -0.02])
    assert quadratic_approximation(f(x), J_numeric, H_numeric, d) == pytest.approx(
        quadratic_approximation(f(x), jacobian(x), hessian(x), d), abs=1e-9
    )


def test_quadratic_model_explains_shape_mistakes():
    J, H = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match=r"shape \(n,\), got shape \(1, 3\): flatten"):
        quadratic_approximation(0.0, J.reshape(1, 3), H, np.zeros(3))
    with pytest.raises(ValueError, match=r"Hessian must have shape \(3, 3\)"):
        quadratic_approximation(0.0, J, np.eye(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"transpose it\?"):
        quadratic_approximation(0.0, J, H, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="symmetric"):
        quadratic_approximation(0.0, J, np.triu(np.ones((3, 3))), np.zeros(3))
    with pytest.raises(TypeError, match="one number"):
        quadratic_approximation([1.0, 2.0], J, H, np.zeros(3))
    with pytest.raises(ValueError, match=r"delta must have shape \(3,\)"):
        linear_approximation(0.0, J, np.zeros(2))


def test_quadratic_model_accepts_a_slightly_unsymmetric_numerical_hessian():
    H = np.array([[2.0, 1.0 + 1e-9], [1.0, 2.0]])
    assert quadratic_approximation(0.0, [0.0, 0.0], H, [1.0, 0.0]) == pytest.approx(1.0)
