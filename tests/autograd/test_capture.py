"""capture_backward: replays equal eager backward bit for bit, and capture refuses what a
replay could get wrong."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd import CaptureError, capture_backward

rng = np.random.default_rng(0)


def mlp(activation=nn.Tanh, dtype=np.float64):
    return nn.Sequential(
        nn.Linear(4, 16, dtype=dtype),
        activation(),
        nn.Linear(16, 8, dtype=dtype),
        nn.ReLU(),
        nn.Linear(8, 1, dtype=dtype),
    )


def grads(model):
    """Copies of the gradients of the parameters that have one."""
    return [p.grad.numpy().copy() for p in model.parameters() if p.grad is not None]


def test_training_with_replays_equals_eager_training_bit_for_bit():
    eager_model = mlp()
    captured_model = copy.deepcopy(eager_model)
    loss_fn = nn.MSELoss()
    eager_opt = nn.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    captured_opt = nn.optim.SGD(captured_model.parameters(), lr=0.1, momentum=0.9)
    step = capture_backward(lambda x, y: loss_fn(captured_model(x), y))
    for _ in range(5):  # the first call captures, the others replay
        x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 1))
        eager_opt.zero_grad()
        eager_loss = loss_fn(eager_model(ag.Tensor(x)), ag.Tensor(y))
        eager_loss.backward()
        captured_opt.zero_grad()
        captured_loss = step(x, y)
        assert captured_loss.requires_grad is False and captured_loss.grad_fn is None
        assert captured_loss.item() == eager_loss.item()
        for a, b in zip(grads(eager_model), grads(captured_model)):
            np.testing.assert_array_equal(a, b)
        eager_opt.step()
        captured_opt.step()
    for a, b in zip(eager_model.parameters(), captured_model.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 5),
    width=st.integers(1, 6),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_replayed_gradients_equal_eager_ones_for_broadcasting_elementwise_graphs(
    batch, width, dtype, seed
):
    gen = np.random.default_rng(seed)
    w = ag.Tensor(gen.uniform(0.5, 1.5, size=(width,)).astype(dtype), requires_grad=True)
    b = ag.Tensor(gen.normal(size=(1, width)).astype(dtype), requires_grad=True)

    def loss(x, y):  # broadcasting against both parameters, several reductions, w used twice
        h = ag.tanh(x * w + b) ** 2 - ag.log(w) * y
        return h.mean(axis=0).sum() + (ag.exp(-w) * 0.5).max() + ag.sigmoid(b).var(unbiased=False)

    step = capture_backward(loss)
    for _ in range(3):
        x = gen.normal(size=(batch, width)).astype(dtype)
        y = gen.normal(size=(batch, 1)).astype(dtype)
        w.grad = b.grad = None
        expected = loss(ag.Tensor(x), ag.Tensor(y))
        expected.backward()
        expected_grads = [w.grad.numpy(), b.grad.numpy()]
        w.grad = b.grad = None
        got = step(x, y)
        assert got.item() == expected.item()
        for g, e in zip([w.grad.numpy(), b.grad.numpy()], expected_grads):
            assert g.dtype == dtype
            np.testing.assert_array_equal(g, e)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-3, 3, allow_nan=False), min_size=2, max_size=2),
    exponent=st.sampled_from([0.0, 1.0, 2.5, -1.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_scalar_arguments_replay_as_numpy_scalars_bit_for_bit(values, exponent, dtype):
    """0-d arguments travel through a replay as numpy scalars (W1's fast path): same bits
    as eager's 0-d arrays, and .grad and the loss are still arrays."""
    w = ag.Tensor(np.array([0.5, -1.0, 2.0], dtype), requires_grad=True)

    def loss(a, b, p):  # a tensor exponent (zero included), a scalar against a vector
        return (ag.tanh(a) * ag.exp(-b * b) + a**4 - 2 * a**2 + ag.abs(a) ** p).sum() + (
            ag.sigmoid(a * w) / (1 + b * b)
        ).sum()

    step = capture_backward(loss)
    for shift in (0.0, 0.25, -0.5):  # the first call captures, the others replay
        args = [np.asarray(v + shift, dtype) for v in values] + [np.asarray(exponent, dtype)]
        eager = [ag.tensor(v, requires_grad=True) for v in args]
        expected = loss(*eager)
        expected.backward()
        captured = [ag.tensor(v, requires_grad=True) for v in args]
        w.grad = None
        got = step(*captured)
        assert type(got.numpy()) is np.ndarray and got.numpy().dtype == dtype
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
        for c, e in zip(captured, eager):
            assert type(c.grad.numpy()) is np.ndarray and c.grad.dtype == dtype
            np.testing.assert_array_equal(c.grad.numpy(), e.grad.numpy())


def test_source_shows_the_compiled_replay():
    model = mlp()
    step = capture_backward(lambda x, y: nn.functional.mse_loss(model(x), y))
    with pytest.raises(RuntimeError, match="nothing captured yet"):
        step.source()
    step(rng.normal(size=(3, 4)), rng.normal(size=(3, 1)))
    source = step.source()
    assert source.startswith("def replay(v0, v1, ")
    assert "# arguments: v0 (3, 4), v1 (3, 1)" in source
    forwards = [
        line.split("= ")[1].split("(")[0] for line in source.splitlines() if ".forward(" in line
    ]
    assert forwards == [
        "Linear.forward", "Tanh.forward", "Linear.forward", "Relu.forward",
        "Linear.forward", "SquaredError.forward",
    ]  # fmt: skip
    assert source.count(".backward(") == 6
    compile(source, "replay", "exec")  # it is plain Python


def test_arguments_that_require_grad_receive_gradients():
    step = capture_backward(lambda x: x**4 - 2 * x**2)
    for value in (0.3, 1.5, -2.0, 0.3):
        x = ag.tensor(value, requires_grad=True)
        loss = step(x)
        assert loss.item() == pytest.approx(value**4 - 2 * value**2, rel=1e-15)
        assert x.grad.item() == pytest.approx(4 * value**3 - 4 * value, rel=1e-15)


def test_gradients_accumulate_into_existing_grad_as_backward_does():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    step = capture_backward(lambda x: (w * x).sum())
    step(np.array([1.0, 1.0]))  # capture
    step(np.array([3.0, 4.0]))  # replay, added to the first
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 5.0])


def check_replay_matches_eager(step, model, x):
    model.zero_grad()
    step(x)
    got = grads(model)
    model.zero_grad()
    model(ag.Tensor(x)).sum().backward()
    for a, b in zip(got, grads(model)):
        np.testing.assert_array_equal(a, b)


def test_a_new_signature_is_captured_again_and_parameters_are_read_fresh():
    model = mlp()
    step = capture_backward(lambda x: model(x).sum())
    for batch in (3, 5, 3):
        check_replay_matches_eager(step, model, rng.normal(size=(batch, 4)))
    weight = model[0].weight
    weight.data = weight.numpy() * 2  # a new array: replays read the current one
    check_replay_matches_eager(step, model, rng.normal(size=(3, 4)))
    bias = model[0].bias
    bias.requires_grad = False  # frozen after capture: captured again, and no .grad for it
    bias.grad = None
    check_replay_matches_eager(step, model, rng.normal(size=(3, 4)))
    assert bias.grad is None


def test_a_parameter_with_a_hook_runs_eagerly_every_time():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(g.numpy().copy()))
    step = capture_backward(lambda x: (w * x).sum())
    step(np.array([1.0, 1.0]))
    step(np.array([2.0, 3.0]))
    assert len(seen) == 2 and seen[1].tolist() == [2.0, 3.0]


W = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
OUTSIDE = W * 2  # the result of an op recorded before any capture


class Twice(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g


@pytest.mark.parametrize(
    "body, message",
    [
        (lambda x: (W * np.ones(3)).sum(), "Mul got a numpy array of shape \\(3,\\)"),
        (lambda x: (W * ag.tensor([1.0, 1.0, 1.0])).sum(), "Mul got a tensor of shape \\(3,\\)"),
        (lambda x: W.sum() * (W.sum().item() > 0), "item\\(\\)"),
        (lambda x: W.sum() if W.sum() > 0 else -W.sum(), "bool\\(tensor\\)"),
        (lambda x: (W * np.asarray(x)).sum(), "np.asarray"),
        (lambda x: (W * (W > 1.5)).sum(), "Mul got a tensor of shape \\(3,\\) made inside"),
        (lambda x: (W * W.detach()).sum(), "made inside the function from data"),
        (lambda x: (W * OUTSIDE).sum(), "from a graph built outside the function"),
        (lambda x: ag.grad(lambda v: (v * v).sum())(W).sum(), "backward\\(\\) or grad\\(\\)"),
        (lambda x: Twice.apply(W).sum(), "Twice is a custom Function"),
        (lambda x: W[np.array([0, 2])].sum(), "GetItem got an array as its 'index'"),
        (lambda x: 3.0, "returned float"),
    ],
)
def test_capture_refuses_what_a_replay_could_get_wrong(body, message):
    step = capture_backward(body)
    with pytest.raises(CaptureError, match=message):
        step(np.ones(3))


def test_in_place_changes_inside_a_captured_function_are_refused():
    def body(x):
        h = x * 2
        h += 1  # not an op: a replay would skip it
        return (W * h).sum()

    with pytest.raises(CaptureError, match="in-place \\+="):
        capture_backward(body)(np.ones(3))


@pytest.mark.parametrize(
    "options",
    [{}, {"label_smoothing": 0.1, "ignore_index": 2}, {"reduction": "sum"}],
)
def test_cross_entropy_with_labels_replays_each_batch_labels(options):
    eager_model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    captured_model = copy.deepcopy(eager_model)
    loss_fn = nn.CrossEntropyLoss(**options)
    step = capture_backward(lambda x, y: loss_fn(captured_model(x), y))
    for _ in range(4):  # new labels every call: the targets are an op on the labels
        x, y = rng.normal(size=(5, 6)), rng.integers(0, 3, 5)
        eager_model.zero_grad()
        expected = loss_fn(eager_model(ag.Tensor(x)), y)
        expected.backward()
        captured_model.zero_grad()
        assert step(x, y).item() == expected.item()
        for a, b in zip(grads(eager_model), grads(captured_model)):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(IndexError, match="class labels must lie in \\[0, 3\\); found \\[5\\]"):
        step(x, np.array([0, 1, 5, 0, 0]))  # a replay still checks the labels


def test_class_weights_are_captured_as_arguments_and_refused_as_constants():
    model = nn.Linear(4, 3)
    x, y, w = rng.normal(size=(3, 4)), np.array([0, 2, 1]), np.array([0.5, 2.0, 1.0])
    constant = capture_backward(lambda x, y: nn.functional.cross_entropy(model(x), y, weight=w))
    with pytest.raises(CaptureError, match="LabelTargets got a numpy array of shape \\(3,\\)"):
        constant(x, y)
    argument = capture_backward(lambda x, y, w: nn.functional.cross_entropy(model(x), y, weight=w))
    model.zero_grad()
    argument(x, y, w)
    other = np.array([1.0, 0.1, 3.0])  # not proportional to w: the mean changes too
    argument(x, y, other)  # a replay with other weights
    got = model.weight.grad.numpy().copy()
    model.zero_grad()
    for weights in (w, other):
        nn.functional.cross_entropy(model(ag.Tensor(x)), y, weight=weights).backward()
    np.testing.assert_array_equal(got, model.weight.grad.numpy())
    assert ag.mode.state.observers == ()  # nothing left switched on after a refusal


def test_nothing_is_recorded_outside_a_capture_and_the_eager_path_is_unchanged():
    x = ag.tensor(2.0, requires_grad=True)
    assert ag.mode.state.observers == ()
    (x * x).backward()
    assert x.grad.item() == 4.0
    assert bool(ag.tensor(1.0)) and ag.tensor(3.0).item() == 3.0  # no capture: allowed


def test_gradients_keep_each_parameter_dtype_when_dtypes_mix():
    w = ag.tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    step = capture_backward(lambda x: (w * x).sum())  # float32 * float64 -> float64
    x = np.array([1 / 3, 2 / 3])
    step(x)
    step(x)  # the replay adds the same again
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.numpy(), (2 * x).astype(np.float32))


@pytest.mark.parametrize("training", [True, False])
def test_dropout_is_refused_in_both_modes(training):
    # eval mode runs no op for dropout: a tape captured then would silently skip the
    # dropout after model.train(), so a model with dropout is refused either way
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    model.train(training)
    step = capture_backward(lambda x: model(x).sum())
    with pytest.raises(CaptureError, match="dropout inside a captured function"):
        step(np.ones((2, 3)))


def test_tensors_from_before_the_call_are_read_afresh_at_every_replay():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    scale = ag.tensor(2.0)  # a constant attribute, no gradient: a container, not data
    frozen = ag.tensor([0.5, -1.0], requires_grad=False)  # a frozen parameter
    step = capture_backward(lambda x: (w * x * scale + frozen * w).sum())
    x = np.array([1.0, 3.0])
    for value in (2.0, 3.0):
        scale.data = np.array(value)
        frozen.data = frozen.numpy() * value  # rebinding, as an optimiser may
        w.grad = None
        step(x)
        np.testing.assert_array_equal(w.grad.numpy(), x * value + frozen.numpy())
        assert scale.grad is None and frozen.grad is None


def test_a_replay_frees_activations_during_backward_as_eager_backward_does():
    """Values are deleted after their last forward use and contexts after their backward.
    An eager graph also keeps each node's inputs (here the six pre-tanh (1024, 64)
    activations, which no backward needs) until the walk releases it; a replay keeps only
    what the backward formulas saved, so its peak is lower (tracemalloc sees numpy).
    Kept until return, as before, the contexts put the replay above the eager peak."""
    import tracemalloc

    layers = []
    for _ in range(6):
        layers += [nn.Linear(64, 64), nn.Tanh()]
    model = nn.Sequential(*layers, nn.Linear(64, 1))
    loss_fn = nn.MSELoss()
    x, y = rng.normal(size=(1024, 64)), rng.normal(size=(1024, 1))
    step = capture_backward(lambda xb, yb: loss_fn(model(xb), yb))
    step(x, y)  # the capture

    def peak(run) -> int:
        model.zero_grad()
        tracemalloc.start()
        try:
            run()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    eager = peak(lambda: loss_fn(model(ag.Tensor(x)), ag.Tensor(y)).backward())
    replay = peak(lambda: step(x, y))
    activation = 1024 * 64 * 8
    assert replay < eager - 4 * activation, (replay, eager)
