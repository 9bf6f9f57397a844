"""The Explorer's extension hooks (``extra=``, ``paused()``, ``set_range``), its ``rebuild_on``
contract, and a check that no week's explorer works around them.

A tiny counting scene stands in for a week's scene: the tests read how often the
explorer built and updated it, and with which values.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from mmlcalc.plotting.base import Scene
from mmlcalc.widgets import base
from mmlcalc.widgets.base import Explorer, float_slider, log_slider, set_range
from mmlcalc.widgets.multivariate import sandpit_explorer
from mmlcalc.widgets.optimisation import descent_explorer
from mmlcalc.widgets.taylor import taylor_explorer

WIDGETS = Path(base.__file__).parent


class DotScene(Scene):
    """A dot at (x, 0) on axes of the chosen width; logs every update."""

    def __init__(self, ax, width: float, log: list):
        self.log = log
        ax.set_xlim(-width, width)
        (self.dot,) = ax.plot([0.0], [0.0], "o")
        self.artists = [self.dot]

    def update(self, x: float = 0.0) -> dict:
        self.log.append(("update", x))
        self.dot.set_data([x], [0.0])
        return {"x": x}


def dot_explorer(log: list, **options) -> Explorer:
    controls = {
        "width": float_slider("width", 1.0, 0.5, 4.0, 0.5),
        "x": float_slider("x", 0.5, -1.0, 1.0, 0.1),
    }

    def build(figure: Figure, width: float) -> Scene:
        log.append(("build", width))
        return DotScene(figure.subplots(), width, log)

    return Explorer(
        build,
        controls,
        readout=lambda s: f"x = {s['x']:.2f}",
        title="A dot",
        caption="A dot at x.",
        rebuild_on=("width",),
        **options,
    )


# ---------------------------------------------------------------------------- extra=


def test_extra_widgets_go_under_the_controls_and_every_explorer_keeps_five_children():
    button = widgets.Button(description="Reset")
    explorer = dot_explorer([], extra=[button])
    heading, control_box, image, readout, caption = explorer.children
    assert control_box is explorer.control_box
    assert list(control_box.children) == [*explorer.controls.values(), button]
    assert (image, readout, caption) == (explorer.image, explorer.readout, explorer.caption)
    assert "A dot" in heading.value


def test_the_week_explorers_with_buttons_keep_the_layout_of_every_explorer():
    from mmlcalc.widgets.neural import training_explorer
    from mmlcalc.widgets.optimisation import newton_explorer

    explorers = [
        newton_explorer(lambda x: x**2 - 2, lambda x: 2 * x, x0=2.0, x_range=(0, 3)),
        training_explorer(width=2, max_steps=10),
        sandpit_explorer(budget=2),
    ]
    for explorer in explorers:
        assert len(explorer.children) == 5 and explorer.children[1] is explorer.control_box
        *controls, row = explorer.control_box.children
        assert controls == list(explorer.controls.values())
        assert all(isinstance(button, widgets.Button) for button in row.children)


# ---------------------------------------------------------------------------- paused()


def test_changes_inside_paused_are_not_drawn_until_a_refresh():
    log = []
    explorer = dot_explorer(log)
    frame = explorer.image.value
    log.clear()
    with explorer.paused():
        explorer.controls["x"].value = -0.5
        with explorer.paused():  # blocks nest
            explorer.controls["x"].value = 0.25
        explorer.controls["width"].value = 2.0  # a rebuild control: not rebuilt either
    assert log == [] and explorer.image.value == frame and explorer.shown == {"x": 0.5}
    explorer.refresh()
    assert log == [("update", 0.25)] and explorer.shown == {"x": 0.25}
    explorer.controls["x"].value = 0.0  # outside the block, changes draw again
    assert log[-1] == ("update", 0.0)


def test_paused_ends_even_when_its_block_raises():
    log = []
    explorer = dot_explorer(log)
    with pytest.raises(RuntimeError), explorer.paused():
        raise RuntimeError("boom")
    explorer.controls["x"].value = -1.0
    assert log[-1] == ("update", -1.0)


# ---------------------------------------------------------------------------- set_range


@pytest.mark.parametrize(
    ("low", "high", "value"),
    [(5.0, 9.0, 6.0), (-9.0, -5.0, -7.0), (0.25, 0.5, 0.25), (-100.0, 100.0, 50.0)],
)
def test_set_range_moves_a_slider_anywhere_in_one_call(low, high, value):
    # setting min then max directly fails for [0, 1] -> [5, 9] (min > max), and the
    # other order for [0, 1] -> [-9, -5]; set_range widens first, then narrows
    slider = float_slider("x", 0.5, 0.0, 1.0, 0.01)
    set_range(slider, low, high, value)
    assert (slider.min, slider.max, slider.value) == (low, high, value)


def test_set_range_clips_the_current_value_by_default_and_sets_the_step():
    slider = widgets.IntSlider(value=8, min=0, max=10, description="n")
    set_range(slider, 2, 5, step=1)
    assert (slider.min, slider.max, slider.value) == (2, 5, 5)
    set_range(slider, 3, 4)
    assert slider.value == 4


def test_set_range_takes_a_log_sliders_range_as_values():
    slider = log_slider("η", 0.1, -3, 0)
    set_range(slider, 10.0, 1000.0, 100.0, step=0.1)
    assert (slider.min, slider.max, slider.value, slider.step) == (1.0, 3.0, 100.0, 0.1)


def test_set_range_refuses_an_empty_range():
    with pytest.raises(ValueError, match="low <= high"):
        set_range(float_slider("x", 0.5, 0.0, 1.0, 0.01), 2.0, 1.0)


def test_the_explorers_set_range_does_not_redraw():
    log = []
    explorer = dot_explorer(log)
    log.clear()
    explorer.set_range(explorer.controls["x"], 2.0, 3.0, 2.5)
    assert log == []
    explorer.refresh()
    assert log == [("update", 2.5)]


# ---------------------------------------------------------------------------- rebuild_on


def test_build_gets_the_values_of_the_rebuild_controls_and_update_the_others():
    log = []
    explorer = dot_explorer(log)
    assert log == [("build", 1.0), ("update", 0.5)]
    log.clear()
    explorer.controls["width"].value = 3.0
    assert log == [("build", 3.0), ("update", 0.5)]


def test_a_build_that_re_ranges_a_control_draws_once_with_the_new_value():
    # the build runs paused: moving x inside it does not update the old scene first
    log = []
    controls = {
        "width": float_slider("width", 1.0, 0.5, 4.0, 0.5),
        "x": float_slider("x", 0.5, -1.0, 1.0, 0.1),
    }

    def build(figure: Figure, width: float) -> Scene:
        set_range(controls["x"], -width, width, width)
        log.append(("build", width))
        return DotScene(figure.subplots(), width, log)

    explorer = Explorer(build, controls, readout=str, title="t", caption="c", rebuild_on=("width",))
    log.clear()
    explorer.controls["width"].value = 2.0
    assert log == [("build", 2.0), ("update", 2.0)]


@pytest.mark.parametrize(
    ("make", "key", "value"),
    [
        (lambda: descent_explorer("elongated bowl"), "landscape", "volcano"),
        (lambda: sandpit_explorer("bowl", budget=3), "landscape", "volcano"),
        (lambda: sandpit_explorer("bowl", budget=3), "mode", "gradient"),
        (lambda: taylor_explorer(("exp", "log1p"), a=-1.5), "function", "ln(1 + x)"),
    ],
    ids=["descent", "sandpit landscape", "sandpit mode", "taylor"],
)
def test_a_week_explorer_that_re_ranges_its_sliders_rebuilds_and_refreshes_once(
    monkeypatch, make, key, value
):
    explorer = make()
    calls = []
    for name in ("rebuild", "refresh"):
        method = getattr(Explorer, name)
        monkeypatch.setattr(
            Explorer, name, lambda self, _m=method, _n=name: (calls.append(_n), _m(self))[1]
        )
    explorer.controls[key].value = value
    assert calls == ["rebuild", "refresh"]
    for control in explorer.controls.values():
        if isinstance(control, widgets.FloatSlider):
            assert control.min <= control.value <= control.max


def test_rebuild_keeps_the_last_frame_and_says_why_when_the_build_fails():
    log = []
    controls = {
        "width": float_slider("width", 1.0, 0.5, 4.0, 0.5),
        "x": float_slider("x", 0.5, -1.0, 1.0, 0.1),
    }

    def build(figure: Figure, width: float) -> Scene:
        if width > 3:
            raise ValueError("too wide to draw")
        return DotScene(figure.subplots(), width, log)

    explorer = Explorer(
        build, controls, readout=lambda s: "ok", title="t", caption="c", rebuild_on=("width",)
    )
    frame = explorer.image.value
    explorer.controls["width"].value = 3.5
    assert "too wide to draw" in explorer.readout.value and explorer.image.value == frame
    explorer.controls["x"].value = 0.0  # nothing to update until a good rebuild
    assert "too wide to draw" in explorer.readout.value
    explorer.controls["width"].value = 2.0
    assert "ok" in explorer.readout.value and explorer.shown == {"x": 0.0}


def test_a_subclass_may_name_its_own_methods_format_or_readout():
    # the Explorer keeps the readout callable under a name no subclass is likely to reuse
    class Named(Explorer):
        def _format(self, s):
            return "from _format"

    controls = {"x": float_slider("x", 0.5, -1.0, 1.0, 0.1)}
    explorer = Named(
        lambda figure: DotScene(figure.subplots(), 1.0, []),
        controls,
        readout=lambda s: "from the readout",
        title="t",
        caption="c",
    )
    assert "from the readout" in explorer.readout.value


# ---------------------------------------------------------------------------- no workarounds


def _week_modules():
    return sorted(path for path in WIDGETS.glob("*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("path", _week_modules(), ids=lambda path: path.name)
def test_no_explorer_reaches_into_children_or_overrides_the_change_handler(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            if node.value.attr == "children":
                problems.append(f"line {node.lineno}: reads .children[...] by index")
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr == "children":
                        problems.append(f"line {node.lineno}: assigns .children")
        if (
            isinstance(node, ast.FunctionDef)
            and node.name == "_on_change"
            and path.name != "base.py"
        ):
            problems.append(f"line {node.lineno}: defines _on_change (use paused() or build)")
    assert not problems, f"{path.name}: " + "; ".join(problems)
