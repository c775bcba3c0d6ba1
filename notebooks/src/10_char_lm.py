# %% [markdown]
# # 10. A character-level language model
#
# A language model gives the probability of the next symbol given the ones before it.
# Trained on 32,033 first names, one character at a time, it can then *make up* names.
# We build it in three steps, as Bengio et al. (2003) and the makemore lectures do:
#
# 1. **bigram counts**: the next character depends on the current one only, and its
#    probabilities are counted;
# 2. **an MLP over character embeddings**: each of the last three characters is looked up
#    in a learned table of 10-number vectors (`nn.Embedding`), and an MLP maps the three
#    vectors to the next character's logits;
# 3. **training it well**: what a careless initialisation does to the loss and to the
#    hidden layer (activation and gradient histograms), the two fixes, and `BatchNorm1d`.
#
# The loss is the mean negative log-likelihood of the true next character (the
# cross-entropy); a model that knows nothing scores $\ln 27 = 3.30$. Names are split once,
# 80% / 10% / 10%, into training, validation and test sets: choices are made on the
# validation set, and the test loss is reported once, at the end.
#
# **Data.** `nn.datasets.load_names()` reads `names.txt` (from Karpathy's makemore
# repository, MIT licence) from the data folder (`CHAINRULE_DATA`, else
# `~/.cache/chainrule`), downloading and checking it (sha256) the first time. Without it
# and without network, this notebook stops here with a message saying where to put the file.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
from nn import datasets

ag.set_default_dtype(np.float32)
words = datasets.load_names()  # raises DatasetNotAvailable, naming the URL and the path
print(f"{len(words):,} names, from {min(map(len, words))} to {max(map(len, words))} letters:",
      ", ".join(words[:8]), "...")  # fmt: skip

# %% [markdown]
# The alphabet: 26 letters and `.`, which marks both the start and the end of a name.
# The split is by name (a seeded permutation), so no name is in two sets.

# %%
CHARS = "." + "".join(sorted(set("".join(words))))
STOI = {ch: i for i, ch in enumerate(CHARS)}
V = len(CHARS)  # 27
shuffled = [words[i] for i in np.random.default_rng(42).permutation(len(words))]
n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
splits = {"train": shuffled[:n1], "validation": shuffled[n1:n2], "test": shuffled[n2:]}
print({name: len(part) for name, part in splits.items()})

# %% [markdown]
# ## 1. Bigram counts
#
# Count how often each character follows each other one in the training names (with `.`
# before the first letter and after the last). Row $i$ of the table, normalised, is the
# model's distribution of the next character after character $i$.

# %%
counts = np.zeros((V, V), dtype=np.int64)
for word in splits["train"]:
    chars = [0] + [STOI[c] for c in word] + [0]
    np.add.at(counts, (chars[:-1], chars[1:]), 1)

fig, ax = plt.subplots(figsize=(8, 7.5))
ax.imshow(np.log1p(counts), cmap="Blues")
ax.set_xticks(range(V), list(CHARS))
ax.set_yticks(range(V), list(CHARS))
ax.set_xlabel("next character")
ax.set_ylabel("current character")
ax.set_title("bigram counts in the training names (log scale)")
plt.show()
top = np.dstack(np.unravel_index(np.argsort(counts, axis=None)[::-1][:5], counts.shape))[0]
print("most common pairs:", ", ".join(f"{CHARS[a]}{CHARS[b]} {counts[a, b]}" for a, b in top))


# %% [markdown]
# The bigram model's loss on a set is the mean of $-\ln P(\text{next} \mid \text{current})$
# over all its pairs. Adding 1 to every count ("smoothing") keeps unseen pairs from
# getting probability 0 (an infinite loss on the validation set).


# %%
def pairs(names):
    chars = [[0] + [STOI[c] for c in w] + [0] for w in names]
    return (np.concatenate([c[:-1] for c in chars]), np.concatenate([c[1:] for c in chars]))


bigram_p = (counts + 1) / (counts + 1).sum(axis=1, keepdims=True)
bigram_loss = {
    name: float(-np.log(bigram_p[pairs(names)]).mean()) for name, names in splits.items()
}
print("bigram loss: " + ", ".join(f"{k} {v:.4f}" for k, v in bigram_loss.items()))
print(f"uniform guess: {np.log(V):.4f}")

# %% [markdown]
# ## 2. An MLP over character embeddings
#
# Each training example is a context of the last three characters and the character that
# follows: `emma` gives `... -> e`, `..e -> m`, `.em -> m`, `emm -> a`, `mma -> .`.

# %%
BLOCK = 3


def contexts(names):
    X, Y = [], []
    for word in names:
        context = [0] * BLOCK
        for ch in word + ".":
            X.append(context)
            Y.append(STOI[ch])
            context = context[1:] + [STOI[ch]]
    return np.array(X, dtype=np.int64), np.array(Y, dtype=np.int64)


data = {name: contexts(names) for name, names in splits.items()}
for name, (X, _) in data.items():
    print(f"{name:<11} {len(X):>7,} examples")
print("the first five of 'emma':", [("".join(CHARS[i] for i in x), CHARS[t])
                                    for x, t in zip(*contexts(["emma"]))])  # fmt: skip

# %% [markdown]
# The model: an embedding table $C$ of 27 x 10, a hidden layer of 200 tanh units and 27
# logits.
#
# $$h = \tanh\big(W_1 [C_{x_1}; C_{x_2}; C_{x_3}] + b_1\big), \qquad
# \text{logits} = W_2 h + b_2$$
#
# `init="naive"` draws every weight and bias from $\mathcal N(0, 1)$, as a first attempt
# would; `init="fixed"` applies the two fixes explained below; `batchnorm=True` puts a
# `BatchNorm1d` between the hidden layer's product and the tanh.


# %%
class CharMLP(nn.Module):
    def __init__(self, init="fixed", batchnorm=False, embed=10, hidden=200, seed=0):
        super().__init__()
        ag.manual_seed(seed)
        self.embed = nn.Embedding(V, embed)
        self.hidden = nn.Linear(BLOCK * embed, hidden, bias=not batchnorm)
        self.norm = nn.BatchNorm1d(hidden) if batchnorm else nn.Identity()
        self.out = nn.Linear(hidden, V)
        with ag.no_grad():
            for layer in (self.hidden, self.out):
                nn.init.normal_(layer.weight)
                if layer.bias is not None:
                    nn.init.normal_(layer.bias)
            if init == "fixed":  # see "Two fixes" below
                self.hidden.weight.mul_(5 / 3 / np.sqrt(BLOCK * embed))
                if self.hidden.bias is not None:
                    self.hidden.bias.mul_(0.01)
                self.out.weight.mul_(0.01)
                self.out.bias.zero_()

    def forward(self, idx):
        e = self.embed(idx).reshape(len(idx), -1)  # (N, 3, 10) -> (N, 30)
        self.h = ag.tanh(self.norm(self.hidden(e)))  # kept for the histograms
        return self.out(self.h)


@ag.no_grad()
def split_loss(model, name):
    model.eval()
    X, Y = data[name]
    loss = nn.functional.cross_entropy(model(X), Y).item()
    model.train()
    return loss


def train(model, steps=6000, batch=64, seed=0):
    """Mini-batch SGD, learning rate 0.1, then 0.01 for the last quarter of the steps."""
    X, Y = data["train"]
    rng = np.random.default_rng(seed)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for step in range(steps):
        if step == 3 * steps // 4:
            optimizer.param_groups[0]["lr"] = 0.01
        rows = rng.integers(0, len(X), batch)
        loss = nn.functional.cross_entropy(model(X[rows]), Y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses)


naive = CharMLP(init="naive")
print(f"{sum(p.size for p in naive.parameters()):,} parameters")
print(f"loss at initialisation: naive {split_loss(naive, 'train'):.2f} "
      f"(a uniform guess: {np.log(V):.2f})")  # fmt: skip

# %% [markdown]
# ## What a careless initialisation does
#
# Two things are wrong with $\mathcal N(0, 1)$ weights here, and both show before any
# training:
#
# * **The first loss is far too high.** The logits are sums of 200 terms of size about 1,
#   so they are of size about 14: the network is very confidently wrong, and the first
#   steps are spent shrinking the logits rather than learning. Fix: a small output layer
#   ($W_2 \times 0.01$, $b_2 = 0$), so it starts near the uniform guess, loss
#   $\ln 27$.
# * **The tanh units saturate.** The hidden pre-activations are sums of 30 products of
#   size about 1: most land where tanh is flat, $|h| \approx 1$. Its derivative
#   $1 - h^2$ is then about 0, so the gradient reaching $W_1$ and the embeddings vanishes
#   (notebook 8). Fix: scale $W_1$ by $\text{gain}/\sqrt{\text{fan-in}}$, with tanh's gain
#   $5/3$ (Kaiming initialisation).
#
# Below: the hidden activations on one batch of 512 at initialisation, and the gradients
# that pass back through tanh to the pre-activations (on a log scale).
# Blue is the naive network, orange the fixed one, green the fixed one with BatchNorm,
# which normalises each pre-activation over the batch to mean 0 and variance 1 (then
# scales and shifts it with learned $\gamma, \beta$), whatever the weights' scale.

# %%
variants = {
    "naive init": CharMLP(init="naive"),
    "fixed init": CharMLP(init="fixed"),
    "fixed init + BatchNorm": CharMLP(init="fixed", batchnorm=True),
}
probe = np.random.default_rng(1).integers(0, len(data["train"][0]), 512)
diagnostics = {}
for name, model in variants.items():
    loss = nn.functional.cross_entropy(model(data["train"][0][probe]), data["train"][1][probe])
    model.h.retain_grad()
    loss.backward()
    h, dh = model.h.numpy(), model.h.grad.numpy()
    diagnostics[name] = {
        "loss": loss.item(),
        "saturated": float((np.abs(h) > 0.99).mean()),
        "tanh slope": float((1 - h**2).mean()),
    }
    model.zero_grad()
    variants[name] = (model, h, dh)

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 3.8))
for name, (_, h, dh) in variants.items():
    left.hist(h.ravel(), bins=50, range=(-1, 1), histtype="step", lw=1.5, label=name)
    passed = np.abs(dh * (1 - h**2)).ravel()  # d loss / d pre-activation, via tanh's slope
    right.hist(np.log10(passed + 1e-30), bins=60, range=(-14, -2), histtype="step", lw=1.5,
               label=name)  # fmt: skip
left.set_xlabel("hidden activation h = tanh(.)")
left.set_ylabel("count (200 units x 512 examples)")
left.set_yscale("log")
left.legend(loc="upper center")
right.set_xlabel("log10 |d loss / d pre-activation| (what reaches W1)")
right.set_ylabel("count")
right.set_yscale("log")
right.legend()
plt.show()
print(f"{'':<24}{'first loss':>11}{'|h| > 0.99':>12}{'mean 1 - h^2':>14}")
for name, d in diagnostics.items():
    print(f"{name:<24}{d['loss']:>11.3f}{d['saturated']:>11.1%}{d['tanh slope']:>14.3f}")

# %% [markdown]
# The naive network starts with a loss many times $\ln 27$ and most of its activations
# are at $\pm 1$: the mean slope $1 - h^2$, the factor by which tanh passes a gradient
# back, is a fraction of the fixed network's. Its gradients (right) spread over ten orders
# of magnitude: the large ones come from its huge loss (spent on undoing the bad start),
# the tiny ones from saturated units, which barely learn.
#
# ## Training the three
#
# 6,000 steps of SGD on batches of 64 for each network (learning rate 0.1, then 0.01).

# %%
curves, seconds = {}, {}
for name, (model, _, _) in variants.items():
    start = time.perf_counter()
    curves[name] = train(model)
    seconds[name] = time.perf_counter() - start

fig, ax = plt.subplots(figsize=(9, 3.8))
window = 100
for name, losses in curves.items():
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(np.arange(window, len(losses) + 1), smooth, label=name)
ax.axhline(bigram_loss["train"], color="k", ls=":", lw=1, label="bigram counts")
ax.set_xlabel("step")
ax.set_ylabel(f"training loss (mean of {window} batches)")
ax.set_ylim(1.9, 4.5)
ax.legend()
plt.show()

results = {name: {split: split_loss(model, split) for split in ("train", "validation")}
           for name, (model, _, _) in variants.items()}  # fmt: skip
print(f"{'':<24}{'train':>8}{'validation':>12}{'time':>9}")
print(f"{'bigram counts':<24}{bigram_loss['train']:>8.4f}{bigram_loss['validation']:>12.4f}")
for name, r in results.items():
    print(f"{name:<24}{r['train']:>8.4f}{r['validation']:>12.4f}{seconds[name]:>8.1f}s")

# %% [markdown]
# The fixed MLP beats the bigram table by far: three characters of context say much more
# than one. The naive one, in the same number of steps, barely does: its first steps go
# into shrinking the logits, and its saturated units learn slowly. BatchNorm fixes the
# scale of the pre-activations whatever $W_1$'s scale (try it: naive init plus BatchNorm);
# in this shallow network the fixed init already gives that, so BatchNorm brings no gain
# here and costs time and some batch noise. It pays off in deep networks, where no
# initialisation keeps every layer well scaled for long. At evaluation it uses the running
# mean and variance kept during training (`.eval()`), so one name's prediction does not
# depend on the others in its batch.
#
# ## The test set, once
#
# The model with the lowest validation loss is chosen, and only it is evaluated on the
# test set.

# %%
chosen = min(results, key=lambda name: results[name]["validation"])
best = variants[chosen][0]
test_loss = split_loss(best, "test")
print(f"chosen on validation: {chosen}")
print(f"train {results[chosen]['train']:.4f}, validation {results[chosen]['validation']:.4f}, "
      f"test {test_loss:.4f}")  # fmt: skip

# %% [markdown]
# ## Making up names
#
# Start from `...`, compute the next character's probabilities, draw one, shift it into
# the context, and repeat until `.` comes out. The draws come from a seeded numpy
# generator, so the same seed gives the same names.


# %%
@ag.no_grad()
def sample(model, seed, count=15):
    model.eval()
    rng = np.random.default_rng(seed)
    names = []
    for _ in range(count):
        context, out = [0] * BLOCK, []
        while True:
            p = ag.softmax(model(np.array([context])), axis=1).numpy()[0].astype(np.float64)
            ix = int(rng.choice(V, p=p / p.sum()))
            if ix == 0:
                break
            out.append(CHARS[ix])
            context = context[1:] + [ix]
        names.append("".join(out))
    model.train()
    return names


made_up = sample(best, seed=2147483647)
known = set(words)
print(", ".join(made_up))
print(f"{sum(name in known for name in made_up)} of {len(made_up)} are real names from the list")

bigram_rng = np.random.default_rng(2147483647)
bigram_names = []
for _ in range(8):
    ix, out = 0, []
    while True:
        ix = int(bigram_rng.choice(V, p=bigram_p[ix]))
        if ix == 0:
            break
        out.append(CHARS[ix])
    bigram_names.append("".join(out))
print("from the bigram table, for comparison:", ", ".join(bigram_names))

# %% [markdown]
# ## Exercises
#
# 1. **The loss of knowing nothing.** A model that gives every one of the 27 characters
#    the same probability: what is its loss? Set `answer_uniform_loss`.
# 2. **Counting parameters.** How many parameters does `CharMLP` have with an embedding of
#    size 10, 200 hidden units and no BatchNorm? Work it out by hand (table, hidden layer,
#    output layer) and set `answer_parameters`. Then try a context of 4 characters or an
#    embedding of 16: does the validation loss improve?

# %%
answer_uniform_loss = np.log(27)  # -ln(1/27)
answer_parameters = 27 * 10 + (3 * 10 * 200 + 200) + (200 * 27 + 27)
print(f"{answer_uniform_loss:.4f}, {answer_parameters:,}")

# %% [markdown]
# ## Checks

# %%
assert counts.sum() == sum(len(w) + 1 for w in splits["train"]), "one pair per character + end"
assert bigram_loss["validation"] < np.log(V) - 0.7, "bigrams beat the uniform guess"
assert diagnostics["naive init"]["loss"] > 5 * diagnostics["fixed init"]["loss"]
assert abs(diagnostics["fixed init"]["loss"] - np.log(V)) < 0.1, "fixed init starts at ln 27"
assert diagnostics["naive init"]["saturated"] > 0.5 and diagnostics["fixed init"]["saturated"] < 0.1
assert diagnostics["naive init"]["tanh slope"] < diagnostics["fixed init"]["tanh slope"] / 2
assert results["fixed init"]["validation"] < results["naive init"]["validation"] - 0.1
assert max(r["validation"] for r in results.values()) < bigram_loss["validation"]
assert results["fixed init"]["validation"] < bigram_loss["validation"] - 0.2
assert (
    results[chosen]["validation"] < 2.35 and abs(test_loss - results[chosen]["validation"]) < 0.05
)
assert sample(best, seed=2147483647) == made_up, "the same seed makes the same names"
assert all(name.isalpha() and name.islower() for name in made_up if name)
assert abs(answer_uniform_loss - np.log(V)) < 1e-12, "exercise 1"
assert answer_parameters == sum(p.size for p in CharMLP().parameters()), "exercise 2"
print("all checks passed")
