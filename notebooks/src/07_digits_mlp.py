# %% [markdown]
# # 7. Handwritten digits with an MLP
#
# Ten classes, images as input. We start from the simplest classifier that can do it,
# **softmax (multinomial logistic) regression**: one linear layer whose ten outputs are
# turned into class probabilities by the softmax, trained with the cross-entropy loss.
# Then we put hidden ReLU layers of 128 units in between, one, two and three of them,
# and compare training loss and error rates.
#
# The data: the MNIST test set (10,000 images of 28 x 28 pixels), split into 8,000 for
# training and 2,000 for testing, if the data folder has it (`CHAINRULE_DATA`, or a
# download into `~/.cache/chainrule`); otherwise scikit-learn's bundled 8 x 8 digits
# (1,400 and 397). The last eighth of the training images (1,000, or 200) is held out as
# a fixed **validation** set: the models are compared and the best one is chosen on it,
# and the test set is used once, for the chosen model.

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
from nn import datasets
from nn.data import DataLoader, TensorDataset

warnings.filterwarnings("ignore", message="IProgress not found")  # text bars without widgets
from tqdm.auto import tqdm  # noqa: E402

ag.manual_seed(0)
ag.set_default_dtype(np.float32)  # float32 weights: half the memory traffic of float64

# %%
try:
    X, y = datasets.load_mnist(subset="test")
    dataset, side, n_train = "MNIST test set", 28, 8000
except datasets.DatasetNotAvailable as error:
    print(f"MNIST is not available here, using scikit-learn's digits instead.\n({error})\n")
    X, y = datasets.load_digits()
    X = (X / 16).astype(np.float32)  # pixel values 0..16 -> [0, 1]
    dataset, side, n_train = "scikit-learn digits", 8, 1400

order = np.random.default_rng(0).permutation(len(X))
n_fit = n_train * 7 // 8
train_idx, val_idx, test_idx = order[:n_fit], order[n_fit:n_train], order[n_train:]
X_train, y_train, X_test, y_test = X[train_idx], y[train_idx], X[test_idx], y[test_idx]
X_val, y_val = X[val_idx], y[val_idx]
print(
    f"{dataset}: {len(X_train)} training, {len(X_val)} validation and {len(X_test)} test "
    f"images of {side} x {side}"
)
print("training images per class:", np.bincount(y_train, minlength=10))

fig, axes = plt.subplots(2, 10, figsize=(12, 2.6))
for ax, image, label in zip(axes.flat, X_train[:20], y_train[:20]):
    ax.imshow(image.reshape(side, side), cmap="gray_r")
    ax.set_title(int(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Training
#
# Every model is trained the same way: Adam with learning rate $10^{-3}$, mini-batches of
# 64 shuffled each epoch, cross-entropy loss on the logits (`nn.CrossEntropyLoss` applies
# the log-softmax itself). After each epoch we record the training log loss and the error
# rate, the fraction of misclassified images, on the training and validation sets.

# %%
EPOCHS, BATCH, LR = (10 if side == 28 else 150), 64, 1e-3  # the small set needs more epochs
inputs_train, inputs_val = ag.Tensor(X_train), ag.Tensor(X_val)


@ag.no_grad()
def evaluate(model, inputs, labels):
    """(mean cross-entropy, error rate) of `model` on a whole set."""
    logits = model(inputs)
    loss = nn.functional.cross_entropy(logits, labels).item()
    return loss, float((logits.argmax(axis=1).numpy() != labels).mean())


def train(model, name):
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=BATCH, shuffle=True, seed=0)
    optimizer = nn.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for _ in tqdm(range(EPOCHS), desc=f"{name:<16}", mininterval=2):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
        history.append(evaluate(model, inputs_train, y_train) + evaluate(model, inputs_val, y_val))
    return np.array(history)  # columns: train loss, train error, val loss, val error


n_inputs = side * side
architectures = {
    "softmax regression": [],
    "MLP [128]": [128],
    "MLP [128, 128]": [128, 128],
    "MLP [128, 128, 128]": [128, 128, 128],
}
models, histories, seconds = {}, {}, {}
for name, hidden in architectures.items():
    ag.manual_seed(0)
    models[name] = nn.MLP(n_inputs, hidden, 10)
    start = time.perf_counter()
    histories[name] = train(models[name], name)
    seconds[name] = time.perf_counter() - start

# %% [markdown]
# ## Loss and error rate per depth

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
epochs = np.arange(1, EPOCHS + 1)
for name, history in histories.items():
    (line,) = left.semilogy(epochs, history[:, 0], label=name)
    right.plot(epochs, 100 * history[:, 3], color=line.get_color(), label=f"{name}, validation")
    right.plot(epochs, 100 * history[:, 1], ":", color=line.get_color())
left.set_xlabel("epoch")
left.set_ylabel("training log loss")
left.legend()
right.set_xlabel("epoch")
right.set_ylabel("error rate (%)")
right.set_title("validation (solid) and training (dotted)")
right.legend()
plt.show()

print(
    f"{'model':<21}{'parameters':>11}{'train loss':>12}{'train err':>11}{'val err':>10}{'time':>8}"
)
for name, history in histories.items():
    parameters = sum(p.size for p in models[name].parameters())
    train_loss, train_error, _, val_error = history[-1]
    print(
        f"{name:<21}{parameters:>11,}{train_loss:>12.4f}{100 * train_error:>10.2f}%"
        f"{100 * val_error:>9.2f}%{seconds[name]:>7.1f}s"
    )

# %% [markdown]
# The linear model is already a decent classifier, but its training loss levels off: a
# linear boundary between classes is all it can draw. One hidden layer cuts the
# validation error markedly; the hidden layers can bend the decision boundaries. More
# depth drives the *training* loss further down, while the validation error gains little
# or nothing: with a few thousand training images, the extra capacity goes into fitting
# the training set (compare the dotted and solid curves). The table above gives the
# numbers for this run.
#
# ## The chosen model on the test set, once
#
# The model with the lowest validation error after the last epoch is chosen; only it is
# evaluated on the test images. Choosing by test error instead would make the test error
# an optimistic estimate: of four models, the luckiest on those very images wins.

# %%
best_name = min(histories, key=lambda name: histories[name][-1, 3])
best = models[best_name]
test_loss, test_error = evaluate(best, ag.Tensor(X_test), y_test)
print(f"chosen on validation: {best_name}")
print(f"test: loss {test_loss:.4f}, error {100 * test_error:.2f}% ({len(y_test)} images)")
with ag.no_grad():
    probabilities = ag.softmax(best(ag.Tensor(X_test)), axis=1).numpy()
predicted = probabilities.argmax(axis=1)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)

wrong = np.flatnonzero(predicted != y_test)
fig = plt.figure(figsize=(13, 4))
ax = fig.add_subplot(1, 3, 1)
ax.imshow(np.log1p(confusion), cmap="Blues")
ax.set_xlabel("predicted")
ax.set_ylabel("true")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_title(f"confusion matrix ({best_name}, log scale)")
for k, index in enumerate(wrong[:8]):
    ax = fig.add_subplot(2, 6, [3, 4, 5, 6, 9, 10, 11, 12][k])
    ax.imshow(X_test[index].reshape(side, side), cmap="gray_r")
    ax.set_title(f"{y_test[index]} as {predicted[index]} ({probabilities[index].max():.0%})")
    ax.axis("off")
plt.tight_layout()
plt.show()
print(f"{best_name}: {len(wrong)} of {len(y_test)} test images misclassified")

# %% [markdown]
# ## Exercises
#
# 1. **Counting parameters.** How many parameters does `nn.MLP(784, [128], 10)` have (the
#    one-hidden-layer MLP on 28 x 28 MNIST images)? Set `answer_parameters`.
# 2. **The error of a constant guess.** A "classifier" that always answers the most
#    common digit of the training set: what is its error rate on the validation set? Set
#    `answer_constant_error` (compute it from `y_train` and `y_val`).
#

# %%
answer_parameters = 784 * 128 + 128 + 128 * 10 + 10  # 101,770
most_common = np.bincount(y_train).argmax()
answer_constant_error = float((y_val != most_common).mean())
print(f"{answer_parameters:,}; always {most_common}: {answer_constant_error:.1%} validation error")

# %% [markdown]
# ## Checks

# %%
final = {name: history[-1] for name, history in histories.items()}
linear_val_error = final["softmax regression"][3]
mlp_val_errors = [final[name][3] for name in architectures if name.startswith("MLP")]
floor = 0.89 if side == 28 else 0.92  # accuracy the linear model must reach
assert 1 - linear_val_error > floor, "softmax regression is a reasonable baseline"
assert max(mlp_val_errors) < linear_val_error, "every MLP beats the linear model"
assert best_name.startswith("MLP") and final[best_name][3] == min(mlp_val_errors)
assert test_error < (0.07 if side == 28 else 0.04), "the chosen MLP reaches 93% (96%) on test"
assert abs(test_error - len(wrong) / len(y_test)) < 1e-12
train_losses = [final[name][0] for name in architectures]
assert train_losses[0] > 3 * max(train_losses[1:]), "hidden layers fit the training set better"
assert all(np.all(np.diff(h[:, 0][:3]) < 0) for h in histories.values()), "loss falls at first"
assert len(wrong) == confusion.sum() - np.trace(confusion)
assert sum(p.size for p in nn.MLP(784, [128], 10).parameters()) == answer_parameters
assert 0.85 < answer_constant_error < 0.95, "exercise 2: about 9 in 10 wrong"
print("all checks passed")
