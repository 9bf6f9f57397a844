"""The real data sets of the course, shipped as package data with their provenance.

Each ``load_*`` function reads a CSV stored next to this file (see ``SOURCES.md``)
and returns a :class:`DataSet`: the columns as NumPy arrays, the units, and where
the numbers come from. Nothing is downloaded: the files travel with the package.

Examples
--------
>>> cars = load_cars()
>>> cars["speed"].shape, cars.units["dist"]
((50,), 'ft')
>>> load_volcano().heights.shape
(87, 61)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

__all__ = [
    "DataSet",
    "Volcano",
    "data_file",
    "load_cars",
    "load_galton_families",
    "load_puromycin",
    "load_volcano",
]


@dataclass(frozen=True)
class DataSet:
    """A table of named columns with units and provenance.

    Index it by column name: ``data["childHeight"]`` is a NumPy array.
    """

    name: str
    columns: dict[str, np.ndarray]
    units: dict[str, str]
    source: str
    description: str = ""

    def __getitem__(self, column: str) -> np.ndarray:
        try:
            return self.columns[column]
        except KeyError:
            raise KeyError(
                f"{self.name} has no column {column!r}; its columns are {list(self.columns)}"
            ) from None

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass(frozen=True)
class Volcano:
    """Heights of Maunga Whau on a regular grid.

    ``heights[i, j]`` is the height in metres at ``northing[i]``, ``easting[j]``;
    rows run north to south and columns west to east, ``spacing`` metres apart.
    """

    heights: np.ndarray
    spacing: float
    source: str
    easting: np.ndarray = field(repr=False)
    northing: np.ndarray = field(repr=False)


def data_file(filename: str):
    """Path of a shipped data file; a clear error names it and says how to restore it."""
    path = resources.files(__name__) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"the data file {filename!r} is missing from {resources.files(__name__)}. "
            "Restore it with `git checkout -- mmlcalc/data/" + filename + "` in a clone of the "
            "course, or reinstall the package (`pip install --force-reinstall .`)."
        )
    return path


def _read_rows(filename: str) -> tuple[list[str], list[list[str]]]:
    with data_file(filename).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    # the first column is R's row name: drop it
    return header[1:], [row[1:] for row in body]


def _table(filename: str, text_columns: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    header, body = _read_rows(filename)
    columns = {}
    for index, name in enumerate(header):
        values = [row[index] for row in body]
        columns[name] = np.array(values) if name in text_columns else np.array(values, dtype=float)
    return columns


_SOURCES = {
    "galton": (
        "Galton, F. (1886) 'Regression towards mediocrity in hereditary stature', J. "
        "Anthropological Institute 15, 246-263; transcribed by Hanley, J. A. (2004), The "
        "American Statistician 58, 237-243 (R package HistData)."
    ),
    "volcano": (
        "Maunga Whau (Mt Eden), Auckland, digitised from a topographic map by Ross Ihaka "
        "(R datasets); not to be regarded as accurate."
    ),
    "puromycin": (
        "Bates, D. M. and Watts, D. G. (1988) Nonlinear Regression Analysis and Its "
        "Applications, Wiley, Appendix A1.3; Treloar (1974)."
    ),
    "cars": "Ezekiel, M. (1930) Methods of Correlation Analysis, Wiley (R datasets).",
}


def load_galton_families() -> DataSet:
    """Galton's family heights: 934 adult children of 205 families, with both parents.

    Columns: ``family`` (text), ``father``, ``mother``, ``midparentHeight`` (inches),
    ``children`` (family size), ``childNum``, ``gender`` (text), ``childHeight`` (inches).

    Examples
    --------
    >>> galton = load_galton_families()
    >>> len(galton), round(float(galton["childHeight"].mean()), 2)
    (934, 66.75)
    """
    columns = _table("GaltonFamilies.csv", text_columns=("family", "gender"))
    units = {name: "in" for name in ("father", "mother", "midparentHeight", "childHeight")}
    return DataSet(
        "GaltonFamilies",
        columns,
        units,
        _SOURCES["galton"],
        "Heights of adult children and their parents, measured by Francis Galton.",
    )


def load_volcano() -> Volcano:
    """The Maunga Whau volcano: an 87 × 61 grid of heights (m), 10 m apart.

    Examples
    --------
    >>> v = load_volcano()
    >>> float(v.heights.max()), v.spacing
    (195.0, 10.0)
    """
    _, body = _read_rows("volcano.csv")
    heights = np.array(body, dtype=float)
    spacing = 10.0
    rows, cols = heights.shape
    return Volcano(
        heights,
        spacing,
        _SOURCES["volcano"],
        easting=np.arange(cols) * spacing,
        northing=np.arange(rows) * spacing,
    )


def load_puromycin() -> DataSet:
    """Puromycin reaction rates: ``conc`` (ppm), ``rate`` (counts/min/min), ``state`` (text).

    Examples
    --------
    >>> len(load_puromycin())
    23
    """
    columns = _table("Puromycin.csv", text_columns=("state",))
    return DataSet(
        "Puromycin",
        columns,
        {"conc": "ppm", "rate": "counts/min/min"},
        _SOURCES["puromycin"],
        "Enzyme reaction rate against substrate concentration.",
    )


def load_cars() -> DataSet:
    """Speed (mph) and stopping distance (ft) of 50 cars in the 1920s.

    Examples
    --------
    >>> float(load_cars()["dist"].max())
    120.0
    """
    columns = _table("cars.csv")
    return DataSet(
        "cars",
        columns,
        {"speed": "mph", "dist": "ft"},
        _SOURCES["cars"],
        "Stopping distances of cars at different speeds.",
    )
