"""Week 1's claims table: every number, sign and comparison the lecture's prose states.

Each Claim quotes one markdown cell of ``notebooks/01_slopes_and_derivatives.ipynb`` and
checks it against what the executed lecture printed or computed (``lec.stdout``,
``lec.value``), or against an explorer built here exactly as the lecture builds it.
Each Definition quotes a sentence whose numbers are inputs, not claims.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
from lecture_claims import Claim, Definition, about, set_control, shown_as

NOTEBOOK = "01_slopes_and_derivatives.ipynb"
EPS = np.finfo(float).eps


def rows(text: str) -> list[list[float]]:
    """The numbers of each printed line."""
    found = []
    for line in text.splitlines():
        numbers = [float(n) for n in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", line)]
        if numbers:
            found.append(numbers)
    return found


# ---------------------------------------------------------------------------- checks


def isa_line(lec):
    t0, t1 = lec.value("temperature(0.0)"), lec.value("temperature(1.0)")
    assert t0 == 15.0, f"T(0) = {t0}"
    assert t1 - t0 == -6.5, f"one km changes T by {t1 - t0}"


def line_ends(lec):
    assert lec.value("temperature(0.0)") == 15.0
    assert shown_as(lec.value("temperature(11.0)"), "-56.5")


def rise_and_run(lec):
    a, b = lec.value("[a, b]")
    assert (a, b) == (1.0, 4.0), (a, b)
    assert b - a == 3.0
    assert shown_as(lec.value("temperature(b) - temperature(a)"), "-19.5")


def same_change_every_km(lec):
    changes = re.findall(r"change from \d+ km: ([-+]\d+\.\d+)", lec.stdout("for km in range(6)"))
    assert len(changes) == 5 and all(float(c) == -6.5 for c in changes), changes


def long_secant(lec):
    f1, f2, slope0 = lec.value("[f(1.0), f(2.0), df(1.0)]")
    assert (f1, f2) == (1.0, 4.0)
    assert (f2 - f1) / 1.0 == 3.0 and slope0 == 2.0


def short_secant(lec):
    slope = lec.value("(f(1.25) - f(1.0)) / 0.25")
    assert shown_as(slope, "2.25")
    assert abs(slope - 2.0) < abs(3.0 - 2.0) / 2  # much closer to the tangent than Δx = 1


def secant_error_is_dx(lec):
    from mmlcalc.widgets import secant_explorer

    explorer = secant_explorer(lambda x: x**2, lambda x: 2 * x, x0=1.0, dx=1.0)  # as the cell
    for dx in (1.0, 0.1, 0.01, 0.001):
        set_control(explorer, "dx", dx)
        assert math.isclose(explorer.shown["error"], dx, rel_tol=1e-6), explorer.shown


def slopes_close_in_on_2(lec):
    slopes = [row[-1] for row in rows(lec.stdout("for dx in [1.0, 0.1, 0.01, 0.001]"))]
    gaps = [abs(s - 2.0) for s in slopes]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 0.01, slopes


def across_the_gap(lec):
    for line in lec.stdout("def d_reciprocal").splitlines():
        across, left, right = (float(n) for n in re.findall(r"[-+]\d+(?=\D|$)", line)[-3:])
        assert across > 0 > left and right < 0, line
        assert across > 10, line  # large


def pieces_fall(lec):
    assert lec.value(
        "bool(np.all(np.diff(reciprocal(left_x)) < 0) and np.all(np.diff(reciprocal(right_x)) < 0))"
    )
    assert lec.value("[float(reciprocal(-1.0)), float(reciprocal(1.0))]") == [-1.0, 1.0]


def column(lec, n: int) -> list[float]:
    table = rows(lec.stdout("slope of x⁴"))
    return [row[n] for row in table if len(row) == 5]  # x and four slopes


def power_column_x2(lec):
    assert [round(v, 3) for v in column(lec, 2)] == [2.0, 4.0, 6.0]


def power_columns_x3_x4(lec):
    assert [round(v) for v in column(lec, 3)] == [3, 12, 27]
    assert [round(v) for v in column(lec, 4)] == [4, 32, 108]
    for x, slope3, slope4 in zip(column(lec, 0), column(lec, 3), column(lec, 4), strict=True):
        assert abs(slope3 - 3 * x**2) < 1e-3 and abs(slope4 - 4 * x**3) < 1e-3


def e_is_the_base(lec):
    lines = lec.stdout("for base in [2.0, np.e, 3.0]").splitlines()
    assert lines[1] == "a = 2.71828: (a^Δx − 1) / Δx = 1.00000", lines


def sine_slope_at_zero(lec):
    h = 1e-5
    assert abs((np.sin(h) - np.sin(-h)) / (2 * h) - 1.0) < 1e-9


def product_rule_figure(lec):
    u1, v1, du, dv = lec.value("[u(1.0), v(1.0), u(1.3) - u(1.0), v(1.3) - v(1.0)]")
    assert (u1, v1) == (2.0, 1.0)
    assert shown_as(du, "0.3") and shown_as(dv, "0.69")


def product_rule_explorer_closes_in(lec):
    from mmlcalc.widgets import product_rule_explorer

    explorer = product_rule_explorer(
        lambda x: x + 1, lambda x: x**2, lambda x: np.ones_like(x), lambda x: 2 * x, x=1.0, dx=0.3
    )
    gaps = []
    for dx in (0.3, 0.1, 0.01):
        set_control(explorer, "dx", dx)
        gaps.append(abs(explorer.shown["rate"] - 5.0))
        assert "product rule u′v + uv′ = 5.0000" in explorer.readout.value
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 0.05, gaps


def worst_gaps(lec) -> list[float]:
    lines = lec.stdout("largest |secant slope").splitlines()
    return [float(line.rsplit("=", 1)[1]) for line in lines]


def rules_agree_1e4(lec):
    worst = worst_gaps(lec)
    assert len(worst) == 4 and max(worst) <= 1e-4, worst


def largest_for_3x4(lec):
    worst = worst_gaps(lec)
    assert worst[0] == max(worst), worst
    assert 36 * 2**2 == 144


def beast_agrees(lec):
    gap = lec.value("beast_gap")
    assert about(gap, 1e-10, 10), gap


def beast_slip(lec):
    off = float(re.search(r"off by up to ([\d.]+)", lec.stdout("def beast")).group(1))
    assert off > 1, off


def sixteen_digits(lec):
    assert round(-math.log10(EPS)) == 16


def figure_steps_range(lec):
    from matplotlib.figure import Figure

    from mmlcalc.plotting import plot_difference_error

    ax = plot_difference_error(np.sin, np.cos, x0=1.0, h=1e-4, ax=Figure().subplots())
    low, high = sorted(ax.get_xlim())
    assert math.isclose(low, 1e-15, rel_tol=1e-6) and math.isclose(high, 1.0), (low, high)


def error_table(lec) -> list[tuple[float, float, float]]:
    lines = lec.stdout("forward error   central error").splitlines()[1:]
    return [tuple(float(p) for p in line.split()) for line in lines]


def slopes_of_the_v(lec):
    table = dict((h, (fe, ce)) for h, fe, ce in error_table(lec))
    forward = math.log10(table[1e-1][0] / table[1e-2][0])
    central = math.log10(table[1e-1][1] / table[1e-2][1])
    assert round(forward) == 1 and round(central) == 2, (forward, central)
    for index in (0, 1):  # round-off: from h = 1e-10 to 1e-12 the errors grow about like 1/h
        slope = math.log10(table[1e-10][index] / table[1e-12][index]) / 2
        assert -1.6 < slope < -0.8, slope


def central_falls_more_steeply(lec):
    table = error_table(lec)
    (_, f0, c0), (_, f1, c1) = table[0], table[1]
    assert c0 / c1 > f0 / f1 > 1  # both fall as h shrinks, the central one more steeply
    assert table[-1][1] > min(r[1] for r in table) and table[-1][2] > min(r[2] for r in table)


def tenfold_and_hundredfold(lec):
    table = error_table(lec)
    for (h0, f0, c0), (h1, f1, c1) in itertools.pairwise(table):
        if h1 >= 1e-4:  # truncation regime
            decades = math.log10(h0 / h1)
            assert about(f0 / f1, 10**decades, 1.2) and about(c0 / c1, 100**decades, 1.2)
    forward_best = min(table, key=lambda row: row[1])[0]
    central_best = min(table, key=lambda row: row[2])[0]
    assert (forward_best, central_best) == (1e-8, 1e-6), (forward_best, central_best)


def hundred_times(lec):
    table = error_table(lec)
    ratio = min(r[1] for r in table) / min(r[2] for r in table)
    assert about(ratio, 100, 2), ratio


def theory_several_hundred(lec):
    f, d2, d3 = np.sin(1.0), np.sin(1.0), np.cos(1.0)  # |f|, |f″| and |f‴| of sin at 1
    h_forward = math.sqrt(2 * EPS * f / d2)
    h_central = (3 * EPS * f / d3) ** (1 / 3)
    forward = h_forward / 2 * d2 + EPS * f / h_forward
    central = h_central**2 / 6 * d3 + EPS * f / h_central
    assert 200 <= forward / central <= 1000, forward / central


def lucky_zero(lec):
    g = lambda x: np.sqrt(1 + x**2)  # noqa: E731
    for h in (1e-3, 1e-7, 1e-11):
        assert (g(h) - g(-h)) / (2 * h) == 0.0


def bottom_of_the_v(lec):
    from mmlcalc.widgets import difference_error_explorer

    functions = {"sin x": (np.sin, np.cos), "eˣ": (np.exp, np.exp)}
    explorer = difference_error_explorer(functions, x0=1.0, h=1e-4)
    for name in functions:
        set_control(explorer, "function", name)
        for x in (-1.0, 1.0, 2.0):
            set_control(explorer, "x0", x)
            shown = explorer.shown
            assert 1e-9 <= shown["forward_best_h"] <= 1e-7, (name, x, shown["forward_best_h"])
            assert 1e-6 <= shown["central_best_h"] <= 1e-4, (name, x, shown["central_best_h"])


def best_steps(lec):
    assert shown_as(math.sqrt(EPS), "1.5e-8")
    assert about(-math.log10(math.sqrt(EPS)), 16 / 2, 1.1)  # half of the 16 digits


def central_best_steps(lec):
    assert shown_as(EPS ** (1 / 3), "6e-6") and shown_as(EPS ** (2 / 3), "4e-11")
    assert about(-math.log10(EPS ** (2 / 3)), 16 * 2 / 3, 1.1)


def gap_next_to_1e8(lec):
    assert shown_as(float(np.spacing(1e8)), "1.5e-8")
    assert "Is 1e8 + 1e-9 == 1e8? True" in lec.stdout("eps = np.finfo(float).eps")


def epsilon_is_the_gap(lec):
    assert np.nextafter(1.0, 2.0) - 1.0 == EPS == 2.0**-52


def tan_errors(lec):
    x, exact = 1.0, 1 / np.cos(1.0) ** 2
    errors = [abs((np.tan(x + h) - np.tan(x - h)) / (2 * h) - exact) for h in (1e-1, 1e-2, 1e-3)]
    for error, written in zip(errors, ("9.7e-2", "9.5e-4", "9.5e-6"), strict=True):
        assert shown_as(error, written), (error, written)
    assert about(errors[1] / errors[2], 100, 1.1)
    assert errors[0] / errors[1] > 100 and about(errors[0] / errors[1], 100, 1.1)


def forward_error_over_dx(lec):
    table = rows(lec.stdout("def cube"))
    ratios = [row[-1] for row in table]
    estimates = [row[1] for row in table]  # Δx, estimate, error, error / Δx
    assert shown_as(ratios[-1], "6") and all(abs(r - 6) <= 0.11 for r in ratios), ratios
    assert abs(estimates[-1] - 12) < 1e-3, estimates


def other_bases(lec):
    lines = lec.stdout("for base in [2.0, np.e, 3.0]").splitlines()
    slopes = [float(line.rsplit("=", 1)[1]) for line in lines]
    assert shown_as(math.log(2.0), f"{slopes[0]:.5f}") and shown_as(
        math.log(3.0), f"{slopes[2]:.5f}"
    )


def product_rule_five(lec):
    assert "product rule: u′v + uv′ = 5.0000" in lec.stdout("product rule: u′v + uv′")


# ---------------------------------------------------------------------------- the table

CLAIMS: list[Claim] = [
    Claim(
        "The error divided by $\\Delta x$ settles on $3x = 6$, as the algebra predicted",
        forward_error_over_dx,
    ),
    Claim(
        "The numbers agree; at $x = 2$ the exact slope is $3 \\cdot 2^2 = 12$",
        forward_error_over_dx,
    ),
    Claim("(for other bases it is $\\ln a$)", other_bases),
    Claim("where the rule gives $1 \\cdot 1 + 2 \\cdot 2 = 5$", product_rule_five),
    Claim(
        "the temperature is 15 °C at sea level and falls by 6.5 °C for every kilometre you climb,"
        " up to 11 km",
        isa_line,
        values=("temperature(0.0)", "temperature(1.0)"),
    ),
    Claim(
        "against the altitude from 0 to 11 km, a straight line falling from 15 °C to −56.5 °C",
        line_ends,
        values=("temperature(0.0)", "temperature(11.0)"),
    ),
    Claim(
        "Between the two black dots at 1 km and 4 km the dashed guides show the run, 3 km, and "
        "the rise, −19.5 °C.",
        rise_and_run,
        values=("[a, b]", "temperature(b) - temperature(a)"),
    ),
    Claim(
        "every kilometre of climbing changes the temperature by the same amount, −6.5 °C, "
        "wherever you start",
        same_change_every_km,
    ),
    Claim(
        "the secant through $(1, 1)$ and $(2, 4)$ has slope 3, much steeper than the tangent's 2",
        long_secant,
        values=("[f(1.0), f(2.0), df(1.0)]",),
    ),
    Claim(
        "the secant's slope is 2.25, and the two lines nearly coincide near the point",
        short_secant,
        values=("(f(1.25) - f(1.0)) / 0.25",),
    ),
    Claim("for $x^2$ the error is exactly $\\Delta x$", secant_error_is_dx),
    Claim("The slopes close in on 2", slopes_close_in_on_2),
    Claim(
        'a "secant" drawn across the gap gives a large positive slope that describes nothing real',
        across_the_gap,
    ),
    Claim(
        "Both pieces fall from left to right",
        pieces_fall,
        values=(
            "bool(np.all(np.diff(reciprocal(left_x)) < 0) and np.all(np.diff(reciprocal(right_x))"
            " < 0))",
            "[float(reciprocal(-1.0)), float(reciprocal(1.0))]",
        ),
    ),
    Claim("Read down the column of $x^2$: 2, 4, 6, that is $2x$.", power_column_x2),
    Claim(
        "The column of $x^3$ is 3, 12, 27, that is $3x^2$, and the column of $x^4$ is 4, 32, 108,"
        " that is $4x^3$.",
        power_columns_x3_x4,
    ),
    Claim(
        "The number $e \\approx 2.71828$ is the base for which that constant is exactly 1",
        e_is_the_base,
    ),
    Claim("Similarly, $\\sin x$ has slope 1 at $x = 0$", sine_slope_at_zero),
    Claim(
        "the rectangle of width $u(1) = 2$ and height $v(1) = 1$ (pale blue), grown by "
        "$\\Delta x = 0.3$: a hatched strip $v\\,\\Delta u$ of width 0.3 on the right, a hatched "
        "strip $u\\,\\Delta v$ of height 0.69 on top",
        product_rule_figure,
        values=("[u(1.0), v(1.0), u(1.3) - u(1.0), v(1.3) - v(1.0)]",),
    ),
    Claim(
        "the readout's $\\Delta(uv)/\\Delta x$ closes in on the product rule's value",
        product_rule_explorer_closes_in,
    ),
    Claim("The rules and the secant slopes agree to about $10^{-4}$ or better.", rules_agree_1e4),
    Claim(
        "it is largest for $3x^4$, whose second derivative $36x^2$ reaches 144 at $x = \\pm 2$",
        largest_for_3x4,
    ),
    Claim(
        "The rules and the central differences agree to about $10^{-10}$",
        beast_agrees,
        values=("beast_gap",),
    ),
    Claim(
        "dropping the chain rule's inner factor in $v'$ (only $3x^2 e^{-x^2/2}$ left for $A'$) is"
        " off by more than 1",
        beast_slip,
    ),
    Claim("a computer stores numbers to about 16 significant digits", sixteen_digits),
    Claim("for steps $h$ from 1 down to $10^{-15}$, on log axes", figure_steps_range),
    Claim(
        "each error falls in a straight line as $h$ shrinks, the central one more steeply; then "
        "each turns and rises again",
        central_falls_more_steeply,
    ),
    Claim("is the gap between 1 and the next number a computer can store", epsilon_is_the_gap),
    Claim(
        "each term is a straight line, with slope 1 or 2 for truncation and −1 for round-off",
        slopes_of_the_v,
    ),
    Claim(
        "The forward error falls tenfold for each tenfold smaller $h$, the central error a "
        "hundredfold, until round-off takes over",
        tenfold_and_hundredfold,
    ),
    Claim(
        "In this table the best central estimate is about a hundred times more accurate than the "
        "best forward one",
        hundred_times,
    ),
    Claim(
        "with the best step for each (the next subsection) the theory gives several hundred",
        theory_several_hundred,
    ),
    Claim(
        "try **x** = 0 for $\\sqrt{1 + x^2}$, an even function whose central difference is "
        "exactly right there by symmetry",
        lucky_zero,
    ),
    Claim(
        "the bottom of the V moves a little, but stays near $10^{-8}$ for the forward and "
        "$10^{-5}$ for the central difference",
        bottom_of_the_v,
    ),
    Claim(
        "when $|f|$ and $|f''|$ are of order 1, that is about $\\sqrt{\\varepsilon} \\approx 1.5 "
        "\\times 10^{-8}$, and the error there is also about $\\sqrt{\\varepsilon}$: half of the "
        "16 digits survive",
        best_steps,
    ),
    Claim(
        "\\approx \\sqrt[3]{\\varepsilon} \\approx 6 \\times 10^{-6}$, with an error of about "
        "$\\varepsilon^{2/3} \\approx 4 \\times 10^{-11}$: two thirds of the digits survive",
        central_best_steps,
    ),
    Claim(
        "next to $10^8$ the gap between stored numbers is about $1.5 \\times 10^{-8}$, and a step "
        "of $10^{-9}$ is lost completely",
        gap_next_to_1e8,
    ),
    Claim(
        "each tenfold smaller $h$ divides the error by about 100, because the central "
        "difference's truncation error is $O(h^2)$. The first step shrinks it a little more than "
        "100-fold",
        tan_errors,
    ),
]

DEFINITIONS: list[Definition] = [
    Definition("Drag **Δx** towards 0", "the direction the learner moves the slider"),
    Definition(
        "gets ever closer to 0, from either side, without ever being 0",
        "what the limit Δx → 0 means",
    ),
    Definition(
        "next to 0 it shoots off to $-\\infty$ on the left and $+\\infty$ on the right",
        "where the gap of 1/x is",
    ),
    Definition("Move **Δx** towards 0 and watch the corner", "the direction the learner moves"),
    Definition(
        "**Round-off error.** The machine epsilon $\\varepsilon = 2^{-52} \\approx 2.2 \\times",
        "the name of the quantity; the gap itself is a Claim",
    ),
    Definition(
        "Aldo Faisal and Cheng Soon Ong, *Mathematics for Machine Learning*, Cambridge University"
        ' Press, 2020, chapter 5, "Vector Calculus"',
        "a citation: year and chapter",
    ),
    Definition(
        '*Calculus Volume 1*, OpenStax, 2016, chapter 3, "Derivatives"', "a citation: volume, year"
    ),
    Definition(
        "*Numerical Optimization*, 2nd edition, Springer, 2006", "a citation: edition and year"
    ),
    Definition("*ACM Computing Surveys* 23(1), 1991", "a citation: volume, issue and year"),
]

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.calculus.secant_slope": "rise = temperature(x1) - temperature(x0)",
    "mmlcalc.calculus.forward_difference": "estimate = (cube(x + dx) - cube(x)) / dx",
    "mmlcalc.calculus.default_step": "return eps ** (1 / 3) * max(1.0, abs(x))",
    "mmlcalc.calculus.derivative": "return (f(x + h) - f(x - h)) / (2 * h)",
}
