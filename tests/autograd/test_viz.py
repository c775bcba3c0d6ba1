"""autograd.viz: graph drawings (DOT snapshots, real SVG), backward traces and frames.

Snapshots live in tests/autograd/snapshots/; after an intended change to the drawings,
run `UPDATE_SNAPSHOTS=1 python -m pytest tests/autograd/test_viz.py` and review the diff.
"""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import viz
from autograd.viz import paint, render

X0 = 0.12132987  # the lecture's point on the double well V(x) = x**4 - 2 x**2
DV0 = -0.4781751223381389
SNAPSHOTS = Path(__file__).parent / "snapshots"
NO_LAYOUT = "no Graphviz layout program: pip install graphviz-pure, or apt-get install graphviz"

try:
    import graphviz
except ImportError:  # pragma: no cover - the viz extra is part of the test extra
    graphviz = None
needs_graphviz = pytest.mark.skipif(
    graphviz is None, reason="the graphviz Python package is missing: pip install graphviz"
)


# helpers ---------------------------------------------------------------------------------
def double_well():
    x = ag.tensor(X0, requires_grad=True)
    return x, x**4 - 2 * x**2


def tanh_neuron():
    """tanh(w x + b) with squared loss: (tanh(0) - 7)**2 = 49, dw = db = 2(0 - 7) * 1 = -14."""
    w, b = ag.tensor(-0.5, requires_grad=True), ag.tensor(0.5, requires_grad=True)
    x, y = ag.tensor(1.0), ag.tensor(7.0)
    loss = (ag.tanh(w * x + b) - y) ** 2
    return {"w": w, "b": b, "x": x, "y": y}, loss


def chain(length):
    start = ag.tensor(1.0, requires_grad=True)
    z = start
    for _ in range(length):
        z = z * 1.0001
    return z


NODE = re.compile(r'^\t(\w+) \[label=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)(.*)\]$', re.M)


def nodes(graph):
    """{DOT id: (label text with real newlines, the rest of the attributes)}."""
    found = {}
    for key, label, rest in NODE.findall(graph.source):
        if label.startswith('"'):
            label = label[1:-1]
        found[key] = (label.replace("\\n", "\n"), rest)
    return found


def labels(graph):
    return {key: label for key, (label, _) in nodes(graph).items()}


def graph_vertices(graph):
    """Node ids of the drawn graph, without the legend and the note."""
    return [key for key in nodes(graph) if key not in ("legend", "note")]


def label_of(graph, first_line_start):
    matches = [lab for lab in labels(graph).values() if lab.startswith(first_line_start)]
    assert len(matches) == 1, f"{len(matches)} labels start with {first_line_start!r}"
    return matches[0]


def fill_of(graph, key):
    return re.search(r'fillcolor="(#[0-9a-f]+)"', nodes(graph)[key][1]).group(1)


def check_snapshot(name, text):
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(), f"the drawing differs from {path}"


def layout_program_or_skip():
    try:
        return viz.find_layout_program()
    except viz.LayoutProgramNotFound:
        if os.environ.get("CI"):
            raise  # CI installs graphviz-pure through the test extra: never skip there
        pytest.skip(NO_LAYOUT)


# importing --------------------------------------------------------------------------------
def test_import_autograd_loads_neither_viz_nor_graphviz():
    code = (
        "import sys, autograd\n"
        "assert 'autograd.viz' not in sys.modules and 'graphviz' not in sys.modules\n"
        "from autograd import viz\n"
        "assert autograd.viz is viz and callable(viz.draw)\n"
        "assert 'graphviz' not in sys.modules  # only drawing imports it\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


# snapshots --------------------------------------------------------------------------------
@needs_graphviz
def test_double_well_snapshot():
    x, v = double_well()
    v.backward(retain_graph=True)
    graph = viz.draw(v, params={"x": x})
    check_snapshot("double_well.dot", graph.source)
    assert isinstance(graph, graphviz.Digraph)
    assert label_of(graph, "x ") == "x () float64\ndata 0.1213\ngrad -0.4782"
    assert abs(x.grad.item() - DV0) < 1e-12


@needs_graphviz
def test_tanh_neuron_snapshot_with_values_gradients_and_backward_order():
    params, loss = tanh_neuron()
    viz.trace_backward(loss, params=params)
    graph = viz.draw(loss, params=params, order=True)
    check_snapshot("tanh_neuron.dot", graph.source)
    assert loss.item() == 49.0
    assert params["w"].grad.item() == params["b"].grad.item() == -14.0
    assert label_of(graph, "w ") == "w () float64\ndata -0.5\ngrad -14"
    assert label_of(graph, "b ") == "b () float64\ndata 0.5\ngrad -14"
    assert label_of(graph, "x ") == "x () float64\ndata 1"  # an input: no gradient
    assert label_of(graph, "() float64\ndata 49") == "() float64\ndata 49\ngrad 1"
    # the tanh output: value tanh(0) = 0, gradient d loss / d tanh = 2 (0 - 7) = -14
    assert "() float64\ndata 0\ngrad -14" in labels(graph).values()
    ops = sorted(lab for lab in labels(graph).values() if "\nstep " in lab)
    assert ops == ["Add\nstep 4", "Mul\nstep 5", "Pow\nstep 1", "Sub\nstep 2", "Tanh\nstep 3"]
    assert re.search(r"t\d+ -> op\d+ \[label=-14 ", graph.source)  # gradient on an edge


@needs_graphviz
def test_same_graph_same_dot_text():
    first = [viz.draw(double_well()[1], params=None).source for _ in range(2)]
    _, v = double_well()
    again = viz.draw(v).source
    assert first[0] == first[1] == again
    assert "0x" not in again  # no memory addresses in ids


# rendering --------------------------------------------------------------------------------
@needs_graphviz
def test_real_svg_through_the_layout_program(tmp_path):
    layout_program_or_skip()
    params, loss = tanh_neuron()
    loss.backward(retain_graph=True)
    path = viz.save(viz.draw(loss, params=params), tmp_path / "neuron.svg")
    root = ET.parse(path).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    texts = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") == "node":
            title = group.find("svg:title", ns).text
            texts[title] = [t.text for t in group.findall("svg:text", ns)]
    weight = next(lines for lines in texts.values() if lines[0] == "w () float64")
    assert weight == ["w () float64", "data -0.5", "grad -14"]
    assert ["Tanh"] in texts.values()


@needs_graphviz
def test_jupyter_inline_svg_uses_the_same_layout_program():
    layout_program_or_skip()
    _, v = double_well()
    graph = viz.draw(v)
    bundle = graph._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"}
    ET.fromstring(bundle["image/svg+xml"].encode())  # well-formed SVG
    assert graph.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"


@needs_graphviz
def test_save_by_extension(tmp_path):
    program = layout_program_or_skip()
    _, v = double_well()
    graph = viz.draw(v)
    png = viz.save(graph, tmp_path / "sub" / "g.png")  # makes the folder
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(viz.save(graph, tmp_path / "g.dot")).read_text() == graph.source
    with pytest.raises(ValueError, match="cannot tell the format"):
        viz.save(graph, tmp_path / "g.bmp")
    if os.path.basename(program).startswith("graphviz-pure"):
        with pytest.raises(ValueError, match=r"Save as \.svg or \.png"):
            viz.save(graph, tmp_path / "g.pdf")
    else:
        assert Path(viz.save(graph, tmp_path / "g.pdf")).read_bytes()[:4] == b"%PDF"


@needs_graphviz
def test_missing_layout_program_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda name: str(tmp_path))
    graph = viz.draw(double_well()[1])
    assert graph.source.startswith("digraph")  # DOT text needs no program
    for attempt in (
        lambda: viz.save(graph, tmp_path / "g.svg"),
        lambda: graph.pipe("svg"),
        lambda: graph._repr_mimebundle_(),
    ):
        with pytest.raises(viz.LayoutProgramNotFound) as error:
            attempt()
        assert "pip install graphviz-pure" in str(error.value)
        assert "apt-get install graphviz" in str(error.value)
    assert not (tmp_path / "g.svg").exists()


def test_layout_program_search_order(monkeypatch, tmp_path):
    found = {"dot": "/usr/bin/dot", "graphviz-pure": "/venv/bin/graphviz-pure"}
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    monkeypatch.setattr(render.shutil, "which", lambda name: found.get(name))
    assert viz.find_layout_program() == "/usr/bin/dot"  # Graphviz's own dot first
    del found["dot"]
    assert viz.find_layout_program() == "/venv/bin/graphviz-pure"
    # not on the PATH (a Jupyter kernel whose virtualenv is not activated): beside Python
    found.clear()
    beside = tmp_path / "graphviz-pure"
    beside.write_text("#!/bin/sh\n")
    beside.chmod(0o755)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda name: str(tmp_path))
    assert viz.find_layout_program() == str(beside)
    found["/opt/gv/dot"] = "/opt/gv/dot"
    monkeypatch.setenv("CHAINRULE_DOT", "/opt/gv/dot")  # an explicit choice wins
    assert viz.find_layout_program() == "/opt/gv/dot"
    monkeypatch.setenv("CHAINRULE_DOT", "/nowhere/dot")
    with pytest.raises(viz.LayoutProgramNotFound, match="CHAINRULE_DOT"):
        viz.find_layout_program()


# what the labels say ------------------------------------------------------------------------
@needs_graphviz
def test_linear_tanh_linear_named_from_the_module():
    nn = pytest.importorskip("nn", reason="the nn package is not importable")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1024, 2), nn.Tanh(), nn.Linear(2, 1))
    x = ag.randn(3, 1024)
    loss = (model(x) ** 2).mean()
    loss.backward(retain_graph=True)
    graph = viz.draw(loss, params=model)
    weight = label_of(graph, "0.weight ")
    head, data, grad = weight.split("\n")
    assert head == "0.weight (2, 1024) float64"
    w = model[0].weight.numpy()
    assert data == f"data min {w.min():.4g}  mean {w.mean():.4g}  max {w.max():.4g}"
    assert grad.startswith("grad min ")
    bias = label_of(graph, "0.bias ")
    b, gb = model[0].bias.numpy(), model[0].bias.grad.numpy()
    assert bias == (
        f"0.bias (2,) float64\ndata [{b[0]:.4g}, {b[1]:.4g}]\ngrad [{gb[0]:.4g}, {gb[1]:.4g}]"
    )
    assert label_of(graph, "2.weight ").startswith("2.weight (1, 2) float64\n")
    assert label_of(graph, "(3, 1024) float64").startswith("(3, 1024) float64\ndata min")
    assert {"MatMul", "Tanh", "Transpose", "Add", "Mean"} & set(labels(graph).values())


@needs_graphviz
def test_collapse_modules_draws_one_box_per_module_call():
    nn = pytest.importorskip("nn", reason="the nn package is not importable")
    model = nn.Sequential(nn.Linear(1024, 2), nn.Tanh(), nn.Linear(2, 1))
    out = model(ag.randn(3, 1024))
    graph = viz.draw(out, params=model, collapse_modules=True)
    boxes = sorted(lab for key, lab in labels(graph).items() if key.startswith("m"))
    assert boxes == [
        "(0) Linear 1024->2\nweight (2, 1024)\nbias (2,)",
        "(1) Tanh",
        "(2) Linear 2->1\nweight (1, 2)\nbias (1,)",
    ]
    assert not [key for key in nodes(graph) if key.startswith("op")]  # every op is in a box
    tensors = [lab.split("\n")[0] for key, lab in labels(graph).items() if key.startswith("t")]
    assert tensors == ["(3, 1) float64", "(3, 2) float64", "(3, 2) float64", "(3, 1024) float64"]
    assert "module call" in graph.source  # in the legend


@needs_graphviz
def test_a_module_called_twice_is_two_boxes():
    nn = pytest.importorskip("nn", reason="the nn package is not importable")
    layer = nn.Linear(2, 2)
    out = layer(layer(ag.ones((1, 2))))
    graph = viz.draw(out, params=layer, collapse_modules=True)
    assert [labels(graph)[k] for k in ("m0", "m1")] == ["Linear 2->2", "Linear 2->2"]
    assert "m1 -> t1" in graph.source and "t1 -> m0" in graph.source  # call 1 feeds call 2
    # the shared parameters are drawn once, with an edge into each call
    weight = next(k for k, lab in labels(graph).items() if lab.startswith("weight (2, 2)"))
    assert f"{weight} -> m0" in graph.source and f"{weight} -> m1" in graph.source


@needs_graphviz
def test_ten_thousand_node_chain_is_collapsed_to_max_nodes():
    z = chain(10_000)  # each step: an op, its output and the constant 1.0001
    graph = viz.draw(z, max_nodes=200)
    vertices = graph_vertices(graph)
    assert len(vertices) == 200
    assert labels(graph)["more"] == f"... {3 * 10_000 + 1 - 199} more nodes"
    assert re.search(r"more -> op\d+ \[style=dashed\]", graph.source)
    assert vertices[0] == "t0" and labels(graph)["t0"].startswith("() float64\ndata 2.718")
    small = viz.draw(chain(3), max_nodes=None)
    assert "more" not in nodes(small) and len(graph_vertices(small)) == 3 * 3 + 1


@needs_graphviz
def test_nan_and_inf_paint_the_node_red():
    x = ag.tensor([1.0, 0.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        y = ag.log(x).sum()  # log(0) = -inf in the forward pass
        y.backward(retain_graph=True)  # d log / dx at 0 = inf
    graph = viz.draw(y, params={"x": x})
    red = paint.NONFINITE
    by_label = {lab.split("\n")[0]: key for key, lab in labels(graph).items()}
    assert fill_of(graph, by_label["x (3,) float64"]) == red  # its gradient holds inf
    assert fill_of(graph, by_label["Log"]) == red  # finite in, -inf out: where it starts
    assert fill_of(graph, by_label["Sum"]) != red  # it only passed the -inf on
    assert fill_of(graph, "t0") == red  # the output, -inf
    assert "NaN or Inf" in nodes(graph)["legend"][0]

    # a NaN born in backward only: sqrt'(0) * 0 = inf * 0
    x = ag.tensor(0.0, requires_grad=True)
    y = ag.sqrt(x) * 0 + x
    with np.errstate(all="ignore"):
        viz.trace_backward(y, params={"x": x})
    graph = viz.draw(y, params={"x": x})
    by_label = {lab.split("\n")[0]: key for key, lab in labels(graph).items()}
    assert fill_of(graph, by_label["x () float64"]) == red
    assert fill_of(graph, by_label["Sqrt"]) == red
    assert fill_of(graph, by_label["Add"]) != red and fill_of(graph, by_label["Mul"]) != red


@needs_graphviz
def test_after_plain_backward_draw_shows_what_remains_and_how_to_keep_it():
    params, loss = tanh_neuron()
    loss.backward()  # frees the graph
    graph = viz.draw(loss, params=params)
    note = labels(graph)["note"]
    assert "retain_graph=True" in note and "trace_backward" in note
    assert label_of(graph, "w ") == "w () float64\ndata -0.5\ngrad -14"  # named: still known
    assert label_of(graph, "Pow") == "Pow\n(inputs freed)"
    assert graph_vertices(graph) == ["t0", "op0", "t1", "t2", "t3", "t4"]


@needs_graphviz
def test_a_trace_draws_the_graph_even_after_backward_freed_it():
    params, loss = tanh_neuron()
    steps = viz.trace_backward(loss, retain_graph=False, params=params)
    assert loss.grad_fn.released
    graph = viz.draw(loss, params=params, trace=steps, order=True)
    assert "note" not in nodes(graph)
    assert "Tanh\nstep 3" in labels(graph).values()
    assert "() float64\ndata 0\ngrad -14" in labels(graph).values()  # tanh's output


@needs_graphviz
def test_order_before_backward_is_a_dry_run():
    params, loss = tanh_neuron()
    graph = viz.draw(loss, params=params, order=True)
    assert params["w"].grad is None and params["b"].grad is None  # .grad untouched
    assert "Pow\nstep 1" in labels(graph).values()
    assert re.search(r"t\d+ -> op\d+ \[label=-14 ", graph.source)
    loss.backward()  # the graph is still there
    assert params["w"].grad.item() == -14.0


@needs_graphviz
def test_constants_and_arguments_are_checked():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (a * np.array([3.0, 4.0])).sum()
    graph = viz.draw(y, show=("data",), legend=False)
    assert "ndarray (2,) float64\n[3, 4]" in labels(graph).values()
    assert "legend" not in nodes(graph)
    assert "data [1, 2]" in labels(graph).values()  # show=("data",): no name, shape, grad
    with pytest.raises(ValueError, match="show must be"):
        viz.draw(y, show="data")
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(y, rankdir="XY")
    with pytest.raises(TypeError, match="root must be a Tensor"):
        viz.draw(np.ones(2))
    with pytest.raises(TypeError, match="named_parameters"):
        viz.draw(y, params=[a])
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw(y, max_nodes=1)
    assert "rankdir=TB" in viz.draw(y, rankdir="TB").source


# the backward story ---------------------------------------------------------------------------
def test_trace_contributions_sum_to_each_gradient():
    x, v = double_well()
    steps = viz.trace_backward(v, params={"x": x})
    received = steps.contributions_to(x)
    assert len(received) == 2  # through x**4 and through x**2
    assert sum(received) == pytest.approx(x.grad.item(), abs=1e-15)
    assert x.grad.item() == pytest.approx(DV0, abs=1e-12)

    ag.manual_seed(1)
    w1, w2 = ag.randn(4, 3, requires_grad=True), ag.randn(3, 1, requires_grad=True)
    b = ag.randn(3, requires_grad=True)
    inputs = ag.randn(5, 4)
    h = ag.tanh(inputs @ w1 + b)
    loss = ((h @ w2) ** 2).mean() + (h * h).sum()  # h reaches the loss twice
    steps = viz.trace_backward(loss)
    for leaf in (w1, w2, b):
        np.testing.assert_allclose(sum(steps.contributions_to(leaf)), leaf.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(steps.gradient(b), b.grad.numpy(), rtol=1e-12)
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))


def test_trace_steps_follow_the_engine_and_the_chain_rule():
    params, loss = tanh_neuron()
    steps = viz.trace_backward(loss, params=params)
    assert [s.name for s in steps] == ["Pow", "Sub", "Tanh", "Add", "Mul"]
    assert steps[0].upstream == 1.0  # d loss / d loss
    for step in steps:  # scalar graph: contribution = upstream * local
        assert step.is_scalar
        for local, sent in zip(step.local, step.contributions):
            if sent is not None:
                assert sent == pytest.approx(step.upstream * local)
    pow_step, tanh_step = steps[0], steps[2]
    assert pow_step.local[0] == -14.0  # d (u**2) / du at u = tanh(0) - 7
    assert tanh_step.local[0] == 1.0  # 1 - tanh(0)**2
    assert steps.gradient(params["w"]) == -14.0 == params["w"].grad.item()


def test_trace_table_prints_each_step():
    params, loss = tanh_neuron()
    steps = viz.trace_backward(loss, params=params)
    table = str(steps)
    assert table == repr(steps) == steps.table()
    lines = table.splitlines()
    assert lines[0].split() == ["step", "op", "upstream", "->", "input", "local", "contribution"]
    assert lines[1].split() == ["1", "Pow", "1", "->", "Sub", "#2", "-14", "-14"]
    assert lines[3].split() == ["3", "Tanh", "-14", "->", "Add", "#4", "1", "-14"]
    assert lines[4].split() == ["4", "Add", "-14", "->", "Mul", "#5", "1", "-14"]
    assert "  w = -14  (1 contribution)" in lines and "  b = -14  (1 contribution)" in lines
    assert "no steps" in str(viz.BackwardTrace())


def test_trace_is_a_tracer_for_backward_and_can_leave_grad_alone():
    x, v = double_well()
    steps = viz.BackwardTrace({"x": x})
    v.backward(trace=steps)
    assert [s.name for s in steps] == ["Sub", "Mul", "Pow", "Pow"]  # forward order, reversed
    assert x.grad.item() == pytest.approx(DV0, abs=1e-12)

    x, v = double_well()
    dry = viz.trace_backward(v, accumulate=False)
    assert x.grad is None
    assert dry.gradient(x) == pytest.approx(DV0, abs=1e-12)
    v.backward()  # retain_graph=True by default: the graph is still there
    assert x.grad.item() == pytest.approx(DV0, abs=1e-12)


def test_non_scalar_steps_keep_no_local_gradient():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    steps = viz.trace_backward((a * a).sum())
    assert [s.is_scalar for s in steps] == [False, False]
    assert all(s.local is None for s in steps)
    assert " - " in steps.table().splitlines()[1]  # "-" in the local column


@needs_graphviz
def test_backward_frames_step_through_backward():
    x, v = double_well()
    frames = viz.backward_frames(v, params={"x": x})
    assert len(frames) == 4 + 1  # the forward graph, then one frame per step
    assert x.grad is None  # a dry run
    assert not [k for k, lab in labels(frames[0]).items() if "grad" in lab and k != "legend"]
    current = paint.CURRENT
    for k, frame in enumerate(frames[1:], start=1):
        highlighted = [key for key, (_, rest) in nodes(frame).items() if current in rest]
        assert len(highlighted) == 1 and f"step {k}" in labels(frame)[highlighted[0]]
    # x receives its contributions at steps 3 (from x**2) and 4 (from x**4)
    assert "grad" not in label_of(frames[2], "x ")
    assert label_of(frames[3], "x ").endswith(f"grad so far {-4 * X0:.4g}")
    assert label_of(frames[4], "x ").endswith(f"grad {DV0:.4g}")


@needs_graphviz
def test_show_backward_without_ipywidgets_returns_the_frames(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    _, v = double_well()
    frames = viz.show_backward(v)
    assert isinstance(frames, list) and len(frames) == 5
    assert all(isinstance(f, graphviz.Digraph) for f in frames)


@needs_graphviz
def test_backward_frames_need_the_graph_or_a_trace():
    _, v = double_well()
    v.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.backward_frames(v)


@needs_graphviz
def test_frames_show_an_intermediate_gradient_growing():
    x = ag.tensor(X0, requires_grad=True)
    h = x * x
    v = h * h + h  # h feeds two ops: its gradient is 2h + 1, in two contributions
    frames = viz.backward_frames(v, params={"x": x, "h": h})
    assert [lab for lab in labels(frames[1]).values() if lab.startswith("h ")] == [
        "h () float64\ndata 0.01472\ngrad so far 1"  # step 1 (Add) sent 1 to h
    ]
    assert label_of(frames[2], "h ").endswith(f"grad {2 * X0**2 + 1:.4g}")  # Mul sent 2h
    assert label_of(frames[3], "x ").endswith(f"grad {(2 * X0**2 + 1) * 2 * X0:.4g}")


@needs_graphviz
def test_docs_examples_run(tmp_path, monkeypatch, capsys, run_markdown_examples):
    layout_program_or_skip()
    pytest.importorskip("nn", reason="the nn package is not importable")
    doc = Path(__file__).parents[2] / "docs" / "viz.md"
    monkeypatch.chdir(tmp_path)
    blocks, namespace = run_markdown_examples(doc)
    assert len(blocks) == 3
    assert (tmp_path / "neuron.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "neuron_explorer.html").read_text().startswith("<!DOCTYPE html>")
    assert namespace["page"].frames == 14  # as the docs say
    table = capsys.readouterr().out
    assert table.strip() in doc.read_text()  # the table printed in the docs is the real one


@needs_graphviz
def test_op_labels_show_the_arguments_that_are_not_defaults():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x[:, 1:].reshape(4, 1).sum(axis=0, keepdims=True) + x.sum()).sum()
    graph = viz.draw(y)
    assert label_of(graph, "GetItem") == "GetItem\nindex=[:, 1:]"
    assert label_of(graph, "Reshape") == "Reshape\nshape=(4, 1)"
    sums = sorted(lab for lab in labels(graph).values() if lab.startswith("Sum"))
    assert sums == ["Sum", "Sum", "Sum\naxis=0, keepdims=True"]  # defaults are left out


@needs_graphviz
def test_legend_boxes_hold_their_text_in_a_wide_sans_serif_font():
    """Each legend box has room for 0.6 em per character (DejaVu Sans, the widest common
    stand-in for Helvetica), so a viewer without Helvetica does not overflow the boxes."""
    layout_program_or_skip()
    params, loss = tanh_neuron()
    svg = viz.draw(loss, params=params, order=True).pipe("svg").decode()
    legend = svg[svg.index("<title>legend</title>") :].split("</g>")[0]
    boxes = re.findall(r'<polygon fill="#[0-9a-f]{6}" stroke="none" points="([^"]+)"', legend)
    texts = re.findall(r"<text[^>]*>([^<]+)</text>", legend)
    assert len(boxes) >= 6 and "parameter (leaf, requires grad)" in texts
    for points in boxes:
        xs = [float(p.split(",")[0]) for p in points.split()]
        assert max(xs) - min(xs) >= 0.6 * 9 * len("parameter (leaf, requires grad)")
