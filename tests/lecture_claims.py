"""The lecture claims framework: every number a lecture states is checked (issue 16, item 1).

Each week has a table module ``tests/claims/weekN.py`` holding

* ``NOTEBOOK``: the lecture's file name in ``notebooks/``;
* ``CLAIMS``: a list of :class:`Claim`: a verbatim fragment of one markdown cell that
  states a number, a sign, a direction, a comparison or what a figure or an explorer
  shows, with a check against what the executed lecture computed;
* ``DEFINITIONS``: a list of :class:`Definition`: a verbatim fragment whose numbers are
  inputs (a step we choose, a seed, a function's coefficients), not claims;
* optionally ``FORMULA_FIRST`` (see ``tests/test_formula_first.py``).

``tests/test_lecture_claims.py`` walks every table: it runs every claim, checks every
quote is found in exactly one markdown cell, and checks that every number written in
the prose of a markdown cell lies inside some quote of the week (the number-coverage
rule, :func:`uncovered_numbers`).

A claim's check receives a :class:`Lecture`: the executed lecture (run once per test
session by ``notebook_runs.executed``), with the printed output of a code cell
(:meth:`Lecture.stdout`, :meth:`Lecture.numbers`) and the value of any expression listed
in some ``Claim.values`` of the week (:meth:`Lecture.value`), evaluated in the kernel
after the lecture's last cell.

Writing a claim::

    Claim(
        "The best central estimate is about a hundred times more accurate",
        lambda lec: about(lec.value("forward_best / central_best"), 100, 3),
        values=("forward_best / central_best",),
    )

Numbers compare at the precision written: "0.25" means ``round(x, 2) == 0.25``
(:func:`shown_as`); "about a hundred times" states its tolerance in the check
(:func:`about`). A claim about an explorer builds it here as the lecture's cell does and
sets its sliders with :func:`set_control`, which refuses a value the slider cannot reach.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import notebook_runs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
CLAIMS_DIR = Path(__file__).resolve().parent / "claims"


@dataclass(frozen=True)
class Claim:
    """A fragment of one markdown cell that states something checkable, and its check.

    ``quote`` is verbatim text from ONE markdown cell (found exactly once, whitespace
    normalised); ``check(lecture)`` raises AssertionError when the claim is false;
    ``values`` are the Python expressions the check reads with ``lecture.value``.
    """

    quote: str
    check: Callable[[Lecture], object]
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """A fragment of one markdown cell whose numbers are inputs or names, not claims."""

    quote: str
    why: str


@dataclass
class Week:
    """One week's claims table (a ``tests/claims/weekN.py`` module)."""

    name: str  # "week1"
    notebook: str
    claims: list[Claim]
    definitions: list[Definition]
    module: object = field(repr=False)

    @property
    def path(self) -> Path:
        return NOTEBOOK_DIR / self.notebook

    @property
    def values(self) -> tuple[str, ...]:
        """Every expression some claim of the week asks for, each once, in order."""
        return tuple(dict.fromkeys(value for claim in self.claims for value in claim.values))


def weeks() -> list[Week]:
    """Every claims table in ``tests/claims/``, in week order."""
    found = []
    for path in sorted(CLAIMS_DIR.glob("week*.py"), key=_week_number):
        module = importlib.import_module(f"claims.{path.stem}")
        found.append(
            Week(
                name=path.stem,
                notebook=module.NOTEBOOK,
                claims=list(module.CLAIMS),
                definitions=list(getattr(module, "DEFINITIONS", [])),
                module=module,
            )
        )
    return found


def _week_number(path: Path) -> int:
    match = re.search(r"\d+", path.stem)
    return int(match.group()) if match else 0


def week_for(notebook_name: str) -> Week | None:
    """The claims table of the lecture ``notebook_name``, or None if it has none."""
    return next((week for week in weeks() if week.notebook == notebook_name), None)


def values_wanted(notebook_name: str) -> tuple[str, ...]:
    """The expressions the claims of ``notebook_name`` read (used by ``notebook_runs``)."""
    week = week_for(notebook_name)
    return week.values if week else ()


class Lecture:
    """An executed lecture, executed once per test session (``notebook_runs.executed``)."""

    def __init__(self, week: Week):
        self.week = week
        run = notebook_runs.executed(week.path)
        self.notebook = run.notebook
        self.seconds = run.seconds
        self._values = run.values
        self._allowed = set(week.values)

    def stdout(self, marker: str) -> str:
        """The printed output of the one code cell whose source contains ``marker``."""
        return notebook_runs.cell_stdout(self.notebook, marker)

    def numbers(self, marker: str) -> list[float]:
        """Every number printed by the one code cell whose source contains ``marker``."""
        return notebook_runs.numbers(self.stdout(marker))

    def value(self, expression: str):
        """The value of ``expression`` in the kernel after the lecture's last cell.

        JSON-able: numbers, strings, lists (NumPy arrays come back as lists), dicts.
        Only expressions listed in some ``Claim.values`` of the week can be asked for.
        """
        if expression not in self._allowed:
            raise AssertionError(
                f"{expression!r} is not in any Claim.values of {self.week.name}: "
                "list it in the claim's values=(...) so the lecture run evaluates it"
            )
        outcome = self._values.get(expression)
        if outcome is None:
            raise AssertionError(f"the lecture run did not evaluate {expression!r}")
        if "error" in outcome:
            raise AssertionError(
                f"evaluating {expression!r} in the lecture failed: {outcome['error']}"
            )
        return outcome["value"]

    def markdown(self) -> list[str]:
        """The source of every markdown cell, in order."""
        return [cell.source for cell in self.notebook.cells if cell.cell_type == "markdown"]


# ---------------------------------------------------------------------------- comparing


def decimals(written: str) -> int:
    """How many decimals a number is written with: "0.250" → 3, "12" → 0."""
    mantissa = written.lower().split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def shown_as(value: float, written: str) -> bool:
    """Whether ``value`` printed at the precision of ``written`` reads ``written``.

    "0.25" → round(value, 2) == 0.25; "2.8e-4" → two significant figures in scientific
    notation; "-31" → rounds to −31. A minus sign may be the Unicode "−".
    """
    written = written.replace("−", "-").replace("×10^", "e").strip()
    if "e" in written.lower():
        mantissa = written.lower().split("e")[0]
        digits = len(mantissa.replace("-", "").replace(".", "").lstrip("0")) or 1
        return f"{value:.{digits - 1}e}" == f"{float(written):.{digits - 1}e}"
    places = decimals(written)
    return math.isclose(round(value, places), float(written), abs_tol=10 ** (-places) / 1000)


def about(value: float, target: float, factor: float) -> bool:
    """``value`` within a factor ``factor`` of ``target`` ("about a hundred times": 100, 3)."""
    return target / factor <= value <= target * factor


def assert_shown_as(value: float, written: str, what: str = "the value") -> None:
    assert shown_as(value, written), f"{what} is {value!r}, which is not written {written!r}"


# ---------------------------------------------------------------------------- explorers


def set_control(explorer, key: str, value: float) -> None:
    """Set the explorer's control ``key`` to ``value``, a value its slider can reach.

    Asserts that ``value`` lies in the slider's range and on its step grid (for a
    logarithmic slider: its exponent does), so a claim never names a state a learner
    cannot produce; then sets it (the explorer redraws) and checks it was kept.
    """
    import ipywidgets as widgets

    control = explorer.controls[key]
    if isinstance(control, widgets.FloatLogSlider):
        exponent = math.log(value, control.base)
        low, high, position = control.min, control.max, exponent
    elif isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        low, high, position = control.min, control.max, value
    else:  # a dropdown or a toggle: the value must be one of its options
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        assert value in options, f"{key}: {value!r} is not one of {options}"
        control.value = value
        return
    assert low - 1e-9 <= position <= high + 1e-9, f"{key}: {value} is outside [{low}, {high}]"
    steps = (position - low) / control.step
    assert abs(steps - round(steps)) < 1e-6, (
        f"{key}: {value} is not on the slider's grid ({low} + k × {control.step})"
    )
    control.value = value
    assert math.isclose(control.value, value, rel_tol=1e-9, abs_tol=1e-12), (
        f"{key}: the slider kept {control.value}, not {value}"
    )


# ---------------------------------------------------------------------------- prose numbers

#: Numbers in prose: digits with an optional decimal part and exponent, superscript powers
#: (10⁻⁴), and vulgar fractions.
NUMBER = re.compile(
    r"(?<![\w.])[-−+]?\d+(?:[.,]\d+)*(?:[eE][-+−]?\d+)?(?:[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?"
    r"|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|[½⅓¼¾⅔⅛]"
)
_NAME_WORDS = (
    r"weeks?|tasks?|sections?|§|exercises?|parts?|steps?|questions?|lectures?|chapters?|cells?"
    r"|figures?|explorers?|items?|issues?"
)
#: Regions of markdown that are not prose (their numbers are maths, code or addresses).
_NOT_PROSE = [
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"\$\$.*?\$\$", re.S),  # display maths
    re.compile(r"(?<![\\$])\$(?!\$).+?(?<!\\)\$", re.S),  # inline maths
    re.compile(r"`[^`]*`"),  # inline code
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<[^>]+>"),  # HTML tags and their attributes
    re.compile(r"^\s*\d+[.)](?=\s)", re.M),  # numbered list markers
    re.compile(r"^#+\s+\d+(?:\.\d+)*\.?", re.M),  # section numbers in headings
    re.compile(rf"(?i)\b(?:{_NAME_WORDS})\s*\d+(?:\s*(?:[–,-]|and|or|to)\s*\d+)*"),  # week 3
    re.compile(r"\b\d-D\b"),  # 1-D, 2-D: names of dimensions
    re.compile(r"\*\*\d+\.\*\*"),  # **1.**: the number of an exercise
    re.compile(r"χ²"),  # chi-squared: the name of week 6's cost, not a power
]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _mask(text: str) -> str:
    """``text`` with every non-prose character replaced by NUL (whitespace kept, so the
    whitespace-normalised masked text aligns with the normalised original)."""
    chars = list(text)
    for pattern in _NOT_PROSE:
        for match in pattern.finditer(text):
            for i in range(match.start(), match.end()):
                if not chars[i].isspace():
                    chars[i] = "\0"
    return "".join(chars)


def prose_numbers(source: str) -> list[tuple[int, int, str]]:
    """Every number in the prose of a markdown cell: (start, end, text) in ``normalise(source)``."""
    masked = re.sub(r"\s+", " ", _mask(source)).strip()
    return [
        (match.start(), match.end(), match.group())
        for match in NUMBER.finditer(masked)
        if any(ch.isdigit() or ch in "⁰¹²³⁴⁵⁶⁷⁸⁹½⅓¼¾⅔⅛" for ch in match.group())
    ]


def quote_spans(source: str, quotes: list[str]) -> list[tuple[int, int]]:
    """Where each quote found in the cell lies, in ``normalise(source)``."""
    text = normalise(source)
    spans = []
    for quote in quotes:
        wanted = normalise(quote)
        start = text.find(wanted)
        while start != -1:
            spans.append((start, start + len(wanted)))
            start = text.find(wanted, start + 1)
    return spans


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` holding [start, end), for failure messages."""
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    right = text.find(". ", end)
    right = len(text) if right == -1 else right + 1
    return text[left:right].strip()


def uncovered_numbers(source: str, quotes: list[str]) -> list[tuple[str, str]]:
    """(number, its sentence) for each prose number of a cell inside no quote."""
    text = normalise(source)
    spans = quote_spans(source, quotes)
    return [
        (written, sentence_around(text, start, end))
        for start, end, written in prose_numbers(source)
        if not any(a <= start and end <= b for a, b in spans)
    ]


def cells_holding(notebook, quote: str) -> list[int]:
    """Indices of the markdown cells of ``notebook`` that contain ``quote`` (normalised)."""
    wanted = normalise(quote)
    return [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and wanted in normalise(cell.source)
    ]


def read_notebook(week: Week):
    """The stored (unexecuted) lecture: quotes and prose are checked without running it."""
    return nbformat.read(week.path, as_version=4)
