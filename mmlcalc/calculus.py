"""Week 1 numerics: slopes, secants and finite-difference derivatives.

Taught in ``notebooks/01_slopes_and_derivatives.ipynb``. Every function accepts a
scalar or an array of ``x`` values and returns a result of the same shape, so a
whole curve of slopes is one call.

This module imports only NumPy: no figures, no widgets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "FD_METHODS",
    "backward_difference",
    "central_difference",
    "default_step",
    "derivative",
    "difference_error",
    "evaluate",
    "forward_difference",
    "secant_slope",
]

#: The finite-difference formulas this module knows, with the power of ``h`` in
#: their truncation error (forward and backward: O(h); central: O(h²)).
FD_METHODS = {"forward": 1, "backward": 1, "central": 2}

_EPS = np.finfo(float).eps


def evaluate(f: Callable, x) -> np.ndarray:
    """Evaluate ``f`` at every point of ``x`` and return a float array of ``x``'s shape.

    Functions written with NumPy (``np.sin``, ``lambda x: x**2``) are called once on
    the whole array. Functions that only take one number (``math.sin``) are called
    point by point, so a learner's function works either way.

    Parameters
    ----------
    f : callable
        The function, ``f(x) -> y``.
    x : float or array_like, shape (...)
        Where to evaluate it.

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> import math
    >>> evaluate(math.exp, [0.0, 1.0])
    array([1.        , 2.71828183])
    """
    if not callable(f):
        raise TypeError(
            f"expected a function f(x), got {type(f).__name__}: pass the function itself, "
            "for example np.sin, not np.sin(x)"
        )
    x = np.asarray(x, dtype=float)
    try:
        y = np.asarray(f(x), dtype=float)
        if y.shape == x.shape:
            return y
    except (TypeError, ValueError):
        pass
    # f works on single numbers only (math.sin, an `if` on x, ...): go point by point.
    flat = [float(f(float(value))) for value in x.ravel()]
    return np.asarray(flat, dtype=float).reshape(x.shape)


def _plain(result: np.ndarray):
    """A 0-d result as a Python float (reads better in a notebook), arrays unchanged."""
    return float(result) if result.ndim == 0 else result


def _check_step(h) -> np.ndarray:
    h = np.asarray(h, dtype=float)
    if np.any(~np.isfinite(h)) or np.any(h == 0):
        raise ValueError(f"the step h must be a finite, non-zero number, got {h}")
    return h


def _check_taken(step: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Fail clearly when h is so small that the computer could not move x at all."""
    if np.any(step == 0):
        raise ValueError(
            f"the step h = {np.min(np.abs(h)):g} is too small for x: in floating point "
            "x + h == x, so the difference is 0/0; use a larger h (see default_step)"
        )
    return step


def secant_slope(f: Callable, x0, x1):
    """Slope of the straight line through ``(x0, f(x0))`` and ``(x1, f(x1))``: rise over run.

    Notes
    -----
    .. math:: m = \\frac{f(x_1) - f(x_0)}{x_1 - x_0}

    Taught in section 1, "The gradient of a straight line", and section 2,
    "From secant to tangent".

    Parameters
    ----------
    f : callable
    x0, x1 : float or array_like, broadcastable shapes
        The two inputs; they must differ.

    Returns
    -------
    float or numpy.ndarray
        The slope, with the broadcast shape of ``x0`` and ``x1``.

    Examples
    --------
    >>> secant_slope(lambda x: x**2, 1.0, 3.0)
    4.0
    """
    x0 = np.asarray(x0, dtype=float)
    x1 = np.asarray(x1, dtype=float)
    run = x1 - x0
    if np.any(run == 0):
        raise ValueError(
            "x0 and x1 are the same point: the run x1 - x0 is zero, so there is no slope"
        )
    slope = (evaluate(f, x1) - evaluate(f, x0)) / run
    return _plain(slope)


def forward_difference(f: Callable, x, h):
    """Forward-difference estimate of f'(x): the secant slope from x to x + h.

    Notes
    -----
    .. math:: f'(x) \\approx \\frac{f(x + h) - f(x)}{h}, \\qquad \\text{error} = O(h)

    Taught in section 3, "The derivative as a limit".

    Parameters
    ----------
    f : callable
    x : float or array_like, shape (...)
    h : float or array_like broadcastable with ``x``
        The step; non-zero.

    Returns
    -------
    float or numpy.ndarray, shape (...)

    Examples
    --------
    >>> round(forward_difference(lambda x: x**2, 3.0, 1e-6), 4)
    6.0
    """
    x = np.asarray(x, dtype=float)
    h = _check_step(h)
    # (x + h) - x is the step the computer really took: dividing by it removes one
    # source of round-off error when x + h is not exactly representable.
    step = _check_taken((x + h) - x, h)
    slope = (evaluate(f, x + h) - evaluate(f, x)) / step
    return _plain(slope)


def backward_difference(f: Callable, x, h):
    """Backward-difference estimate of f'(x): the secant slope from x - h to x.

    Notes
    -----
    .. math:: f'(x) \\approx \\frac{f(x) - f(x - h)}{h}, \\qquad \\text{error} = O(h)

    Examples
    --------
    >>> round(backward_difference(lambda x: x**2, 3.0, 1e-6), 4)
    6.0
    """
    x = np.asarray(x, dtype=float)
    h = _check_step(h)
    step = _check_taken(x - (x - h), h)
    slope = (evaluate(f, x) - evaluate(f, x - h)) / step
    return _plain(slope)


def central_difference(f: Callable, x, h):
    """Central-difference estimate of f'(x): the secant slope from x - h to x + h.

    The errors of the forward and backward formulas cancel to first order, so the
    error shrinks like h² instead of h.

    Notes
    -----
    .. math:: f'(x) \\approx \\frac{f(x + h) - f(x - h)}{2h}, \\qquad \\text{error} = O(h^2)

    Taught in section 6, "How small should h be?".

    Parameters
    ----------
    f : callable
    x : float or array_like, shape (...)
    h : float or array_like broadcastable with ``x``

    Returns
    -------
    float or numpy.ndarray, shape (...)

    Examples
    --------
    >>> round(central_difference(lambda x: x**3, 2.0, 1e-3), 6)
    12.000001
    """
    x = np.asarray(x, dtype=float)
    h = _check_step(h)
    step = _check_taken((x + h) - (x - h), h)
    slope = (evaluate(f, x + h) - evaluate(f, x - h)) / step
    return _plain(slope)


def default_step(x, method: str = "central"):
    """A sensible finite-difference step for ``method`` at ``x``.

    The total error of a finite difference is truncation (shrinks with h) plus
    round-off (grows like ε/h, with ε ≈ 2.2e-16 the machine epsilon). Balancing
    the two gives h ≈ √ε ≈ 1.5e-8 for the O(h) formulas and h ≈ ∛ε ≈ 6.1e-6 for
    the O(h²) central formula, scaled by ``max(1, |x|)`` so the step stays
    relative to the size of x.

    Notes
    -----
    .. math:: h = \\varepsilon^{1/(p+1)} \\max(1, |x|)

    where p is the order of the method's truncation error.

    Examples
    --------
    >>> default_step(0.0, "central")
    6.055454452393343e-06
    >>> default_step(100.0, "forward")
    1.4901161193847656e-06
    """
    order = _method_order(method)
    scale = np.maximum(1.0, np.abs(np.asarray(x, dtype=float)))
    return _plain(_EPS ** (1.0 / (order + 1)) * scale)


def _method_order(method: str) -> int:
    try:
        return FD_METHODS[method]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown method {method!r}: choose one of {', '.join(map(repr, FD_METHODS))}"
        ) from None


_FORMULAS = {
    "forward": forward_difference,
    "backward": backward_difference,
    "central": central_difference,
}


def derivative(f: Callable, x, h=None, method: str = "central"):
    """Numerical derivative f'(x) with a sensible automatic step.

    Parameters
    ----------
    f : callable
    x : float or array_like, shape (...)
    h : float, array_like or None
        The step; ``None`` picks :func:`default_step` for the method at each x.
    method : {"central", "forward", "backward"}

    Returns
    -------
    float or numpy.ndarray, shape (...)

    Examples
    --------
    >>> round(derivative(np.sin, 0.0), 9)
    1.0
    >>> derivative(np.exp, [0.0, 1.0]).round(6)
    array([1.      , 2.718282])
    """
    _method_order(method)
    if h is None:
        h = default_step(x, method)
    return _FORMULAS[method](f, x, h)


def difference_error(f: Callable, df: Callable, x, steps, method: str = "central"):
    """Absolute error of a finite-difference derivative at ``x`` for each step in ``steps``.

    The curve this returns, drawn on log axes, is the V shape of section 6:
    truncation error on the right (slope p), round-off error on the left (slope -1).

    Parameters
    ----------
    f, df : callable
        The function and its exact derivative.
    x : float
    steps : array_like, shape (k,)
    method : {"central", "forward", "backward"}

    Returns
    -------
    numpy.ndarray, shape (k,)

    Examples
    --------
    >>> err = difference_error(np.sin, np.cos, 1.0, [1e-1, 1e-2], "forward")
    >>> bool(err[1] < err[0])
    True
    """
    _method_order(method)
    steps = np.asarray(steps, dtype=float)
    estimate = _FORMULAS[method](f, np.full(steps.shape, float(x)), steps)
    return np.abs(estimate - float(evaluate(df, x)))
