"""Explorers: a course figure wrapped in sliders, and quick multiple-choice checks.

The explorer pattern
--------------------
A figure is a *scene* from :mod:`mmlcalc.plotting`: it draws what never moves
once and moves the rest in ``update(**params)``. :class:`Explorer` builds the
scene on its own matplotlib figure (no pyplot, no backend), calls ``update`` with
the controls' values whenever one changes, and shows the result as a PNG in a
fixed-size image, so the notebook never flickers. Only the moving artists are
redrawn over a cached background (blitting), which keeps an update in the
milliseconds; a control listed in ``rebuild_on`` (a function chooser, say)
redraws everything.

Every ``*_explorer`` function *returns* its widget: a notebook displays it, and a
test drives it headless by setting ``explorer.controls["dx"].value`` and reading
``explorer.shown`` (the numbers drawn) or ``explorer.readout.value``.

Every control has a visible label and is reachable with the keyboard (Tab, then
the arrow keys move a slider); every figure has a caption that says in words what
it shows, and the readout is announced to screen readers as it changes.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from mmlcalc.plotting import (
    DerivativePairScene,
    DifferenceErrorScene,
    ProductRuleScene,
    Scene,
    SecantScene,
    course_style,
)

__all__ = [
    "Explorer",
    "MultipleChoice",
    "derivative_explorer",
    "difference_error_explorer",
    "product_rule_explorer",
    "secant_explorer",
]

#: Resolution of explorer frames: sharp enough to read, small enough to encode fast.
DPI = 80
_LABEL_STYLE = {"description_width": "initial"}


def _slider_layout() -> widgets.Layout:
    return widgets.Layout(width="460px")


class Explorer(widgets.VBox):
    """A scene redrawn live from its controls.

    Parameters
    ----------
    build : callable
        ``build(figure, **rebuild_values) -> Scene``: draws the scene on ``figure``.
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

    Attributes
    ----------
    controls : dict
        The controls, by key; set ``.value`` to drive the explorer.
    shown : dict
        The numbers of the last update (what the figure and readout show).
    figure : matplotlib.figure.Figure
    image, readout, caption : ipywidgets widgets
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
    ):
        self._build_scene = build
        self._format = readout
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
        super().__init__(
            [heading, widgets.VBox(list(self.controls.values())), self.image, self.readout,
             self.caption]
        )
        self.add_class("mmlcalc-explorer")
        self._rebuild()
        self.refresh()

    def values(self) -> dict:
        """The current value of every control, by key."""
        return {key: control.value for key, control in self.controls.items()}

    def _rebuild(self) -> None:
        values = self.values()
        self.figure.clear()
        with course_style():
            self.scene = self._build_scene(
                self.figure, **{key: values[key] for key in self.rebuild_on}
            )
            for artist in self.scene.artists:
                artist.set_animated(True)
            self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    def refresh(self) -> None:
        """Update the scene from the controls and redraw its moving parts."""
        values = self.values()
        params = {key: value for key, value in values.items() if key not in self.rebuild_on}
        try:
            self.shown = self.scene.update(**params)
        except (ArithmeticError, ValueError, TypeError) as error:
            self.readout.value = _status(f"⚠ Cannot draw this: {html.escape(str(error))}")
            return
        self.canvas.restore_region(self._background)
        for artist in self.scene.artists:
            artist.axes.draw_artist(artist)
        self.image.value = self._png()
        self.readout.value = _status(self._format(self.shown))

    def _png(self) -> bytes:
        rgba = self.canvas.buffer_rgba()
        frame = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # compress_level 1: a larger file, encoded several times faster than the default
        frame.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()

    def _on_change(self, change) -> None:
        if any(change["owner"] is self.controls[key] for key in self.rebuild_on):
            self._rebuild()
        self.refresh()


def _status(text: str) -> str:
    return f'<div role="status" aria-live="polite" style="font-family: monospace;">{text}</div>'


def _float_slider(description: str, value: float, low: float, high: float, step: float,
                  **options) -> widgets.FloatSlider:
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        style=_LABEL_STYLE, layout=_slider_layout(), readout_format=".2f", **options
    )


def _log_slider(description: str, value: float, low_exponent: float, high_exponent: float,
                **options) -> widgets.FloatLogSlider:
    return widgets.FloatLogSlider(
        value=value, base=10, min=low_exponent, max=high_exponent, step=0.05,
        description=description, style=_LABEL_STYLE, layout=_slider_layout(),
        readout_format=".1e", **options
    )


def _choice(description: str, options: Sequence[str], value: str | None = None) -> widgets.Dropdown:
    options = list(options)
    return widgets.Dropdown(options=options, value=value or options[0], description=description,
                            style=_LABEL_STYLE)


def secant_explorer(f: Callable, df: Callable | None = None, x0: float = 1.0, dx: float = 1.0,
                    x_range: Sequence[float] = (-1.0, 3.0)) -> Explorer:
    """Slide Δx towards 0 and watch the secant through x0 and x0 + Δx turn into the tangent.

    Parameters
    ----------
    f : callable
        The function.
    df : callable, optional
        Its exact derivative; when given, the tangent and the secant's error are shown.
    x0, dx : float
        Where the explorer starts.
    x_range : (float, float)
        The x interval drawn.

    Examples
    --------
    >>> explorer = secant_explorer(lambda x: x**2, lambda x: 2 * x, x0=1.0, dx=1.0)
    >>> explorer.shown["secant_slope"]      # (4 - 1) / 1
    3.0
    >>> explorer.controls["dx"].value = 0.01
    >>> round(explorer.shown["secant_slope"], 6)  # 2 + Δx
    2.01
    """
    controls = {
        "x0": _float_slider("x₀ (where the slope is measured)", x0, x_range[0],
                            x_range[1] - 1.0, 0.05),
        "dx": _log_slider("Δx (run of the secant)", dx, -3, 0),
    }

    def readout(s: dict) -> str:
        text = (f"secant slope = rise/run = {s['rise']:.5f} / {s['dx']:.5f} = "
                f"<b>{s['secant_slope']:.5f}</b>")
        if "derivative" in s:
            text += (f"<br>f′(x₀) = {s['derivative']:.5f} &nbsp; "
                     f"error of the secant slope = {s['error']:+.2e}")
        return text

    return Explorer(
        lambda figure: SecantScene(figure.subplots(), f, df, x_range),
        controls,
        readout=readout,
        title="From secant to tangent",
        caption=(
            "The curve y = f(x) with a secant line through the points at x₀ and x₀ + Δx, the "
            "rise and run drawn as dashed guides, and the tangent at x₀ as a dotted line. As Δx "
            "shrinks the secant turns onto the tangent and its slope approaches f′(x₀)."
        ),
        figsize=(6.4, 3.8),
    )


def derivative_explorer(functions: Mapping[str, tuple[Callable, Callable]], x: float = 0.5,
                        x_range: Sequence[float] = (-3.0, 3.0)) -> Explorer:
    """Pick a function and move x: its tangent on the left, the slope as a point of f′ on the right.

    Parameters
    ----------
    functions : mapping of str to (f, df)
        The functions to choose from, by name, each with its derivative.

    Examples
    --------
    >>> explorer = derivative_explorer({"x²": (lambda x: x**2, lambda x: 2 * x),
    ...                                 "sin x": (np.sin, np.cos)}, x=1.0)
    >>> explorer.shown["slope"]
    2.0
    >>> explorer.controls["function"].value = "sin x"
    >>> explorer.controls["x"].value = 0.0
    >>> explorer.shown["slope"]
    1.0
    """
    if not functions:
        raise ValueError("give at least one function: {'name': (f, df)}")
    controls = {
        "function": _choice("function", functions),
        "x": _float_slider("x", x, x_range[0], x_range[1], 0.05),
    }

    def build(figure: Figure, function: str) -> Scene:
        f, df = functions[function]
        return DerivativePairScene(figure.subplots(1, 2), f, df, x_range, name="f")

    def readout(s: dict) -> str:
        return (f"f(x) = {s['f']:.4f} &nbsp; slope of the tangent = f′(x) = <b>{s['slope']:.4f}</b>"
                + (" (a flat tangent: a stationary point)" if abs(s["slope"]) < 1e-2 else ""))

    return Explorer(
        build, controls, readout=readout, rebuild_on=("function",),
        title="A function and its derivative",
        caption=(
            "Left: the chosen function with its tangent line at x. Right: the derivative f′, "
            "with a point at height f′(x), the slope of that tangent. Where the tangent is "
            "flat, f′ crosses zero."
        ),
        figsize=(8.8, 3.4),
    )


def product_rule_explorer(u: Callable, v: Callable, du: Callable | None = None,
                          dv: Callable | None = None, x: float = 1.0, dx: float = 0.3,
                          x_range: Sequence[float] = (0.5, 2.0)) -> Explorer:
    """Grow x by Δx and watch the rectangle u·v grow by two strips and a corner.

    With the derivatives ``du`` and ``dv`` the readout compares the growth rate
    Δ(uv)/Δx with the product rule u′v + uv′.

    Examples
    --------
    >>> explorer = product_rule_explorer(lambda x: x, lambda x: x**2, lambda x: 1.0 + 0 * x,
    ...                                  lambda x: 2 * x, x=1.0, dx=0.5)
    >>> explorer.shown["corner"]          # Δu·Δv = 0.5 × 1.25
    0.625
    >>> explorer.controls["dx"].value = 0.001
    >>> round(explorer.shown["rate"], 2)  # → u′v + uv′ = 1 + 2 = 3
    3.0
    """
    controls = {
        "x": _float_slider("x", x, x_range[0], x_range[1], 0.05),
        "dx": _float_slider("Δx", dx, 0.0, 1.0, 0.01),
    }

    def build(figure: Figure) -> Scene:
        return ProductRuleScene(figure.subplots(), u, v, x_range, dx_max=1.0)

    def readout(s: dict) -> str:
        text = (f"Δ(uv) = v·Δu + u·Δv + Δu·Δv = {s['v'] * s['du']:.4f} + {s['u'] * s['dv']:.4f}"
                f" + {s['corner']:.4f} = {s['growth']:.4f}")
        if s["dx"] > 0:
            text += f"<br>Δ(uv)/Δx = <b>{s['rate']:.4f}</b>"
            if du is not None and dv is not None:
                exact = float(du(s["x"])) * s["v"] + s["u"] * float(dv(s["x"]))
                text += f" &nbsp; product rule u′v + uv′ = {exact:.4f}"
        return text

    return Explorer(
        build, controls, readout=readout,
        title="The product rule as a growing rectangle",
        caption=(
            "A rectangle of width u(x) and height v(x), so its area is u·v. Growing x by Δx adds "
            "a hatched strip v·Δu on the right, a hatched strip u·Δv on top, and a small corner "
            "Δu·Δv, which shrinks fastest as Δx goes to 0."
        ),
        figsize=(5.6, 4.2),
    )


def difference_error_explorer(functions: Mapping[str, tuple[Callable, Callable]],
                              x0: float = 1.0, h: float = 1e-4) -> Explorer:
    """Move the step h along the error curves of forward and central differences (log axes).

    Examples
    --------
    >>> explorer = difference_error_explorer({"sin": (np.sin, np.cos)}, x0=1.0, h=1e-2)
    >>> bool(explorer.shown["central_error"] < explorer.shown["forward_error"])
    True
    >>> explorer.controls["h"].value = 1e-13
    >>> bool(explorer.shown["central_error"] > 1e-6)   # round-off has taken over
    True
    """
    if not functions:
        raise ValueError("give at least one function: {'name': (f, df)}")
    controls = {
        "function": _choice("function", functions),
        "x0": _float_slider("x (where f′ is estimated)", x0, -3.0, 3.0, 0.1,
                            continuous_update=False),
        "h": _log_slider("step h", h, -15, 0),
    }

    def build(figure: Figure, function: str, x0: float) -> Scene:
        f, df = functions[function]
        return DifferenceErrorScene(figure.subplots(), f, df, x0)

    def readout(s: dict) -> str:
        return (
            f"h = {s['h']:.1e}: forward error = {s['forward_error']:.2e}, "
            f"central error = <b>{s['central_error']:.2e}</b><br>"
            f"smallest error on the curve: forward at h ≈ {s['forward_best_h']:.0e}, "
            f"central at h ≈ {s['central_best_h']:.0e}"
        )

    return Explorer(
        build, controls, readout=readout, rebuild_on=("function", "x0"),
        title="How small should h be?",
        caption=(
            "Error of the forward and central difference estimates of f′(x) against the step h, "
            "both on logarithmic axes. From the right, the errors fall along straight lines of "
            "slope 1 (forward) and 2 (central) until round-off error, the grey line ε/h, takes "
            "over and they rise again. Dots mark the errors at the chosen h."
        ),
        figsize=(6.4, 4.0),
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
        Shown with the tick, saying why.
    hints : mapping of str to str, optional
        For wrong options: the misconception behind each.

    Examples
    --------
    >>> quiz = MultipleChoice("The slope of y = 3x + 1?", ["1", "3", "4"], "3",
    ...                       explanation="the coefficient of x",
    ...                       hints={"1": "that is the intercept"})
    >>> quiz.choices.value = "1"
    >>> quiz.correct, "intercept" in quiz.feedback.value
    (False, True)
    >>> quiz.choices.value = "3"
    >>> quiz.correct
    True
    """

    def __init__(self, question: str, options: Sequence[str], answer: str, explanation: str = "",
                 hints: Mapping[str, str] | None = None):
        if answer not in options:
            raise ValueError(f"the answer {answer!r} is not one of the options {list(options)}")
        self.answer, self.explanation, self.hints = answer, explanation, dict(hints or {})
        self.correct = False
        self.choices = widgets.RadioButtons(
            options=list(options), value=None, description="Your answer:",
            style=_LABEL_STYLE, layout=widgets.Layout(width="auto"),
        )
        self.feedback = widgets.HTML(_status("Choose an option."))
        self.choices.observe(self._judge, names="value")
        super().__init__([widgets.HTMLMath(question), self.choices, self.feedback])
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
            text += " Try again."
        self.feedback.value = _status(html.escape(text))

