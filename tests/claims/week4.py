"""Week 4's claims table: every number, sign and comparison the lecture's prose states.

Each Claim quotes one markdown cell of ``notebooks/04_taylor_series.ipynb`` and checks it
against what the executed lecture printed or computed (``lec.stdout``, ``lec.value``), or
against a figure's scene or an explorer built here exactly as the lecture builds it, with
its sliders set to values they can reach (``set_control``). Each Definition quotes a
sentence whose numbers are inputs (a setting we chose, an item number, a citation).
"""

from __future__ import annotations

import itertools
import math
import re
from math import factorial

import numpy as np
from lecture_claims import Claim, Definition, about, set_control, shown_as

NOTEBOOK = "04_taylor_series.ipynb"

COS_QUARTIC = [1.0, 0.0, -1 / 2, 0.0, 1 / 24]  # the polynomial of section 1's figure


# ---------------------------------------------------------------------------- the lecture's maps


def egg_box(p):
    return np.sin(p[..., 0]) * np.cos(p[..., 1])


def egg_box_jacobian(p):
    x, y = p
    return np.array([np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)])


def egg_box_hessian(p):
    x, y = p
    f_xx = -np.sin(x) * np.cos(y)
    f_xy = -np.cos(x) * np.sin(y)
    return np.array([[f_xx, f_xy], [f_xy, f_xx]])


LINEARISATION_FUNCTIONS = {  # as the lecture's explorer cell
    "eˣ": (np.exp, np.exp),
    "sin x": (np.sin, np.cos),
    "√(1 + x²)": (lambda x: np.sqrt(1 + x**2), lambda x: x / np.sqrt(1 + x**2)),
}


def taylor_scene(f, coefficients, a, x_range, name):
    """The scene of ``plot_taylor_polynomial(f, coefficients, a, x_range, name=name)``."""
    from matplotlib.figure import Figure

    from mmlcalc.plotting.taylor import TaylorScene

    c = np.asarray(coefficients, dtype=float)
    scene = TaylorScene(Figure().subplots(2, 1), f, lambda order, a_: c, x_range, name=name)
    scene.update(order=c.size - 1, a=a)
    return scene


def gap_of(scene):
    """x and |f − p| as drawn by a TaylorScene (the curve's data, not the floored error line)."""
    x, p = scene.curve.get_data()
    return np.asarray(x), np.abs(np.asarray(scene.y) - np.asarray(p))


def linearisation_scene():
    from matplotlib.figure import Figure

    from mmlcalc.plotting.taylor import LinearisationScene

    scene = LinearisationScene(Figure().subplots(1, 2), np.exp, np.exp, 0.5, name="eˣ")
    return scene, scene.update(dx=0.3)  # as plot_linearisation_error(..., a=0.5, dx=0.3)


def quadratic_explorer():
    from mmlcalc.widgets.taylor import quadratic_approximation_explorer

    return quadratic_approximation_explorer(  # as the lecture's cell
        egg_box, egg_box_jacobian, egg_box_hessian, point=(1.0, 0.5), name="sin x cos y"
    )


def a_linearisation_explorer():
    from mmlcalc.widgets.taylor import linearisation_explorer

    return linearisation_explorer(LINEARISATION_FUNCTIONS, a=0.5, dx=0.3)


def printed_after(text: str, label: str) -> float:
    match = re.search(re.escape(label) + r"\s*[=:]?\s*([-+]?[\d.]+(?:e[-+]?\d+)?)", text)
    assert match, f"{label!r} not found in {text!r}"
    return float(match.group(1))


# ---------------------------------------------------------------------------- section 1


def cos_figure_near_and_far(lec):
    scene = taylor_scene(np.cos, COS_QUARTIC, 0.0, (-4.0, 4.0), "cos x")
    x, gap = gap_of(scene)
    assert np.max(gap[np.abs(x) <= 1]) < 2e-3  # indistinguishable below about 1
    assert np.min(gap[np.abs(x) >= 2]) > 0.05  # apart beyond 2
    assert lec.value("coefficients.tolist()") == COS_QUARTIC or np.allclose(
        lec.value("coefficients.tolist()"), COS_QUARTIC
    )


def gap_grows_from_zero(lec):
    scene = taylor_scene(np.cos, COS_QUARTIC, 0.0, (-4.0, 4.0), "cos x")
    x, gap = gap_of(scene)
    assert np.min(gap) < 1e-15 and abs(x[np.argmin(gap)]) < 0.02  # exactly 0 at x = 0
    right = x >= 0
    assert np.all(np.diff(gap[right]) >= -1e-15)  # growing as we move away
    left = x <= 0
    assert np.all(np.diff(gap[left]) <= 1e-15)


def derivatives_at_zero(lec):
    assert lec.value("derivatives_at_0.tolist()") == [1.0, 0.0, -1.0, 0.0, 1.0]
    assert [math.cos(0), -math.sin(0), -math.cos(0), math.sin(0), math.cos(0)] == [
        1,
        0,
        -1,
        0,
        1,
    ]


def fifty_then_one_twenty(lec):
    first, second = lec.value("gains.tolist()")
    assert about(first, 50, 1.1) and about(second, 120, 1.1), (first, second)
    assert lec.value("coefficients[1::2].tolist()") == [0.0, 0.0]  # odd coefficients


def good_near_poor_far(lec):
    error_near = abs(
        printed_after(
            lec.stdout("derivatives_at_0 = np.array"), "order 4: p(0.5) = 0.87760417, error ="
        )
    )
    scene = taylor_scene(np.cos, COS_QUARTIC, 0.0, (-4.0, 4.0), "cos x")
    _x, gap = gap_of(scene)
    assert error_near < 1e-4 and np.max(gap) > 1.0


# ---------------------------------------------------------------------------- section 2


def explorer_orders_and_points(lec):
    from mmlcalc.widgets.taylor import taylor_explorer

    explorer = taylor_explorer(order=2, a=0.0)  # as the lecture's cell
    errors = []
    for order in range(0, 16):
        set_control(explorer, "order", order)
        errors.append(explorer.shown["max_error_near_a"])
    # falls at every order until it reaches rounding (about 2e-16) at order 14
    assert all(b < a for a, b in itertools.pairwise(errors[:15])), errors
    assert errors[-1] < 1e-15 and errors[0] > 0.5
    # a = 1: the polynomial matches eˣ's derivatives at 1, cₖ = e/k!
    set_control(explorer, "order", 3)
    set_control(explorer, "a", 1.0)
    expected = [math.e / factorial(k) for k in range(4)]
    assert np.allclose(explorer.shown["coefficients"], expected, rtol=1e-14)


def band_follows_the_singular_point(lec):
    from mmlcalc.widgets.taylor import taylor_explorer

    explorer = taylor_explorer(order=2, a=0.0)
    set_control(explorer, "function", "ln(1 + x)")
    radii = {}
    for a in (-0.5, 0.0, 1.0):
        set_control(explorer, "a", a)
        radii[a] = explorer.shown["radius"]
        band = explorer.scene.band
        assert math.isclose(band.get_x() + band.get_width(), min(a + radii[a], 3.0))
    assert radii == {-0.5: 0.5, 0.0: 1.0, 1.0: 2.0}  # the distance from a to −1
    set_control(explorer, "function", "1/(1 − x)")
    set_control(explorer, "a", 0.0)
    assert explorer.shown["radius"] == 1.0  # the distance from 0 to 1


def inside_better_outside_worse(lec):
    from mmlcalc.widgets.taylor import taylor_explorer

    explorer = taylor_explorer(order=2, a=0.0)
    set_control(explorer, "function", "ln(1 + x)")
    set_control(explorer, "a", 0.0)

    def gap_at(order, where):
        set_control(explorer, "order", order)
        x, gap = gap_of(explorer.scene)
        return gap[np.argmin(np.abs(x - where))]

    assert gap_at(15, 0.5) < gap_at(5, 0.5)  # inside the band (R = 1): better
    assert gap_at(15, 2.0) > gap_at(5, 2.0)  # outside: worse


def sin_figure(lec):
    a_sin = np.pi / 2
    coefficients = lec.value("series_coefficients('sin', 5, a=np.pi / 2).tolist()")
    scene = taylor_scene(np.sin, coefficients, a_sin, (-3.0, 6.0), "sin x")
    x, gap = gap_of(scene)
    hump = (x >= 0) & (x <= np.pi)
    assert np.max(gap[hump]) <= 0.02, np.max(gap[hump])
    assert np.min(gap[(x < -0.5) | (x > np.pi + 0.5)]) > 0.05  # apart beyond the hump


# ---------------------------------------------------------------------------- section 3


def corner(lec):
    h = 1e-8
    assert (abs(h) - 0) / h == 1 and (abs(-h) - 0) / (-h) == -1  # slopes +1 and −1 at 0
    # about a = 1, |x| = x: every Taylor polynomial is x, wrong for x < 0
    assert abs(-0.5) != -0.5


def partial_sums(lec):
    n = np.arange(1, 16)
    settle = np.cumsum((-1.0) ** (n - 1) * 0.5**n / n)
    swing = np.cumsum((-1.0) ** (n - 1) * 1.5**n / n)
    assert np.all(np.abs(settle[4:] - np.log1p(0.5)) < 0.01)  # settled within a few orders
    outside = (swing < -3) | (swing > 4)  # the figure's y limits
    assert np.argmax(outside) + 1 == 11 and not outside[:10].any()  # leave after order 10
    assert np.all(np.diff(np.abs(swing[4:] - np.log1p(1.5))) > 0)  # ever more widely
    text = lec.stdout("orders = [2, 5, 10, 20, 40]")
    assert "order 40: -164192" in text  # the same numbers, further out


def cure_about_one(lec):
    from mmlcalc.taylor import STANDARD_SERIES

    assert STANDARD_SERIES["log1p"].radius(1.0) == 2.0
    assert lec.value(ABOUT_ONE) < 1e-8  # the series about 1 reaches 1.5


ABOUT_ONE = (
    "float(abs(taylor_polynomial(series_coefficients('log1p', 40, a=1.0), 1.5, a=1.0) "
    "- np.log1p(1.5)))"
)


def cancellation(lec):
    text = lec.stdout("maclaurin = taylor_polynomial(")
    exact = printed_after(text, "exact e^-20")
    maclaurin = printed_after(text, "Maclaurin, 120 terms")
    assert abs(maclaurin - exact) > exact  # nonsense: off by more than the answer
    terms = [20.0**k / factorial(k) for k in range(80)]
    assert about(max(terms), 4e7, 1.15)  # the terms climb to about 4 × 10⁷
    assert about(max(terms) * 2.2e-16, 1e-8, 2)  # rounding of about 10⁻¹⁶ of each: some 10⁻⁸
    assert shown_as(exact, "2e-9")


def flat_function(lec):
    x = 0.05
    f = math.exp(-1 / x**2)
    assert all(f / x**k < 1e-150 for k in range(1, 8))  # flatter at 0 than any power
    assert math.exp(-1 / 0.5**2) > 0  # yet not 0 away from 0


# ---------------------------------------------------------------------------- section 4


def figure_panels(lec):
    scene, shown = linearisation_scene()
    assert scene.right.get_xlim() == (1e-5, 1.0)
    assert math.isclose(shown["dx"], 0.3) and math.isclose(shown["a"], 0.5)


def gap_is_written(lec):
    scene, shown = linearisation_scene()
    assert shown_as(shown["error"], "0.082")
    assert scene.gap_label.get_text().strip() == "error 0.082"
    assert scene.gap.get_zorder() > scene.points.get_zorder()  # the gap above the markers
    x, _ = scene.points.get_data()
    assert list(x) == [0.5, 0.8]


def slope_two(lec):
    scene, shown = linearisation_scene()
    guide = next(line for line in scene.right.lines if "slope 2" in str(line.get_label()))
    gx, gy = guide.get_data()
    assert math.isclose(math.log(gy[-1] / gy[0]) / math.log(gx[-1] / gx[0]), 2.0)
    assert shown_as(shown["fitted_slope"], "2.00")


def sin_slope_three(lec):
    explorer = a_linearisation_explorer()
    set_control(explorer, "function", "sin x")
    set_control(explorer, "a", 0.0)
    assert shown_as(explorer.shown["fitted_slope"], "3")
    assert "slope fitted on log axes: 3.00" in explorer.readout.value
    assert np.sin(0.0) == 0.0  # sin″(0) = −sin 0 = 0


def flat_tangent(lec):
    explorer = a_linearisation_explorer()
    set_control(explorer, "function", "√(1 + x²)")
    set_control(explorer, "a", 0.0)
    _, df = LINEARISATION_FUNCTIONS["√(1 + x²)"]
    assert df(0.0) == 0.0  # its tangent at 0 is flat
    ratios = []
    for dx in (1e-1, 1e-2, 1e-3):
        set_control(explorer, "dx", dx)
        ratios.append(explorer.shown["error_over_dx2"])
    assert shown_as(ratios[-1], "0.5") and abs(ratios[-1] - 0.5) < abs(ratios[0] - 0.5)
    assert "error / Δx² = 0.5000" in explorer.readout.value
    set_control(explorer, "function", "eˣ")
    set_control(explorer, "a", 0.0)
    set_control(explorer, "dx", 1e-3)
    assert shown_as(explorer.shown["error_over_dx2"], "0.5")  # as for eˣ at 0: f″(0) = 1


def tenfold_hundredfold(lec):
    text = lec.stdout("for dx in [1e-1, 1e-2, 1e-3, 1e-4]")
    errors = [float(v) for v in re.findall(r"error = ([\d.e+-]+),", text)]
    ratios = [a / b for a, b in itertools.pairwise(errors)]
    assert all(about(r, 100, 1.05) for r in ratios), ratios
    last = printed_after(text.splitlines()[-1], "error / Δx² =")
    assert shown_as(last, "0.824") and math.isclose(math.exp(0.5) / 2, 0.8244, abs_tol=1e-4)


# ---------------------------------------------------------------------------- section 5


def order_lines(lec):
    slopes = [
        float(v) for v in re.findall(r"slope p = ([\d.]+)", lec.stdout("steps = np.geomspace(0.1"))
    ]
    assert [round(s) for s in slopes] == [1, 2, 3, 4, 5]
    assert about(10 ** slopes[0], 10, 1.1) and about(10 ** slopes[-1], 1e5, 1.1)
    # one line per order, the order-0 line on top, the order-4 line at the bottom
    a, dx = 0.3, 0.1
    errors = []
    for n in range(5):
        c = [math.exp(a) / factorial(k) for k in range(n + 1)]
        errors.append(abs(math.exp(a + dx) - sum(c[k] * dx**k for k in range(n + 1))))
    assert errors == sorted(errors, reverse=True)


def sin_at_zero(lec):
    slopes = lec.value(
        "[error_order(steps, approximation_errors(np.sin, lambda x: x, 0.0, steps))]"
    )
    assert round(slopes[0]) == 3  # sin″(0) = 0: the linear model's error is of order 3


def two_orders(lec):
    slope = lec.value("float(error_order(steps, errors))")  # the cos order-2 polynomial
    assert round(slope) == 3


def fifth_coefficient(lec):
    assert lec.value("float(series_coefficients('cos', 5)[5])") == 0.0


def bound_nearly_reached(lec):
    text = lec.stdout("bound = 0.5**6 / factorial(6)")
    ratio = printed_after(text, "ratio")
    assert shown_as(ratio, "0.996") and shown_as(100 * ratio, "99.6")
    assert shown_as(math.acos(ratio), "0.09")


# ---------------------------------------------------------------------------- section 6


def model_radius_and_slopes(lec):
    from mmlcalc.plotting.taylor import QuadraticApproximationScene

    assert QuadraticApproximationScene.MODEL_RADIUS == 2.0
    explorer = quadratic_explorer()
    assert shown_as(explorer.shown["linear_slope"], "2.00")
    assert shown_as(explorer.shown["quadratic_slope"], "3.00")


def walk_to_the_peak(lec):
    explorer = quadratic_explorer()
    assert "quadratic model <b>3.00</b>" in explorer.readout.value  # at the start
    set_control(explorer, "y", 0.0)
    for x, written in ((1.50, "3.07"), (1.55, "3.18"), (1.60, "3.14")):
        set_control(explorer, "x", x)
        assert f"quadratic model <b>{written}</b>" in explorer.readout.value, (x, written)
    slider = explorer.controls["x"]
    stops = np.arange(slider.min, slider.max + 1e-9, slider.step)
    assert math.isclose(stops[np.argmin(np.abs(stops - np.pi / 2))], 1.55)  # the nearest stop
    assert shown_as(np.pi / 2, "1.571")


def slope_four_at_the_peak(lec):
    explorer = quadratic_explorer()
    assert explorer.controls["x"].step == 0.05
    shown = explorer.scene.update(x=np.pi / 2, y=0.0)  # not a slider stop: set on the scene
    assert shown_as(shown["quadratic_slope"], "4")


def shapes_change(lec):
    explorer = quadratic_explorer()
    assert explorer.shown["shape"].startswith("dome")
    set_control(explorer, "x", 0.0)
    set_control(explorer, "y", 1.55)
    assert explorer.shown["shape"].startswith("saddle")
    eigenvalues = explorer.shown["eigenvalues"]
    assert eigenvalues[0] < 0 < eigenvalues[1]  # the signs changed
    assert "saddle" in explorer.readout.value


def four_and_eight(lec):
    text = lec.stdout("for size in [0.2, 0.1, 0.05]")
    linear = [float(v) for v in re.findall(r"linear error ([\d.e+-]+),", text)]
    quadratic = [float(v) for v in re.findall(r"quadratic error ([\d.e+-]+)", text)]
    for a, b in itertools.pairwise(linear):
        assert about(a / b, 4, 1.1) and round(math.log2(a / b)) == 2
    for a, b in itertools.pairwise(quadratic):
        assert about(a / b, 8, 1.05) and round(math.log2(a / b)) == 3


def eightfold(lec):
    four_and_eight(lec)


# ---------------------------------------------------------------------------- exercises


def exercise_one(lec):
    x = 0.1
    assert abs(math.exp(-(x**2)) - (1 - x**2 + x**4 / 2)) < x**6  # right up to order 4


def exercise_three(lec):
    def partial(x, n):
        return sum((-(x**2)) ** k for k in range(n))

    assert abs(partial(0.9, 400) - 1 / (1 + 0.81)) < 1e-12  # inside the radius 1
    assert abs(partial(1.1, 400)) > 1e10  # outside it


def exercise_five(lec):
    errors = [3.0e-4, 3.8e-5, 4.7e-6]
    ratios = [a / b for a, b in itertools.pairwise(errors)]
    assert all(about(r, 8, 1.05) for r in ratios), ratios


# ---------------------------------------------------------------------------- the table

CLAIMS: list[Claim] = [
    Claim(
        "they are indistinguishable for $|x|$ below about 1 and part beyond 2",
        cos_figure_near_and_far,
        values=("coefficients.tolist()",),
    ),
    Claim(
        "tiny near 0 (the dip at 0 is where it is exactly 0) and growing fast as we move away",
        gap_grows_from_zero,
    ),
    Claim(
        "The polynomial knows only what happens *at* 0",
        derivatives_at_zero,
        values=("derivatives_at_0.tolist()",),
    ),
    Claim("which is 0 at $x = 0$", derivatives_at_zero, values=("derivatives_at_0.tolist()",)),
    Claim(
        "so at 0 they are $1, 0, -1, 0, 1, \\dots$",
        derivatives_at_zero,
        values=("derivatives_at_0.tolist()",),
    ),
    Claim(
        "about 50 times with the $x^2$ term, about 120 times more with the $x^4$ term",
        fifty_then_one_twenty,
        values=("gains.tolist()", "coefficients[1::2].tolist()"),
    ),
    Claim(
        "The odd coefficients are 0 because $\\cos$ is an even function",
        fifty_then_one_twenty,
        values=("gains.tolist()", "coefficients[1::2].tolist()"),
    ),
    Claim("Matching derivatives at 0 is good near 0 and poor far from it.", good_near_poor_far),
    Claim(
        "the polynomial follows, matching the function's derivatives at $a$ instead of at 0",
        explorer_orders_and_points,
    ),
    Claim(
        "it grows and shrinks with the distance from $a$ to the point where the function blows up",
        band_follows_the_singular_point,
    ),
    Claim(
        "try a high order: inside the band the fit gets better; outside it, it gets *worse*",
        inside_better_outside_worse,
    ),
    Claim(
        "its order-5 Taylor polynomial about $a = \\pi/2$, the top of the hump (dashed red, a "
        "black dot at $a$); they agree within 0.02 over the whole hump, from $x = 0$ to "
        "$x = \\pi$, and part beyond it",
        sin_figure,
        values=("series_coefficients('sin', 5, a=np.pi / 2).tolist()",),
    ),
    Claim(
        "$|x|$ has a corner at 0: its slope jumps from $-1$ to $+1$, so $f'(0)$ does not exist "
        "and there is no Taylor series about 0 at all",
        corner,
    ),
    Claim(
        "they settle on $\\ln 1.5$ within a few orders; at $x = 1.5$ (squares, dashed) they swing "
        "above and below $\\ln 2.5$ ever more widely and leave the plot after order 10",
        partial_sums,
    ),
    Claim(
        "about $a = 1$ the radius is 2, which reaches $x = 1.5$",
        cure_about_one,
        values=(ABOUT_ONE,),
    ),
    Claim(
        "Its terms $(-20)^k/k!$ climb to about $4 \\times 10^7$ before they shrink",
        cancellation,
    ),
    Claim(
        "yet all its derivatives at 0 are 0, so its Maclaurin series is 0 and matches $f$ only "
        "at $x = 0$",
        flat_function,
    ),
    Claim(
        "that gap for every step from $10^{-5}$ to 1",
        figure_panels,
    ),
    Claim(
        "marked in red and its size, 0.082, written beside it",
        gap_is_written,
    ),
    Claim("beside a grey guide of slope 2", slope_two),
    Claim(
        "Then pick $\\sin x$ and set **a** to 0: the fitted slope becomes 3, because "
        "$\\sin''(0) = 0$",
        sin_slope_three,
    ),
    Claim(
        "Last, pick $\\sqrt{1 + x^2}$ with **a** at 0, where its tangent is flat: the readout's "
        "error $/ \\Delta x^2$ settles on 0.5 as $\\Delta x$ shrinks, as it would for $e^x$ at 0",
        flat_tangent,
    ),
    Claim(
        "ten times smaller $\\Delta x$, a hundred times smaller error",
        tenfold_hundredfold,
    ),
    Claim(
        "one line per order from 0 (top) to 4 (bottom)",
        order_lines,
    ),
    Claim(
        "shrink the step tenfold and the order-0 error falls tenfold, the order-4 error a "
        "hundred thousand times",
        order_lines,
    ),
    Claim(
        "(unless that derivative happens to be 0 at $a$, as for $\\sin$ at 0)",
        sin_at_zero,
        values=("[error_order(steps, approximation_errors(np.sin, lambda x: x, 0.0, steps))]",),
    ),
    Claim(
        "a polynomial of order $n$ (its highest power) has an error of order $n + 1$",
        two_orders,
        values=("float(error_order(steps, errors))",),
    ),
    Claim(
        "which is also the order-5 polynomial of $\\cos$ (its $x^5$ coefficient is 0)",
        fifth_coefficient,
        values=("float(series_coefficients('cos', 5)[5])",),
    ),
    Claim(
        "the actual error is 99.6 % of it, so the theorem's $\\xi$ has $\\cos \\xi \\approx "
        "0.996$, a point near 0.09",
        bound_nearly_reached,
    ),
    Claim(
        "drawn at the same heights within a distance 2 of the point",
        model_radius_and_slopes,
    ),
    Claim("they fall along lines of slope 2 and 3", model_radius_and_slopes),
    Claim(
        "the fitted slope of the quadratic model's error, 3.00 at the start, climbs to 3.07 at "
        "$x = 1.50$ and 3.18 at $x = 1.55$, the slider's nearest stop, and falls back to 3.14 "
        "at $x = 1.60$",
        walk_to_the_peak,
    ),
    Claim(
        "the first term left out is of fourth order and the slope would be 4; the slider's "
        "steps of 0.05 cannot land on $\\pi/2$, so you see the climb, not the 4",
        slope_four_at_the_peak,
    ),
    Claim(
        "Watch the dashed contours change from ellipses (bowl or dome) to hyperbolas (saddle)",
        shapes_change,
    ),
    Claim(
        "Halving the step divides the linear model's error by about 4 and the quadratic "
        "model's by about 8: errors of orders 2 and 3, from polynomials of orders 1 and 2",
        four_and_eight,
    ),
    Claim(
        "halve the step in any direction and the error falls about eightfold",
        eightfold,
    ),
    Claim(
        "with $u = -x^2$ gives $1 - x^2 + x^4/2$ up to order 4",
        exercise_one,
    ),
    Claim(
        "Why does the Maclaurin series of $1/(1 + x^2)$ have radius of convergence 1",
        exercise_three,
    ),
    Claim(
        "Each halving divides the error by about 8",
        exercise_five,
    ),
]

DEFINITIONS: list[Definition] = [
    Definition("**1. The function is not smooth at the expansion point.**", "an item number"),
    Definition("**3. The sum cancels.**", "an item number"),
    Definition(
        "The order-1 Taylor polynomial is the tangent line",
        "a name: the order-1 polynomial is the linearisation",
    ),
    Definition(
        "Here is $e^x$ with its tangent line at $a = 0.5$, the gap between them a step "
        "$\\Delta x = 0.3$ further on, and, on the right,",
        "the point and the step we choose to draw",
    ),
    Definition(
        "Here are the errors of the Taylor polynomials of orders 0 to 4 of $e^x$",
        "the orders we choose to draw",
    ),
    Definition(
        "Find the Maclaurin polynomial of order 4 of $f(x) = e^{-x^2}$",
        "the exercise's task",
    ),
    Definition(
        "Write the Taylor polynomial of order 2 of $\\ln x$ about $a = 1$",
        "the exercise's task",
    ),
    Definition(
        "The reason is hidden in the complex numbers: $1 + x^2 = 0$ at $x = \\pm i$, at "
        "distance 1 from 0.",
        "algebra: the roots ±i of 1 + x² and their distance from 0",
    ),
    Definition(
        "the behaviour of an order-2 polynomial",
        "a name: an order-2 polynomial has an error of order 3 (section 5)",
    ),
    Definition("Cambridge University Press, 2020, section 5.8", "a citation"),
    Definition("*Calculus Volume 2*, OpenStax, 2016, section 6.3", "a citation"),
    Definition("2nd edition, SIAM, 2002, chapter 5", "a citation"),
    Definition("2nd edition, Springer, 2006, section 2.1", "a citation"),
]

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.taylor.taylor_coefficients": "coefficients = derivatives_at_0 / factorials",
    "mmlcalc.taylor.taylor_polynomial": "p = p * t + c[k]",
    "mmlcalc.taylor.series_coefficients": "def series_by_hand(name, n, a=0.0):",
    "mmlcalc.taylor.linearisation": "linear = np.exp(a) + np.exp(a) * dx",
    "mmlcalc.taylor.approximation_errors": "errors = np.abs(np.exp(a + steps) - taylor_polynomial",
    "mmlcalc.taylor.error_order": "slope, intercept = np.polyfit(np.log(steps), np.log(errors), 1)",
    "mmlcalc.taylor.quadratic_approximation": "quadratic = linear + 0.5 * delta @ H @ delta",
}
