"""The course's figures: one style, one colour-blind-safe palette, and ``plot_*`` helpers.

``mmlcalc.plotting.base`` holds the style, the palette and the scene pattern;
each week's figures live in a submodule named like the week's numerics module:

=====================================  ======
``mmlcalc.plotting.calculus``          week 1
``mmlcalc.plotting.multivariate``      week 2
``mmlcalc.plotting.neural``            week 3
``mmlcalc.plotting.taylor``            week 4
``mmlcalc.plotting.optimisation``      week 5
``mmlcalc.plotting.regression``        week 6
=====================================  ======

Everything is re-exported here, so ``from mmlcalc.plotting import plot_secant``
works (``tests/test_package.py`` checks that no two weeks export the same name).
"""

from mmlcalc.plotting import base, calculus, multivariate, neural, optimisation, regression, taylor
from mmlcalc.plotting.base import *  # noqa: F403
from mmlcalc.plotting.calculus import *  # noqa: F403
from mmlcalc.plotting.multivariate import *  # noqa: F403
from mmlcalc.plotting.neural import *  # noqa: F403
from mmlcalc.plotting.optimisation import *  # noqa: F403
from mmlcalc.plotting.regression import *  # noqa: F403
from mmlcalc.plotting.taylor import *  # noqa: F403

WEEK_MODULES = (calculus, multivariate, neural, taylor, optimisation, regression)
__all__ = [name for module in (base, *WEEK_MODULES) for name in module.__all__]
