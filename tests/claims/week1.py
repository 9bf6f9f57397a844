"""Week 1's claims table: every number, sign and comparison the lecture's prose states."""

from __future__ import annotations

from lecture_claims import Claim, Definition

NOTEBOOK = "01_slopes_and_derivatives.ipynb"

CLAIMS: list[Claim] = [
    Claim(
        "falls by 6.5 °C for every kilometre you climb",
        lambda lec: lec.value("rise / run") == -6.5,
        values=("rise / run",),
    ),
]

DEFINITIONS: list[Definition] = []

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.calculus.secant_slope": "rise = temperature(x1) - temperature(x0)",
    "mmlcalc.calculus.forward_difference": "estimate = (cube(x + dx) - cube(x)) / dx",
    "mmlcalc.calculus.default_step": "return eps ** (1 / 3) * max(1.0, abs(x))",
    "mmlcalc.calculus.derivative": "return (f(x + h) - f(x - h)) / (2 * h)",
}
