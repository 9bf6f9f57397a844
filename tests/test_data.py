"""The shipped data sets load with the right shapes, values and provenance."""

from __future__ import annotations

import numpy as np
import pytest

from mmlcalc import data


def test_galton_families_columns_and_known_values():
    galton = data.load_galton_families()
    assert len(galton) == 934
    assert set(galton.columns) == {
        "family",
        "father",
        "mother",
        "midparentHeight",
        "children",
        "childNum",
        "gender",
        "childHeight",
    }
    # first family of Galton's notebook: father 78.5 in, mother 67 in, mid-parent 75.43 in
    assert galton["father"][0] == 78.5 and galton["mother"][0] == 67.0
    assert galton["midparentHeight"][0] == pytest.approx(75.43)
    # the mid-parent height is the mean of the father and 1.08 times the mother
    expected = (galton["father"] + 1.08 * galton["mother"]) / 2
    assert np.allclose(galton["midparentHeight"], expected, atol=0.01)
    assert set(galton["gender"]) == {"male", "female"}
    assert galton.units["childHeight"] == "in"
    assert "Galton" in galton.source and "Hanley" in galton.source


def test_volcano_grid():
    volcano = data.load_volcano()
    assert volcano.heights.shape == (87, 61)
    assert volcano.heights.min() == 94.0 and volcano.heights.max() == 195.0
    assert volcano.easting[-1] == 600.0 and volcano.northing[-1] == 860.0
    assert "Ihaka" in volcano.source


def test_cars_and_puromycin():
    cars = data.load_cars()
    assert len(cars) == 50 and cars["speed"].dtype == float
    assert (cars["speed"][0], cars["dist"][0]) == (4.0, 2.0)
    puromycin = data.load_puromycin()
    assert len(puromycin) == 23
    assert set(puromycin["state"]) == {"treated", "untreated"}


def test_unknown_column_names_the_columns():
    with pytest.raises(KeyError, match="its columns are"):
        data.load_cars()["speeed"]


def test_missing_file_names_the_file_and_how_to_restore_it():
    with pytest.raises(FileNotFoundError) as error:
        data.data_file("GaltonFamiles.csv")
    message = str(error.value)
    assert "GaltonFamiles.csv" in message and "git checkout" in message


def test_every_shipped_file_is_in_sources():
    sources = data.data_file("SOURCES.md").read_text()
    for name in ("GaltonFamilies.csv", "volcano.csv", "Puromycin.csv", "cars.csv"):
        assert name in sources
        assert data.data_file(name).is_file()
