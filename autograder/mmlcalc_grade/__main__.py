"""``python -m mmlcalc_grade`` is ``mmlcalc-grade``."""

import sys

from .cli import main

sys.exit(main())
