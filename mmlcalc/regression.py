"""Week 6 numerics: χ², the straight-line fit, a Gaussian model and steepest descent on χ².

Taught in ``notebooks/06_regression.ipynb``.

Conventions (as in every week):

* data are 1-D arrays ``x``, ``y`` (and optionally ``uncertainty``) of shape ``(m,)``:
  m measurements;
* a model with n parameters is a function ``model(x, params)`` with ``params`` of
  shape ``(n,)``, returning the predictions, shape ``(m,)``;
* the model's Jacobian with respect to its parameters, ``model_jacobian(x, params)``,
  is a vector function's Jacobian: shape ``(m, n)``, row i holds the partial
  derivatives of the prediction at ``x[i]``;
* the gradient of the scalar χ² with respect to the parameters is a Jacobian row,
  shape ``(n,)``.

This module imports only NumPy (and the course's shipped data): no figures, no widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mmlcalc._arrays import as_vector

__all__ = [
    "DescentPath",
    "chi_squared",
    "chi_squared_gradient",
    "curvature_scales",
    "fit_line",
    "gaussian",
    "gaussian_model",
    "gaussian_model_jacobian",
    "gaussian_partials",
    "histogram_with_uncertainties",
    "line_chi_squared",
    "sons_height_histogram",
    "steepest_descent_fit",
]

#: √(2π), the normalisation of the Gaussian density.
_ROOT_TWO_PI = np.sqrt(2.0 * np.pi)


def _as_data(values, name: str) -> np.ndarray:
    return as_vector(values, name, size="m", show=False)


def _same_length(reference: np.ndarray, other: np.ndarray, names: str) -> None:
    if other.shape != reference.shape:
        raise ValueError(
            f"{names} must have the same shape, got {reference.shape} and {other.shape}: "
            "one value per measurement"
        )


def _weights(uncertainty, like: np.ndarray) -> np.ndarray:
    """1 / u² for each measurement, or ones when there are no uncertainties."""
    if uncertainty is None:
        return np.ones_like(like)
    u = _as_data(uncertainty, "uncertainty")
    _same_length(like, u, "y and uncertainty")
    if np.any(u <= 0):
        raise ValueError(
            "every uncertainty must be > 0: a measurement with zero uncertainty would get "
            "infinite weight"
        )
    return 1.0 / u**2


def chi_squared(y, y_model, uncertainty=None) -> float:
    """χ²: the sum of squared residuals, each divided by its uncertainty if one is given.

    Parameters
    ----------
    y : array_like, shape (m,)
        The measurements.
    y_model : array_like, shape (m,)
        The model's predictions at the same points.
    uncertainty : array_like, shape (m,), optional
        The measurement uncertainties u_i > 0; without them every u_i is 1.

    Returns
    -------
    float

    Notes
    -----
    With residuals r_i = y_i − ŷ_i,

        χ² = Σ_i (r_i / u_i)²,

    and with no uncertainties χ² = Σ_i r_i², the sum of squared residuals.
    Taught in section 1 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> chi_squared([1.0, 2.0, 4.0], [1.0, 3.0, 3.0])
    2.0
    >>> chi_squared([1.0, 2.0, 4.0], [1.0, 3.0, 3.0], uncertainty=[1.0, 0.5, 2.0])
    4.25
    """
    y = _as_data(y, "y")
    y_model = _as_data(y_model, "y_model")
    _same_length(y, y_model, "y and y_model")
    weights = _weights(uncertainty, y)
    return float(np.sum(weights * (y - y_model) ** 2))


def line_chi_squared(x, y, slope, intercept, uncertainty=None) -> np.ndarray:
    """χ² of the line y = slope · x + intercept, for one line or a whole grid of lines.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        The data.
    slope, intercept : float or array_like of any shape (broadcast together), shape (…)
    uncertainty : array_like, shape (m,), optional

    Returns
    -------
    numpy.ndarray, the broadcast shape of ``slope`` and ``intercept`` (a 0-d array for one line)

    Notes
    -----
    χ²(m, c) = Σ_i ((y_i − m x_i − c) / u_i)², a quadratic in (m, c): its contours
    are ellipses around the best line (section 2).

    Examples
    --------
    >>> float(line_chi_squared([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], 2.0, 1.0))
    0.0
    >>> line_chi_squared([0.0, 1.0], [0.0, 1.0], np.array([0.0, 1.0]), 0.0)
    array([1., 0.])
    """
    x = _as_data(x, "x")
    y = _as_data(y, "y")
    _same_length(x, y, "x and y")
    weights = _weights(uncertainty, y)
    slope, intercept = np.broadcast_arrays(
        np.asarray(slope, dtype=float), np.asarray(intercept, dtype=float)
    )
    # Expand the square: Σ w (y − m x − c)² in terms of the data's weighted sums, so a
    # grid of a million lines costs no more than a few array operations.
    s, sx, sy = weights.sum(), (weights * x).sum(), (weights * y).sum()
    sxx, sxy, syy = (weights * x * x).sum(), (weights * x * y).sum(), (weights * y * y).sum()
    m, c = slope, intercept
    return syy + m**2 * sxx + c**2 * s - 2 * m * sxy - 2 * c * sy + 2 * m * c * sx


def fit_line(x, y, uncertainty=None) -> tuple[float, float]:
    """The straight line y = m x + c with the least χ², in closed form.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        The data; ``x`` needs at least two different values.
    uncertainty : array_like, shape (m,), optional
        Measurement uncertainties of ``y``; each point then has weight 1/u_i².

    Returns
    -------
    (slope, intercept) : tuple of float

    Notes
    -----
    Setting ∂χ²/∂m = 0 and ∂χ²/∂c = 0 gives two linear equations. With weights
    w_i = 1/u_i² (all 1 without uncertainties) and weighted means x̄ = Σ w x / Σ w,
    ȳ = Σ w y / Σ w, their solution is

        m = Σ w_i (x_i − x̄)(y_i − ȳ) / Σ w_i (x_i − x̄)²,    c = ȳ − m x̄.

    Taught in section 2 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> fit_line([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    (2.0, 1.0)
    >>> m, c = fit_line([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 3.0])
    >>> round(m, 6), round(c, 6)
    (0.9, -0.1)
    """
    x = _as_data(x, "x")
    y = _as_data(y, "y")
    _same_length(x, y, "x and y")
    weights = _weights(uncertainty, y)
    x_bar = np.sum(weights * x) / np.sum(weights)
    y_bar = np.sum(weights * y) / np.sum(weights)
    spread = np.sum(weights * (x - x_bar) ** 2)
    if spread <= 1e-12 * np.sum(weights * x**2):
        raise ValueError("x needs at least two different values: through a single x any slope fits")
    slope = np.sum(weights * (x - x_bar) * (y - y_bar)) / spread
    return float(slope), float(y_bar - slope * x_bar)


def _check_sigma(sigma) -> np.ndarray:
    sigma = np.asarray(sigma, dtype=float)
    if np.any(~np.isfinite(sigma)) or np.any(sigma <= 0):
        raise ValueError(f"sigma must be a finite number > 0, got {sigma}")
    return sigma


def gaussian(x, mu: float, sigma: float) -> np.ndarray:
    """The Gaussian (normal) density with mean ``mu`` and standard deviation ``sigma``.

    Parameters
    ----------
    x : float or array_like, shape (m,)
    mu : float
    sigma : float, > 0

    Returns
    -------
    numpy.ndarray, the shape of ``x``

    Notes
    -----
    f(x; μ, σ) = exp(−(x − μ)² / (2σ²)) / (σ √(2π)); its area is 1.
    Section 3 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> round(float(gaussian(0.0, 0.0, 1.0)), 6)
    0.398942
    >>> x = np.linspace(-10, 10, 2001)
    >>> round(float(np.sum(gaussian(x, 1.0, 2.0)) * 0.01), 6)   # the area
    1.0
    """
    sigma = _check_sigma(sigma)
    z = (np.asarray(x, dtype=float) - mu) / sigma
    return np.exp(-0.5 * z**2) / (sigma * _ROOT_TWO_PI)


def gaussian_partials(x, mu: float, sigma: float) -> np.ndarray:
    """The partial derivatives of the Gaussian density with respect to μ and σ.

    Parameters
    ----------
    x : array_like, shape (m,)
    mu : float
    sigma : float, > 0

    Returns
    -------
    numpy.ndarray, shape (m, 2)
        Column 0 is ∂f/∂μ, column 1 is ∂f/∂σ, at each x: the Jacobian of the model's
        m predictions with respect to its 2 parameters.

    Notes
    -----
    ∂f/∂μ = f · (x − μ) / σ²,    ∂f/∂σ = f · ((x − μ)² / σ³ − 1/σ).
    Section 3 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> gaussian_partials([0.0], 0.0, 1.0).round(6)    # at the peak: flat in μ, falls with σ
    array([[ 0.      , -0.398942]])
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if x.ndim != 1:
        raise ValueError(f"x must have shape (m,), got shape {x.shape}")
    f = gaussian(x, mu, sigma)
    d = x - mu
    return np.stack([f * d / sigma**2, f * (d**2 / sigma**3 - 1.0 / sigma)], axis=1)


def gaussian_model(x, params) -> np.ndarray:
    """The Gaussian as a model ``model(x, params)`` with ``params = [mu, sigma]``, shape (2,).

    ``params`` of shape ``(2, …)`` evaluates many parameter pairs at once (``x`` must
    then broadcast against them), as a χ² map needs.

    Examples
    --------
    >>> gaussian_model(np.array([0.0]), np.array([0.0, 1.0])).round(4)
    array([0.3989])
    >>> gaussian_model(np.array([[0.0], [1.0]]), np.array([[0.0, 0.0], [1.0, 2.0]])).round(4)
    array([[0.3989, 0.1995],
           [0.242 , 0.176 ]])
    """
    if np.ndim(params) > 1:
        params = np.asarray(params, dtype=float)
        if params.shape[0] != 2:
            raise ValueError(f"params must have shape (2,) or (2, ...), got {params.shape}")
        return gaussian(x, params[0], params[1])
    mu, sigma = _as_params(params, 2)
    return gaussian(x, mu, sigma)


def gaussian_model_jacobian(x, params) -> np.ndarray:
    """:func:`gaussian_partials` as ``model_jacobian(x, params)``: shape (m, 2)."""
    mu, sigma = _as_params(params, 2)
    return gaussian_partials(x, mu, sigma)


def _as_params(params, n: int | None = None) -> np.ndarray:
    try:
        p = np.asarray(params, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"params must be numbers, shape (n,), got {type(params).__name__}"
        ) from None
    if p.ndim != 1 or (n is not None and p.size != n):
        want = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"params must have shape {want}, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"params must be finite, got {p}")
    return p


def chi_squared_gradient(
    x, y, params, model: Callable, model_jacobian: Callable, uncertainty=None
) -> np.ndarray:
    """The gradient (Jacobian row) of χ² with respect to the model's parameters.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        The data.
    params : array_like, shape (n,)
        Where to take the gradient.
    model : callable
        ``model(x, params)`` -> predictions, shape (m,).
    model_jacobian : callable
        ``model_jacobian(x, params)`` -> shape (m, n), row i the partial derivatives
        of the prediction at x[i].
    uncertainty : array_like, shape (m,), optional

    Returns
    -------
    numpy.ndarray, shape (n,)

    Notes
    -----
    χ² = Σ_i (y_i − f(x_i; p))² / u_i², so by the chain rule

        ∂χ²/∂p_j = −2 Σ_i (y_i − f(x_i; p)) / u_i² · ∂f(x_i; p)/∂p_j,

    that is −2 (r / u²) · J for the residuals r (m,) and the model Jacobian J (m, n).
    Section 3 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> line = lambda x, p: p[0] * x + p[1]
    >>> line_jacobian = lambda x, p: np.stack([x, np.ones_like(x)], axis=1)
    >>> chi_squared_gradient([0.0, 1.0], [0.0, 2.0], [1.0, 0.0], line, line_jacobian)
    array([-2., -2.])
    """
    x = _as_data(x, "x")
    y = _as_data(y, "y")
    _same_length(x, y, "x and y")
    p = _as_params(params)
    weights = _weights(uncertainty, y)
    residuals = y - np.asarray(model(x, p), dtype=float)
    return _gradient(weights, residuals, _model_jacobian(model_jacobian, x, p))


def _model_jacobian(model_jacobian: Callable, x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``model_jacobian(x, p)`` as floats, checked to have shape (m, n)."""
    jac = np.asarray(model_jacobian(x, p), dtype=float)
    if jac.shape != (x.size, p.size):
        raise ValueError(
            f"model_jacobian must return shape (m, n) = {(x.size, p.size)}, got {jac.shape}"
            + (": did you transpose it?" if jac.shape == (p.size, x.size) else "")
        )
    return jac


def _gradient(weights: np.ndarray, residuals: np.ndarray, jac: np.ndarray) -> np.ndarray:
    """∂χ²/∂p = −2 (r / u²) · J, shape (n,)."""
    return -2.0 * (weights * residuals) @ jac


def _curvature(weights: np.ndarray, jac: np.ndarray) -> np.ndarray:
    """The diagonal of 2 Jᵀ W J: the curvature of χ² along each parameter, shape (n,)."""
    return 2.0 * (weights[:, None] * jac**2).sum(axis=0)


def curvature_scales(x, params, model_jacobian: Callable, uncertainty=None) -> np.ndarray:
    """A natural unit for each parameter: 1 / √(curvature of χ² along it).

    Parameters
    ----------
    x : array_like, shape (m,)
    params : array_like, shape (n,)
        Where to measure the curvature (the start of a fit).
    model_jacobian : callable
        ``model_jacobian(x, params)`` -> shape (m, n).
    uncertainty : array_like, shape (m,), optional

    Returns
    -------
    numpy.ndarray, shape (n,)

    Notes
    -----
    Near a good fit the residuals are small and the Hessian of χ² is close to
    2 Jᵀ W J (W = diag(1/u²)); its diagonal entry H_jj = 2 Σ_i J_ij² / u_i² is the
    curvature of χ² along parameter j. Measuring parameter j in units of
    s_j = 1/√H_jj makes every diagonal curvature 1, so one step size suits all
    parameters (section 4 of ``notebooks/06_regression.ipynb``).

    Examples
    --------
    >>> line_jacobian = lambda x, p: np.stack([x, np.ones_like(x)], axis=1)
    >>> curvature_scales([1.0, 1.0], [0.0, 0.0], line_jacobian)   # H = [[4, 4], [4, 4]]
    array([0.5, 0.5])
    """
    x = _as_data(x, "x")
    p = _as_params(params)
    weights = _weights(uncertainty, x)
    curvature = _curvature(weights, _model_jacobian(model_jacobian, x, p))
    if np.any(curvature <= 0):
        raise ValueError(
            "χ² does not change with some parameter here (zero curvature): start elsewhere"
        )
    return 1.0 / np.sqrt(curvature)


@dataclass(frozen=True)
class DescentPath:
    """The result of :func:`steepest_descent_fit`.

    Attributes
    ----------
    params : numpy.ndarray, shape (k + 1, n)
        The start and every point after it; ``params[-1]`` is the answer.
    chi_squared : numpy.ndarray, shape (k + 1,)
        χ² at each of those points.
    status : str
        ``"converged"``, ``"step cap reached"``, ``"diverged"`` or ``"left the domain"``
        (a step took a parameter outside ``domain``, a Gaussian's σ below zero say).
    """

    params: np.ndarray
    chi_squared: np.ndarray
    status: str

    @property
    def steps(self) -> int:
        """The number of steps taken, k."""
        return len(self.params) - 1

    @property
    def best(self) -> np.ndarray:
        """The last point, shape (n,)."""
        return self.params[-1]


def steepest_descent_fit(
    x,
    y,
    model: Callable,
    model_jacobian: Callable,
    start,
    step: float,
    uncertainty=None,
    rescale: bool = False,
    tol: float = 1e-6,
    max_steps: int = 10_000,
    domain=None,
) -> DescentPath:
    """Fit a model by steepest descent on χ², in the parameters' own units or rescaled.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        The data.
    model, model_jacobian : callable
        ``model(x, params)`` -> shape (m,); ``model_jacobian(x, params)`` -> shape (m, n).
    start : array_like, shape (n,)
        The first guess.
    step : float, > 0
        The step size η. Without rescaling it has the units parameter² per unit of χ²
        and its good values depend on the data; with ``rescale=True`` it is a pure
        number and η = 1 is a Newton step for each parameter on its own.
    uncertainty : array_like, shape (m,), optional
    rescale : bool
        Measure each parameter, at every step, in its curvature unit
        s_j = 1/√H_jj (:func:`curvature_scales`) and take the step in those units.
    tol : float
        Stop when a step moves the parameters by less than ``tol`` curvature units
        (or by less than ``tol`` in their own units without rescaling): 1e-6 of a
        curvature unit is far below a parameter's statistical uncertainty, which is
        about √2 units.
    max_steps : int
        The cap on the number of steps, so a step size far too small still ends.
    domain : array_like of shape (n, 2), optional
        ``[(low, high), …]``: the open interval in which each parameter means
        something (for a Gaussian σ > 0: ``[(-np.inf, np.inf), (0, np.inf)]``). A step
        that leaves it stops the fit with status ``"left the domain"``, its point kept as
        the last of the path, even where the model would still give numbers.

    Returns
    -------
    DescentPath

    Notes
    -----
    Plain steepest descent: p ← p − η ∇χ²(p), with ∇χ² of shape (n,) from
    :func:`chi_squared_gradient`. Rescaled, in θ_j = p_j / s_j: θ ← θ − η ∇_θ χ², and
    since ∂χ²/∂θ_j = s_j ∂χ²/∂p_j this is

        p_j ← p_j − η s_j² ∂χ²/∂p_j = p_j − η (∂χ²/∂p_j) / H_jj.

    The fit stops as ``"diverged"`` if χ² is not finite, rises above 100 times its
    starting value, or the model refuses the parameters (a Gaussian with σ ≤ 0).
    ``"converged"`` only says the steps became shorter than ``tol``: a step far too
    large can throw the model off the data, where χ² is flat and the steps shrink
    too, so compare the final χ² with what a good fit gives (about m − n).
    Section 4 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> line = lambda x, p: p[0] * x + p[1]
    >>> line_jacobian = lambda x, p: np.stack([x, np.ones_like(x)], axis=1)
    >>> path = steepest_descent_fit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], line, line_jacobian,
    ...                             start=[0.0, 0.0], step=0.1)
    >>> path.status, path.best.round(4)
    ('converged', array([2., 1.]))
    >>> steepest_descent_fit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], line, line_jacobian,
    ...                      start=[0.0, 0.0], step=0.1, domain=[(-1, 1), (-1, 1)]).status
    'left the domain'
    """
    x = _as_data(x, "x")
    y = _as_data(y, "y")
    _same_length(x, y, "x and y")
    p = _as_params(start).copy()
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a number > 0, got {step}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a number > 0, got {tol}")
    if int(max_steps) != max_steps or max_steps < 0:
        raise ValueError(f"max_steps must be a whole number >= 0, got {max_steps}")
    weights = _weights(uncertainty, y)
    if domain is not None:
        domain = np.asarray(domain, dtype=float)
        if domain.shape != (p.size, 2):
            raise ValueError(
                f"domain must be {p.size} pairs (low, high), shape ({p.size}, 2), "
                f"got shape {domain.shape}"
            )

    def outside(params) -> bool:
        return domain is not None and bool(
            np.any(params <= domain[:, 0]) or np.any(params >= domain[:, 1])
        )

    def residuals(params):
        return y - np.asarray(model(x, params), dtype=float)

    r = residuals(p)
    path, costs = [p.copy()], [float(np.sum(weights * r**2))]
    first = costs[0]
    status = "step cap reached"
    _model_jacobian(model_jacobian, x, p)  # a wrong shape is the caller's error, not divergence
    for _ in range(int(max_steps)):
        try:
            # far from the data the model's numbers over- or underflow: that is reported
            # as "diverged" below, not as a warning
            with np.errstate(all="ignore"):
                jac = np.asarray(model_jacobian(x, p), dtype=float)
                gradient = _gradient(weights, r, jac)  # as chi_squared_gradient
                if rescale:  # s_j² = 1 / H_jj, as curvature_scales
                    curvature = _curvature(weights, jac)
                    if np.any(curvature <= 0):
                        raise ValueError("zero curvature: the model has left the data")
                    s = 1.0 / np.sqrt(curvature)
                else:
                    s = np.ones_like(p)
                move = step * s**2 * gradient
                p = p - move
                if outside(p):  # kept, with χ² where the model still gives one
                    try:
                        value = float(np.sum(weights * residuals(p) ** 2))
                    except ValueError:
                        value = float("nan")
                    path.append(p.copy())
                    costs.append(value)
                    status = "left the domain"
                    break
                r = residuals(p)
                value = float(np.sum(weights * r**2))
        except ValueError:  # zero curvature, or a Gaussian with σ <= 0
            status = "diverged"
            break
        path.append(p.copy())
        costs.append(value)
        if not np.isfinite(value) or value > 100.0 * max(first, 1e-300):
            status = "diverged"
            break
        if np.linalg.norm(move / s) < tol:
            status = "converged"
            break
    return DescentPath(np.array(path), np.array(costs), status)


def histogram_with_uncertainties(values, edges) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A histogram as a density, with the Poisson uncertainty of each bin.

    Parameters
    ----------
    values : array_like, shape (N,)
        The measurements (for example heights).
    edges : array_like, shape (b + 1,)
        Increasing bin edges; bin i is [edges[i], edges[i + 1]).

    Returns
    -------
    centres, density, uncertainty : numpy.ndarray, each shape (b,)

    Notes
    -----
    A bin with n_i counts has density y_i = n_i / (N w_i), w_i its width, so the
    densities have area 1 like a Gaussian. A count fluctuates by about √n_i
    (Poisson), so u_i = √n_i / (N w_i); an empty bin gets the uncertainty of one
    count, because "no count here" is not known exactly either, and a zero
    uncertainty would give it infinite weight in χ².

    Examples
    --------
    >>> centres, density, u = histogram_with_uncertainties([0.2, 0.7, 0.8, 1.5], [0, 1, 2, 3])
    >>> centres, density, u.round(4)
    (array([0.5, 1.5, 2.5]), array([0.75, 0.25, 0.  ]), array([0.433, 0.25 , 0.25 ]))
    """
    values = _as_data(values, "values")
    edges = _as_data(edges, "edges")
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be at least two increasing numbers, shape (b + 1,)")
    counts, _ = np.histogram(values, edges)
    widths = np.diff(edges)
    n = values.size
    density = counts / (n * widths)
    uncertainty = np.sqrt(np.maximum(counts, 1)) / (n * widths)
    return (edges[:-1] + edges[1:]) / 2, density, uncertainty


def sons_height_histogram():
    """The heights of Galton's 481 sons as a density histogram with 1-inch bins.

    Galton wrote most heights to the nearest half inch, so the bin edges sit a quarter
    inch below each whole inch: bin [k − 0.25, k + 0.75) holds the heights k and
    k + ½. Returns ``centres, density, uncertainty``, each of shape (20,), as
    :func:`histogram_with_uncertainties`. Section 3 of ``notebooks/06_regression.ipynb``.

    Examples
    --------
    >>> centres, density, u = sons_height_histogram()
    >>> centres.shape, round(float(density.sum()), 6)
    ((20,), 1.0)
    """
    from mmlcalc.data import load_galton_families

    galton = load_galton_families()
    sons = galton["childHeight"][galton["gender"] == "male"]
    edges = np.arange(59.75, 80.0, 1.0)
    return histogram_with_uncertainties(sons, edges)
