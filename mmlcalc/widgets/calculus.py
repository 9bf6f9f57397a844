"""Week 1 explorers: secant → tangent, a function and its derivative, the product rule
as a growing rectangle, and the error of finite differences against h.

Taught in ``notebooks/01_slopes_and_derivatives.ipynb``; the scenes they move are
in :mod:`mmlcalc.plotting.calculus`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from matplotlib.figure import Figure

from mmlcalc.plotting.base import Scene
from mmlcalc.plotting.calculus import (
    DerivativePairScene,
    DifferenceErrorScene,
    ProductRuleScene,
    SecantScene,
)
from mmlcalc.widgets.base import Explorer, choice, float_slider, log_slider

__all__ = [
    "derivative_explorer",
    "difference_error_explorer",
    "product_rule_explorer",
    "secant_explorer",
]


def secant_explorer(
    f: Callable,
    df: Callable | None = None,
    x0: float = 1.0,
    dx: float = 1.0,
    x_range: Sequence[float] = (-1.0, 3.0),
) -> Explorer:
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
        "x0": float_slider(
            "x₀ (where the slope is measured)", x0, x_range[0], x_range[1] - 1.0, 0.05
        ),
        "dx": log_slider("Δx (run of the secant)", dx, -3, 0),
    }

    def readout(s: dict) -> str:
        # rise and run to 4 significant figures, so a tiny rise still shows its digits
        text = (
            f"secant slope = rise/run = {s['rise']:.4g} / {s['dx']:.4g} = "
            f"<b>{s['secant_slope']:.5f}</b>"
        )
        if "derivative" in s:
            text += (
                f"<br>f′(x₀) = {s['derivative']:.5f} &nbsp; "
                f"error of the secant slope = {s['error']:+.2e}"
            )
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


def derivative_explorer(
    functions: Mapping[str, tuple[Callable, Callable]],
    x: float = 0.5,
    x_range: Sequence[float] = (-3.0, 3.0),
) -> Explorer:
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
        "function": choice("function", functions),
        "x": float_slider("x", x, x_range[0], x_range[1], 0.05),
    }

    def build(figure: Figure, function: str) -> Scene:
        f, df = functions[function]
        return DerivativePairScene(figure.subplots(1, 2), f, df, x_range, name="f")

    def readout(s: dict) -> str:
        return (
            f"f(x) = {s['f']:.4f} &nbsp; slope of the tangent = f′(x) = <b>{s['slope']:.4f}</b>"
            + (" (a flat tangent: a stationary point)" if abs(s["slope"]) < 1e-2 else "")
        )

    return Explorer(
        build,
        controls,
        readout=readout,
        rebuild_on=("function",),
        title="A function and its derivative",
        caption=(
            "Left: the chosen function with its tangent line at x. Right: the derivative f′, "
            "with a point at height f′(x), the slope of that tangent. Where the tangent is "
            "flat, f′ crosses zero."
        ),
        figsize=(8.8, 3.4),
    )


#: The product-rule explorer's largest Δx: big enough to see the corner, small enough that
#: the rectangle at x still fills most of the plot.
DX_MAX = 0.5


def product_rule_explorer(
    u: Callable,
    v: Callable,
    du: Callable | None = None,
    dv: Callable | None = None,
    x: float = 1.0,
    dx: float = 0.3,
    x_range: Sequence[float] = (0.5, 2.0),
) -> Explorer:
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
        # moving x redraws the whole figure (its axes fit the new rectangle): on release only
        "x": float_slider("x", x, x_range[0], x_range[1], 0.05, continuous_update=False),
        "dx": float_slider("Δx", dx, 0.0, DX_MAX, 0.01),
    }

    def build(figure: Figure, x: float) -> Scene:
        # the axes fit the rectangle at this x grown by the largest Δx: moving x rebuilds
        return ProductRuleScene(figure.subplots(), u, v, (x, x), dx_max=DX_MAX)

    def readout(s: dict) -> str:
        text = (
            f"Δ(uv) = v·Δu + u·Δv + Δu·Δv = {s['v'] * s['du']:.4f} + {s['u'] * s['dv']:.4f}"
            f" + {s['corner']:.4f} = {s['growth']:.4f}"
        )
        if s["dx"] > 0:
            text += f"<br>Δ(uv)/Δx = <b>{s['rate']:.4f}</b>"
            if du is not None and dv is not None:
                exact = float(du(s["x"])) * s["v"] + s["u"] * float(dv(s["x"]))
                text += f" &nbsp; product rule u′v + uv′ = {exact:.4f}"
        return text

    return Explorer(
        build,
        controls,
        readout=readout,
        title="The product rule as a growing rectangle",
        caption=(
            "A rectangle of width u(x) and height v(x), so its area is u·v. Growing x by Δx adds "
            "a hatched strip v·Δu on the right, a hatched strip u·Δv on top, and a small corner "
            "Δu·Δv, which shrinks fastest as Δx goes to 0."
        ),
        figsize=(5.6, 4.2),
        rebuild_on=("x",),
    )


def difference_error_explorer(
    functions: Mapping[str, tuple[Callable, Callable]], x0: float = 1.0, h: float = 1e-4
) -> Explorer:
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
        "function": choice("function", functions),
        "x0": float_slider(
            "x (where f′ is estimated)", x0, -3.0, 3.0, 0.1, continuous_update=False
        ),
        "h": log_slider("step h", h, -15, 0),
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
        build,
        controls,
        readout=readout,
        rebuild_on=("function", "x0"),
        title="How small should h be?",
        caption=(
            "Error of the forward and central difference estimates of f′(x) against the step h, "
            "both on logarithmic axes. From the right, the errors fall along straight lines of "
            "slope 1 (forward) and 2 (central) until round-off error, the grey line ε/h, takes "
            "over and they rise again. Dots mark the errors at the chosen h."
        ),
        figsize=(6.4, 4.0),
    )
