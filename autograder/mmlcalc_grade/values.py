"""The one value encoding: a Python value as JSON data, for calls and for records.

Two kinds of value cross a process boundary in the class grader, and both are written
here, with the same tags and the same limits:

* **calls** between the trusted test process and the learner's notebook process
  (:mod:`.remote`): arguments, results and the values a test reads from the notebook.
  The exporter and the importer are the two :class:`.remote.Endpoint` objects: an
  object that is not data (a function, an object of the learner's class) stays where
  it is and crosses as a numbered handle, which the other side wraps in a proxy.
* **records** of the check helpers (:mod:`.tester` writes them with :func:`record`:
  the learner's ``got``, the reference's ``expected`` and known ``mistakes``), which the
  grader's process rebuilds with :func:`rebuild` and compares with the real
  :mod:`mmlcalc.checks` helpers (:mod:`.compare`). A record keeps nothing alive: an
  object is described (its type's name, callable or not, a function's name) and
  rebuilt as an opaque stand-in; the grader imports nothing and runs nothing that a
  record names.

The data (JSON; the tag is under ``"$"``):

=====================================================  =====================================
``null``, ``true``, ``false``, a number, a string      None, a bool, an int of up to 64 bits,
                                                       a finite float, a str
a list                                                 a list
``{"$": "tuple", "items": [...]}``                     a tuple (a named tuple too)
``{"$": "dict", "items": [[key, value], ...]}``        a dict
``{"$": "int", "v": "123..."}``                        a bigger int
``{"$": "float", "v": "nan"}`` (``inf``, ``-inf``)     a float that is not finite
``{"$": "complex", "v": [re, im]}``                    a complex number
``{"$": "range", "v": [start, stop, step]}``           a range
``{"$": "nd", "dtype", "shape", "data" or "items"}``   a NumPy array (numbers and text as a
                                                       flat list; other elements as values)
``{"$": "np", "dtype": "<f8", "v": 0.5}``              a NumPy scalar (complex: ``[re, im]``)
``{"$": "module", "name": "numpy"}``                   a module, by name
``{"$": "obj", "type", "callable", "name"}``           an object not sent: with ``"id"`` a
                                                       handle, without one a description
                                                       (``"shape"`` and ``"dtype"`` for an
                                                       array too large to keep)
``{"$": "yours", "id": 3}``                            the receiver's own object (a handle
                                                       it exported)
=====================================================  =====================================

A subclass of a built-in type crosses as that type (``float.__float__`` of a float
subclass whose ``==`` lies), so what arrives is always built-in data or a stand-in.
Sizes are bounded: one value holds at most :data:`MAX_NUMBERS` numbers (array elements,
list items, dict entries; a record at most :data:`MAX_RECORDED` numbers and characters of
text), nests at most :data:`MAX_DEPTH` deep, and an int has at most :data:`MAX_INT_BITS`
bits. A value past a bound is the exporter's to handle (:meth:`Exporter.too_large`):
the test process refuses to send it (:class:`Unsendable`), the notebook's process keeps
a big array and sends a handle, a record describes it. Decoding accepts only this data
and raises :class:`NotData` for anything else.
"""

from __future__ import annotations

import functools
import math
import re
import types
from typing import Protocol

import numpy as np

#: Most numbers one value may carry in a call (array elements, list items, dict entries).
MAX_NUMBERS = 4_000_000
#: Most numbers and characters of text one recorded value keeps; past it, it is described.
MAX_RECORDED = 1_000_000
#: Nesting depth of lists, tuples and dicts sent as data; deeper ones are the exporter's.
MAX_DEPTH = 24
#: Largest int sent (bits): about 3,900 digits, under Python's limit for converting text.
MAX_INT_BITS = 13_000
#: Largest array rebuilt from data (bytes): an element type cannot make a small message huge.
MAX_ARRAY_BYTES = 2**28
#: Array element kinds sent as numbers or text; other arrays cross element by element.
_PLAIN_KINDS = "biufcU"


@functools.lru_cache(maxsize=256)
def _is_plain(dtype: np.dtype) -> bool:
    """Elements JSON holds as they are: numbers (not ``longdouble``) and text, no fields."""
    if dtype.kind not in _PLAIN_KINDS or dtype.fields is not None:
        return False
    return dtype.itemsize <= {"f": 8, "c": 16}.get(dtype.kind, dtype.itemsize)


class Unsendable(Exception):
    """A value that cannot cross (too large)."""


class NotData(Exception):
    """Data that is not a value of this encoding (an unknown tag, too deep, a bad shape)."""


class Proxy:
    """Base class of an object of another process seen here (:class:`.remote.RemoteObject`).

    It holds ``_type`` (the type's name there), ``_callable`` and ``__name__`` itself, so
    a record describes it without asking the other process anything.
    """

    __slots__ = ()


class Exporter(Protocol):
    """What :func:`encode` asks about a value that is not data, or that is too large."""

    def export(self, value) -> dict:
        """The data for an object that is not data: a handle or a description."""

    def too_large(self, value, why: str):
        """The data for a value past a bound, or raise :class:`Unsendable` with ``why``."""


class Importer(Protocol):
    """What :func:`decode` asks to rebuild what is not plain data."""

    def module(self, name: str):
        """The module named ``name`` (or what stands for it)."""

    def proxy(self, data: dict):
        """The value for an object that was not sent (``{"$": "obj", ...}``)."""

    def own(self, handle):
        """The receiver's own object with this handle (``{"$": "yours", ...}``)."""


# --- encoding ------------------------------------------------------------------------------


class _Budget:
    """What one value may still hold: numbers and (for records) characters of text."""

    def __init__(self, limit: int | None = None, text: bool = False):
        self.limit = MAX_NUMBERS if limit is None else limit
        self.text = text  # count characters of text as well
        self.numbers = 0

    def afford(self, count: int) -> bool:
        """Take ``count`` from the budget; False (nothing taken) if that is past the limit."""
        if self.numbers + count > self.limit:
            return False
        self.numbers += count
        return True

    def afford_text(self, count: int) -> bool:
        return not self.text or self.afford(count)

    def why(self) -> str:
        return f"the value holds more than {self.limit:,} numbers"


def _encode_array(array: np.ndarray, exporter, budget: _Budget, depth: int):
    array = np.ndarray.view(array, np.ndarray)
    cost = int(array.size)
    if budget.text and array.dtype.kind == "U":  # a record counts the characters of text
        cost *= max(1, array.dtype.itemsize // 4)
    if not budget.afford(cost):
        return exporter.too_large(array, budget.why())
    shape = [int(n) for n in array.shape]
    if _is_plain(array.dtype):
        flat = np.ndarray.ravel(array)
        if array.dtype.kind == "c":
            data = [[float(v.real), float(v.imag)] for v in flat.tolist()]
        else:
            data = np.ndarray.tolist(flat)
        return {"$": "nd", "dtype": array.dtype.str, "shape": shape, "data": data}
    items = [encode(item, exporter, budget, depth + 1) for item in array.ravel().tolist()]
    return {"$": "nd", "dtype": "object", "shape": shape, "items": items}


def encode(value, exporter: Exporter, budget: _Budget | None = None, depth: int = 0):
    """``value`` as JSON-able data; objects that are not data are the ``exporter``'s."""
    budget = budget or _Budget()
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is str:
        return value if budget.afford_text(len(value)) else exporter.too_large(value, "long text")
    if kind is int:
        if value.bit_length() <= 64:
            return value
        if value.bit_length() > MAX_INT_BITS:
            return exporter.too_large(value, f"a whole number of more than {MAX_INT_BITS} bits")
        return {"$": "int", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is complex:
        return {"$": "complex", "v": [value.real, value.imag]}
    if isinstance(value, np.generic) and _is_plain(value.dtype):
        cost = len(value) if budget.text and value.dtype.kind == "U" else 1
        if not budget.afford(cost):
            return exporter.too_large(value, budget.why())
        item = value.item()
        item = [item.real, item.imag] if value.dtype.kind == "c" else item
        return {"$": "np", "dtype": value.dtype.str, "v": item}
    for base in (bool, int, float, complex, str):  # a subclass crosses as its base type
        if isinstance(value, base) and not isinstance(value, np.generic):
            converted = {
                bool: bool, int: int.__index__, float: float.__float__, str: str.__str__,
            }.get(base)  # fmt: skip
            if converted is not None:
                return encode(converted(value), exporter, budget, depth)
            return encode(complex(complex.__complex__(value)), exporter, budget, depth)
    if isinstance(value, np.ndarray):
        return _encode_array(value, exporter, budget, depth)
    if depth < MAX_DEPTH:
        if isinstance(value, (list, tuple)):  # a named tuple too, as a plain tuple
            items = list(list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))
            if not budget.afford(len(items)):
                return exporter.too_large(value, budget.why())
            items = [encode(item, exporter, budget, depth + 1) for item in items]
            return items if isinstance(value, list) else {"$": "tuple", "items": items}
        if isinstance(value, dict):
            pairs = list(dict.items(value))
            if not budget.afford(len(pairs)):
                return exporter.too_large(value, budget.why())
            pairs = [
                [encode(k, exporter, budget, depth + 1), encode(v, exporter, budget, depth + 1)]
                for k, v in pairs
            ]
            return {"$": "dict", "items": pairs}
        if kind is range:
            return {"$": "range", "v": [value.start, value.stop, value.step]}
    if isinstance(value, types.ModuleType) and isinstance(getattr(value, "__name__", None), str):
        return {"$": "module", "name": value.__name__}
    return exporter.export(value)


# --- decoding ------------------------------------------------------------------------------


def decode(data, importer: Importer, depth: int = 0):
    """Rebuild a value from its data (:class:`NotData` if it is not data of this encoding).

    Only plain data is rebuilt here; modules, objects and handles are the
    ``importer``'s, whose own exceptions pass through.
    """
    try:
        return _decode(data, importer, depth)
    except NotData:
        raise
    except (TypeError, ValueError, OverflowError, IndexError, KeyError, MemoryError):
        raise NotData("a value that does not fit its own description") from None


def _decode(data, importer, depth: int):
    if data is None or type(data) in (bool, int, float, str):
        return data
    if depth > MAX_DEPTH + 2:
        raise NotData("a value nested too deeply")
    if type(data) is list:
        return [_decode(item, importer, depth + 1) for item in data]
    if type(data) is not dict:
        raise NotData("a value that is not data")
    tag = data.get("$")
    if tag == "nd":
        return _decode_array(data, importer, depth)
    if tag == "np":
        return _decode_scalar(data)
    if tag == "tuple":
        return tuple(_decode(item, importer, depth + 1) for item in _list(data.get("items")))
    if tag == "dict":
        out = {}
        for pair in _list(data.get("items")):
            if len(_list(pair)) != 2:
                raise NotData("a dict entry that is not a pair")
            key = _decode(pair[0], importer, depth + 1)
            try:
                hash(key)
            except TypeError:
                raise NotData("a dict with an unhashable key") from None
            out[key] = _decode(pair[1], importer, depth + 1)
        return out
    if tag == "int":
        digits = data.get("v")
        if type(digits) is not str or len(digits) > MAX_INT_BITS // 3 + 2:
            raise NotData("a whole number that is not one")
        return int(digits)
    if tag == "float":
        return float(str(data.get("v"))[:10])
    if tag == "complex":
        re_, im = _list(data.get("v"))
        return complex(float(re_), float(im))
    if tag == "range":
        return range(*[int(n) for n in _list(data.get("v"))[:3]])
    if tag == "module":
        return importer.module(str(data.get("name", "")))
    if tag == "obj":
        return importer.proxy(data)
    if tag == "yours":
        return importer.own(data.get("id"))
    raise NotData(f"a value of unknown kind {str(tag)[:40]!r}")


def _list(value) -> list:
    if type(value) is not list:
        raise NotData("a value that is not data")
    return value


@functools.lru_cache(maxsize=256)
def _scalar_type(name: str) -> np.dtype | None:
    dtype = np.dtype(name)
    return dtype if _is_plain(dtype) else None


def _decode_scalar(data: dict) -> np.generic:
    dtype = _scalar_type(str(data.get("dtype"))[:20])
    item = data.get("v")
    if dtype is None:
        raise NotData("a number of an unknown kind")
    if dtype.kind == "c":
        re_, im = _list(item)
        item = complex(float(re_), float(im))
    elif type(item) not in (bool, int, float, str):
        raise NotData("a number that is not one")
    if dtype.kind == "U":
        return np.str_(item)  # its length, not the dtype's, sets the size
    return dtype.type(item)


def _decode_array(data, importer, depth: int) -> np.ndarray:
    if type(data) is not dict:
        raise NotData("an array that is not data")
    try:
        shape = tuple(int(n) for n in _list(data.get("shape")))
        if len(shape) > 32 or any(n < 0 for n in shape):
            raise ValueError
        dtype = str(data.get("dtype"))
        if dtype == "object":
            items = [_decode(item, importer, depth + 1) for item in _list(data.get("items"))]
            array = np.empty(len(items), dtype=object)
            array[:] = items if items else array
            return array.reshape(shape)
        dtype = np.dtype(dtype)
        if not _is_plain(dtype):
            raise ValueError
        flat = _list(data.get("data"))
        if dtype.itemsize * len(flat) > MAX_ARRAY_BYTES:
            raise ValueError
        if dtype.kind == "c":
            flat = [complex(float(a), float(b)) for a, b in flat]
        return np.array(flat, dtype=dtype).reshape(shape)
    except NotData:
        raise
    except Exception:  # a shape that does not fit the data, an unknown dtype...
        raise NotData("an array that does not fit its own description") from None


# --- records: values that keep nothing alive -----------------------------------------------


class _Describer:
    """The exporter of records: an object becomes its description, never a handle."""

    def export(self, value) -> dict:
        if isinstance(value, Proxy):  # the notebook's object: what its proxy holds, no request
            is_callable = bool(value._callable)
            name, kind = value.__name__ if is_callable else None, value._type
        else:
            is_callable, kind = callable(value), type(value).__name__
            try:
                name = getattr(value, "__name__", None) if is_callable else None
            except Exception:  # a test's own object whose attribute raises
                name = None
        return {
            "$": "obj",
            "type": str(kind)[:100],
            "callable": is_callable,
            "name": name[:100] if isinstance(name, str) else None,
        }

    def too_large(self, value, why: str) -> dict:
        description = self.export(value)
        if isinstance(value, np.ndarray):  # its shape, for expect_array's message
            description.update(shape=[int(n) for n in value.shape], dtype=value.dtype.str)
        return description


_DESCRIBER = _Describer()


def record(value):
    """``value`` as a check's record keeps it: faithful data, or a description.

    Data as :func:`encode` writes it, within :data:`MAX_RECORDED` numbers and
    characters; an object that is not data, and a value past the bound, is described
    (``{"$": "obj", "type": ..., "callable": ..., "name": ...}``, an array with its shape)
    and rebuilt by :func:`rebuild` as a stand-in that equals nothing else.
    """
    try:
        return encode(value, _DESCRIBER, _Budget(MAX_RECORDED, text=True))
    except Exception:  # an object of the tests that cannot even be looked at
        return _DESCRIBER.export(value)


@functools.lru_cache(maxsize=512)
def _opaque_type(name: str) -> type:
    clean = re.sub(r"\W", "_", name or "object")[:100] or "object"
    if clean[0].isdigit():
        clean = "_" + clean
    return type(clean, (), {"__repr__": lambda self: f"<{clean}>", "__slots__": ()})


def opaque(type_name: str):
    """A stand-in object whose type has ``type_name`` (for messages); it equals only itself."""
    return _opaque_type(str(type_name)[:100])()


def _stand_in_function(name: str):
    def stand_in(*args, **kwargs):
        return None

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


class _StandIns:
    """The importer of records (the grader's side): stand-ins; nothing imported, nothing run."""

    def module(self, name: str):
        return opaque("module")

    def proxy(self, data: dict):
        kind = str(data.get("type") or "object")
        if data.get("shape") is not None:  # an array too large to record: its shape only
            shape = tuple(int(n) for n in _list(data["shape"]))
            if len(shape) > 32 or any(n < 0 for n in shape):
                raise NotData("an array that does not fit its own description")
            numeric = str(data.get("dtype", ""))[1:2] in ("b", "i", "u", "f", "c")
            filler = np.array(np.nan) if numeric else np.array(opaque(kind), dtype=object)
            return np.broadcast_to(filler, shape)  # no memory: every element is the one filler
        if data.get("callable"):
            name = data.get("name")
            return _stand_in_function(str(name)[:100] if isinstance(name, str) else "function")
        return opaque(kind)

    def own(self, handle):
        raise NotData("a record that names an object of the grader")


_STAND_INS = _StandIns()


def rebuild(data):
    """The value a record holds, as the grader compares it (never raises).

    Data is rebuilt faithfully; an object becomes an opaque stand-in with its type's
    name (a callable: a stand-in function with its name; a module: opaque); a record
    that is not data of this encoding becomes an opaque object.
    """
    try:
        return decode(data, _STAND_INS)
    except NotData:
        return opaque("object")
