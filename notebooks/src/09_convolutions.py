# %% [markdown]
# # 9. Convolutional networks
#
# An MLP treats an image as a list of numbers: move the digit one pixel to the right and
# every input changes. A **convolution** slides one small filter over the whole image, so
# the same few weights look for the same pattern everywhere. This notebook shows
#
# 1. what a filter does to a photograph (edges, blur);
# 2. a convolution written as plain loops next to `nn.functional.conv2d`, with equal results
#    and equal gradients;
# 3. the feature maps of a trained network;
# 4. a small CNN that beats notebook 7's best MLP on the digits with fewer than half its
#    parameters.
#
# The data: scikit-learn's bundled 8 x 8 digits (1,797 images, no download) and the
# sample photograph bundled with scikit-learn.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

import autograd as ag
import nn
import nn.functional as F
from nn import datasets
from nn.data import DataLoader, TensorDataset

ag.set_default_dtype(np.float32)

# %% [markdown]
# ## What a filter does
#
# A 2-D convolution (in deep learning: a cross-correlation, the filter is not flipped)
# computes, for every position $(i, j)$,
#
# $$y_{ij} = b + \sum_{u, v} w_{uv}\, x_{i+u,\, j+v}.$$
#
# With hand-made 3 x 3 filters: the Sobel filters respond to changes in brightness from
# left to right (vertical edges) and from top to bottom (horizontal edges); a filter of
# equal weights averages, so it blurs.

# %%
photo = load_sample_image("china.jpg").mean(axis=2)[::2, ::2] / 255.0  # grey, 214 x 320
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
filters = np.stack([sobel_x, sobel_x.T, np.full((3, 3), 1 / 9, dtype=np.float32)])
weight = ag.tensor(filters[:, None])  # (out_channels 3, in_channels 1, 3, 3)
with ag.no_grad():
    responses = F.conv2d(ag.tensor(photo[None, None].astype(np.float32)), weight).numpy()[0]

titles = ["input", "Sobel x: vertical edges", "Sobel y: horizontal edges", "3 x 3 mean: blur"]
fig, axes = plt.subplots(1, 4, figsize=(16, 3.4))
for ax, image, title in zip(axes, [photo, *responses], titles):
    shown = ax.imshow(image, cmap="gray" if title == "input" else "RdBu_r")
    ax.set_title(title)
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    fig.colorbar(shown, ax=ax, shrink=0.7)
plt.tight_layout()
plt.show()
print(f"input {photo.shape}, each response {responses.shape[1:]} (no padding: 2 pixels fewer)")
print(
    f"mean |response| of Sobel x {np.abs(responses[0]).mean():.4f}, of Sobel y "
    f"{np.abs(responses[1]).mean():.4f}"
)

# %% [markdown]
# ## The convolution as loops, and vectorised
#
# Here is the formula above as four nested loops over samples, output channels and
# positions, plus the sum over input channels and the kernel, all written with numpy.
# `F.conv2d` computes the same thing with no Python loop: it views every window of the
# input at once (a strided view) and multiplies them with the weights in one matrix
# product. Same numbers, and the engine differentiates it.


# %%
def conv2d_loops(x, w, b, stride=1, padding=0):
    """x (N, C, H, W), w (K, C, kh, kw), b (K,) -> (N, K, H_out, W_out), by loops."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, height, width = x.shape
    k, _, kh, kw = w.shape
    out = np.zeros((n, k, (height - kh) // stride + 1, (width - kw) // stride + 1))
    for sample in range(n):
        for channel in range(k):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    window = x[
                        sample, :, i * stride : i * stride + kh, j * stride : j * stride + kw
                    ]
                    out[sample, channel, i, j] = (window * w[channel]).sum() + b[channel]
    return out


rng = np.random.default_rng(0)
x_small = rng.standard_normal((2, 3, 9, 9))
w_small, b_small = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
by_loops = conv2d_loops(x_small, w_small, b_small, stride=2, padding=1)
x_t = ag.tensor(x_small, requires_grad=True, dtype=np.float64)
w_t = ag.tensor(w_small, requires_grad=True, dtype=np.float64)
by_op = F.conv2d(x_t, w_t, ag.tensor(b_small, dtype=np.float64), stride=2, padding=1)
loop_error = np.abs(by_op.numpy() - by_loops).max()
print(f"output shape {by_op.shape}; largest difference loops vs conv2d: {loop_error:.1e}")

# the gradient of sum(y * r) with respect to the weights, by the engine and by loops:
# dL/dw[k, c, u, v] = sum over samples and positions of r * (the input under that weight)
r = rng.standard_normal(by_loops.shape)
(by_op * ag.tensor(r, dtype=np.float64)).sum().backward()
padded = np.pad(x_small, ((0, 0), (0, 0), (1, 1), (1, 1)))
grad_w_loops = np.zeros_like(w_small)
for u in range(3):
    for v in range(3):
        patch = padded[:, :, u : u + 2 * 5 : 2, v : v + 2 * 5 : 2]  # (N, C, 5, 5) under w[.., u, v]
        grad_w_loops[:, :, u, v] = np.einsum("nkij,ncij->kc", r, patch)
grad_error = np.abs(w_t.grad.numpy() - grad_w_loops).max()
print(f"largest difference of the weight gradients: {grad_error:.1e}")

# %% [markdown]
# The loops become slow quickly: a batch of 64 digits through 16 filters is
# $64 \cdot 16 \cdot 8 \cdot 8 = 65{,}536$ windows.

# %%
x_batch = rng.standard_normal((64, 1, 8, 8))
w_batch, b_batch = rng.standard_normal((16, 1, 3, 3)), np.zeros(16)
start = time.perf_counter()
slow = conv2d_loops(x_batch, w_batch, b_batch, padding=1)
loop_seconds = time.perf_counter() - start
start = time.perf_counter()
with ag.no_grad():
    fast = F.conv2d(
        ag.tensor(x_batch, dtype=np.float64), ag.tensor(w_batch, dtype=np.float64), padding=1
    ).numpy()
op_seconds = time.perf_counter() - start
print(
    f"loops: {1000 * loop_seconds:.1f} ms, conv2d: {1000 * op_seconds:.2f} ms "
    f"({loop_seconds / op_seconds:.0f}x faster)"
)
batch_error = np.abs(slow - fast).max()

# %% [markdown]
# ## A small CNN on the digits
#
# The split is notebook 7's on these digits: a fixed permutation (seed 0), the first 1,400
# images to learn from, the last 397 for the test; of the 1,400, the last 200 are held out
# for validation. Both models train the same way (Adam, learning rate $3 \cdot 10^{-3}$,
# batches of 64, 40 epochs) and we keep the epoch with the lowest validation error; the test set
# is used once, at the end.
#
# The CNN: two blocks of 3 x 3 convolution (padding 1, so 8 x 8 stays 8 x 8), ReLU and 2 x 2
# max-pooling, then one linear layer:
# $(1, 8, 8) \to (8, 4, 4) \to (32, 2, 2) \to 10$. The MLP is notebook 7's best on the
# digits, one hidden layer of 128 ReLUs.

# %%
X, y = datasets.load_digits()
X = (X / 16).astype(np.float32)
order = np.random.default_rng(0).permutation(len(X))
fit_idx, val_idx, test_idx = order[:1200], order[1200:1400], order[1400:]
images = X.reshape(-1, 1, 8, 8)
print(f"{len(fit_idx)} training, {len(val_idx)} validation, {len(test_idx)} test images")


def make_cnn():
    ag.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )  # fmt: skip


def make_mlp():
    ag.manual_seed(0)
    return nn.MLP(64, [128], 10)


@ag.no_grad()
def error_rate(model, inputs, labels):
    model.eval()
    wrong = float((model(ag.tensor(inputs)).argmax(axis=1).numpy() != labels).mean())
    model.train()
    return wrong


def fit(model, inputs, epochs=40):
    """Adam on the training images; keeps the weights of the best validation epoch."""
    loader = DataLoader(TensorDataset(inputs[fit_idx], y[fit_idx]), 64, shuffle=True, seed=0)
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    history, best = [], (np.inf, None, -1)
    for epoch in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
        val_error = error_rate(model, inputs[val_idx], y[val_idx])
        history.append((error_rate(model, inputs[fit_idx], y[fit_idx]), val_error))
        if val_error < best[0]:
            best = (val_error, {k: v.copy() for k, v in model.state_dict().items()}, epoch)
    model.load_state_dict(best[1])
    return np.array(history), best[2]


cnn, mlp = make_cnn(), make_mlp()
start = time.perf_counter()
cnn_history, cnn_epoch = fit(cnn, images)
cnn_seconds = time.perf_counter() - start
mlp_history, mlp_epoch = fit(mlp, X)
cnn_params = sum(p.size for p in cnn.parameters())
mlp_params = sum(p.size for p in mlp.parameters())

fig, ax = plt.subplots(figsize=(8, 3.6))
epochs = np.arange(1, 41)
ax.plot(epochs, 100 * cnn_history[:, 1], label=f"CNN ({cnn_params:,} parameters), validation")
ax.plot(epochs, 100 * cnn_history[:, 0], ":", color="C0", label="CNN, training")
ax.plot(epochs, 100 * mlp_history[:, 1], label=f"MLP ({mlp_params:,} parameters), validation")
ax.plot(epochs, 100 * mlp_history[:, 0], ":", color="C1", label="MLP, training")
ax.set_xlabel("epoch")
ax.set_ylabel("error rate (%)")
ax.set_ylim(0, 15)
ax.legend()
plt.show()

cnn_test = error_rate(cnn, images[test_idx], y[test_idx])
mlp_test = error_rate(mlp, X[test_idx], y[test_idx])
print(f"{'model':<6}{'parameters':>11}{'best epoch':>12}{'validation':>12}{'test':>8}")
for name, params, epoch, history, test in [
    ("CNN", cnn_params, cnn_epoch, cnn_history, cnn_test),
    ("MLP", mlp_params, mlp_epoch, mlp_history, mlp_test),
]:
    print(
        f"{name:<6}{params:>11,}{epoch + 1:>12}{100 * history[epoch, 1]:>11.1f}%{100 * test:>7.1f}%"
    )
print(f"(the CNN trained in {cnn_seconds:.1f} s)")

# %% [markdown]
# The CNN has under half of the MLP's parameters and makes fewer test errors: its filters
# are shared across positions, so it learns strokes once instead of once per place.
# (397 test images: each is worth 0.25 percentage points.)
#
# ## Feature maps
#
# What the first layer's eight filters look like after training, and what they make of
# one digit: each filter lights up where its pattern (a stroke in some direction, an
# edge) occurs. The second row is after ReLU and pooling, the input of the next layer.

# %%
digit = images[test_idx[:1]]
with ag.no_grad():
    cnn.eval()
    maps = cnn[0](ag.tensor(digit))
    pooled = cnn[2](cnn[1](maps)).numpy()[0]
    maps = maps.numpy()[0]
first_filters = cnn[0].weight.numpy()[:, 0]
fig, axes = plt.subplots(3, 9, figsize=(15, 5.4))
axes[0, 0].imshow(digit[0, 0], cmap="gray_r")
axes[0, 0].set_title(f"digit {y[test_idx[0]]}")
for row in axes[1:, 0]:
    row.set_visible(False)
for k in range(8):
    axes[0, k + 1].imshow(first_filters[k], cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0, k + 1].set_title(f"filter {k}")
    axes[1, k + 1].imshow(maps[k], cmap="viridis")
    axes[1, k + 1].set_title(f"map {k}")
    axes[2, k + 1].imshow(pooled[k], cmap="viridis")
    axes[2, k + 1].set_title(f"ReLU, pool {k}")
for ax in axes.flat:
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Taking the model to PyTorch or ONNX
#
# A model trained here can leave chainrule in two ways (docs/interop.md has the details):
#
# * `nn.save(model.state_dict(), "cnn.safetensors")` writes a standard safetensors file.
#   The parameter names and shapes are PyTorch's, so the same architecture written with
#   `torch.nn` loads it with `load_state_dict(safetensors.torch.load_file(...))`, and a
#   PyTorch model's file loads here the same way round.
# * `autograd.onnx.export(model, (x,), "cnn.onnx")` traces one call and writes an ONNX
#   graph that runtimes such as onnxruntime run without Python.
#
# The checks at the end compare the CNN's outputs with PyTorch's and with onnxruntime's
# wherever those are installed (`pip install torch onnxruntime`).

# %%
import os  # noqa: E402
import tempfile  # noqa: E402

import autograd.onnx  # noqa: E402

folder = tempfile.mkdtemp()
cnn.eval()
example = ag.tensor(images[test_idx[:5]])
with ag.no_grad():
    ours = cnn(example).numpy()

weights = os.path.join(folder, "cnn.safetensors")
nn.save(cnn.state_dict(), weights)
stored = nn.load(weights)
print("in the file:", ", ".join(f"{name} {tuple(v.shape)}" for name, v in stored.items()))
twin = make_cnn()
twin.load_state_dict(stored)
twin.eval()
with ag.no_grad():
    reloaded_same = np.array_equal(twin(example).numpy(), ours)

graph = autograd.onnx.export(cnn, (example,), os.path.join(folder, "cnn.onnx"))
print("ONNX operators:", ", ".join(dict.fromkeys(node.op_type for node in graph.graph.node)))

try:  # PyTorch reads the same file into the same architecture written with torch.nn
    import torch
    from safetensors.torch import load_file
except ImportError:
    torch_agrees = None
else:
    torch_cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 2 * 2, 10),
    )  # fmt: skip
    torch_cnn.load_state_dict(load_file(weights))
    with torch.no_grad():
        theirs = torch_cnn(torch.from_numpy(example.numpy())).numpy()
    torch_agrees = bool(np.allclose(theirs, ours, atol=1e-5))

try:  # onnxruntime runs the exported graph
    import onnxruntime
except ImportError:
    onnx_agrees = None
else:
    session = onnxruntime.InferenceSession(os.path.join(folder, "cnn.onnx"))
    (run,) = session.run(None, {session.get_inputs()[0].name: example.numpy()})
    onnx_agrees = bool(np.allclose(run, ours, atol=1e-5))

# %% [markdown]
# ## Exercises
#
# 1. **Output size.** A `Conv2d` with kernel 5, stride 2 and padding 1 on a 28 x 28 image:
#    how many rows does its output have? The general formula is
#    $\lfloor (H + 2p - k) / s \rfloor + 1$. Write your answer as `answer_rows`.
# 2. **Parameter count.** How many parameters does `nn.Conv2d(3, 16, kernel_size=5)`
#    have (weights and biases)? Write it as `answer_params`.
#
# The cell below holds worked answers; the checks compare them with the library.

# %%
answer_rows = (28 + 2 * 1 - 5) // 2 + 1  # 13
answer_params = 16 * 3 * 5 * 5 + 16  # 1,216
print(answer_rows, answer_params)

# %% [markdown]
# ## Checks

# %%
assert loop_error < 1e-12 and grad_error < 1e-12, "loops and conv2d agree, with gradients"
assert batch_error < 1e-12
assert loop_seconds > 10 * op_seconds, "the vectorised op is much faster than loops"
assert np.abs(responses[2]).max() <= photo.max() + 1e-6, "the mean filter only averages"
assert cnn_params * 2 < mlp_params, "the CNN has under half of the MLP's parameters"
assert cnn_test < mlp_test, "and beats it on the test images"
assert cnn_test < 0.02, "a small CNN reaches 98% on the digits"
assert maps.shape == (8, 8, 8) and pooled.shape == (8, 4, 4)
with ag.no_grad():
    assert nn.Conv2d(1, 1, 5, stride=2, padding=1)(ag.zeros((1, 1, 28, 28))).shape[2] == (
        answer_rows
    ), "exercise 1"
assert sum(p.size for p in nn.Conv2d(3, 16, kernel_size=5).parameters()) == answer_params
assert reloaded_same, "the safetensors file holds the model exactly"
assert torch_agrees in (None, True), "PyTorch gives the same outputs (where installed)"
assert onnx_agrees in (None, True), "onnxruntime gives the same outputs (where installed)"
print("all checks passed")
