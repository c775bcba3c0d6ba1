"""nn.init: gains, fans, bounds and variances of every scheme; seeding."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init

SHAPE = (300, 500)  # fan_out 300, fan_in 500


def empty(shape=SHAPE):
    return nn.Parameter(np.empty(shape))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1 / 3)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans_for_dense_and_kernel_shapes():
    assert init.fan_in_and_fan_out(empty((3, 4))) == (4, 3)
    assert init.fan_in_and_fan_out(empty((8, 2, 3, 3))) == (18, 72)
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.fan_in_and_fan_out(empty((3,)))


def check_uniform(data, bound):
    assert np.abs(data).max() <= bound and np.abs(data).max() > 0.99 * bound
    np.testing.assert_allclose(data.var(), bound**2 / 3, rtol=0.02)


def test_xavier_uniform_and_normal():
    ag.manual_seed(0)
    check_uniform(init.xavier_uniform_(empty(), gain=2.0).numpy(), 2.0 * math.sqrt(6 / 800))
    data = init.xavier_normal_(empty(), gain=0.5).numpy()
    np.testing.assert_allclose(data.std(), 0.5 * math.sqrt(2 / 800), rtol=0.02)


def test_kaiming_uniform_and_normal():
    ag.manual_seed(1)
    check_uniform(init.kaiming_uniform_(empty(), nonlinearity="relu").numpy(), math.sqrt(6 / 500))
    check_uniform(init.kaiming_uniform_(empty(), a=math.sqrt(5)).numpy(), 1 / math.sqrt(500))
    data = init.kaiming_normal_(empty(), mode="fan_out", nonlinearity="relu").numpy()
    np.testing.assert_allclose(data.std(), math.sqrt(2 / 300), rtol=0.02)
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(empty(), mode="fan_avg")


def test_normal_uniform_constant_zeros_ones():
    ag.manual_seed(2)
    data = init.normal_(empty(), mean=3.0, std=0.5).numpy()
    assert abs(data.mean() - 3.0) < 0.01 and abs(data.std() - 0.5) < 0.01
    data = init.uniform_(empty(), -2.0, 1.0).numpy()
    assert data.min() >= -2.0 and data.max() < 1.0 and abs(data.mean() + 0.5) < 0.01
    assert np.all(init.zeros_(empty()).numpy() == 0)
    assert np.all(init.ones_(empty()).numpy() == 1)
    assert np.all(init.constant_(empty(), 0.25).numpy() == 0.25)


def test_fills_in_place_and_keeps_dtype():
    p = nn.Parameter(np.empty((4, 4), np.float32))
    array = p.numpy()
    assert init.xavier_uniform_(p) is p and p.numpy() is array and p.dtype == np.float32


def test_seeded_init_is_reproducible():
    ag.manual_seed(7)
    a = init.kaiming_normal_(empty((5, 5))).numpy().copy()
    ag.manual_seed(7)
    b = init.kaiming_normal_(empty((5, 5))).numpy().copy()
    np.testing.assert_array_equal(a, b)


def test_init_while_a_graph_holds_the_values_is_an_in_place_change():
    p = nn.Parameter(np.ones((2, 2)))
    x = ag.tensor(np.ones((1, 2)), requires_grad=True)
    y = (x @ p).sum()  # MatMul saved p at version 0
    memory = p.numpy()
    init.zeros_(p)
    assert p.numpy() is memory and np.all(p.numpy() == 0)  # in place, as torch.nn.init
    with pytest.raises(
        RuntimeError, match="MatMul: one of the variables .* modified by an inplace"
    ):
        y.backward()


@pytest.mark.parametrize(
    "scheme",
    [
        init.uniform_,
        init.normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
    ],
)
def test_generator_draws_from_that_generator_alone(scheme):
    """PyTorch's `generator=`: the same seed gives the same weights, whatever the global
    generator did in between, and the global generator is not advanced."""
    first = scheme(ag.zeros(20, 30), generator=ag.Generator().manual_seed(3)).numpy()
    ag.manual_seed(11)
    global_before = ag.randn(3).numpy()
    ag.manual_seed(11)
    second = scheme(ag.zeros(20, 30), generator=ag.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(ag.randn(3).numpy(), global_before)  # global untouched
    other = scheme(ag.zeros(20, 30), generator=ag.Generator().manual_seed(4)).numpy()
    assert not np.array_equal(first, other)
