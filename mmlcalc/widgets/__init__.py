"""Explorers (a course figure wrapped in sliders) and multiple-choice checks.

``mmlcalc.widgets.base`` holds the explorer pattern (:class:`Explorer`) and
:class:`MultipleChoice`; each week's explorers live in a submodule named like the
week's numerics module (``mmlcalc.widgets.calculus`` for week 1). Everything is
re-exported here, so ``from mmlcalc.widgets import secant_explorer`` works.
"""

from mmlcalc.widgets.base import *  # noqa: F403
from mmlcalc.widgets.base import __all__ as _base_all
from mmlcalc.widgets.calculus import *  # noqa: F403
from mmlcalc.widgets.calculus import __all__ as _calculus_all

__all__ = [*_base_all, *_calculus_all]
