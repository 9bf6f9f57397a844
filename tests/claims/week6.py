"""Week 6's claims table: every number, sign and comparison the lecture's prose states.

Explorer claims build the explorer in-process exactly as the lecture cell does (the
notebook's own Gaussian, which accepts σ < 0, and the domain σ > 0 it passes), set the
controls only to values the sliders can reach, and read ``explorer.shown`` and the
readout.
"""

from __future__ import annotations

import html
import re

import numpy as np
from lecture_claims import Claim, Definition, assert_shown_as, shown_as

from mmlcalc.data import load_cars, load_galton_families, load_puromycin
from mmlcalc.optimisation import descent_regime
from mmlcalc.regression import sons_height_histogram, steepest_descent_fit

NOTEBOOK = "06_regression.ipynb"

CARS = load_cars()
SPEED, DIST = CARS["speed"], CARS["dist"]
GALTON = load_galton_families()
X, Y, U = sons_height_histogram()
DOMAIN = [(-np.inf, np.inf), (0, np.inf)]


# ---------------------------------------------------------------------- the lecture's maths


def gaussian(x, mu, sigma):
    return np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


def model(x, params):
    return gaussian(x, params[0], params[1])


def gaussian_jacobian(x, params):
    mu, sigma = params
    f = gaussian(x, mu, sigma)
    return np.stack([f * (x - mu) / sigma**2, f * ((x - mu) ** 2 / sigma**3 - 1 / sigma)], axis=1)


def chi2(params, x=X, y=Y, u=U):
    return float(np.sum(((y - model(x, params)) / u) ** 2))


def chi2_gradient(params, x=X, y=Y, u=U):
    return -2 * ((y - model(x, params)) / u**2) @ gaussian_jacobian(x, params)


def curvature(params, x=X, u=U):
    J = gaussian_jacobian(x, params)
    return 2 * J.T @ (J / u[:, None] ** 2)


def library():
    from scipy.optimize import curve_fit

    return curve_fit(gaussian, X, Y, p0=[66.0, 4.0], sigma=U, absolute_sigma=True)


def rescaled_descent(start, eta=1.0, x=X, y=Y, u=U, cap=1000):
    """The lecture's rescaled loop (section 4), returning (the answer, its step count)."""
    p = np.array(start, dtype=float)
    for k in range(1, cap + 1):
        scale2 = 1 / np.diag(curvature(p, x, u))
        step = eta * scale2 * chi2_gradient(p, x, y, u)
        p = p - step
        if np.linalg.norm(step / np.sqrt(scale2)) < 1e-6:
            return p, k
    return p, cap


# ---------------------------------------------------------------------- driving explorers


def reachable(slider) -> list[float]:
    count = round((slider.max - slider.min) / slider.step)
    grid = [slider.min + k * slider.step for k in range(count + 1)]
    if hasattr(slider, "base"):
        return [slider.base**e for e in grid]
    return grid


def nearest(slider, target: float) -> float:
    return min(reachable(slider), key=lambda v: abs(v - target))


def readout(explorer) -> str:
    text = re.sub(r"<[^>]+>|&nbsp;", " ", explorer.readout.value)
    return re.sub(r"\s+", " ", html.unescape(text))


def descent_explorer():
    from mmlcalc.widgets.regression import chi_squared_descent_explorer

    answer, _ = library()
    return chi_squared_descent_explorer(
        X,
        Y,
        model,
        gaussian_jacobian,
        U,
        start=(66.0, 4.0),
        step=1.0,
        steps=30,
        reference=answer,
        domain=DOMAIN,
    )


def line_explorer():
    from mmlcalc.widgets.regression import line_fit_explorer

    return line_fit_explorer(
        SPEED, DIST, slope=2.0, intercept=0.0, xlabel="speed (mph)", ylabel="stopping distance (ft)"
    )


# ---------------------------------------------------------------------- the checks


def check_thirty_percent(lec):
    guess = np.sum((DIST - (3.0 * SPEED - 10.0)) ** 2)
    slope, intercept = np.polyfit(SPEED, DIST, 1)
    best = np.sum((DIST - slope * SPEED - intercept) ** 2)
    assert round(guess / best - 1, 1) == 0.3, guess / best  # about 30 % above
    text = lec.stdout("chi2_best = np.sum(")
    assert f"dist = {slope:.4f} · speed {intercept:+.4f}" in text
    # no other line does better: χ²(m, c) is a bowl (positive definite Hessian), gradient 0
    hessian = 2 * np.array([[np.sum(SPEED**2), np.sum(SPEED)], [np.sum(SPEED), SPEED.size]])
    assert np.all(np.linalg.eigvalsh(hessian) > 0)


def check_contours_tilted(lec):
    hessian = 2 * np.array([[np.sum(SPEED**2), np.sum(SPEED)], [np.sum(SPEED), SPEED.size]])
    values, vectors = np.linalg.eigh(hessian)
    valley = vectors[:, 0]  # the long axis of the ellipses: the smallest curvature
    assert valley[0] * valley[1] < 0  # slope up, intercept down: tilted downhill
    assert values[1] / values[0] > 100  # long ellipses
    explorer = line_explorer()
    # "a steeper line can be rescued by lowering its intercept"
    explorer.controls["slope"].value = nearest(explorer.controls["slope"], 5.0)
    explorer.controls["intercept"].value = nearest(explorer.controls["intercept"], 0.0)
    high = explorer.shown["chi_squared"]
    explorer.controls["intercept"].value = nearest(explorer.controls["intercept"], -25.0)
    assert explorer.shown["chi_squared"] < high / 2
    assert SPEED.mean() > 10  # the centre of the data is far from x = 0


def check_galton(lec):
    assert len(np.unique(GALTON["family"])) == 205 and len(GALTON["childHeight"]) == 934
    assert lec.value("galton_slope") < 0.7  # well below 1


def check_groups(lec):
    for gender, written in (("female", "0.66"), ("male", "0.71")):
        chosen = GALTON["gender"] == gender
        slope, _ = np.polyfit(GALTON["midparentHeight"][chosen], GALTON["childHeight"][chosen], 1)
        assert_shown_as(slope, written, f"the {gender} slope")


def check_sons(lec):
    assert lec.value("sons.size") == 481
    assert abs(lec.value("float(np.sum(density) * width)") - 1) < 1e-12


def check_bumpy_peak(lec):
    counts = np.rint(Y * 481).astype(int)
    top = X[np.argsort(counts)[-2:]]  # the two highest bins (the third place is a tie)
    assert np.all((top > 68) & (top < 71)), top
    middle = counts[(X > 68) & (X < 71)]
    assert middle[1] < middle[0] and middle[1] < middle[2]  # bumpy: 69, 56, 88
    sons = GALTON["childHeight"][GALTON["gender"] == "male"]
    assert abs(np.mean(sons) - np.median(sons)) < 0.3  # roughly symmetric


def check_gradient_signs(lec):
    lines = lec.stdout("def chi2_gradient(params)").splitlines()
    formula = [float(v) for v in re.findall(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?", lines[1])]
    assert formula[0] < 0 < formula[1], formula
    assert lec.value("start.tolist()") == [66.0, 4.0]
    assert_shown_as(lec.value("float(sons.std())"), "2.6", "the sons' spread")


def check_guess_figure(lec):
    answer, _ = library()
    assert_shown_as(answer[0] - 66.0, "3", "the distance from the guess to the data's centre")
    assert gaussian(66.0, 66.0, 4.0) < Y.max()  # too low
    assert 4.0 > answer[1]  # too wide


def check_descent_figure(lec):
    path = steepest_descent_fit(X, Y, model, gaussian_jacobian, [66.0, 4.0], 0.004, U, max_steps=30)
    params = path.params
    answer, _ = library()
    assert params[1][0] > answer[0]  # overshoots in μ
    assert_shown_as(params[1][0], "70.5", "μ after the first step")
    sigma_steps = np.diff(params[1:, 1])
    turns = np.sum(sigma_steps[:-1] * sigma_steps[1:] < 0)
    assert turns >= 2  # zig-zags in σ
    assert descent_regime(params, path.chi_squared) == "oscillates"
    assert np.allclose(params[-1], answer, atol=1e-4)  # settles on the minimum


def check_step_limit(lec):
    text = lec.stdout("eigenvalues = np.linalg.eigvalsh(H)")
    limit = float(re.search(r"2 / λ_max = (\S+) in²", text).group(1))
    assert_shown_as(limit, "0.0068") and 0.004 < limit
    steps = {
        float(m.group(1)): int(m.group(2))
        for m in re.finditer(r"η = (\S+): after (\d+) steps", text)
    }
    assert steps[0.004] < steps[0.001] / 4  # close enough to the limit to be quick


def check_far_from_answer(lec):
    answer, _ = library()
    assert (
        np.linalg.eigvalsh(curvature([66.0, 4.0]))[-1] > np.linalg.eigvalsh(curvature(answer))[-1]
    )
    text = lec.stdout("eigenvalues = np.linalg.eigvalsh(H)")
    lines = {line.split(":")[0]: line for line in text.splitlines() if line.startswith("η =")}
    assert "σ went negative" in lines["η = 0.006"]
    assert "σ went negative" not in lines["η = 0.01"]
    assert float(lines["η = 0.01"].rsplit("=", 1)[1]) > 400  # off the data
    q = np.array([66.0, 4.0])
    values = []
    for _ in range(1000):
        q = q - 0.01 * chi2_gradient(q)
        values.append(chi2(q))
    assert abs(values[-1] - values[500]) < 0.01 * values[-1]  # barely changes


def check_units(lec):
    answer, _ = library()
    inches = curvature(answer)
    cm = 2.54
    centimetres = curvature(answer * cm, X * cm, U / cm)
    assert np.allclose(inches / centimetres, cm**2)
    more = curvature(answer, X, U / np.sqrt(10))  # ten times the sons: u shrinks by √10
    assert np.allclose(more / inches, 10)


def check_rescaled_unit(lec):
    answer, covariance = library()
    H = curvature(answer)
    s = 1 / np.sqrt(np.diag(H))
    rescaled = H * np.outer(s, s)
    assert np.allclose(np.diag(rescaled), 1)
    ratio = np.sqrt(np.diag(covariance)) / s
    assert np.all((ratio > 1) & (ratio < 1.5)), ratio  # up to a factor √2


def check_handful(lec):
    text = lec.stdout("rho = H[0, 1] / np.sqrt(")
    steps = int(re.search(r"η = 1: (\d+) steps", text).group(1))
    assert steps <= 12


def check_negative_curvature(lec):
    # the true ∂²χ²/∂σ², by central differences, somewhere in the explorer's box
    h = 1e-4
    found = []
    for mu in np.arange(63, 76.5, 1.0):
        for sigma in np.arange(1.0, 7.5, 0.5):
            second = (chi2([mu, sigma + h]) - 2 * chi2([mu, sigma]) + chi2([mu, sigma - h])) / h**2
            found.append(second)
    assert min(found) < 0


def box_failures(eta):
    answer, _ = library()
    best = chi2(answer)
    failed = []
    for mu in np.arange(63.0, 76.01, 1.0):
        for sigma in np.arange(1.0, 7.01, 0.5):
            path = steepest_descent_fit(
                X,
                Y,
                model,
                gaussian_jacobian,
                [mu, sigma],
                eta,
                U,
                rescale=True,
                max_steps=200,
                domain=DOMAIN,
            )
            if not (path.status == "converged" and path.chi_squared[-1] < best + 1):
                failed.append((mu, sigma, path.chi_squared[-1]))
    return failed


def check_box(lec):
    explorer = descent_explorer()
    grid0, grid1 = reachable(explorer.controls["start0"]), reachable(explorer.controls["start1"])
    for value in np.arange(63.0, 76.01, 1.0):
        assert min(abs(v - value) for v in grid0) < 1e-9  # the scanned starts are reachable
    for value in np.arange(1.0, 7.01, 0.5):
        assert min(abs(v - value) for v in grid1) < 1e-9
    failed = box_failures(1.0)
    total = 14 * 13
    assert round((total - len(failed)) / total, 1) == 0.7  # about 70 %
    plateau = [f for f in failed if abs(f[2] - 436.6) < 1]
    assert len(plateau) >= 0.9 * len(failed)  # nearly all end at χ² ≈ 437
    assert any(f[1] >= 6 for f in failed) and any(f[0] >= 75 for f in failed)
    answer, _ = library()
    assert_shown_as(chi2(answer), "17.96")
    # the readout flags such a start
    explorer.controls["start0"].value = 66.0
    explorer.controls["start1"].value = 7.0
    explorer.controls["steps"].value = 200
    assert "false minimum" in readout(explorer) and round(explorer.shown["chi_squared"]) == 437


def check_half_step(lec):
    before, after = box_failures(1.0), box_failures(0.5)
    assert 0.35 < 1 - len(after) / len(before) < 0.65  # about half rescued
    assert all(sigma >= 4.5 for _, sigma, _ in after)
    assert all(abs(value - 436.6) < 1 for *_, value in after)  # stranded on the plateau


def check_same_code_other_units(lec):
    answer, _ = library()
    inches, steps = rescaled_descent([66.0, 4.0])
    assert np.allclose(inches, answer, atol=1e-5)
    cm = 2.54
    centimetres, steps_cm = rescaled_descent([66.0 * cm, 4.0 * cm], 1.0, X * cm, Y / cm, U / cm)
    assert np.allclose(centimetres / cm, inches, atol=1e-5) and steps_cm == steps
    more, _ = rescaled_descent([66.0, 4.0], 1.0, X, Y, U / np.sqrt(10))
    assert np.allclose(more, inches, atol=1e-5)


def check_rescaled_regimes(lec):
    explorer = descent_explorer()
    slider = explorer.controls["step"]

    def at(eta):
        slider.value = nearest(slider, eta)
        return explorer.shown

    slow = at(0.1)
    assert slow["status"] == "step cap reached" and slow["regime"] == "converges"
    quick = at(1.0)
    assert quick["status"] == "converged" and quick["steps"] <= 12
    for eta in (1.585, 1.995):  # about 2: oscillating
        assert at(eta)["regime"] == "oscillates"
    for eta in reachable(slider):
        if eta > 2.2:
            shown = at(eta)
            assert shown["status"] in ("diverged", "left the domain") or shown["chi_squared"] > 400
            assert "converged: the steps became tiny" not in readout(explorer)


def check_raw_window(lec):
    explorer = descent_explorer()
    explorer.controls["rescale"].value = False
    explorer.controls["steps"].value = 200
    answer, _ = library()
    best = chi2(answer)
    working = []
    for eta in reachable(explorer.controls["step"]):
        if eta > 0.05:
            break
        explorer.controls["step"].value = eta
        shown = explorer.shown
        if shown["status"] == "converged" and shown["chi_squared"] < best + 1:
            working.append(eta)
    assert shown_as(min(working), "0.0004") and shown_as(max(working), "0.005"), working
    # one window: every reachable η between them works
    grid = [
        eta for eta in reachable(explorer.controls["step"]) if min(working) <= eta <= max(working)
    ]
    assert len(grid) == len(working)


def check_steps_grow(lec):
    explorer = descent_explorer()
    for steps in (1, 2, 3):
        explorer.controls["steps"].value = steps
        assert len(explorer.shown["path"]) == steps + 1
        x, _ = explorer.scene.path_line.get_data()
        assert len(x) == steps + 1


def check_residuals(lec):
    answer = np.array(lec.value("library_answer.tolist()"))
    normalised = (Y - model(X, answer)) / U
    assert np.sum(np.abs(normalised) > 2) == 1
    assert abs(np.mean(normalised)) < 0.5  # around 0


def check_agreement(lec):
    difference = lec.value("float(np.abs(difference).max())")
    errors = np.array(lec.value("standard_errors.tolist()"))
    assert 3e-7 < difference < 3e-6  # about a millionth of an inch
    ratios = errors / difference
    assert shown_as(ratios.min(), "5e4") and shown_as(ratios.max(), "7e4"), ratios


def check_good_fit_near_dof(lec):
    answer, _ = library()
    assert abs(chi2(answer) - (X.size - 2)) < np.sqrt(2 * (X.size - 2))  # within its spread


def check_exercise_2(lec):
    a, b, c = np.polyfit(SPEED, DIST, 2)
    assert_shown_as(a, "0.100") and assert_shown_as(b, "0.913") and assert_shown_as(c, "2.47")
    quadratic = np.sum((DIST - np.polyval([a, b, c], SPEED)) ** 2)
    line = np.sum((DIST - np.polyval(np.polyfit(SPEED, DIST, 1), SPEED)) ** 2)
    assert round(quadratic) == 10825 and round(line) == 11354, (quadratic, line)


def check_plateau_value(lec):
    assert abs(np.sum((Y / U) ** 2) - 481) < 1e-9  # every prediction about 0
    far = model(X, [69.3, 60.0])
    assert np.max(far) < 0.01


def check_exercise_4(lec):
    from scipy.optimize import curve_fit

    data = load_puromycin()
    treated = data["state"] == "treated"
    c, v = data["conc"][treated], data["rate"][treated]

    def mm(x, p):
        return p[0] * x / (p[1] + x)

    def mm_jacobian(x, p):
        return np.stack([x / (p[1] + x), -p[0] * x / (p[1] + x) ** 2], axis=1)

    fit = steepest_descent_fit(c, v, mm, mm_jacobian, [200.0, 0.1], 1.0, rescale=True)
    library_fit, _ = curve_fit(lambda x, V, K: V * x / (K + x), c, v, p0=[200.0, 0.1])
    assert fit.status == "converged"
    assert_shown_as(fit.best[0], "212.7") and assert_shown_as(fit.best[1], "0.0641")
    assert np.allclose(fit.best, library_fit, rtol=1e-5)  # five significant figures
    assert fit.best[1] < 0.1 and fit.best[0] > 100
    for p in ([200.0, 0.1], fit.best):
        J = mm_jacobian(c, p)
        ratio = np.sum(J[:, 1] ** 2) / np.sum(J[:, 0] ** 2)
        assert 1e5 < ratio < 3e6, ratio  # about a million


CLAIMS: list[Claim] = [
    Claim(
        "the speed (mph) and stopping distance (ft) of 50 cars",
        lambda lec: len(SPEED) == len(DIST) == 50,
    ),
    Claim("the 50 cars as black dots", lambda lec: len(SPEED) == 50),
    Claim(
        "each term is about 1 on average, so a good fit has χ² close to the number of "
        "measurements minus the number of parameters.",
        check_good_fit_near_dof,
    ),
    Claim(
        "The guess of section 1 had χ² about 30 % above this minimum; no other line does better "
        "than the one printed.",
        check_thirty_percent,
    ),
    Claim(
        "The contours are long ellipses tilted downhill to the right: a steeper line can be "
        "rescued by lowering its intercept",
        check_contours_tilted,
    ),
    Claim(
        "Francis Galton measured the heights of 205 pairs of parents and their 934 adult "
        "children (1886).\nFitting the child's height against the *mid-parent* height (the "
        "average of the father and the mother) gives a slope well below 1:",
        check_galton,
        values=("galton_slope",),
    ),
    Claim(
        "Here the model is the bell curve of the heights of Galton's 481 sons.",
        check_sons,
        values=("sons.size", "float(np.sum(density) * width)"),
    ),
    Claim("so the histogram has area 1 like a probability density.", check_sons),
    Claim(
        "The bins rise to a bumpy peak between 68 and 71 in and fall away on both sides, roughly "
        "symmetrically",
        check_bumpy_peak,
    ),
    Claim(
        "The first entry is negative: χ² falls if μ grows (the guess sits left of the data).\n"
        "The second is positive: χ² falls if σ *shrinks*, since the guess, σ = 4 in, is wider "
        "than the sons' spread of about 2.6 in.",
        check_gradient_signs,
        values=("start.tolist()", "float(sons.std())"),
    ),
    Claim(
        "centred 3 in to the left of the data's peak and too wide and too low.",
        check_guess_figure,
    ),
    Claim(
        "The first step overshoots in μ, from 66 in to about 70.5 in, and the next ones zig-zag "
        "in σ before the path settles on the minimum.",
        check_descent_figure,
    ),
    Claim(
        "So η = 0.004 is no accident: it sits below the limit $2/\\lambda_{\\max} \\approx "
        "0.0068$ in², close enough to it to be quick.",
        check_step_limit,
    ),
    Claim(
        "Far from the answer the curvature is larger, which is why even η = 0.006 fails from this "
        "start (σ is thrown below zero), and η = 0.01 flings the curve off the data onto a "
        "plateau where χ² barely changes.",
        check_far_from_answer,
    ),
    Claim(
        "Measure in centimetres and the curvature falls by $2.54^2$; with ten times as many sons "
        "every count, and so the curvature, grows tenfold",
        check_units,
    ),
    Claim(
        "In these units the curvature along every parameter is exactly 1",
        check_rescaled_unit,
    ),
    Claim(
        "one unit is about the statistical uncertainty of the parameter (up to a factor √2)",
        check_rescaled_unit,
    ),
    Claim("The same answer in a handful of steps, with no constant to tune.", check_handful),
    Claim(
        "far from it the curvature along σ can even be negative, so from a poor start a smaller "
        "pure number such as η = 0.5 is the safer choice",
        lambda lec: (
            check_negative_curvature(lec) is None
            and len(box_failures(0.5)) < len(box_failures(1.0))
        ),
    ),
    Claim(
        "In centimetres, or with more data, the same code with the same η = 1 works unchanged.",
        check_same_code_other_units,
    ),
    Claim(
        "move the **step size η** from 0.1 up through 1 to about 2, then beyond: slow, quick, "
        "oscillating, lost.",
        check_rescaled_regimes,
    ),
    Claim(
        "set **number of steps** to 200, and find the range of η that works there: roughly "
        "0.0004 to 0.005 from this start",
        check_raw_window,
    ),
    Claim(
        "with η = 1 the rescaled descent finds the answer from about 70 % of the starts in the "
        "box.\nFrom very wide starting curves (large σ), and from starts far to the left or "
        "right, its first step overshoots and it ends on the flat top of the map, at a false "
        "minimum that the readout flags: χ² ≈ 437, far above the 17.96 of the fit",
        check_box,
    ),
    Claim(
        "Halve the step to η = 0.5 and about half of those starts work too; the rest, all with σ "
        "of 4.5 in or more, stay stranded on the plateau.",
        check_half_step,
    ),
    Claim(
        "Set **number of steps** to 1, 2, 3 to watch the path grow.",
        check_steps_grow,
    ),
    Claim(
        "they scatter around 0, all but one within ±2, as they should if the model is right.",
        check_residuals,
        values=("library_answer.tolist()",),
    ),
    Claim(
        "if Galton had measured another 481 sons.",
        lambda lec: lec.value("sons.size") == 481,
        values=("sons.size",),
    ),
    Claim(
        "The two answers agree to about a millionth of an inch, about 50 000 to 70 000 times less "
        "than the standard errors",
        check_agreement,
        values=("float(np.abs(difference).max())", "standard_errors.tolist()"),
    ),
    Claim(
        "makes every curvature 1; then near the answer $\\eta = 1$ (Newton's step per parameter) "
        "is stable for any coupling $|\\rho| < 1$, and there is nothing to tune; from a poor start "
        "a smaller pure number, such as 0.5, is safer.",
        lambda lec: (
            all(2 / (1 + abs(rho)) > 1 for rho in np.linspace(-0.999, 0.999, 101))
            and len(box_failures(0.5)) < len(box_failures(1.0))
        ),
    ),
    Claim(
        "fitting each group separately gives slopes of 0.66 and 0.71, also well below 1.",
        check_groups,
    ),
    Claim(
        "gives about $a = 0.100$, $b = 0.913$, $c = 2.47$, with χ² about 10 825 ft² against "
        "about 11 354 ft² for the line.",
        check_exercise_2,
    ),
    Claim(
        "(every prediction is about 0, so χ² ≈ Σ (yᵢ/uᵢ)²)",
        check_plateau_value,
    ),
    Claim(
        "Both methods give $V \\approx 212.7$ counts/min² and $K \\approx 0.0641$ ppm, agreeing "
        "to about five significant figures.\nRaw steepest descent struggles here: $V$ is in the "
        "hundreds and $K$ below 0.1, so their curvatures differ by a factor of about a million",
        check_exercise_4,
    ),
]

DEFINITIONS: list[Definition] = [
    Definition("measured in the 1920s (Ezekiel, 1930).", "the data's provenance"),
    Definition(
        "a line that rises 3 ft per mph and starts 10 ft below zero at speed 0.",
        "the guess by eye we choose to start from",
    ),
    Definition(
        "with a step size η = 0.004:", "the step size we choose (derived later in the section)"
    ),
    Definition(
        "But 0.004 is a *magic constant*: it has units (in² per unit of χ²)",
        "the step size chosen above, and its unit",
    ),
    Definition(
        'Cambridge University Press, 2020, chapter 9, "Linear Regression", and section 7.1',
        "a bibliographic reference",
    ),
    Definition(
        "*Numerical Recipes*, 3rd edition, Cambridge University Press, 2007, chapter 15",
        "a bibliographic reference",
    ),
    Definition(
        "*Numerical Optimization*, 2nd edition, Springer, 2006, chapter 3",
        "a bibliographic reference",
    ),
    Definition(
        "*Journal of the Anthropological Institute* 15, 246–263 (1886)", "a bibliographic reference"
    ),
    Definition("*The American Statistician* 58, 237–243 (2004)", "a bibliographic reference"),
]

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.regression.chi_squared": "np.sum(((y_small - y_hat_small) / u_small) ** 2)",
    "mmlcalc.regression.fit_line": "intercept = y_bar - slope * x_bar",
    "mmlcalc.regression.steepest_descent_fit": "step = eta * scale2 * chi2_gradient(p)",
}
