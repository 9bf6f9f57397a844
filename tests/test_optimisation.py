"""Unit tests of ``mmlcalc.optimisation``: Newton-Raphson, gradient descent, Lagrange.

Independent truths: roots and minima known in closed form, ``scipy.optimize`` on
problems without one, and the step-size theory of gradient descent on quadratics
(smooth for η < 1/λ_max, zig-zag for 1/λ_max < η < 2/λ_max, divergent beyond).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import optimize

from mmlcalc.optimisation import (
    DESCENT_LANDSCAPES,
    REASONS,
    REGIMES,
    OptimisationResult,
    backtracking_descent,
    descent_landscape,
    descent_regime,
    gradient_descent,
    lagrange_gradient,
    lagrange_solve,
    newton_minimise,
    newton_raphson,
    newton_system,
)

# --- Newton-Raphson in one dimension -------------------------------------------------

#: (name, f, f', start, root): roots known in closed form.
ROOTS = [
    ("sqrt 2", lambda x: x**2 - 2, lambda x: 2 * x, 3.0, np.sqrt(2)),
    ("cube root 5", lambda x: x**3 - 5, lambda x: 3 * x**2, 1.0, 5 ** (1 / 3)),
    ("cos x = x", lambda x: np.cos(x) - x, lambda x: -np.sin(x) - 1, 0.5, 0.7390851332151607),
    ("log x = 1", lambda x: np.log(x) - 1, lambda x: 1 / x, 2.0, np.e),
    ("exp x = 2", lambda x: np.exp(x) - 2, lambda x: np.exp(x), 0.0, np.log(2)),
    ("sin at pi", np.sin, np.cos, 3.0, np.pi),
    ("tanh", np.tanh, lambda x: 1 / np.cosh(x) ** 2, 0.5, 0.0),
]


@pytest.mark.parametrize("name, f, df, x0, root", ROOTS, ids=[r[0] for r in ROOTS])
def test_newton_raphson_finds_known_roots(name, f, df, x0, root):
    result = newton_raphson(f, df, x0)
    assert isinstance(result, OptimisationResult)
    assert result.converged and result.reason == "converged"
    # tol = 1e-10 bounds the last step; near a simple root the error after it is about
    # the square of that step times |f''/2f'|, far below 1e-12 for these functions.
    assert abs(result.x - root) < 1e-12
    assert result.path.shape == (result.iterations + 1,)
    assert result.path[0] == x0 and result.path[-1] == result.x
    assert result.iterations <= 10  # quadratic convergence from these starts


def test_newton_raphson_path_follows_the_formula():
    f, df = (lambda x: x**3 - 2 * x - 5), (lambda x: 3 * x**2 - 2)
    path = newton_raphson(f, df, 2.0).path
    for a, b in itertools.pairwise(path):
        assert b == pytest.approx(a - f(a) / df(a), rel=1e-15)
    assert path[-1] == pytest.approx(optimize.brentq(f, 2, 3), abs=1e-12)


def test_newton_raphson_errors_square_near_the_root():
    path = newton_raphson(lambda x: x**2 - 2, lambda x: 2 * x, 3.0).path
    errors = np.abs(path - np.sqrt(2))
    # e_{k+1} = e_k² / (2 x_k): the ratio e_{k+1} / e_k² tends to 1/(2√2) ≈ 0.354
    ratios = errors[2:5] / errors[1:4] ** 2
    assert np.allclose(ratios[-1], 1 / (2 * np.sqrt(2)), rtol=0.05)


def test_newton_raphson_zero_derivative():
    result = newton_raphson(lambda x: x**2 - 1, lambda x: 2 * x, 0.0)
    assert (result.reason, result.converged, result.iterations) == ("zero derivative", False, 0)
    assert result.path.tolist() == [0.0]
    # a flat tangent on the way: f = x³ − 3x + 1 from x0 = 1, where f' = 0
    assert newton_raphson(lambda x: x**3 - 3 * x + 1, lambda x: 3 * x**2 - 3, 1.0).reason == (
        "zero derivative"
    )


def test_newton_raphson_zero_derivative_at_a_root_has_converged():
    result = newton_raphson(lambda x: x**2, lambda x: 2 * x, 0.0)
    assert result.converged and result.x == 0.0


def test_newton_raphson_cycle():
    # x³ − 2x + 2 from 0: 0 → 1 → 0 → … exactly (a textbook two-cycle)
    result = newton_raphson(lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0)
    assert result.reason == "cycle" and not result.converged
    assert result.path.tolist() == [0.0, 1.0, 0.0]


def test_newton_raphson_divergence():
    # f = x^(1/3): x_{k+1} = x_k − 3 x_k = −2 x_k, doubling each step
    result = newton_raphson(np.cbrt, lambda x: 1 / (3 * np.cbrt(x) ** 2), 1.0)
    assert result.reason == "divergence" and not result.converged
    assert np.allclose(result.path[1:4], [-2.0, 4.0, -8.0])
    # it stops at the first iterate beyond the bound 1e8: 2^27 ≈ 1.3e8
    assert result.iterations == 27 and abs(result.path[-2]) <= 1e8 < abs(result.x)
    # arctan from 1.5 overshoots further at every step
    assert newton_raphson(np.arctan, lambda x: 1 / (1 + x * x), 1.5).reason == "divergence"


def test_newton_raphson_iteration_cap():
    # x² + 1 has no real root: the iterates wander chaotically and never settle
    result = newton_raphson(lambda x: x**2 + 1, lambda x: 2 * x, 0.5, max_iter=30)
    assert result.reason == "iteration cap" and result.iterations == 30
    assert result.path.shape == (31,)
    short = newton_raphson(lambda x: x**2 - 2, lambda x: 2 * x, 100.0, max_iter=3)
    assert short.reason == "iteration cap" and short.iterations == 3


def test_newton_raphson_minimises_through_the_derivative():
    # minimise g = x⁴ − 3x² + x: Newton on g' with g''; compare with scipy's minimiser
    dg, d2g = (lambda x: 4 * x**3 - 6 * x + 1), (lambda x: 12 * x**2 - 6)
    result = newton_raphson(dg, d2g, 1.5)
    best = optimize.minimize_scalar(
        lambda x: x**4 - 3 * x**2 + x,
        bounds=(0.5, 2.0),
        method="bounded",
        options={"xatol": 1e-9},
    ).x
    assert result.converged and result.x == pytest.approx(best, abs=1e-7)  # 100 × scipy's xatol


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"f": 3.0}, TypeError, "f must be a function"),
        ({"x0": [1.0, 2.0]}, TypeError, "one number"),
        ({"x0": np.nan}, ValueError, "finite"),
        ({"tol": 0.0}, ValueError, "tol must be positive"),
        ({"max_iter": 0}, ValueError, "max_iter must be at least 1"),
        ({"max_iter": 2.5}, TypeError, "whole number"),
    ],
)
def test_newton_raphson_bad_input(kwargs, error, words):
    args = {"f": lambda x: x - 1, "df": lambda x: 1.0, "x0": 0.0} | kwargs
    with pytest.raises(error, match=words):
        newton_raphson(**args)


def test_reasons_and_messages():
    assert set(REASONS) >= {"converged", "zero derivative", "cycle", "divergence", "iteration cap"}
    result = newton_raphson(lambda x: x**2 - 1, lambda x: 2 * x, 0.0)
    assert "zero" in result.message and "(0 steps)" in result.message


# --- Newton in n dimensions ----------------------------------------------------------


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def rosenbrock_hess(x):
    return np.array([[2 - 400 * x[1] + 1200 * x[0] ** 2, -400 * x[0]], [-400 * x[0], 200.0]])


def test_newton_minimise_is_exact_on_a_quadratic():
    rng = np.random.default_rng(5)  # seed 5: one fixed random problem
    M = rng.normal(size=(4, 4))
    A, b = M @ M.T + 4 * np.eye(4), rng.normal(size=4)  # symmetric positive definite
    result = newton_minimise(lambda x: A @ x - b, lambda x: A, rng.normal(size=4))
    assert result.converged and result.iterations == 2  # the step, then a zero step
    assert np.allclose(result.path[1], np.linalg.solve(A, b), atol=1e-12)
    assert result.path.shape == (3, 4)


def test_newton_minimise_rosenbrock_against_scipy():
    result = newton_minimise(rosenbrock_grad, rosenbrock_hess, [-1.2, 1.0])
    reference = optimize.minimize(rosenbrock, [-1.2, 1.0], jac=rosenbrock_grad, method="BFGS")
    assert result.converged and np.allclose(result.x, [1.0, 1.0], atol=1e-10)
    assert np.allclose(result.x, reference.x, atol=1e-5)  # BFGS stops at gradient 1e-5
    assert result.iterations < 10 < reference.nit  # Newton's curvature pays off


def test_newton_minimise_with_numerical_derivatives():
    from mmlcalc.multivariate import gradient, hessian

    def f(x):
        return np.exp(x[0] - 1) + x[0] ** 2 + (x[1] + 2) ** 2 + x[0] * x[1]

    result = newton_minimise(
        lambda x: gradient(f, x), lambda x: hessian(f, x), [0.0, 0.0], tol=1e-8
    )
    reference = optimize.minimize(
        f, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14}
    )
    assert result.converged and np.allclose(result.x, reference.x, atol=1e-6)


def test_newton_system_singular_jacobian():
    result = newton_system(lambda x: x, lambda x: np.zeros((2, 2)), [1.0, 1.0])
    assert result.reason == "zero derivative" and result.iterations == 0


def test_newton_system_shape_errors():
    with pytest.raises(ValueError, match=r"J must return shape \(2, 2\)"):
        newton_system(lambda x: x, lambda x: np.eye(3), [1.0, 1.0])
    with pytest.raises(ValueError, match="F must return shape"):
        newton_system(lambda x: x[:1], lambda x: np.eye(2), [1.0, 1.0])
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        newton_system(lambda x: x, lambda x: np.eye(2), [[1.0, 1.0]])


# --- gradient descent ----------------------------------------------------------------

EIGENVALUES = np.array([1.0, 10.0])  # the bowl f = (x² + 10 y²)/2: λ_max = 10


def bowl_grad(x):
    return EIGENVALUES * x


@pytest.mark.parametrize(
    "step, regime",
    [
        (0.05, "converges"),
        (0.09, "converges"),
        (0.15, "oscillates"),
        (0.19, "oscillates"),
        (0.21, "diverges"),
        (0.3, "diverges"),
    ],
)
def test_step_size_regimes_on_a_quadratic(step, regime):
    # theory: smooth for η < 1/λ_max = 0.1, zig-zag up to 2/λ_max = 0.2, divergent beyond
    result = gradient_descent(bowl_grad, [2.5, 1.5], step=step, max_iter=60)
    assert descent_regime(result.path) == regime


def test_gradient_descent_path_follows_the_formula_and_converges():
    result = gradient_descent(bowl_grad, [2.5, 1.5], step=0.05, max_iter=2000)
    path = result.path
    assert np.allclose(path[1:], path[:-1] - 0.05 * EIGENVALUES * path[:-1], rtol=1e-15)
    assert result.converged and np.linalg.norm(bowl_grad(result.x)) <= 1e-8
    # the x component shrinks by (1 − η λ) = 0.95 per step: exactly (0.95)^k
    assert np.allclose(path[:, 0], 2.5 * 0.95 ** np.arange(len(path)), rtol=1e-12)


def test_gradient_descent_divergence_and_cap():
    diverged = gradient_descent(bowl_grad, [1.0, 1.0], step=0.3)
    # the y component grows by |1 − 3| = 2 per step: beyond 1e8 after 27 steps
    assert diverged.reason == "divergence" and diverged.iterations == 27
    capped = gradient_descent(bowl_grad, [1.0, 1.0], step=0.001, max_iter=10)
    assert capped.reason == "iteration cap" and capped.path.shape == (11, 2)


def test_gradient_descent_leaves_the_region():
    result = gradient_descent(lambda x: np.array([1.0]), [0.5], step=0.3, bounds=[(0.0, 1.0)])
    assert result.reason == "left the region" and result.iterations == 2


def test_gradient_descent_rosenbrock_reaches_the_minimum_slowly():
    result = gradient_descent(rosenbrock_grad, [-1.2, 1.0], step=1e-3, tol=1e-6, max_iter=50000)
    assert result.converged and np.allclose(result.x, [1.0, 1.0], atol=1e-3)
    assert result.iterations > 1000  # the curved valley: many small steps


def test_backtracking_never_increases_f_and_beats_a_bad_fixed_step():
    f = lambda x: 0.5 * (x[0] ** 2 + 10 * x[1] ** 2)  # noqa: E731
    result = backtracking_descent(f, bowl_grad, [2.5, 1.5], step=1.0)
    values = np.array([f(p) for p in result.path])
    assert result.converged and np.all(np.diff(values) < 0)
    assert result.step_sizes.shape == (result.iterations,)
    # every accepted step size is 1 halved some number of times, and satisfies Armijo
    assert np.all(np.isin(result.step_sizes, 0.5 ** np.arange(60)))
    for x, t in zip(result.path[:-1], result.step_sizes, strict=True):
        g = bowl_grad(x)
        assert f(x - t * g) <= f(x) - 1e-4 * t * g @ g
    assert gradient_descent(bowl_grad, [2.5, 1.5], step=1.0).reason == "divergence"


def test_backtracking_on_rosenbrock_against_scipy():
    result = backtracking_descent(
        rosenbrock, rosenbrock_grad, [-1.2, 1.0], tol=1e-6, max_iter=20000
    )
    assert result.converged and np.allclose(result.x, [1.0, 1.0], atol=1e-4)


def test_backtracking_with_a_wrong_gradient_stops():
    result = backtracking_descent(lambda x: x @ x, lambda x: -2 * x, [1.0, 1.0])
    # its own reason (not "zero derivative": the gradient is not zero, it is wrong)
    assert result.reason == "no decrease" and result.iterations == 0
    assert "line search found no step" in result.message


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"step": 0.0}, "step size must be positive"),
        ({"step": np.inf}, "step size must be positive"),
        ({"bounds": [(0.0, 1.0)]}, "bounds must be 2 pairs"),
        ({"bounds": [(2.0, 3.0), (0.0, 1.0)]}, "outside bounds"),
    ],
)
def test_gradient_descent_bad_input(kwargs, words):
    with pytest.raises(ValueError, match=words):
        gradient_descent(bowl_grad, [1.0, 1.0], **kwargs)


def test_gradient_descent_wrong_gradient_shape():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        gradient_descent(lambda x: np.array([1.0]), [1.0, 1.0])
    with pytest.raises(TypeError, match="grad must be a function"):
        gradient_descent(np.array([1.0, 1.0]), [1.0, 1.0])


def test_descent_regime_cases():
    assert set(REGIMES) == {"converges", "oscillates", "cycles", "diverges"}
    assert descent_regime([0.0]) == "converges"
    assert descent_regime([[0.0, 0.0], [np.nan, 0.0]]) == "diverges"
    with pytest.raises(ValueError, match="shape"):
        descent_regime(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="values must hold f"):
        descent_regime([0.0, 1.0, 2.0], values=[1.0, 2.0])
    # bouncing around a bottom with growing steps but ending lower: not divergence
    path, values = [[0.0], [1.0], [-1.5], [2.0]], [5.0, 1.0, 2.0, 3.0]
    assert descent_regime(path) == "diverges"
    assert descent_regime(path, values) == "oscillates"
    # a bounded 2-cycle ends higher than it started, yet it is no divergence
    path, values = [[0.0], [1.0], [-1.0], [1.0], [-1.0]], [0.0, 2.0, 3.0, 2.0, 3.0]
    assert descent_regime(path, values) == "cycles" and descent_regime(path) == "cycles"
    # the bowl (x² + 10 y²)/2 at η = 2/λ_max = 0.2: y flips for ever, x settles
    bowl = gradient_descent(bowl_grad, [2.5, 1.5], step=0.2, max_iter=60)
    assert descent_regime(bowl.path) == "cycles"
    assert descent_regime(gradient_descent(bowl_grad, [2.5, 1.5], 0.19, max_iter=60).path) == (
        "oscillates"
    )


@pytest.mark.parametrize("name", DESCENT_LANDSCAPES)
def test_descent_landscapes(name):
    land = descent_landscape(name)
    from mmlcalc.multivariate import gradient

    # the gradient against central differences of f at points inside the map (away
    # from the volcano's 10 m cell edges the interpolant is smooth within a cell)
    rng = np.random.default_rng(11)  # seed 11: random test points
    lows, highs = land.bounds[:, 0], land.bounds[:, 1]
    for point in rng.uniform(lows + 0.1 * (highs - lows), highs - 0.1 * (highs - lows), (5, 2)):
        if name == "volcano":
            point = np.floor(point / 10) * 10 + 5.0  # a cell centre: the 5 m step stays in it
            h = 5.0
        else:
            h = None
        assert np.allclose(land.grad(point), gradient(land.f, point, h), rtol=1e-5, atol=1e-6)
    # the default step converges from the default start to one of the minima
    result = gradient_descent(land.grad, land.start, land.step, land.tol, 5000, bounds=land.region)
    assert result.converged
    assert np.min(np.linalg.norm(land.minima - result.x, axis=1)) < 0.02 * np.ptp(land.bounds)
    low, high = land.step_range
    assert low < land.step < high


def test_volcano_regimes_reachable():
    land = descent_landscape("volcano")

    def regime(step):
        r = gradient_descent(land.grad, land.start, step, land.tol, 60, bounds=land.region)
        if r.reason in ("divergence", "left the region"):
            return "diverges"
        return descent_regime(r.path, [land.f(p) for p in r.path])

    assert regime(30.0) == "converges"  # into the crater in about 10 steps
    assert regime(113.0) == "oscillates"  # bouncing across the crater floor
    assert regime(1000.0) == "diverges"  # off the map in two steps


def test_unknown_landscape():
    with pytest.raises(ValueError, match="choose one of"):
        descent_landscape("moon")


# --- Lagrange multipliers ------------------------------------------------------------


def test_lagrange_gradient_formula():
    rng = np.random.default_rng(7)  # seed 7: random points and multipliers
    for z in rng.normal(size=(5, 3)):
        x, lam = z[:2], z[2]
        expected = [1 - lam * 2 * x[0], 2 - lam * 2 * x[1], -(x @ x - 1)]
        got = lagrange_gradient(
            lambda p: np.array([1.0, 2.0]), lambda p: 2 * p, lambda p: p @ p - 1, z
        )
        assert np.allclose(got, expected, rtol=1e-14)
    with pytest.raises(ValueError, match=r"shape \(n \+ 1,\)"):
        lagrange_gradient(np.sin, np.cos, np.sin, [1.0])


def test_lagrange_linear_objective_on_a_circle():
    # max / min of x + 2y on the unit circle: ±(1, 2)/√5, λ = ±√5/2
    unit = np.array([1.0, 2.0]) / np.sqrt(5)
    top = lagrange_solve(lambda x: x[0] + 2 * x[1], lambda x: x @ x - 1, [0.5, 0.8], 1.0)
    assert top.converged and np.allclose(top.x, [*unit, np.sqrt(5) / 2], atol=1e-9)
    bottom = lagrange_solve(lambda x: x[0] + 2 * x[1], lambda x: x @ x - 1, [-0.5, -0.8], -1.0)
    assert bottom.converged and np.allclose(bottom.x, [*-unit, -np.sqrt(5) / 2], atol=1e-9)
    assert top.path.shape == (top.iterations + 1, 3)


def test_lagrange_exact_gradients_quadratic_on_a_line():
    # min x² + 2y² on x + y = 3: x = 2y, so (2, 1), λ = 4
    result = lagrange_solve(
        lambda x: x[0] ** 2 + 2 * x[1] ** 2,
        lambda x: x[0] + x[1] - 3,
        [0.0, 0.0],
        grad_f=lambda x: np.array([2 * x[0], 4 * x[1]]),
        grad_g=lambda x: np.array([1.0, 1.0]),
    )
    assert result.converged and np.allclose(result.x, [2.0, 1.0, 4.0], atol=1e-10)


def test_lagrange_three_inputs_against_scipy():
    f = lambda x: x[0] * x[1] * x[2]  # noqa: E731  (maximise the box volume)
    g = lambda x: x[0] * x[1] + x[1] * x[2] + x[0] * x[2] - 12  # surface 24  # noqa: E731
    result = lagrange_solve(f, g, [1.5, 2.5, 2.0], 0.5)
    reference = optimize.minimize(
        lambda x: -f(x), [1.5, 2.5, 2.0], method="SLSQP", constraints={"type": "eq", "fun": g}
    )
    assert result.converged and np.allclose(result.x[:3], 2.0, atol=1e-8)  # the cube
    assert np.allclose(result.x[:3], reference.x, atol=1e-4)  # SLSQP's default ftol 1e-6


def test_lagrange_bad_input():
    with pytest.raises(TypeError, match="g must be a function"):
        lagrange_solve(np.sum, 1.0, [1.0, 1.0])
