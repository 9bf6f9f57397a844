"""Week 2 numerics: partial derivatives, the Jacobian, the Hessian and stationary points.

Taught in ``notebooks/02_multivariate_calculus.ipynb``.

Conventions (as in every week):

* a function of n inputs takes one point ``x`` of shape ``(n,)``;
* a *scalar* function returns one number; its Jacobian is the row vector of its
  partial derivatives, ``J = [∂f/∂x1, …, ∂f/∂xn]``, an array of shape ``(n,)``;
* a *vector* function returns an array of shape ``(m,)``; its Jacobian has shape
  ``(m, n)``: row i is the Jacobian row of output i;
* the Hessian of a scalar function has shape ``(n, n)`` and is symmetric.

Every derivative here is a central finite difference, so one call costs about
2n (Jacobian) or 2n² (Hessian) evaluations of ``f``. Where ``f`` is written with
NumPy indexing (``x[0] * x[1]``) it is evaluated on all those points in one call,
with the points as the columns of an ``(n, k)`` array; other functions are called
point by point, so any function works.

This module imports only NumPy: no figures, no widgets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mmlcalc._arrays import as_vector

__all__ = [
    "CLASSIFICATIONS",
    "classify_stationary_point",
    "default_steps",
    "evaluate_points",
    "gradient",
    "hessian",
    "jacobian",
    "partial_derivative",
]

_EPS = np.finfo(float).eps

#: The answers of :func:`classify_stationary_point`.
CLASSIFICATIONS = ("minimum", "maximum", "saddle", "inconclusive")


def _as_point(x) -> np.ndarray:
    return as_vector(x, "the point x", hint=": pass one point, for example np.array([1.0, 2.0])")


def _check_function(f) -> None:
    if not callable(f):
        raise TypeError(
            f"expected a function f(x) of a point x of shape (n,), got {type(f).__name__}: "
            "pass the function itself, not its value"
        )


def evaluate_points(f: Callable, points) -> np.ndarray:
    """Evaluate ``f`` at each row of ``points``; the results stacked row by row.

    Parameters
    ----------
    f : callable
        ``f(x)`` with ``x`` of shape ``(n,)``, returning a number or an array of shape ``(m,)``.
    points : array_like, shape (k, n)
        k points, one per row.

    Returns
    -------
    numpy.ndarray, shape (k,) for a scalar f, or (k, m) for a vector f

    Notes
    -----
    ``f`` is first called once on ``points.T`` (shape ``(n, k)``): a function written
    with indexing, ``x[0] ** 2 + x[1]``, then returns all k values at once. The
    answer is used only if its shape fits and its first value equals ``f`` at the
    first point; otherwise ``f`` is called point by point.

    Examples
    --------
    >>> evaluate_points(lambda x: x[0] * x[1], [[1.0, 2.0], [3.0, 4.0]])
    array([ 2., 12.])
    >>> evaluate_points(np.linalg.norm, [[3.0, 4.0], [0.0, 1.0]])   # not vectorised: a loop
    array([5., 1.])
    """
    _check_function(f)
    points = np.asarray(points, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"points must have shape (k, n), got shape {points.shape}")
    first = np.asarray(f(points[0]), dtype=float)
    if first.ndim > 1:
        raise ValueError(
            f"f must return a number or a 1-D array of shape (m,), got shape {first.shape}"
        )
    k = points.shape[0]
    try:
        with np.errstate(all="ignore"):
            batch = np.asarray(f(points.T), dtype=float)
        if first.ndim == 0 and batch.shape == (k,):
            if np.allclose(batch[0], first, rtol=1e-12, atol=0.0, equal_nan=True):
                return batch
        elif first.ndim == 1 and batch.shape == (first.size, k):
            if np.allclose(batch[:, 0], first, rtol=1e-12, atol=0.0, equal_nan=True):
                return batch.T
    except (TypeError, ValueError, IndexError):
        pass
    # f takes one point at a time (np.linalg.norm, an `if`, a matrix product): loop.
    return np.stack([np.asarray(f(point), dtype=float) for point in points])


def default_steps(x, order: int = 1) -> np.ndarray:
    """Central-difference steps for each coordinate of ``x``, shape ``(n,)``.

    For a first derivative the central difference has truncation error O(h²) and
    round-off about ε/h; they balance at h ≈ ε^(1/3) ≈ 6e-6. A second derivative
    divides by h², so round-off grows like ε/h² and the balance moves to
    h ≈ ε^(1/4) ≈ 1.2e-4. Each step is scaled by ``max(1, |x_i|)`` so that it stays
    relative to the size of that coordinate (week 1, section 5).

    Parameters
    ----------
    x : array_like, shape (n,)
    order : {1, 2}
        The order of the derivative the step is for.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Examples
    --------
    >>> default_steps([0.0, 100.0]).round(8)
    array([6.06e-06, 6.06e-04])
    >>> float(default_steps([1.0], order=2)[0].round(6))
    0.000122
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 (Jacobian) or 2 (Hessian), got {order!r}")
    point = np.asarray(x, dtype=float)
    return _EPS ** (1.0 / (order + 2)) * np.maximum(1.0, np.abs(point))


def _steps(x: np.ndarray, h, order: int) -> np.ndarray:
    if h is None:
        return default_steps(x, order)
    steps = np.broadcast_to(np.asarray(h, dtype=float), x.shape).copy()
    if np.any(~np.isfinite(steps)) or np.any(steps <= 0):
        raise ValueError(f"the step h must be positive and finite, got {h}")
    taken = (x + steps) - (x - steps)
    if np.any(taken == 0):
        raise ValueError(
            f"the step h = {np.min(steps):g} is too small for x: in floating point x + h == x; "
            "use a larger h or leave h=None for a sensible default"
        )
    return steps


def partial_derivative(f: Callable, x, i: int, h: float | None = None):
    """∂f/∂x_i at the point ``x``: vary input i, hold every other input constant.

    Notes
    -----
    .. math:: \\frac{\\partial f}{\\partial x_i}(x) \\approx
       \\frac{f(x + h e_i) - f(x - h e_i)}{2h}

    with :math:`e_i` the i-th unit vector. Taught in section 2, "Partial derivatives".

    Parameters
    ----------
    f : callable
        ``f(x)`` with ``x`` of shape ``(n,)``: a number, or an array of shape ``(m,)``.
    x : array_like, shape (n,)
    i : int
        Which input varies, ``0 <= i < n``.
    h : float, optional
        The step; ``None`` picks :func:`default_steps`.

    Returns
    -------
    float, or numpy.ndarray of shape (m,) for a vector function

    Examples
    --------
    >>> f = lambda x: x[0] ** 2 * x[1]
    >>> round(partial_derivative(f, [3.0, 2.0], 0), 6)   # 2 x y = 12
    12.0
    >>> round(partial_derivative(f, [3.0, 2.0], 1), 6)   # x² = 9
    9.0
    """
    _check_function(f)
    point = _as_point(x)
    n = point.size
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise TypeError(f"i must be an integer index of an input, got {type(i).__name__}")
    if not -n <= i < n:
        raise ValueError(f"i = {i} is not an input of a function of n = {n} inputs (0 to {n - 1})")
    step = _steps(point, h, 1)[i]
    shift = np.zeros(n)
    shift[i] = step
    values = evaluate_points(f, np.stack([point + shift, point - shift]))
    result = (values[0] - values[1]) / ((point[i] + step) - (point[i] - step))
    return float(result) if np.ndim(result) == 0 else result


def jacobian(f: Callable, x, h=None) -> np.ndarray:
    """The Jacobian of ``f`` at ``x`` by central differences: ``(n,)`` or ``(m, n)``.

    For a scalar function this is the Jacobian row vector (the gradient) of shape
    ``(n,)``; for a vector function of m outputs, the matrix of shape ``(m, n)``
    whose entry (i, j) is ∂f_i/∂x_j: row i belongs to output i, column j to input j.

    Notes
    -----
    .. math:: J_{ij} = \\frac{\\partial f_i}{\\partial x_j} \\approx
       \\frac{f_i(x + h_j e_j) - f_i(x - h_j e_j)}{2 h_j}

    All 2n shifted points are evaluated in one batch. Taught in section 4,
    "The Jacobian row vector points uphill", and section 5, "The Jacobian matrix".

    Parameters
    ----------
    f : callable
        ``f(x)`` with ``x`` of shape ``(n,)``, returning a number or shape ``(m,)``.
    x : array_like, shape (n,)
    h : float or array_like of shape (n,), optional
        Steps; ``None`` uses :func:`default_steps` (h ≈ 6e-6 · max(1, |x_j|)).

    Returns
    -------
    numpy.ndarray, shape (n,) for a scalar f, (m, n) for a vector f

    Examples
    --------
    >>> jacobian(lambda x: x[0] ** 2 + 3 * x[1], [1.0, 2.0]).round(6)
    array([2., 3.])
    >>> polar = lambda p: np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])
    >>> jacobian(polar, [2.0, 0.0]).round(6)     # [[cos θ, -r sin θ], [sin θ, r cos θ]]
    array([[1., 0.],
           [0., 2.]])
    """
    _check_function(f)
    point = _as_point(x)
    steps = _steps(point, h, 1)
    shifts = np.diag(steps)
    values = evaluate_points(f, np.concatenate([point + shifts, point - shifts]))
    n = point.size
    taken = (point + steps) - (point - steps)  # the run the computer really took
    if values.ndim == 1:
        return (values[:n] - values[n:]) / taken
    return ((values[:n] - values[n:]) / taken[:, None]).T


def gradient(f: Callable, x, h=None) -> np.ndarray:
    """The Jacobian row vector (gradient) of a scalar function, shape ``(n,)``.

    The same as :func:`jacobian` for a function that returns one number, with a
    clear error for a vector function. It points in the direction in which ``f``
    increases fastest ("uphill"), and its length is that fastest rate.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` with ``x`` of shape ``(n,)``.
    x : array_like, shape (n,)
    h : float or array_like of shape (n,), optional

    Returns
    -------
    numpy.ndarray, shape (n,)

    Examples
    --------
    >>> gradient(lambda x: np.sin(x[0]) * x[1], [0.0, 3.0]).round(6)
    array([3., 0.])
    """
    result = jacobian(f, x, h)
    if result.ndim != 1:
        raise ValueError(
            f"gradient is for a scalar function, but f returns {result.shape[0]} values; "
            "use jacobian(f, x) for a vector function"
        )
    return result


def hessian(f: Callable, x, h=None) -> np.ndarray:
    """The Hessian of a scalar function at ``x`` by central differences, shape ``(n, n)``.

    Notes
    -----
    .. math::
       H_{ii} \\approx \\frac{f(x + h_i e_i) - 2 f(x) + f(x - h_i e_i)}{h_i^2}, \\qquad
       H_{ij} \\approx \\frac{f(x^{++}) - f(x^{+-}) - f(x^{-+}) + f(x^{--})}{4 h_i h_j}

    with :math:`x^{\\pm\\pm} = x \\pm h_i e_i \\pm h_j e_j`. Both have truncation
    error O(h²); the default steps h ≈ ε^(1/4) ≈ 1.2e-4 · max(1, |x_i|) balance it
    against round-off, about ε/h². The mixed formula is symmetric in i and j, so
    the result is exactly symmetric. Taught in section 6, "The Hessian", which writes
    the mixed formula out in NumPy before calling this function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` with ``x`` of shape ``(n,)``.
    x : array_like, shape (n,)
    h : float or array_like of shape (n,), optional

    Returns
    -------
    numpy.ndarray, shape (n, n), symmetric

    Examples
    --------
    >>> hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 3, [1.0, 2.0]).round(5)
    array([[ 4.,  2.],
           [ 2., 12.]])
    """
    _check_function(f)
    point = _as_point(x)
    n = point.size
    steps = _steps(point, h, 2)
    eye = np.diag(steps)
    rows, cols = np.triu_indices(n, k=1)
    corners = [eye[rows] * a + eye[cols] * b for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    points = np.concatenate(
        [point[None, :], point + eye, point - eye] + [point + c for c in corners]
    )
    values = evaluate_points(f, points)
    if values.ndim != 1:
        raise ValueError("hessian is for a scalar function, but f returns an array")
    centre, plus, minus = values[0], values[1 : n + 1], values[n + 1 : 2 * n + 1]
    pp, pm, mp, mm = values[2 * n + 1 :].reshape(4, -1)
    result = np.empty((n, n))
    result[np.diag_indices(n)] = (plus - 2.0 * centre + minus) / steps**2
    mixed = (pp - pm - mp + mm) / (4.0 * steps[rows] * steps[cols])
    result[rows, cols] = mixed
    result[cols, rows] = mixed
    return result


def classify_stationary_point(H, tol: float = 1e-6) -> str:
    """Classify a stationary point from its Hessian: minimum, maximum, saddle or inconclusive.

    At a stationary point (Jacobian zero) the surface looks locally like the
    quadratic ½ Δxᵀ H Δx. Its shape follows from the eigenvalues λ of H:

    * all λ > 0: it curves up in every direction, a **minimum**;
    * all λ < 0: down in every direction, a **maximum**;
    * some λ > 0 and some λ < 0: up one way, down another, a **saddle**;
    * otherwise some λ = 0 and none of the others disagree in sign: the second
      derivatives cannot decide (x⁴ and -x⁴ both have H = 0), **inconclusive**.

    For n = 2 this is the familiar test with det H = λ1 λ2 and H11.

    Notes
    -----
    An eigenvalue counts as zero when ``|λ| <= tol * max(1, max|λ|)``: a Hessian from
    finite differences carries errors around 1e-7 of its size (the default step
    ε^(1/4) leaves an O(h²) ≈ 1e-8 truncation error and ε/h² ≈ 1e-8 round-off), so
    ``tol = 1e-6`` treats anything below that noise as zero. The tolerance is
    *relative* to the largest eigenvalue; the week 2 assignment's own
    ``classify_stationary_point`` uses an *absolute* ``tol = 1e-8`` on exact Hessians,
    as its task says. Taught in section 6, "The Hessian and stationary points".

    Parameters
    ----------
    H : array_like, shape (n, n)
        A symmetric Hessian.
    tol : float
        Relative size below which an eigenvalue counts as zero.

    Returns
    -------
    str
        One of ``"minimum"``, ``"maximum"``, ``"saddle"``, ``"inconclusive"``.

    Examples
    --------
    >>> classify_stationary_point([[2.0, 0.0], [0.0, 3.0]])
    'minimum'
    >>> classify_stationary_point([[2.0, 0.0], [0.0, -3.0]])
    'saddle'
    >>> classify_stationary_point([[0.0, 0.0], [0.0, -1.0]])
    'inconclusive'
    """
    try:
        matrix = np.asarray(H, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"H must be a square array of numbers, got {type(H).__name__}") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.size == 0:
        raise ValueError(f"H must be a square matrix of shape (n, n), got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("H contains inf or nan")
    scale = max(1.0, float(np.max(np.abs(matrix))))
    if not np.allclose(matrix, matrix.T, rtol=1e-6, atol=1e-8 * scale):
        raise ValueError(
            "H is not symmetric: a Hessian has H[i, j] = H[j, i] (the order of two partial "
            "derivatives does not matter); check how it was built"
        )
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    eigenvalues = np.linalg.eigvalsh(0.5 * (matrix + matrix.T))
    zero = tol * max(1.0, float(np.max(np.abs(eigenvalues))))
    positive = np.any(eigenvalues > zero)
    negative = np.any(eigenvalues < -zero)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(eigenvalues) <= zero):
        return "inconclusive"
    return "minimum" if positive else "maximum"
