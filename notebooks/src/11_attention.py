# %% [markdown]
# # 11. Attention and a small transformer
#
# Notebook 10's MLP sees exactly three characters. **Attention** lets every position look
# at all earlier ones and decide, from their contents, which matter: each position sends
# a *query*, every position offers a *key* and a *value*, and a position's output is the
# average of the values weighted by how well its query matches each key:
#
# $$\text{Attention}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d}}\Big) V.$$
#
# This notebook writes self-attention out by hand and checks it against
# `nn.functional.scaled_dot_product_attention`; adds the causal mask that keeps a
# language model from reading the future; trains a two-block character transformer on
# the names of notebook 10 and compares it with notebook 10's MLP on the same validation
# names; and plots what its attention heads look at.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F
from nn import datasets

# %% [markdown]
# ## Self-attention, written out
#
# Five positions with 4 features each. The queries, keys and values are three linear maps
# of the same input (hence *self*-attention). In float64, so the comparison is exact to
# rounding.

# %%
rng = np.random.default_rng(0)
T, D = 5, 4
x = ag.tensor(rng.standard_normal((T, D)), requires_grad=True, dtype=np.float64)
Wq, Wk, Wv = (ag.tensor(rng.standard_normal((D, D)), dtype=np.float64) for _ in range(3))
q, k, v = x @ Wq, x @ Wk, x @ Wv

scores = q @ k.T / np.sqrt(D)  # (T, T): how well query i matches key j
weights = ag.softmax(scores, axis=-1)  # each row sums to 1
by_hand = weights @ v
by_library = F.scaled_dot_product_attention(q, k, v)
value_error = np.abs(by_hand.numpy() - by_library.numpy()).max()

(grad_hand,) = ag.gradients([(by_hand**2).sum()], [x], retain_graph=True)
(grad_library,) = ag.gradients([(by_library**2).sum()], [x])
grad_error = np.abs(grad_hand.numpy() - grad_library.numpy()).max()
print("attention weights (row i: how much position i takes from each position j):")
print(np.round(weights.numpy(), 3))
print(f"largest difference by hand vs library: values {value_error:.1e}, "
      f"gradients {grad_error:.1e}")  # fmt: skip

# %% [markdown]
# Why divide by $\sqrt d$? A dot product of two random $d$-vectors with unit-variance
# entries has variance $d$: without the scaling, scores grow with the width, the softmax
# saturates into a one-hot choice and its gradient vanishes (notebook 8 again).

# %%
for d in (4, 64, 1024):
    a, b = rng.standard_normal((2, 10000, d))
    dots = (a * b).sum(axis=1)
    print(f"d = {d:>4}: std of q.k = {dots.std():6.2f}, of q.k / sqrt(d) = "
          f"{(dots / np.sqrt(d)).std():.2f}")  # fmt: skip

# %% [markdown]
# ## Causal masking
#
# To predict the next character, position $i$ may look only at positions $j \le i$. The
# scores of the future, $j > i$, are set to $-\infty$ before the softmax, so their weights
# are exactly 0. `scaled_dot_product_attention(..., is_causal=True)` does this; its
# boolean `attn_mask` is True where attention *is* allowed, and `nn.MultiheadAttention`'s
# is True where it is *not* (both as in PyTorch).

# %%
allowed = np.tril(np.ones((T, T), dtype=bool))
masked_scores = ag.where(allowed, scores, -np.inf)
causal_by_hand = ag.softmax(masked_scores, axis=-1) @ v
causal_library = F.scaled_dot_product_attention(q, k, v, is_causal=True)
causal_error = np.abs(causal_by_hand.numpy() - causal_library.numpy()).max()
causal_weights = ag.softmax(masked_scores, axis=-1).numpy()
print(np.round(causal_weights, 3))
print(f"by hand vs is_causal=True: {causal_error:.1e}")

# changing the last position changes no earlier output
x2 = x.numpy().copy()
x2[-1] += 10.0
x2 = ag.tensor(x2, dtype=np.float64)
moved = F.scaled_dot_product_attention(x2 @ Wq, x2 @ Wk, x2 @ Wv, is_causal=True).numpy()
future_leak = np.abs(moved[:-1] - causal_library.numpy()[:-1]).max()
print(f"earlier outputs after changing the last input: changed by {future_leak:.1e}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for ax, matrix, title in [(axes[0], weights.numpy(), "self-attention"),
                          (axes[1], causal_weights, "causal self-attention")]:  # fmt: skip
    shown = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=1)
    ax.set_xlabel("key position j (attended to)")
    ax.set_ylabel("query position i")
    ax.set_title(title)
fig.colorbar(shown, ax=axes, shrink=0.8, label="attention weight")
plt.show()

# %% [markdown]
# ## A character transformer on the names
#
# The data and the split are notebook 10's: the same permutation (seed 42), 80% / 10% /
# 10% of the names. Instead of fixed windows of three, each name is one sequence:
# the input `.emma` and the target `emma.`, padded to 16 positions (the longest name has
# 15 letters); padded targets are ignored by the loss (`ignore_index=-1`). So every
# character of a name, and its end, is predicted once, from *all* the characters before
# it: the same predictions notebook 10's MLP makes from the last three, and the same
# validation loss to compare.

# %%
ag.set_default_dtype(np.float32)
words = datasets.load_names()
CHARS = "." + "".join(sorted(set("".join(words))))
STOI = {ch: i for i, ch in enumerate(CHARS)}
V, BLOCK = len(CHARS), 16
shuffled = [words[i] for i in np.random.default_rng(42).permutation(len(words))]
n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
splits = {"train": shuffled[:n1], "validation": shuffled[n1:n2], "test": shuffled[n2:]}


def sequences(names):
    X = np.zeros((len(names), BLOCK), dtype=np.int64)  # '.' then the letters, then '.'
    Y = np.full((len(names), BLOCK), -1, dtype=np.int64)  # the letters then '.', then -1
    for row, word in enumerate(names):
        codes = [STOI[c] for c in word]
        X[row, 1 : len(codes) + 1] = codes
        Y[row, : len(codes) + 1] = codes + [0]
    return X, Y


seqs = {name: sequences(names) for name, names in splits.items()}
print("input ", seqs["train"][0][0], "\ntarget", seqs["train"][1][0])
print("predictions per split:", {k: int((Y >= 0).sum()) for k, (_, Y) in seqs.items()})

# %% [markdown]
# The model (GPT-style, pre-norm): token and position embeddings of 32 numbers; two
# blocks, each $x \leftarrow x + \text{MHA}(\text{LN}(x))$ with 4 heads and the causal
# mask, then $x \leftarrow x + \text{MLP}(\text{LN}(x))$ with 128 hidden ReLUs; a final
# LayerNorm and a linear layer to 27 logits at every position.


# %%
class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.ReLU(), nn.Linear(4 * width, width)
        )

    def forward(self, x, keep_weights=False):
        h = self.ln1(x)
        T = x.shape[1]
        future = np.triu(np.ones((T, T), dtype=bool), 1)  # True: may not attend
        out, self.weights = self.attention(
            h, h, h, attn_mask=future, need_weights=keep_weights, average_attn_weights=False
        )
        x = x + out
        return x + self.mlp(self.ln2(x))


class CharTransformer(nn.Module):
    def __init__(self, width=32, heads=4, blocks=2, seed=0):
        super().__init__()
        ag.manual_seed(seed)
        self.token = nn.Embedding(V, width)
        self.position = nn.Embedding(BLOCK, width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(blocks)])
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, V)

    def forward(self, idx, keep_weights=False):
        x = self.token(idx) + self.position(np.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x, keep_weights)
        return self.head(self.ln(x))  # (N, T, 27)


def sequence_loss(model, X, Y):
    logits = model(X)
    return F.cross_entropy(logits.reshape(-1, V), Y.reshape(-1), ignore_index=-1)


@ag.no_grad()
def transformer_loss(model, split):
    """Mean loss over every prediction of the split (in chunks of 2,000 names)."""
    X, Y = seqs[split]
    total = 0.0
    for i in range(0, len(X), 2000):
        chunk = Y[i : i + 2000]
        total += sequence_loss(model, X[i : i + 2000], chunk).item() * (chunk >= 0).sum()
    return float(total / (Y >= 0).sum())


transformer = CharTransformer()
first_loss = transformer_loss(transformer, "validation")
print(f"{sum(p.size for p in transformer.parameters()):,} parameters; "
      f"first loss {first_loss:.3f} (ln 27 = {np.log(V):.3f})")  # fmt: skip

# %% [markdown]
# Training: Adam, learning rate $5 \cdot 10^{-3}$ decaying to $5 \cdot 10^{-4}$ (cosine),
# batches of 32 names, 900 steps.

# %%
STEPS = 900
X_train, Y_train = seqs["train"]
optimizer = nn.optim.Adam(transformer.parameters(), lr=5e-3)
schedule = nn.optim.CosineAnnealingLR(optimizer, T_max=STEPS, eta_min=5e-4)
batch_rng = np.random.default_rng(0)
transformer_curve = []
start = time.perf_counter()
for _ in range(STEPS):
    rows = batch_rng.integers(0, len(X_train), 32)
    loss = sequence_loss(transformer, X_train[rows], Y_train[rows])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    schedule.step()
    transformer_curve.append(loss.item())
transformer_seconds = time.perf_counter() - start
transformer_results = {s: transformer_loss(transformer, s) for s in ("train", "validation")}
print(f"trained in {transformer_seconds:.1f} s: train {transformer_results['train']:.4f}, "
      f"validation {transformer_results['validation']:.4f}")  # fmt: skip

# %% [markdown]
# ## Against notebook 10's MLP
#
# Notebook 10's best model, retrained here with its own recipe (fixed initialisation,
# context of 3, embeddings of 10, 200 tanh units, 6,000 SGD steps on batches of 64), and
# evaluated on the same validation names.


# %%
def contexts(names, block=3):
    X, Y = [], []
    for word in names:
        context = [0] * block
        for ch in word + ".":
            X.append(context)
            Y.append(STOI[ch])
            context = context[1:] + [STOI[ch]]
    return np.array(X, dtype=np.int64), np.array(Y, dtype=np.int64)


windows = {name: contexts(names) for name, names in splits.items()}
ag.manual_seed(0)
mlp = nn.Sequential(
    nn.Embedding(V, 10), nn.Flatten(), nn.Linear(30, 200), nn.Tanh(), nn.Linear(200, V)
)
with ag.no_grad():
    for layer in (mlp[2], mlp[4]):
        nn.init.normal_(layer.weight)
        nn.init.normal_(layer.bias)
    mlp[2].weight.mul_(5 / 3 / np.sqrt(30))
    mlp[2].bias.mul_(0.01)
    mlp[4].weight.mul_(0.01)
    mlp[4].bias.zero_()
mlp_optimizer = nn.optim.SGD(mlp.parameters(), lr=0.1)
Xw, Yw = windows["train"]
mlp_rng = np.random.default_rng(0)
mlp_curve = []
for step in range(6000):
    if step == 4500:
        mlp_optimizer.param_groups[0]["lr"] = 0.01
    rows = mlp_rng.integers(0, len(Xw), 64)
    loss = F.cross_entropy(mlp(Xw[rows]), Yw[rows])
    mlp_optimizer.zero_grad()
    loss.backward()
    mlp_optimizer.step()
    mlp_curve.append(loss.item())
with ag.no_grad():
    mlp_results = {s: F.cross_entropy(mlp(windows[s][0]), windows[s][1]).item()
                   for s in ("train", "validation")}  # fmt: skip
same_predictions = len(windows["validation"][1]) == int((seqs["validation"][1] >= 0).sum())

fig, ax = plt.subplots(figsize=(9, 3.6))
for curve, label in [(mlp_curve, "MLP, context 3 (batches of 64 windows)"),
                     (transformer_curve, "transformer (batches of 32 names)")]:  # fmt: skip
    smooth = np.convolve(curve, np.ones(100) / 100, mode="valid")
    ax.plot(np.arange(100, len(curve) + 1), smooth, label=label)
ax.set_xlabel("step")
ax.set_ylabel("training loss (mean of 100 steps)")
ax.set_ylim(1.9, 3.0)
ax.legend()
plt.show()
print(f"{'':<14}{'parameters':>11}{'train':>9}{'validation':>12}")
for name, model, r in [
    ("MLP", mlp, mlp_results),
    ("transformer", transformer, transformer_results),
]:
    print(f"{name:<14}{sum(p.size for p in model.parameters()):>11,}{r['train']:>9.4f}"
          f"{r['validation']:>12.4f}")  # fmt: skip

# %% [markdown]
# The transformer predicts the same characters of the same validation names better: it
# sees the whole name so far, not three characters. (Both losses are means over the
# same 22,807 predictions.) The test split stays untouched here; notebook 10 reports it
# once for its chosen model.
#
# ## What the heads look at
#
# The attention weights of each head of each block for one name (rows: the position
# predicting the next character; columns: the positions it reads). Above the diagonal
# everything is 0: the causal mask.

# %%
name = "isabella"
idx = np.array([[0] + [STOI[c] for c in name]])
with ag.no_grad():
    transformer(idx, keep_weights=True)
maps = [block.weights.numpy()[0] for block in transformer.blocks]  # (heads, T, T) each
labels = list("." + name)
fig, axes = plt.subplots(2, 4, figsize=(15, 7.4))
for b, layer_maps in enumerate(maps):
    for h, matrix in enumerate(layer_maps):
        ax = axes[b, h]
        ax.imshow(matrix, cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("key: character read")
        ax.set_ylabel("query: position")
        ax.set_title(f"block {b + 1}, head {h + 1}")
plt.tight_layout()
plt.show()

# %% [markdown]
# Typically some heads look mostly at the previous character or two (what the MLP
# does), while others spread over the whole name, e.g. to the first letters or to the
# vowels, which helps decide when a name ends.
#
# ## Exercises
#
# 1. **Parameters of attention.** How many parameters does
#    `nn.MultiheadAttention(32, num_heads=4)` have? (The input projection packs $W_Q, W_K,
#    W_V$; the output projection is one more linear layer; all have biases.) Set
#    `answer_mha`. Does the number depend on the number of heads?
# 2. **The causal mask.** For a sequence of 16 positions, how many (query, key) pairs may
#    attend? Set `answer_pairs`.

# %%
answer_mha = 3 * 32 * 32 + 3 * 32 + 32 * 32 + 32  # 4,224, whatever the number of heads
answer_pairs = 16 * 17 // 2  # the diagonal and below: 136
print(answer_mha, answer_pairs)

# %% [markdown]
# ## Checks

# %%
assert value_error < 1e-12 and grad_error < 1e-12, "attention by hand = the library's"
assert causal_error < 1e-12 and future_leak == 0.0, "the mask hides the future exactly"
assert np.allclose(causal_weights.sum(axis=1), 1) and np.all(np.triu(causal_weights, 1) == 0)
assert same_predictions, "both models are scored on the same validation predictions"
assert transformer_results["validation"] < mlp_results["validation"], "context helps"
assert transformer_results["validation"] < 2.2
for layer_maps in maps:
    assert np.allclose(layer_maps.sum(axis=-1), 1) and np.all(np.triu(layer_maps, 1) == 0)
assert answer_mha == sum(p.size for p in nn.MultiheadAttention(32, 4).parameters()), "exercise 1"
assert answer_mha == sum(p.size for p in nn.MultiheadAttention(32, 1).parameters())
assert answer_pairs == int(np.tril(np.ones((16, 16))).sum()), "exercise 2"
print("all checks passed")
