"""``python -m mmlcalc.grading`` is ``mmlcalc-grade``."""

import sys

from .cli import main

sys.exit(main())
