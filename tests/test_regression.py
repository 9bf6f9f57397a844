"""Unit tests of mmlcalc.regression against independent truths.

The truths: sums written out by hand, ``numpy.polyfit`` for straight lines,
central finite differences for every derivative, and ``scipy.optimize.curve_fit``
for the non-linear fits.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import curve_fit

from mmlcalc.data import load_cars, load_galton_families, load_puromycin
from mmlcalc.regression import (
    chi_squared,
    chi_squared_gradient,
    curvature_scales,
    fit_line,
    gaussian,
    gaussian_model,
    gaussian_model_jacobian,
    gaussian_partials,
    histogram_with_uncertainties,
    line_chi_squared,
    sons_height_histogram,
    steepest_descent_fit,
)


def line(x, p):
    return p[0] * x + p[1]


def line_jacobian(x, p):
    return np.stack([x, np.ones_like(x)], axis=1)


def michaelis_menten(x, p):
    # rate = V c / (K + c): the Puromycin model
    return p[0] * x / (p[1] + x)


def michaelis_menten_jacobian(x, p):
    return np.stack([x / (p[1] + x), -p[0] * x / (p[1] + x) ** 2], axis=1)


def central_gradient(f, p, h=1e-6):
    """Central differences of a scalar f(p), shape (n,); error O(h²) plus round-off ε|f|/h."""
    p = np.asarray(p, dtype=float)
    return np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(p.size)])


def library_gaussian_fit(x, y, u, start):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning from the library would hide a bad fit
        params, _ = curve_fit(
            lambda t, mu, sigma: gaussian(t, mu, sigma),
            x,
            y,
            p0=start,
            sigma=u,
            absolute_sigma=True,
        )
    return params


# ----------------------------------------------------------------------------- χ²


def test_chi_squared_by_hand():
    y, model, u = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    assert chi_squared(y, model) == pytest.approx(0.25 + 0.0 + 1.0)
    assert chi_squared(y, model, u) == pytest.approx((0.5 / 0.5) ** 2 + 0 + (1 / 2) ** 2)


def test_chi_squared_equal_uncertainties_scale_it():
    rng = np.random.default_rng(61)
    y, model = rng.normal(size=20), rng.normal(size=20)
    assert chi_squared(y, model, np.full(20, 2.0)) == pytest.approx(chi_squared(y, model) / 4)


@pytest.mark.parametrize(
    "args, error, words",
    [
        (([1.0, 2.0], [1.0]), ValueError, "same shape"),
        (([1.0, 2.0], [1.0, 2.0], [1.0, 0.0]), ValueError, "> 0"),
        (([[1.0, 2.0]], [[1.0, 2.0]]), ValueError, "shape (m,)"),
        (([1.0, np.nan], [1.0, 2.0]), ValueError, "finite"),
        ((["a", "b"], [1.0, 2.0]), TypeError, "numbers"),
    ],
)
def test_chi_squared_rejects_bad_input(args, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        chi_squared(*args)


# ----------------------------------------------------------------------------- straight line


@pytest.mark.parametrize(
    "x, y",
    [
        (load_cars()["speed"], load_cars()["dist"]),
        (load_galton_families()["midparentHeight"], load_galton_families()["childHeight"]),
    ],
    ids=["cars", "galton"],
)
def test_fit_line_matches_polyfit_on_real_data(x, y):
    slope, intercept = fit_line(x, y)
    np.testing.assert_allclose([slope, intercept], np.polyfit(x, y, 1), rtol=1e-10)


def test_fit_line_with_uncertainties_matches_weighted_polyfit():
    rng = np.random.default_rng(62)
    x = np.sort(rng.uniform(0, 10, 30))
    u = rng.uniform(0.2, 2.0, 30)
    y = 1.5 * x - 3 + rng.normal(0, u)
    # polyfit minimises Σ (w_i r_i)², so its w is 1/u
    np.testing.assert_allclose(fit_line(x, y, u), np.polyfit(x, y, 1, w=1 / u), rtol=1e-10)


def test_fit_line_is_the_minimum_of_line_chi_squared():
    cars = load_cars()
    x, y = cars["speed"], cars["dist"]
    m, c = fit_line(x, y)
    best = float(line_chi_squared(x, y, m, c))
    assert best == pytest.approx(chi_squared(y, m * x + c), rel=1e-12)
    # both derivatives of χ² vanish there (the condition the closed form solves)
    gradient = central_gradient(lambda p: float(line_chi_squared(x, y, p[0], p[1])), [m, c])
    assert np.all(np.abs(gradient) < 1e-3 * best)  # finite-difference round-off ~ ε·χ²/h
    for dm, dc in [(0.1, 0), (0, 1.0), (-0.1, 1.0)]:
        assert line_chi_squared(x, y, m + dm, c + dc) > best


def test_line_chi_squared_on_a_grid_matches_a_loop():
    rng = np.random.default_rng(63)
    x, y, u = rng.normal(size=8), rng.normal(size=8), rng.uniform(0.5, 1.5, 8)
    slopes, intercepts = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 1, 4))
    grid = line_chi_squared(x, y, slopes, intercepts, u)
    assert grid.shape == (4, 5)
    loop = [
        [chi_squared(y, m * x + c, u) for m, c in zip(rm, rc, strict=True)]
        for rm, rc in zip(slopes, intercepts, strict=True)
    ]
    np.testing.assert_allclose(grid, loop, rtol=1e-10)


def test_fit_line_needs_two_different_x():
    with pytest.raises(ValueError, match="two different values"):
        fit_line([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])


# ----------------------------------------------------------------------------- Gaussian


def test_gaussian_is_a_density():
    x = np.linspace(50, 90, 40001)
    area = np.sum(gaussian(x, 69.0, 2.6)) * (x[1] - x[0])
    assert area == pytest.approx(1.0, abs=1e-9)
    assert float(gaussian(69.0, 69.0, 2.6)) == pytest.approx(1 / (2.6 * np.sqrt(2 * np.pi)))


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (69.3, 2.57), (-4.0, 0.3), (10.0, 7.0)])
def test_gaussian_partials_match_finite_differences(mu, sigma):
    x = mu + sigma * np.linspace(-4, 4, 33)
    got = gaussian_partials(x, mu, sigma)
    assert got.shape == (33, 2)
    h = 1e-6 * sigma  # relative to the scale of the curve
    d_mu = (gaussian(x, mu + h, sigma) - gaussian(x, mu - h, sigma)) / (2 * h)
    d_sigma = (gaussian(x, mu, sigma + h) - gaussian(x, mu, sigma - h)) / (2 * h)
    peak = 1 / (sigma * np.sqrt(2 * np.pi))
    # central-difference error ≈ h²|f‴|/6 + ε f/h: far below 1e-6 of peak/σ
    np.testing.assert_allclose(got, np.stack([d_mu, d_sigma], axis=1), atol=1e-6 * peak / sigma)


@pytest.mark.parametrize("sigma", [0.0, -1.0, np.nan])
def test_gaussian_rejects_a_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        gaussian([0.0], 0.0, sigma)


# ----------------------------------------------------------------------------- gradient of χ²


def test_gradient_of_chi_squared_for_the_gaussian_matches_finite_differences():
    x, y, u = sons_height_histogram()
    rng = np.random.default_rng(64)
    for p in np.column_stack([rng.uniform(64, 74, 10), rng.uniform(1.5, 5, 10)]):
        got = chi_squared_gradient(x, y, p, gaussian_model, gaussian_model_jacobian, u)
        assert got.shape == (2,)
        expected = central_gradient(lambda q: chi_squared(y, gaussian_model(x, q), u), p, 1e-5)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_gradient_of_chi_squared_for_michaelis_menten_matches_finite_differences():
    puromycin = load_puromycin()
    treated = puromycin["state"] == "treated"
    x, y = puromycin["conc"][treated], puromycin["rate"][treated]
    for p in ([200.0, 0.1], [150.0, 0.05], [220.0, 0.07]):
        got = chi_squared_gradient(x, y, p, michaelis_menten, michaelis_menten_jacobian)
        expected = central_gradient(lambda q: chi_squared(y, michaelis_menten(x, q)), p, 1e-7)
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_gradient_vanishes_at_the_library_fit():
    x, y, u = sons_height_histogram()
    best = library_gaussian_fit(x, y, u, [69.0, 3.0])
    gradient = chi_squared_gradient(x, y, best, gaussian_model, gaussian_model_jacobian, u)
    # curve_fit stops at relative changes of ~1.5e-8; times the curvature (~300) ≈ 1e-3
    assert np.all(np.abs(gradient) < 1e-3)


def test_gradient_names_a_transposed_jacobian():
    with pytest.raises(ValueError, match="transpose"):
        chi_squared_gradient(
            [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 0.0], line, lambda x, p: line_jacobian(x, p).T
        )


def test_steepest_descent_names_a_transposed_jacobian():
    with pytest.raises(ValueError, match="transpose"):
        steepest_descent_fit(
            [1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0],
            line,
            lambda x, p: line_jacobian(x, p).T,
            [0.0, 0.0],
            0.1,
        )


def test_curvature_scales_of_a_line():
    x = np.array([1.0, 2.0, 3.0])
    u = np.array([0.5, 1.0, 2.0])
    # H_jj = 2 Σ J_ij² / u_i²: Σ x²/u² = 4 + 4 + 2.25, Σ 1/u² = 4 + 1 + 0.25
    np.testing.assert_allclose(
        curvature_scales(x, [0.0, 0.0], line_jacobian, u),
        [1 / np.sqrt(2 * 10.25), 1 / np.sqrt(2 * 5.25)],
    )


# ----------------------------------------------------------------------------- steepest descent


def test_steepest_descent_reaches_the_library_gaussian_fit_on_galton_sons():
    x, y, u = sons_height_histogram()
    library = library_gaussian_fit(x, y, u, [66.0, 4.0])
    for rescale, step in ((True, 1.0), (True, 0.5), (False, 0.004)):
        path = steepest_descent_fit(
            x, y, gaussian_model, gaussian_model_jacobian, [66.0, 4.0], step, u, rescale=rescale
        )
        assert path.status == "converged", (rescale, step)
        # stopping at 1e-6 curvature units (~0.06 in) leaves ~1e-7 in; 1e-5 in is ample
        np.testing.assert_allclose(path.best, library, atol=1e-5)
        assert path.params.shape == (path.steps + 1, 2)
        assert path.chi_squared[-1] == pytest.approx(chi_squared(y, gaussian_model(x, library), u))


def test_steepest_descent_on_seeded_synthetic_heights():
    rng = np.random.default_rng(65)
    for mu, sigma, n in ((69.0, 2.6, 500), (64.0, 2.3, 300), (170.0, 7.0, 2000)):
        heights = rng.normal(mu, sigma, n)
        edges = np.arange(np.floor(heights.min()) - 0.5, heights.max() + 1.0, sigma / 2.5)
        x, y, u = histogram_with_uncertainties(heights, edges)
        start = [heights.mean() - sigma, 1.5 * sigma]
        library = library_gaussian_fit(x, y, u, start)
        path = steepest_descent_fit(
            x, y, gaussian_model, gaussian_model_jacobian, start, 1.0, u, rescale=True
        )
        assert path.status == "converged"
        np.testing.assert_allclose(path.best, library, atol=1e-5 * sigma)


def test_steepest_descent_fits_michaelis_menten_like_the_library():
    puromycin = load_puromycin()
    treated = puromycin["state"] == "treated"
    x, y = puromycin["conc"][treated], puromycin["rate"][treated]
    library, _ = curve_fit(lambda c, v, k: v * c / (k + c), x, y, p0=[200.0, 0.1])
    path = steepest_descent_fit(
        x, y, michaelis_menten, michaelis_menten_jacobian, [200.0, 0.1], 1.0, rescale=True
    )
    assert path.status == "converged"
    np.testing.assert_allclose(path.best, library, rtol=1e-5)  # V ≈ 212.7, K ≈ 0.0641


def test_steepest_descent_finds_the_straight_line():
    cars = load_cars()
    x, y = cars["speed"], cars["dist"]
    path = steepest_descent_fit(
        x, y, line, line_jacobian, [0.0, 0.0], 1.0, rescale=True, tol=1e-9, max_steps=100_000
    )
    assert path.status == "converged"
    np.testing.assert_allclose(path.best, np.polyfit(x, y, 1), rtol=1e-5)


def test_small_steps_never_raise_chi_squared():
    x, y, u = sons_height_histogram()
    path = steepest_descent_fit(
        x, y, gaussian_model, gaussian_model_jacobian, [66.0, 4.0], 0.001, u
    )
    assert np.all(np.diff(path.chi_squared) <= 1e-12 * path.chi_squared[0])


def test_too_large_steps_fail_and_a_tiny_one_hits_the_cap():
    x, y, u = sons_height_histogram()
    good = chi_squared(y, gaussian_model(x, library_gaussian_fit(x, y, u, [69.0, 3.0])), u)
    # raw: 2 / (largest curvature ≈ 295 near the answer) ≈ 0.0068 in² is the stability
    # limit; 0.05 throws the Gaussian off the data onto the plateau χ² ≈ Σ (y/u)² = 481
    big = steepest_descent_fit(x, y, gaussian_model, gaussian_model_jacobian, [66.0, 4.0], 0.05, u)
    assert big.chi_squared[-1] > 20 * good
    # rescaled: η = 4 is beyond 2 / (1 + |ρ|) for every coupling ρ
    wild = steepest_descent_fit(
        x, y, gaussian_model, gaussian_model_jacobian, [66.0, 4.0], 4.0, u, rescale=True
    )
    assert wild.status == "diverged"
    tiny = steepest_descent_fit(
        x, y, gaussian_model, gaussian_model_jacobian, [66.0, 4.0], 1e-7, u, max_steps=50
    )
    assert tiny.status == "step cap reached" and tiny.steps == 50


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"step": 0.0}, "step"),
        ({"step": 1.0, "tol": -1.0}, "tol"),
        ({"step": 1.0, "max_steps": 2.5}, "max_steps"),
        ({"step": 1.0, "start": [1.0, 2.0, 3.0]}, "shape"),
    ],
)
def test_steepest_descent_rejects_bad_settings(kwargs, words):
    settings = {"start": [66.0, 4.0], **kwargs}
    x, y, u = sons_height_histogram()
    with pytest.raises(ValueError, match=words):
        steepest_descent_fit(
            x, y, gaussian_model, gaussian_model_jacobian, uncertainty=u, **settings
        )


# ----------------------------------------------------------------------------- histograms


def test_histogram_density_matches_numpy_and_counts_the_sons():
    galton = load_galton_families()
    sons = galton["childHeight"][galton["gender"] == "male"]
    _, y, u = sons_height_histogram()
    edges = np.arange(59.75, 80.0, 1.0)
    np.testing.assert_allclose(y, np.histogram(sons, edges, density=True)[0])
    assert sons.size == 481 and sons.min() >= edges[0] and sons.max() < edges[-1]
    counts = y * sons.size
    np.testing.assert_allclose(u, np.sqrt(np.maximum(counts, 1)) / sons.size)


def test_histogram_rejects_decreasing_edges():
    with pytest.raises(ValueError, match="increasing"):
        histogram_with_uncertainties([1.0, 2.0], [3.0, 2.0, 1.0])


def test_a_step_out_of_the_domain_stops_the_fit():
    """A Gaussian written without a guard accepts σ < 0; the domain σ > 0 stops the fit there."""

    def unguarded(x, p):
        return np.exp(-((x - p[0]) ** 2) / (2 * p[1] ** 2)) / (p[1] * np.sqrt(2 * np.pi))

    x, y, u = sons_height_histogram()
    domain = [(-np.inf, np.inf), (0, np.inf)]
    free = steepest_descent_fit(x, y, unguarded, gaussian_model_jacobian, [66.0, 4.0], 0.006, u)
    assert np.any(free.params[:, 1] < 0)  # without a domain σ goes negative unnoticed
    path = steepest_descent_fit(
        x, y, unguarded, gaussian_model_jacobian, [66.0, 4.0], 0.006, u, domain=domain
    )
    assert path.status == "left the domain" and path.params[-1, 1] < 0
    assert np.all(path.params[:-1, 1] > 0) and len(path.chi_squared) == len(path.params)
    with pytest.raises(ValueError, match="domain must be 2 pairs"):
        steepest_descent_fit(
            x, y, unguarded, gaussian_model_jacobian, [66.0, 4.0], 0.006, u, domain=[(0, 1)]
        )
