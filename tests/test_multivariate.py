"""Unit tests of ``mmlcalc.multivariate`` (Jacobians, Hessians, stationary points) and of
the sandpit game ``mmlcalc.sandpit`` (plain NumPy, no widgets).

Truths are independent of the code under test: analytic derivatives written out by
hand, minima known in closed form, and the real volcano grid itself.

Error bounds. With the default steps, a central first difference has truncation
error about (h²/6)|f‴| ≈ 6e-12 |f‴| (h ≈ 6e-6) and round-off about ε|f|/h ≈
4e-11 |f|; for functions whose values and third derivatives are at most about 50
at the test points, 1e-7 relative plus 1e-7 absolute is a bound with a margin
of about 50. The Hessian's steps h ≈ 1.2e-4 leave truncation (h²/12)|f⁗| ≈ 1e-9 |f⁗|
and round-off about 4ε|f|/h² ≈ 6e-8 |f|, hence 1e-5 relative plus 1e-5 absolute.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmlcalc import multivariate
from mmlcalc.multivariate import (
    CLASSIFICATIONS,
    classify_stationary_point,
    default_steps,
    evaluate_points,
    gradient,
    hessian,
    jacobian,
    partial_derivative,
)
from mmlcalc.sandpit import LANDSCAPES, VERDICTS, Landscape, Sandpit, make_landscape

JAC_RTOL, JAC_ATOL = 1e-7, 1e-7
HESS_RTOL, HESS_ATOL = 1e-5, 1e-5

# (name, f, exact Jacobian row (n,), exact Hessian (n, n)) for scalar functions of x, shape (n,).
SCALAR_CASES = [
    (
        "x² y + y³",
        lambda x: x[0] ** 2 * x[1] + x[1] ** 3,
        lambda x: np.array([2 * x[0] * x[1], x[0] ** 2 + 3 * x[1] ** 2]),
        lambda x: np.array([[2 * x[1], 2 * x[0]], [2 * x[0], 6 * x[1]]]),
    ),
    (
        "sin x cos y",
        lambda x: np.sin(x[0]) * np.cos(x[1]),
        lambda x: np.array([np.cos(x[0]) * np.cos(x[1]), -np.sin(x[0]) * np.sin(x[1])]),
        lambda x: np.array(
            [
                [-np.sin(x[0]) * np.cos(x[1]), -np.cos(x[0]) * np.sin(x[1])],
                [-np.cos(x[0]) * np.sin(x[1]), -np.sin(x[0]) * np.cos(x[1])],
            ]
        ),
    ),
    (
        "exp(x − y²)",
        lambda x: np.exp(x[0] - x[1] ** 2),
        lambda x: np.exp(x[0] - x[1] ** 2) * np.array([1.0, -2 * x[1]]),
        lambda x: (
            np.exp(x[0] - x[1] ** 2) * np.array([[1.0, -2 * x[1]], [-2 * x[1], 4 * x[1] ** 2 - 2]])
        ),
    ),
    (
        "x y z + z²",
        lambda x: x[0] * x[1] * x[2] + x[2] ** 2,
        lambda x: np.array([x[1] * x[2], x[0] * x[2], x[0] * x[1] + 2 * x[2]]),
        lambda x: np.array([[0, x[2], x[1]], [x[2], 0, x[0]], [x[1], x[0], 2.0]]),
    ),
    (
        "log(1 + x² + y²)",
        lambda x: np.log(1 + x[0] ** 2 + x[1] ** 2),
        lambda x: 2 * np.array([x[0], x[1]]) / (1 + x[0] ** 2 + x[1] ** 2),
        lambda x: (
            (2 * (1 + x[0] ** 2 + x[1] ** 2) * np.eye(2) - 4 * np.outer(x[:2], x[:2]))
            / (1 + x[0] ** 2 + x[1] ** 2) ** 2
        ),
    ),
    (
        "quadratic ½ xᵀAx + bᵀx (n = 4)",
        lambda x: (
            0.5 * x @ np.array([[4.0, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 0.5], [0, 0, 0.5, 1]]) @ x
            + x @ np.arange(4.0)
        ),
        lambda x: (
            np.array([[4.0, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 0.5], [0, 0, 0.5, 1]]) @ x
            + np.arange(4.0)
        ),
        lambda x: np.array([[4.0, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 0.5], [0, 0, 0.5, 1]]),
    ),
]

# Test points from np.random.default_rng(seed=2) in [-1.5, 1.5]: values stay below about 50.
RNG = np.random.default_rng(2)


def points_for(n: int, count: int = 5) -> np.ndarray:
    return RNG.uniform(-1.5, 1.5, size=(count, n))


CASE_DIMENSIONS = {
    "x² y + y³": 2,
    "sin x cos y": 2,
    "exp(x − y²)": 2,
    "x y z + z²": 3,
    "log(1 + x² + y²)": 2,
    "quadratic ½ xᵀAx + bᵀx (n = 4)": 4,
}


@pytest.mark.parametrize("name, f, df, d2f", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_gradient_matches_analytic(name, f, df, d2f):
    for x in points_for(CASE_DIMENSIONS[name]):
        got = gradient(f, x)
        assert got.shape == x.shape
        np.testing.assert_allclose(got, df(x), rtol=JAC_RTOL, atol=JAC_ATOL)


@pytest.mark.parametrize("name, f, df, d2f", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_hessian_matches_analytic_and_is_symmetric(name, f, df, d2f):
    for x in points_for(CASE_DIMENSIONS[name]):
        got = hessian(f, x)
        n = x.size
        assert got.shape == (n, n)
        np.testing.assert_array_equal(got, got.T)
        np.testing.assert_allclose(got, d2f(x), rtol=HESS_RTOL, atol=HESS_ATOL)


@pytest.mark.parametrize("name, f, df, d2f", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_partial_derivative_is_one_entry_of_the_gradient(name, f, df, d2f):
    x = points_for(CASE_DIMENSIONS[name], 1)[0]
    exact = df(x)
    for i in range(x.size):
        assert math.isclose(
            partial_derivative(f, x, i), exact[i], rel_tol=JAC_RTOL, abs_tol=JAC_ATOL
        )


def polar(p):
    return np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])


def polar_jacobian(p):
    r, t = p
    return np.array([[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]])


def three_to_two(p):
    x, y, z = p
    return np.array([x * y * z, np.exp(x) + y**2 - np.sin(z)])


def three_to_two_jacobian(p):
    x, y, z = p
    return np.array([[y * z, x * z, x * y], [np.exp(x), 2 * y, -np.cos(z)]])


@pytest.mark.parametrize(
    "g, jac, n",
    [(polar, polar_jacobian, 2), (three_to_two, three_to_two_jacobian, 3)],
    ids=["polar (2 → 2)", "(3 → 2)"],
)
def test_jacobian_matrix_has_shape_m_by_n_and_matches_analytic(g, jac, n):
    for x in points_for(n):
        got = jacobian(g, x)
        assert got.shape == (2, n)
        np.testing.assert_allclose(got, jac(x), rtol=JAC_RTOL, atol=JAC_ATOL)


def test_polar_map_determinant_is_r():
    # The area factor of the polar map is det J = r (an independent classical fact).
    for r, t in [(0.5, 0.3), (2.0, 1.0), (3.0, -2.0)]:
        assert math.isclose(np.linalg.det(jacobian(polar, [r, t])), r, rel_tol=1e-8)


def test_function_taking_one_point_at_a_time_is_looped():
    # np.linalg.norm returns one number for a whole (n, k) batch, so it must be looped;
    # the gradient of |x| is x / |x|.
    x = np.array([3.0, -4.0])
    np.testing.assert_allclose(gradient(np.linalg.norm, x), x / 5.0, rtol=1e-8)
    calls = []

    def scalar_only(p):
        calls.append(1)
        if p.ndim != 1:
            raise TypeError("one point at a time")
        return float(p[0] * p[1])

    np.testing.assert_allclose(gradient(scalar_only, [2.0, 5.0]), [5.0, 2.0], rtol=1e-8)


def test_vectorised_function_is_called_once_for_the_batch():
    calls = []

    def f(x):
        calls.append(np.shape(x))
        return x[0] ** 2 + x[1]

    jacobian(f, [1.0, 2.0])
    # one call at the first point (to know the output's shape) and one for the batch
    assert calls == [(2,), (2, 4)]


def test_evaluate_points_stacks_vector_results():
    got = evaluate_points(polar, [[1.0, 0.0], [2.0, np.pi / 2]])
    np.testing.assert_allclose(got, [[1.0, 0.0], [0.0, 2.0]], atol=1e-12)


def test_default_steps_scale_with_x():
    eps = np.finfo(float).eps
    np.testing.assert_allclose(default_steps([0.5, -300.0]), eps ** (1 / 3) * np.array([1, 300]))
    np.testing.assert_allclose(default_steps([2.0], order=2), [eps**0.25 * 2])


def test_explicit_step_is_used():
    # for x³ the central difference with step h is exactly 3x² + h² (no truncation beyond h²)
    got = partial_derivative(lambda x: x[0] ** 3, [1.0], 0, h=0.5)
    assert math.isclose(got, 3.25, rel_tol=1e-14)


@pytest.mark.parametrize(
    "H, expected",
    [
        (np.diag([1.0, 2.0, 3.0]), "minimum"),
        (-np.diag([1.0, 2.0]), "maximum"),
        (np.array([[0.0, 1.0], [1.0, 0.0]]), "saddle"),  # f = xy: eigenvalues ±1
        (np.array([[2.0, 3.0], [3.0, 2.0]]), "saddle"),  # diagonal positive, det < 0
        (np.array([[1.0, 1.0], [1.0, 1.0]]), "inconclusive"),  # eigenvalues 0 and 2
        (np.zeros((2, 2)), "inconclusive"),  # x⁴ + y⁴ at 0
        (np.diag([1e-9, 1.0]), "inconclusive"),  # below tol · max|λ|
        (np.diag([-1.0, 0.0, 1.0]), "saddle"),  # a zero does not hide a saddle
        (np.array([[5.0]]), "minimum"),
    ],
)
def test_classification_of_hessians(H, expected):
    assert classify_stationary_point(H) == expected
    assert expected in CLASSIFICATIONS


def test_classification_of_known_stationary_points_from_numeric_hessians():
    # Rosenbrock (1 - x)² + 100 (y - x²)² has its minimum at (1, 1);
    # x³ - 3x + y² has a minimum at (1, 0) and a saddle at (-1, 0);
    # -(x² + y²) - xy has a maximum at 0.
    rosenbrock = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2  # noqa: E731
    cubic = lambda p: p[0] ** 3 - 3 * p[0] + p[1] ** 2  # noqa: E731
    cap = lambda p: -(p[0] ** 2 + p[1] ** 2) - p[0] * p[1]  # noqa: E731
    assert np.allclose(gradient(rosenbrock, [1.0, 1.0]), 0.0, atol=1e-6)
    assert classify_stationary_point(hessian(rosenbrock, [1.0, 1.0])) == "minimum"
    assert classify_stationary_point(hessian(cubic, [1.0, 0.0])) == "minimum"
    assert classify_stationary_point(hessian(cubic, [-1.0, 0.0])) == "saddle"
    assert classify_stationary_point(hessian(cap, [0.0, 0.0])) == "maximum"
    # x⁴ + y⁴: H = 0 at the origin, the test cannot decide
    assert classify_stationary_point(hessian(lambda p: p[0] ** 4 + p[1] ** 4, [0.0, 0.0])) == (
        "inconclusive"
    )


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gradient(3.0, [1.0]), TypeError, "pass the function itself"),
        (lambda: gradient(np.sin, [[1.0, 2.0]]), ValueError, "shape (n,)"),
        (lambda: gradient(np.sum, []), ValueError, "n >= 1"),
        (lambda: gradient(np.sum, [np.nan]), ValueError, "finite"),
        (lambda: gradient(polar, [1.0, 2.0]), ValueError, "use jacobian"),
        (lambda: jacobian(np.sum, [1.0], h=0.0), ValueError, "positive"),
        (lambda: jacobian(np.sum, [1e20], h=1e-10), ValueError, "too small"),
        (lambda: partial_derivative(np.sum, [1.0, 2.0], 2), ValueError, "not an input"),
        (lambda: partial_derivative(np.sum, [1.0, 2.0], 0.5), TypeError, "integer"),
        (lambda: hessian(polar, [1.0, 2.0]), ValueError, "scalar function"),
        (lambda: default_steps([1.0], order=3), ValueError, "order"),
        (lambda: classify_stationary_point([[1.0, 2.0]]), ValueError, "square"),
        (lambda: classify_stationary_point([[1.0, 2.0], [0.0, 1.0]]), ValueError, "symmetric"),
        (lambda: classify_stationary_point([[np.inf]]), ValueError, "inf or nan"),
        (lambda: classify_stationary_point("H"), TypeError, "square array of numbers"),
        (lambda: evaluate_points(np.sum, [1.0, 2.0]), ValueError, "(k, n)"),
        (lambda: jacobian(lambda x: np.ones((2, 2)), [1.0]), ValueError, "1-D array"),
    ],
)
def test_bad_input_gives_clear_errors(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


def test_module_imports_only_numpy():
    source = open(multivariate.__file__, encoding="utf-8").read()
    assert "matplotlib" not in source and "ipywidgets" not in source


# --- the sandpit -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", LANDSCAPES)
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_landscape_gradient_matches_finite_differences(kind, seed):
    landscape = make_landscape(kind, seed)
    (x0, x1), (y0, y1) = landscape.bounds
    rng = np.random.default_rng(seed + 100)
    for _ in range(10):
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        if kind == "volcano":
            # The gradient is by definition a central difference with step VOLCANO_STEP;
            # away from the edges it must equal that formula applied to the height.
            p = np.clip(p, 10.0, np.array([x1, y1]) - 10.0)
            step = 5.0
            expected = [
                (landscape.height(p[0] + step, p[1]) - landscape.height(p[0] - step, p[1]))
                / (2 * step),
                (landscape.height(p[0], p[1] + step) - landscape.height(p[0], p[1] - step))
                / (2 * step),
            ]
            np.testing.assert_allclose(landscape.gradient(*p), expected, rtol=1e-12)
        else:
            numeric = gradient(lambda q: landscape.height(q[0], q[1]), p)
            np.testing.assert_allclose(landscape.gradient(*p), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", LANDSCAPES)
def test_landscapes_are_reproducible_and_vectorised(kind):
    a, b = make_landscape(kind, 3), make_landscape(kind, 3)
    x, y, z = a.grid(30)
    assert z.shape == (30, 30)
    np.testing.assert_array_equal(z, b.height(x, y))
    assert a.gradient(x, y).shape == (30, 30, 2)
    np.testing.assert_array_equal(a.deepest, b.deepest)
    # the deepest point is no higher than anything on a grid over the box
    assert a.deepest[2] <= z.min() + 1e-9


def test_seeds_move_the_hidden_pits():
    assert not np.allclose(
        make_landscape("local minima", 0).deepest, make_landscape("local minima", 1).deepest
    )


@pytest.mark.parametrize("kind", ["local minima", "narrow well", "noisy terrain"])
def test_deepest_point_is_a_minimum_with_zero_gradient(kind):
    landscape = make_landscape(kind, 0)
    x, y, _ = landscape.deepest
    # the grid point is within 0.025 of the true minimum: the gradient there is
    # at most curvature × 0.025; curvatures here stay below 40 (narrow well: 3.5/0.35²)
    assert np.linalg.norm(landscape.gradient(x, y)) < 40 * 0.025
    h = hessian(lambda q: landscape.height(q[0], q[1]), [x, y])
    assert classify_stationary_point(h) == "minimum"


def test_volcano_interpolation_hits_the_grid_and_is_bilinear():
    from mmlcalc.data import load_volcano

    grid = load_volcano().heights
    volcano = make_landscape("volcano")
    # grid point (file row i, column j) sits at x = 10 j, y = 10 (86 - i)
    for i, j in [(0, 0), (29, 33), (86, 60), (40, 12)]:
        assert volcano.height(10.0 * j, 10.0 * (86 - i)) == grid[i, j]
    # halfway between four grid points: their mean
    i, j = 40, 12
    mean = grid[i : i + 2, j : j + 2].mean()
    assert math.isclose(volcano.height(10.0 * j + 5, 10.0 * (86 - i) - 5), mean)
    assert volcano.deepest[2] == grid.min() == 94.0
    assert volcano.local_minima[0, 2] == 148.0
    assert volcano.depth(*volcano.deepest[:2]) == 195.0 - 94.0


def test_game_found_stuck_and_out_of_probes():
    landscape = make_landscape("narrow well", 0)
    deep_x, deep_y, _ = landscape.deepest
    trap_x, trap_y, _ = landscape.local_minima[0]

    win = Sandpit(landscape, budget=3)
    win.probe(0.0, 0.0)
    assert win.verdict == "playing" and win.probes_left == 2
    win.probe(deep_x, deep_y)
    assert win.verdict == "found" and "Found" in win.message()
    with pytest.raises(ValueError, match="game is over"):
        win.probe(1.0, 1.0)

    stuck = Sandpit(landscape, budget=2)
    stuck.probe(9.9, 9.9)
    stuck.probe(trap_x, trap_y)
    assert stuck.verdict == "stuck" and "local minimum" in stuck.message()

    lost = Sandpit(landscape, budget=1)
    lost.probe(9.9, 0.1)
    assert lost.verdict == "out of probes"
    lost.reset()
    assert lost.verdict == "playing" and lost.probes == []
    assert set(VERDICTS) == {"playing", "found", "stuck", "out of probes"}


def test_volcano_crater_is_a_trap_and_the_foot_is_the_goal():
    crater = Sandpit("volcano", budget=1)
    crater.probe(330.0, 570.0)
    assert crater.verdict == "stuck"
    foot = Sandpit("volcano", budget=1)
    probe = foot.probe(550.0, 20.0)  # the south-east corner, about 95 m
    assert foot.verdict == "found", probe


def test_probe_reports_depth_and_jacobian():
    game = Sandpit("bowl", budget=5, mode="gradient", seed=4)
    probe = game.probe(2.0, 3.0)
    landscape = game.landscape
    assert probe.depth == -landscape.height(2.0, 3.0)
    np.testing.assert_allclose(probe.jacobian, landscape.gradient(2.0, 3.0))
    assert probe.jacobian.shape == (2,)
    assert game.best is probe


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: make_landscape("lake"), ValueError, "unknown landscape"),
        (lambda: make_landscape("bowl", seed=1.5), TypeError, "integer"),
        (lambda: Sandpit("bowl", budget=0), ValueError, "at least 1"),
        (lambda: Sandpit("bowl", budget=2.5), TypeError, "whole number"),
        (lambda: Sandpit("bowl", mode="sonar"), ValueError, "mode"),
        (lambda: Sandpit(42), TypeError, "Landscape"),
        (lambda: Sandpit("bowl").probe(11.0, 1.0), ValueError, "outside"),
    ],
)
def test_sandpit_bad_input(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_landscape_is_a_dataclass_with_bounds():
    landscape = make_landscape("bowl")
    assert isinstance(landscape, Landscape)
    assert landscape.bounds == ((0.0, 10.0), (0.0, 10.0))
