"""Checking the arrays the course's functions are given: one place for the messages.

Private to the package: ``multivariate``, ``optimisation`` and ``regression`` call
:func:`as_vector` on their points, starts and data so that a wrong argument gets the
same clear message everywhere.
"""

from __future__ import annotations

import numpy as np


def as_vector(values, name: str, *, size: str = "n", hint: str = "", show: bool = True):
    """``values`` as a non-empty, finite 1-D float array, or a TypeError/ValueError naming ``name``.

    ``size`` is the letter for its length in messages ("n" for a point, "m" for data);
    ``hint`` is added to the message about the shape; ``show=False`` leaves the values
    out of the message about non-finite numbers (long data). Always a new array.

    >>> as_vector([1, 2], "x")
    array([1., 2.])
    >>> as_vector([[1.0]], "x")
    Traceback (most recent call last):
    ...
    ValueError: x must be a 1-D array of shape (n,) with n >= 1, got shape (1, 1)
    >>> as_vector([1.0, float("nan")], "y", size="m", show=False)
    Traceback (most recent call last):
    ...
    ValueError: y must be finite numbers (no nan or inf)
    """
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be numbers, shape ({size},), got {type(values).__name__}"
        ) from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"{name} must be a 1-D array of shape ({size},) with {size} >= 1, "
            f"got shape {array.shape}{hint}"
        )
    if not np.all(np.isfinite(array)):
        if show:
            raise ValueError(f"{name} must be finite, got {array}")
        raise ValueError(f"{name} must be finite numbers (no nan or inf)")
    return array
