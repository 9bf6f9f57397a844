"""Every claim a lecture's prose makes is checked against what the lecture computes (issue 16).

The tables are ``tests/claims/weekN.py`` (see ``tests/lecture_claims.py`` for the API).
For every week:

1. every :class:`Claim` holds against the executed lecture (test ids ``week1-claim-07``);
2. every quote (claim or definition) is found in exactly one markdown cell, once;
3. every number written in the prose of a markdown cell lies inside some quote of the
   week (the number-coverage rule): a new sentence with a number fails until its author
   adds a Claim (checked) or a Definition (an input, with the reason) to the week's table;
4. every lecture ``notebooks/0N_*.ipynb`` (N ≥ 1) has a claims table.

The lecture is executed once per test session (``notebook_runs.executed``), shared with
``test_notebooks.py`` and the week content tests.
"""

from __future__ import annotations

import re

import pytest
from lecture_claims import (
    NOTEBOOK_DIR,
    Claim,
    Definition,
    Lecture,
    cells_holding,
    normalise,
    read_notebook,
    shown_as,
    uncovered_numbers,
    weeks,
)

WEEKS = weeks()
LECTURES = sorted(
    path for path in NOTEBOOK_DIR.glob("*.ipynb") if re.match(r"0[1-9]_\w+\.ipynb$", path.name)
)

_LECTURES: dict[str, Lecture] = {}


def lecture_of(week) -> Lecture:
    """The executed lecture of ``week``, executed once per session."""
    if week.name not in _LECTURES:
        _LECTURES[week.name] = Lecture(week)
    return _LECTURES[week.name]


CLAIM_CASES = [
    pytest.param(week, claim, id=f"{week.name}-claim-{index:02d}")
    for week in WEEKS
    for index, claim in enumerate(week.claims, start=1)
]
QUOTE_CASES = [
    pytest.param(week, entry, id=f"{week.name}-{kind}-{index:02d}")
    for week in WEEKS
    for kind, entries in (("claim", week.claims), ("definition", week.definitions))
    for index, entry in enumerate(entries, start=1)
]


@pytest.mark.parametrize(("week", "claim"), CLAIM_CASES)
def test_claim_holds(week, claim: Claim):
    lecture = lecture_of(week)
    try:
        outcome = claim.check(lecture)
        assert outcome is not False, "the check returned False"
    except AssertionError as error:
        pytest.fail(
            f"{week.notebook} says {normalise(claim.quote)!r}, but: {error or 'the check failed'}",
            pytrace=False,
        )


@pytest.mark.parametrize(("week", "entry"), QUOTE_CASES)
def test_quote_is_in_exactly_one_markdown_cell(week, entry: Claim | Definition):
    notebook = read_notebook(week)
    found = cells_holding(notebook, entry.quote)
    assert len(found) == 1, (
        f"{week.name}: the quote {normalise(entry.quote)!r} is in {len(found)} markdown cells "
        f"{found} of {week.notebook}; it must be verbatim text of exactly one"
    )
    text = normalise(notebook.cells[found[0]].source)
    assert text.count(normalise(entry.quote)) == 1, (
        f"{week.name}: the quote {normalise(entry.quote)!r} occurs twice in cell {found[0]}: "
        "quote more of the sentence"
    )
    if isinstance(entry, Definition):
        assert entry.why.strip(), f"{week.name}: the definition {entry.quote!r} needs a reason"


@pytest.mark.parametrize("week", WEEKS, ids=[week.name for week in WEEKS])
def test_every_number_in_the_prose_is_claimed_or_defined(week):
    notebook = read_notebook(week)
    quotes = [entry.quote for entry in week.claims + week.definitions]
    uncovered = [
        f"  cell {index}: {number!r} in: {sentence}"
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown"
        for number, sentence in uncovered_numbers(cell.source, quotes)
    ]
    assert not uncovered, (
        f"{week.notebook} states numbers no claim checks and no definition explains:\n"
        + "\n".join(uncovered)
        + f"\nAdd a Claim (with a check against the notebook's values) or a Definition (an "
        f"input, with the reason) quoting each sentence to tests/claims/{week.name}.py"
    )


@pytest.mark.parametrize("path", LECTURES, ids=[path.name for path in LECTURES])
def test_every_lecture_has_a_claims_table(path):
    tables = [week for week in WEEKS if week.notebook == path.name]
    assert len(tables) == 1, (
        f"{path.name} has {len(tables)} claims tables: write tests/claims/week"
        f"{int(path.name[:2])}.py with NOTEBOOK = {path.name!r}, CLAIMS and DEFINITIONS"
    )
    assert tables[0].name == f"week{int(path.name[:2])}", (
        f"the claims table of {path.name} is {tables[0].name}.py"
    )


@pytest.mark.parametrize("path", LECTURES, ids=[path.name for path in LECTURES])
def test_every_static_figure_has_a_caption(path):
    """A cell that shows a figure (``plt.show()``) is followed by a markdown caption that
    says in words what the figure shows, starting "*Figure:*" (issue 16, item 7)."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    missing = [
        f"cell {index}: {cell.source.strip().splitlines()[0][:80]}"
        for index, cell in enumerate(cells)
        if cell.cell_type == "code"
        and "plt.show()" in cell.source
        and not (
            index + 1 < len(cells)
            and cells[index + 1].cell_type == "markdown"
            and cells[index + 1].source.lstrip().startswith("*Figure:*")
        )
    ]
    assert not missing, (
        f"{path.name}: these figures have no caption (a markdown cell right after them that "
        "starts with *Figure:* and says in words what the figure shows):\n  " + "\n  ".join(missing)
    )


#: A code cell that shows the learner something: a figure, an explorer or printed numbers.
SHOWS = re.compile(r"plt\.show\(\)|_explorer\(|print\(")


@pytest.mark.parametrize("path", LECTURES, ids=[path.name for path in LECTURES])
def test_every_definition_comes_after_something_to_look_at(path):
    """Intuition first (issue 16, item 5): inside each numbered section, a figure, an explorer
    or a table of numbers comes before the first "### Definition" heading."""
    import nbformat

    section, shown, late = None, False, []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            numbered = re.search(r"^## (\d+\..*)$", cell.source, re.M)
            if numbered:
                section, shown = numbered.group(1), False
            elif re.search(r"^## ", cell.source, re.M):
                section = None  # Summary, Exercises, ...
            if section and re.search(r"^### Definition", cell.source, re.M) and not shown:
                late.append(section)
        elif section and SHOWS.search(cell.source):
            shown = True
    assert not late, (
        f"{path.name}: these sections define before showing anything (put a figure, an "
        f"explorer or a table of numbers before the definition): {late}"
    )


# ---------------------------------------------------------------------------- the rules


def test_prose_numbers_skip_maths_code_links_tags_and_names():
    source = (
        "## 3. Section title with 2 apples\n"
        "1. In week 3 and weeks 4–5, $x^2 = 4$ and `h = 1e-3`, see [a](b12.ipynb) "
        "and <img width='300'> and 2-D plots.\n"
        "$$\nf(x) = 7x\n$$\n"
        "```python\nx = 9\n```\n"
        "The error is 2.8e-4, about 10⁻⁴, and ½ of it; x² is tall.\n"
    )
    found = [number for number, _ in uncovered_numbers(source, [])]
    assert found == ["2", "2.8e-4", "10⁻⁴", "½", "²"]
    assert [n for n, _ in uncovered_numbers(source, ["The error is 2.8e-4, about 10⁻⁴,"])] == [
        "2",
        "½",
        "²",
    ]


def test_numbers_compare_at_the_precision_written():
    assert shown_as(0.2549, "0.25") and not shown_as(0.256, "0.25")
    assert shown_as(2.78e-4, "2.8e-4") and not shown_as(2.6e-4, "2.8e-4")
    assert shown_as(-31.2, "−31") and shown_as(100.4, "100")
