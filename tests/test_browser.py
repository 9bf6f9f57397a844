"""The course in a real browser: JupyterLab in headless Chromium, driven by Playwright.

For every lecture notebook ``notebooks/0[1-6]_*.ipynb`` present:

* *Run → Run All Cells* runs every code cell, no cell shows an error or stderr output,
  and every explorer and check renders as a widget (not "Error displaying widget");
* the main (first) explorer answers the mouse (a slider handle dragged along its
  track) and the keyboard (the handle focused, then ArrowRight): the figure and the
  readout change each time;
* every explorer control has a visible label and is reached with Tab, every readout
  is announced (``role=status``), and every figure has a text alternative (the
  caption under it, or an ``alt`` text); a menu's label is its accessible name. A
  slider's label is not (ipywidgets 8.1 leaves the handle unnamed): a strict xfail
  records that gap and turns red once it is closed.

The course index opens, and its link opens week 1. For the released week 1 assignment
(built with ``nbgrader generate_assignment`` in a temporary course), nbgrader's
*Validate* button reports a failure for the released stub and success for the stub
filled in with the reference answers.

JupyterLab runs on a free loopback port with a random token, from a temporary copy of
``notebooks/`` and ``source/`` (see ``browser_harness.py``). Screenshots land in
``test-artifacts/browser/``: one after each step, and a last one of every test, passed
or failed. The tests skip only when ``/usr/bin/chromium`` or the ``playwright``
package is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import browser_harness
import course_harness
import nbformat
import pytest

from mmlcalc import questions

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
LECTURES = sorted(NOTEBOOK_DIR.glob("0[1-6]_*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"

#: Bounds, not targets: week 1 opens in ~8 s and runs all its cells in ~8 s on 2 cores.
ACTION_TIMEOUT_MS = 30_000
OPEN_TIMEOUT_MS = 90_000
RUN_ALL_TIMEOUT_MS = 180_000
VALIDATE_TIMEOUT_MS = 180_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # skipped without Chromium: conftest.py

STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
#: A control of an explorer: a direct child of the controls box (the explorer's second child).
CONTROLS = ".mmlcalc-explorer > .widget-vbox:nth-child(2) > .jupyter-widgets"
#: What a control's keyboard focus lands on: the slider handle, the select, a radio button.
FOCUS_TARGET = '[role="slider"], select, input[type="radio"], input[type="checkbox"], button'


def _ids(paths):
    return [path.stem for path in paths]


# ---------------------------------------------------------------------------- fixtures


try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the tests skip; the name only has to exist
    PlaywrightTimeout = TimeoutError


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a temporary copy of ``notebooks/`` and ``source/``; always stopped."""
    folder = tmp_path_factory.mktemp("jupyterlab")
    root = folder / "root"
    for name in ("notebooks", "source"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(".ipynb_*"))
    state = folder / "state"
    state.mkdir()
    with browser_harness.JupyterLab(root, state=state) as server:
        yield server


@pytest.fixture(scope="module")
def browser(playwright):
    with browser_harness.browser(playwright, timeout_ms=ACTION_TIMEOUT_MS) as context:
        yield context


class Shots:
    """Numbered screenshots of one test in ``test-artifacts/browser/``."""

    def __init__(self, page, name: str):
        self.page, self.name, self.count = page, re.sub(r"[^\w.-]+", "_", name), 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(self, step: str, *, locator=None) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.name}-{self.count:02d}-{step}.png"
        try:
            (locator or self.page).screenshot(path=str(path), timeout=ACTION_TIMEOUT_MS)
        except Exception:  # a screenshot must never hide the real failure
            pass
        return path


def open_notebook(page, lab, path: str) -> None:
    """Open ``path`` (relative to the server root) in JupyterLab and wait for an idle kernel."""
    # a workspace of its own per notebook: in the shared default workspace JupyterLab
    # reopens the notebooks an earlier test left open, and their cells would count too
    workspace = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/{path}"), timeout=OPEN_TIMEOUT_MS)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT_MS)
    page.wait_for_selector(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]',
        timeout=OPEN_TIMEOUT_MS,
    )


def run_all_cells(page, lab) -> None:
    """*Run → Run All Cells* from the menu; wait until every code cell has run.

    A click that lands while the kernel is still connecting runs nothing: if no cell has
    started after a while, the menu is used once more.
    """
    prompts = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt"
    started = f"""() => [...document.querySelectorAll('{prompts}')]
        .some(prompt => /^\\[(\\d+|\\*)\\]:$/.test(prompt.textContent.trim()))"""
    for attempt in range(2):
        page.click('.lm-MenuBar-itemLabel:text-is("Run")')
        page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')
        try:
            page.wait_for_function(started, timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt:
                raise
    # done: no cell waits or runs, and either every cell ran or one stopped the run with
    # an error (the cells after it are left unrun)
    page.wait_for_function(
        f"""() => {{
            const found = [...document.querySelectorAll('{prompts}')]
                .map(prompt => prompt.textContent.trim());
            const ran = found.filter(text => /^\\[\\d+\\]:$/.test(text)).length;
            return ran > 0 && !found.includes('[*]:')
                && (ran === found.length || !!document.querySelector('{STDERR_OUTPUT}'));
        }}""",
        timeout=RUN_ALL_TIMEOUT_MS,
    )
    browser_harness.wait_for(lab.kernels_idle, timeout=60, message="the kernel stayed busy")


@pytest.fixture(scope="module", params=LECTURES, ids=_ids(LECTURES))
def lecture(request, lab, browser):
    """A page with the lecture open and all its cells run; closed after the module's tests."""
    path = request.param
    page = browser.new_page()
    shots = Shots(page, f"{path.stem}-run-all")
    try:
        open_notebook(page, lab, f"notebooks/{path.name}")
        shots.take("opened")
        run_all_cells(page, lab)
        shots.take("ran")
        yield path, page
    finally:
        shots.take("last")
        page.close()
        lab.shutdown_kernels()


@pytest.fixture
def shots(request, lecture):
    _, page = lecture
    recorder = Shots(page, request.node.name)
    yield recorder
    recorder.take("last")  # passed or failed, the state the test ended in


def explorer_cells(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and re.search(r"\b\w+_explorer\(", cell.source)
    ]


# ---------------------------------------------------------------------------- lectures


def test_run_all_cells_shows_no_error(lecture, shots):
    path, page = lecture
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    prompts = [
        text.strip() for text in page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
    ]
    assert len(prompts) == len(code_cells), "not every code cell is in the page"
    errors = page.locator(STDERR_OUTPUT)
    if errors.count():
        errors.first.scroll_into_view_if_needed()
        shots.take("error")
    texts = [text.strip()[:400] for text in errors.all_text_contents()]
    assert not texts, f"{path.name} shows error or stderr output:\n" + "\n---\n".join(texts)
    unrun = [index for index, text in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", text)]
    assert not unrun, f"code cells {unrun} of {path.name} did not run"
    broken = page.locator('.jp-OutputArea-output:has-text("Error displaying widget")')
    assert broken.count() == 0, broken.first.text_content()
    explorers = page.locator(".mmlcalc-explorer")
    assert explorers.count() >= len(explorer_cells(path)) >= 1, (
        f"{explorers.count()} explorers rendered for {len(explorer_cells(path))} explorer cells"
    )
    assert page.locator(".mmlcalc-check").count() >= 1, "no multiple-choice check rendered"


def readout_text(explorer) -> str:
    return explorer.locator('[role="status"]').first.inner_text()


def image_source(explorer) -> str:
    return explorer.locator("img").first.get_attribute("src") or ""


def wait_for_change(page, explorer, readout: str, image: str) -> None:
    """Wait until the explorer's readout or figure differs from ``readout`` and ``image``."""
    explorer.locator('[role="status"]').first.wait_for()
    page.wait_for_function(
        """([explorer, readout, image]) =>
            explorer.querySelector('[role="status"]').innerText !== readout
            || explorer.querySelector('img').getAttribute('src') !== image""",
        arg=[explorer.element_handle(), readout, image],
        timeout=ACTION_TIMEOUT_MS,
    )


def test_main_explorer_answers_the_mouse_and_the_keyboard(lecture, shots):
    path, page = lecture
    explorer = page.locator(".mmlcalc-explorer").first
    explorer.scroll_into_view_if_needed()
    slider = explorer.locator(".widget-slider").first
    assert slider.count(), f"the main explorer of {path.name} has no slider"
    shots.take("before", locator=explorer)

    # the mouse: drag the handle to a quarter of the track (off its start value)
    readout, image = readout_text(explorer), image_source(explorer)
    track = slider.locator(".noUi-base").bounding_box()
    handle = slider.locator(".noUi-handle").first
    box = handle.bounding_box()
    start_x = box["x"] + box["width"] / 2
    target_x = track["x"] + track["width"] * (0.25 if start_x > track["x"] + track["width"] / 2
                                              else 0.75)  # fmt: skip
    page.mouse.move(start_x, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target_x, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    wait_for_change(page, explorer, readout, image)
    after_mouse = readout_text(explorer)
    assert image_source(explorer) != image, "the figure did not change after the drag"
    assert after_mouse != readout, "the readout did not change after the drag"
    shots.take("after-mouse", locator=explorer)

    # the keyboard: focus the handle, press the right arrow
    image = image_source(explorer)
    handle.focus()
    assert handle.evaluate("element => element === document.activeElement")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_change(page, explorer, after_mouse, image)
    assert readout_text(explorer) != after_mouse, "the readout did not change after ArrowRight"
    assert image_source(explorer) != image, "the figure did not change after ArrowRight"
    shots.take("after-keyboard", locator=explorer)


def test_every_explorer_control_has_a_visible_label(lecture, shots):
    path, page = lecture
    controls = page.locator(CONTROLS)
    assert controls.count() >= 1
    unlabelled = controls.evaluate_all(
        """controls => controls
            // a row of buttons (Step, Run 100, Reset) is a box: check what is inside it
            .flatMap(control => control.classList.contains('widget-box')
                ? [...control.children] : [control])
            .map((control, index) => {
                const visible = element => element && element.offsetWidth > 0
                    && element.offsetHeight > 0 && getComputedStyle(element).display !== 'none';
                if (control.tagName === 'BUTTON') {  // a button is labelled by its text
                    return visible(control) && control.innerText.trim().length > 0 ? null
                        : `button ${index} has no visible text`;
                }
                const label = control.querySelector(':scope > label.widget-label');
                return visible(label) && label.innerText.trim().length > 0 ? null
                    : `control ${index} (${control.className}) has no visible label`;
            }).filter(Boolean)"""
    )
    assert not unlabelled, f"{path.name}: " + "; ".join(unlabelled)
    # a menu's label is its accessible name too (<label for=…>): a screen reader says it
    menus = page.locator(".mmlcalc-explorer .widget-dropdown > label.widget-label")
    for label in menus.all_inner_texts():
        assert page.get_by_role("combobox", name=label.strip(), exact=True).count(), (
            f"the menu labelled {label!r} has no accessible name"
        )


@pytest.mark.xfail(
    strict=True,
    reason="ipywidgets 8.1 does not link a slider's label to its handle (role=slider, no "
    "aria-label): screen readers announce the value without the name. Passes once it does.",
)
def test_every_explorer_slider_has_an_accessible_name(lecture, shots):
    _, page = lecture
    labels = page.locator(".mmlcalc-explorer .widget-slider > label.widget-label")
    for label in labels.all_inner_texts():
        assert page.get_by_role("slider", name=label.strip(), exact=True).count(), (
            f"the slider labelled {label!r} has no accessible name"
        )


def test_every_explorer_control_is_reached_with_tab(lecture, shots):
    """Tab from the first control of each explorer visits every control in turn."""
    path, page = lecture
    explorers = page.locator(".mmlcalc-explorer")
    for number in range(explorers.count()):
        explorer = explorers.nth(number)
        explorer.scroll_into_view_if_needed()
        targets = explorer.locator(".widget-vbox:nth-child(2) > .jupyter-widgets").evaluate_all(
            f"""controls => controls.map(control => {{
                const target = control.querySelector('{FOCUS_TARGET}');
                if (target) target.dataset.tabCheck = 'pending';
                return target ? target.tabIndex : null;
            }})"""
        )
        assert None not in targets, f"explorer {number}: a control with nothing to focus"
        assert all(index >= 0 for index in targets), f"explorer {number}: tabindex {targets}"
        explorer.locator("[data-tab-check]").first.focus()
        explorer.evaluate("e => { document.activeElement.dataset.tabCheck = 'reached'; }")
        for _ in range(4 * len(targets)):  # a slider has two stops: its handle and its readout
            page.keyboard.press("Tab")
            reached = page.evaluate(
                """() => {
                    const active = document.activeElement;
                    if (active && active.dataset.tabCheck) active.dataset.tabCheck = 'reached';
                    return document.querySelectorAll('[data-tab-check="pending"]').length;
                }"""
            )
            if not reached:
                break
        pending = explorer.locator('[data-tab-check="pending"]')
        if pending.count():
            shots.take(f"explorer-{number}-tab", locator=explorer)
        labels = [
            target.evaluate("e => e.closest('.jupyter-widgets').innerText.split('\\n')[0]")
            for target in pending.all()
        ]
        assert not labels, f"{path.name} explorer {number}: Tab never reached {labels}"


def test_every_explorer_figure_has_a_text_alternative_and_an_announced_readout(lecture, shots):
    path, page = lecture
    found = page.locator(".mmlcalc-explorer").evaluate_all(
        """explorers => explorers.map(explorer => {
            const image = explorer.querySelector(':scope > img');
            const children = [...explorer.children];
            const after = children.slice(children.indexOf(image) + 1)
                .map(child => child.innerText.trim()).join(' ');
            const status = explorer.querySelector('[role="status"]');
            return {
                title: children[0].innerText.trim(),
                image: !!image,
                alt: image ? (image.getAttribute('alt') || '').trim() : '',
                caption: (after.match(/Figure:\\s*(.*)/s) || ['', ''])[1].trim(),
                status: !!status && status.getAttribute('aria-live') === 'polite',
            };
        })"""
    )
    assert found
    for explorer in found:
        assert explorer["image"], f"{explorer['title']}: no figure"
        assert len(explorer["alt"]) >= 20 or len(explorer["caption"]) >= 40, (
            f"{path.name}, {explorer['title']!r}: the figure has neither an alt text nor a "
            "caption saying in words what it shows"
        )
        assert explorer["status"], f"{explorer['title']}: the readout is not announced"


# ---------------------------------------------------------------------------- check cells


def first_question(path: Path, kind: str) -> tuple[str, dict]:
    """The id and bank entry of the lecture's first check question of ``kind``."""
    week = int(path.name[1])
    return next((qid, e) for qid, e in questions.bank(week).items() if e["kind"] == kind)


def status_of(locator) -> str:
    return locator.locator('[role="status"]').last.inner_text()


def test_a_choice_check_answers_the_keyboard_and_explains_on_request(lecture, shots):
    """The first multiple-choice check: options shuffled as the bank says, each a labelled
    radio button; Space picks the focused one and the verdict is announced; a wrong pick
    gets its hint, not the answer; Tab reaches *Show the explanation*, Enter presses it."""
    path, page = lecture
    qid, entry = first_question(path, "choice")
    quiz = page.locator(".mmlcalc-check").first
    quiz.scroll_into_view_if_needed()
    radios = quiz.locator('input[type="radio"]')
    labels = [
        radio.evaluate("e => (e.closest('label') || e.parentElement).innerText.trim()")
        for radio in radios.all()
    ]
    assert labels == questions.shuffled_options(qid), f"{path.name}: {labels}"
    assert quiz.locator(".widget-radio > label.widget-label").inner_text().strip()  # "Your answer:"
    status = quiz.locator('[role="status"]').last
    assert status.get_attribute("aria-live") == "polite"
    wrong = next(i for i, label in enumerate(labels) if label != entry["answer"])
    radios.nth(wrong).focus()
    page.keyboard.press("Space")
    quiz.locator('[role="status"]', has_text="Not quite").wait_for(timeout=ACTION_TIMEOUT_MS)
    verdict = status_of(quiz)
    assert entry["hints"][labels[wrong]] in verdict and entry["explanation"] not in verdict
    shots.take("wrong-pick", locator=quiz)
    for _ in range(len(labels) + 1):  # Tab leaves the options for the button
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText") == "Show the explanation":
            break
    assert page.evaluate("() => document.activeElement.tagName") == "BUTTON", (
        "Tab never reached the Show the explanation button"
    )
    page.keyboard.press("Enter")
    quiz.locator('[role="status"]', has_text="Explanation:").wait_for(timeout=ACTION_TIMEOUT_MS)
    assert entry["explanation"] in status_of(quiz)
    shots.take("explained", locator=quiz)
    radios.nth(labels.index(entry["answer"])).focus()
    page.keyboard.press("Space")
    quiz.locator('[role="status"]', has_text="✓ Correct").wait_for(timeout=ACTION_TIMEOUT_MS)
    shots.take("right-pick", locator=quiz)


def test_a_numeric_check_answers_a_typed_answer(lecture, shots):
    """The first numeric check cell: a known slip typed in gets its hint (not the answer),
    the right answer typed to the stated precision gets a tick, announced (role=status)."""
    path, page = lecture
    qid, entry = first_question(path, "number")
    cell = page.locator(".jp-CodeCell", has_text=f'check("{qid}", my_answer)').first
    cell.scroll_into_view_if_needed()
    assert "Replace None" in cell.locator(".jp-OutputArea").inner_text()
    slip = entry["mistakes"][0]
    for typed, expected in ((slip["value"], "Not yet"), (entry["answer"], "✓ Correct")):
        editor = cell.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+A")
        # one line, inserted as text (typing would trigger the editor's bracket closing)
        page.keyboard.insert_text(f'my_answer = {typed!r}; check("{qid}", my_answer)')
        page.keyboard.press("Shift+Enter")
        output = cell.locator(".jp-OutputArea-output", has_text=expected)
        output.wait_for(timeout=ACTION_TIMEOUT_MS)
        shown = output.inner_text()
        if expected == "Not yet":
            assert slip["hint"] in shown and entry["explanation"] not in shown
        else:
            assert entry["explanation"] in shown
        assert output.locator('[role="status"]').count() == 1
        shots.take(expected.split()[-1].lower(), locator=cell)


# ---------------------------------------------------------------------------- course index


def test_course_index_opens_and_its_link_opens_week_1(request, lab, browser):
    page = browser.new_page()
    shots = Shots(page, request.node.name)
    try:
        open_notebook(page, lab, "notebooks/00_index.ipynb")
        title = page.locator(".jp-NotebookPanel .jp-RenderedMarkdown h1").first
        assert "course index" in title.inner_text()
        shots.take("index")
        page.locator(".jp-RenderedMarkdown a", has_text="Week 1 — What is calculus?").first.click()
        page.locator(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1",
            has_text="Week 1 — What is calculus?",
        ).first.wait_for(timeout=OPEN_TIMEOUT_MS)
        shots.take("week1")
    finally:
        shots.take("last")
        page.close()


# ---------------------------------------------------------------------------- assignment


@pytest.fixture(scope="module")
def released(tmp_path_factory, lab):
    """week1's release and the release filled in with the reference answers, in the lab root."""
    folder = tmp_path_factory.mktemp("course")
    course = course_harness.Course.create(folder)
    course.generate("week1")
    release = course.release_path("week1") / "slopes_and_derivatives.ipynb"
    master = course_harness.SOURCE / "week1" / "slopes_and_derivatives.ipynb"
    target = lab.root / "week1"
    target.mkdir(exist_ok=True)
    shutil.copy(release, target / "slopes_and_derivatives.ipynb")
    filled = course_harness.fill_in(
        course_harness.read_notebook(release), course_harness.read_notebook(master)
    )
    course_harness.write_notebook(filled, target / "reference_answers.ipynb")
    return target


def validate(page, lab, path: str, shots: Shots) -> str:
    """Open ``path``, press nbgrader's Validate button and return the verdict dialog's text."""
    open_notebook(page, lab, path)
    button = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button")
    button.wait_for(state="visible")
    shots.take("opened")
    button.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible", timeout=VALIDATE_TIMEOUT_MS)
    page.wait_for_function(
        "() => !/Validating/i.test(document.querySelector('.jp-Dialog').innerText)",
        timeout=VALIDATE_TIMEOUT_MS,
    )
    shots.take("verdict")
    return dialog.inner_text()


@pytest.mark.parametrize(
    ("name", "passes"),
    [("slopes_and_derivatives.ipynb", False), ("reference_answers.ipynb", True)],
    ids=["stub-fails", "reference-passes"],
)
def test_validate_button_gives_the_verdict(request, released, lab, browser, name, passes):
    page = browser.new_page()
    shots = Shots(page, request.node.name)
    try:
        verdict = validate(page, lab, f"week1/{name}", shots)
    finally:
        shots.take("last")
        page.close()
    if passes:
        assert re.search(r"Success! Your notebook passes all the tests", verdict), verdict
    else:
        assert re.search(r"failed", verdict, re.I), verdict
        assert "NotImplementedError" in verdict, verdict
