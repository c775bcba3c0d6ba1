"""Conv1d/2d/3d, MaxPool, AvgPool and AdaptiveAvgPool2d: against PyTorch (skipped without
it) and finite differences; F.pad; and a small CNN that learns the digits."""

import time

import numpy as np
import pytest
from torch_compare import compare_with_torch, load_from_torch

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck
from nn import functional as F

rng = np.random.default_rng(16)

CONVS = [  # (dims, in, out, kernel, stride, padding, dilation, spatial)
    (2, 3, 4, 3, 1, 0, 1, (9, 8)),
    (2, 3, 4, (3, 2), (2, 1), (1, 2), (1, 2), (10, 11)),
    (2, 2, 3, 3, 2, "valid", 1, (9, 9)),
    (2, 2, 3, (3, 4), 1, "same", (2, 1), (7, 8)),
    (1, 3, 5, 3, 2, 1, 2, (13,)),
    (3, 2, 3, (2, 3, 2), (1, 2, 1), 1, 1, (5, 6, 4)),
]


def conv_layers(torch, dims, cin, cout, kernel, stride, padding, dilation, bias=True):
    ours = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
    theirs = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[dims]
    args = dict(stride=stride, padding=padding, dilation=dilation, bias=bias)
    return ours(cin, cout, kernel, **args), theirs(cin, cout, kernel, dtype=torch.float64, **args)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own copy
@pytest.mark.parametrize("case", CONVS)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_matches_torch(case, bias):
    torch = pytest.importorskip("torch")
    dims, cin, cout, kernel, stride, padding, dilation, spatial = case
    layer, twin = conv_layers(torch, dims, cin, cout, kernel, stride, padding, dilation, bias)
    assert layer.weight.shape == tuple(twin.weight.shape)
    load_from_torch(layer, twin)
    compare_with_torch(layer, twin, rng.standard_normal((2, cin, *spatial)), torch)


def test_conv_float32_stays_float32_and_matches_torch():
    torch = pytest.importorskip("torch")
    layer = nn.Conv2d(3, 8, 3, padding=1, dtype=np.float32)
    twin = torch.nn.Conv2d(3, 8, 3, padding=1)
    load_from_torch(layer, twin)
    x = rng.standard_normal((4, 3, 12, 12)).astype(np.float32)
    out = compare_with_torch(layer, twin, x, torch, rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32 and layer.weight.grad.dtype == np.float32


@pytest.mark.parametrize("case", CONVS)
def test_conv_gradients_match_finite_differences(case):
    dims, cin, cout, kernel, stride, padding, dilation, spatial = case
    layer = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims](
        cin, cout, kernel, stride=stride, padding=padding, dilation=dilation
    )
    x = ag.tensor(rng.standard_normal((1, cin, *spatial)), requires_grad=True)

    def f(x, w, b):
        return F._layers._conv(dims, "conv", x, w, b, stride, padding, dilation, 1)

    assert gradcheck(f, x, layer.weight, layer.bias)
    assert gradgradcheck(lambda x, w: f(x, w, None), x, layer.weight)


def test_conv_default_init_is_torch_scheme():
    ag.manual_seed(0)
    layer = nn.Conv2d(4, 6, (3, 5))
    bound = 1 / np.sqrt(4 * 3 * 5)
    assert layer.weight.shape == (6, 4, 3, 5) and layer.bias.shape == (6,)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > 0.8 * bound


def test_conv_accepts_unbatched_input_and_names_bad_shapes():
    layer = nn.Conv2d(2, 3, 3)
    x = rng.standard_normal((2, 5, 5))
    single = layer(ag.tensor(x))
    batched = layer(ag.tensor(x[None]))
    assert single.shape == (3, 3, 3)
    np.testing.assert_allclose(single.numpy(), batched.numpy()[0])
    with pytest.raises(ValueError, match="input has 4 channels.*weight of shape \\(3, 2, 3, 3\\)"):
        layer(ag.zeros((1, 4, 5, 5)))
    with pytest.raises(ValueError, match="kernel .* is larger than the padded input"):
        layer(ag.zeros((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="groups=2 is not supported"):
        nn.Conv2d(2, 2, 3, groups=2)


def test_conv_backward_does_not_see_later_changes_to_the_input():
    layer = nn.Conv2d(1, 2, 3)
    data = rng.standard_normal((1, 1, 6, 6))
    x = ag.tensor(data.copy())
    out = layer(x)
    expected = F.conv2d(ag.tensor(data), layer.weight, layer.bias)
    data_before = data.copy()
    data[...] = 0.0  # the caller's array, not the one x holds
    out.sum().backward()
    grad = layer.weight.grad.numpy().copy()
    layer.zero_grad()
    expected.sum().backward()
    np.testing.assert_allclose(grad, layer.weight.grad.numpy())
    assert np.any(data_before != 0)


POOLS = [  # (kernel, stride, padding, dilation, shape)
    (2, None, 0, 1, (2, 3, 8, 8)),
    (2, None, 0, 1, (2, 3, 9, 7)),  # floor: the last row and column are dropped
    ((3, 2), (2, 1), (1, 1), 1, (2, 2, 9, 7)),
    (3, 1, 1, 1, (1, 2, 6, 6)),  # overlapping windows
    (2, 1, 0, 2, (1, 2, 7, 7)),  # dilation
]


@pytest.mark.parametrize("kernel, stride, padding, dilation, shape", POOLS)
def test_max_pool_matches_torch(kernel, stride, padding, dilation, shape):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    x[0, 0, :3, :3] = 1.0  # ties: the gradient goes to one input
    layer = nn.MaxPool2d(kernel, stride, padding, dilation)
    twin = torch.nn.MaxPool2d(kernel, stride, padding, dilation)
    compare_with_torch(layer, twin, x, torch, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kernel, stride, padding, dilation, shape", POOLS)
def test_avg_pool_matches_torch(kernel, stride, padding, dilation, shape):
    torch = pytest.importorskip("torch")
    if dilation != 1:
        return  # AvgPool2d has no dilation
    x = rng.standard_normal(shape)
    compare_with_torch(
        nn.AvgPool2d(kernel, stride, padding), torch.nn.AvgPool2d(kernel, stride, padding), x, torch
    )


def test_pool1d_matches_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 11))
    compare_with_torch(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), x, torch)
    compare_with_torch(nn.AvgPool1d(3, 2, 1), torch.nn.AvgPool1d(3, 2, 1), x, torch)


def test_max_pool_ties_send_the_whole_gradient_to_the_first_maximum():
    x = ag.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_max_pool_padding_is_minus_infinity_and_nan_propagates():
    x = ag.tensor(-np.ones((1, 1, 2, 2)) * 5)
    out = F.max_pool2d(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(out.numpy(), -5 * np.ones((1, 1, 3, 3)))
    y = np.zeros((1, 1, 2, 2))
    y[0, 0, 1, 0] = np.nan
    assert np.isnan(F.max_pool2d(ag.tensor(y), 2).numpy()).all()


@pytest.mark.parametrize("kernel, stride, padding, dilation, shape", POOLS)
def test_pool_gradients_match_finite_differences(kernel, stride, padding, dilation, shape):
    x = ag.tensor(rng.standard_normal((1, 2) + shape[2:]), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation), x)
    assert gradgradcheck(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation) ** 2, x)
    if dilation == 1:
        assert gradcheck(lambda x: F.avg_pool2d(x, kernel, stride, padding), x)
        assert gradgradcheck(lambda x: F.avg_pool2d(x, kernel, stride, padding) ** 2, x)


@pytest.mark.parametrize("size", [1, (1, 1), (3, 2), (None, 2), (7, 5), 4, (2, 5)])
def test_adaptive_avg_pool_matches_torch_and_finite_differences(size):
    x = rng.standard_normal((2, 3, 7, 5))
    torch = pytest.importorskip("torch", reason="optional comparison: pip install torch")
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = nn.AdaptiveAvgPool2d(size)(ours), torch.nn.AdaptiveAvgPool2d(size)(theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    weights = rng.standard_normal(out.shape)
    (out * ag.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    assert gradcheck(
        lambda t: F.adaptive_avg_pool2d(t, size), ag.tensor(x[:1, :1], requires_grad=True)
    )


def test_adaptive_avg_pool_global_average_written_out():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(
        F.adaptive_avg_pool2d(ag.tensor(x), 1).numpy(), x.mean(axis=(2, 3), keepdims=True)
    )
    assert repr(nn.AdaptiveAvgPool2d((2, 3))) == "AdaptiveAvgPool2d(output_size=(2, 3))"
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: takes"):
        F.adaptive_avg_pool2d(ag.tensor(x[0, 0]), 1)


def test_pad_matches_torch_and_its_gradient_crops():
    x = ag.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    out = F.pad(x, (1, 2, 0, 3), value=0.5)
    assert out.shape == (2, 6, 7)
    assert gradcheck(lambda x: F.pad(x, (1, 2, 0, 3), value=0.5), x)
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.pad(torch.tensor(x.numpy()), (1, 2, 0, 3), value=0.5)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_one_hot_is_int64_as_torch():
    out = F.one_hot(np.array([2, 0, 1]))
    assert out.dtype == np.int64 and out.shape == (3, 3)
    np.testing.assert_array_equal(out.numpy(), np.eye(3, dtype=np.int64)[[2, 0, 1]])
    assert F.one_hot(ag.tensor(np.array([[1], [0]])), 4).shape == (2, 1, 4)
    with pytest.raises(IndexError, match="labels must lie in \\[0, 2\\)"):
        F.one_hot(np.array([2]), 2)


def test_layers_and_pools_compose_in_a_state_dict_torch_can_fill():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(144, 3)
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(144, 3),
    ).double()
    load_from_torch(ours, theirs)
    compare_with_torch(ours, theirs, rng.standard_normal((5, 1, 14, 14)), torch)


def test_small_cnn_learns_the_digits():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn gives the digits")
    digits = datasets.load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:1400], order[1400:]
    ag.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, dtype=np.float32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, dtype=np.float32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10, dtype=np.float32),
    )  # fmt: skip
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.process_time()
    batches = np.random.default_rng(1)
    for _ in range(8):
        perm = batches.permutation(train)
        for i in range(0, len(perm), 64):
            idx = perm[i : i + 64]
            optimizer.zero_grad()
            loss_fn(model(ag.tensor(x[idx])), y[idx]).backward()
            optimizer.step()
    seconds = time.process_time() - start
    model.eval()
    with ag.no_grad():
        accuracy = (model(ag.tensor(x[test])).numpy().argmax(axis=1) == y[test]).mean()
    print(f"digits CNN: test accuracy {accuracy:.3f}, {seconds:.1f} s CPU")
    assert accuracy >= 0.95, accuracy
    assert seconds < 30, seconds  # a few seconds on an idle machine


def test_conv_weight_gradient_stays_exact_next_to_an_infinite_input():
    # the column layout reads past the end of each row; those reads must not reach dw
    x = np.zeros((1, 1, 4, 5))
    x[0, 0, 1, 0] = np.inf  # met by the windows of kernel column 0 only
    w = ag.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    out = F.conv2d(ag.tensor(x), w)
    g = np.ones(out.shape)
    out.backward(ag.tensor(g))
    with np.errstate(invalid="ignore"):
        expected = [
            [(g[0, 0] * x[0, 0, i : i + 2, j : j + 3]).sum() for j in range(3)] for i in range(3)
        ]
    np.testing.assert_array_equal(w.grad.numpy()[0, 0], expected)  # inf in column 0 only
