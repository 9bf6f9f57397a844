"""The course's figures: one style, one colour-blind-safe palette, and ``plot_*`` helpers.

``mmlcalc.plotting.base`` holds the style, the palette and the scene pattern;
each week's figures live in a submodule named like the week's numerics module
(``mmlcalc.plotting.calculus`` for week 1). Everything is re-exported here, so
``from mmlcalc.plotting import plot_secant`` works.
"""

from mmlcalc.plotting.base import *  # noqa: F403
from mmlcalc.plotting.base import __all__ as _base_all
from mmlcalc.plotting.calculus import *  # noqa: F403
from mmlcalc.plotting.calculus import __all__ as _calculus_all

__all__ = [*_base_all, *_calculus_all]
