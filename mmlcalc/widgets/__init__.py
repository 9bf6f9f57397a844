"""Explorers (a course figure wrapped in sliders) and multiple-choice checks.

``mmlcalc.widgets.base`` holds the explorer pattern (:class:`Explorer`) and
:class:`MultipleChoice`; each week's explorers live in a submodule named like the
week's numerics module:

=====================================  ======
``mmlcalc.widgets.calculus``           week 1
``mmlcalc.widgets.multivariate``       week 2 (with the sandpit game)
``mmlcalc.widgets.neural``             week 3
``mmlcalc.widgets.taylor``             week 4
``mmlcalc.widgets.optimisation``       week 5
``mmlcalc.widgets.regression``         week 6
=====================================  ======

Everything is re-exported here, so ``from mmlcalc.widgets import secant_explorer``
works (``tests/test_package.py`` checks that no two weeks export the same name).
"""

from mmlcalc.widgets import base, calculus, multivariate, neural, optimisation, regression, taylor
from mmlcalc.widgets.base import *  # noqa: F403
from mmlcalc.widgets.calculus import *  # noqa: F403
from mmlcalc.widgets.multivariate import *  # noqa: F403
from mmlcalc.widgets.neural import *  # noqa: F403
from mmlcalc.widgets.optimisation import *  # noqa: F403
from mmlcalc.widgets.regression import *  # noqa: F403
from mmlcalc.widgets.taylor import *  # noqa: F403

WEEK_MODULES = (calculus, multivariate, neural, taylor, optimisation, regression)
__all__ = [name for module in (base, *WEEK_MODULES) for name in module.__all__]
