"""Week 5's claims table: every number, sign and comparison the lecture's prose states.

Explorer claims build the explorer in-process exactly as the lecture cell does, set the
controls only to values the slider can reach (:func:`reachable`), and read
``explorer.shown`` and the readout.
"""

from __future__ import annotations

import html
import re

import numpy as np
from lecture_claims import Claim, Definition, assert_shown_as, shown_as

from mmlcalc.optimisation import (
    backtracking_descent,
    descent_landscape,
    descent_regime,
    gradient_descent,
    lagrange_solve,
    newton_raphson,
)

NOTEBOOK = "05_optimisation.ipynb"


# ---------------------------------------------------------------------- the lecture's maths


def newton_f(x):
    return x**3 - 2 * x - 5


def newton_df(x):
    return 3 * x**2 - 2


def cubic(x):
    return x**3 - 2 * x + 2


def d_cubic(x):
    return 3 * x**2 - 2


def bowl_gradient(p):
    return np.array([p[0], 10 * p[1]])


def objective(p):
    return p[0] ** 2 * p[1]


def objective_gradient(p):
    return np.array([2 * p[0] * p[1], p[0] ** 2])


def constraint_gradient(p):
    return np.array([2 * p[0], 2 * p[1]])


def circle(t):
    return np.sqrt(3) * np.cos(t), np.sqrt(3) * np.sin(t)


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_gradient(p):
    x, y = p[0], p[1]
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


# ---------------------------------------------------------------------- driving explorers


def reachable(slider) -> list[float]:
    """Every value a slider can take (its step grid), for a linear or a log slider."""
    count = round((slider.max - slider.min) / slider.step)
    grid = [slider.min + k * slider.step for k in range(count + 1)]
    if hasattr(slider, "base"):  # FloatLogSlider: min, max and step are exponents
        return [slider.base**e for e in grid]
    return grid


def nearest(slider, target: float) -> float:
    return min(reachable(slider), key=lambda v: abs(v - target))


def readout(explorer) -> str:
    text = re.sub(r"<[^>]+>|&nbsp;", " ", explorer.readout.value)
    return re.sub(r"\s+", " ", html.unescape(text))


def newton_cycle_explorer():
    from mmlcalc.widgets.optimisation import newton_explorer

    return newton_explorer(cubic, d_cubic, x0=0.0, x_range=(-3.0, 3.0), y_range=(-6, 8))


def newton_first_explorer():
    from mmlcalc.widgets.optimisation import newton_explorer

    return newton_explorer(newton_f, newton_df, x0=3.0, x_range=(-3.0, 3.5), y_range=(-20, 25))


def constraint():
    from mmlcalc.widgets.optimisation import constraint_explorer

    return constraint_explorer(
        objective,
        objective_gradient,
        circle,
        constraint_gradient,
        t=0.3,
        bounds=((-2.5, 2.5), (-2.5, 2.5)),
    )


# ---------------------------------------------------------------------- the checks


def check_three_tangents(lec):
    path = lec.value("newton_raphson(f, df, 3.0, max_iter=3).path.tolist()")
    root = lec.value("newton_raphson(f, df, 3.0).x")
    assert abs(path[3] - root) < 0.001, (path, root)
    assert abs(path[2] - root) > 0.001, "two tangents would already do"
    assert_shown_as(root, "2.09", "the root")


def check_step_sizes(lec):
    text = lec.stdout("step = f(x) / df(x)")
    steps = [float(s) for s in re.findall(r"step (\S+)", text)]
    assert len(steps) == 6, steps
    for step, written in zip(steps, ["0.6", "0.2", "0.03", "6e-4", "2e-7", "2e-14"], strict=True):
        assert (
            shown_as(step, written)
            if "e" in written
            else round(step, len(written) - 2) == float(written)
        ), (step, written)
    exponents = np.log10(steps[2:])
    ratios = exponents[1:] / exponents[:-1]
    assert np.all((ratios > 1.5) & (ratios < 2.5)), ratios  # "roughly doubles"


def check_last_step(lec):
    text = lec.stdout("step = f(x) / df(x)")
    last = float(re.findall(r"step (\S+)", text)[-1])
    x = float(re.findall(r"x_\d+ = (\S+)", text)[-1])
    spacings = last / np.spacing(x)
    assert 30 < spacings < 75, spacings  # "some fifty"
    assert last <= 1e-12  # below the tolerance: the loop stops


def check_first_explorer_starts(lec):
    explorer = newton_first_explorer()
    slider = explorer.controls["x0"]
    steps_right, steps_left = [], []
    for x0 in reachable(slider):
        slider.value = x0
        shown = explorer.shown
        assert shown["fate"] == "converged" or x0 < 1, (x0, shown["fate"])
        (steps_right if x0 >= 1 else steps_left).append(shown["fate_steps"])
        if x0 >= 1:
            assert abs(shown["fate_x"] - 2.0945514815423265) < 1e-9
    assert max(steps_right) <= 10, max(steps_right)
    assert sum(s > 10 for s in steps_left) > len(steps_left) / 4  # "often wander first"


def check_almost_flat(lec):
    explorer = newton_first_explorer()
    slider = explorer.controls["x0"]
    x0 = nearest(slider, 0.8)
    assert abs(x0 - 0.8) < 0.02
    assert abs(newton_df(0.8)) < 0.1  # almost flat: f'(0.8) = −0.08
    slider.value = x0
    explorer.buttons["step"].click()
    assert abs(explorer.shown["x"]) > 3.5, "the first tangent lands off the drawn range"


def check_cycle_picture(lec):
    path = lec.value(
        "newton_raphson(lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0).path.tolist()"
    )
    assert path == [0.0, 1.0, 0.0]
    roots = np.roots([1, 0, -2, 2])
    real = roots[np.abs(roots.imag) < 1e-12].real
    assert len(real) == 1 and real[0] < -1.5  # once, far to the left
    assert_shown_as(real[0], "−1.77", "the real root")


def check_cycle_explorer_step_twice(lec):
    explorer = newton_cycle_explorer()
    assert explorer.controls["x0"].value == 0.0
    explorer.buttons["step"].click()
    explorer.buttons["step"].click()
    assert explorer.shown["reason"] == "cycle" and "cycle" in readout(explorer)


def check_cycle_counts(lec):
    explorer = newton_cycle_explorer()
    slider = explorer.controls["x0"]
    assert explorer.controls["steps"].max == 50
    fates = {"converged": 0, "cycle": 0, "iteration cap": 0}
    for x0 in reachable(slider):
        if -1 <= x0 <= 1:
            slider.value = x0
            shown = explorer.shown
            fates[shown["fate"]] += 1
            if shown["fate"] == "converged":
                assert abs(shown["fate_x"] + 1.7693) < 1e-4
    assert fates == {"converged": 49, "cycle": 15, "iteration cap": 3}, fates
    assert "at most 50 steps" in readout(explorer)


def check_cycle_is_zero_one(lec):
    explorer = newton_cycle_explorer()
    slider = explorer.controls["x0"]
    for x0 in reachable(slider):
        if -1 <= x0 <= 1:
            run = newton_raphson(cubic, d_cubic, x0)
            if run.reason == "cycle":
                assert set(np.round(run.path[-3:], 6)) == {0.0, 1.0}, run.path[-3:]


def check_thrown_far(lec):
    assert_shown_as(np.sqrt(2 / 3), "0.82", "the point where f' = 0")
    explorer = newton_cycle_explorer()
    slider = explorer.controls["x0"]
    x0 = nearest(slider, -0.81)
    assert x0 == -0.81 or abs(x0 + 0.81) < 1e-9
    slider.value = x0
    shown = explorer.shown
    assert shown["fate"] == "converged" and round(shown["fate_largest"]) == 97, shown


def check_bowl_loop(lec):
    lines = lec.stdout("turns back, steps growing").splitlines()
    assert len(lines) == 3
    turns = [int(re.search(r"(\d+) turns back", line).group(1)) for line in lines]
    growing = [line.endswith("True") for line in lines]
    assert turns[0] == 0 and 0 < turns[1] < 29 and turns[2] == 29, turns
    assert growing == [False, False, True]
    ends = [
        np.array(re.search(r"p = \[([^\]]+)\]", line).group(1).split(), float) for line in lines
    ]
    sizes = [np.linalg.norm(end) for end in ends]
    assert sizes[1] < sizes[0] < 1 < sizes[2], sizes  # 0.15 sooner there; 0.25 flown off


def check_package_regimes_cycles(lec):
    text = lec.stdout('print(f"η = {eta}: {descent_regime(run.path):10s} {run.message}")')
    assert [line.split()[3] for line in text.splitlines()] == [
        "converges",
        "oscillates",
        "diverges",
    ]
    exact = gradient_descent(bowl_gradient, [2.5, 1.5], step=2 / 10, max_iter=60)
    assert descent_regime(exact.path) == "cycles"


def check_slowest(lec):
    text = lec.stdout('print(f"η = {eta}: {descent_regime(run.path):10s} {run.message}")')
    steps = [int(n) for n in re.findall(r"\((\d+) steps\)", text)]
    assert steps[0] == 288 and max(steps) == 288 and steps[0] < 500


def check_first_bowl_figure(lec):
    land = descent_landscape("elongated bowl")
    run = gradient_descent(land.grad, [2.5, 1.5], step=0.05, tol=land.tol, max_iter=60)
    values = [land.f(p) for p in run.path]
    assert run.iterations == 60 and np.all(np.diff(values) < 0)  # falling at every step
    assert values[0] - values[1] > 100 * (values[-2] - values[-1])  # fast at first, then slowly
    # first almost straight across (y), then along the floor (x)
    first = run.path[5] - run.path[0]
    assert abs(first[1]) > 2 * abs(first[0]) and abs(run.path[5][1]) < 0.1
    assert abs(run.path[-1][1]) < 1e-6 and run.path[-1][0] > 0.1  # creeping along the floor


def check_ten_times_steeper(lec):
    land = descent_landscape("elongated bowl")
    assert np.allclose(land.grad(np.array([1.0, 1.0])), [1.0, 10.0])


def check_bowl_figure(lec):
    box = np.array([[-3, 3], [-2, 2]])
    regimes = {}
    for eta, steps in ((0.05, 12), (0.15, 12), (0.25, 3)):
        run = gradient_descent(bowl_gradient, [2.5, 1.5], step=eta, max_iter=steps)
        regimes[eta] = descent_regime(run.path)
    assert regimes == {0.05: "converges", 0.15: "oscillates", 0.25: "diverges"}
    run = gradient_descent(bowl_gradient, [2.5, 1.5], step=0.25, max_iter=12)
    inside = [bool(np.all((p >= box[:, 0]) & (p <= box[:, 1]))) for p in run.path]
    assert inside[0] and not any(inside[1:])  # leaves the map at its first step
    sizes = np.abs(run.path[:4, 1])
    assert np.all(np.diff(sizes) > 0)  # each further out


def check_volcano_figure(lec):
    land = descent_landscape("volcano")
    run = gradient_descent(
        land.grad, [300.0, 600.0], step=30.0, tol=land.tol, max_iter=60, bounds=land.region
    )
    assert run.converged and abs(land.f(run.x) - 148) < 1
    crater = land.minima[1:]
    assert np.min(np.linalg.norm(crater - run.x, axis=1)) < 15  # on the crater floor


def descent():
    from mmlcalc.widgets.optimisation import descent_explorer

    return descent_explorer("elongated bowl")


def check_bowl_thresholds(lec):
    explorer = descent()
    slider = explorer.controls["step"]
    seen = set()
    for eta in reachable(slider):
        slider.value = eta
        regime = explorer.shown["regime"]
        expected = "converges" if eta < 0.1 else "oscillates" if eta < 0.2 else "diverges"
        # at the one reachable value just past 0.1 (0.101) the zig-zag factor is −0.01:
        # the path does not yet turn back, so the readout may still say converges
        if 0.1 < eta < 0.102 and regime == "converges":
            continue
        assert regime == expected, (eta, regime)
        seen.add(regime)
        assert regime.split()[0][:8] in readout(explorer)
    assert seen == {"converges", "oscillates", "diverges"}


def check_bowl_values_fall(lec):
    explorer = descent()
    slider = explorer.controls["step"]
    for eta in reachable(slider):
        slider.value = eta
        values = explorer.shown["values"]
        if eta < 0.2:
            assert np.all(np.diff(values) < 0), eta
        else:
            assert values[-1] > values[0], eta


def volcano_at(explorer, target):
    explorer.controls["landscape"].value = "volcano"
    slider = explorer.controls["step"]
    slider.value = nearest(slider, target)
    return slider.value, explorer.shown


def check_volcano_regimes(lec):
    explorer = descent()
    eta, shown = volcano_at(explorer, 30)
    assert abs(eta - 30) < 2 and shown["regime"] == "converges" and abs(shown["f_end"] - 148) < 1
    eta, shown = volcano_at(explorer, 110)
    assert abs(eta - 110) < 5 and shown["regime"] == "oscillates"
    assert shown["reason"] == "iteration cap" and shown["iterations"] == 60
    assert "has not settled" in readout(explorer)
    slider = explorer.controls["step"]
    land = descent_landscape("volcano")
    for eta in reachable(slider):
        if 150 <= eta <= 200:
            slider.value = eta
            shown = explorer.shown
            assert shown["regime"] == "cycles", (eta, shown["regime"])
            assert shown["f_end"] > land.f(land.start) and shown["reason"] == "iteration cap"
            assert "cycles" in readout(explorer) and "diverges" not in readout(explorer)
        elif eta > 200:
            slider.value = eta
            shown = explorer.shown
            assert shown["f_end"] < 110, (eta, shown["f_end"])  # out of the crater
    eta, shown = volcano_at(explorer, 1000)
    assert eta == 1000 or abs(eta - 1000) < 1e-6
    assert shown["reason"] == "left the region" and shown["iterations"] == 2


def check_newton_direction(lec):
    step = np.array(lec.value("newton_step.tolist()"))
    downhill = np.array(lec.value("downhill.tolist()"))
    assert np.allclose(np.array([2.5, 1.5]) + step, 0)  # lands on the minimum
    assert abs(downhill[1]) > 5 * abs(downhill[0])  # mostly across the valley
    cosine = (
        downhill @ -np.array([2.5, 1.5]) / np.linalg.norm(downhill) / np.linalg.norm([2.5, 1.5])
    )
    assert cosine < 0.7  # far from the direction of the minimum


def check_handful_thousands(lec):
    assert lec.value("len(newton_path) - 1") <= 10
    assert lec.value("descent_run.iterations") >= 1000


def check_rosenbrock_story(lec):
    lengths = np.array(
        lec.value("np.linalg.norm(np.diff(descent_run.path, axis=0), axis=1).tolist()")
    )
    path = np.array(lec.value("descent_run.path[:40].tolist()"))
    sizes = lec.value("descent_run.step_sizes[:40].tolist()")
    jump = int(np.argmax(lengths))
    assert jump == 30  # after its first 30 steps
    before = path[30]
    assert abs(before[1] - before[0] ** 2) < 0.01 and np.allclose(before, [-1, 1], atol=0.05)
    assert sizes[30] == 0.5  # one halving from t = 1
    assert_shown_as(lengths[30], "1.85", "the jump")
    after = path[31]
    assert_shown_as(after[0], "0.87") and assert_shown_as(after[1], "0.90")
    assert abs(after[1] - before[1]) < 0.1 * abs(after[0] - before[0])  # horizontal
    assert lec.value("descent_run.iterations") - 31 == 13725
    assert shown_as(float(np.median(lengths)), "8e-7")
    assert np.allclose(lec.value("descent_run.x.tolist()"), [1, 1], atol=1e-4)


def check_newton_rosenbrock(lec):
    path = np.array(lec.value("newton_path.tolist()"))
    assert path[2][1] < -3  # far down the wall
    assert np.allclose(path[-1], [1, 1], atol=1e-9) and len(path) - 1 == 7


def check_valleys(lec):
    assert lec.value("run_newton.iterations") == 4
    x = np.array(lec.value("run_newton.x.tolist()"))
    eigenvalues = np.linalg.eigvalsh([[12 * x[0] ** 2 - 4, 0], [0, 4]])
    assert eigenvalues[0] < 0 < eigenvalues[1]  # a saddle
    end = np.array(lec.value("run_descent.x.tolist()"))
    assert_shown_as(end[0], "0.96") and abs(end[1]) < 1e-6


def check_best_step(lec):
    land = descent_landscape("two valleys")
    minimum = land.minima[land.minima[:, 0] > 0][0]
    assert_shown_as(minimum[0], "0.96")
    hessian = [12 * minimum[0] ** 2 - 4, 4.0]
    assert_shown_as(hessian[0], "7.06")
    assert_shown_as(2 / sum(hessian), "0.18")
    from mmlcalc.widgets.optimisation import descent_explorer

    explorer = descent_explorer("two valleys")
    slider = explorer.controls["step"]
    counts = {}
    for eta in reachable(slider):
        slider.value = eta
        shown = explorer.shown
        if shown["converged"] and np.linalg.norm(shown["end"] - minimum) < 1e-3:
            counts[eta] = shown["iterations"]
    best = min(counts, key=counts.get)
    assert_shown_as(best, "0.18", "the fastest reachable η")


def check_lagrange_by_hand(lec):
    points = {
        (np.sqrt(2), 1.0): 1.0,
        (-np.sqrt(2), 1.0): 1.0,
        (np.sqrt(2), -1.0): -1.0,
        (-np.sqrt(2), -1.0): -1.0,
        (0.0, np.sqrt(3)): 0.0,
        (0.0, -np.sqrt(3)): 0.0,
    }
    for point, lam in points.items():
        p = np.array(point)
        assert np.allclose(objective_gradient(p), lam * constraint_gradient(p))
        assert abs(p @ p - 3) < 1e-12
    assert abs(objective(np.array([np.sqrt(2), 1.0])) - 2) < 1e-12
    t = np.linspace(0, 2 * np.pi, 100001)
    assert abs(objective(np.array(circle(t))).max() - 2) < 1e-8  # the largest value
    solved = lagrange_solve(objective, lambda p: p @ p - 3, [1.0, 1.0], 0.5).x
    assert np.allclose(solved, [np.sqrt(2), 1, 1])


def check_second_order(lec):
    lines = lec.stdout("def f_along(t):").splitlines()
    kinds = [line.split("a local ")[1].split()[0] for line in lines]
    assert kinds == ["maximum", "minimum", "minimum", "maximum"], lines
    values = [float(re.search(r"f = (\S+),", line).group(1)) for line in lines]
    assert values == [2.0, -2.0, 0.0, 0.0], values
    seconds = [float(re.search(r"d²f/dt² = (\S+):", line).group(1)) for line in lines]
    assert seconds[0] < 0 < seconds[1] and seconds[2] > 0 > seconds[3]


def check_explorer_peaks(lec):
    explorer = constraint()
    slider = explorer.controls["t"]
    for t, lam, f in ((0.62, 1, 2), (2.53, 1, 2), (3.76, -1, -2), (5.67, -1, -2)):
        value = nearest(slider, t)
        assert abs(value - t) < 1e-9
        slider.value = value
        shown = explorer.shown
        assert abs(shown["sine"]) < 0.01 and not shown["flat"], (t, shown["sine"])
        assert round(shown["lambda"]) == lam and round(shown["f"]) == f
        assert "∇f ∥ ∇g" in readout(explorer) and "λ ≈" in readout(explorer)
        same_way = shown["grad_f"] @ shown["grad_g"] > 0
        assert same_way == (lam > 0)


def check_explorer_flat(lec):
    explorer = constraint()
    slider = explorer.controls["t"]
    for t in (1.57, 4.71):
        value = nearest(slider, t)
        assert abs(value - t) < 1e-9
        slider.value = value
        shown = explorer.shown
        assert shown["flat"] and round(shown["lambda"], 4) == 0 and round(shown["f"], 4) == 0
        assert not explorer.scene.f_arrow.get_visible()
        assert len(explorer.scene.flat_ring.get_xdata()) == 1
        assert "(λ = 0)" in readout(explorer)


def check_local_extremes(lec):
    # on the circle, f = 0 at the top is a local minimum and at the bottom a local maximum
    for t, sign in ((np.pi / 2, 1), (3 * np.pi / 2, -1)):
        centre = objective(np.array(circle(t)))
        for dt in (-0.1, 0.1):
            assert sign * (objective(np.array(circle(t + dt))) - centre) > 0
        assert abs(centre) < 1e-12
    peaks = [objective(np.array(circle(np.arctan2(y, x)))) for x, y in ((1.4142, 1), (-1.4142, 1))]
    assert np.allclose(peaks, 2, atol=1e-3)


def check_rate_sign(lec):
    explorer = constraint()
    slider = explorer.controls["t"]
    for t in (0.3, 1.0, 2.0, 3.0, 4.0, 5.0):
        slider.value = nearest(slider, t)
        shown = explorer.shown
        ahead = objective(np.array(circle(slider.value + 1e-4)))
        assert np.sign(ahead - shown["f"]) == np.sign(shown["rate"]), t
        assert "per unit length along the curve" in readout(explorer)


def check_exercise_1(lec):
    x1 = 0.5 * (1 + 2 / 1)
    x2 = 0.5 * (x1 + 2 / x1)
    assert x1 == 1.5 and abs(x2 - 17 / 12) < 1e-15 and shown_as(x2, "1.41667")
    assert abs(x2 - np.sqrt(2)) < 0.0025
    path = newton_raphson(lambda x: x**2 - 2, lambda x: 2 * x, 1.0, max_iter=2).path
    assert np.allclose(path[1:], [1.5, 17 / 12])


def check_exercise_2(lec):
    def datan(x):
        return 1 / (1 + x * x)

    wild = newton_raphson(np.arctan, datan, 1.5)
    assert wild.reason == "divergence"
    for got, written in zip(wild.path[1:4], ["−1.69", "2.32", "−5.11"], strict=True):
        assert_shown_as(got, written)
    assert np.all(np.diff(np.abs(wild.path[:6])) > 0)  # the size grows each step
    tame = newton_raphson(np.arctan, datan, 1.0)
    assert tame.converged and abs(tame.x) < 1e-12
    for got, written in zip(tame.path[1:4], ["−0.57", "0.12", "−0.001"], strict=True):
        assert_shown_as(got, written)
    # the boundary: x − (1 + x²) arctan x = −x, a cycle between ±x₀
    from scipy.optimize import brentq

    boundary = brentq(lambda x: 2 * x - (1 + x * x) * np.arctan(x), 1.0, 1.5)
    assert_shown_as(boundary, "1.39")


def check_exercise_3(lec):
    eigenvalues = np.linalg.eigvalsh([[6.0, 1.0], [1.0, 4.0]])
    assert np.allclose(eigenvalues, [5 - np.sqrt(2), 5 + np.sqrt(2)])
    assert_shown_as(eigenvalues[1], "6.414")
    assert_shown_as(1 / eigenvalues[1], "0.156") and assert_shown_as(2 / eigenvalues[1], "0.312")

    def grad(p):
        return np.array([6 * p[0] + p[1], p[0] + 4 * p[1]])

    for eta, regime in ((0.14, "converges"), (0.2, "oscillates"), (0.33, "diverges")):
        assert descent_regime(gradient_descent(grad, [1.0, 1.0], eta, max_iter=60).path) == regime


def check_exercise_4(lec):
    solved = lagrange_solve(
        lambda p: p[0] * p[1], lambda p: 2 * p[0] + 2 * p[1] - 20, [4.0, 6.0], 1.0
    ).x
    assert np.allclose(solved, [5, 5, 2.5])
    assert abs(solved[0] * solved[1] - 25) < 1e-9
    assert 20 / 8 == 2.5  # λ = d(P²/16)/dP = P/8 at P = 20


def check_backtracking_three(lec):
    text = lec.stdout("while bowl(p - t * g) > bowl(p) - c * t * (g @ g):")
    sizes = [float(t) for t in re.findall(r"accepted t = (\S+),", text)]
    assert len(sizes) == 3 and all(t < 1 for t in sizes)  # t = 1 is halved every time
    run = backtracking_descent(
        lambda p: 0.5 * (p[0] ** 2 + 10 * p[1] ** 2), bowl_gradient, [2.5, 1.5], tol=1e-6
    )
    assert run.converged


CLAIMS: list[Claim] = [
    Claim(
        "The peaks are maxima and the troughs minima, as expected; the top of the circle, where "
        "$\\lambda = 0$, is a local minimum and the bottom a local maximum, although $f = 0$ at "
        "both.",
        check_second_order,
    ),
    Claim(
        "Three tangents already land within 0.001 of the root near 2.09, where the curve crosses "
        "the axis.",
        check_three_tangents,
        values=(
            "newton_raphson(f, df, 3.0, max_iter=3).path.tolist()",
            "newton_raphson(f, df, 3.0).x",
        ),
    ),
    Claim(
        "The steps shrink from 0.6 to 0.2 and 0.03, then $6 \\times 10^{-4}$, $2 \\times 10^{-7}$ "
        "and $2 \\times 10^{-14}$: from the third step on, the exponent roughly doubles each time",
        check_step_sizes,
    ),
    Claim(
        "The last step, some fifty float spacings long, only confirms that nothing changes any "
        "more.",
        check_last_step,
    ),
    Claim(
        "From every start right of $x = 1$ the red dots on the axis pile up at the root near 2.09 "
        "within ten steps; from starts further left they often wander first.",
        check_first_explorer_starts,
    ),
    Claim(
        "Now start near $x_0 = 0.8$, where the curve is almost flat: where does the first tangent "
        "send you?",
        check_almost_flat,
    ),
    Claim(
        "The first tangent, at $x_0 = 0$, meets the axis at 1 (a red dot); the second, at 1, "
        "meets the axis back at 0",
        check_cycle_picture,
        values=(
            "newton_raphson(lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0).path.tolist()",
        ),
    ),
    Claim(
        "which has one real root near $-1.77$.\nStart at $x_0 = 0$ and press **Step** twice: the "
        "readout reports the cycle.",
        check_cycle_explorer_step_twice,
    ),
    Claim(
        "read the last line of the readout, which follows each start for up to 50 steps.\nOf the "
        "67 starts the slider reaches there, 49 converge to the root, 15 fall into the same cycle "
        "between 0 and 1 (the cycle attracts the starts near it), and 3 are still going after 50 "
        "steps.",
        check_cycle_counts,
    ),
    Claim("15 fall into the same cycle between 0 and 1", check_cycle_is_zero_one),
    Claim(
        "Starts near $\\pm 0.82$, where $f' = 0$, are first thrown far away: from $x_0 = -0.81$ "
        "the iterates reach $|x| \\approx 97$ before they find the root.",
        check_thrown_far,
    ),
    Claim(
        "Sixty steps downhill on a valley, each one a small step straight down the steepest slope",
        check_first_bowl_figure,
    ),
    Claim(
        "The valley is ten times steeper across ($y$) than along ($x$), so the path first drops "
        "almost straight across the valley, then creeps along its floor.\nRight: $f$ at each "
        "step, falling fast at first and then slowly.",
        check_ten_times_steeper,
    ),
    Claim(
        "With $\\eta = 0.05$ the point creeps towards the minimum at the origin without ever "
        "turning back; with $0.15$ it is there sooner, after bouncing across the narrow $y$ "
        "direction (its first steps turn back); with $0.25$ it turns back at every step, its "
        "steps grow, and it has flown off.",
        check_bowl_loop,
    ),
    Claim(
        'and one more: `"cycles"`, a path that comes back exactly to where it was, as a step of '
        "exactly $2/\\lambda_{max}$ does",
        check_package_regimes_cycles,
    ),
    Claim(
        "12 steps of each step size from the same start: η = 0.05 (blue circles, solid) slides "
        "smoothly down, η = 0.15 (green squares, dashed) zig-zags across the narrow $y$ direction "
        "while it converges, and η = 0.25 (red triangles, dotted) zig-zags outwards: it leaves "
        "the map at its first step (3 steps are drawn, each further out).",
        check_bowl_figure,
    ),
    Claim(
        "runs down into the crater and stops at the yellow diamond on the crater floor, at about "
        "148 m.",
        check_volcano_figure,
    ),
    Claim(
        "watch the readout change from *converges smoothly* to *oscillates* (beyond 0.1) to "
        "*diverges* (beyond 0.2).",
        check_bowl_thresholds,
    ),
    Claim(
        "The right panel shows $f$ falling at every step for any η below 0.2, even while the path "
        "zig-zags (on a bowl each component shrinks in size at every step), and climbing out "
        "above 0.2.",
        check_bowl_values_fall,
    ),
    Claim(
        "From the crater's inner slope an η of about 30 rolls into the crater; about η = 110 "
        "zig-zags across the crater floor and has not settled after 60 steps; from about η = 150 "
        "to 200 the path keeps bouncing between the crater's slopes without settling, higher "
        "than it started (the readout says *cycles*: bounded, not diverging); larger steps throw "
        "it out of the crater, and η = 1000 jumps off the map in two steps.",
        check_volcano_regimes,
    ),
    Claim(
        "the solid blue arrow points down the steepest slope, $-\\nabla f$: mostly across the "
        "narrow valley, far from the minimum.\nThe dashed red arrow is the Newton step, which uses "
        "the curvature too: it points straight at the minimum and lands on it.",
        check_newton_direction,
        values=("newton_step.tolist()", "downhill.tolist()"),
    ),
    Claim(
        "Newton takes a handful of steps where gradient descent takes thousands.",
        check_handful_thousands,
        values=("len(newton_path) - 1", "descent_run.iterations"),
    ),
    Claim(
        "Its first 30 steps creep down to the valley floor near $(-1, 1)$.\nThen one lucky step, "
        "with $t = 0.5$ accepted after a single halving, jumps 1.85 units straight across the "
        "curved valley to (0.87, 0.90), the long horizontal blue segment.\nFrom there it takes "
        "13 725 tiny steps, of median length $8 \\times 10^{-7}$, back to the floor and along it "
        "to (1, 1).",
        check_rosenbrock_story,
        values=(
            "np.linalg.norm(np.diff(descent_run.path, axis=0), axis=1).tolist()",
            "descent_run.path[:40].tolist()",
            "descent_run.step_sizes[:40].tolist()",
            "descent_run.iterations",
            "descent_run.x.tolist()",
        ),
    ),
    Claim(
        "and the minimum at (1, 1) as a yellow star.",
        lambda lec: (
            rosenbrock(np.array([1.0, 1.0])) == 0
            and np.allclose(rosenbrock_gradient(np.array([1.0, 1.0])), 0)
        ),
    ),
    Claim(
        "Newton's second step jumps far down the wall of the valley (its quadratic model is poor "
        "there), and still lands on the minimum a few steps later.",
        check_newton_rosenbrock,
        values=("newton_path.tolist()",),
    ),
    Claim(
        "Newton converged in four steps, to the pass between the valleys: a saddle, with one "
        "negative Hessian eigenvalue.\nGradient descent, which only ever goes downhill, ends in a "
        "valley.",
        check_valleys,
        values=("run_newton.iterations", "run_newton.x.tolist()", "run_descent.x.tolist()"),
    ),
    Claim(
        "find the step size η that reaches the minimum near $(0.96, 0)$ in the fewest steps (the "
        "readout counts them).\nThere the Hessian is $\\mathrm{diag}(7.06, 4)$: the best fixed "
        "step balances the two factors $|1 - \\eta\\lambda|$, at "
        "$\\eta = 2/(\\lambda_{min} + \\lambda_{max}) \\approx 0.18$.",
        check_best_step,
    ),
    Claim(
        "If $x \\neq 0$, the first gives $\\lambda = y$, the second $x^2 = 2y^2$, and the circle "
        "$3y^2 = 3$: the two peaks $(\\pm\\sqrt2, 1)$ with $f = 2$ and $\\lambda = 1$, and the two "
        "troughs $(\\pm\\sqrt2, -1)$ with $f = -2$ and $\\lambda = -1$.",
        check_lagrange_by_hand,
    ),
    Claim(
        "At the peaks and the troughs (t = 0.62, 2.53, 3.76 and 5.67 on the slider) the red ∇f "
        "arrow and the cyan ∇g arrow lie on one line, pointing the same way at the peaks (λ = 1) "
        "and opposite ways at the troughs (λ = −1), and the readout prints λ.",
        check_explorer_peaks,
    ),
    Claim(
        "At the top and the bottom (t = 1.57 and 4.71) ∇f itself is almost zero: no red arrow is "
        "drawn, a red ring marks the point, and the readout prints λ = 0.",
        check_explorer_flat,
    ),
    Claim(
        "a shallow local minimum ($f = 0$) at the top of the circle, $(0, \\sqrt3)$, and a local "
        "maximum ($f = 0$) at the bottom",
        check_local_extremes,
    ),
    Claim(
        "the readout gives the rate at which $f$ changes along the curve: its sign says which way "
        "$f$ increases.",
        check_rate_sign,
    ),
    Claim(
        "$x_1 = \\tfrac12(1 + 2) = 1.5$, $x_2 = \\tfrac12(1.5 + 2/1.5) = 17/12 \\approx 1.41667$, "
        "already $\\sqrt2$ to within $0.0025$.",
        check_exercise_1,
    ),
    Claim(
        "From 1.5: $x_1 \\approx -1.69$, $x_2 \\approx 2.32$, $x_3 \\approx -5.11$: the size grows "
        "each step and the result says `divergence`.\nFrom 1: $x_1 \\approx -0.57$, "
        "$x_2 \\approx 0.12$, $x_3 \\approx -0.001$, converging to the root 0.",
        check_exercise_2,
    ),
    Claim(
        "$\\lambda_{max} \\approx 6.414$.\nSmooth for $\\eta < 1/6.414 \\approx 0.156$, "
        "oscillating for $0.156 < \\eta < 0.312$, diverging for $\\eta > 0.312$.",
        check_exercise_3,
    ),
    Claim(
        "the perimeter gives $x = y = 5$, $\\lambda = 2.5$, area 25: a square.",
        check_exercise_4,
    ),
    Claim(
        "Find the rectangle of largest area with perimeter 20 using a Lagrange multiplier.",
        check_exercise_4,
    ),
    Claim(
        "A *backtracking line search* tries a generous step $t$ and halves it until the step "
        "gives a real decrease",
        check_backtracking_three,
    ),
]

DEFINITIONS: list[Definition] = [
    Definition("**solve** an equation f(x) = 0 with Newton-Raphson", "the equation being solved"),
    Definition("Newton-Raphson solves f(x) = 0 by following tangents", "the equation being solved"),
    Definition("**1.** Write the Newton-Raphson iteration", "the exercise's number"),
    Definition("**2.** Show that Newton-Raphson", "the exercise's number"),
    Definition("**3.** Gradient descent on", "the exercise's number"),
    Definition("**4.** Find the rectangle", "the exercise's number"),
    Definition(
        "from the start (2.5, 1.5): which way does each method step?",
        "the start chosen in section 3, shared by every bowl figure",
    ),
    Definition(
        'Cambridge University Press, 2020, chapter 7, "Continuous Optimization", sections 7.1 '
        "and 7.2",
        "a bibliographic reference",
    ),
    Definition(
        "*Numerical Optimization*, 2nd edition, Springer, 2006: chapter 3",
        "a bibliographic reference",
    ),
    Definition(
        "Cambridge University Press, 2004, sections 9.2 to 9.5", "a bibliographic reference"
    ),
    Definition(
        '*Calculus Volume 1*, OpenStax, 2016, section 4.9, "Newton\'s Method", and *Calculus '
        "Volume 3*, section 4.8",
        "a bibliographic reference",
    ),
    Definition("by minimising χ².", "the name of the quantity χ², not a number"),
]

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.optimisation.newton_raphson": "step = f(x) / df(x)",
    "mmlcalc.optimisation.gradient_descent": "p = p - eta * bowl_gradient(p)",
    "mmlcalc.optimisation.descent_regime": "np.sum(steps[:-1] * steps[1:], axis=1) < 0",
    "mmlcalc.optimisation.backtracking_descent": "bowl(p - t * g) > bowl(p) - c * t * (g @ g)",
    "mmlcalc.multivariate.gradient": "def numerical_gradient(f, p, h=1e-6):",
    "mmlcalc.multivariate.hessian": "def numerical_hessian(f, p, h=1e-4):",
    "mmlcalc.optimisation.newton_minimise": "delta = np.linalg.solve(rosenbrock_hessian(p), "
    "-rosenbrock_gradient(p))",
    "mmlcalc.optimisation.lagrange_solve": "delta = np.linalg.solve(hessian_lagrangian(z), "
    "-grad_lagrangian(z))",
}
