"""The question banks behind the lectures' check cells (``mmlcalc/questions/weekN.json``).

* Every question has an id, a kind, a stated precision (numeric questions), a hint for
  every known slip and every wrong option, and an explanation.
* Every hint is reachable: each mapped slip value, fed to its question (as it is and
  rounded as a learner would type it), gets exactly that hint back; every wrong option
  of a choice question shows its hint.
* The right answer is accepted at its stated precision (0.7071 for 1/√2 at four
  significant figures), and a wrong answer's message never shows the expected value.
* The shuffle: across the course no displayed position holds more than 40% of the
  right options, and the right option is the longest in at most a third of the
  questions; both figures are computed here from the banks.
* The lectures: every bank id is used by exactly one check cell of its week's lecture
  and every check cell's id is in the bank; no check cell holds an answer, a hint or an
  explanation; every numeric cell states its precision; each lecture runs with blank
  answers, and right answers typed into a copy of week 1 are accepted (nbclient).
"""

from __future__ import annotations

import ast
import html
import json
import math
import re
from collections import Counter
from pathlib import Path

import nbformat
import notebook_runs
import numpy as np
import pytest
from nbclient import NotebookClient
from notebook_runs import check_name, fill_in, is_choice_check, is_numeric_check, run_cell

from mmlcalc import questions
from mmlcalc.checks import Feedback
from mmlcalc.questions import (
    bank,
    check,
    choose,
    display_order,
    explain,
    precision_text,
    question,
    shuffled_options,
    tried,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
LECTURES = {week: next(NOTEBOOK_DIR.glob(f"0{week}_*.ipynb")) for week in questions.WEEKS}
ALL = [(qid, entry) for week in questions.WEEKS for qid, entry in bank(week).items()]
NUMBERS = [(qid, entry) for qid, entry in ALL if entry["kind"] == "number"]
CHOICES = [(qid, entry) for qid, entry in ALL if entry["kind"] == "choice"]
#: Issue 17: no displayed position holds more than this share of the right options ...
MAX_POSITION_SHARE = 0.40
#: ... and the right option is the longest in at most this share of the questions.
MAX_LONGEST_SHARE = 1 / 3


def ids(items):
    return [qid for qid, _ in items]


def round_significant(value: float, figures: int) -> float:
    """``value`` rounded as a learner would type it, to ``figures`` significant figures."""
    if value == 0:
        return 0.0
    return round(value, figures - 1 - math.floor(math.log10(abs(value))))


def typed(value, precision):
    """The value rounded to the stated precision (an exact answer is typed as it is)."""
    if precision == "exact":
        return value
    figures = precision["significant_figures"]
    return (
        np.vectorize(lambda v: round_significant(float(v), figures))(np.asarray(value))
        if np.ndim(value)
        else round_significant(float(value), figures)
    )


def slip_precision(precision):
    return {"significant_figures": questions.SLIP_FIGURES} if precision == "exact" else precision


def as_answer(value):
    return np.asarray(value, dtype=float) if np.ndim(value) else float(value)


# ------------------------------------------------------------------------------ the banks


def test_every_bank_is_plain_json_with_an_about_text_and_questions():
    for week in questions.WEEKS:
        path = ROOT / "mmlcalc" / "questions" / f"week{week}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"about", "questions"}
        assert "self-study" in data["about"]
        assert data["questions"], f"week {week} has no questions"


@pytest.mark.parametrize(("qid", "entry"), ALL, ids=ids(ALL))
def test_every_question_has_an_id_a_kind_and_an_explanation(qid, entry):
    week = int(qid[1])
    assert re.fullmatch(rf"w{week}-[a-z0-9]+(-[a-z0-9]+)*", qid)
    assert qid in bank(week) and question(qid) is entry
    assert entry["kind"] in ("number", "choice")
    assert len(entry["explanation"]) > 10
    assert "$" not in entry["explanation"] and "{" not in entry["explanation"], (
        "hints and explanations are plain text: no TeX"
    )


@pytest.mark.parametrize(("qid", "entry"), NUMBERS, ids=ids(NUMBERS))
def test_every_numeric_question_states_its_precision_and_its_hints(qid, entry):
    precision = entry["precision"]
    assert precision == "exact" or (
        set(precision) == {"significant_figures"} and 2 <= precision["significant_figures"] <= 6
    ), precision
    assert re.fullmatch(
        r"the exact value|to (two|three|four|five|six) significant figures", precision_text(qid)
    )
    assert entry["name"] and entry["hint"] and isinstance(entry["accept"], list)
    assert entry["mistakes"], f"{qid}: no known slip"
    for mistake in entry["mistakes"]:
        assert mistake["hint"] and np.shape(mistake["value"]) == np.shape(entry["answer"])
        assert "$" not in mistake["hint"]


@pytest.mark.parametrize(("qid", "entry"), CHOICES, ids=ids(CHOICES))
def test_every_choice_question_has_a_hint_for_every_wrong_option(qid, entry):
    options = entry["options"]
    assert len(options) >= 3 and len(set(options)) == len(options)
    assert entry["answer"] in options
    assert set(entry["hints"]) == set(options) - {entry["answer"]}
    assert all(entry["hints"].values())
    assert not any("$" in text for text in [*options, *entry["hints"].values()]), (
        "options and hints show as plain text: no TeX"
    )


# ------------------------------------------------------------------------ numeric checks


@pytest.mark.parametrize(("qid", "entry"), NUMBERS, ids=ids(NUMBERS))
def test_the_right_answer_is_accepted_at_the_stated_precision(qid, entry):
    answer, precision = entry["answer"], entry["precision"]
    for value in (answer, typed(answer, precision), *entry["accept"]):
        feedback = check(qid, as_answer(value))
        assert isinstance(feedback, Feedback)
        assert feedback.correct, (qid, value, feedback.message)
        assert entry["explanation"] in feedback.message  # the explanation comes with the tick
    if np.ndim(answer) == 0:
        # as a Python int and as a NumPy scalar too
        assert check(qid, np.float64(answer)).correct
        if float(answer).is_integer():
            assert check(qid, int(answer)).correct


@pytest.mark.parametrize(("qid", "entry"), NUMBERS, ids=ids(NUMBERS))
def test_an_answer_outside_the_stated_precision_is_not_accepted(qid, entry):
    answer, precision = np.asarray(entry["answer"], dtype=float), entry["precision"]
    if precision == "exact":
        off = answer + 1e-4 * np.maximum(1.0, np.abs(answer))
    else:
        figures = precision["significant_figures"]
        scale = np.max(np.abs(answer))
        unit = 10.0 ** (math.floor(math.log10(scale)) - figures + 1)
        off = answer + 1.5 * unit  # one and a half units in the last stated figure
    assert not check(qid, as_answer(off)).correct


def test_the_examples_of_the_reviews_are_accepted():
    """Correctly rounded answers that the old check cells (rtol = 1e-6) rejected."""
    assert check("w5-lagrange-multiplier", 0.7071).correct  # λ = 1/√2, week 5
    assert check("w5-lagrange-multiplier", 0.70711).correct
    assert check("w1-central-difference-exp", 1.00167).correct  # five figures: 1.0017
    assert check("w3-chain-rate", 0.866).correct  # √3/2 = 0.8660 to four figures
    assert check("w4-sine-coefficient", -0.1667).correct  # c₃ = −1/6
    assert check("w6-gaussian-partial", 0.2420).correct


@pytest.mark.parametrize(("qid", "entry"), NUMBERS, ids=ids(NUMBERS))
def test_every_slip_gets_exactly_its_hint(qid, entry):
    hints = [mistake["hint"] for mistake in entry["mistakes"]]
    for mistake in entry["mistakes"]:
        rounded = typed(mistake["value"], slip_precision(entry["precision"]))
        values = [mistake["value"]]
        # a slip typed to four figures can be the right answer (√4.1 = 2.025 to four figures
        # is the linear estimate 2.025): then the answer wins, and only the full value is a slip
        if not questions._agrees(np.asarray(rounded, dtype=float), entry["answer"], "exact"):
            values.append(rounded)
        for value in values:
            feedback = check(qid, as_answer(value))
            assert not feedback.correct, (qid, value)
            found = [hint for hint in hints if hint in feedback.message]
            assert found == [mistake["hint"]], (qid, value, feedback.message)
            assert entry["hint"] not in feedback.message


@pytest.mark.parametrize(("qid", "entry"), NUMBERS, ids=ids(NUMBERS))
def test_a_wrong_answer_gets_a_hint_but_never_the_expected_value(qid, entry):
    answer = np.asarray(entry["answer"], dtype=float)
    wrong = answer * 1.37 + 0.71  # matches no slip
    feedback = check(qid, as_answer(wrong))
    assert not feedback.correct
    assert entry["hint"] in feedback.message
    assert f'explain("{qid}")' in feedback.message
    assert entry["explanation"] not in feedback.message
    # no number in the message (apart from the learner's own) is the answer at its precision
    said = re.sub(r"\(your answer: [^)]*\)", "", feedback.message).replace(qid, "")
    small_integer = answer.ndim == 0 and float(answer).is_integer() and abs(answer) <= 10
    if answer.ndim == 0 and not small_integer:  # small whole numbers occur in any question
        for number in notebook_runs.numbers(said):
            assert not questions._agrees(np.asarray(number), answer, entry["precision"]), (
                f"{qid}: the message shows the answer {number}: {feedback.message}"
            )


def test_an_answer_close_to_the_right_value_is_told_to_keep_more_digits():
    feedback = check("w5-lagrange-multiplier", 0.707)
    assert not feedback.correct
    assert "three significant figures" in feedback.message and "asks for four" in feedback.message
    assert "0.7071" not in feedback.message


def test_the_learners_value_is_shown_with_all_its_digits():
    """Never "expected 1.00167, got 1.00167": the message shows what the learner typed."""
    feedback = check("w1-central-difference-exp", 1.0016)
    assert "(your answer: 1.0016)" in feedback.message
    feedback = check("w2-jacobian-matrix", np.array([[3.0, 2.0], [1.0, 6.25]]))
    assert "(your answer: [[3, 2], [1, 6.25]])" in feedback.message


@pytest.mark.parametrize(
    "odd",
    [None, "3", True, [1, 2, 3], np.zeros((3, 3)), float("nan"), float("inf"), 10**400, 1j, print],
    ids=repr,
)
def test_check_never_raises(odd):
    for qid in ("w1-line-gradient", "w2-jacobian-matrix"):
        feedback = check(qid, odd)
        assert isinstance(feedback, Feedback) and not feedback.correct
    assert "Replace None" in check("w1-line-gradient", None).message


def test_feedback_is_announced_to_screen_readers():
    assert 'role="status"' in check("w1-line-gradient", 3)._repr_html_()
    assert 'role="status"' in explain("w1-line-gradient")._repr_html_()


def test_explain_answers_only_after_a_try():
    tried.discard("w6-chi-squared")
    before = explain("w6-chi-squared")
    assert not before.available and "Try the question first" in repr(before)
    assert question("w6-chi-squared")["explanation"] not in repr(before)
    check("w6-chi-squared", None)  # a blank answer is not a try
    assert not explain("w6-chi-squared").available
    check("w6-chi-squared", 7.0)
    after = explain("w6-chi-squared")
    assert after.available and question("w6-chi-squared")["explanation"] in repr(after)


def test_a_question_is_used_with_the_helper_of_its_kind():
    with pytest.raises(ValueError, match="use choose"):
        check("w1-price-gradient", 2.5)
    with pytest.raises(ValueError, match="use check"):
        choose("w1-line-gradient", "prompt")
    with pytest.raises(KeyError, match="no question"):
        check("w1-no-such-question", 1.0)


# ------------------------------------------------------------------------- choice checks


@pytest.mark.parametrize(("qid", "entry"), CHOICES, ids=ids(CHOICES))
def test_every_wrong_option_shows_its_hint_and_the_right_one_its_explanation(qid, entry):
    quiz = choose(qid, "prompt")
    assert list(quiz.choices.options) == shuffled_options(qid)
    assert sorted(quiz.choices.options) == sorted(entry["options"])
    for option in quiz.choices.options:
        quiz.choices.value = option
        shown = html.unescape(quiz.feedback.value)
        if option == entry["answer"]:
            assert quiz.correct and entry["explanation"] in shown
        else:
            assert not quiz.correct
            assert [h for h in entry["hints"].values() if h in shown] == [entry["hints"][option]]
            assert entry["explanation"] not in shown
    assert qid in tried


def test_the_shuffle_is_stable_and_a_permutation():
    for qid, entry in CHOICES:
        order = display_order(qid, len(entry["options"]))
        assert sorted(order) == list(range(len(entry["options"])))
        assert order == display_order(qid, len(entry["options"]))  # the same on every run
    # the order is fixed by the id's SHA-256, not by Python's random module
    assert display_order("w2-contour-spacing", 4) == display_order("w2-contour-spacing", 4)
    assert len({tuple(display_order(qid, 4)) for qid, _ in CHOICES}) > 6


def shuffle_figures():
    """(share of the right options at each displayed position, share where it is longest)."""
    positions, longest = Counter(), 0
    for qid, entry in CHOICES:
        shown = shuffled_options(qid)
        positions[shown.index(entry["answer"])] += 1
        lengths = [len(option) for option in entry["options"]]
        answer = len(entry["answer"])
        # longest, ties included; when every option has the same length, none is longest
        longest += answer == max(lengths) and lengths.count(answer) < len(lengths)
    return {p: n / len(CHOICES) for p, n in sorted(positions.items())}, longest / len(CHOICES)


def test_the_right_option_is_spread_over_the_positions_and_not_the_longest():
    positions, longest = shuffle_figures()
    assert len(CHOICES) >= 30
    assert max(positions.values()) <= MAX_POSITION_SHARE, positions
    assert longest <= MAX_LONGEST_SHARE, longest


# ------------------------------------------------------------------------------ lectures


def lecture_cells(week: int):
    return nbformat.read(LECTURES[week], as_version=4).cells


def check_cells(week: int) -> list[str]:
    return [
        cell.source
        for cell in lecture_cells(week)
        if cell.cell_type == "code"
        and (is_numeric_check(cell.source) or is_choice_check(cell.source))
    ]


@pytest.mark.parametrize("week", questions.WEEKS)
def test_every_bank_id_is_used_by_exactly_one_check_cell_of_its_lecture(week):
    used = Counter(check_name(source) for source in check_cells(week))
    assert set(used) == set(bank(week)), set(used) ^ set(bank(week))
    assert all(count == 1 for count in used.values()), used
    assert list(used) == list(bank(week)), "the bank lists its questions in lecture order"
    for source in check_cells(week):
        kind = question(check_name(source))["kind"]
        assert is_numeric_check(source) == (kind == "number"), check_name(source)
    for other in questions.WEEKS:  # and no other lecture uses them
        if other != week:
            assert not set(bank(week)) & {check_name(s) for s in check_cells(other)}


@pytest.mark.parametrize("week", questions.WEEKS)
def test_no_check_cell_holds_an_answer_a_hint_or_an_explanation(week):
    every_code = "\n".join(c.source for c in lecture_cells(week) if c.cell_type == "code")
    for forbidden in ("check_answer(", "MultipleChoice(", "explanation=", "mistakes=", "hints="):
        assert forbidden not in every_code, forbidden
    for source in check_cells(week):
        qid, entry = check_name(source), question(check_name(source))
        tree = ast.parse(source)
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        assert len(calls) == 1 and not calls[0].keywords, qid
        call = calls[0]
        if entry["kind"] == "number":
            # my_answer = None, then check("id", my_answer): nothing else runs
            assert [ast.unparse(node) for node in tree.body] == [
                "my_answer = None",
                f"check({qid!r}, my_answer)",
            ], qid
            answer = np.asarray(entry["answer"], dtype=float)
            if answer.ndim == 0 and not float(answer).is_integer():
                shown = f"{float(typed(float(answer), slip_precision(entry['precision']))):g}"
                assert shown not in source, f"{qid}: the cell shows the answer {shown}"
        else:
            assert call.func.id == "choose"
            assert [type(arg) for arg in call.args] == [ast.Constant, ast.Constant], qid
            if len(entry["answer"]) > 4:  # a short option ("2", "(3, 5)") may occur in the prompt
                assert entry["answer"] not in source
            for hint in entry["hints"].values():
                assert hint not in source


@pytest.mark.parametrize("week", questions.WEEKS)
def test_every_numeric_check_cell_states_what_it_accepts(week):
    for source in check_cells(week):
        if is_numeric_check(source):
            assert precision_text(check_name(source)) in source, check_name(source)


@pytest.mark.parametrize("week", questions.WEEKS)
def test_every_lecture_says_where_the_answers_live(week):
    markdown = "\n".join(c.source for c in lecture_cells(week) if c.cell_type == "markdown")
    assert f"mmlcalc/questions/week{week}.json" in markdown
    assert "self-study" in markdown and "explain(" in markdown


@pytest.mark.parametrize("week", questions.WEEKS)
def test_right_answers_typed_into_the_check_cells_are_accepted(week):
    """Each numeric cell's own code, with the right answer typed at its precision, in-process."""
    for source in check_cells(week):
        qid = check_name(source)
        entry = question(qid)
        if entry["kind"] == "choice":
            quiz = run_cell(source, {"choose": choose})
            quiz.choices.value = entry["answer"]
            assert quiz.correct
            continue
        answer = typed(entry["answer"], entry["precision"])
        namespace = {"np": np, "check": check, "array": np.array}
        feedback = run_cell(fill_in(source, answer), namespace)
        assert isinstance(feedback, Feedback) and feedback.correct, (qid, feedback)
        blank = run_cell(source, {"np": np, "check": check})
        assert not blank.correct and "Replace None" in blank.message


@pytest.mark.parametrize("week", questions.WEEKS)
def test_the_lecture_runs_with_blank_answers(week, clean_lecture):
    notebook = clean_lecture(LECTURES[week])  # executed once per session (tests/conftest.py)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        data = [output.get("data", {}) for output in cell.outputs]
        if is_numeric_check(cell.source):
            assert any("Replace None" in d.get("text/plain", "") for d in data), cell.source
        elif is_choice_check(cell.source):
            assert any("application/vnd.jupyter.widget-view+json" in d for d in data), cell.source


#: Week 1's right answers, worked out here, typed as a learner would.
WEEK1_TYPED = {
    "w1-line-gradient": "(19 - 7) / (6 - 2)",
    "w1-secant-cube": "(1.5**3 - 1) / 0.5",
    "w1-derivative-definition": "9",
    "w1-product-rule": "3.065",  # 3 sin 1 + cos 1 to four figures
    "w1-central-difference-exp": "(np.exp(0.1) - np.exp(-0.1)) / 0.2",
}


def test_right_answers_typed_into_a_copy_of_week_1_are_accepted(tmp_path):
    """A copy of the lecture with answers typed in, run by a real kernel (nbclient)."""
    notebook = nbformat.read(LECTURES[1], as_version=4)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_numeric_check(cell.source):
            qid = check_name(cell.source)
            typed_cell = nbformat.v4.new_code_cell(cell.source)
            if qid == "w1-line-gradient":  # first a slip, then the worked answer on request
                typed_cell.source = cell.source.replace("my_answer = None", "my_answer = 4 / 12")
                cells += [typed_cell, nbformat.v4.new_code_cell(f'explain("{qid}")')]
                typed_cell = nbformat.v4.new_code_cell(cell.source)
            typed_cell.source = typed_cell.source.replace(
                "my_answer = None", f"my_answer = {WEEK1_TYPED[qid]}"
            )
            cell = typed_cell
        cells.append(cell)
    notebook.cells = cells
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=notebook_runs.CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    shown = {}
    for cell in notebook.cells:
        text = " ".join(o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))
        shown.setdefault(cell.source, []).append(text)
    verdicts = [
        texts[0]
        for source, texts in shown.items()
        if "my_answer = " in source and is_numeric_check(source)
    ]
    assert len(verdicts) == 6
    assert sum(v.startswith("'✓ Correct") or "✓ Correct" in v for v in verdicts) == 5, verdicts
    slip = next(v for v in verdicts if "✗" in v)
    assert "run over rise" in slip and "3" not in slip.split("(your answer:")[1].split(")")[1]
    worked = shown['explain("w1-line-gradient")'][0]
    assert question("w1-line-gradient")["explanation"] in worked
