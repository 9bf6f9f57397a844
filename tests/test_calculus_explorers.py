"""The four week 1 explorers and MultipleChoice, driven headless.

Each explorer is built as ``notebooks/01_slopes_and_derivatives.ipynb`` builds it; a
test sets a control's ``.value`` (what a slider drag does) and checks the numbers the
explorer shows against values computed here, the readout text, the PNG frame and the
data of the moving artists.
"""

from __future__ import annotations

import io
import math
import re

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from mmlcalc.widgets import (
    DPI,
    Explorer,
    MultipleChoice,
    derivative_explorer,
    difference_error_explorer,
    product_rule_explorer,
    secant_explorer,
)

# ---------------------------------------------------------------------------- the notebook's maths


def f(x):
    return x**2


def df(x):
    return 2 * x


def cubic(x):
    return x**3 - 3 * x


def dcubic(x):
    return 3 * x**2 - 3


def bump(x):
    return 1 / (1 + x**2)


def dbump(x):
    return -2 * x / (1 + x**2) ** 2


def u(x):
    return x + 1


def du(x):
    return np.ones_like(x)


def v(x):
    return x**2


def dv(x):
    return 2 * x


DERIVATIVE_FUNCTIONS = {
    "x³ − 3x": (cubic, dcubic),
    "x²": (f, df),
    "sin x": (np.sin, np.cos),
    "eˣ": (np.exp, np.exp),
    "1 / (1 + x²)": (bump, dbump),
}
ERROR_FUNCTIONS = {
    "sin x": (np.sin, np.cos),
    "eˣ": (np.exp, np.exp),
    "√(1 + x²)": (lambda x: np.sqrt(1 + x**2), lambda x: x / np.sqrt(1 + x**2)),
}


def build(name: str) -> Explorer:
    """The four explorers exactly as the week 1 notebook builds them."""
    if name == "secant":
        return secant_explorer(f, df, x0=1.0, dx=1.0)
    if name == "derivative":
        return derivative_explorer(DERIVATIVE_FUNCTIONS, x=0.5, x_range=(-3.0, 3.0))
    if name == "product_rule":
        return product_rule_explorer(u, v, du, dv, x=1.0, dx=0.3)
    if name == "difference_error":
        return difference_error_explorer(ERROR_FUNCTIONS, x0=1.0, h=1e-4)
    raise KeyError(name)


FIGSIZES = {  # inches, as each *_explorer function sets them
    "secant": (6.4, 3.8),
    "derivative": (8.8, 3.4),
    "product_rule": (5.6, 4.2),
    "difference_error": (6.4, 4.0),
}
EXPLORERS = list(FIGSIZES)


# ---------------------------------------------------------------------------- helpers


def png_size(data: bytes) -> tuple[int, int]:
    """Check that ``data`` is a valid PNG image and return its (width, height) in pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def expected_pixels(name: str) -> tuple[int, int]:
    width, height = FIGSIZES[name]
    return round(width * DPI), round(height * DPI)


def text(html: str) -> str:
    """The readout without its HTML tags and entities."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>|&nbsp;", " ", html)).strip()


@pytest.fixture(params=EXPLORERS)
def any_explorer(request):
    return request.param, build(request.param)


# ---------------------------------------------------------------------------- common properties


def test_every_explorer_shows_a_png_of_the_figure_size(any_explorer):
    name, explorer = any_explorer
    assert DPI == 80
    assert png_size(explorer.image.value) == expected_pixels(name)
    assert explorer.figure.get_size_inches() == pytest.approx(FIGSIZES[name])
    width, height = expected_pixels(name)
    assert explorer.image.layout.width == f"{width}px"
    assert explorer.image.layout.height == f"{height}px"


def test_every_control_has_a_label(any_explorer):
    _, explorer = any_explorer
    assert explorer.controls
    for key, control in explorer.controls.items():
        assert control.description.strip(), f"control {key!r} has no description"


def test_every_explorer_has_a_caption_and_a_title(any_explorer):
    _, explorer = any_explorer
    caption = text(explorer.caption.value)
    assert caption.startswith("Figure:")
    assert len(caption.split()) >= 20, "the caption should describe the figure in words"
    assert explorer.caption in explorer.children
    heading = explorer.children[0]
    assert text(heading.value)
    assert 'role="status"' in explorer.readout.value  # announced to screen readers


def test_every_slider_changes_the_frame_and_the_readout(any_explorer):
    _, explorer = any_explorer
    for key, control in explorer.controls.items():
        if key in explorer.rebuild_on and isinstance(control, widgets.Dropdown):
            continue
        before_png, before_text = explorer.image.value, explorer.readout.value
        position = control.min + 0.73 * (control.max - control.min)
        if isinstance(control, widgets.FloatLogSlider):  # min and max are exponents
            position = control.base**position
        control.value = position
        assert control.value == pytest.approx(position)
        assert explorer.image.value != before_png, f"moving {key} did not redraw"
        assert explorer.readout.value != before_text, f"moving {key} did not update the readout"


def test_a_control_without_a_label_is_refused():
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0)
    with pytest.raises(ValueError, match="description"):
        Explorer(
            lambda figure: None,
            {"x": slider},
            readout=str,
            title="t",
            caption="c",
        )


# ---------------------------------------------------------------------------- secant


def test_secant_explorer_initial_numbers():
    explorer = build("secant")
    shown = explorer.shown
    assert shown["x0"] == 1.0 and shown["dx"] == 1.0
    assert shown["rise"] == pytest.approx(f(2.0) - f(1.0))
    assert shown["secant_slope"] == pytest.approx(3.0)
    assert shown["derivative"] == pytest.approx(2.0)
    assert shown["error"] == pytest.approx(1.0)
    readout = text(explorer.readout.value)
    assert "secant slope = rise/run = 3 / 1 = 3.00000" in readout
    assert "f′(x₀) = 2.00000" in readout
    assert "error of the secant slope = +1.00e+00" in readout


@pytest.mark.parametrize(("x0", "dx"), [(1.0, 0.01), (0.5, 0.25), (-0.5, 1.0), (1.5, 0.001)])
def test_secant_explorer_follows_the_sliders(x0, dx):
    explorer = build("secant")
    before = explorer.image.value
    explorer.controls["x0"].value = x0
    explorer.controls["dx"].value = dx
    x0 = explorer.controls["x0"].value  # the value the slider settled on
    dx = explorer.controls["dx"].value
    slope = ((x0 + dx) ** 2 - x0**2) / dx  # computed independently: rise over run
    shown = explorer.shown
    assert shown["secant_slope"] == pytest.approx(slope, rel=1e-12)
    assert shown["secant_slope"] == pytest.approx(2 * x0 + dx, abs=1e-9)  # the algebra of §2
    assert shown["error"] == pytest.approx(dx, abs=1e-9)  # for x² the error is exactly Δx
    assert shown["derivative"] == pytest.approx(2 * x0)
    readout = text(explorer.readout.value)
    assert f"= {slope:.5f}" in readout
    assert f"f′(x₀) = {2 * x0:.5f}" in readout
    assert f"{slope - 2 * x0:+.2e}" in readout
    assert explorer.image.value != before
    assert png_size(explorer.image.value) == expected_pixels("secant")

    scene = explorer.scene
    # the secant passes through both points, with the secant slope
    xs, ys = (np.asarray(a, dtype=float) for a in scene.secant.get_data())
    line = np.polyfit(xs, ys, 1)
    assert line[0] == pytest.approx(slope, rel=1e-9)
    assert np.polyval(line, x0) == pytest.approx(f(x0), abs=1e-9)
    assert np.polyval(line, x0 + dx) == pytest.approx(f(x0 + dx), abs=1e-9)
    # the two points, the run and the rise
    px, py = scene.points.get_data()
    np.testing.assert_allclose(px, [x0, x0 + dx])
    np.testing.assert_allclose(py, [f(x0), f(x0 + dx)])
    np.testing.assert_allclose(scene.run.get_data(), [[x0, x0 + dx], [f(x0), f(x0)]])
    np.testing.assert_allclose(scene.rise.get_data(), [[x0 + dx, x0 + dx], [f(x0), f(x0 + dx)]])
    # the tangent touches the curve at x0 with slope f′(x0)
    tx, ty = (np.asarray(a, dtype=float) for a in scene.tangent.get_data())
    tangent = np.polyfit(tx, ty, 1)
    assert tangent[0] == pytest.approx(2 * x0)
    assert np.polyval(tangent, x0) == pytest.approx(f(x0), abs=1e-9)


def test_secant_explorer_without_derivative_shows_no_tangent():
    explorer = secant_explorer(np.sin, x0=0.5, dx=0.5)
    assert "derivative" not in explorer.shown
    assert "f′" not in explorer.readout.value
    assert len(explorer.scene.tangent.get_xdata()) == 0
    assert explorer.shown["secant_slope"] == pytest.approx((np.sin(1.0) - np.sin(0.5)) / 0.5)


# ---------------------------------------------------------------------------- derivative


def test_derivative_explorer_initial_numbers():
    explorer = build("derivative")
    assert explorer.controls["function"].value == "x³ − 3x"
    assert explorer.shown["f"] == pytest.approx(0.5**3 - 1.5)
    assert explorer.shown["slope"] == pytest.approx(3 * 0.25 - 3)
    assert "f(x) = -1.3750" in text(explorer.readout.value)
    assert "f′(x) = -2.2500" in text(explorer.readout.value)


def test_derivative_explorer_follows_the_slider_and_flags_a_flat_tangent():
    explorer = build("derivative")
    before = explorer.image.value
    explorer.controls["x"].value = 1.0  # the valley of x³ − 3x
    assert explorer.shown["f"] == pytest.approx(-2.0)
    assert explorer.shown["slope"] == pytest.approx(0.0, abs=1e-12)
    assert "stationary point" in explorer.readout.value
    assert explorer.image.value != before
    scene = explorer.scene
    np.testing.assert_allclose(scene.point.get_data(), [[1.0], [-2.0]])
    np.testing.assert_allclose(scene.slope_point.get_data(), [[1.0], [0.0]], atol=1e-12)
    np.testing.assert_allclose(scene.slope_guide.get_xdata(), [1.0, 1.0])
    tx, ty = (np.asarray(a, dtype=float) for a in scene.tangent.get_data())
    np.testing.assert_allclose(ty, [-2.0, -2.0], atol=1e-12)  # a flat tangent
    assert tx[0] < 1.0 < tx[1]

    explorer.controls["x"].value = -2.0
    assert explorer.shown["slope"] == pytest.approx(dcubic(-2.0))
    assert "stationary point" not in explorer.readout.value
    assert f"f′(x) = {dcubic(-2.0):.4f}" in text(explorer.readout.value)


def test_derivative_explorer_dropdown_rebuilds_the_figure():
    explorer = build("derivative")
    old_scene, old_png = explorer.scene, explorer.image.value
    explorer.controls["x"].value = 0.0
    explorer.controls["function"].value = "sin x"
    assert explorer.scene is not old_scene
    left_curve = explorer.scene.left.lines[0]
    right_curve = explorer.scene.right.lines[0]
    np.testing.assert_allclose(left_curve.get_ydata(), np.sin(left_curve.get_xdata()))
    np.testing.assert_allclose(right_curve.get_ydata(), np.cos(right_curve.get_xdata()))
    assert explorer.shown == pytest.approx({"x": 0.0, "f": 0.0, "slope": 1.0})
    assert explorer.image.value != old_png
    assert png_size(explorer.image.value) == expected_pixels("derivative")
    for name, (g, dg) in DERIVATIVE_FUNCTIONS.items():
        explorer.controls["function"].value = name
        explorer.controls["x"].value = 0.7
        x = explorer.controls["x"].value
        assert explorer.shown["f"] == pytest.approx(float(g(x)))
        assert explorer.shown["slope"] == pytest.approx(float(dg(x)))


def test_a_function_that_raises_shows_a_message_instead_of_crashing():
    # ln|x| is fine on the drawn grid, which misses 0, but not at x = 0 itself
    explorer = derivative_explorer({"ln |x|": (lambda x: math.log(abs(x)), lambda x: 1 / x)}, x=1.0)
    good = dict(explorer.shown)
    png = explorer.image.value
    explorer.controls["x"].value = 0.0
    readout = text(explorer.readout.value)
    assert readout.startswith("⚠ Cannot draw this")
    assert "math domain error" in readout
    assert explorer.shown == good  # the last good numbers stay
    assert explorer.image.value == png  # and so does the last good frame
    explorer.controls["x"].value = 2.0  # the explorer still works afterwards
    assert explorer.shown["slope"] == pytest.approx(0.5)
    assert "Cannot draw" not in explorer.readout.value


def test_choosing_a_function_that_fails_on_the_grid_shows_a_message():
    explorer = derivative_explorer(
        {"x²": (f, df), "ln x": (math.log, lambda x: 1 / x)}, x_range=(-3.0, 3.0)
    )
    png = explorer.image.value
    explorer.controls["function"].value = "ln x"
    assert "Cannot draw" in explorer.readout.value
    assert explorer.image.value == png  # the last good frame stays
    explorer.controls["x"].value = 1.0  # moving x on a broken figure changes nothing
    assert "Cannot draw" in explorer.readout.value
    explorer.controls["function"].value = "x²"  # a good choice recovers
    assert explorer.shown["slope"] == pytest.approx(df(1.0))


# ---------------------------------------------------------------------------- product rule


def rectangle(patch):
    return (patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height())


def test_product_rule_explorer_initial_numbers():
    explorer = build("product_rule")
    shown = explorer.shown
    delta_u, delta_v = u(1.3) - u(1.0), v(1.3) - v(1.0)  # 0.3 and 0.69
    assert shown["du"] == pytest.approx(delta_u)
    assert shown["dv"] == pytest.approx(delta_v)
    assert shown["corner"] == pytest.approx(delta_u * delta_v)
    assert shown["growth"] == pytest.approx(u(1.3) * v(1.3) - u(1.0) * v(1.0))
    assert shown["rate"] == pytest.approx((u(1.3) * v(1.3) - 2.0) / 0.3)
    readout = text(explorer.readout.value)
    assert "= 0.3000 + 1.3800 + 0.2070 = 1.8870" in readout
    assert "Δ(uv)/Δx = 6.2900" in readout
    assert "product rule u′v + uv′ = 5.0000" in readout


@pytest.mark.parametrize(("x", "dx"), [(1.0, 0.1), (2.0, 1.0), (0.5, 0.01), (1.5, 0.5)])
def test_product_rule_rectangles_have_the_right_sizes(x, dx):
    explorer = build("product_rule")
    before = explorer.image.value
    explorer.controls["x"].value = x
    explorer.controls["dx"].value = dx
    x, dx = explorer.controls["x"].value, explorer.controls["dx"].value
    u0, v0 = u(x), v(x)
    delta_u, delta_v = u(x + dx) - u0, v(x + dx) - v0
    scene = explorer.scene
    np.testing.assert_allclose(rectangle(scene.base), (0, 0, u0, v0))
    np.testing.assert_allclose(rectangle(scene.strip_u), (u0, 0, delta_u, v0))
    np.testing.assert_allclose(rectangle(scene.strip_v), (0, v0, u0, delta_v))
    np.testing.assert_allclose(rectangle(scene.corner), (u0, v0, delta_u, delta_v))
    # the pieces add up to the new rectangle
    total = u0 * v0 + v0 * delta_u + u0 * delta_v + delta_u * delta_v
    assert total == pytest.approx(u(x + dx) * v(x + dx))
    rule = 1.0 * v0 + u0 * 2 * x
    readout = text(explorer.readout.value)
    assert f"Δ(uv)/Δx = {(u(x + dx) * v(x + dx) - u0 * v0) / dx:.4f}" in readout
    assert f"product rule u′v + uv′ = {rule:.4f}" in readout
    assert explorer.image.value != before
    assert png_size(explorer.image.value) == expected_pixels("product_rule")


def test_product_rule_rate_approaches_the_rule_and_dx_zero_is_safe():
    explorer = build("product_rule")
    explorer.controls["dx"].value = 0.01
    assert explorer.shown["rate"] == pytest.approx(5.0, abs=0.06)  # 5 + 6Δx + Δx²
    explorer.controls["dx"].value = 0.0
    readout = text(explorer.readout.value)
    assert "Cannot draw" not in readout
    assert "Δ(uv)/Δx" not in readout  # no rate to show for a zero step
    assert explorer.shown["corner"] == 0.0


# ---------------------------------------------------------------------------- difference error


def errors_at(g, dg, x, h):
    """Forward and central difference errors, computed independently of mmlcalc."""
    forward = (g(x + h) - g(x)) / h
    central = (g(x + h) - g(x - h)) / (2 * h)
    return abs(forward - dg(x)), abs(central - dg(x))


def test_difference_error_explorer_initial_numbers():
    explorer = build("difference_error")
    forward, central = errors_at(np.sin, np.cos, 1.0, 1e-4)
    shown = explorer.shown
    assert shown["h"] == pytest.approx(1e-4)
    assert shown["forward_error"] == pytest.approx(forward, rel=1e-6)
    assert shown["central_error"] == pytest.approx(central, rel=1e-3)
    assert forward == pytest.approx(1e-4 / 2 * np.sin(1.0), rel=1e-3)  # (h/2)|f″|
    assert central == pytest.approx(1e-8 / 6 * np.cos(1.0), rel=1e-2)  # (h²/6)|f‴|
    readout = text(explorer.readout.value)
    assert f"forward error = {forward:.2e}" in readout
    assert f"central error = {central:.2e}" in readout
    # the bottoms of the V: near √ε for forward and ∛ε for central
    assert 1e-9 < shown["forward_best_h"] < 1e-7
    assert 1e-6 < shown["central_best_h"] < 1e-4


@pytest.mark.parametrize("h", [1e-1, 1e-3, 1e-6, 1e-9, 1e-12])
def test_difference_error_markers_sit_at_the_chosen_h(h):
    explorer = build("difference_error")
    before = explorer.image.value
    explorer.controls["h"].value = h
    h = explorer.controls["h"].value
    forward, central = errors_at(np.sin, np.cos, 1.0, h)
    shown = explorer.shown
    # in the round-off regime the last digits depend on how the step is rounded, so compare
    # within the round-off size ε|f|/h
    slack = 4 * np.finfo(float).eps / h
    assert abs(shown["forward_error"] - forward) <= 1e-6 * forward + slack
    assert abs(shown["central_error"] - central) <= 1e-6 * central + slack
    scene = explorer.scene
    np.testing.assert_allclose(scene.marker_line.get_xdata(), [h, h])
    mx, my = scene.markers.get_data()
    np.testing.assert_allclose(mx, [h, h])
    np.testing.assert_allclose(my, [shown["forward_error"], shown["central_error"]])
    assert f"h = {h:.1e}" in text(explorer.readout.value)
    assert explorer.image.value != before
    assert png_size(explorer.image.value) == expected_pixels("difference_error")


def test_difference_error_curves_have_the_right_slopes():
    explorer = build("difference_error")
    steps = explorer.scene.steps
    moderate = (steps > 1e-4) & (steps < 1e-1)
    for method, order in (("forward", 1), ("central", 2)):
        curve = explorer.scene.curves[method]
        slope = np.polyfit(np.log10(steps[moderate]), np.log10(curve[moderate]), 1)[0]
        assert slope == pytest.approx(order, abs=0.1)


def test_difference_error_dropdown_and_x_rebuild_the_figure():
    explorer = build("difference_error")
    old_scene, old_png = explorer.scene, explorer.image.value
    explorer.controls["function"].value = "eˣ"
    assert explorer.scene is not old_scene
    assert explorer.image.value != old_png
    forward, central = errors_at(np.exp, np.exp, 1.0, 1e-4)
    assert explorer.shown["forward_error"] == pytest.approx(forward, rel=1e-6)
    assert explorer.shown["derivative"] == pytest.approx(np.e)

    explorer.controls["x0"].value = 2.0
    assert explorer.scene.x0 == 2.0
    assert explorer.scene.ax.get_title() == "Finite-difference error at x = 2"
    forward, central = errors_at(np.exp, np.exp, 2.0, 1e-4)
    assert explorer.shown["forward_error"] == pytest.approx(forward, rel=1e-6)
    assert explorer.shown["central_error"] == pytest.approx(central, rel=1e-3)


# ---------------------------------------------------------------------------- MultipleChoice


def quiz() -> MultipleChoice:
    return MultipleChoice(
        "What is the derivative of $\\sin(x^2)$?",
        ["cos(x²)", "2x cos(x²)", "cos(2x)", "2x cos(x)"],
        answer="2x cos(x²)",
        explanation="outer derivative at the inner function, times the inner derivative.",
        hints={"cos(x²)": "multiply by the inner derivative 2x."},
    )


def test_multiple_choice_starts_unanswered():
    question = quiz()
    assert question.correct is False
    assert question.choices.value is None
    assert "Choose an option." in question.feedback.value
    assert question.choices.description


def test_multiple_choice_right_answer_shows_the_explanation():
    question = quiz()
    question.choices.value = "2x cos(x²)"
    assert question.correct is True
    feedback = text(question.feedback.value)
    assert feedback.startswith("✓ Correct")
    assert "outer derivative at the inner function" in feedback


def test_multiple_choice_wrong_answer_shows_its_hint():
    question = quiz()
    question.choices.value = "cos(x²)"
    assert question.correct is False
    feedback = text(question.feedback.value)
    assert feedback.startswith("✗ Not quite")
    assert "multiply by the inner derivative 2x." in feedback
    assert "Try again" in feedback
    question.choices.value = "cos(2x)"  # a wrong option without a hint
    assert text(question.feedback.value) == (
        "✗ Not quite. Try again, or press Show the explanation."
    )
    question.choices.value = "2x cos(x²)"  # and the learner can still get it right
    assert question.correct is True


def test_multiple_choice_explains_on_request_only_after_a_try():
    question = quiz()
    button = question.explain_button
    assert isinstance(button, widgets.Button) and button.description == "Show the explanation"
    assert button in question.children  # a real button: labelled by its text, Tab reaches it
    button.click()
    assert "Choose an option first" in text(question.feedback.value)
    assert "outer derivative" not in text(question.feedback.value)
    question.choices.value = "cos(x²)"
    assert "outer derivative" not in text(question.feedback.value)  # a hint, not the answer
    button.click()
    shown = text(question.feedback.value)
    assert "multiply by the inner derivative 2x." in shown  # the verdict stays
    assert "Explanation: outer derivative at the inner function" in shown
    assert 'role="status"' in question.feedback.value  # announced to screen readers


def test_multiple_choice_refuses_an_answer_that_is_not_an_option():
    with pytest.raises(ValueError, match="not one of the options"):
        MultipleChoice("q", ["a", "b"], answer="c")


def test_multiple_choice_escapes_html_in_feedback():
    question = MultipleChoice("q", ["x < 1", "x > 1"], answer="x > 1", hints={"x < 1": "<b>no</b>"})
    question.choices.value = "x < 1"
    assert "&lt;b&gt;no&lt;/b&gt;" in question.feedback.value
