"""PyTorch's names, arguments, dtypes, devices and seeding (docs/pytorch.md), each compared
with PyTorch where it is installed and with written-out values where it is not."""

import warnings

import numpy as np
import pytest

import autograd as ag
import nn

RNG = np.random.default_rng(0)
X = RNG.permutation(24).reshape(2, 3, 4) / 7 - 1.5  # distinct values: no ties
M = RNG.permutation(12).reshape(3, 4) / 5 - 1.0


def _torch():
    return pytest.importorskip("torch")


def _same(ours, theirs, rtol=1e-12, atol=1e-12):
    """Values (and dtype kinds) of a chainrule result and a PyTorch one agree."""
    ours = np.asarray(ours.numpy() if isinstance(ours, ag.Tensor) else ours)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype.kind == theirs.dtype.kind, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def _compare(fn, data=X, pick=lambda out: out):
    """fn(ag tensor) and fn(torch tensor): same values and same gradients of a weighted sum."""
    torch = _torch()
    ours_x = ag.tensor(data, requires_grad=True)
    theirs_x = torch.tensor(data, requires_grad=True)
    ours, theirs = pick(fn(ours_x)), pick(fn(theirs_x))
    _same(ours, theirs)
    weights = RNG.normal(size=ours.shape)
    (ours * ag.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    _same(ours_x.grad, theirs_x.grad)


# 1. names and arguments ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(dim=1),
        lambda t: t.sum(dim=(0, 2), keepdim=True),
        lambda t: t.sum(1, True),
        lambda t: t.mean(dim=-1),
        lambda t: t.mean((0, 1), keepdim=True),
        lambda t: t.amax(dim=1),
        lambda t: t.amin(dim=(0, 2), keepdim=True),
        lambda t: t.var(),
        lambda t: t.var(dim=1),
        lambda t: t.var(1, unbiased=False),
        lambda t: t.var(dim=2, correction=0, keepdim=True),
        lambda t: t.std(),
        lambda t: t.std(dim=0, keepdim=True),
        lambda t: t.std(2, unbiased=False),
        lambda t: t.logsumexp(dim=1),
        lambda t: t.logsumexp(dim=(0, 2), keepdim=True),
        lambda t: t.softmax(dim=1),
        lambda t: t.log_softmax(-1),
        lambda t: t.norm(),
        lambda t: t.norm(dim=1),
        lambda t: t.norm(p=1, dim=2, keepdim=True),
        lambda t: t.norm(p=3, dim=0),
        lambda t: t.norm(p=float("inf"), dim=1),
        lambda t: t.cumsum(dim=1),
        lambda t: t.cumsum(-1),
        lambda t: t.max(),
        lambda t: t.min(),
    ],
)
def test_reductions_with_dim_and_keepdim_match_pytorch(call):
    _compare(call)


def test_functions_take_dim_too():
    torch = _torch()
    t, u = ag.tensor(X), torch.tensor(X)
    for name in ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "softmax", "cumsum"]:
        _same(getattr(ag, name)(t, dim=1), getattr(torch, name)(u, dim=1))
    _same(ag.norm(t, dim=1), torch.norm(u, dim=1))


def test_axis_and_keepdims_are_aliases_of_dim_and_keepdim():
    t = ag.tensor(X)
    for name in ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "all", "any"]:
        a = getattr(t, name)(dim=1, keepdim=True)
        b = getattr(t, name)(axis=1, keepdims=True)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(t.softmax(axis=0).numpy(), t.softmax(dim=0).numpy())
    np.testing.assert_array_equal(
        nn.functional.softmax(t, axis=0).numpy(), nn.functional.softmax(t, dim=0).numpy()
    )
    np.testing.assert_array_equal(
        nn.functional.log_softmax(t, axis=0).numpy(), nn.functional.log_softmax(t, 0).numpy()
    )
    with pytest.raises(TypeError, match="give one of them"):
        t.sum(dim=0, axis=1)


def test_var_and_std_are_unbiased_by_default_written_out():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5 / 3)
    assert x.var(unbiased=False).item() == pytest.approx(5 / 4)
    assert x.var(correction=0).item() == pytest.approx(5 / 4)
    assert x.var(ddof=0).item() == pytest.approx(5 / 4)  # numpy's name
    assert x.std().item() == pytest.approx(np.sqrt(5 / 3))
    with pytest.raises(TypeError, match="not several"):
        x.var(unbiased=True, correction=0)


def test_max_and_min_along_a_dim_return_values_and_indices_as_pytorch():
    torch = _torch()
    for name in ["max", "min"]:
        for dim, keepdim in [(0, False), (1, True), (-1, False)]:
            _compare(lambda t, n=name, d=dim, k=keepdim: getattr(t, n)(d, keepdim=k).values)
            ours = getattr(ag.tensor(X), name)(dim=dim, keepdim=keepdim)
            theirs = getattr(torch.tensor(X), name)(dim=dim, keepdim=keepdim)
            assert ours._fields == ("values", "indices")
            values, indices = ours  # unpacks like PyTorch's named tuple
            _same(values, theirs.values)
            _same(indices, theirs.indices)
            assert indices.dtype == np.int64
    # max(x, other) is the elementwise maximum
    _same(ag.max(ag.tensor(M), ag.tensor(-M)), torch.max(torch.tensor(M), torch.tensor(-M)))


def test_numpy_axis_on_max_gives_the_values_only():
    t = ag.tensor(X)
    np.testing.assert_array_equal(t.max(axis=1).numpy(), X.max(axis=1))
    np.testing.assert_array_equal(
        t.min(axis=(0, 2), keepdims=True).numpy(), X.min((0, 2), keepdims=True)
    )


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_with_dim_match_pytorch(name):
    torch = _torch()
    t, u = ag.tensor(X), torch.tensor(X)
    _same(getattr(t, name)(), getattr(u, name)())
    _same(getattr(t, name)(dim=1), getattr(u, name)(dim=1))
    _same(getattr(ag, name)(t, 2, keepdim=True), getattr(torch, name)(u, 2, keepdim=True))


def test_all_and_any_match_pytorch():
    torch = _torch()
    b = X > 0
    _same(ag.tensor(b).all(dim=1), torch.tensor(b).all(dim=1))
    _same(ag.tensor(b).any(dim=0, keepdim=True), torch.tensor(b).any(dim=0, keepdim=True))
    assert ag.tensor(b).any().item() is True and ag.tensor(b).all().item() is False


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_matches_pytorch(dim, descending):
    torch = _torch()
    _compare(lambda t: t.sort(dim=dim, descending=descending).values)
    _same(
        ag.tensor(X).sort(dim, descending).indices,
        torch.tensor(X).sort(dim, descending).indices,
    )


@pytest.mark.parametrize("largest", [True, False])
def test_topk_matches_pytorch(largest):
    torch = _torch()
    _compare(lambda t: t.topk(2, dim=1, largest=largest).values)
    ours = ag.topk(ag.tensor(X), 3, largest=largest)
    theirs = torch.topk(torch.tensor(X), 3, largest=largest)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)


def test_sort_keeps_ties_in_order_written_out():
    values, indices = ag.tensor([2.0, 1.0, 2.0, 1.0]).sort(descending=True)
    np.testing.assert_array_equal(values.numpy(), [2.0, 2.0, 1.0, 1.0])
    np.testing.assert_array_equal(indices.numpy(), [0, 2, 1, 3])


def test_size_numel_dim_match_pytorch():
    torch = _torch()
    t, u = ag.tensor(X), torch.tensor(X)
    assert t.size() == tuple(u.size()) == (2, 3, 4)
    assert t.size(1) == u.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == u.numel() == 24 and t.nelement() == 24
    assert t.dim() == u.dim() == 3 and t.ndimension() == 3
    assert t.size == 24  # without a call: numpy's element count (docs/pytorch.md)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.transpose(0, 1),
        lambda t: t.transpose(-1, 0),
        lambda t: t.permute(2, 0, 1),
        lambda t: t.permute((1, 2, 0)),
        lambda t: t.view(6, 4),
        lambda t: t.view(-1),
        lambda t: t.view((4, -1)),
        lambda t: t.reshape(3, 8),
        lambda t: t.flatten(),
        lambda t: t.flatten(1),
        lambda t: t.flatten(0, 1),
        lambda t: t.unsqueeze(1),
        lambda t: t.unsqueeze(-1).squeeze(-1),
        lambda t: t[:, :1].squeeze(1),
        lambda t: t[:, :1].squeeze(),
        lambda t: t[:1, :, :1].expand(3, -1, 5),
        lambda t: t[0, :, :1].expand(2, 3, 2),
        lambda t: t.repeat(2, 1, 3),
        lambda t: t.repeat(2, 1, 1, 2),
        lambda t: t[0].t(),
        lambda t: t[0, 0].t(),
        lambda t: t[0].T,
        lambda t: t.tril(),
        lambda t: t.triu(1),
        lambda t: t.tril(diagonal=-1),
    ],
)
def test_shape_methods_match_pytorch(call):
    _compare(call)


def test_transpose_keeps_numpy_permutations_only_where_they_do_not_conflict():
    t = ag.tensor(X)
    assert t.transpose().shape == (4, 3, 2)  # no dims: reversed, as .T
    assert t.transpose((2, 0, 1)).shape == (4, 2, 3)  # a tuple: a permutation
    assert t.transpose(2, 0, 1).shape == (4, 2, 3)  # three dims: a permutation
    assert t.transpose(0, 2).shape == (4, 3, 2)  # two dims: PyTorch's swap
    m = ag.tensor(M)
    np.testing.assert_array_equal(m.transpose(0, 1).numpy(), M.T)  # numpy would do nothing
    with pytest.raises(TypeError, match="give two dims"):
        t.transpose(1)
    with pytest.raises(ValueError, match="at most 2 dims"):
        t.t()
    with pytest.raises(ValueError, match="not a permutation"):
        t.permute(0, 0, 1)


def test_cat_concat_stack_with_dim_match_pytorch():
    torch = _torch()
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    for dim in [0, 1, -1]:
        _same(
            ag.cat([ag.tensor(a), ag.tensor(b)], dim=dim),
            torch.cat([torch.tensor(a), torch.tensor(b)], dim=dim),
        )
        _same(
            ag.concat((ag.tensor(a), ag.tensor(b)), dim),
            torch.concat((torch.tensor(a), torch.tensor(b)), dim),
        )
        _same(
            ag.stack([ag.tensor(a), ag.tensor(b)], dim=dim),
            torch.stack([torch.tensor(a), torch.tensor(b)], dim=dim),
        )
    _same(ag.concatenate([ag.tensor(a), ag.tensor(b)], axis=1), np.concatenate([a, b], axis=1))
    x = ag.tensor(a, requires_grad=True)
    ag.cat([x, x * 2], dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3.0))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.split(2, dim=2),
        lambda t: t.split(3, dim=-1),
        lambda t: t.split([1, 2], dim=1),
        lambda t: t.split(1),
        lambda t: t.chunk(3, dim=2),
        lambda t: t.chunk(2, dim=-1),
        lambda t: t.chunk(5, dim=1),
        lambda t: t.unbind(1),
        lambda t: t.unbind(dim=-1),
    ],
)
def test_split_chunk_unbind_match_pytorch(call):
    torch = _torch()
    ours = call(ag.tensor(X))
    theirs = call(torch.tensor(X))
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for k in range(len(ours)):  # each piece, and the gradient through it
        _compare(lambda t, k=k: call(t)[k])  # noqa: B023


def test_split_chunk_unbind_written_out():
    x = ag.tensor(np.arange(10.0), requires_grad=True)
    assert [p.shape for p in x.split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in x.chunk(4)] == [(3,), (3,), (3,), (1,)]
    assert [p.shape for p in ag.tensor(np.arange(6.0)).chunk(4)] == [(2,), (2,), (2,)]
    a, b = ag.split(x, [7, 3])
    (a.sum() + 2 * b.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0] * 7 + [2.0] * 3)
    rows = ag.tensor(np.arange(6.0).reshape(2, 3)).unbind(1)
    assert [r.numpy().tolist() for r in rows] == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    with pytest.raises(ValueError, match="add up to 10"):
        x.split([3, 3])
    with pytest.raises(ValueError, match="must be positive"):
        x.split(0)
    with pytest.raises(ValueError, match="must be positive"):
        x.chunk(0)


def test_contiguous_after_transpose_matches_pytorch():
    torch = _torch()
    _compare(lambda t: t.transpose(1, 2).contiguous().view(2, -1))
    assert torch.tensor(X).transpose(0, 1).is_contiguous() is False
    t = ag.tensor(X)
    assert t.is_contiguous() and t.contiguous() is t  # already row-major: itself
    moved = t.transpose(0, 2)
    assert not moved.is_contiguous()
    copy = moved.contiguous()
    assert copy.is_contiguous() and copy.numpy().flags.c_contiguous
    np.testing.assert_array_equal(copy.numpy(), moved.numpy())


def test_one_element_integer_tensors_are_indices():
    data = ag.arange(10)
    starts = ag.tensor([2, 5])
    assert [data[i : i + 3].tolist() for i in starts] == [[2, 3, 4], [5, 6, 7]]
    assert range(10)[ag.tensor(4)] == 4 and [7, 8, 9][ag.tensor(True)] == 8
    with pytest.raises(TypeError, match="one-element integer tensor"):
        range(10)[ag.tensor(1.0)]
    with pytest.raises(TypeError, match="one-element integer tensor"):
        range(10)[ag.tensor([1, 2])]


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_functions_and_methods_match_pytorch(name):
    torch = _torch()
    other = np.round(X[0], 0)  # broadcasts against X, some entries equal
    for theirs_other, ours_other in [(torch.tensor(other), ag.tensor(other)), (0.5, 0.5)]:
        ours = getattr(ag.tensor(X), name)(ours_other)
        _same(ours, getattr(torch.tensor(X), name)(theirs_other))
        _same(getattr(ag, name)(ag.tensor(X), ours_other), ours)
        assert ours.dtype == np.bool_ and not ours.requires_grad


POSITIVE = np.abs(X) + 0.5
VECTOR = RNG.normal(size=4)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.add(2.0),
        lambda t: t.add(t * t, alpha=-0.5),
        lambda t: t.sub(t[0], alpha=3),
        lambda t: t.mul(t),
        lambda t: t.div(2.0),
        lambda t: t.neg(),
        lambda t: t.square(),
        lambda t: t.rsqrt(),
        lambda t: t.reciprocal(),
        lambda t: t.where(t > 1.0, t * 3),
        lambda t: t[0].mm(t[1].T),
        lambda t: t.bmm(t.transpose(1, 2)),
        lambda t: t[0].mv(t[1, 0]),
        lambda t: t[0, 0].dot(t[1, 1]),
        lambda t: t[0, 0].outer(t[1, :, 0]),
    ],
)
def test_arithmetic_and_product_methods_match_pytorch(call):
    _compare(call, data=POSITIVE)


def test_arithmetic_functions_and_out_match_pytorch():
    torch = _torch()
    for name in ["add", "sub", "mul", "div", "subtract", "multiply", "divide", "true_divide"]:
        _same(getattr(ag, name)(ag.tensor(M), 2.0), getattr(torch, name)(torch.tensor(M), 2.0))
    _same(
        ag.add(ag.tensor(M), ag.tensor(M), alpha=2),
        torch.add(torch.tensor(M), torch.tensor(M), alpha=2),
    )
    for name in ["square", "rsqrt", "reciprocal", "neg", "negative"]:
        _same(getattr(ag, name)(ag.tensor(POSITIVE)), getattr(torch, name)(torch.tensor(POSITIVE)))
    # out=: the result written into a tensor, as the Tensors tutorial does
    ours, theirs = ag.zeros(3, 3), torch.zeros(3, 3, dtype=torch.float64)
    assert ag.matmul(ag.tensor(M), ag.tensor(M).T, out=ours) is ours
    torch.matmul(torch.tensor(M), torch.tensor(M).T, out=theirs)
    _same(ours, theirs)
    resized = ag.zeros(1)
    ag.mul(ag.tensor(M), ag.tensor(M), out=resized)  # resized to the result, as PyTorch
    _same(resized, torch.tensor(M) * torch.tensor(M))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ag.mul(ag.tensor(M, requires_grad=True), 2.0, out=ag.zeros(3, 4))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ag.mul(ag.tensor(M), 2.0, out=ag.zeros(3, 4, requires_grad=True))
    leaf = ag.zeros(3, 4, requires_grad=True)
    with ag.no_grad():  # nothing recorded: allowed, also into a leaf that requires grad
        ag.mul(ag.tensor(M, requires_grad=True), 2.0, out=ours)
        ag.mul(ag.tensor(M), 2.0, out=leaf)
    _same(leaf.detach(), 2 * torch.tensor(M))
    with pytest.raises(ValueError, match="mm: takes operands of 2 and 2 dims"):
        ag.mm(ag.tensor(VECTOR), ag.tensor(VECTOR))
    with pytest.raises(ValueError, match="outer: takes operands of 1 and 1 dims"):
        ag.outer(ag.tensor(M), ag.tensor(VECTOR))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.flip(0),
        lambda t: t.flip((0, 2)),
        lambda t: t.flip([-1]).flip(1),
        lambda t: t.roll(1, 2),
        lambda t: t.roll((1, -4), (0, 1)),
        lambda t: t.roll(5),
        lambda t: t.index_select(1, t.argsort(1)[0, :, 0]),
        lambda t: t.index_select(-1, t[0, 0].argsort().flip(0)),  # indices of either library
    ],
)
def test_flip_roll_index_select_match_pytorch(call):
    _compare(call)


def test_argsort_masked_fill_and_new_tensors_match_pytorch():
    torch = _torch()
    for dim, descending in [(-1, False), (1, True), (0, False)]:
        _same(
            ag.tensor(X).argsort(dim, descending=descending),
            torch.tensor(X).argsort(dim, descending=descending),
        )
    mask = X[0, 0] > -0.5  # broadcast over the tensor, as PyTorch's masked_fill_
    ours_x, theirs_x = ag.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours, theirs = ours_x * 2, theirs_x * 2  # a non-leaf: the in-place op is recorded
    ours.masked_fill_(ag.tensor(mask), 0.5)
    theirs.masked_fill_(torch.tensor(mask), 0.5)
    _same(ours, theirs)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    _same(ours_x.grad, theirs_x.grad)
    with pytest.raises(RuntimeError, match="leaf"):
        ag.tensor(X, requires_grad=True).masked_fill_(ag.tensor(mask), 0.0)
    base, reference = ag.tensor(X, dtype=ag.float32), torch.tensor(X, dtype=torch.float32)
    _same(base.new_zeros(2, 3), reference.new_zeros(2, 3))
    _same(base.new_ones((4,)), reference.new_ones((4,)))
    _same(base.new_full((2,), 7), reference.new_full((2,), 7))
    _same(base.new_tensor([1, 2]), reference.new_tensor([1, 2]))
    assert base.new_zeros(2, dtype=ag.int64).dtype == np.int64


def test_comparison_aliases_and_equal():
    torch = _torch()
    a, b = ag.tensor([1.0, 2.0, 3.0]), ag.tensor([3.0, 2.0, 1.0])
    assert ag.greater(a, b).tolist() == a.gt(b).tolist() == [False, False, True]
    assert ag.less_equal(a, b).tolist() == [True, True, False]
    assert ag.not_equal(a, b).tolist() == [True, False, True]
    for x, y in [([1.0, 2.0], [1.0, 2.0]), ([1.0, 2.0], [1.0, 3.0]), ([1.0], [1.0, 1.0])]:
        assert ag.equal(ag.tensor(x), ag.tensor(y)) is torch.equal(torch.tensor(x), torch.tensor(y))
    assert ag.tensor([1, 2]).equal(ag.tensor([1, 2])) is True


def test_masked_fill_gather_scatter_add_match_pytorch():
    torch = _torch()
    mask = M > 0

    def like(t, array):  # the array as a tensor of t's library
        return ag.tensor(array) if isinstance(t, ag.Tensor) else torch.tensor(array)

    _compare(lambda t: t.masked_fill(like(t, mask), -2.0), data=M)
    index = np.array([[0, 0, 3], [1, 2, 2], [3, 3, 3]])
    _compare(lambda t: t.gather(1, like(t, index)), data=M)
    src = RNG.normal(size=(2, 4))
    scatter_index = np.array([[0, 1, 2, 0], [2, 2, 1, 0]])

    _compare(lambda t: t.scatter_add(0, like(t, scatter_index), like(t, src)), data=M)
    # src gets its gradient too: gather of the upstream gradient
    s = ag.tensor(src, requires_grad=True)
    (ag.zeros(3, 4).scatter_add(0, ag.tensor(scatter_index), s) * ag.tensor(M)).sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), np.take_along_axis(M, scatter_index, 0))


def test_masked_fill_written_out():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.masked_fill(ag.tensor([True, False, True]), float("-inf"))
    np.testing.assert_array_equal(y.numpy(), [-np.inf, 2.0, -np.inf])
    y.softmax(0).sum().backward()
    with pytest.raises(TypeError, match="bool tensor"):
        x.masked_fill(ag.tensor([1, 0, 1]), 0.0)


@pytest.mark.parametrize(
    "name", ["log10", "log2", "log1p", "expm1", "sign", "floor", "ceil", "round", "exp", "sqrt"]
)
def test_elementwise_functions_match_pytorch(name):
    data = np.abs(M) + 0.3 if name in ("log10", "log2", "sqrt") else M * 1.7
    _compare(lambda t: getattr(t, name)(), data=data)
    torch = _torch()
    _same(getattr(ag, name)(ag.tensor(data)), getattr(torch, name)(torch.tensor(data)))


def test_floor_ceil_round_sign_have_zero_gradients_written_out():
    x = ag.tensor([-1.5, 0.25, 2.5], requires_grad=True)
    for name in ["floor", "ceil", "round", "sign"]:
        x.grad = None
        getattr(x, name)().sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(x.round().numpy(), [-2.0, 0.0, 2.0])  # half to even
    np.testing.assert_array_equal(ag.round(ag.tensor([1.234]), decimals=2).numpy(), [1.23])


def test_clamp_matches_pytorch():
    torch = _torch()
    _compare(lambda t: t.clamp(min=-0.5, max=0.5), data=M)
    _compare(lambda t: t.clamp(max=0.2), data=M)
    _compare(lambda t: t.clamp(-0.3), data=M)
    _compare(lambda t: t.clip(-0.3, 0.1), data=M)
    _same(
        ag.clamp(ag.tensor(M), min=ag.tensor(M * 0.5)),
        torch.clamp(torch.tensor(M), min=torch.tensor(M * 0.5)),
    )
    x = ag.tensor(M.copy())
    x.clamp_(min=0.0)
    np.testing.assert_array_equal(x.numpy(), np.maximum(M, 0))
    with pytest.raises(ValueError, match="at least one"):
        ag.clamp(ag.tensor(M))


def test_allclose_isclose_match_pytorch():
    torch = _torch()
    a, b = (
        M,
        M + 1e-9 * (np.arange(12).reshape(3, 4) % 2) + 1e-3 * (np.arange(12).reshape(3, 4) == 5),
    )
    assert ag.allclose(ag.tensor(a), ag.tensor(b)) == torch.allclose(
        torch.tensor(a), torch.tensor(b)
    )
    assert ag.tensor(a).allclose(ag.tensor(a + 1e-12)) is True
    _same(ag.isclose(ag.tensor(a), ag.tensor(b)), torch.isclose(torch.tensor(a), torch.tensor(b)))
    _same(
        ag.tensor(a).isclose(ag.tensor(b), atol=1e-2),
        torch.tensor(a).isclose(torch.tensor(b), atol=1e-2),
    )


def test_from_numpy_and_as_tensor_share_memory():
    torch = _torch()
    array = np.arange(3.0)
    t, u = ag.from_numpy(array), torch.from_numpy(array)
    array[0] = 7.0
    assert t[0].item() == u[0].item() == 7.0
    assert ag.as_tensor(array).numpy() is array or np.shares_memory(
        ag.as_tensor(array).numpy(), array
    )
    assert not np.shares_memory(ag.as_tensor(array, dtype=ag.float32).numpy(), array)
    assert ag.as_tensor([1, 2]).dtype == ag.int64 and ag.as_tensor(t) is t
    with pytest.raises(TypeError, match="numpy.ndarray"):
        ag.from_numpy([1.0, 2.0])


def test_backward_with_gradient_argument():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(gradient=ag.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0])


def test_set_grad_enabled_as_function_context_manager_and_no_grad_without_parentheses():
    x = ag.tensor(1.0, requires_grad=True)
    ag.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad and not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()

    @ag.no_grad
    def double(t):
        return t * 2

    assert double(x).item() == 2.0 and not double(x).requires_grad
    assert ag.is_grad_enabled()


# 2. dtypes -------------------------------------------------------------------------------


def test_dtype_inference_matches_pytorch():
    torch = _torch()
    for data in [1, [1, 2], 1.5, [1.0, 2], True, [True, False], [[1, 2], [3, 4]]]:
        ours, theirs = ag.tensor(data), torch.tensor(data)
        expected = str(theirs.dtype).replace("torch.", "").replace("float32", "float64")
        assert str(ours.dtype) == expected, data  # the default float dtype is float64 here
    assert ag.tensor(np.arange(3, dtype=np.int32)).dtype == ag.int32  # arrays keep theirs
    assert ag.arange(3).dtype == ag.int64 and ag.arange(0.0, 1.0, 0.5).dtype == ag.float64
    assert ag.full((2,), 3).dtype == ag.int64 and ag.full((2,), 3.0).dtype == ag.float64


def test_integer_tensors_index_an_embedding_matrix():
    C = ag.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    X = ag.tensor([[0, 1], [5, 1]])  # int64: a lookup, as emb = C[X] in PyTorch
    emb = C[X]
    assert emb.shape == (2, 2, 2)
    emb.sum().backward()
    np.testing.assert_array_equal(C.grad.numpy()[:, 0], [1, 2, 0, 0, 0, 1])  # rows used, summed


def test_dtype_conversions_match_pytorch():
    torch = _torch()
    t, u = ag.tensor(M), torch.tensor(M)
    for name in ["float", "double", "half", "long", "int", "bool"]:
        ours, theirs = getattr(t, name)(), getattr(u, name)()
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy().astype(ours.dtype))
    assert t.to(ag.float32).dtype == np.float32 and t.to(dtype=ag.long).dtype == np.int64
    assert t.to("cpu", ag.float16).dtype == np.float16 and t.to(ag.tensor([1])).dtype == np.int64
    assert ag.float32 == np.float32 and ag.long == ag.int64 and ag.float == ag.float32
    assert t.type_as(ag.tensor([1])).dtype == np.int64
    x = ag.tensor(M, requires_grad=True)
    x.float().sum().backward()  # float64 -> float32 is differentiable, the gradient float64
    assert x.grad.dtype == np.float64 and (x.grad.numpy() == 1).all()


def test_type_names_and_casts_match_pytorch():
    torch = _torch()
    for name in [
        "float32",
        "float64",
        "float16",
        "int64",
        "int32",
        "int16",
        "int8",
        "uint8",
        "bool",
    ]:
        ours, theirs = (
            ag.zeros(2, dtype=getattr(ag, name)),
            torch.zeros(2, dtype=getattr(torch, name)),
        )
        assert ours.type() == theirs.type()  # "torch.FloatTensor", ...
        assert ours.type(ag.float64).dtype == np.float64
    t = ag.tensor([1.5, -2.0], requires_grad=True)
    _same(t.type(ag.float32), torch.tensor([1.5, -2.0]).type(torch.float32))
    _same(t.type("torch.LongTensor"), torch.tensor([1.5, -2.0]).type("torch.LongTensor"))
    assert t.type("float16").dtype == np.float16
    (t.type(ag.float32) * 3).sum().backward()  # a cast between floats keeps the gradient
    np.testing.assert_array_equal(t.grad.numpy(), [3.0, 3.0])


def test_module_float_double_to_cast_parameters_in_place():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    weight = model[0].weight
    assert model.float() is model
    assert all(p.dtype == np.float32 for p in model.parameters()) and model[0].weight is weight
    assert model(ag.ones(5, 3, dtype=ag.float32)).dtype == np.float32
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    model.to(ag.float32).to("cpu")
    assert all(p.dtype == np.float32 for p in model.parameters())
    with pytest.raises(TypeError, match="floating dtype"):
        model.to(ag.int64)


def test_float32_model_given_float64_data_casts_and_warns_once():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).float()
    nn.layers._warned.clear()
    data = ag.tensor(np.ones((5, 3)))  # float64
    with pytest.warns(UserWarning, match="float64 given to parameters of dtype float32"):
        out = model(data)
    assert out.dtype == np.float32  # never a silent float64 model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = model(data)  # once only
        ints = model(ag.tensor([[1, 2, 3]]))  # int64 data: cast quietly
    np.testing.assert_array_equal(again.numpy(), out.numpy())
    assert ints.dtype == np.float32
    (out * out).sum().backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float32 data, float64 model: nothing lost, no warning
        assert model.double()(ag.ones(2, 3, dtype=ag.float32)).dtype == np.float64


# 3. devices ------------------------------------------------------------------------------


def test_devices():
    cpu = ag.device("cpu")
    assert cpu == "cpu" and str(cpu) == "cpu" and cpu.type == "cpu" and cpu.index is None
    assert repr(cpu) == "device(type='cpu')" and ag.device("cuda:1").index == 1
    t = ag.tensor([1.0], device="cpu")
    assert t.device == cpu and t.to(cpu) is t and t.to("cpu") is t and t.cpu() is t
    assert not t.is_cuda and ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    for make in [
        lambda d: ag.tensor([1.0], device=d),
        lambda d: ag.zeros(2, device=d),
        lambda d: ag.ones(2, device=d),
        lambda d: ag.full((2,), 1.0, device=d),
        lambda d: ag.empty(2, device=d),
        lambda d: ag.arange(3, device=d),
        lambda d: ag.linspace(0, 1, 3, device=d),
        lambda d: ag.eye(2, device=d),
        lambda d: ag.rand(2, device=d),
        lambda d: ag.randn(2, device=d),
        lambda d: ag.randint(0, 3, (2,), device=d),
        lambda d: ag.randperm(3, device=d),
        lambda d: ag.zeros_like(t, device=d),
        lambda d: ag.ones_like(t, device=d),
        lambda d: ag.as_tensor([1.0], device=d),
        lambda d: t.to(d),
    ]:
        assert make("cpu").device == cpu
        with pytest.raises(RuntimeError, match="computes on the CPU"):
            make("cuda")
    # PyTorch's other ways to ask for an accelerator answer as on a machine without one
    assert ag.accelerator.is_available() is False and ag.accelerator.current_accelerator() is None
    assert ag.backends.mps.is_available() is False and ag.accelerator.device_count() == 0
    ag.backends.cudnn.deterministic = True  # what seeding code sets: accepted
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")
    model = nn.Linear(2, 1).to(device)
    assert model.cpu() is model
    with pytest.raises(RuntimeError, match="cannot put tensors on cuda"):
        model.cuda()
    with pytest.raises(RuntimeError, match="cannot put tensors on mps"):
        t.to("mps")
    with pytest.raises(RuntimeError, match="device type"):
        ag.device("gpu")


# 4. randomness ---------------------------------------------------------------------------


def _draws(g):
    return [
        ag.rand(3, generator=g).numpy(),
        ag.randn(2, 2, generator=g).numpy(),
        ag.randint(0, 10, (4,), generator=g).numpy(),
        ag.randint(5, (2,), generator=g).numpy(),
        ag.randperm(6, generator=g).numpy(),
        ag.multinomial(ag.tensor([0.2, 0.3, 0.5]), 2, generator=g).numpy(),
        ag.multinomial(ag.tensor([[1.0, 1.0], [0.0, 1.0]]), 4, True, generator=g).numpy(),
        ag.zeros(3).normal_(generator=g).numpy(),
        ag.zeros(3).uniform_(-1, 1, generator=g).numpy(),
        nn.Dropout(0.5, generator=g)(ag.ones(8)).numpy(),
        np.concatenate(
            [
                b.numpy()
                for (b,) in nn.data.DataLoader(
                    nn.data.TensorDataset(np.arange(6)), batch_size=4, shuffle=True, generator=g
                )
            ]
        ),
    ]


def test_a_generator_makes_every_draw_reproducible():
    first = _draws(ag.Generator().manual_seed(42))
    second = _draws(ag.Generator().manual_seed(42))
    third = _draws(ag.Generator().manual_seed(43))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, third))
    assert first[2].dtype == np.int64 and first[4].dtype == np.int64 and first[5].dtype == np.int64
    assert sorted(first[4]) == list(range(6)) and len(set(first[5])) == 2  # no replacement
    assert (first[6][1] == 1).all()  # a zero weight is never drawn
    g = ag.Generator().manual_seed(7)
    assert g.initial_seed() == 7


def test_manual_seed_reseeds_the_default_generator_and_returns_it():
    assert isinstance(ag.manual_seed(3), ag.Generator)
    a = [ag.rand(2).numpy(), ag.randint(0, 9, (3,)).numpy(), nn.Dropout()(ag.ones(6)).numpy()]
    ag.manual_seed(3)
    b = [ag.rand(2).numpy(), ag.randint(0, 9, (3,)).numpy(), nn.Dropout()(ag.ones(6)).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_multinomial_statistics_and_errors():
    g = ag.Generator().manual_seed(0)
    draws = ag.multinomial(ag.tensor([1.0, 3.0]), 4000, replacement=True, generator=g).numpy()
    assert abs(draws.mean() - 0.75) < 0.03
    with pytest.raises(ValueError, match="without replacement"):
        ag.multinomial(ag.tensor([1.0, 0.0]), 2)
    with pytest.raises(ValueError, match="low < high"):
        ag.randint(3, 3, (2,))


# 5. newcomer frictions -------------------------------------------------------------------


@pytest.mark.parametrize("bad", [[1.0, 2.0], "1, 2", None])
def test_calling_a_module_on_a_list_str_or_none_is_a_clear_type_error(bad):
    with pytest.raises(TypeError, match="a module's input is a tensor"):
        nn.Linear(2, 1)(bad)
    with pytest.raises(TypeError, match="Sequential: called on"):
        nn.Sequential(nn.Tanh())(bad)
