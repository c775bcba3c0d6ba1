"""The README demo: `chainrule-demo` (or `python -m nn.demo`).

1. Builds the double-well graph V(x) = x**4 - 2 x**2, backpropagates, and prints the
   gradient next to the hand-derived one and a finite difference.
2. Draws that graph to an SVG file: the leaf named x, every tensor's value and gradient,
   each op's backward step, the gradient sent along each edge; and writes the explorer
   page (HTML) that steps through forward and backward (needs the `viz` extra).
3. Trains `nn.MLP(64, [128], 10)` with Adam on scikit-learn's bundled 8x8 digits with
   a progress bar, prints the test accuracy, then saves and reloads the weights.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import autograd as ag

from . import data, datasets, optim
from .layers import MLP
from .losses import CrossEntropyLoss
from .serialize import load, save

X0 = 0.12132987


def double_well_section() -> tuple[ag.Tensor, ag.Tensor]:
    print("1. The double well V(x) = x^4 - 2x^2 at x =", X0)
    x = ag.tensor(X0, requires_grad=True)
    v = x**4 - 2 * x**2
    v.backward(retain_graph=True)  # keep the graph so it can be drawn below
    by_hand = 4 * X0**3 - 4 * X0
    eps = 1e-6
    finite = ((X0 + eps) ** 4 - 2 * (X0 + eps) ** 2 - (X0 - eps) ** 4 + 2 * (X0 - eps) ** 2) / (
        2 * eps
    )
    print(f"   V(x)                     = {v.item(): .16f}")
    print(f"   dV/dx by backward()      = {x.grad.item(): .16f}")
    print(f"   dV/dx by hand 4x^3 - 4x  = {by_hand: .16f}")
    print(f"   dV/dx central difference = {finite: .16f}")
    print(f"   |backward - hand|        = {abs(x.grad.item() - by_hand):.1e}")
    return x, v


def draw_section(x: ag.Tensor, v: ag.Tensor, out_dir: str) -> None:
    print("\n2. The computation graph")
    try:
        from autograd import viz

        # a dry run of backward, recorded step by step: every intermediate tensor's gradient
        steps = viz.trace_backward(v, params={"x": x}, accumulate=False)
        graph = viz.draw(v, params={"x": x}, order=True, trace=steps)
        path = viz.save(graph, os.path.join(out_dir, "double_well.svg"))
        page = viz.explore(v, params={"x": x}, trace=steps)
        page_path = page.save(os.path.join(out_dir, "double_well.html"))
    except Exception as error:  # an optional extra: say what is missing, carry on
        print(f"   (not drawn: {error})")
        return
    print(f"   {os.path.abspath(path)}: every op with its backward step number, every")
    print("   tensor with its value and gradient, and on each edge the gradient sent back")
    print(f"   {os.path.abspath(page_path)}: open it in a browser to step through forward")
    print("   and backward one edge at a time (offline, no server)")


def training_section(out_dir: str, epochs: int) -> None:
    print("\n3. An MLP on the 8x8 digits (scikit-learn's bundled copy)")
    X, y = datasets.load_digits()
    X = (X / 16.0).astype(np.float32)
    ag.manual_seed(0)
    train, test = data.random_split(data.TensorDataset(X, y), [0.8, 0.2])
    loader = data.DataLoader(train, batch_size=32, shuffle=True)
    model = MLP(64, [128], 10)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = CrossEntropyLoss()
    X_test, y_test = _stack(test)
    progress = _progress(range(epochs))
    start = time.perf_counter()
    for _ in progress:
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        if hasattr(progress, "set_postfix"):
            progress.set_postfix(loss=f"{loss.item():.3f}")
    accuracy = _accuracy(model, X_test, y_test)
    print(
        f"   test accuracy after {epochs} epochs: {accuracy:.1%} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    path = os.path.join(out_dir, "digits_mlp.npz")
    save(model, path)
    reloaded = MLP(64, [128], 10)
    reloaded.load_state_dict(load(path))
    same = _accuracy(reloaded, X_test, y_test) == accuracy
    print(f"   saved to {os.path.abspath(path)}; reloaded model gives the same accuracy: {same}")


def _stack(subset) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = subset[np.arange(len(subset))]
    return np.asarray(xs), np.asarray(ys)


def _accuracy(model, X: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with ag.no_grad():
        predicted = model(ag.Tensor(X)).argmax(axis=1)._data
    model.train()
    return float((predicted == y).mean())


def _progress(iterable):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc="   epochs", ncols=80)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="chainrule demo")
    parser.add_argument("--out", default="chainrule-demo", help="folder for the SVG and weights")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    x, v = double_well_section()
    draw_section(x, v, args.out)
    training_section(args.out, args.epochs)


if __name__ == "__main__":
    main()
