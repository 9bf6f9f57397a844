"""Week 2's claims table: every number, sign and comparison the lecture's prose states."""

from __future__ import annotations

from lecture_claims import Claim, Definition

NOTEBOOK = "02_multivariate_calculus.ipynb"

CLAIMS: list[Claim] = []

DEFINITIONS: list[Definition] = []

#: Each call into mmlcalc's numerics, and a fragment of the earlier cell that writes its
#: formula (see tests/test_formula_first.py).
FORMULA_FIRST: dict[str, str] = {
    "mmlcalc.multivariate.partial_derivative": "numeric_x = (f(p0 + h * e_x) - f(p0 - h * e_x)) / (2 * h)",
    "mmlcalc.multivariate.jacobian": "J[i] = (f(p + h * e_i) - f(p - h * e_i)) / (2 * h)",
    "mmlcalc.multivariate.hessian": "corners = f(p + E[i] + E[j]) - f(p + E[i] - E[j])",
    "mmlcalc.multivariate.classify_stationary_point": "eigenvalues = np.linalg.eigvalsh(hessian_h(",
}
