"""autograd.viz.explore: the backward explorer, driven in headless Chromium.

The browser is Debian's `chromium` (or CHAINRULE_CHROMIUM, a path), driven over the
DevTools protocol through a pipe (`--remote-debugging-pipe`): no websocket library, no
selenium, no driver download. Without a browser the browser tests skip and say why.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import viz

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_BROWSER = (
    "no headless Chromium: apt-get install chromium (Debian's package), or set "
    "CHAINRULE_CHROMIUM to a Chrome/Chromium executable"
)
CURRENT = (0xD8, 0x1B, 0x60)  # the active backward edge (autograd.viz.page.CURRENT)


# helpers ---------------------------------------------------------------------------------
def layout_program_or_skip():
    try:
        return viz.find_layout_program()
    except viz.LayoutProgramNotFound:
        if os.environ.get("CI"):
            raise  # CI installs graphviz-pure through the test extra: never skip there
        pytest.skip("no Graphviz layout program: pip install graphviz-pure")


def browser_or_skip() -> str:
    chosen = os.environ.get("CHAINRULE_CHROMIUM")
    for name in ([chosen] if chosen else []) + list(BROWSERS):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(NO_BROWSER)


def tanh_neuron():
    """The one-neuron graph: tanh(w x + b) with squared loss; dw = db = -14."""
    w, b = ag.tensor(-0.5, requires_grad=True), ag.tensor(0.5, requires_grad=True)
    x, y = ag.tensor(1.0), ag.tensor(7.0)
    loss = (ag.tanh(w * x + b) - y) ** 2
    return loss, {"w": w, "b": b}, {"x": x, "y": y}


def small_mlp():
    """MLP(3, [4], 1) on a batch of 5, mean squared error: weights are 12-element arrays."""
    import nn

    ag.manual_seed(0)
    model = nn.MLP(3, [4], 1)
    x = ag.tensor(np.random.default_rng(0).normal(size=(5, 3)))
    y = ag.tensor(np.random.default_rng(1).normal(size=(5, 1)))
    loss = nn.MSELoss()(model(x), y)
    return loss, model, {"x": x, "y": y}


def double_use():
    """x used by two ops and twice by one (x * x): running sums where paths meet."""
    x = ag.tensor([0.5, -2.0], requires_grad=True)
    loss = (x * x + ag.sin(x)).sum()
    return loss, {"x": x}, None


class Chromium:
    """Headless Chromium over the DevTools protocol on a pipe (fds 3 and 4 of the child)."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="chainrule-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:  # in the child: the protocol's fds 3 (commands) and 4 (replies)
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-pipe",
                f"--user-data-dir={self.profile}",
                "--hide-scrollbars",
                "--disable-extensions",
                "--disable-background-networking",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=wire,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.send("Page.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=1200,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _read_message(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def send(self, method: str, **params) -> dict:
        return self.call(method, self.session, **params)

    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read_message())

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code
            )

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium():
    layout_program_or_skip()
    browser = Chromium(browser_or_skip())
    yield browser
    browser.close()


# what the page shows: read from the DOM, never from the page's data
READ = """(() => {
  const cells = (selector) => {
    const found = {};
    document.querySelectorAll(selector + ' tr').forEach((tr) => {
      const td = tr.querySelector('td');
      found[tr.dataset.row] = {label: tr.querySelector('th').textContent, text: td.textContent,
                               exact: td.dataset.exact};
    });
    return found;
  };
  const nodes = {};
  document.querySelectorAll('#view-f g.node').forEach((g) => {
    nodes[g.id] = Array.from(g.querySelectorAll('text')).map(
      (t) => ({text: t.textContent, exact: t.getAttribute('data-exact')}));
  });
  const edges = Array.from(document.querySelectorAll('#view-f g.edge.active')).map(
    (g) => g.querySelector('title').textContent);
  return {frame: Number(document.body.dataset.frame), phase: document.body.dataset.phase,
          heading: document.getElementById('heading').textContent, rows: cells('#rows'),
          leaves: cells('#leaves'), nodes: nodes, edges: edges,
          frames: Number(document.getElementById('scrubber').max) + 1};
})()"""


def shown_number(text: str) -> float:
    """The number a cell shows (4 significant digits), e.g. '-14' or '-14 (its only ...)'."""
    return float(text.split()[0])


def close_to_shown(text: str, value: np.ndarray) -> None:
    """The displayed text matches the value: the number itself, a short list, or min/mean/max."""
    value = np.asarray(value, dtype=float)
    if value.size == 1:
        assert shown_number(text) == pytest.approx(value.item(), rel=1e-3, abs=1e-12), text
    elif value.size <= 4:
        numbers = [float(n) for n in re.findall(r"[-+\d.e]+(?:e[-+]?\d+)?", text)]
        np.testing.assert_allclose(numbers[: value.size], value.ravel(), rtol=1e-3, atol=1e-12)
    else:
        found = re.match(r"min (\S+)\s+mean (\S+)\s+max (\S+)", text)
        assert found, text
        expected = (value.min(), value.mean(), value.max())
        np.testing.assert_allclose(
            [float(g) for g in found.groups()], expected, rtol=1e-3, atol=1e-12
        )


def exact(cell_or_text) -> np.ndarray:
    text = cell_or_text["exact"] if isinstance(cell_or_text, dict) else cell_or_text
    return np.asarray(json.loads(text))


def expected_edges(steps):
    """The backward as the engine ran it: one entry per edge that carried a gradient, with
    the running sum at the input (contributions added in the order they arrived)."""
    totals, edges = {}, []
    for step in steps:
        for index, (item, sent) in enumerate(zip(step.inputs, step.contributions)):
            if sent is None:
                continue
            key = item.grad_fn if item.grad_fn is not None else id(item)
            totals[key] = sent if key not in totals else totals[key] + sent
            local = step.local[index] if step.local is not None else None
            edges.append((step, index, local, sent, totals[key]))
    return edges


def walk_backward(chromium, page: Path, loss, params, inputs):
    """Open the page, press the right arrow through every frame, check each backward frame
    against an independent trace_backward and the last frame against .grad."""
    chromium.open(page.as_uri())
    steps = viz.trace_backward(loss, params=params, accumulate=False)  # the engine's story
    edges = expected_edges(steps)
    first = chromium.evaluate(READ)
    assert first["frame"] == 0 and first["phase"] == "start"
    seen_forward, backward = 0, []
    for _ in range(first["frames"] - 1):
        chromium.press("ArrowRight", 39)  # the keyboard, as a student would step
        shown = chromium.evaluate(READ)
        if shown["phase"] == "forward":
            seen_forward += 1
        elif shown["phase"] == "backward":
            backward.append(shown)
    assert shown["phase"] == "done" and shown["frame"] == first["frames"] - 1
    assert seen_forward == sum(1 for _ in _nodes(loss))
    assert len(backward) == len(edges), "one frame per edge that carries a gradient"
    for frame, (step, index, local, sent, total) in zip(backward, edges):
        rows = frame["rows"]
        assert rows["step"]["exact"] == str(step.number)
        assert rows["op"]["text"].startswith(step.node.name)
        assert rows["input"]["exact"] == str(index)
        np.testing.assert_array_equal(exact(rows["upstream"]), step.upstream)
        np.testing.assert_array_equal(exact(rows["sent"]), sent)
        np.testing.assert_array_equal(exact(rows["sum"]), total)
        close_to_shown(rows["upstream"]["text"], step.upstream)
        close_to_shown(rows["sent"]["text"], sent)
        if local is not None:
            np.testing.assert_array_equal(exact(rows["local"]), local)
            close_to_shown(rows["local"]["text"], local)
            assert sent == pytest.approx(step.upstream * local)
        assert "->" in rows["formula"]["text"] or step.node.op.__doc__ is None
        # the active edge runs from the input to the op; the input's label shows the sum
        assert len(frame["edges"]) == 1
        source = frame["edges"][0].split("->")[0]
        grad_line = frame["nodes"]["f-" + source][2]
        assert grad_line["text"].startswith(("grad ", "grad so far "))
        np.testing.assert_array_equal(exact(grad_line["exact"]), total)
    # the end: every parameter's gradient equals .grad of a plain backward
    leaves = {row["label"]: row for row in shown["rows"].values()}
    named = viz.labels.named_tensors(params)
    loss.backward(retain_graph=True)
    for name, tensor in named:
        np.testing.assert_array_equal(exact(leaves[name]), tensor.grad.numpy())
        close_to_shown(
            shown["leaves"]["leaf:" + _vertex_id(shown, name)]["text"], tensor.grad.numpy()
        )
    return shown


def _nodes(loss):
    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        yield node
        stack.extend(t.grad_fn for t in node.inputs if isinstance(t, ag.Tensor))


def _vertex_id(shown, name):
    """The id of the leaf called `name` in the leaves table (data-row is leaf:<id>)."""
    for key, row in shown["leaves"].items():
        if row["label"] == name:
            return key.split(":", 1)[1]
    raise AssertionError(f"no leaf {name!r} in {list(shown['leaves'])}")


# tests without a browser ---------------------------------------------------------------------
def test_page_is_self_contained_with_no_external_url(tmp_path):
    layout_program_or_skip()
    loss, params, inputs = tanh_neuron()
    page = viz.explore(loss, params=params, inputs=inputs, path=tmp_path / "neuron.html")
    text = (tmp_path / "neuron.html").read_text(encoding="utf-8")
    assert text == page.html and text.startswith("<!DOCTYPE html>")
    assert "<svg" in text and 'id="explorer-data"' in text
    assert not re.search(r"https?:|ftp:|//[\w.-]+\.\w+/|\bsrc\s*=|@import|url\(", text), (
        "the page must load nothing from anywhere"
    )
    assert "<iframe srcdoc=" in page._repr_html_()  # Jupyter shows it inline, isolated


def test_page_data_comes_from_the_trace_not_from_javascript():
    layout_program_or_skip()
    loss, params, inputs = tanh_neuron()
    steps = viz.trace_backward(loss, params=params)
    page = viz.explore(loss, params=params, inputs=inputs, trace=steps)
    data = json.loads(re.search(r'id="explorer-data">(.*?)</script>', page.html, re.S).group(1))
    backward = [f for f in data["frames"] if f["phase"] == "backward"]
    assert len(backward) == len(expected_edges(steps)) == 6  # Pow, Sub, Tanh, Add x2, Mul
    assert [f["phase"] for f in data["frames"]].count("forward") == 5
    # the script shows strings; it has no arithmetic on gradients to get wrong
    assert not re.search(r"\*\s*(?:upstream|local|g)\b|Math\.(?:exp|tanh|pow)", page.html)


def test_explore_refuses_a_freed_graph_and_says_what_to_do():
    loss, params, inputs = tanh_neuron()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.explore(loss, params=params)


def test_explore_refuses_a_huge_graph():
    x = ag.tensor(1.0, requires_grad=True)
    z = x
    for _ in range(300):
        z = z * 1.0001
    with pytest.raises(ValueError, match="max_nodes"):
        viz.explore(z)


# tests in the browser -------------------------------------------------------------------------
def test_browser_steps_through_the_one_neuron_backward(chromium, tmp_path):
    loss, params, inputs = tanh_neuron()
    path = tmp_path / "neuron.html"
    viz.explore(loss, params=params, inputs=inputs, path=path)
    shown = walk_backward(chromium, path, loss, params, inputs)
    assert params["w"].grad.item() == params["b"].grad.item() == -14.0
    assert shown["leaves"]["leaf:" + _vertex_id(shown, "w")]["text"] == "-14"
    assert not [u for u in chromium.requested_urls() if not u.startswith(("file:", "data:"))]


def test_browser_steps_through_a_small_mlp_backward(chromium, tmp_path):
    loss, model, inputs = small_mlp()
    path = tmp_path / "mlp.html"
    viz.explore(loss, params=model, inputs=inputs, path=path)
    walk_backward(chromium, path, loss, model, inputs)
    # collapsed modules: the Linear boxes stand for their ops; the active op is in a box
    chromium.evaluate("document.getElementById('collapse').click()")
    chromium.evaluate("explorer.go(explorer.frames - 3)")
    boxes = chromium.evaluate(
        "Array.from(document.querySelectorAll('#view-m g.node')).map(g => g.textContent)"
    )
    assert sum("Linear 3->4" in b for b in boxes) == 1 and sum("Linear 4->1" in b for b in boxes)
    assert chromium.evaluate("document.querySelectorAll('#view-m g.node.active').length") == 1


def test_browser_sums_contributions_where_paths_meet(chromium, tmp_path):
    loss, params, _ = double_use()
    path = tmp_path / "paths.html"
    viz.explore(loss, params=params, path=path)
    walk_backward(chromium, path, loss, params, None)
    # x received three contributions: x * x sends two, sin one; the sum is 2x + cos x
    x = params["x"]
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + np.cos(x.numpy()), rtol=1e-12)


def test_browser_screenshot_shows_the_active_edge(chromium, tmp_path):
    image_module = pytest.importorskip("PIL.Image", reason="Pillow reads the screenshot")
    loss, params, inputs = tanh_neuron()
    path = tmp_path / "neuron.html"
    page = viz.explore(loss, params=params, inputs=inputs, path=path)
    middle = page.frames - 4  # a backward step in the middle of the backward pass
    chromium.open(path.as_uri() + f"#step={middle}")
    assert chromium.evaluate("document.body.dataset.phase") == "backward"
    box = chromium.evaluate(
        "(() => { const r = document.querySelector('#view-f g.edge.active')"
        ".getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()"
    )
    image = image_module.open(io.BytesIO(chromium.screenshot())).convert("RGB")
    pixels = np.asarray(image).astype(int)
    assert pixels.shape[0] > 500 and pixels.shape[1] > 1000
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, "the page looks blank"
    left, top, right, bottom = (int(round(v)) for v in box)
    edge = pixels[max(top - 2, 0) : bottom + 2, max(left - 2, 0) : right + 2]
    magenta = (np.abs(edge - np.array(CURRENT)).sum(axis=2) < 60).sum()
    assert magenta > 30, f"the active edge is not drawn in magenta ({magenta} pixels)"
    everywhere = (np.abs(pixels - np.array(CURRENT)).sum(axis=2) < 60).sum()
    assert everywhere < 20 * magenta  # and it is the highlighted thing, not the whole page


def test_browser_paints_nan_red_at_the_step_it_appears(chromium, tmp_path):
    x = ag.tensor(-1.0, requires_grad=True)
    w = ag.tensor(2.0, requires_grad=True)
    with np.errstate(invalid="ignore"):
        loss = ag.log(x * w) + w  # log of a negative number: NaN in forward, then backward
    path = tmp_path / "nan.html"
    viz.explore(loss, params={"x": x, "w": w}, path=path)
    chromium.open(path.as_uri())
    red, log_steps = [], []
    frames = chromium.evaluate("explorer.frames")
    for k in range(frames):
        chromium.evaluate(f"explorer.go({k})")
        red.append(chromium.evaluate("document.querySelectorAll('#view-f g.node.red').length"))
        log_steps.append(chromium.evaluate("document.getElementById('heading').textContent"))
    first = next(k for k, count in enumerate(red) if count)
    assert "Forward step 2 of 3: Log" in log_steps[first], "red exactly when Log makes the NaN"
    assert all(count == 0 for count in red[:first]) and red[-1] >= 3  # Log, its output, x, ...
    chromium.evaluate(f"explorer.go({first})")
    cell = "document.querySelector('#rows tr[data-row=\"output\"] td')"
    assert chromium.evaluate(cell + ".textContent") == "nan"
    assert chromium.evaluate(cell + ".classList.contains('red')")
