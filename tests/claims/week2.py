"""Week 2's claims table: every number, sign and comparison the lecture's prose states.

Each Claim quotes one markdown cell of ``notebooks/02_multivariate_calculus.ipynb`` and
checks it against what the executed lecture printed or computed (``lec.stdout``,
``lec.value``), or against an explorer built here exactly as the lecture builds it, with
its sliders set to values they can reach. Each Definition quotes a sentence whose
numbers are inputs, not claims.
"""

from __future__ import annotations

import math
import re

import numpy as np
from lecture_claims import Claim, Definition, about, set_control, shown_as

NOTEBOOK = "02_multivariate_calculus.ipynb"


# ---------------------------------------------------------------------------- the lecture's maps


def h(p):
    return p[0] ** 3 - 3 * p[0] - p[1] ** 3 + 3 * p[1]


def jacobian_h(p):
    return np.array([3 * p[0] ** 2 - 3, -3 * p[1] ** 2 + 3])


def squaring(p):
    x, y = p[0], p[1]
    return np.array([x**2 - y**2, 2 * x * y])


def squaring_jacobian(p):
    x, y = p[0], p[1]
    return np.array([[2 * x, -2 * y], [2 * y, 2 * x]])


def polar(p):
    r, theta = p[0], p[1]
    return np.array([r * np.cos(theta), r * np.sin(theta)])


def polar_jacobian(p):
    r, theta = p[0], p[1]
    return np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])


def h_explorer():
    from mmlcalc.widgets.multivariate import gradient_explorer

    # as the lecture's cell builds it
    return gradient_explorer(
        h, jacobian_h, x=0.8, y=-0.8, bounds=((-2.2, 2.2), (-2.2, 2.2)), name="h"
    )


def squaring_explorer():
    from mmlcalc.widgets.multivariate import jacobian_map_explorer

    return jacobian_map_explorer(
        squaring, squaring_jacobian, x=1.0, y=0.3, size=0.5, bounds=((0.2, 1.8), (-0.8, 0.8))
    )


# ---------------------------------------------------------------------------- checks


def input_positions(lec):
    by_index, by_hand = lec.value("[partial_derivative(f, p0, 0), df_dx(p0)]")
    assert math.isclose(by_index, by_hand, rel_tol=1e-8)  # index 0 moves x
    by_index, by_hand = lec.value("[partial_derivative(f, p0, 1), float(df_dy(p0))]")
    assert math.isclose(by_index, by_hand, rel_tol=1e-8)  # index 1 moves y


def one_below_the_target(lec):
    residual = lec.value("residual")
    derivatives = lec.value("list(by_hand.values())")
    assert lec.value("w * x_example + b") == 7.0 and lec.value("y_example") == 8.0
    assert residual == -1.0 and all(d < 0 for d in derivatives), derivatives


def factors(lec):
    d_w, d_b, d_x = lec.value("list(by_hand.values())")
    assert d_w / d_b == 3.0 and d_x / d_b == 2.0


def walk_falls(lec):
    heights = [float(v) for v in re.findall(r"f = ([-\d.]+)", lec.stdout("for t_walk in"))]
    steps = np.diff(heights)
    assert all(shown_as(step, "-0.04") for step in steps), steps
    assert shown_as(lec.value("total"), "-0.8")


def x_shrinks_y_grows(lec):
    dx_dt, dy_dt = lec.value("velocity")
    assert dx_dt < 0 < dy_dt


def all_360_directions(lec):
    text = lec.stdout("rates = J @ directions")
    best = float(re.search(r"towards (\d+)°", text).group(1))
    along = float(re.search(r"direction of J: ([\d.]+)°", text).group(1))
    assert lec.value("len(angles)") == 360 and round(along) == best, (best, along)
    assert math.isclose(
        lec.value("float(rates[best])"), lec.value("float(np.linalg.norm(J))"), rel_tol=1e-4
    )


def five_hundred_at_once(lec):
    assert lec.value("list(grad_mse.shape)") == [500]
    assert lec.value("list(X.shape)") == [200, 500]
    assert 2 * 500 == 1000


def five_hundred_agree(lec):
    assert about(lec.value("float(many_gap)"), 1e-10, 10)


def square_of_the_polar_figure(lec):
    assert "size=0.3" in "".join(
        cell.source for cell in lec.notebook.cells if "plot_jacobian_map(polar" in cell.source
    )


def shrinking_square(lec):
    explorer = squaring_explorer()
    assert shown_as(explorer.shown["det"], "4.36")
    for size, written in ((0.5, "4.526"), (0.3, "4.420"), (0.1, "4.367")):
        set_control(explorer, "size", size)
        assert shown_as(explorer.shown["area_ratio"], written), (size, explorer.shown)
        assert f"{explorer.shown['area_ratio']:.4f}" in explorer.readout.value
    set_control(explorer, "size", 0.02)  # the smallest square the slider allows
    assert abs(explorer.shown["area_ratio"] - 4.36) < 1e-3


def polar_ratio_is_exact(lec):
    from mmlcalc.widgets.multivariate import jacobian_map_explorer

    explorer = jacobian_map_explorer(polar, polar_jacobian, x=1.5, y=0.3)
    for size in (0.5, 0.1, 0.02):
        set_control(explorer, "size", size)
        assert abs(explorer.shown["area_ratio"] - 1.5) < 1e-3, explorer.shown


def linear_off_by(lec):
    off = float(re.search(r"difference ([\d.]+)", lec.stdout("linear = polar(q)")).group(1))
    assert shown_as(off, "3e-4"), off


FLAT_SPOTS = {
    (1.0, -1.0): "away",
    (-1.0, 1.0): "towards",
    (1.0, 1.0): "mixed",
    (-1.0, -1.0): "mixed",
}


def flat_spots_vanish(lec):
    explorer = h_explorer()
    for x, y in FLAT_SPOTS:
        set_control(explorer, "x", x)
        set_control(explorer, "y", y)
        assert explorer.shown["steepness"] == 0.0, explorer.shown
    set_control(explorer, "x", 1.1)
    set_control(explorer, "y", -1.0)
    shown = explorer.shown
    assert shown["stretched"] and math.isclose(shown["arrow_length"], 0.1 * 4.4), shown
    assert "arrow drawn longer than to scale" in explorer.readout.value


def directions_around(lec):
    explorer = h_explorer()
    offsets = [(0.2, 0.0), (-0.2, 0.0), (0.0, 0.2), (0.0, -0.2)]
    for (cx, cy), kind in FLAT_SPOTS.items():
        signs = []
        for dx, dy in offsets:
            set_control(explorer, "x", round(cx + dx, 2))
            set_control(explorer, "y", round(cy + dy, 2))
            arrow = explorer.shown["arrow"]
            signs.append(np.sign(arrow[0] * dx + arrow[1] * dy))  # + away, − towards
        along_x, along_y = signs[:2], signs[2:]
        if kind == "away":
            assert all(s > 0 for s in signs), ((cx, cy), signs)
        elif kind == "towards":
            assert all(s < 0 for s in signs), ((cx, cy), signs)
        else:  # one axis in, the other out
            assert len(set(along_x)) == 1 and len(set(along_y)) == 1, signs
            assert along_x[0] == -along_y[0], ((cx, cy), signs)


def probes_and_box(lec):
    from mmlcalc.sandpit import make_landscape

    assert lec.value("game.budget") == 12
    assert make_landscape("bowl", 3).bounds == ((0.0, 10.0), (0.0, 10.0))
    assert min(10 / 4, 10 / 3) == 2.5  # the spacing of a 4 × 3 grid over the box


def tolerances(lec):
    from mmlcalc.sandpit import make_landscape

    for kind in ("bowl", "local minima", "narrow well", "noisy terrain"):
        land = make_landscape(kind, 0)
        *_, z = land.grid(200)
        assert land.tolerance == 0.05
        assert 0.01 <= land.tolerance / (z.max() - z.min()) <= 0.02, kind
    assert make_landscape("volcano", 0).tolerance == 3.0


def volcano_grid(lec):
    from mmlcalc import sandpit
    from mmlcalc.data import load_volcano

    assert load_volcano().spacing == 10
    assert sandpit.VOLCANO_STEP == 5.0 == load_volcano().spacing / 2


def volcano_heights(lec):
    from mmlcalc.data import load_volcano
    from mmlcalc.sandpit import make_landscape

    heights = np.asarray(load_volcano().heights, float)
    assert heights.max() == 195
    crater = make_landscape("volcano", 0).local_minima
    assert len(crater) == 1 and crater[0, 2] == 148


def step_of_ten(lec):
    assert lec.value("step_size") == 10.0


def trials(lec) -> dict[float, tuple[float, str, int]]:
    found = {}
    for line in lec.stdout("for trial_step in").splitlines():
        pattern = r"step size\s+([\d.]+): first move\s+([\d.]+) units, (.+) after (\d+)"
        match = re.match(pattern, line)
        found[float(match.group(1))] = (float(match.group(2)), match.group(3), int(match.group(4)))
    return found


def small_and_large_steps(lec):
    runs = trials(lec)
    move, verdict, probes = runs[1.0]
    assert move < 1 and verdict == "out of probes" and probes == 12
    move, verdict, probes = runs[30.0]
    assert shown_as(move, "11") and move > 10 and verdict == "out of probes"


def three_and_ten(lec):
    runs = trials(lec)
    assert runs[3.0][1:] == ("found", 9) and runs[10.0][1:] == ("found", 3)
    assert shown_as(runs[10.0][0], "3.7") and shown_as(runs[10.0][0] / 10, "0.37")


def exercise_3_eigenvalues(lec):
    assert np.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).tolist() == [1.0, 3.0]


def both_agree(lec):
    lines = lec.stdout("total = df_dx(p_t)").splitlines()
    by_formula, direct = (float(line.rsplit(" ", 1)[1]) for line in lines)
    assert abs(by_formula - direct) < 1e-8, (by_formula, direct)


def linear_error_is_quadratic(lec):
    q, step = np.array([1.5, 0.3]), np.array([0.01, -0.02])
    errors = [
        np.abs(polar(q + s) - polar(q) - polar_jacobian(q) @ s).max() for s in (step, step / 2)
    ]
    assert about(errors[0] / errors[1], 4, 1.1), errors


#: The lecture's Jacobian of h at its four flat points, read from the kernel.
FLAT_JACOBIANS = (
    "[jacobian_h(np.array(p, float)).tolist() for p in [(1, 1), (1, -1), (-1, 1), (-1, -1)]]"
)


def four_flat_points(lec):
    assert lec.value(FLAT_JACOBIANS) == [[0.0, 0.0]] * 4


def kinds_of_flat_points(lec):
    text = lec.stdout("eigenvalues = np.linalg.eigvalsh(hessian_h(")
    for point, kind in (
        ("(1, 1)", "saddle"),
        ("(1, -1)", "minimum"),
        ("(-1, 1)", "maximum"),
        ("(-1, -1)", "saddle"),
    ):
        assert re.search(re.escape(point) + r": eigenvalues .*, a " + kind, text), (point, text)


# ---------------------------------------------------------------------------- the table

CLAIMS: list[Claim] = [
    Claim(
        "Both agree: differentiate the composed function directly or add up the partial "
        "contributions, you get the same rate.",
        both_agree,
    ),
    Claim("the error shrinks like the square of the step", linear_error_is_quadratic),
    Claim(
        "has $J = [3x^2 - 3,\\ -3y^2 + 3]$, zero at the four points $(\\pm 1, \\pm 1)$",
        four_flat_points,
        values=(FLAT_JACOBIANS,),
    ),
    Claim(
        "the minimum at $(1, -1)$ in a dark valley, the maximum at $(-1, 1)$ on a light hill, and "
        "the saddles at $(1, 1)$ and $(-1, -1)$, where the contours cross",
        kinds_of_flat_points,
    ),
    Claim(
        "where `i` is the position of the input that moves (0 for $x$, 1 for $y$)",
        input_positions,
        values=(
            "[partial_derivative(f, p0, 0), df_dx(p0)]",
            "[partial_derivative(f, p0, 1), float(df_dy(p0))]",
        ),
    ),
    Claim(
        "The prediction is $2 \\cdot 3 + 1 = 7$, one below the target, so every derivative is "
        "negative: raising $w$, $b$ or the input $x$ would each bring the prediction closer to 8.",
        one_below_the_target,
        values=("residual", "list(by_hand.values())", "w * x_example + b", "y_example"),
    ),
    Claim(
        "$\\partial L/\\partial w$ carries the factor $x = 3$, $\\partial L/\\partial x$ the factor"
        " $w = 2$",
        factors,
        values=("list(by_hand.values())",),
    ),
    Claim(
        "The height falls by about 0.04 for every 0.05 of $t$, a rate of about $-0.8$ per radian.",
        walk_falls,
        values=("total",),
    ),
    Claim("($x$ shrinks while $y$ grows)", x_shrinks_y_grows, values=("velocity",)),
    Claim(
        "Of all 360 directions, the fastest increase lies (to the nearest degree) along $J$, at "
        "the rate $|J|$.",
        all_360_directions,
        values=("len(angles)", "float(rates[best])", "float(np.linalg.norm(J))"),
    ),
    Claim(
        "The gradient is one line of NumPy for all 500 partial derivatives at once. The numerical "
        "Jacobian above needs two evaluations of $L$ per input, 1000 in all",
        five_hundred_at_once,
        values=("list(grad_mse.shape)", "list(X.shape)"),
    ),
    Claim(
        "All 500 partial derivatives agree with the central differences to about $10^{-10}$.",
        five_hundred_agree,
        values=("float(many_gap)",),
    ),
    Claim(
        "The linear approximation is off by about $3 \\times 10^{-4}$ for a step of size $0.02$",
        linear_off_by,
    ),
    Claim(
        "For the polar map the area ratio is exactly $r$ for a square of any size",
        polar_ratio_is_exact,
    ),
    Claim(
        "At $(1, 0.3)$, where $\\det J = 4.36$, the readout's area ratio is 4.526 for a square of "
        "side 0.5, 4.420 for side 0.3 and 4.367 for side 0.1: as the square shrinks, the two "
        "shapes agree and the ratio tends to $|\\det J|$.",
        shrinking_square,
    ),
    Claim(
        "the readout's $|J|$ shrinks to 0 at each, and near them the arrow is drawn at a fixed "
        "minimum length so that its direction still shows",
        flat_spots_vanish,
    ),
    Claim(
        "Around $(1, -1)$ the arrows all point *away* from it (uphill everywhere around it); "
        "around $(-1, 1)$ they all point *towards* it; around $(1, 1)$ and $(-1, -1)$ they point "
        "towards the flat spot along one axis and away from it along the other.",
        directions_around,
    ),
    Claim(
        "You have 12 probes: too few to search blindly (a 4 × 3 grid of probes over the 10 × 10 "
        "box puts them 2.5 or more units apart, wider than a pit)",
        probes_and_box,
        values=("game.budget",),
    ),
    Claim(
        '0.05 units on the made-up landscapes, 1 to 2 % of their depth, so "close enough" means '
        "really at the bottom; and 3 m on the volcano",
        tolerances,
    ),
    Claim(
        "The volcano's heights are measured on a grid with points 10 m apart; between grid points "
        "the game interpolates bilinearly (inside each 10 m cell the height changes linearly "
        "along $x$ and along $y$), and its Jacobian comes from central differences with a step of"
        " 5 m, half the grid spacing.",
        volcano_grid,
    ),
    Claim(
        "5 m on each side spans the neighbouring cells, like a central difference of the grid "
        "itself",
        volcano_grid,
    ),
    Claim(
        "(shown as metres below the 195 m summit), so the goal is the lowest ground on the map, at"
        " the volcano's foot; the crater at the top is a real local minimum, 148 m high",
        volcano_heights,
    ),
    Claim("every step moves a point by 10 times $-\\nabla z$", step_of_ten, values=("step_size",)),
    Claim(
        "With a step size of 1 the moves are short, well under one unit, and the 12 probes run "
        "out on the way down; with 30 the first move is about 11 units, longer than the box, and "
        "the probes bounce between corners.",
        small_and_large_steps,
    ),
    Claim(
        "A step size of 3 finds the bottom in 9 probes and 10 in 3: on this bowl $|J|$ is about "
        "0.37 at the starting corner, so a step size of 10 moves about 3.7 units at first",
        three_and_ten,
    ),
    Claim("(eigenvalues 1 and 3): a minimum", exercise_3_eigenvalues),
]

DEFINITIONS: list[Definition] = [
    Definition(
        "Find points where the arrow shrinks to its shortest (the readout's $|J|$ goes to 0)",
        "J = 0 is what a stationary point is",
    ),
    Definition(
        "a yellow square of side 0.3 centred at", "the square the figure's cell chooses (size=0.3)"
    ),
    Definition(
        'Cambridge University Press, 2020, chapter 5, "Vector Calculus", sections 5.2 to 5.4',
        "a citation: year, chapter and sections",
    ),
    Definition(
        '*Calculus Volume 3*, OpenStax, 2016, chapter 4, "Differentiation of Functions of Several'
        ' Variables"',
        "a citation: volume, year and chapter",
    ),
    Definition(
        "*Numerical Optimization*, 2nd edition, Springer, 2006, chapter 8",
        "a citation: edition, year and chapter",
    ),
    Definition("*NeurIPS* 2014", "a citation: the year"),
]

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.multivariate.partial_derivative": "numeric_x = (f(p0 + h * e_x) - f(p0 - h * e_x))",
    "mmlcalc.multivariate.jacobian": "J[i] = (f(p + h * e_i) - f(p - h * e_i)) / (2 * h)",
    "mmlcalc.multivariate.hessian": "corners = f(p + E[i] + E[j]) - f(p + E[i] - E[j])",
    "mmlcalc.multivariate.classify_stationary_point": "eigenvalues = np.linalg.eigvalsh(hessian_h(",
}
