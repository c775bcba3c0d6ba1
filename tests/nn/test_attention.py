"""scaled_dot_product_attention and MultiheadAttention against PyTorch and finite differences."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck
from nn import functional as F

rng = np.random.default_rng(16)


def _qkv(shape_q=(2, 3, 5, 4), shape_kv=(2, 3, 6, 4)):
    q = rng.standard_normal(shape_q)
    k, v = rng.standard_normal(shape_kv), rng.standard_normal(shape_kv[:-1] + (3,))
    return q, k, v


MASKS = ["none", "bool", "float", "causal"]


def _mask(kind, length, source):
    if kind == "bool":
        mask = rng.uniform(size=(length, source)) > 0.3
        mask[:, 0] = True  # every row sees something
        return mask
    if kind == "float":
        return rng.standard_normal((length, source))
    return None


@pytest.mark.parametrize("kind", MASKS)
def test_sdpa_matches_torch(kind):
    torch = pytest.importorskip("torch")
    q, k, v = _qkv((2, 3, 5, 4), (2, 3, 5 if kind == "causal" else 6, 4))
    mask = _mask(kind, 5, k.shape[-2])
    causal = kind == "causal"
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    ours = [ag.tensor(a, requires_grad=True) for a in (q, k, v)]
    expected = torch.nn.functional.scaled_dot_product_attention(
        *ts, attn_mask=None if mask is None else torch.tensor(mask), is_causal=causal
    )
    got = F.scaled_dot_product_attention(*ours, attn_mask=mask, is_causal=causal)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(expected.shape)
    expected.backward(torch.tensor(g))
    got.backward(ag.tensor(g))
    for a, b in zip(ours, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_sdpa_gradcheck_and_causality():
    q, k, v = (ag.tensor(a, requires_grad=True) for a in _qkv((1, 4, 3), (1, 4, 3)))
    assert gradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v
    )
    mask = _mask("bool", 4, 4)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask), q, k, v)
    # causal: the first output depends on the first key and value only
    v2 = v.numpy().copy()
    v2[0, 1:] += 10.0
    a = F.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
    b = F.scaled_dot_product_attention(q, k, ag.tensor(v2), is_causal=True).numpy()
    np.testing.assert_allclose(a[0, 0], b[0, 0])
    assert not np.allclose(a[0, 1], b[0, 1])


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("kind", ["none", "bool", "float", "padding", "causal"])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_matches_torch(batch_first, kind, average):
    torch = pytest.importorskip("torch")
    embed, heads, n, length = 8, 2, 3, 5
    layer = nn.MultiheadAttention(embed, heads, batch_first=batch_first)
    twin = torch.nn.MultiheadAttention(embed, heads, batch_first=batch_first, dtype=torch.float64)
    with torch.no_grad():
        twin.in_proj_bias.uniform_(-0.5, 0.5)
        twin.out_proj.bias.uniform_(-0.5, 0.5)
    state = twin.state_dict()
    assert list(layer.state_dict()) == list(state)
    layer.load_state_dict({k: v.numpy() for k, v in state.items()})
    shape = (n, length, embed) if batch_first else (length, n, embed)
    x, kv = rng.standard_normal(shape), rng.standard_normal(shape)
    kwargs, theirs = {}, {}
    if kind in ("bool", "float"):
        mask = _mask(kind, length, length)
        if kind == "bool":
            mask = ~mask  # nn.MultiheadAttention: True means "not allowed"
        kwargs["attn_mask"], theirs["attn_mask"] = mask, torch.tensor(mask)
    elif kind == "padding":
        pad = np.zeros((n, length), dtype=bool)
        pad[0, -2:] = True
        kwargs["key_padding_mask"], theirs["key_padding_mask"] = pad, torch.tensor(pad)
    elif kind == "causal":
        mask = np.triu(np.ones((length, length), dtype=bool), 1)
        kwargs = {"attn_mask": mask, "is_causal": True}
        theirs = {"attn_mask": torch.tensor(mask), "is_causal": True}
    xt, kvt = torch.tensor(x, requires_grad=True), torch.tensor(kv, requires_grad=True)
    xa, kva = ag.tensor(x, requires_grad=True), ag.tensor(kv, requires_grad=True)
    out_t, w_t = twin(xt, kvt, kvt, average_attn_weights=average, **theirs)
    out, w = layer(xa, kva, kva, average_attn_weights=average, **kwargs)
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.numpy(), w_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(out.shape)
    (out_t * torch.tensor(g)).sum().backward()
    (out * ag.tensor(g)).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(kva.grad.numpy(), kvt.grad.numpy(), rtol=1e-9, atol=1e-12)
    params = dict(twin.named_parameters())
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[name].grad.numpy(), rtol=1e-9, atol=1e-12)


def test_multihead_attention_need_weights_unbatched_and_gradcheck():
    layer = nn.MultiheadAttention(4, 2, batch_first=True)
    x = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    out, weights = layer(x, x, x, need_weights=False)
    assert out.shape == (3, 4) and weights is None
    _, weights = layer(x, x, x)
    assert weights.shape == (3, 3)
    np.testing.assert_allclose(weights.numpy().sum(axis=-1), 1.0)
    assert gradcheck(lambda x, w: F.multi_head_attention_forward(
        x.reshape(1, 3, 4), x.reshape(1, 3, 4), x.reshape(1, 3, 4), 2, w, layer.in_proj_bias,
        layer.out_proj.weight, layer.out_proj.bias)[0], x, layer.in_proj_weight)  # fmt: skip
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
