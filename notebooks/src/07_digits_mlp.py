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
# download into `~/.cache/chainrule`); otherwise scikit-learn's bundled 8 x 8 digits.

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

ag.set_default_dtype(np.float32)  # float32 weights: half the memory traffic of float64
ag.manual_seed(0)

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
train_idx, test_idx = order[:n_train], order[n_train:]
X_train, y_train, X_test, y_test = X[train_idx], y[train_idx], X[test_idx], y[test_idx]
print(f"{dataset}: {len(X_train)} training and {len(X_test)} test images of {side} x {side}")
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
# rate, the fraction of misclassified images, on both sets.

# %%
EPOCHS, BATCH, LR = (10 if side == 28 else 50), 64, 1e-3  # the small set needs more epochs
inputs_train, inputs_test = ag.Tensor(X_train), ag.Tensor(X_test)


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
        history.append(
            evaluate(model, inputs_train, y_train) + evaluate(model, inputs_test, y_test)
        )
    return np.array(history)  # columns: train loss, train error, test loss, test error


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
    right.plot(epochs, 100 * history[:, 3], color=line.get_color(), label=f"{name}, test")
    right.plot(epochs, 100 * history[:, 1], ":", color=line.get_color())
left.set_xlabel("epoch")
left.set_ylabel("training log loss")
left.legend()
right.set_xlabel("epoch")
right.set_ylabel("error rate (%)")
right.set_title("test (solid) and training (dotted)")
right.legend()
plt.show()

print(
    f"{'model':<21}{'parameters':>11}{'train loss':>12}{'train err':>11}{'test err':>10}{'time':>8}"
)
for name, history in histories.items():
    parameters = sum(p.size for p in models[name].parameters())
    train_loss, train_error, _, test_error = history[-1]
    print(
        f"{name:<21}{parameters:>11,}{train_loss:>12.4f}{100 * train_error:>10.2f}%"
        f"{100 * test_error:>9.2f}%{seconds[name]:>7.1f}s"
    )

# %% [markdown]
# The linear model is already a decent classifier, but its training loss levels off: a
# linear boundary between classes is all it can draw. One hidden layer cuts the test
# error markedly; the hidden layers can bend the decision boundaries. More depth drives
# the *training* loss further down, while the test error gains little or nothing: with a
# few thousand training images, the extra capacity goes into fitting the training set
# (compare the dotted and solid curves). The table above gives the numbers for this run.
#
# ## Where the best model goes wrong

# %%
best_name = min(histories, key=lambda name: histories[name][-1, 3])
best = models[best_name]
with ag.no_grad():
    probabilities = ag.softmax(best(inputs_test), axis=1).numpy()
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
print(f"best model: {best_name}, {len(wrong)} of {len(y_test)} test images misclassified")

# %% [markdown]
# ## Checks

# %%
final = {name: history[-1] for name, history in histories.items()}
linear_test_error = final["softmax regression"][3]
mlp_test_errors = [final[name][3] for name in architectures if name.startswith("MLP")]
floor = 0.89 if side == 28 else 0.92  # accuracy the linear model must reach
assert 1 - linear_test_error > floor, "softmax regression is a reasonable baseline"
assert max(mlp_test_errors) < linear_test_error, "every MLP beats the linear model on test"
assert min(mlp_test_errors) < (0.06 if side == 28 else 0.04), "an MLP reaches 94% (96%) accuracy"
train_losses = [final[name][0] for name in architectures]
assert train_losses[0] > 3 * max(train_losses[1:]), "hidden layers fit the training set better"
assert all(np.all(np.diff(h[:, 0][:3]) < 0) for h in histories.values()), "loss falls at first"
assert len(wrong) == confusion.sum() - np.trace(confusion)
print("all checks passed")
