"""Graph drawings that teach: names, shapes, values, gradients and the order of backward.

    from autograd import viz
    x = ag.tensor(0.12132987, requires_grad=True)
    v = x**4 - 2 * x**2
    steps = viz.trace_backward(v, params={"x": x})   # backward, recorded step by step
    print(steps)                                      # the steps as a table
    viz.draw(v, params={"x": x}, order=True)          # shows inline in Jupyter
    viz.save(viz.draw(v), "double_well.svg")          # .svg, .png (.pdf with Graphviz's dot)
    viz.explore(v, params={"x": x}, path="v.html")    # forward and backward in the browser

`draw` returns a `graphviz.Digraph`; its `.source` (DOT text) needs nothing but the
graphviz Python package. Rendering (Jupyter, `save`) needs a layout program: Graphviz's
`dot`, or the pip-installable `graphviz-pure` (see `render`). `trace_backward` needs
neither. See docs/viz.md.
"""

from .explore import Explorer, explore
from .paint import backward_frames, draw, show_backward
from .render import LayoutProgramNotFound, find_layout_program, layout, save
from .trace import BackwardStep, BackwardTrace, trace_backward

__all__ = [
    "BackwardStep",
    "BackwardTrace",
    "Explorer",
    "LayoutProgramNotFound",
    "backward_frames",
    "draw",
    "explore",
    "find_layout_program",
    "layout",
    "save",
    "show_backward",
    "trace_backward",
]
