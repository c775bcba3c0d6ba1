"""Shared by the layer tests: run a chainrule layer and its PyTorch twin on the same input."""

import numpy as np

import autograd as ag


def load_from_torch(layer, torch_layer):
    """Load the PyTorch layer's state_dict into ours, unchanged; check the keys agree."""
    state = torch_layer.state_dict()
    assert list(layer.state_dict()) == list(state), (list(layer.state_dict()), list(state))
    layer.load_state_dict({k: v.detach().numpy() for k, v in state.items()})


def compare_with_torch(layer, torch_layer, x, torch, rtol=1e-7, atol=1e-9, upstream=None, **kwargs):
    """Forward value, input gradient and every parameter gradient equal to PyTorch's."""
    import torch as _torch  # noqa: F401  (the caller's importorskip guarantees it)

    rng = np.random.default_rng(0)
    xt = torch.tensor(x, requires_grad=x.dtype.kind == "f")
    xa = ag.tensor(x, requires_grad=x.dtype.kind == "f")
    expected = torch_layer(xt, **kwargs)
    got = layer(xa, **kwargs)
    if isinstance(expected, tuple):
        expected, got = expected[0], got[0]
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)
    g = rng.standard_normal(expected.shape) if upstream is None else upstream
    expected.backward(torch.tensor(g))
    got.backward(ag.tensor(g))
    if x.dtype.kind == "f":
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)
    theirs = dict(torch_layer.named_parameters())
    for name, param in layer.named_parameters():
        np.testing.assert_allclose(
            param.grad.numpy(), theirs[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )
    return got
