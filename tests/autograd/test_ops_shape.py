"""Shape and indexing ops: every primitive and derived function property-tested with the
public kit (drawn shapes incl. 0-d, drawn axes, indices with repeats and masks), first and
second order; plus closed forms for accumulation, masks, concatenate and stack."""

import inspect
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.ops import shape as S
from autograd.testing import check_op, gradcheck, gradgradcheck, strategies
from autograd.testing.strategies import Call

EXAMPLES = 25
FLOAT32_EXAMPLES = 10


def _x(draw, shape, dtype=np.float64):
    (x,) = draw(strategies.op_inputs(S.Reshape, shapes=(shape,), dtype=dtype))
    return x


@st.composite
def reshape_calls(draw, dtype=np.float64, as_function=False):
    shape = draw(strategies.array_shapes())
    sizes = list(draw(st.permutations([d for d in shape if d != 1])))
    for _ in range(draw(st.integers(0, 2))):
        sizes.insert(draw(st.integers(0, len(sizes))), 1)
    if sizes and draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    x = _x(draw, shape, dtype)
    return Call((x, *sizes)) if as_function else Call((x,), {"shape": tuple(sizes)})


@st.composite
def transpose_calls(draw, dtype=np.float64, form="class"):
    shape = draw(strategies.array_shapes(min_dims=1 if form == "swapaxes" else 0))
    axes = tuple(draw(st.permutations(range(len(shape)))))
    x = _x(draw, shape, dtype)
    if form == "class":
        return Call((x,), {"axes": draw(st.none() | st.just(axes))})
    if form == "swapaxes":
        axis = st.integers(-len(shape), len(shape) - 1)
        return Call((x, draw(axis), draw(axis)))
    return Call((x, *axes)) if form == "permute" or draw(st.booleans()) else Call((x,))


@st.composite
def broadcast_calls(draw, dtype=np.float64, as_function=False):
    shape = draw(strategies.array_shapes())
    lead = draw(strategies.array_shapes(min_dims=0, max_dims=2))
    target = lead + tuple(draw(st.integers(1, 3)) if d == 1 else d for d in shape)
    x = _x(draw, shape, dtype)
    return Call((x, target)) if as_function else Call((x,), {"shape": target})


@st.composite
def concatenate_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    count = draw(st.integers(1, 3))
    shapes = []
    for _ in range(count):
        sizes = list(shape)
        sizes[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(sizes))
    xs = draw(strategies.op_inputs(S.Concatenate, shapes, dtype=dtype, requires_grad="some"))
    return Call(xs, {"axis": axis})


@st.composite
def stack_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    count = draw(st.integers(1, 3))
    shapes = [shape] * count
    xs = draw(strategies.op_inputs(S.Concatenate, shapes, dtype=dtype, requires_grad="some"))
    return Call(xs, {"axis": axis})


@st.composite
def getitem_calls(draw, dtype=np.float64, as_function=False):
    shape = draw(strategies.array_shapes())
    index = draw(strategies.indices(shape))
    x = _x(draw, shape, dtype)
    return Call((x, index)) if as_function else Call((x,), {"index": index})


@st.composite
def index_add_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    index = draw(strategies.indices(shape))
    g = _x(draw, np.empty(shape)[index].shape, dtype)
    return Call((g,), {"index": index, "shape": shape})


@st.composite
def expand_dims_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    return Call((_x(draw, shape, dtype), draw(st.integers(-len(shape) - 1, len(shape)))))


@st.composite
def squeeze_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    ones = [i for i, d in enumerate(shape) if d == 1]
    axis = draw(st.none() | (st.sampled_from(ones) if ones else st.nothing()))
    if axis is not None and draw(st.booleans()):
        axis = axis - len(shape)
    return Call((_x(draw, shape, dtype), axis))


@st.composite
def flatten_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    x = _x(draw, shape, dtype)
    if not shape:
        return Call((x,))
    start = draw(st.integers(0, len(shape) - 1))
    end = draw(st.integers(start, len(shape) - 1))
    return Call((x, start - draw(st.sampled_from([0, len(shape)])), end))


@st.composite
def view_calls(draw, dtype=np.float64):
    call = draw(reshape_calls(dtype, as_function=True))
    return call


@st.composite
def t_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(max_dims=2))
    return Call((_x(draw, shape, dtype),))


@st.composite
def expand_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    lead = draw(strategies.array_shapes(min_dims=0, max_dims=2))
    sizes = lead + tuple(
        draw(st.integers(1, 3)) if d == 1 else draw(st.sampled_from([d, -1])) for d in shape
    )
    return Call((_x(draw, shape, dtype), *sizes))


@st.composite
def repeat_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(max_dims=3))
    extra = draw(st.integers(0, 1))
    sizes = tuple(draw(st.integers(1, 3)) for _ in range(len(shape) + extra))
    return Call((_x(draw, shape, dtype), sizes))


@st.composite
def triangle_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=2, max_dims=3))
    return Call((_x(draw, shape, dtype), draw(st.integers(-2, 2))))


@st.composite
def masked_fill_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes())
    mask = draw(hnp.arrays(np.bool_, shape))
    return Call((_x(draw, shape, dtype), mask, draw(st.floats(-2, 2))))


@st.composite
def gather_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=1, max_dims=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, n)) if n else 0 for n in shape)
    index_shape = index_shape[:dim] + (draw(st.integers(1, 4)),) + index_shape[dim:][1:]
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    return Call((_x(draw, shape, dtype), dim, index))


@st.composite
def scatter_add_calls(draw, dtype=np.float64):
    x, dim, index = draw(gather_calls(dtype)).args
    (src,) = draw(strategies.op_inputs(S.Reshape, shapes=(index.shape,), dtype=dtype))
    return Call((x, dim, index, src))


@st.composite
def split_calls(draw, dtype=np.float64, form="split"):
    shape = draw(strategies.array_shapes(min_dims=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    x = _x(draw, shape, dtype)
    if form == "unbind":
        return Call((x, dim))
    if form == "chunk":
        return Call((x, draw(st.integers(1, 4)), dim))
    if draw(st.booleans()):  # a piece size
        return Call((x, draw(st.integers(1, shape[dim] + 1)), dim))
    cuts = sorted(draw(st.lists(st.integers(0, shape[dim]), max_size=3)))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, shape[dim]])]
    return Call((x, sizes, dim))


@st.composite
def flip_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=1))
    dims = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    return Call((_x(draw, shape, dtype), dims))


@st.composite
def roll_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=1))
    x, shift = _x(draw, shape, dtype), draw(st.integers(-5, 5))
    if draw(st.booleans()):
        return Call((x, shift))  # along the flattened tensor
    return Call((x, shift, draw(st.integers(-len(shape), len(shape) - 1))))


@st.composite
def index_select_calls(draw, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    index = draw(
        hnp.arrays(np.int64, draw(st.integers(1, 4)), elements=st.integers(0, shape[dim] - 1))
    )
    return Call((_x(draw, shape, dtype), dim, index))


def _pieces(pieces):
    """Every piece flattened and scaled by its place (1, 2, ...): the gradient shows which
    piece each element went to."""
    return ag.cat([p.reshape(-1) * (k + 1) for k, p in enumerate(pieces)])


def split_pieces(x, sizes, dim):
    return _pieces(S.split(x, sizes, dim))


def chunk_pieces(x, chunks, dim):
    return _pieces(S.chunk(x, chunks, dim))


def unbind_pieces(x, dim):
    return _pieces(S.unbind(x, dim))


def concatenate_list(*xs, axis=0):
    return ag.concatenate(list(xs), axis=axis)


def stack_list(*xs, axis=0):
    return ag.stack(list(xs), axis=axis)


def cat_list(*xs, axis=0):  # PyTorch's names: cat(tensors, dim)
    return ag.cat(list(xs), dim=axis)


def unsqueeze_dim(x, dim):
    return S.unsqueeze(x, dim)


def _with(strategy, **options):
    return lambda dtype=np.float64: strategy(dtype, **options)


CASES = {
    "Reshape": (S.Reshape, _with(reshape_calls)),
    "Transpose": (S.Transpose, _with(transpose_calls)),
    "BroadcastTo": (S.BroadcastTo, _with(broadcast_calls)),
    "Concatenate": (S.Concatenate, _with(concatenate_calls)),
    "GetItem": (S.GetItem, _with(getitem_calls)),
    "IndexAdd": (S.IndexAdd, index_add_calls),
    "reshape": (S.reshape, _with(reshape_calls, as_function=True)),
    "transpose": (S.transpose, _with(transpose_calls, form="function")),
    "permute": (S.permute, _with(transpose_calls, form="permute")),
    "swapaxes": (S.swapaxes, _with(transpose_calls, form="swapaxes")),
    "broadcast_to": (S.broadcast_to, _with(broadcast_calls, as_function=True)),
    "expand_dims": (S.expand_dims, expand_dims_calls),
    "squeeze": (S.squeeze, squeeze_calls),
    "flatten": (S.flatten, flatten_calls),
    "concatenate": (concatenate_list, _with(concatenate_calls)),
    "stack": (stack_list, stack_calls),
    "getitem": (S.getitem, _with(getitem_calls, as_function=True)),
    "view": (S.view, view_calls),
    "t": (S.t, t_calls),
    "expand": (S.expand, expand_calls),
    "repeat": (S.repeat, repeat_calls),
    "unsqueeze": (unsqueeze_dim, expand_dims_calls),
    "cat": (cat_list, _with(concatenate_calls)),
    "tril": (S.tril, triangle_calls),
    "triu": (S.triu, triangle_calls),
    "masked_fill": (S.masked_fill, masked_fill_calls),
    "gather": (S.gather, gather_calls),
    "scatter_add": (S.scatter_add, scatter_add_calls),
    "split": (split_pieces, split_calls),
    "chunk": (chunk_pieces, _with(split_calls, form="chunk")),
    "unbind": (unbind_pieces, _with(split_calls, form="unbind")),
    "flip": (S.flip, flip_calls),
    "roll": (S.roll, roll_calls),
    "index_select": (S.index_select, index_select_calls),
}
# helpers, and the in-place recorders (tested through x[i] = v and view writes in test_inplace.py)
HELPERS = {"is_basic_index", "normalize_index", "sum_to", "IndexPut", "CopySlices"}


def test_every_shape_op_has_a_property_test():
    defined = {
        name
        for name, value in inspect.getmembers(S)
        if (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == S.__name__
        and not name.startswith("_")
    }
    assert defined - HELPERS == set(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_shape_op_matches_finite_differences(name):
    op, calls = CASES[name]
    check_op(op, inputs=calls(), max_examples=EXAMPLES)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_stays_float32(name):
    op, calls = CASES[name]
    check_op(op, inputs=calls(np.float32), second_order=False, max_examples=FLOAT32_EXAMPLES)


X3 = np.arange(12.0).reshape(2, 3, 2) / 5


@pytest.mark.parametrize("axes", list(itertools.permutations(range(3))))
def test_every_permutation_of_three_axes(axes):
    x = ag.tensor(X3, requires_grad=True)
    np.testing.assert_array_equal(x.transpose(*axes).numpy(), X3.transpose(axes))
    assert gradcheck(lambda t: t.transpose(*axes), x)


INDICES = {
    "int": 1,
    "negative int": (-1, 2),
    "slices": (slice(None, None, -1), slice(1, None)),
    "ellipsis": (Ellipsis, 0),
    "newaxis": (None, 0, slice(None)),
    "int array with repeats": np.array([1, 1, 0, -1]),
    "2-d int array": np.array([[0, 1], [1, 1]]),
    "paired int arrays": (np.array([0, 1, 1]), np.array([2, 2, -3])),
    "int array after a slice": (slice(None), np.array([2, 0, 2])),
    "arrays around a slice": (np.array([1, 0]), slice(None), np.array([1, 1])),
    "mask, all axes": X3 > 0.7,
    "mask, first axes": np.array([[True, False, True], [False, False, True]]),
    "empty mask": np.zeros(2, dtype=bool),
    "list": [1, 1],
}


@pytest.mark.parametrize("name", list(INDICES))
def test_index_kinds(name):
    index = INDICES[name]
    x = ag.tensor(X3, requires_grad=True)
    np.testing.assert_array_equal(x[index].numpy(), X3[index])
    assert gradcheck(lambda t: t[index], x)
    assert gradgradcheck(lambda t: t[index] * t[index], x)


def test_tensor_indexing_matches_getitem():
    check_op(lambda x, index: x[index], inputs=getitem_calls(as_function=True), max_examples=15)


# closed forms ------------------------------------------------------------------------------


def test_repeated_integer_indices_accumulate():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    x[np.array([0, 0, 2, -1, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0, 1.0])
    m = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    m[[1, 1, 0], [2, 2, 0]].backward(np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(m.grad.numpy(), [[100.0, 0.0, 0.0], [0.0, 0.0, 11.0]])


def test_boolean_mask_gradient_is_the_mask():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    mask = x.numpy() % 2 == 0
    x[mask].backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    x.grad = None
    x[ag.tensor(np.array([True, False]))].sum().backward()  # a mask over the first axis
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])


def test_basic_slices_route_the_gradient():
    x = ag.tensor(np.zeros((3, 4)), requires_grad=True)
    x[1:, ::2].backward(np.ones((2, 2)))
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]])


def test_concatenate_and_stack_split_the_gradient():
    a = ag.tensor(np.ones((2, 1)), requires_grad=True)
    b = ag.tensor(np.ones((2, 3)), requires_grad=True)
    g = np.arange(8.0).reshape(2, 4)
    out = ag.concatenate([a, b], axis=1)
    np.testing.assert_array_equal(out.numpy(), np.ones((2, 4)))
    out.backward(g)
    np.testing.assert_array_equal(a.grad.numpy(), g[:, :1])
    np.testing.assert_array_equal(b.grad.numpy(), g[:, 1:])
    c = ag.tensor([1.0, 2.0], requires_grad=True)
    d = ag.tensor([3.0, 4.0], requires_grad=True)
    s = ag.stack([c, d], axis=1)
    np.testing.assert_array_equal(s.numpy(), [[1.0, 3.0], [2.0, 4.0]])
    s.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(c.grad.numpy(), [1.0, 3.0])
    np.testing.assert_array_equal(d.grad.numpy(), [2.0, 4.0])


def test_broadcast_to_sums_the_gradient_back():
    x = ag.tensor([[1.0], [2.0]], requires_grad=True)
    ag.broadcast_to(x, (3, 2, 4)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[12.0], [12.0]])


def test_reshape_and_transpose_results_match_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = ag.tensor(x)
    np.testing.assert_array_equal(t.reshape(4, -1).numpy(), x.reshape(4, -1))
    np.testing.assert_array_equal(t.transpose(2, 0, 1).numpy(), x.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.swapaxes(0, -1).numpy(), x.swapaxes(0, -1))
    np.testing.assert_array_equal(ag.flatten(t, 1).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(ag.expand_dims(t, -1).numpy(), x[..., None])
    np.testing.assert_array_equal(ag.squeeze(ag.tensor(x[:, None]), 1).numpy(), x)


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_expand_dims_and_squeeze_agree_with_numpy_on_tensors_and_plain_arrays(data):
    shape = data.draw(strategies.array_shapes(max_dims=4))
    x = np.arange(float(np.prod(shape))).reshape(shape)
    n_new = data.draw(st.integers(1, 2))
    axes = data.draw(
        st.lists(
            st.integers(-len(shape) - n_new, len(shape) + n_new - 1),
            min_size=n_new,
            max_size=n_new,
            unique_by=lambda a: a % (len(shape) + n_new),
        )
    )
    axis = axes[0] if n_new == 1 else tuple(axes)
    expected = np.expand_dims(x, axis)
    for value in (ag.tensor(x), x):  # a plain ndarray is what a plain backward passes
        out = S.expand_dims(value, axis)
        assert np.shape(out) == expected.shape
        np.testing.assert_array_equal(getattr(out, "data", out), expected)
    ones = tuple(i for i, d in enumerate(expected.shape) if d == 1)
    squeeze_axis = data.draw(st.none() | st.sampled_from(ones)) if ones else None
    assert np.shape(S.squeeze(expected, squeeze_axis)) == np.squeeze(expected, squeeze_axis).shape
    view = S.expand_dims(x, 0)
    assert np.shares_memory(view, x) or x.size == 0  # a view, not a copy


def test_squeeze_of_a_dim_that_is_not_one_leaves_it_as_pytorch_does():
    x = ag.tensor(np.ones((3, 1)))
    assert S.squeeze(x, 0).shape == (3, 1)
    assert S.squeeze(x, 1).shape == (3,)
    assert x.squeeze(dim=(0, 1)).shape == (3,)
