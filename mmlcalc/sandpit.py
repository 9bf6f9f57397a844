"""The sandpit game: find the deepest point of an unseen landscape with a few probes.

Taught in ``notebooks/02_multivariate_calculus.ipynb``, section 6, "The sandpit";
the widget that plays it is :func:`mmlcalc.widgets.multivariate.sandpit_explorer`.

A landscape is the height of the ground, ``z = height(x, y)``, over a rectangle.
Each probe at (x, y) reports the *depth* there, ``-height`` (how far below the rim
the ground is), and, in the gradient mode, the Jacobian row vector of the height,
``J = [∂z/∂x, ∂z/∂y]``, which points uphill: the way down is ``-J``.

The game logic is the plain class :class:`Sandpit` (NumPy only, no widgets), so it
can be tested, and played, without a notebook.

Landscapes (:data:`LANDSCAPES`), each placed by a seeded ``np.random.default_rng``:

* ``"bowl"``: one smooth, tilted quadratic bowl;
* ``"local minima"``: four Gaussian pits of different depths;
* ``"narrow well"``: a wide, shallow dip and, elsewhere, a narrow deep well;
* ``"noisy terrain"``: a shallow bowl under seeded ripples (a sum of random waves);
* ``"volcano"``: the real Maunga Whau (Mt Eden, Auckland) height grid.

Why the volcano's depth is its negated height: the game asks for the lowest ground
on the map, which is the foot of the volcano at its south-east corner (94 m). The
crater at the summit is a genuine local minimum of the height, 148 m, so a learner
who follows the slope down into the crater is stuck there: the real landscape
supplies the trap. (Playing "find the crater floor" instead would need the map
cut down to the summit area.) Depths are reported as metres below the summit
(195 m), so they are positive and differ from ``-height`` only by a constant,
which changes neither the gradient nor where the deepest point is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "LANDSCAPES",
    "VERDICTS",
    "Landscape",
    "Probe",
    "Sandpit",
    "make_landscape",
]

#: The kinds of landscape :func:`make_landscape` builds.
LANDSCAPES = ("bowl", "local minima", "narrow well", "noisy terrain", "volcano")

#: What :attr:`Sandpit.verdict` can say.
VERDICTS = ("playing", "found", "stuck", "out of probes")


@dataclass(frozen=True)
class Landscape:
    """A hidden landscape: the ground height over a rectangle and where its low points are.

    Attributes
    ----------
    name : str
    height : callable
        ``height(x, y)`` with x, y arrays of one broadcast shape ``(...)``; returns ``(...)``.
    gradient : callable
        ``gradient(x, y)`` returns the Jacobian row ``[∂z/∂x, ∂z/∂y]`` at each point,
        shape ``(..., 2)``.
    bounds : ((float, float), (float, float))
        ``((x_min, x_max), (y_min, y_max))``.
    deepest : numpy.ndarray, shape (3,)
        ``(x, y, height)`` of the lowest point.
    local_minima : numpy.ndarray, shape (k, 3)
        ``(x, y, height)`` of the *other* local minima, the traps.
    tolerance : float
        A probe within ``tolerance`` of the lowest height has found the deepest point.
    depth_offset : float
        Depth reported = ``depth_offset - height`` (0 except for the volcano).
    unit : str
        Unit of x, y and height (``""`` for the made-up landscapes).
    description : str
    """

    name: str
    height: Callable
    gradient: Callable
    bounds: tuple
    deepest: np.ndarray
    local_minima: np.ndarray
    tolerance: float
    depth_offset: float = 0.0
    unit: str = ""
    description: str = ""
    catch_radius: float = field(default=0.0)

    def depth(self, x, y):
        """Depth below the rim (or the volcano's summit): ``depth_offset - height(x, y)``."""
        return self.depth_offset - self.height(x, y)

    def grid(self, n: int = 200):
        """The height on an ``n × n`` grid: ``(x, y, z)``, each of shape ``(n, n)``."""
        (x0, x1), (y0, y1) = self.bounds
        x, y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return x, y, self.height(x, y)


# --- analytic landscapes ------------------------------------------------------------

_BOX = ((0.0, 10.0), (0.0, 10.0))


def _pits(
    centres: np.ndarray,
    depths: np.ndarray,
    widths: np.ndarray,
    bowl: float = 0.0,
    bowl_centre=(5.0, 5.0),
):
    """Height = a shallow bowl + Σ Gaussian pits, and its exact gradient.

    z(p) = bowl · |p − b|² − Σ_k d_k exp(−|p − c_k|² / (2 s_k²)), so
    ∇z = 2 bowl (p − b) + Σ_k d_k exp(…) (p − c_k) / s_k².
    """

    def height(x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        z = bowl * ((x - bowl_centre[0]) ** 2 + (y - bowl_centre[1]) ** 2)
        for (cx, cy), d, s in zip(centres, depths, widths, strict=True):
            z = z - d * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s**2))
        return z

    def gradient(x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        gx = 2 * bowl * (x - bowl_centre[0])
        gy = 2 * bowl * (y - bowl_centre[1])
        for (cx, cy), d, s in zip(centres, depths, widths, strict=True):
            e = d * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s**2)) / s**2
            gx = gx + e * (x - cx)
            gy = gy + e * (y - cy)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    return height, gradient


def _ripples(rng: np.random.Generator, count: int = 12, amplitude: float = 0.12):
    """A seeded sum of plane waves a_k sin(k·p + φ_k): the "noise" of the noisy terrain.

    Wave numbers up to 2.5 per unit give bumps about 1.3 units wide or more, so
    a probe grid of spacing 1 can still see them; the amplitude 0.12 per wave (about
    0.3 in total, root-mean-square) makes many small pits on a bowl 2.5 deep.
    """
    k = rng.uniform(-2.5, 2.5, size=(count, 2))
    phase = rng.uniform(0, 2 * np.pi, size=count)
    a = amplitude * rng.uniform(0.5, 1.0, size=count)

    def height(x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        return sum(a[i] * np.sin(k[i, 0] * x + k[i, 1] * y + phase[i]) for i in range(count))

    def gradient(x, y):
        x, y = np.asarray(x, float), np.asarray(y, float)
        c = [a[i] * np.cos(k[i, 0] * x + k[i, 1] * y + phase[i]) for i in range(count)]
        gx = sum(c[i] * k[i, 0] for i in range(count))
        gy = sum(c[i] * k[i, 1] for i in range(count))
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    return height, gradient


def _grid_minima(height: Callable, bounds, n: int = 401):
    """The global minimum and the interior local minima of ``height`` on an n × n grid.

    A grid point is a local minimum when it is strictly lower than its 8 neighbours.
    With n = 401 on a 10 × 10 box the spacing is 0.025: the made-up landscapes curve
    on scales of 0.3 or more, so the grid minimum is within about 1e-3 in height of
    the true one, far inside the game's tolerance.
    """
    (x0, x1), (y0, y1) = bounds
    x, y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    z = height(x, y)
    best = np.unravel_index(np.argmin(z), z.shape)
    deepest = np.array([x[best], y[best], z[best]])
    centre = z[1:-1, 1:-1]
    lower = np.ones_like(centre, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower &= centre < z[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
    i, j = np.nonzero(lower)
    minima = np.column_stack([x[1:-1, 1:-1][i, j], y[1:-1, 1:-1][i, j], centre[i, j]])
    return deepest, minima


def _traps(deepest: np.ndarray, minima: np.ndarray, tolerance: float) -> np.ndarray:
    """The local minima that are not the deepest point: higher than it by more than tolerance."""
    keep = minima[:, 2] > deepest[2] + tolerance
    traps = minima[keep]
    return traps[np.argsort(traps[:, 2])] if traps.size else np.zeros((0, 3))


def _bowl(rng):
    centre = rng.uniform(2.5, 7.5, size=2)
    # A tilted bowl z = qᵀ A q − 4 with q = p − centre and A positive definite
    # (eigenvalues about 0.03 and 0.06): at most about 10 units from the centre the
    # bowl rises to 2, so the whole box stays a pit about 4 deep in the middle.
    a = np.array([[0.05, 0.015], [0.015, 0.04]])

    def height(x, y):
        qx, qy = np.asarray(x, float) - centre[0], np.asarray(y, float) - centre[1]
        return a[0, 0] * qx**2 + 2 * a[0, 1] * qx * qy + a[1, 1] * qy**2 - 4.0

    def gradient(x, y):
        qx, qy = np.asarray(x, float) - centre[0], np.asarray(y, float) - centre[1]
        gx = 2 * (a[0, 0] * qx + a[0, 1] * qy)
        gy = 2 * (a[0, 1] * qx + a[1, 1] * qy)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    deepest = np.array([centre[0], centre[1], -4.0])
    return height, gradient, deepest, np.zeros((0, 3)), "one smooth, tilted bowl"


def _well_centres(rng, count: int, spacing: float) -> np.ndarray:
    """``count`` points in [1.5, 8.5]² at least ``spacing`` apart (rejection sampling)."""
    centres = []
    while len(centres) < count:
        p = rng.uniform(1.5, 8.5, size=2)
        if all(np.hypot(*(p - c)) >= spacing for c in centres):
            centres.append(p)
    return np.array(centres)


def _local_minima(rng):
    centres = _well_centres(rng, 4, spacing=2.8)
    # Depths 3.0, 2.4, 1.9, 1.5: the deepest pit beats the next by 0.6, well above
    # the tolerance 0.05; widths 0.9 to 1.3 keep the pits apart at spacing 2.8.
    depths = np.array([3.0, 2.4, 1.9, 1.5])
    widths = rng.uniform(0.9, 1.3, size=4)
    height, gradient = _pits(centres, depths, widths, bowl=0.004)
    return height, gradient, None, None, "four pits of different depths"


def _narrow_well(rng):
    centres = _well_centres(rng, 2, spacing=4.0)
    # A wide dip (depth 2, width 2.2) that every probe feels, and a narrow well
    # (depth 3.5, width 0.35) 4 units or more away that a probe only feels within
    # about 1 unit of it: following the slope leads into the wide dip.
    height, gradient = _pits(centres, np.array([2.0, 3.5]), np.array([2.2, 0.35]))
    return height, gradient, None, None, "a wide shallow dip and a narrow deep well"


def _noisy(rng):
    centre = rng.uniform(3.0, 7.0, size=2)
    base_h, base_g = _pits(centre[None, :], np.array([2.5]), np.array([2.5]), bowl=0.01)
    wave_h, wave_g = _ripples(rng)

    def height(x, y):
        return base_h(x, y) + wave_h(x, y)

    def gradient(x, y):
        return base_g(x, y) + wave_g(x, y)

    return height, gradient, None, None, "a shallow bowl under seeded ripples"


_TOLERANCE = 0.05  # height units of the made-up landscapes: 1 to 2 % of their depth


def make_landscape(kind: str = "bowl", seed: int = 0) -> Landscape:
    """Build the landscape ``kind``, with its hidden features placed by ``seed``.

    Parameters
    ----------
    kind : str
        One of :data:`LANDSCAPES`.
    seed : int
        Seed of ``np.random.default_rng``: the same seed gives the same landscape.
        (The volcano is real data and does not depend on it.)

    Returns
    -------
    Landscape

    Examples
    --------
    >>> bowl = make_landscape("bowl", seed=1)
    >>> x, y, z = bowl.deepest
    >>> float(bowl.height(x, y))
    -4.0
    >>> make_landscape("volcano").deepest[2]
    np.float64(94.0)
    """
    if kind not in LANDSCAPES:
        raise ValueError(f"unknown landscape {kind!r}: choose one of {', '.join(LANDSCAPES)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if kind == "volcano":
        return _volcano()
    rng = np.random.default_rng(seed)
    builders = {
        "bowl": _bowl,
        "local minima": _local_minima,
        "narrow well": _narrow_well,
        "noisy terrain": _noisy,
    }
    height, gradient, deepest, traps, description = builders[kind](rng)
    if deepest is None:
        deepest, minima = _grid_minima(height, _BOX)
        traps = _traps(deepest, minima, _TOLERANCE)
    return Landscape(
        kind,
        height,
        gradient,
        _BOX,
        deepest,
        traps,
        _TOLERANCE,
        description=description,
        catch_radius=0.5,
    )


# --- the volcano ------------------------------------------------------------------------

#: Finite-difference step of the volcano's gradient, in metres: half the grid spacing.
#: The bilinear interpolant is linear inside each 10 m cell and kinks at cell edges,
#: so a tiny step would return the slope of a single cell and jump at every edge;
#: a 5 m step averages neighbouring cells, like the grid's own central difference.
VOLCANO_STEP = 5.0


def _volcano() -> Landscape:
    from mmlcalc.data import load_volcano

    volcano = load_volcano()
    # Rows run north to south: flip them so that y (northing) grows northwards.
    grid = volcano.heights[::-1]
    spacing = volcano.spacing
    rows, cols = grid.shape
    x_max, y_max = (cols - 1) * spacing, (rows - 1) * spacing

    def height(x, y):
        """Bilinear interpolation of the grid at easting x and northing y (metres)."""
        x = np.clip(np.asarray(x, float), 0.0, x_max) / spacing
        y = np.clip(np.asarray(y, float), 0.0, y_max) / spacing
        j = np.minimum(np.floor(x).astype(int), cols - 2)
        i = np.minimum(np.floor(y).astype(int), rows - 2)
        tx, ty = x - j, y - i
        return (1 - ty) * ((1 - tx) * grid[i, j] + tx * grid[i, j + 1]) + ty * (
            (1 - tx) * grid[i + 1, j] + tx * grid[i + 1, j + 1]
        )

    def gradient(x, y):
        """Central differences of the interpolant, step VOLCANO_STEP (one-sided at edges)."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        h = VOLCANO_STEP
        xp, xm = np.minimum(x + h, x_max), np.maximum(x - h, 0.0)
        yp, ym = np.minimum(y + h, y_max), np.maximum(y - h, 0.0)
        gx = (height(xp, y) - height(xm, y)) / (xp - xm)
        gy = (height(x, yp) - height(x, ym)) / (yp - ym)
        return np.stack([gx, gy], axis=-1)

    low = np.unravel_index(np.argmin(grid), grid.shape)
    deepest = np.array([low[1] * spacing, low[0] * spacing, grid[low]])
    # The crater floor: the lowest grid point within 100 m of the summit area's
    # centre (row 29, column 33 of the file, 148 m).
    crater_row, crater_col = rows - 1 - 29, 33
    traps = np.array([[crater_col * spacing, crater_row * spacing, grid[crater_row, crater_col]]])
    return Landscape(
        "volcano",
        height,
        gradient,
        ((0.0, x_max), (0.0, y_max)),
        deepest,
        traps,
        # 3 m: the map is digitised from contours and "should not be regarded as
        # accurate", and the foot of the volcano is a plateau within 2 to 3 m of 94 m.
        tolerance=3.0,
        depth_offset=float(grid.max()),
        unit="m",
        description="Maunga Whau (Mt Eden, Auckland): 600 m × 860 m, heights 94 m to 195 m",
        catch_radius=40.0,  # the crater floor is about 80 m across
    )


# --- the game ------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One probe: where, the depth found, and the Jacobian row of the height, shape (2,)."""

    x: float
    y: float
    depth: float
    height: float
    jacobian: np.ndarray


class Sandpit:
    """The game: probe an unseen landscape, at most ``budget`` times, for its deepest point.

    Parameters
    ----------
    landscape : Landscape or str
        A landscape, or the name of one (built with ``seed``).
    budget : int
        How many probes the player has.
    mode : {"depth", "gradient"}
        What a probe shows: only the depth, or also the Jacobian arrow. (Every probe
        records the Jacobian; the mode says whether a display may show it.)
    seed : int
        Seed of the landscape when ``landscape`` is a name.

    Attributes
    ----------
    probes : list of Probe

    Examples
    --------
    >>> game = Sandpit("bowl", budget=3, seed=1)
    >>> x, y, _ = game.landscape.deepest
    >>> game.probe(1.0, 1.0).depth < 4.0
    True
    >>> game.verdict
    'playing'
    >>> round(game.probe(x, y).depth, 6), game.verdict
    (4.0, 'found')
    """

    MODES = ("depth", "gradient")

    def __init__(
        self,
        landscape: Landscape | str = "bowl",
        budget: int = 12,
        mode: str = "depth",
        seed: int = 0,
    ):
        if isinstance(landscape, str):
            landscape = make_landscape(landscape, seed)
        if not isinstance(landscape, Landscape):
            raise TypeError(
                f"landscape must be a Landscape or a name, got {type(landscape).__name__}"
            )
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
            raise TypeError(f"budget must be a whole number of probes, got {type(budget).__name__}")
        if budget < 1:
            raise ValueError(f"budget must be at least 1 probe, got {budget}")
        if mode not in self.MODES:
            raise ValueError(f"mode must be 'depth' or 'gradient', got {mode!r}")
        self.landscape, self.budget, self.mode = landscape, int(budget), mode
        self.probes: list[Probe] = []

    @property
    def probes_left(self) -> int:
        return self.budget - len(self.probes)

    @property
    def best(self) -> Probe | None:
        """The deepest probe so far (None before the first)."""
        return max(self.probes, key=lambda p: p.depth) if self.probes else None

    @property
    def found(self) -> bool:
        best = self.best
        return best is not None and (
            best.height <= self.landscape.deepest[2] + self.landscape.tolerance
        )

    @property
    def over(self) -> bool:
        return self.found or self.probes_left == 0

    def trap(self) -> np.ndarray | None:
        """The local minimum the best probe sits in, ``(x, y, height)``, or None.

        The best probe is in a trap when it lies within the landscape's catch radius
        of a local minimum and within the tolerance of that minimum's height.
        """
        best = self.best
        if best is None:
            return None
        for trap in self.landscape.local_minima:
            near = np.hypot(best.x - trap[0], best.y - trap[1]) <= self.landscape.catch_radius
            if near and best.height <= trap[2] + self.landscape.tolerance:
                return trap
        return None

    @property
    def verdict(self) -> str:
        """``"found"``, ``"stuck"`` (budget spent in a local minimum), ``"out of probes"``
        or ``"playing"``."""
        if self.found:
            return "found"
        if self.probes_left > 0:
            return "playing"
        return "stuck" if self.trap() is not None else "out of probes"

    def message(self) -> str:
        """The verdict in a sentence for the player."""
        lowest = self.landscape.deepest
        unit = f" {self.landscape.unit}" if self.landscape.unit else ""
        tol = f"{self.landscape.tolerance:g}{unit}"
        verdict = self.verdict
        if verdict == "found":
            return (
                f"Found it: the deepest point, within {tol} of the lowest ground, "
                f"with {len(self.probes)} of {self.budget} probes."
            )
        if verdict == "playing":
            return (
                f"{self.probes_left} of {self.budget} probes left. Goal: get within "
                f"{tol} of the deepest point."
            )
        x, y = lowest[0], lowest[1]
        where = f"The deepest point was at ({x:.3g}, {y:.3g}){unit}."
        if verdict == "stuck":
            return (
                "Out of probes, stuck in a local minimum: the ground rises all around your "
                "best probe, yet it is not the deepest point. " + where
            )
        return "Out of probes before reaching the deepest point. " + where

    def probe(self, x: float, y: float) -> Probe:
        """Probe at (x, y): record and return the depth and the Jacobian row of the height there."""
        if self.over:
            raise ValueError(f"the game is over ({self.verdict}): start a new one with reset()")
        (x0, x1), (y0, y1) = self.landscape.bounds
        x, y = float(x), float(y)
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            raise ValueError(
                f"({x:g}, {y:g}) is outside the sandpit [{x0:g}, {x1:g}] × [{y0:g}, {y1:g}]"
            )
        z = float(self.landscape.height(x, y))
        jac = np.asarray(self.landscape.gradient(x, y), dtype=float).reshape(2)
        probe = Probe(x, y, self.landscape.depth_offset - z, z, jac)
        self.probes.append(probe)
        return probe

    def reset(self) -> None:
        """Forget every probe: the same landscape, a full budget."""
        self.probes = []
