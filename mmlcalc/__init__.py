"""mmlcalc: the helper package of the course "Multivariate calculus for machine learning".

One module per week's topic, plus shared helpers:

========================  ====================================================
``mmlcalc.calculus``      week 1: secant slopes and finite-difference derivatives
``mmlcalc.multivariate``  week 2: partial derivatives, gradient, Jacobian, Hessian
``mmlcalc.sandpit``       week 2: the sandpit game's landscapes and rules
``mmlcalc.neural``        week 3: activations, a small network, backpropagation, training
``mmlcalc.taylor``        week 4: Taylor coefficients and polynomials, series, approximations
``mmlcalc.optimisation``  week 5: Newton-Raphson, gradient descent, Lagrange multipliers
``mmlcalc.regression``    week 6: χ², line fits, a Gaussian model, steepest descent on χ²
``mmlcalc.checks``        feedback for check cells and assignment tests
``mmlcalc.questions``     the check cells' question banks: ``check``, ``choose``, ``explain``
``mmlcalc.data``          the real data sets shipped with the package, with sources
``mmlcalc.plotting``      the course style, palette and ``plot_*`` figure helpers, by week
``mmlcalc.widgets``       the explorer pattern and the explorers of every week
========================  ====================================================

Importing the package, or a numerics module, prints nothing, draws nothing and
sets no matplotlib backend; only ``plotting`` and ``widgets`` import matplotlib
and ipywidgets.

This package is what learners import. The instructors' class grader, ``mmlcalc-grade``,
is a separate package, ``mmlcalc_grade`` (in ``autograder/``): it imports ``mmlcalc``,
and nothing here imports it.
"""

__version__ = "0.1.0"
