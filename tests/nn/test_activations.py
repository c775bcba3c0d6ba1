"""Activation modules and functions against numpy formulas and finite differences."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd.ops.special import erf_array
from autograd.testing import gradcheck, gradgradcheck

F = nn.functional
X = np.array([[-3.1, -1.2, -0.3, 0.25], [0.7, 1.9, 4.2, -0.05]])


def erf_reference(x):
    return np.vectorize(math.erf)(x)


def softmax_reference(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (
        nn.Softplus(beta=2.0, threshold=3.0),
        lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2),
    ),
    (nn.GELU(), lambda x: 0.5 * x * (1 + erf_reference(x / np.sqrt(2)))),
    (
        nn.GELU(approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    ),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    (nn.ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0)))),
    (
        nn.SELU(),
        lambda x: F.SELU_SCALE * np.where(x > 0, x, F.SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    ),
    (nn.Hardtanh(), lambda x: np.clip(x, -1, 1)),
    (nn.Hardtanh(-2.0, 0.5), lambda x: np.clip(x, -2, 0.5)),
    (nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    (nn.Hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    (nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    (nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    (nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    (nn.Softmax(dim=1), lambda x: softmax_reference(x, 1)),
    (nn.Softmax(dim=0), lambda x: softmax_reference(x, 0)),
    (nn.LogSoftmax(dim=1), lambda x: np.log(softmax_reference(x, 1))),
]


@pytest.mark.parametrize(
    "module, reference", CASES, ids=lambda c: repr(c) if isinstance(c, nn.Module) else ""
)
def test_value_matches_numpy_formula(module, reference):
    np.testing.assert_allclose(module(ag.Tensor(X)).numpy(), reference(X), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize(
    "module, reference", CASES, ids=lambda c: repr(c) if isinstance(c, nn.Module) else ""
)
def test_gradient_matches_finite_differences(module, reference):
    x = ag.tensor(X, requires_grad=True)  # no entry within eps of a kink
    assert gradcheck(module, x)


def test_functional_forms_equal_the_modules():
    x = ag.Tensor(X)
    pairs = [
        (F.relu(x), nn.ReLU()(x)),
        (F.leaky_relu(x, 0.1), nn.LeakyReLU(0.1)(x)),
        (F.sigmoid(x), nn.Sigmoid()(x)),
        (F.tanh(x), nn.Tanh()(x)),
        (F.softplus(x), nn.Softplus()(x)),
        (F.gelu(x), nn.GELU()(x)),
        (F.softmax(x, 0), nn.Softmax(0)(x)),
        (F.log_softmax(x, 1), nn.LogSoftmax(1)(x)),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_softplus_is_linear_above_threshold_like_pytorch():
    x = ag.Tensor(np.array([25.0, 30.0]))
    np.testing.assert_array_equal(F.softplus(x).numpy(), [25.0, 30.0])


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    with pytest.raises(ValueError, match="approximate must be"):
        nn.GELU("fast")
    assert repr(nn.ELU(alpha=0.5)) == "ELU(alpha=0.5)" and repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    with pytest.raises(ValueError, match="must be below max_val"):
        nn.Hardtanh(1.0, -1.0)


def test_erf_matches_math_erf_to_a_few_ulp():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 0.46875, 4.0, -4.0, 1e-300, 27.0]])
    reference = erf_reference(x)
    relative = np.abs(erf_array(x) - reference) / np.maximum(np.abs(reference), 1e-300)
    assert relative.max() <= 4 * np.finfo(np.float64).eps


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_erf_property_matches_math_erf(value):
    got = erf_array(np.array([value]))[0]
    assert abs(got - math.erf(value)) <= 4 * np.finfo(np.float64).eps * max(
        abs(math.erf(value)), 1e-300
    )


def test_erf_special_values_and_dtype():
    got = erf_array(np.array([np.inf, -np.inf, np.nan, -0.0]))
    assert got[0] == 1 and got[1] == -1 and np.isnan(got[2]) and got[3] == 0
    assert erf_array(np.ones(2, np.float32)).dtype == np.float32


def test_erf_first_and_second_derivatives():
    x = ag.tensor(np.array([-2.0, -0.3, 0.1, 0.9, 3.0]), requires_grad=True)
    assert gradcheck(F.erf, x)
    assert gradgradcheck(F.erf, x)
    assert gradgradcheck(nn.GELU(), x)


KINKS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.5, 30.0, -30.0, 800.0])


@pytest.mark.parametrize(
    "name, args",
    [
        ("silu", ()),
        ("mish", ()),
        ("elu", ()),
        ("elu", (0.3,)),
        ("selu", ()),
        ("hardtanh", ()),
        ("hardtanh", (-2.0, 0.5)),
        ("relu6", ()),
        ("hardsigmoid", ()),
        ("hardswish", ()),
        ("logsigmoid", ()),
        ("softsign", ()),
    ],
)
def test_activations_match_pytorch_at_kinks_and_far_out(name, args):
    """Values and gradients, also exactly at the kinks (PyTorch's one-sided choices) and
    at +-30 and 800, where a careless exp overflows."""
    torch = pytest.importorskip("torch")
    ours = ag.tensor(KINKS, requires_grad=True)
    theirs = torch.tensor(KINKS, requires_grad=True)
    out, expected = getattr(F, name)(ours, *args), getattr(torch.nn.functional, name)(theirs, *args)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-300)
    out.sum().backward()
    expected.sum().backward()
    # PyTorch's hardsigmoid (and so hardswish) slope is 1/6 rounded to float32 in float64 too
    rtol = 1e-7 if name == "hardsigmoid" else 1e-12
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=1e-300)
    module = getattr(nn, MODULES[name])(*args)  # the module computes the same
    np.testing.assert_array_equal(module(ag.Tensor(KINKS)).numpy(), out.numpy())


MODULES = {
    "silu": "SiLU",
    "mish": "Mish",
    "elu": "ELU",
    "selu": "SELU",
    "hardtanh": "Hardtanh",
    "relu6": "ReLU6",
    "hardsigmoid": "Hardsigmoid",
    "hardswish": "Hardswish",
    "logsigmoid": "LogSigmoid",
    "softsign": "Softsign",
}
