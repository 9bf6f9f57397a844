"""Week 4 numerics: Taylor polynomials, standard series, linearisation and the quadratic model.

Taught in ``notebooks/04_taylor_series.ipynb``. A Taylor polynomial of order n about
the expansion point a is stored as its coefficients ``c`` of shape ``(n + 1,)``,
lowest power first,

    p(x) = c[0] + c[1] (x - a) + c[2] (x - a)² + … + c[n] (x - a)ⁿ,

and evaluated with Horner's scheme in powers of ``(x - a)``. The multivariate model
f(x + Δ) ≈ f(x) + J·Δ + ½ ΔᵀHΔ takes the Jacobian row ``J`` of shape ``(n,)`` and the
symmetric Hessian ``H`` of shape ``(n, n)``, the course's conventions.

This module imports only NumPy: no figures, no widgets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mmlcalc.calculus import evaluate

__all__ = [
    "STANDARD_SERIES",
    "StandardSeries",
    "approximation_errors",
    "error_order",
    "linear_approximation",
    "linearisation",
    "quadratic_approximation",
    "series_coefficients",
    "taylor_coefficients",
    "taylor_polynomial",
]


def _plain(result: np.ndarray):
    """A 0-d result as a Python float (reads better in a notebook), arrays unchanged."""
    return float(result) if result.ndim == 0 else result


def _finite_number(value, name: str) -> float:
    if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be one number, got {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number}")
    return number


def _coefficient_array(coefficients, name: str = "coefficients") -> np.ndarray:
    try:
        c = np.asarray(coefficients, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {coefficients!r}") from None
    if c.ndim != 1 or c.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of shape (n + 1,), lowest power first; "
            f"got shape {c.shape}"
        )
    return c


def _order(order) -> int:
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"the order must be a whole number (0, 1, 2, …), got {order!r}")
    if order < 0:
        raise ValueError(f"the order must be 0 or more, got {order}")
    return int(order)


def _inverse_factorials(n: int) -> np.ndarray:
    """1/0!, 1/1!, …, 1/n! as a cumulative product, shape (n + 1,).

    Building 1/k! from 1/(k-1)! · 1/k never forms k! itself, which overflows a float
    for k > 170; 1/k! only underflows gracefully to 0.
    """
    return np.cumprod(np.concatenate(([1.0], 1.0 / np.arange(1, n + 1))))


def taylor_coefficients(derivatives) -> np.ndarray:
    """Taylor coefficients cₖ = f⁽ᵏ⁾(a) / k! from the derivatives of f at the expansion point.

    Notes
    -----
    .. math:: c_k = \\frac{f^{(k)}(a)}{k!}, \\qquad k = 0, 1, \\dots, n

    Matching the k-th derivative of the polynomial to that of f at a gives this
    formula: the k-th derivative of cₖ(x − a)ᵏ at a is k!·cₖ. Taught in section 1,
    "Building a polynomial by matching derivatives".

    Parameters
    ----------
    derivatives : array_like, shape (n + 1,)
        f(a), f′(a), f″(a), …, f⁽ⁿ⁾(a).

    Returns
    -------
    numpy.ndarray, shape (n + 1,)
        The coefficients, lowest power first.

    Examples
    --------
    >>> taylor_coefficients([1.0, 0.0, -1.0, 0.0, 1.0])   # cos x about 0
    array([ 1.        ,  0.        , -0.5       ,  0.        ,  0.04166667])
    """
    d = _coefficient_array(derivatives, "derivatives")
    return d * _inverse_factorials(d.size - 1)


def taylor_polynomial(coefficients, x, a: float = 0.0):
    """Evaluate p(x) = Σₖ cₖ (x − a)ᵏ with Horner's scheme, at every point of ``x``.

    Horner's scheme nests the sum, p = c₀ + t(c₁ + t(c₂ + … + t cₙ)) with t = x − a:
    n multiplications and n additions, no powers, and a rounding error that is at
    most about 2n·ε·Σ|cₖ||t|ᵏ (Higham, *Accuracy and Stability of Numerical
    Algorithms*, 2nd ed., §5.1). Working in powers of (x − a), not of x, keeps t
    small near the expansion point, where the polynomial is meant to be used.

    Notes
    -----
    .. math:: p(x) = c_0 + t\\,\\bigl(c_1 + t\\,(c_2 + \\dots + t\\,c_n)\\bigr), \\qquad t = x - a

    Taught in section 2, "Maclaurin and Taylor series".

    Parameters
    ----------
    coefficients : array_like, shape (n + 1,)
        c₀, c₁, …, cₙ, lowest power first.
    x : float or array_like, shape (...)
        Where to evaluate.
    a : float
        The expansion point.

    Returns
    -------
    float or numpy.ndarray, shape (...)
        p(x), with the shape of ``x``.

    Examples
    --------
    >>> taylor_polynomial([1.0, 2.0, 3.0], 2.0, a=1.0)   # 1 + 2·1 + 3·1²
    6.0
    >>> taylor_polynomial([0.0, 1.0], [0.5, 1.5])          # p(x) = x
    array([0.5, 1.5])
    """
    c = _coefficient_array(coefficients)
    a = _finite_number(a, "the expansion point a")
    t = np.asarray(x, dtype=float) - a
    result = np.full(t.shape, c[-1])
    for coefficient in c[-2::-1]:
        result = result * t + coefficient
    return _plain(result)


# --- the standard series -------------------------------------------------------------


@dataclass(frozen=True)
class StandardSeries:
    """A function with a known Taylor series about any expansion point a.

    Attributes
    ----------
    name : str
        Its key in :data:`STANDARD_SERIES`.
    label : str
        How the course writes it, e.g. ``"ln(1 + x)"``.
    function : callable
        The function itself, NumPy-vectorised.
    taylor : callable
        ``taylor(order, a)``: the coefficients f⁽ᵏ⁾(a)/k!, k = 0 … order, from their
        closed forms (use :meth:`coefficients`, which checks its arguments).
    domain : (float, float)
        The open interval where it is defined and smooth; an expansion point must
        lie strictly inside.
    singularity : float or None
        The point where it blows up (None for exp, sin, cos, which have none): the
        radius of convergence about a is the distance from a to it.
    maclaurin : str
        The series about 0, in words, for a table or a readout.
    """

    name: str
    label: str
    function: Callable
    taylor: Callable[[int, float], np.ndarray]
    domain: tuple[float, float]
    singularity: float | None
    maclaurin: str

    def coefficients(self, order: int, a: float = 0.0) -> np.ndarray:
        """Taylor coefficients of order ``order`` about ``a``, shape (order + 1,)."""
        order, a = _order(order), self._check_point(a)
        return self.taylor(order, a)

    def radius(self, a: float = 0.0) -> float:
        """Radius of convergence about ``a`` (``inf`` when the series converges everywhere)."""
        a = self._check_point(a)
        return math.inf if self.singularity is None else abs(a - self.singularity)

    def _check_point(self, a) -> float:
        a = _finite_number(a, "the expansion point a")
        low, high = self.domain
        if not low < a < high:
            raise ValueError(
                f"{self.label} has no Taylor series about a = {a:g}: expand about a point "
                f"inside its domain ({low:g}, {high:g})"
            )
        return a


def _exp_taylor(order: int, a: float) -> np.ndarray:
    # every derivative of eˣ is eˣ: cₖ = eᵃ / k!
    return np.exp(a) * _inverse_factorials(order)


def _cycle(values, order: int) -> np.ndarray:
    # sin and cos repeat their derivatives every 4: take the exact values, no π/2 shifts
    return np.resize(np.asarray(values, dtype=float), order + 1) * _inverse_factorials(order)


def _sin_taylor(order: int, a: float) -> np.ndarray:
    return _cycle([np.sin(a), np.cos(a), -np.sin(a), -np.cos(a)], order)


def _cos_taylor(order: int, a: float) -> np.ndarray:
    return _cycle([np.cos(a), -np.sin(a), -np.cos(a), np.sin(a)], order)


def _log1p_taylor(order: int, a: float) -> np.ndarray:
    # f⁽ᵏ⁾(a) = (−1)ᵏ⁻¹ (k − 1)! / (1 + a)ᵏ, so cₖ = (−1)ᵏ⁻¹ / (k (1 + a)ᵏ) for k ≥ 1
    k = np.arange(1, order + 1)
    return np.concatenate(([np.log1p(a)], (-1.0) ** (k - 1) / (k * (1.0 + a) ** k)))


def _geometric_taylor(order: int, a: float) -> np.ndarray:
    # f⁽ᵏ⁾(a) = k! / (1 − a)ᵏ⁺¹, so cₖ = 1 / (1 − a)ᵏ⁺¹
    return 1.0 / (1.0 - a) ** np.arange(1, order + 2)


def _geometric(x):
    return 1.0 / (1.0 - np.asarray(x, dtype=float))


#: The series of section 2, by name. The radius of convergence about a is the
#: distance from a to the nearest point where the function is not smooth.
STANDARD_SERIES: dict[str, StandardSeries] = {
    "exp": StandardSeries(
        name="exp",
        label="eˣ",
        function=np.exp,
        taylor=_exp_taylor,
        domain=(-math.inf, math.inf),
        singularity=None,
        maclaurin="1 + x + x²/2! + x³/3! + …, for every x",
    ),
    "sin": StandardSeries(
        name="sin",
        label="sin x",
        function=np.sin,
        taylor=_sin_taylor,
        domain=(-math.inf, math.inf),
        singularity=None,
        maclaurin="x − x³/3! + x⁵/5! − …, for every x",
    ),
    "cos": StandardSeries(
        name="cos",
        label="cos x",
        function=np.cos,
        taylor=_cos_taylor,
        domain=(-math.inf, math.inf),
        singularity=None,
        maclaurin="1 − x²/2! + x⁴/4! − …, for every x",
    ),
    "log1p": StandardSeries(
        name="log1p",
        label="ln(1 + x)",
        function=np.log1p,
        taylor=_log1p_taylor,
        domain=(-1.0, math.inf),
        singularity=-1.0,
        maclaurin="x − x²/2 + x³/3 − …, for −1 < x ≤ 1",
    ),
    "geometric": StandardSeries(
        name="geometric",
        label="1/(1 − x)",
        function=_geometric,
        taylor=_geometric_taylor,
        domain=(-math.inf, 1.0),
        singularity=1.0,
        maclaurin="1 + x + x² + x³ + …, for −1 < x < 1",
    ),
}


def series_coefficients(name: str, order: int, a: float = 0.0) -> np.ndarray:
    """Taylor coefficients of a standard function about ``a``, up to ``order``.

    Notes
    -----
    About a = 0 (the Maclaurin series):

    .. math::

        e^x = \\sum_k \\frac{x^k}{k!}, \\quad
        \\sin x = \\sum_k \\frac{(-1)^k x^{2k+1}}{(2k+1)!}, \\quad
        \\cos x = \\sum_k \\frac{(-1)^k x^{2k}}{(2k)!}, \\quad
        \\ln(1+x) = \\sum_{k \\ge 1} \\frac{(-1)^{k-1} x^k}{k}, \\quad
        \\frac{1}{1-x} = \\sum_k x^k .

    The first three converge for every x; ln(1 + x) for −1 < x ≤ 1 and 1/(1 − x) for
    |x| < 1. Taught in section 2, "Maclaurin and Taylor series".

    Parameters
    ----------
    name : {"exp", "sin", "cos", "log1p", "geometric"}
    order : int
        The highest power n.
    a : float
        The expansion point, inside the function's domain.

    Returns
    -------
    numpy.ndarray, shape (order + 1,)

    Examples
    --------
    >>> series_coefficients("log1p", 4)
    array([ 0.        ,  1.        , -0.5       ,  0.33333333, -0.25      ])
    >>> series_coefficients("geometric", 2, a=0.5)   # 1/(1-x) about 0.5: 2 + 4t + 8t²
    array([2., 4., 8.])
    """
    try:
        series = STANDARD_SERIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown series {name!r}: choose one of {', '.join(map(repr, STANDARD_SERIES))}"
        ) from None
    return series.coefficients(order, a)


# --- linearisation and the multivariate quadratic model ------------------------------


def linearisation(f: Callable, df: Callable, a: float, x):
    """The tangent-line approximation L(x) = f(a) + f′(a)(x − a), at every point of ``x``.

    Its error f(x) − L(x) is about ½ f″(a)(x − a)²: it shrinks like Δx², O(Δx²).

    Notes
    -----
    .. math:: L(x) = f(a) + f'(a)\\,(x - a)

    Taught in section 4, "Linearisation and its error".

    Parameters
    ----------
    f, df : callable
        The function and its derivative.
    a : float
        The point of tangency.
    x : float or array_like, shape (...)

    Returns
    -------
    float or numpy.ndarray, shape (...)

    Examples
    --------
    >>> linearisation(np.sqrt, lambda x: 0.5 / np.sqrt(x), 4.0, 4.1)   # √4.1 ≈ 2 + 0.1/4
    2.025
    """
    a = _finite_number(a, "the point a")
    value, slope = float(evaluate(f, a)), float(evaluate(df, a))
    return _plain(value + slope * (np.asarray(x, dtype=float) - a))


def _jacobian_row(jacobian) -> np.ndarray:
    J = np.asarray(jacobian, dtype=float)
    if J.ndim == 2 and 1 in J.shape:
        raise ValueError(
            f"the Jacobian of a scalar function is a 1-D row of shape (n,), got shape {J.shape}: "
            "flatten it (J.ravel())"
        )
    if J.ndim != 1 or J.size == 0:
        raise ValueError(f"the Jacobian must have shape (n,), got shape {J.shape}")
    return J


def _displacements(delta, n: int) -> np.ndarray:
    D = np.asarray(delta, dtype=float)
    if D.ndim == 0 or D.shape[-1] != n:
        hint = ""
        if D.ndim == 2 and D.shape[0] == n:
            hint = f": for several steps put one per row, shape (m, {n}) (transpose it?)"
        raise ValueError(
            f"delta must have shape ({n},), or (..., {n}) for several steps, to match a "
            f"Jacobian of shape ({n},); got shape {D.shape}{hint}"
        )
    return D


def linear_approximation(value: float, jacobian, delta):
    """The first-order model f(x + Δ) ≈ f(x) + J·Δ of a scalar function of n inputs.

    Notes
    -----
    .. math:: f(\\mathbf{x} + \\boldsymbol\\Delta) \\approx f(\\mathbf{x}) + J\\,\\boldsymbol\\Delta

    Taught in section 6, "The multivariate Taylor series".

    Parameters
    ----------
    value : float
        f(x).
    jacobian : array_like, shape (n,)
        J = [∂f/∂x₁, …, ∂f/∂xₙ] at x.
    delta : array_like, shape (n,) or (..., n)
        One step Δ, or a stack of steps (one per row).

    Returns
    -------
    float or numpy.ndarray, shape (...)

    Examples
    --------
    >>> linear_approximation(1.0, [2.0, -1.0], [0.1, 0.2])   # 1 + 0.2 - 0.2
    1.0
    """
    value = _finite_number(value, "the value f(x)")
    J = _jacobian_row(jacobian)
    D = _displacements(delta, J.size)
    return _plain(value + D @ J)


def quadratic_approximation(value: float, jacobian, hessian, delta):
    """The second-order model f(x + Δ) ≈ f(x) + J·Δ + ½ ΔᵀHΔ of a scalar function of n inputs.

    Its error is O(|Δ|³): halving the step divides it by about eight.

    Notes
    -----
    .. math::

        f(\\mathbf{x} + \\boldsymbol\\Delta) \\approx f(\\mathbf{x}) + J\\,\\boldsymbol\\Delta
        + \\tfrac{1}{2}\\,\\boldsymbol\\Delta^\\top H\\,\\boldsymbol\\Delta

    Taught in section 6, "The multivariate Taylor series".

    Parameters
    ----------
    value : float
        f(x).
    jacobian : array_like, shape (n,)
        The Jacobian row J at x.
    hessian : array_like, shape (n, n)
        The Hessian H at x; symmetric (to a relative 1e-6, which numerically
        estimated Hessians meet easily; a clearly unsymmetric H is a mistake).
    delta : array_like, shape (n,) or (..., n)
        One step Δ, or a stack of steps (one per row).

    Returns
    -------
    float or numpy.ndarray, shape (...)

    Examples
    --------
    >>> J = np.array([1.0, 0.0])
    >>> H = np.array([[2.0, 1.0], [1.0, 4.0]])
    >>> quadratic_approximation(3.0, J, H, [1.0, 1.0])   # 3 + 1 + ½·(2 + 2 + 4)
    8.0
    >>> quadratic_approximation(3.0, J, H, [[1.0, 0.0], [0.0, 1.0]])
    array([5., 5.])
    """
    value = _finite_number(value, "the value f(x)")
    J = _jacobian_row(jacobian)
    n = J.size
    H = np.asarray(hessian, dtype=float)
    if H.shape != (n, n):
        raise ValueError(
            f"the Hessian must have shape ({n}, {n}) to match a Jacobian of shape ({n},); "
            f"got shape {H.shape}"
        )
    scale = max(1.0, float(np.max(np.abs(H))))
    if np.max(np.abs(H - H.T)) > 1e-6 * scale:
        raise ValueError(
            "the Hessian must be symmetric (∂²f/∂xᵢ∂xⱼ = ∂²f/∂xⱼ∂xᵢ); this one differs from "
            f"its transpose by up to {float(np.max(np.abs(H - H.T))):.3g}"
        )
    D = _displacements(delta, n)
    # ½ ΔᵀHΔ for every row of a stack of steps: einsum sums over i and j for each step
    curvature = 0.5 * np.einsum("...i,ij,...j->...", D, H, D)
    return _plain(value + D @ J + curvature)


# --- measuring the order of an approximation's error ------------------------------------


def approximation_errors(f: Callable, approximation: Callable, a: float, steps) -> np.ndarray:
    """|f(a + Δx) − approximation(a + Δx)| for every step Δx in ``steps``.

    Parameters
    ----------
    f, approximation : callable
        The function and its approximation about ``a`` (both NumPy-vectorised).
    a : float
    steps : array_like, shape (k,)

    Returns
    -------
    numpy.ndarray, shape (k,)

    Examples
    --------
    >>> approximation_errors(np.exp, lambda x: 1 + x, 0.0, [0.1]).round(6)   # e^0.1 − 1.1
    array([0.005171])
    """
    a = _finite_number(a, "the point a")
    x = a + np.asarray(steps, dtype=float)
    return np.abs(evaluate(f, x) - evaluate(approximation, x))


def error_order(steps, errors) -> float:
    """The slope of log(error) against log(step): the p in error ≈ C·|Δx|ᵖ.

    An order-n Taylor polynomial has p = n + 1 (p = 2 for a linearisation) unless
    the next derivative happens to vanish at the expansion point. The slope is a
    least-squares straight-line fit on log axes, so it averages out the wobble of
    the higher-order terms; pick steps small enough that the leading term dominates
    and large enough that the errors stay far above round-off (about 1e-16·|f|).

    Notes
    -----
    .. math:: \\log|e| \\approx \\log C + p \\log|\\Delta x|

    Taught in section 5, "The order of an approximation".

    Parameters
    ----------
    steps : array_like, shape (k,)
        The steps Δx, non-zero, at least two different sizes.
    errors : array_like, shape (k,)
        The errors there, all positive.

    Returns
    -------
    float
        The fitted slope p.

    Examples
    --------
    >>> steps = np.array([0.1, 0.01, 0.001])
    >>> round(error_order(steps, 3.0 * steps**2), 6)
    2.0
    """
    h = np.abs(np.asarray(steps, dtype=float))
    e = np.asarray(errors, dtype=float)
    if h.ndim != 1 or h.shape != e.shape:
        raise ValueError(
            f"steps and errors must be 1-D arrays of the same shape (k,), "
            f"got {h.shape} and {e.shape}"
        )
    if np.unique(h).size < 2:
        raise ValueError("give at least two different step sizes to fit a slope")
    if np.any(~np.isfinite(h)) or np.any(h == 0):
        raise ValueError("every step must be finite and non-zero")
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ValueError(
            "every error must be finite and positive: an error of exactly 0 has no logarithm "
            "(the approximation is exact there, or the steps are lost in round-off)"
        )
    slope, _intercept = np.polyfit(np.log(h), np.log(e), 1)
    return float(slope)
