"""The "check your understanding" questions: answers, hints and explanations, out of sight.

A lecture's check cell holds the question and a place to type; everything that would
give the game away lives here, in one question bank per week (``week1.json`` …
``week6.json`` in this folder), keyed by a question id such as ``"w1-line-gradient"``:

* :func:`check` judges a numeric answer: ``check("w1-line-gradient", my_answer)``;
* :func:`choose` builds a multiple-choice question whose options are shuffled in a
  stable order per question (:func:`display_order`);
* :func:`explain` shows the worked answer, once the learner has tried.

A wrong answer gets a hint (the likely slip, or what to look at again), never the
expected value. A learner may open the bank on purpose, for self-study: it is plain
JSON.

The banks are JSON because the course supports Python 3.10, whose standard library
reads JSON but not TOML. Each bank is ``{"about": ..., "questions": {id: entry}}``;
an entry is one of

``{"kind": "number", ...}``
    ``answer`` (a number, or nested lists for an array), ``precision`` (``"exact"`` or
    ``{"significant_figures": n}``), ``accept`` (other values accepted at the same
    precision), ``mistakes`` (a list of ``{"value": ..., "hint": ...}``: the values
    known slips produce), ``hint`` (for any other wrong answer), ``explanation``
    (the worked answer) and ``name`` (how a message calls the value).
``{"kind": "choice", ...}``
    ``options`` (as written; shown shuffled), ``answer`` (one of the options),
    ``hints`` (a hint for every wrong option) and ``explanation``.

Precision: ``{"significant_figures": 4}`` accepts any answer within half a unit of
the fourth significant figure of the right value (0.7071 for 1/√2); ``"exact"``
accepts the value up to floating-point rounding (``0.1 + 0.2`` for 0.3). A known
slip is recognised at the same precision (at four significant figures for an exact
question).

This module imports only NumPy; :func:`choose` imports ipywidgets when it is called.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

from mmlcalc.checks import CheckFailed, Feedback, expect_array, expect_number

__all__ = [
    "Explanation",
    "bank",
    "check",
    "choose",
    "display_order",
    "explain",
    "precision_text",
    "question",
    "tried",
]

#: The weeks that have a question bank.
WEEKS = (1, 2, 3, 4, 5, 6)
#: The significant figures a slip is recognised at on an "exact" question.
SLIP_FIGURES = 4
#: Relative rounding allowed on an "exact" answer (floating-point sums such as 0.1 + 0.2).
EXACT_RTOL = 1e-9

#: The ids of the questions tried in this session: :func:`explain` answers only these.
tried: set[str] = set()

_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


@functools.cache
def bank(week: int) -> dict[str, dict]:
    """The question bank of ``week``: each question's entry by its id, in lecture order.

    Examples
    --------
    >>> entry = bank(1)["w1-line-gradient"]
    >>> entry["kind"], entry["precision"]
    ('number', 'exact')
    """
    if week not in WEEKS:
        raise ValueError(f"there is no question bank for week {week!r}; weeks are {WEEKS}")
    text = resources.files(__name__).joinpath(f"week{week}.json").read_text(encoding="utf-8")
    return json.loads(text)["questions"]


def question(question_id: str) -> dict:
    """The bank entry of ``question_id`` (``"w<week>-…"``).

    Examples
    --------
    >>> question("w2-contour-spacing")["kind"]
    'choice'
    >>> question("w9-nothing")
    Traceback (most recent call last):
    ...
    KeyError: "no question 'w9-nothing': an id starts with w1- to w6- and names a question
    of that week's bank"
    """
    match = re.match(r"w(\d+)-", str(question_id))
    questions = bank(int(match.group(1))) if match and int(match.group(1)) in WEEKS else {}
    if question_id not in questions:
        raise KeyError(
            f"no question {question_id!r}: an id starts with w1- to w6- and names a question "
            "of that week's bank"
        )
    return questions[question_id]


def precision_text(question_id: str) -> str:
    """What a numeric question accepts, in words, as its check cell states it.

    Examples
    --------
    >>> precision_text("w1-line-gradient")
    'the exact value'
    >>> precision_text("w5-lagrange-multiplier")
    'to four significant figures'
    """
    precision = question(question_id)["precision"]
    if precision == "exact":
        return "the exact value"
    figures = precision["significant_figures"]
    return f"to {_NUMBER_WORDS.get(figures, str(figures))} significant figures"


def _tolerance(target: np.ndarray, precision) -> np.ndarray:
    """The largest accepted distance from ``target`` at ``precision``, entry by entry."""
    size = np.abs(target)
    if precision == "exact":
        return EXACT_RTOL * np.maximum(1.0, size)
    figures = precision["significant_figures"]
    # an entry 0 takes its place value from the array's largest entry (all 0: exact)
    scale = np.where(size > 0, size, size.max(initial=0.0))
    with np.errstate(divide="ignore"):
        unit = np.where(scale > 0, 10.0 ** (np.floor(np.log10(scale)) - figures + 1), 0.0)
    return 0.5 * unit * (1 + 1e-9) + EXACT_RTOL * np.maximum(1.0, size)


def _agrees(got: np.ndarray, value, precision) -> bool:
    target = np.asarray(value, dtype=float)
    if target.shape != got.shape:
        return False
    return bool(np.all(np.abs(got - target) <= _tolerance(target, precision)))


def _slip_precision(precision):
    return {"significant_figures": SLIP_FIGURES} if precision == "exact" else precision


def _shown(got: np.ndarray) -> str:
    """The learner's value with every digit it has (up to 12 significant figures)."""
    if got.ndim == 0:
        return f"{float(got):.12g}"
    text = np.array2string(got, separator=", ", formatter={"float_kind": lambda x: f"{x:.12g}"})
    return re.sub(r"\s*\n\s*", " ", text)


def check(question_id: str, answer) -> Feedback:
    """Judge a numeric answer to the question ``question_id``; never raises.

    Returns a :class:`mmlcalc.checks.Feedback`: a right answer (at the question's
    stated precision) gets a tick and the worked explanation; a wrong one gets the
    hint for the slip it matches, or the question's general hint, and never the
    expected value. After a try, :func:`explain` gives the worked answer.

    Examples
    --------
    >>> check("w1-line-gradient", None)
    ✗ Replace None with your answer (the exact value), then run the cell again.
    >>> check("w1-line-gradient", 1 / 3)  # doctest: +ELLIPSIS
    ✗ Not yet (your answer: 0.333333333333): you computed run over rise; ... Try again,
    or run explain("w1-line-gradient") in a new cell for the worked answer.
    >>> check("w5-lagrange-multiplier", 0.7071)  # doctest: +ELLIPSIS
    ✓ Correct: ...
    >>> check("w5-lagrange-multiplier", 0.707)  # doctest: +ELLIPSIS
    ✗ Close (your answer: 0.707): it agrees with the right value to three significant
    figures, but this question asks for four. ...
    """
    entry = _entry(question_id, "number")
    precision = entry["precision"]
    if answer is None:
        return Feedback(
            False,
            f"Replace None with your answer ({precision_text(question_id)}), "
            "then run the cell again.",
        )
    target = np.asarray(entry["answer"], dtype=float)
    name = entry.get("name", "your answer")
    try:
        if target.ndim == 0:
            got = np.asarray(expect_number(answer, name))
        else:
            got = np.asarray(expect_array(answer, target.shape, name), dtype=float)
    except CheckFailed as failure:
        return Feedback(False, failure.message)
    if not np.all(np.isfinite(got)):
        return Feedback(
            False,
            f"{name} contains nan or inf: look for 0/0, a division by 0, a log or square root "
            "of a negative number, or an unset value.",
        )
    tried.add(question_id)
    if any(_agrees(got, value, precision) for value in [entry["answer"], *entry.get("accept", [])]):
        return Feedback(True, f"Correct: {entry['explanation']}")
    shown = _shown(got)
    again = f'Try again, or run explain("{question_id}") in a new cell for the worked answer.'
    for mistake in entry.get("mistakes", []):
        if _agrees(got, mistake["value"], _slip_precision(precision)):
            return Feedback(False, f"Not yet (your answer: {shown}): {mistake['hint']} {again}")
    close = _close(got, entry, precision)
    if close:
        return Feedback(False, f"Close (your answer: {shown}): {close}")
    return Feedback(False, f"Not yet (your answer: {shown}): {entry['hint']} {again}")


def _close(got: np.ndarray, entry: dict, precision) -> str:
    """A note for an answer right at a lower precision than the question asks for, else ''."""
    if precision == "exact":
        if _agrees(got, entry["answer"], {"significant_figures": SLIP_FIGURES}):
            return (
                "it agrees with the right value to four significant figures, but this question "
                "asks for the exact value: type the whole calculation or a fraction."
            )
        return ""
    figures = precision["significant_figures"]
    lower = figures - 1
    if lower >= 1 and _agrees(got, entry["answer"], {"significant_figures": lower}):
        return (
            f"it agrees with the right value to {_NUMBER_WORDS.get(lower, lower)} significant "
            f"figures, but this question asks for {_NUMBER_WORDS.get(figures, figures)}. "
            "Keep more digits, or type the whole calculation as a Python expression."
        )
    return ""


def _entry(question_id: str, kind: str) -> dict:
    entry = question(question_id)
    if entry["kind"] != kind:
        use = {"number": "check", "choice": "choose"}[entry["kind"]]
        raise ValueError(f"{question_id!r} is a {entry['kind']} question: use {use}()")
    return entry


@dataclass(frozen=True)
class Explanation:
    """The worked answer of a question, or a request to try it first; shown as a note."""

    question_id: str
    text: str
    available: bool

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return (
            '<div role="status" style="border-left: 4px solid #4477AA; padding: 0.3em 0.6em;">'
            f"{html.escape(self.text)}</div>"
        )


def explain(question_id: str) -> Explanation:
    """The worked answer of ``question_id``, once the question has been tried in this session.

    Examples
    --------
    >>> tried.discard("w1-secant-cube")  # as in a fresh session
    >>> explain("w1-secant-cube")  # doctest: +ELLIPSIS
    Try the question first: ...
    >>> check("w1-secant-cube", 2.0).correct
    False
    >>> explain("w1-secant-cube")  # doctest: +ELLIPSIS
    Worked answer: ...
    """
    entry = question(question_id)
    if question_id not in tried:
        how = (
            "choose an option"
            if entry["kind"] == "choice"
            else "replace None with your answer and run the check cell"
        )
        return Explanation(
            question_id,
            f'Try the question first: {how}; then explain("{question_id}") shows the worked '
            "answer.",
            False,
        )
    return Explanation(question_id, f"Worked answer: {entry['explanation']}", True)


def display_order(question_id: str, count: int) -> list[int]:
    """The order to show ``count`` options of ``question_id`` in: a shuffle seeded by the id.

    The same id always gives the same order, on every machine and Python version: the
    SHA-256 digest of the id, read as one integer, picks the permutation (its digits
    in the factorial number system, the Lehmer code).

    Examples
    --------
    >>> display_order("w2-contour-spacing", 4) == display_order("w2-contour-spacing", 4)
    True
    >>> sorted(display_order("w2-contour-spacing", 4))
    [0, 1, 2, 3]
    """
    number = int.from_bytes(hashlib.sha256(question_id.encode("utf-8")).digest(), "big")
    pool, order = list(range(count)), []
    for size in range(count, 0, -1):
        number, index = divmod(number, size)
        order.append(pool.pop(index))
    return order


def shuffled_options(question_id: str) -> list[str]:
    """The options of a choice question in the order a learner sees them."""
    options = _entry(question_id, "choice")["options"]
    return [options[index] for index in display_order(question_id, len(options))]


def choose(question_id: str, prompt: str):
    """A multiple-choice check: ``prompt`` with the bank's options in their shuffled order.

    Built on :class:`mmlcalc.widgets.base.MultipleChoice`: the options are labelled
    radio buttons reached with Tab (the arrow keys pick), the verdict is announced to
    screen readers, and after a first pick the *Show the explanation* button (or
    :func:`explain`) gives the worked answer.

    Examples
    --------
    >>> quiz = choose("w2-contour-spacing", "What do closely packed contours tell you?")
    >>> list(quiz.choices.options) == shuffled_options("w2-contour-spacing")
    True
    >>> quiz.choices.value = question("w2-contour-spacing")["answer"]
    >>> quiz.correct, "w2-contour-spacing" in tried
    (True, True)
    """
    from mmlcalc.widgets.base import MultipleChoice

    entry = _entry(question_id, "choice")
    widget = MultipleChoice(
        prompt,
        shuffled_options(question_id),
        entry["answer"],
        explanation=entry["explanation"],
        hints=entry["hints"],
    )
    widget.question_id = question_id

    def remember(change) -> None:
        if change["new"] is not None:
            tried.add(question_id)

    widget.choices.observe(remember, names="value")
    return widget
