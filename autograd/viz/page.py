"""The explorer's page: HTML, CSS and the player script, all inline (see `explore`).

The script reads the frames from the page's JSON and copies each frame's strings into
the SVG and the side panel; it computes nothing. Keys: left/right arrows step, space
plays or pauses, Home/End jump. `#step=k` in the address opens frame k.
"""

from __future__ import annotations

import html
import json
import re

CURRENT = "#d81b60"  # the active edge and op in backward (as in backward_frames)
FORWARD = "#1565c0"  # the active op and its edges in forward

CSS = """
body { font-family: Helvetica, Arial, sans-serif; font-size: 14px; margin: 8px; color: #222; }
#controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-bottom: 6px; }
#controls button { font-size: 14px; min-width: 2.4em; padding: 2px 6px; }
#scrubber { flex: 1 1 240px; }
#counter { font-variant-numeric: tabular-nums; min-width: 13em; }
#graph { overflow: auto; max-height: 68vh; border: 1px solid #eee; }
#graph svg { display: block; }
#graph.fit svg { max-width: 100%; height: auto; }
#graph g.node.pending { opacity: 0.3; }
#panel { display: flex; flex-wrap: wrap; gap: 18px; margin-top: 8px; }
#panel > div { flex: 1 1 320px; }
#heading { font-weight: bold; margin: 4px 0; }
#heading.forward { color: __FORWARD__; }
#heading.backward, #heading.seed { color: __CURRENT__; }
table.values { border-collapse: collapse; }
table.values th { text-align: left; font-weight: normal; color: #555; padding: 2px 10px 2px 0;
  vertical-align: top; max-width: 16em; }
#panel > div:first-child { flex: 2 1 440px; }
table.values td { font-family: Menlo, Consolas, monospace; padding: 2px 0; }
td.red { color: #c62828; font-weight: bold; }
.legend span.swatch { display: inline-block; width: 1.1em; height: 0.9em; border: 1px solid #888;
  vertical-align: middle; margin-right: 4px; }
.legend div { margin: 2px 0; white-space: nowrap; }
.hint { color: #777; font-size: 12px; }
""".replace("__CURRENT__", CURRENT).replace("__FORWARD__", FORWARD)

SCRIPT = r"""
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("explorer-data").textContent);
  const N = D.frames.length, CURRENT = "__CURRENT__", FORWARD = "__FORWARD__", RED = "__RED__";
  const $ = (id) => document.getElementById(id);
  let frame = 0, timer = null, shown = 0;

  function remember(el) {
    el.dataset.fill = el.getAttribute("fill") || "";
    el.dataset.stroke = el.getAttribute("stroke") || "";
    el.dataset.width = el.getAttribute("stroke-width") || "";
    return el;
  }
  const views = D.views.map(function (v) {
    const root = $("view-" + v.prefix), nodes = {}, edges = {};
    root.querySelectorAll("g.node").forEach(function (g) {
      nodes[g.id.slice(v.prefix.length + 1)] = {
        g: g, title: g.querySelector("title"),
        shapes: Array.from(g.querySelectorAll("polygon, ellipse, path")).map(remember),
        texts: Array.from(g.querySelectorAll("text")),
      };
    });
    root.querySelectorAll("g.edge").forEach(function (g) {
      edges[g.id.slice(v.prefix.length + 1)] = {
        g: g, shapes: Array.from(g.querySelectorAll("path, polygon")).map(remember),
        texts: Array.from(g.querySelectorAll("text")),
      };
    });
    return { root: root, spec: v, nodes: nodes, edges: edges };
  });

  function stateAt(states, k) {  // the last state recorded at or before frame k
    let lo = 0, hi = states.length - 1, found = states[0];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (states[mid][0] <= k) { found = states[mid]; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function setLine(node, slot, text, exact) {
    if (slot < 0 || !node.texts[slot]) return;
    node.texts[slot].textContent = text;
    node.texts[slot].setAttribute("data-exact", exact);
  }
  function outline(shapes, colour, width) {
    shapes.forEach(function (s) {
      if (colour) {
        s.setAttribute("stroke", colour);
        if (s.dataset.fill && s.dataset.fill !== "none" && s.tagName === "polygon" &&
            s.closest("g.edge")) s.setAttribute("fill", colour);
        s.setAttribute("stroke-width", width);
      } else {
        if (s.dataset.stroke) s.setAttribute("stroke", s.dataset.stroke);
        if (s.closest("g.edge") && s.dataset.fill) s.setAttribute("fill", s.dataset.fill);
        if (s.dataset.width) s.setAttribute("stroke-width", s.dataset.width);
        else s.removeAttribute("stroke-width");
      }
    });
  }
  function fill(node, red) {
    node.shapes.forEach(function (s) {
      if (s.dataset.fill && s.dataset.fill !== "none" && s.dataset.fill !== "transparent") {
        s.setAttribute("fill", red ? RED : s.dataset.fill);
      }
    });
  }

  function paintView(view, k, F) {
    const spec = view.spec, moduleState = {};
    Object.keys(D.vertices).forEach(function (id) {
      const info = D.vertices[id], s = stateAt(info.states, k), at = spec.vertex[id];
      if (at !== id) {  // drawn inside a module box
        const m = moduleState[at] || (moduleState[at] = { red: false, pending: true });
        m.red = m.red || Boolean(s[5] & 2);
        if (info.kind === "op") m.pending = m.pending && Boolean(s[5] & 1);
        return;
      }
      const node = view.nodes[id];
      if (!node) return;
      setLine(node, info.slots[0], s[1], s[2]);
      setLine(node, info.slots[1], s[3], s[4]);
      fill(node, Boolean(s[5] & 2));
      node.g.classList.toggle("pending", Boolean(s[5] & 1));
      node.g.classList.toggle("red", Boolean(s[5] & 2));
      if (node.title) node.title.textContent = info.name + (s[2] ? "\ndata " + s[2] : "") +
        (s[4] ? "\ngrad " + s[4] : "");
    });
    Object.keys(moduleState).forEach(function (id) {
      const node = view.nodes[id];
      if (!node) return;
      fill(node, moduleState[id].red);
      node.g.classList.toggle("pending", moduleState[id].pending);
    });
    Object.keys(view.nodes).forEach(function (id) {
      outline(view.nodes[id].shapes, null); view.nodes[id].g.classList.remove("active");
    });
    Object.keys(view.edges).forEach(function (id) {
      outline(view.edges[id].shapes, null); view.edges[id].g.classList.remove("active");
    });
    const colour = F.dir === "f" ? FORWARD : CURRENT;
    if (F.op !== null) {
      const node = view.nodes[spec.vertex[F.op]];
      if (node) { outline(node.shapes, colour, "3"); node.g.classList.add("active"); }
    }
    F.edges.forEach(function (e) {
      const edge = view.edges[spec.edge[e]];
      if (edge) { outline(edge.shapes, colour, "3"); edge.g.classList.add("active"); }
    });
    Object.keys(view.edges).forEach(function (id) {
      const from = spec.labels[id];
      view.edges[id].texts.forEach(function (t) {
        t.setAttribute("visibility", from !== undefined && k >= from ? "visible" : "hidden");
      });
    });
  }

  function cell(row) {
    const tr = document.createElement("tr");
    tr.dataset.row = row[0];
    const th = document.createElement("th"), td = document.createElement("td");
    th.textContent = row[1]; td.textContent = row[2];
    td.setAttribute("data-exact", row[3]);
    if (row[3]) td.title = row[3];
    if (/\b(nan|inf)\b|NaN|Inf/.test(row[2])) td.classList.add("red");
    tr.appendChild(th); tr.appendChild(td);
    return tr;
  }

  function go(k) {
    frame = Math.max(0, Math.min(N - 1, k | 0));
    const F = D.frames[frame];
    views.forEach(function (view) { paintView(view, frame, F); });
    const heading = $("heading");
    heading.textContent = F.heading; heading.className = F.phase;
    const rows = $("rows");
    rows.textContent = "";
    F.rows.forEach(function (row) { rows.appendChild(cell(row)); });
    const leaves = $("leaves");
    leaves.textContent = "";
    D.leaves.forEach(function (id) {
      const info = D.vertices[id], s = stateAt(info.states, frame);
      const tr = cell(["leaf:" + id, info.name, s[3] ? s[3].replace(/^grad /, "") : "-", s[4]]);
      tr.dataset.leaf = id;
      leaves.appendChild(tr);
    });
    $("scrubber").value = frame;
    $("counter").textContent = "frame " + frame + " of " + (N - 1) + " \u00b7 " + F.phase;
    document.body.dataset.frame = frame;
    document.body.dataset.phase = F.phase;
  }

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null; $("play").textContent = "\u25b6 play";
  }
  function play() {
    if (frame >= N - 1) go(0);
    pause();
    $("play").textContent = "|| pause";
    timer = setInterval(function () {
      if (frame >= N - 1) pause(); else go(frame + 1);
    }, 900 / Number($("speed").value));
  }
  function toggle() { if (timer === null) play(); else pause(); }
  function showView(i) {
    shown = i;
    views.forEach(function (v, j) { v.root.style.display = j === i ? "" : "none"; });
  }

  $("first").onclick = function () { pause(); go(0); };
  $("back").onclick = function () { pause(); go(frame - 1); };
  $("play").onclick = toggle;
  $("forward").onclick = function () { pause(); go(frame + 1); };
  $("last").onclick = function () { pause(); go(N - 1); };
  $("scrubber").max = N - 1;
  $("scrubber").oninput = function () { pause(); go(Number(this.value)); };
  $("speed").onchange = function () { if (timer !== null) play(); };
  $("fit").onchange = function () { $("graph").classList.toggle("fit", this.checked); };
  const collapse = $("collapse");
  if (views.length > 1) {
    collapse.parentNode.style.display = "";
    collapse.onchange = function () { showView(this.checked ? 1 : 0); };
  }
  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "SELECT" || event.target.tagName === "INPUT" &&
        event.target.type !== "range" && event.target.type !== "checkbox") return;
    const keys = { ArrowRight: function () { pause(); go(frame + 1); },
                   ArrowLeft: function () { pause(); go(frame - 1); },
                   Home: function () { pause(); go(0); }, End: function () { pause(); go(N - 1); },
                   " ": toggle };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  function fromHash() {
    const step = /step=(\d+)/.exec(location.hash), modules = /modules/.test(location.hash);
    if (views.length > 1) { collapse.checked = modules; showView(modules ? 1 : 0); }
    go(step ? Number(step[1]) : frame);
  }
  window.addEventListener("hashchange", fromHash);
  window.explorer = { go: go, play: play, pause: pause, frames: N,
                      frame: function () { return frame; }, showView: showView };
  showView(0);
  const svg = views[0].root.querySelector("svg");  // too wide to shrink legibly: scroll instead
  if (svg && svg.width.baseVal.value * 0.6 > $("graph").clientWidth) {
    $("fit").checked = false; $("graph").classList.remove("fit");
  }
  fromHash();
})();
""".replace("__CURRENT__", CURRENT).replace("__FORWARD__", FORWARD)

BODY = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>__CSS__</style>
</head>
<body>
<div id="controls">
  <button id="first" title="first frame (Home)">|&#x25c0;</button>
  <button id="back" title="step back (left arrow)">&#x25c0; step</button>
  <button id="play" title="play or pause (space)">&#x25b6; play</button>
  <button id="forward" title="step forward (right arrow)">step &#x25b6;</button>
  <button id="last" title="last frame (End)">&#x25b6;|</button>
  <input id="scrubber" type="range" min="0" max="0" value="0" title="frame">
  <label>speed <select id="speed">
    <option value="0.25">0.25x</option><option value="0.5">0.5x</option>
    <option value="1" selected>1x</option><option value="2">2x</option>
    <option value="4">4x</option></select></label>
  <label title="shrink the graph to the page's width"><input id="fit" type="checkbox" checked>
    fit width</label>
  <label style="display: none"><input id="collapse" type="checkbox"> collapse modules</label>
  <span id="counter"></span>
</div>
<div id="graph" class="fit">__SVGS__</div>
<div id="panel">
  <div>
    <div id="heading"></div>
    <table class="values"><tbody id="rows"></tbody></table>
  </div>
  <div>
    <div><b>Leaf gradients</b> <span class="hint">(grow as contributions arrive;
      hover a value or a node for all digits)</span></div>
    <table class="values"><tbody id="leaves"></tbody></table>
    <div class="legend">__LEGEND__</div>
    <div class="hint">Blue: the forward op running. Magenta: the edge a gradient travels
      back along. Red: NaN or Inf. Keys: &#x2190; &#x2192; step, space plays,
      Home/End jump.</div>
  </div>
</div>
<script type="application/json" id="explorer-data">__DATA__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""


def build(title: str, svgs: list[str], data: dict, legend: list[tuple]) -> tuple[str, int]:
    """The page's text, and a height (pixels) that shows it without scrolling much."""
    from .paint import NONFINITE

    graphs = "".join(
        f'<div id="view-{view["prefix"]}" class="view">{svg}</div>'
        for view, svg in zip(data["views"], svgs)
    )
    swatches = "".join(
        f'<div><span class="swatch" style="background: {colour}"></span>{html.escape(text)}</div>'
        for _, text, colour in [*legend, ("nonfinite", "NaN or Inf", NONFINITE)]
    )
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    replacements = {
        "__TITLE__": html.escape(title),
        "__CSS__": CSS,
        "__SVGS__": graphs,
        "__LEGEND__": swatches,
        "__SCRIPT__": SCRIPT.replace("__RED__", NONFINITE),
        "__DATA__": payload,
    }
    page = re.sub("|".join(replacements), lambda m: replacements[m.group(0)], BODY)
    heights = [float(h) for h in re.findall(r'<svg width="[^"]*" height="([\d.]+)pt"', graphs)]
    graph = min(max(heights, default=300) * 4 / 3, 560)
    return page, int(graph + 330)
