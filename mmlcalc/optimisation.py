"""Week 5 numerics: Newton-Raphson, gradient descent and Lagrange multipliers.

Taught in ``notebooks/05_optimisation.ipynb``.

Every method here is an *iteration*: it starts at a point, takes steps, and must
decide when to stop. Each returns an :class:`OptimisationResult` that records the
whole path, whether it converged and, when it did not, why it stopped:

* ``"converged"``: the last step (or the gradient) fell below the tolerance;
* ``"zero derivative"``: Newton-Raphson met f'(x) = 0 (a stationary point), where the
  tangent is flat and never meets the axis; in n dimensions a singular Jacobian or
  Hessian, where the linear system has no unique solution;
* ``"cycle"``: the iteration came back to a point it had already visited (without
  converging there), so it would repeat the same steps forever;
* ``"divergence"``: the iterate grew beyond ``bound`` or became inf or nan;
* ``"left the region"``: gradient descent stepped outside the box ``bounds`` on which
  the landscape is defined (a map of real terrain, say);
* ``"no decrease"``: a backtracking line search halved its step 60 times without
  finding a lower value of f (the gradient is wrong, or f is flat to rounding);
* ``"iteration cap"``: ``max_iter`` steps were taken without any of the above.

:data:`REASON_MESSAGES` says each in a sentence: the result's ``message`` and the
week 5 explorers' readouts use the same words.

Conventions (as in every week): a point of n inputs has shape ``(n,)``; the gradient
(Jacobian row) of a scalar function has shape ``(n,)``; its Hessian ``(n, n)``; a path
of k steps has shape ``(k + 1, n)`` (the start is row 0), or ``(k + 1,)`` in one
dimension.

This module imports only NumPy (and :mod:`mmlcalc.multivariate` for numerical
derivatives): no figures, no widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mmlcalc._arrays import as_vector
from mmlcalc.multivariate import gradient, hessian, jacobian

__all__ = [
    "DESCENT_LANDSCAPES",
    "REASONS",
    "REASON_MESSAGES",
    "REGIMES",
    "DescentLandscape",
    "OptimisationResult",
    "backtracking_descent",
    "descent_landscape",
    "descent_regime",
    "gradient_descent",
    "lagrange_gradient",
    "lagrange_solve",
    "newton_minimise",
    "newton_raphson",
    "newton_system",
]

#: Why an iteration stopped (the ``reason`` of an :class:`OptimisationResult`).
REASONS = (
    "converged",
    "zero derivative",
    "cycle",
    "divergence",
    "left the region",
    "no decrease",
    "iteration cap",
)

#: What :func:`descent_regime` can say about a gradient-descent path.
REGIMES = ("converges", "oscillates", "cycles", "diverges")

#: Default size beyond which an iterate counts as diverged: far beyond any sensible
#: start in this course (|x| of order 1 to 1000), yet well below float overflow
#: (about 1e308), so a diverging method is stopped long before it produces inf.
DEFAULT_BOUND = 1e8

#: Each reason of :data:`REASONS` in a sentence (the one wording, used by
#: ``OptimisationResult.message`` and by the explorers in :mod:`mmlcalc.widgets.optimisation`).
REASON_MESSAGES = {
    "converged": "converged: the stopping rule's tolerance was met",
    "zero derivative": "stopped: the derivative is zero there (in n dimensions, the Jacobian "
    "or Hessian is singular), so the tangent is flat and never meets the axis",
    "cycle": "stopped: the iteration came back to a point it had visited, a cycle "
    "that would repeat forever",
    "divergence": "stopped: the iterate grew beyond the bound (diverging)",
    "left the region": "stopped: the step left the region on which the function is defined "
    "(it left the map)",
    "no decrease": "stopped: the line search found no step that lowers f (is the gradient "
    "right? or f is flat to rounding here)",
    "iteration cap": "stopped: the iteration cap was reached before converging",
}


@dataclass(frozen=True)
class OptimisationResult:
    """What an iteration did: where it ended, the path it took, and why it stopped.

    Attributes
    ----------
    x : float or numpy.ndarray of shape (n,)
        The last point of the path.
    path : numpy.ndarray, shape (k + 1,) in one dimension or (k + 1, n)
        Every point visited, the start first.
    converged : bool
        True exactly when ``reason == "converged"``.
    reason : str
        One of :data:`REASONS`.
    iterations : int
        The number of steps taken, k.
    step_sizes : numpy.ndarray of shape (k,), or None
        The step size used at each step (backtracking line search only).
    """

    x: float | np.ndarray
    path: np.ndarray
    converged: bool
    reason: str
    iterations: int
    step_sizes: np.ndarray | None = None

    @property
    def message(self) -> str:
        """The reason in a sentence, with the number of steps."""
        return f"{REASON_MESSAGES[self.reason]} ({self.iterations} steps)"


# --- input checks --------------------------------------------------------------------


def _check_callable(function, name: str) -> None:
    if not callable(function):
        raise TypeError(
            f"{name} must be a function, got {type(function).__name__}: "
            "pass the function itself, not its value"
        )


def _check_settings(tol: float, max_iter: int, bound: float) -> None:
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)):
        raise TypeError(f"max_iter must be a whole number of steps, got {type(max_iter).__name__}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be positive and finite, got {tol}")
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound}")


def _as_start(x0, name: str = "x0") -> np.ndarray:
    return as_vector(x0, name)


# --- Newton-Raphson ------------------------------------------------------------------


def _newton_loop(
    step: Callable[[np.ndarray], np.ndarray | None],
    x0: np.ndarray,
    tol: float,
    max_iter: int,
    bound: float,
) -> tuple[np.ndarray, str]:
    """Iterate x ← x − step(x) with the stopping rules of :data:`REASONS`; return (path, reason).

    ``step(x)`` returns the Newton step, or None where the derivative is zero (singular).
    """
    path = [x0]
    x = x0
    for _ in range(max_iter):
        delta = step(x)
        if delta is None or not np.all(np.isfinite(delta)):
            return np.array(path), "zero derivative"
        new = x - delta
        if not np.all(np.isfinite(new)) or np.max(np.abs(new)) > bound:
            path.append(new)
            return np.array(path), "divergence"
        path.append(new)
        if np.max(np.abs(delta)) <= tol:
            return np.array(path), "converged"
        # a cycle: back (within tol) at a point visited before the previous one
        earlier = np.array(path[:-2])
        if earlier.size and np.any(np.max(np.abs(earlier - new), axis=1) <= tol):
            return np.array(path), "cycle"
        x = new
    return np.array(path), "iteration cap"


def newton_raphson(
    f: Callable,
    df: Callable,
    x0: float,
    tol: float = 1e-10,
    max_iter: int = 50,
    bound: float = DEFAULT_BOUND,
) -> OptimisationResult:
    """Find a root of f(x) = 0 in one dimension by Newton-Raphson, recording the path.

    Notes
    -----
    Follow the tangent at :math:`x_k` down to the axis:

    .. math:: x_{k+1} = x_k - \\frac{f(x_k)}{f'(x_k)}.

    Stop when the step is small, :math:`|x_{k+1} - x_k| \\le` ``tol`` (converged), or
    when it fails: :math:`f'(x_k) = 0` (``"zero derivative"``), :math:`x_{k+1}` within
    ``tol`` of a point visited before :math:`x_k` (``"cycle"``), :math:`|x_{k+1}| >`
    ``bound`` or not finite (``"divergence"``), or ``max_iter`` steps taken
    (``"iteration cap"``). Near a simple root the error roughly squares at each step,
    so 50 steps are far more than a converging run needs (5 to 10 from a good start).
    To *minimise* g, pass f = g' and df = g'': a root of g' is a stationary point.
    Taught in section 1, "Newton-Raphson in one dimension", and section 2, "How
    Newton-Raphson fails".

    Parameters
    ----------
    f, df : callable
        The function and its derivative, each ``float -> float``.
    x0 : float
        The start.
    tol : float
        Stop when a step is at most this long. The default 1e-10 is about a million
        times the spacing of floats near 1 (2.2e-16): a converging Newton step goes
        from 1e-5 to 1e-10 to below 1e-16 in two steps, so it costs nothing.
    max_iter : int
        The most steps taken.
    bound : float
        An iterate larger than this in size counts as diverged.

    Returns
    -------
    OptimisationResult
        ``x`` a float, ``path`` of shape ``(k + 1,)``.

    Examples
    --------
    >>> result = newton_raphson(lambda x: x**2 - 2, lambda x: 2 * x, 1.0)
    >>> result.converged, round(result.x, 12), result.iterations
    (True, 1.414213562373, 5)
    >>> newton_raphson(lambda x: x**2 - 1, lambda x: 2 * x, 0.0).reason
    'zero derivative'
    >>> newton_raphson(lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0).path
    array([0., 1., 0.])
    """
    _check_callable(f, "f")
    _check_callable(df, "df")
    _check_settings(tol, max_iter, bound)
    if isinstance(x0, (bool, np.bool_)) or np.ndim(x0) != 0:
        raise TypeError(
            f"x0 must be one number (Newton-Raphson in one dimension), got {np.shape(x0)}: "
            "for several inputs use newton_system"
        )
    start = _as_start([x0])

    def step(x: np.ndarray):
        value, slope = float(f(float(x[0]))), float(df(float(x[0])))
        if slope == 0.0:
            return None if value != 0.0 else np.zeros(1)
        with np.errstate(all="ignore"):
            return np.array([value / slope])

    path, reason = _newton_loop(step, start, tol, max_iter, bound)
    path = path[:, 0]
    return OptimisationResult(float(path[-1]), path, reason == "converged", reason, path.size - 1)


def newton_system(
    F: Callable,
    J: Callable,
    x0,
    tol: float = 1e-10,
    max_iter: int = 50,
    bound: float = DEFAULT_BOUND,
) -> OptimisationResult:
    """Solve F(x) = 0 for n equations in n unknowns by Newton-Raphson, recording the path.

    Notes
    -----
    Replace F near :math:`x_k` by its linearisation :math:`F(x_k) + J(x_k)\\,\\Delta x`
    and solve for the step that makes it zero:

    .. math:: J(x_k)\\,\\Delta x_k = -F(x_k), \\qquad x_{k+1} = x_k + \\Delta x_k.

    The linear system is solved (``np.linalg.solve``), never by inverting J. A singular
    J stops the run with ``"zero derivative"``; the other stopping rules are those of
    :func:`newton_raphson`, with the step's largest component compared with ``tol``.
    Taught in section 4 (Newton's method with the Hessian) and section 5 (Lagrange).

    Parameters
    ----------
    F : callable
        ``F(x)`` with x of shape ``(n,)`` returns shape ``(n,)``.
    J : callable
        ``J(x)`` returns the Jacobian of F, shape ``(n, n)``.
    x0 : array_like, shape (n,)
    tol, max_iter, bound
        As for :func:`newton_raphson`.

    Returns
    -------
    OptimisationResult
        ``x`` of shape ``(n,)``, ``path`` of shape ``(k + 1, n)``.

    Examples
    --------
    >>> F = lambda p: np.array([p[0] ** 2 + p[1] ** 2 - 4, p[0] - p[1]])
    >>> J = lambda p: np.array([[2 * p[0], 2 * p[1]], [1.0, -1.0]])
    >>> newton_system(F, J, [1.0, 2.0]).x.round(8)       # (√2, √2)
    array([1.41421356, 1.41421356])
    """
    _check_callable(F, "F")
    _check_callable(J, "J")
    _check_settings(tol, max_iter, bound)
    start = _as_start(x0)
    n = start.size

    def step(x: np.ndarray):
        value = np.asarray(F(x), dtype=float)
        matrix = np.asarray(J(x), dtype=float)
        if value.shape != (n,):
            raise ValueError(f"F must return shape ({n},) like x, got shape {value.shape}")
        if matrix.shape != (n, n):
            raise ValueError(f"J must return shape ({n}, {n}), got shape {matrix.shape}")
        if not np.all(np.isfinite(matrix)):
            return None
        try:
            return np.linalg.solve(matrix, value)
        except np.linalg.LinAlgError:  # singular: no unique step
            return None

    path, reason = _newton_loop(step, start, tol, max_iter, bound)
    return OptimisationResult(path[-1].copy(), path, reason == "converged", reason, len(path) - 1)


def newton_minimise(
    grad: Callable,
    hess: Callable,
    x0,
    tol: float = 1e-10,
    max_iter: int = 50,
    bound: float = DEFAULT_BOUND,
) -> OptimisationResult:
    """Newton's method for a stationary point of f in n dimensions, using the Hessian.

    Notes
    -----
    Newton-Raphson on the gradient: solve :math:`H(x_k)\\,\\Delta x = -\\nabla f(x_k)`
    and step :math:`x_{k+1} = x_k + \\Delta x`. On a quadratic
    :math:`f = \\tfrac12 x^T A x - b^T x` one step lands exactly on the stationary point.
    It finds maxima and saddles as readily as minima: check the Hessian's eigenvalues
    at the end (week 2). Taught in section 4, "Newton's method in n dimensions".

    Parameters
    ----------
    grad : callable
        ``grad(x)`` with x of shape ``(n,)`` returns the gradient, shape ``(n,)``.
    hess : callable
        ``hess(x)`` returns the Hessian, shape ``(n, n)``. For numerical derivatives
        pass ``lambda x: mmlcalc.multivariate.gradient(f, x)`` and
        ``lambda x: mmlcalc.multivariate.hessian(f, x)``.
    x0 : array_like, shape (n,)
    tol, max_iter, bound
        As for :func:`newton_raphson`.

    Returns
    -------
    OptimisationResult
        ``path`` of shape ``(k + 1, n)``.

    Examples
    --------
    >>> A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, 1.0])
    >>> result = newton_minimise(lambda x: A @ x - b, lambda x: A, [5.0, -5.0])
    >>> result.x.round(12), result.iterations      # one step, and one to confirm
    (array([0.2, 0.4]), 2)
    """
    return newton_system(grad, hess, x0, tol=tol, max_iter=max_iter, bound=bound)


# --- gradient descent ----------------------------------------------------------------


def _descent_checks(grad, x0, step, tol, max_iter, bound, bounds):
    _check_callable(grad, "grad")
    _check_settings(tol, max_iter, bound)
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"the step size must be positive and finite, got {step}")
    start = _as_start(x0)
    box = None
    if bounds is not None:
        box = np.asarray(bounds, dtype=float)
        if box.shape != (start.size, 2) or np.any(box[:, 0] >= box[:, 1]):
            raise ValueError(
                f"bounds must be {start.size} pairs (low, high) with low < high, "
                f"shape ({start.size}, 2), got {np.asarray(bounds).tolist()}"
            )
        if np.any(start < box[:, 0]) or np.any(start > box[:, 1]):
            raise ValueError(f"the start {start} is outside bounds {box.tolist()}")
    return start, box


def _gradient_at(grad, x: np.ndarray) -> np.ndarray:
    g = np.asarray(grad(x), dtype=float)
    if g.shape != x.shape:
        raise ValueError(
            f"grad must return the gradient of shape {x.shape} like x, got shape {g.shape}"
        )
    return g


def gradient_descent(
    grad: Callable,
    x0,
    step: float = 0.1,
    tol: float = 1e-8,
    max_iter: int = 1000,
    bound: float = DEFAULT_BOUND,
    bounds=None,
) -> OptimisationResult:
    """Gradient descent with a fixed step size, recording the path.

    Notes
    -----
    .. math:: x_{k+1} = x_k - \\eta\\, \\nabla f(x_k)

    with the step size (learning rate) :math:`\\eta` = ``step``. Stop when
    :math:`\\lVert \\nabla f(x_k) \\rVert \\le` ``tol`` (converged: a stationary point),
    when an iterate is larger than ``bound`` or not finite (``"divergence"``), when it
    leaves ``bounds`` (``"left the region"``), or after ``max_iter`` steps. On a
    quadratic whose Hessian has largest eigenvalue :math:`\\lambda_{max}`, the descent
    converges smoothly for :math:`\\eta < 1/\\lambda_{max}`, zig-zags (oscillates) but
    converges for :math:`1/\\lambda_{max} < \\eta < 2/\\lambda_{max}`, and diverges for
    :math:`\\eta > 2/\\lambda_{max}`. Taught in section 3, "Gradient descent and the
    step size".

    Parameters
    ----------
    grad : callable
        ``grad(x)`` with x of shape ``(n,)`` returns the gradient of f, shape ``(n,)``.
    x0 : array_like, shape (n,)
    step : float
        The step size η > 0.
    tol : float
        Converged when the gradient's length is at most this. The default 1e-8 leaves
        f within about tol²/(2λ_min) of its minimum value on a quadratic.
    max_iter : int
        The most steps. Gradient descent can need thousands on a narrow valley, so the
        default is 1000 (each step costs one gradient).
    bound : float
        An iterate with a component larger than this counts as diverged.
    bounds : array_like of shape (n, 2), optional
        ``[(low, high), …]`` per input: the region where ``grad`` is defined.

    Returns
    -------
    OptimisationResult
        ``path`` of shape ``(k + 1, n)``.

    Examples
    --------
    >>> grad = lambda x: np.array([x[0], 10 * x[1]])      # f = (x² + 10 y²) / 2
    >>> gradient_descent(grad, [1.0, 1.0], step=0.05).reason
    'converged'
    >>> gradient_descent(grad, [1.0, 1.0], step=0.25).reason   # η > 2/10
    'divergence'
    """
    start, box = _descent_checks(grad, x0, step, tol, max_iter, bound, bounds)
    path = [start]
    x = start
    for _ in range(max_iter):
        g = _gradient_at(grad, x)
        if not np.all(np.isfinite(g)):
            return OptimisationResult(x.copy(), np.array(path), False, "divergence", len(path) - 1)
        if np.linalg.norm(g) <= tol:
            return OptimisationResult(x.copy(), np.array(path), True, "converged", len(path) - 1)
        x = x - step * g
        path.append(x)
        reason = _escaped(x, bound, box)
        if reason:
            return OptimisationResult(x.copy(), np.array(path), False, reason, len(path) - 1)
    g = _gradient_at(grad, x)
    done = bool(np.all(np.isfinite(g)) and np.linalg.norm(g) <= tol)
    reason = "converged" if done else "iteration cap"
    return OptimisationResult(x.copy(), np.array(path), done, reason, len(path) - 1)


def _escaped(x: np.ndarray, bound: float, box) -> str | None:
    if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > bound:
        return "divergence"
    if box is not None and (np.any(x < box[:, 0]) or np.any(x > box[:, 1])):
        return "left the region"
    return None


def backtracking_descent(
    f: Callable,
    grad: Callable,
    x0,
    step: float = 1.0,
    shrink: float = 0.5,
    c: float = 1e-4,
    tol: float = 1e-8,
    max_iter: int = 1000,
    bound: float = DEFAULT_BOUND,
    bounds=None,
) -> OptimisationResult:
    """Gradient descent with a backtracking (Armijo) line search, recording the path.

    Notes
    -----
    At each step try :math:`t` = ``step``, and halve it (multiply by ``shrink``) until
    the Armijo condition of sufficient decrease holds:

    .. math:: f(x_k - t\\,\\nabla f(x_k)) \\le f(x_k) - c\\, t\\, \\lVert\\nabla f(x_k)\\rVert^2.

    A step that overshoots (f grows) is never taken, so the descent cannot diverge the
    way a fixed large step does. The loop that shrinks t is capped too: after 60
    halvings t is below 1e-18 of its start, and the run stops with ``"no decrease"``
    (the gradient is wrong, or f is flat to rounding).
    Taught in section 3, "Choosing the step: backtracking".

    Parameters
    ----------
    f : callable
        The function to minimise, ``f(x) -> float`` with x of shape ``(n,)``.
    grad : callable
        Its gradient, shape ``(n,)``.
    x0 : array_like, shape (n,)
    step : float
        The first step size tried at every step.
    shrink : float
        Factor in (0, 1) by which a rejected step size is multiplied.
    c : float
        Armijo constant in (0, 1): 1e-4 (Nocedal and Wright's suggestion) accepts any
        step that achieves a tiny fraction of the decrease the slope promises.
    tol, max_iter, bound, bounds
        As for :func:`gradient_descent`.

    Returns
    -------
    OptimisationResult
        ``path`` of shape ``(k + 1, n)`` and ``step_sizes`` of shape ``(k,)``.

    Examples
    --------
    >>> f = lambda x: 0.5 * (x[0] ** 2 + 10 * x[1] ** 2)
    >>> grad = lambda x: np.array([x[0], 10 * x[1]])
    >>> result = backtracking_descent(f, grad, [1.0, 1.0], step=1.0)
    >>> result.converged, bool(np.all(np.diff([f(p) for p in result.path]) < 0))
    (True, True)
    """
    _check_callable(f, "f")
    start, box = _descent_checks(grad, x0, step, tol, max_iter, bound, bounds)
    if not 0 < shrink < 1:
        raise ValueError(f"shrink must be between 0 and 1, got {shrink}")
    if not 0 < c < 1:
        raise ValueError(f"the Armijo constant c must be between 0 and 1, got {c}")
    path, sizes = [start], []
    x, fx = start, float(f(start))

    def result(converged: bool, reason: str) -> OptimisationResult:
        return OptimisationResult(
            x.copy(), np.array(path), converged, reason, len(path) - 1, np.array(sizes)
        )

    for _ in range(max_iter):
        g = _gradient_at(grad, x)
        slope = float(g @ g)
        if not np.isfinite(slope):
            return result(False, "divergence")
        if np.sqrt(slope) <= tol:
            return result(True, "converged")
        t = step
        for _halving in range(60):
            trial = x - t * g
            inside = box is None or (np.all(trial >= box[:, 0]) and np.all(trial <= box[:, 1]))
            if inside:
                f_trial = float(f(trial))
                # strictly lower too: once t is below rounding, trial == x and
                # "f_trial <= fx - (a negligible amount)" would hold without progress
                if f_trial <= fx - c * t * slope and f_trial < fx:
                    break
            t *= shrink
        else:
            return result(False, "no decrease")
        x, fx = trial, f_trial
        path.append(x)
        sizes.append(t)
        reason = _escaped(x, bound, box)
        if reason:
            return result(False, reason)
    g = _gradient_at(grad, x)
    return result(*((True, "converged") if np.linalg.norm(g) <= tol else (False, "iteration cap")))


def descent_regime(path, values=None) -> str:
    """Say whether a descent path converges smoothly, oscillates or diverges.

    Notes
    -----
    With the steps :math:`d_k = x_{k+1} - x_k`:

    * ``"diverges"``: the path has non-finite points;
    * ``"cycles"``: the last point is back where the path already was, two or more
      steps earlier (within a millionth of the last step's length), and the last step
      is not negligible: a bounded cycle that repeats for ever, neither settling nor
      running away (the 2-cycle of a step of exactly :math:`2/\\lambda_{max}`, or a
      step bouncing between two slopes of a real landscape);
    * with the function's values along the path: if it ends higher than it started
      (``values[-1] > values[0]``), ``"diverges"`` when the values run away (the
      highest value of the second half of the path exceeds that of the first half by
      more than a quarter of their whole range), otherwise ``"cycles"`` too: it keeps
      bouncing within bounds, higher than it started, without settling;
    * without values: ``"diverges"`` if its last step is longer than its first (steps
      that grow are overshooting further and further);
    * ``"oscillates"``: otherwise, if the direction turns back
      (:math:`d_k \\cdot d_{k+1} < 0`) at least once, the zig-zag of a step size
      between :math:`1/\\lambda_{max}` and :math:`2/\\lambda_{max}`;
    * ``"converges"``: the steps shrink without turning back.

    A path of fewer than two steps counts as converging. Taught in section 3.

    Parameters
    ----------
    path : array_like, shape (k + 1, n) or (k + 1,)
    values : array_like, shape (k + 1,), optional
        f at each point of the path.

    Returns
    -------
    str
        One of :data:`REGIMES`.

    Examples
    --------
    >>> descent_regime([[1.0], [0.5], [0.25], [0.125]])
    'converges'
    >>> descent_regime([[1.0], [-0.5], [0.25], [-0.125]])
    'oscillates'
    >>> descent_regime([[1.0], [-2.0], [4.0]])
    'diverges'
    >>> descent_regime([[1.0], [-2.0], [0.5]], values=[1.0, 4.0, 0.25])   # ends lower
    'oscillates'
    >>> descent_regime([[1.0], [-1.0], [1.0], [-1.0]])     # back and forth for ever
    'cycles'
    """
    points = np.asarray(path, dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(f"path must have shape (k + 1, n), got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        return "diverges"
    steps = np.diff(points, axis=0)
    if len(steps) < 2:
        return "converges"
    last = float(np.linalg.norm(steps[-1]))
    returns = np.max(np.abs(points[:-2] - points[-1]), axis=1)
    if last > 0 and np.min(returns) <= 1e-6 * last:
        return "cycles"
    if values is not None:
        values = np.asarray(values, dtype=float)
        if values.shape != (len(points),):
            raise ValueError(
                f"values must hold f at each of the {len(points)} points, got shape {values.shape}"
            )
        if not np.all(np.isfinite(values)):
            return "diverges"
        if values[-1] > values[0]:
            half = len(values) // 2
            growth = np.max(values[half:]) - np.max(values[:half])
            spread = np.max(values) - np.min(values)
            return "diverges" if growth > 0.25 * spread else "cycles"
    else:
        lengths = np.linalg.norm(steps, axis=1)
        if lengths[-1] > lengths[0] * (1 + 1e-9):
            return "diverges"
    turns = int(np.sum(np.einsum("ij,ij->i", steps[:-1], steps[1:]) < 0))
    # On a quadratic with η < 1/λ_max every component of x moves the same way at each
    # step, so consecutive steps never turn back: one turn is already overshooting.
    return "oscillates" if turns >= 1 else "converges"


# --- Lagrange multipliers ------------------------------------------------------------


def lagrange_gradient(grad_f: Callable, grad_g: Callable, g: Callable, z) -> np.ndarray:
    """The gradient of the Lagrangian L(x, λ) = f(x) − λ g(x) at z = (x, λ), shape (n + 1,).

    Notes
    -----
    .. math:: \\nabla L = \\begin{bmatrix} \\nabla f(x) - \\lambda \\nabla g(x) \\\\
       -g(x) \\end{bmatrix}

    It is zero exactly where :math:`\\nabla f = \\lambda \\nabla g` (the contour of f
    touches the constraint curve) and :math:`g(x) = 0` (the point is on the
    constraint). Taught in section 5, "Lagrange multipliers".

    Parameters
    ----------
    grad_f, grad_g : callable
        Gradients of the objective and the constraint, each ``(n,) -> (n,)``.
    g : callable
        The constraint function; the constraint is g(x) = 0.
    z : array_like, shape (n + 1,)
        The point x followed by the multiplier λ.

    Returns
    -------
    numpy.ndarray, shape (n + 1,)

    Examples
    --------
    >>> lagrange_gradient(lambda x: np.array([1.0, 1.0]), lambda x: 2 * x,
    ...                   lambda x: x @ x - 1, [1.0, 1.0, 0.5])   # ∇f = λ∇g, but g = 1
    array([ 0.,  0., -1.])
    """
    point = _as_start(z, "z")
    if point.size < 2:
        raise ValueError("z must hold at least one coordinate and the multiplier: shape (n + 1,)")
    x, lam = point[:-1], point[-1]
    gf = np.asarray(grad_f(x), dtype=float)
    gg = np.asarray(grad_g(x), dtype=float)
    if gf.shape != x.shape or gg.shape != x.shape:
        raise ValueError(
            f"grad_f and grad_g must return shape {x.shape}, got {gf.shape} and {gg.shape}"
        )
    return np.append(gf - lam * gg, -float(g(x)))


def lagrange_solve(
    f: Callable,
    g: Callable,
    x0,
    lam0: float = 0.0,
    grad_f: Callable | None = None,
    grad_g: Callable | None = None,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> OptimisationResult:
    """Find a stationary point of f on the constraint g(x) = 0 by Newton-Raphson on ∇L = 0.

    Notes
    -----
    The Lagrangian :math:`L(x, \\lambda) = f(x) - \\lambda g(x)` turns the constrained
    problem into the unconstrained equations :math:`\\nabla L(x, \\lambda) = 0` in
    n + 1 unknowns (:func:`lagrange_gradient`), solved with :func:`newton_system`; the
    Jacobian of ∇L is the Hessian of L, shape ``(n + 1, n + 1)``. Without ``grad_f``
    and ``grad_g``, ∇L comes from central differences
    (:func:`mmlcalc.multivariate.gradient`) and its Jacobian from
    :func:`mmlcalc.multivariate.hessian` (errors about 1e-8, which only slows the last
    Newton steps a little: the root is set by ∇L, accurate to about 1e-10). With them,
    the Jacobian is :func:`mmlcalc.multivariate.jacobian` of the exact ∇L. Which
    stationary point is found (maximum or minimum on the constraint) depends on the
    start. Taught in section 5, "Lagrange multipliers".

    Parameters
    ----------
    f, g : callable
        Objective and constraint, each ``(n,) -> float``.
    x0 : array_like, shape (n,)
        Start point (need not lie on the constraint).
    lam0 : float
        Start value of the multiplier λ.
    grad_f, grad_g : callable, optional
        Exact gradients, ``(n,) -> (n,)``.
    tol, max_iter
        As for :func:`newton_raphson`.

    Returns
    -------
    OptimisationResult
        ``x`` of shape ``(n + 1,)``: the point followed by λ; ``path`` of shape
        ``(k + 1, n + 1)``.

    Examples
    --------
    Maximise x + y on the unit circle x² + y² = 1:

    >>> result = lagrange_solve(lambda x: x[0] + x[1], lambda x: x @ x - 1, [1.0, 0.5], 1.0)
    >>> result.converged, result.x.round(8)          # (1/√2, 1/√2), λ = 1/√2
    (True, array([0.70710678, 0.70710678, 0.70710678]))
    """
    _check_callable(f, "f")
    _check_callable(g, "g")
    start = np.append(_as_start(x0), float(lam0))

    if grad_f is not None and grad_g is not None:

        def grad_lagrangian(z):
            return lagrange_gradient(grad_f, grad_g, g, z)

        def hess_lagrangian(z):
            return jacobian(grad_lagrangian, z)

    else:

        def lagrangian(z):
            return f(z[:-1]) - z[-1] * g(z[:-1])

        def grad_lagrangian(z):
            return gradient(lagrangian, z)

        def hess_lagrangian(z):
            return hessian(lagrangian, z)

    # tol on the step: the numerical ∇L is accurate to about 1e-10, so a smaller
    # step than that cannot be resolved; keep tol at or above 1e-10 in that case.
    return newton_system(grad_lagrangian, hess_lagrangian, start, tol=tol, max_iter=max_iter)


# --- landscapes for gradient descent --------------------------------------------------

#: The landscapes of :func:`descent_landscape` (and of the gradient-descent explorer).
DESCENT_LANDSCAPES = ("elongated bowl", "two valleys", "volcano")


@dataclass(frozen=True)
class DescentLandscape:
    """A function of two inputs to descend, with its gradient and the settings that suit it.

    Attributes
    ----------
    name, description : str
    f : callable
        ``f(p)`` with p of shape ``(2,)`` (or ``(2, ...)`` for a grid) returns a number
        (or shape ``(...)``).
    grad : callable
        ``grad(p)`` with p of shape ``(2,)`` returns the gradient, shape ``(2,)``.
    bounds : numpy.ndarray, shape (2, 2)
        ``[(x_min, x_max), (y_min, y_max)]``: the map drawn, and where ``grad`` is defined.
    start : numpy.ndarray, shape (2,)
        A start that shows the landscape's behaviour.
    step_range : (float, float)
        Step sizes η worth trying, lowest to highest.
    step : float
        A step size that converges from ``start``.
    tol : float
        Converged when the gradient is at most this long.
    minima : numpy.ndarray, shape (k, 2)
        The local minima (for a real map: the lowest point and the crater floor).
    unit : str
        Unit of x and y ("m" for the volcano, "" otherwise).
    bounded : bool
        True when f is defined only inside ``bounds`` (a map): a descent that steps
        outside stops with ``"left the region"``.
    """

    name: str
    description: str
    f: Callable
    grad: Callable
    bounds: np.ndarray
    start: np.ndarray
    step_range: tuple
    step: float
    tol: float
    minima: np.ndarray
    unit: str = ""
    bounded: bool = False

    @property
    def region(self):
        """``bounds`` for a map defined only there, else None (for :func:`gradient_descent`)."""
        return self.bounds if self.bounded else None


def _elongated_bowl() -> DescentLandscape:
    # f = (x² + 10 y²)/2: Hessian diag(1, 10), so λ_max = 10 and the step-size regimes
    # are smooth for η < 0.1, zig-zag for 0.1 < η < 0.2, divergent for η > 0.2.
    def f(p):
        return 0.5 * (p[0] ** 2 + 10.0 * p[1] ** 2)

    def grad(p):
        return np.array([p[0], 10.0 * p[1]])

    return DescentLandscape(
        "elongated bowl",
        "f(x, y) = (x² + 10y²)/2: a valley ten times steeper across (y) than along (x)",
        f,
        grad,
        np.array([[-3.0, 3.0], [-2.0, 2.0]]),
        np.array([2.5, 1.5]),
        (0.01, 0.3),
        0.05,
        1e-6,
        np.array([[0.0, 0.0]]),
    )


def _two_valleys() -> DescentLandscape:
    # f = (x² − 1)² + 2y² + 0.3x: minima near x = −1.04 (deeper) and x = 0.96, a saddle
    # between. At the minima f_xx = 12x² − 4 ≈ 8 to 9 and f_yy = 4, so λ_max ≈ 9:
    # zig-zag from η ≈ 0.11, divergence beyond η ≈ 0.22.
    def f(p):
        return (p[0] ** 2 - 1.0) ** 2 + 2.0 * p[1] ** 2 + 0.3 * p[0]

    def grad(p):
        return np.array([4.0 * p[0] * (p[0] ** 2 - 1.0) + 0.3, 4.0 * p[1]])

    # the two minima: roots of 4x³ − 4x + 0.3 = 0 with f'' = 12x² − 4 > 0
    roots = np.roots([4.0, 0.0, -4.0, 0.3]).real
    minima = np.array([[x, 0.0] for x in np.sort(roots) if 12 * x**2 - 4 > 0])
    return DescentLandscape(
        "two valleys",
        "f(x, y) = (x² − 1)² + 2y² + 0.3x: two valleys of different depth, a pass between",
        f,
        grad,
        np.array([[-2.0, 2.0], [-1.5, 1.5]]),
        np.array([0.3, 1.2]),
        (0.01, 0.35),
        0.05,
        1e-6,
        minima,
    )


def _volcano() -> DescentLandscape:
    # The real Maunga Whau height grid, interpolated bilinearly by mmlcalc.sandpit
    # (the sandpit's volcano landscape: x = easting, y = northing, metres).
    from mmlcalc.sandpit import make_landscape

    land = make_landscape("volcano")

    def f(p):
        return land.height(p[0], p[1])

    def grad(p):
        return np.asarray(land.gradient(p[0], p[1]), dtype=float)

    bounds = np.array(land.bounds, dtype=float)
    return DescentLandscape(
        "volcano",
        "Maunga Whau (Mt Eden, Auckland), heights in m on a 10 m grid; descending the height",
        f,
        grad,
        bounds,
        # on the crater's inner slope, 40 m north-west of the crater floor
        np.array([300.0, 600.0]),
        # η in m² per m of height: slopes are up to about 1 m/m, so η = 30 moves at
        # most about 30 m (three grid cells) per step, and η = 1000 jumps off the map
        (3.0, 1000.0),
        30.0,
        # 1e-3 m/m: ground flatter than 1 mm per metre counts as level (the foot of the
        # volcano is digitised flat in places, where the gradient is exactly 0)
        1e-3,
        np.array([land.deepest[:2], *land.local_minima[:, :2]]),
        "m",
        bounded=True,
    )


def descent_landscape(name: str = "elongated bowl") -> DescentLandscape:
    """A landscape for gradient descent: one of :data:`DESCENT_LANDSCAPES`.

    * ``"elongated bowl"``: the quadratic (x² + 10y²)/2, where the step-size regimes
      follow exactly from λ_max = 10;
    * ``"two valleys"``: two minima of different depths, so the start decides the end;
    * ``"volcano"``: the real terrain of Maunga Whau, from :mod:`mmlcalc.sandpit`.

    Examples
    --------
    >>> bowl = descent_landscape("elongated bowl")
    >>> bowl.grad(bowl.start), float(bowl.f(bowl.start))
    (array([ 2.5, 15. ]), 14.375)
    >>> descent_landscape("volcano").unit
    'm'
    """
    builders = {
        "elongated bowl": _elongated_bowl,
        "two valleys": _two_valleys,
        "volcano": _volcano,
    }
    if name not in builders:
        raise ValueError(
            f"unknown landscape {name!r}: choose one of {', '.join(DESCENT_LANDSCAPES)}"
        )
    return builders[name]()
