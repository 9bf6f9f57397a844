"""The explorer pattern and the multiple-choice check: the base of every week's explorers.

The explorer pattern
--------------------
A figure is a *scene* from :mod:`mmlcalc.plotting`: it draws what never moves
once and moves the rest in ``update(**params)``. :class:`Explorer` builds the
scene on its own matplotlib figure (no pyplot, no backend), calls ``update`` with
the controls' values whenever one changes, and shows the result as a PNG in a
fixed-size image, so the notebook never flickers. Only the moving artists are
redrawn over a cached background (blitting), which keeps an update in the
milliseconds; a control listed in ``rebuild_on`` (a function chooser, say)
redraws everything. An explorer that needs more than controls (buttons, sliders
whose range follows a dropdown) uses the hooks of :class:`Explorer`: ``extra=``
widgets, :meth:`Explorer.paused` and :meth:`Explorer.set_range`.

Every ``*_explorer`` function *returns* its widget: a notebook displays it, and a
test drives it headless by setting ``explorer.controls["dx"].value`` and reading
``explorer.shown`` (the numbers drawn) or ``explorer.readout.value``.

Every control has a visible label and is reachable with the keyboard (Tab, then
the arrow keys move a slider); every figure has a caption that says in words what
it shows, and the readout is announced to screen readers as it changes.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from mmlcalc.plotting.base import Scene, course_style

__all__ = [
    "DPI",
    "LABEL_STYLE",
    "Explorer",
    "MultipleChoice",
    "choice",
    "float_slider",
    "log_slider",
    "set_range",
    "slider_layout",
    "status_html",
]

#: Resolution of explorer frames: sharp enough to read, small enough to encode fast.
DPI = 80
LABEL_STYLE = {"description_width": "initial"}


def slider_layout() -> widgets.Layout:
    """The layout every explorer's sliders share: 460 px wide, so long labels and
    fine steps both fit and the sliders of one explorer line up.

    A fresh :class:`ipywidgets.Layout` each call: widgets must not share one.
    """
    return widgets.Layout(width="460px")


class Explorer(widgets.VBox):
    """A scene redrawn live from its controls.

    Parameters
    ----------
    build : callable
        ``build(figure, **rebuild_values) -> Scene``: draws the scene on ``figure``.
        It receives the current value of every control named in ``rebuild_on``, by
        key, and draws from those values (not from state kept elsewhere), so the
        figure always matches the controls. It runs inside :meth:`paused`: it may
        re-range other controls for the new choice (see :meth:`set_range`).
    controls : mapping of str to ipywidgets value widgets
        Each control's ``value`` is passed to ``scene.update`` under its key (or to
        ``build``, for keys in ``rebuild_on``).
    readout : callable
        ``readout(shown) -> str``: HTML for the numbers ``scene.update`` returned.
    title, caption : str
        The heading, and the text alternative of the figure (what it shows, in words).
    figsize : (float, float)
        Figure size in inches; the image keeps this size in the page.
    rebuild_on : sequence of str
        Keys of the controls that change the whole figure.
    extra : sequence of ipywidgets widgets
        More widgets (a row of buttons, say), placed under the controls.

    Attributes
    ----------
    controls : dict
        The controls, by key; set ``.value`` to drive the explorer.
    shown : dict
        The numbers of the last update (what the figure and readout show).
    figure : matplotlib.figure.Figure
    control_box : ipywidgets.VBox
        The controls, then the ``extra`` widgets.
    image, readout, caption : ipywidgets widgets

    Notes
    -----
    Every explorer has the same five children: title, ``control_box``, image,
    readout, caption. A subclass extends it through three hooks, never by editing
    ``children`` or by overriding the change handler:

    - ``extra=`` adds widgets under the controls;
    - ``with self.paused():`` changes controls without a redraw at each change
      (call :meth:`refresh` or :meth:`rebuild` after, when the block is not
      already inside a redraw);
    - :meth:`set_range` gives a slider a new range and value in one step.

    Examples
    --------
    A subclass with a button that resets its slider:

    >>> from mmlcalc.plotting.base import Scene
    >>> class DotScene(Scene):
    ...     def __init__(self, ax):
    ...         (self.dot,) = ax.plot([0.0], [0.0], "o")
    ...         self.artists = [self.dot]
    ...     def update(self, x=0.0):
    ...         self.dot.set_data([x], [0.0])
    ...         return {"x": x}
    >>> class DotExplorer(Explorer):
    ...     def __init__(self):
    ...         self.reset = widgets.Button(description="Reset")
    ...         self.reset.on_click(lambda _: setattr(self.controls["x"], "value", 0.0))
    ...         super().__init__(lambda figure: DotScene(figure.subplots()),
    ...                          {"x": float_slider("x", 0.5, -1.0, 1.0, 0.1)},
    ...                          readout=lambda s: f"x = {s['x']:.1f}",
    ...                          title="A dot", caption="A dot at x.", extra=[self.reset])
    >>> explorer = DotExplorer()
    >>> explorer.reset.click()
    >>> explorer.shown
    {'x': 0.0}
    """

    def __init__(
        self,
        build: Callable[..., Scene],
        controls: Mapping[str, widgets.ValueWidget],
        *,
        readout: Callable[[dict], str],
        title: str,
        caption: str,
        figsize: tuple[float, float] = (6.4, 3.6),
        rebuild_on: Sequence[str] = (),
        extra: Sequence[widgets.Widget] = (),
    ):
        self._pauses = 0  # how many paused() blocks are open; controls redraw only at 0
        self._build_scene = build
        self._readout_html = readout
        self.controls = dict(controls)
        self.rebuild_on = tuple(rebuild_on)
        unknown = set(self.rebuild_on) - set(self.controls)
        if unknown:
            raise ValueError(f"rebuild_on names no control: {sorted(unknown)}")
        self.shown: dict = {}
        with course_style():
            self.figure = Figure(figsize=figsize, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        width, height = (round(size * DPI) for size in figsize)
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(width=f"{width}px", height=f"{height}px")
        )
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="2.6em"))
        self.caption = widgets.HTML(
            f'<p style="font-size: 90%; max-width: {width}px;"><i>Figure:</i> '
            f"{html.escape(caption)}</p>"
        )
        heading = widgets.HTML(f"<b>{html.escape(title)}</b>")
        for control in self.controls.values():
            if not getattr(control, "description", ""):
                raise ValueError("every control needs a description (its visible label)")
            control.observe(self._on_change, names="value")
        self.control_box = widgets.VBox([*self.controls.values(), *extra])
        super().__init__([heading, self.control_box, self.image, self.readout, self.caption])
        self.add_class("mmlcalc-explorer")
        self._rebuild()
        self.refresh()

    def values(self) -> dict:
        """The current value of every control, by key."""
        return {key: control.value for key, control in self.controls.items()}

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Change controls inside this block without redrawing at each change.

        Nothing is drawn when the block ends: call :meth:`refresh` (or
        :meth:`rebuild`) after it, unless the block runs inside a redraw already
        (in ``build``, say, which runs paused and is followed by a refresh).
        Blocks may nest.
        """
        self._pauses += 1
        try:
            yield
        finally:
            self._pauses -= 1

    def set_range(
        self,
        slider: widgets.ValueWidget,
        low: float,
        high: float,
        value: float | None = None,
        step: float | None = None,
    ) -> None:
        """Give ``slider`` the range [``low``, ``high``] and a value, without a redraw.

        The module function :func:`set_range` (see it for the arguments), run inside
        :meth:`paused`: the caller redraws when it is done.
        """
        with self.paused():
            set_range(slider, low, high, value, step)

    def _rebuild(self) -> None:
        values = self.values()
        self.figure.clear()
        with course_style(), self.paused():
            self.scene = self._build_scene(
                self.figure, **{key: values[key] for key in self.rebuild_on}
            )
            for artist in self.scene.artists:
                artist.set_animated(True)
            self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    def rebuild(self) -> None:
        """Draw the whole figure again (``build`` runs again), then :meth:`refresh`.

        If ``build`` fails, the last frame stays and the readout says why.
        """
        try:
            self._rebuild()
        except (ArithmeticError, ValueError, TypeError) as error:
            # e.g. a function chosen from the dropdown that fails on the drawn range:
            # keep the last frame, say why, and recover at the next good choice
            self.scene = None
            self.readout.value = status_html(f"⚠ Cannot draw this: {html.escape(str(error))}")
            return
        self.refresh()

    def refresh(self) -> None:
        """Update the scene from the controls and redraw its moving parts."""
        if self.scene is None:  # the last rebuild failed: its message stays in the readout
            return
        values = self.values()
        params = {key: value for key, value in values.items() if key not in self.rebuild_on}
        try:
            self.shown = self.scene.update(**params)
        except (ArithmeticError, ValueError, TypeError) as error:
            self.readout.value = status_html(f"⚠ Cannot draw this: {html.escape(str(error))}")
            return
        self.canvas.restore_region(self._background)
        for artist in self.scene.artists:
            artist.axes.draw_artist(artist)
        self.image.value = self._png()
        self.readout.value = status_html(self._readout_html(self.shown))

    def _png(self) -> bytes:
        rgba = self.canvas.buffer_rgba()
        frame = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # compress_level 1: a larger file, encoded several times faster than the default
        frame.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()

    def _on_change(self, change) -> None:
        if self._pauses:
            return
        if any(change["owner"] is self.controls[key] for key in self.rebuild_on):
            self.rebuild()
        else:
            self.refresh()


def set_range(
    slider: widgets.ValueWidget,
    low: float,
    high: float,
    value: float | None = None,
    step: float | None = None,
) -> None:
    """Give a slider the range [``low``, ``high``] and a value inside it.

    Setting ``min`` and ``max`` one after the other can fail half-way: traitlets
    rejects ``min > max`` at once (moving [0, 1] to [5, 9] by ``min = 5`` first),
    and a ``value`` outside the range is clipped. So the range is first widened to
    cover both the old and the new range, then the value is set, then the range is
    narrowed to the new one: every intermediate state is valid and the value is
    never clipped on the way.

    Parameters
    ----------
    slider : ipywidgets IntSlider, FloatSlider or FloatLogSlider
    low, high : float
        The new range, in the values the slider shows (for a ``FloatLogSlider``,
        values, not exponents: they are converted with its base).
    value : float, optional
        The new value; by default the current value, clipped into the new range.
    step : float, optional
        The new step (an exponent step for a ``FloatLogSlider``); by default unchanged.

    Notes
    -----
    Every change notifies the slider's observers: in an :class:`Explorer`, use
    :meth:`Explorer.set_range` (or call this inside :meth:`Explorer.paused`).

    Examples
    --------
    >>> slider = float_slider("x", 0.5, 0.0, 1.0, 0.01)
    >>> set_range(slider, 5.0, 9.0, 6.0)
    >>> slider.min, slider.max, slider.value
    (5.0, 9.0, 6.0)
    >>> set_range(slider, -2.0, 2.0)            # the value is clipped into the new range
    >>> slider.value
    2.0
    >>> eta = log_slider("η", 0.1, -3, 0)
    >>> set_range(eta, 1e-2, 10.0, 1.0)          # a log slider's range is given as values
    >>> eta.min, eta.max, eta.value
    (-2.0, 1.0, 1.0)
    """
    if not low <= high:
        raise ValueError(f"the range needs low <= high, got [{low}, {high}]")
    if value is None:
        value = min(max(slider.value, low), high)
    if isinstance(slider, widgets.FloatLogSlider):
        low, high = (math.log10(bound) / math.log10(slider.base) for bound in (low, high))
    slider.min, slider.max = min(slider.min, low), max(slider.max, high)  # widen
    slider.value = value
    slider.min, slider.max = low, high  # narrow
    if step is not None:
        slider.step = step


def status_html(text: str) -> str:
    """Wrap a readout so screen readers announce it when it changes."""
    return f'<div role="status" aria-live="polite" style="font-family: monospace;">{text}</div>'


def float_slider(
    description: str, value: float, low: float, high: float, step: float, **options
) -> widgets.FloatSlider:
    """A labelled slider over [``low``, ``high``] in steps of ``step``, two decimals shown.

    ``options`` go to :class:`ipywidgets.FloatSlider` (``continuous_update=False``
    for a slider that redraws the whole figure, say).

    Examples
    --------
    >>> slider = float_slider("x₀", 1.0, -1.0, 2.0, 0.05)
    >>> slider.description, slider.min, slider.max, slider.value
    ('x₀', -1.0, 2.0, 1.0)
    """
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        style=LABEL_STYLE,
        layout=slider_layout(),
        readout_format=".2f",
        **options,
    )


def log_slider(
    description: str, value: float, low_exponent: float, high_exponent: float, **options
) -> widgets.FloatLogSlider:
    """A labelled slider from 10^``low_exponent`` to 10^``high_exponent`` on a log scale.

    Each click multiplies the value by the same factor (10^0.05, about 1.12), so
    small values get as much of the track as large ones; the value is shown in
    scientific notation. ``options`` go to :class:`ipywidgets.FloatLogSlider`.

    Examples
    --------
    >>> slider = log_slider("Δx", 0.1, -3, 0)
    >>> slider.min, slider.max, slider.value          # exponents, then the value
    (-3.0, 0.0, 0.1)
    """
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=low_exponent,
        max=high_exponent,
        step=0.05,
        description=description,
        style=LABEL_STYLE,
        layout=slider_layout(),
        readout_format=".1e",
        **options,
    )


def choice(description: str, options: Sequence[str], value: str | None = None) -> widgets.Dropdown:
    """A labelled dropdown of ``options``, showing ``value`` (by default the first option).

    Examples
    --------
    >>> menu = choice("function", ["sin", "exp"])
    >>> menu.description, menu.value
    ('function', 'sin')
    """
    options = list(options)
    return widgets.Dropdown(
        options=options, value=value or options[0], description=description, style=LABEL_STYLE
    )


class MultipleChoice(widgets.VBox):
    """A "check your understanding" question: choose an option, get feedback at once.

    Parameters
    ----------
    question : str
        The question (HTML allowed; LaTeX between $…$ renders in JupyterLab).
    options : sequence of str
    answer : str
        The right option.
    explanation : str
        Shown with the tick, saying why; after a wrong pick, the *Show the explanation*
        button shows it on request.
    hints : mapping of str to str, optional
        For wrong options: the misconception behind each.

    The options are shown in the order given: :func:`mmlcalc.questions.choose` shuffles
    them (stably, per question) before they get here.

    Examples
    --------
    >>> quiz = MultipleChoice("The slope of y = 3x + 1?", ["1", "3", "4"], "3",
    ...                       explanation="the coefficient of x",
    ...                       hints={"1": "that is the intercept"})
    >>> quiz.explain_button.click()
    >>> "Choose an option first" in quiz.feedback.value
    True
    >>> quiz.choices.value = "1"
    >>> quiz.correct, "intercept" in quiz.feedback.value
    (False, True)
    >>> quiz.explain_button.click()
    >>> "the coefficient of x" in quiz.feedback.value
    True
    >>> quiz.choices.value = "3"
    >>> quiz.correct
    True
    """

    def __init__(
        self,
        question: str,
        options: Sequence[str],
        answer: str,
        explanation: str = "",
        hints: Mapping[str, str] | None = None,
    ):
        if answer not in options:
            raise ValueError(f"the answer {answer!r} is not one of the options {list(options)}")
        self.answer, self.explanation, self.hints = answer, explanation, dict(hints or {})
        self.correct = False
        self.verdict = ""  # the last verdict shown, "" before the first pick
        self.choices = widgets.RadioButtons(
            options=list(options),
            value=None,
            description="Your answer:",
            style=LABEL_STYLE,
            layout=widgets.Layout(width="auto"),
        )
        self.feedback = widgets.HTML(status_html("Choose an option."))
        self.choices.observe(self._judge, names="value")
        # a real button (Tab reaches it, Enter or Space presses it), labelled by its text
        self.explain_button = widgets.Button(
            description="Show the explanation",
            tooltip="Show why the right option is right",
            layout=widgets.Layout(width="auto", align_self="flex-start"),
        )
        self.explain_button.on_click(self._explain)
        super().__init__(
            [widgets.HTMLMath(question), self.choices, self.explain_button, self.feedback]
        )
        self.add_class("mmlcalc-check")

    def _judge(self, change) -> None:
        choice = change["new"]
        if choice is None:
            return
        self.correct = choice == self.answer
        if self.correct:
            text = "✓ Correct" + (f": {self.explanation}" if self.explanation else ".")
        else:
            text = "✗ Not quite" + (f": {self.hints[choice]}" if choice in self.hints else ".")
            text += " Try again, or press Show the explanation."
        self.verdict = text
        self.feedback.value = status_html(html.escape(text))

    def _explain(self, _button=None) -> None:
        """Show the explanation under the last verdict; before a first pick, ask for one."""
        if not self.verdict:
            text = "Choose an option first: the explanation is here once you have tried."
        elif self.correct or not self.explanation:
            text = self.verdict
        else:
            text = f"{self.verdict}\nExplanation: {self.explanation}"
        self.feedback.value = status_html(html.escape(text).replace("\n", "<br>"))
