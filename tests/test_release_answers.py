"""No visible test hands over a later answer (issue 18, item 7).

What a learner's release shows of a test cell (its visible part) is compared with the
reference solutions of the tasks of the same master (its own task's too), line by line, after
renaming: every name becomes its order of appearance in the line (``f``, ``function``
and ``F`` are all the first name), attributes (``np.argmin``, ``.T``) and keywords
stay. A visible test line equal to such a solution line would give that answer away
(week 1's visible test once computed ``best_step`` line for line as ``measured_errors``;
now it asks the course package). Tests that need a reference use the course package
(``COURSE_VERSIONS``, ``reference.*``) or hidden parts.
"""

from __future__ import annotations

import io
import keyword
import tokenize

import pytest
from course_harness import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_SOLUTION,
    assignment_ids,
    grade_id,
    is_solution_cell,
    is_test_cell,
    master_notebooks,
    read_notebook,
    regions,
)

#: Solution lines shorter than this (after renaming) are too generic to give anything away.
SHORTEST = 24


def shapes(code: str) -> set[str]:
    """Each logical line of ``code`` with its names renamed by order of appearance."""
    found, line, names = set(), [], {}
    previous = None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError):
        return found
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            text = "".join(line)
            if len(text) >= SHORTEST:
                found.add(text)
            line, names = [], {}
        elif token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            pass
        elif (
            token.type == tokenize.NAME
            and not keyword.iskeyword(token.string)
            and not (previous is not None and previous.string == ".")
            and token.string not in ("np", "numpy")
        ):
            line.append(f"n{names.setdefault(token.string, len(names))}")
        else:
            line.append(token.string)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token
    return found


def visible_part(source: str) -> str:
    return source.split(BEGIN_HIDDEN)[0]


@pytest.mark.parametrize("week", assignment_ids())
def test_no_visible_test_repeats_a_solution(week):
    for path in master_notebooks(week):
        master = read_notebook(path)
        answers, owner, tests = {}, None, {}
        for cell in master.cells:
            if is_solution_cell(cell) and cell.cell_type == "code":
                owner = grade_id(cell)
                solution = "\n".join(regions(cell.source, BEGIN_SOLUTION, END_SOLUTION))
                answers[owner] = shapes(solution)
            elif is_test_cell(cell):
                tests[grade_id(cell)] = shapes(visible_part(cell.source))
        assert answers and tests
        for test, shown in tests.items():
            for task, solution in answers.items():  # its own task too: the answer of 6a
                given = solution & shown
                assert not given, f"{path.name}: the visible part of {test} repeats {task}: {given}"


def test_the_comparison_sees_a_renamed_answer():
    answer = "estimates = (f(x + steps) - f(x - steps)) / (2 * steps)\n"
    test = "estimates = (function(point + steps) - function(point - steps)) / (2 * steps)\n"
    assert shapes(answer) & shapes(test)
    assert not shapes("errors = np.abs(estimates - df(x))") & shapes("return np.argmin(x)")
