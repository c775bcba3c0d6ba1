"""Optimisers step by step against their update equations, written here in numpy."""

import math

import numpy as np
import pytest

import autograd as ag
import nn

optim = nn.optim
rng = np.random.default_rng(0)
P0 = rng.normal(size=(3, 2))
GRADS = [rng.normal(size=(3, 2)) for _ in range(8)]


def reference_sgd(lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    p, buf, path = P0.copy(), None, []
    for g in GRADS:
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        path.append(p)
    return path


def reference_adam(
    lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False
):
    (b1, b2), p = betas, P0.copy()
    m, v, v_max, path = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p), []
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        v_max = np.maximum(v_max, v)
        v_used = v_max if amsgrad else v
        m_hat = m / (1 - b1**t)
        p = p - lr * m_hat / (np.sqrt(v_used) / math.sqrt(1 - b2**t) + eps)
        path.append(p)
    return path


def reference_rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p = P0.copy()
    v, g_avg, buf, path = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p), []
    for g in GRADS:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v - g_avg**2
        if momentum > 0:
            buf = momentum * buf + g / (np.sqrt(v_tilde) + eps)
            p = p - lr * buf
        else:
            p = p - lr * g / (np.sqrt(v_tilde) + eps)
        path.append(p)
    return path


def reference_adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    p, s, path = P0.copy(), np.full_like(P0, initial_accumulator_value), []
    for t, g in enumerate(GRADS, start=1):
        g = g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        p = p - lr_t * g / (np.sqrt(s) + eps)
        path.append(p)
    return path


def reference_adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p, v, u, path = P0.copy(), np.zeros_like(P0), np.zeros_like(P0), []
    for g in GRADS:
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g**2
        d = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d**2
        p = p - lr * d
        path.append(p)
    return path


CASES = [
    (optim.SGD, dict(lr=0.1), reference_sgd),
    (optim.SGD, dict(lr=0.1, momentum=0.9), reference_sgd),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1), reference_sgd),
    (optim.SGD, dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01), reference_sgd),
    (optim.Adam, dict(lr=0.01), reference_adam),
    (optim.Adam, dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1), reference_adam),
    (optim.Adam, dict(lr=0.01, amsgrad=True), reference_adam),
    (optim.AdamW, dict(lr=0.01, weight_decay=0.2), lambda **k: reference_adam(decoupled=True, **k)),
    (
        optim.AdamW,
        dict(lr=0.01, amsgrad=True),
        lambda **k: reference_adam(decoupled=True, weight_decay=0.01, **k),
    ),
    (optim.RMSprop, dict(lr=0.01), reference_rmsprop),
    (optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1), reference_rmsprop),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.3), reference_rmsprop),
    (optim.Adagrad, dict(lr=0.1), reference_adagrad),
    (
        optim.Adagrad,
        dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5),
        reference_adagrad,
    ),
    (optim.Adadelta, dict(), reference_adadelta),
    (optim.Adadelta, dict(lr=0.5, rho=0.7, eps=1e-4, weight_decay=0.1), reference_adadelta),
]


@pytest.mark.parametrize("cls, kwargs, reference", CASES)
def test_each_step_follows_the_update_equations(cls, kwargs, reference):
    param = nn.Parameter(P0.copy())
    optimizer = cls([param], **kwargs)
    for step, (g, expected) in enumerate(zip(GRADS, reference(**kwargs), strict=True)):
        param.grad = ag.Tensor(g)
        optimizer.step()
        np.testing.assert_allclose(
            param.numpy(), expected, rtol=1e-13, atol=1e-15, err_msg=f"step {step + 1}"
        )


@pytest.mark.parametrize("cls, kwargs, reference", CASES)
def test_maximize_applies_the_rule_to_the_negated_gradient(cls, kwargs, reference):
    """PyTorch's definition: maximize=True on g is the minimising rule on -g, from the
    first line (before weight decay and momentum), so paths match bit for bit."""
    ascending, descending = nn.Parameter(P0.copy()), nn.Parameter(P0.copy())
    up = cls([ascending], maximize=True, **kwargs)
    down = cls([descending], **kwargs)
    for g in GRADS:
        ascending.grad, descending.grad = ag.Tensor(g), ag.Tensor(-g)
        up.step()
        down.step()
        np.testing.assert_array_equal(ascending.numpy(), descending.numpy())
        np.testing.assert_array_equal(ascending.grad.numpy(), g)  # .grad itself is untouched
    assert not np.allclose(ascending.numpy(), P0)


def test_maximize_climbs_a_concave_objective():
    x = nn.Parameter(np.array([3.0, -2.0]))
    optimizer = optim.SGD([x], lr=0.1, maximize=True)
    for _ in range(100):
        optimizer.zero_grad()
        (-((x - 1.0) ** 2)).sum().backward()  # maximum at x = 1
        optimizer.step()
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-8)


def test_defaults_are_pytorchs():
    p = [nn.Parameter(np.zeros(1))]
    assert optim.SGD(p).defaults["lr"] == 1e-3
    assert optim.Adam(p).defaults == dict(
        lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False
    )
    assert optim.AdamW(p).defaults["weight_decay"] == 1e-2
    assert optim.RMSprop(p).defaults["alpha"] == 0.99 and optim.RMSprop(p).defaults["lr"] == 1e-2
    assert optim.Adagrad(p).defaults["eps"] == 1e-10
    assert optim.Adadelta(p).defaults == dict(
        lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False
    )
    with pytest.raises(ValueError, match="invalid rho 1.5; it must be a number in \\[0, 1\\]"):
        optim.Adadelta(p, rho=1.5)
    with pytest.raises(ValueError, match="invalid rho nan"):
        optim.Adadelta(p, rho=float("nan"))


def test_update_is_in_place_without_graph_and_keeps_dtype():
    param = nn.Parameter(np.ones(4, np.float32))
    array = param.numpy()
    optimizer = optim.Adam([param], lr=0.1)
    (param * param).sum().backward()
    optimizer.step()
    assert param.numpy() is array and param.dtype == np.float32
    assert param.grad_fn is None and param.requires_grad and param.is_leaf
    assert np.all(param.numpy() < 1)


def test_plain_sgd_is_the_hand_written_loop_and_keeps_no_state_as_pytorch():
    param = nn.Parameter(P0.copy())
    optimizer = optim.SGD([param], lr=0.1)
    param.grad = ag.Tensor(GRADS[0])
    optimizer.step()
    np.testing.assert_array_equal(param.numpy(), P0 - 0.1 * GRADS[0])  # bit for bit
    assert optimizer.state_dict()["state"] == {}  # torch.optim.SGD without momentum: {}


def test_update_is_in_place_and_counted_as_an_in_place_change():
    param = nn.Parameter(np.ones(3))
    loss = (param * param).sum()
    loss.backward(retain_graph=True)  # the graph stays alive, holding param's array
    memory, version = param.numpy(), param._version[0]
    optim.SGD([param], lr=0.5).step()
    assert param.numpy() is memory and param._version[0] == version + 1
    np.testing.assert_array_equal(param.numpy(), [0.0, 0.0, 0.0])  # 1 - 0.5 * 2


def test_parameter_groups_have_their_own_hyperparameters():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    optimizer = optim.SGD([{"params": [a], "lr": 0.5}, {"params": b}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in optimizer.param_groups] == [0.5, 0.1]
    a.grad, b.grad = ag.ones(2), ag.ones(2)
    optimizer.step()
    np.testing.assert_allclose(a.numpy(), 0.5)
    np.testing.assert_allclose(b.numpy(), 0.9)
    c = nn.Parameter(np.ones(1))
    optimizer.add_param_group({"params": [c], "lr": 1.0})
    assert optimizer.param_groups[2]["momentum"] == 0.0


def test_parameters_without_gradient_are_skipped():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    optimizer = optim.Adam([a, b])
    a.grad = ag.ones(2)
    optimizer.step()
    assert np.all(b.numpy() == 1) and b not in optimizer.state and optimizer.state[a]["step"] == 1


def test_zero_grad():
    model = nn.Linear(2, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model(ag.ones((1, 2))).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in model.parameters())
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_step_with_closure_returns_the_loss():
    param = nn.Parameter(np.array([2.0]))
    optimizer = optim.SGD([param], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    with ag.no_grad():  # the closure still records its graph
        loss = optimizer.step(closure)
    assert loss.item() == 4.0 and param.numpy()[0] == 1.0


def test_invalid_settings_are_refused_with_the_optimiser_named():
    p = [nn.Parameter(np.zeros(1))]
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Adam: invalid learning rate lr -1"):
        optim.Adam(p, lr=-1)
    with pytest.raises(ValueError, match="beta2"):
        optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="nesterov=True needs momentum"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD(p + p, lr=0.1)
    with pytest.raises(ValueError, match="requires_grad=False"):
        optim.SGD([nn.Parameter(np.zeros(1), requires_grad=False)], lr=0.1)
    with pytest.raises(TypeError, match="can only optimise Tensors"):
        optim.SGD([np.zeros(1)], lr=0.1)


def test_state_dict_numbers_parameters_and_copies_state():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    optimizer = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}])
    a.grad, b.grad = ag.ones(2), ag.ones(3)
    optimizer.step()
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert state["param_groups"][1]["lr"] == 0.1 and state["state"][1]["step"] == 1
    state["state"][0]["exp_avg"][:] = 99  # a copy
    assert np.all(optimizer.state[a]["exp_avg"] != 99)


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (optim.SGD, dict(lr=0.1, momentum=0.9)),
        (optim.Adam, dict(lr=0.01, amsgrad=True)),
        (optim.AdamW, dict(lr=0.01)),
        (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
        (optim.Adagrad, dict(lr=0.1)),
        (optim.Adadelta, dict(rho=0.8)),
    ],
)
def test_load_state_dict_resumes_exactly(cls, kwargs):
    def run(param, optimizer, grads):
        for g in grads:
            param.grad = ag.Tensor(g)
            optimizer.step()

    param = nn.Parameter(P0.copy())
    optimizer = cls([param], **kwargs)
    run(param, optimizer, GRADS[:4])
    saved_param, saved_state = param.numpy().copy(), optimizer.state_dict()
    run(param, optimizer, GRADS[4:])

    resumed = nn.Parameter(saved_param)
    other = cls([resumed], lr=123.0)  # hyperparameters come back from the state too
    other.load_state_dict(saved_state)
    run(resumed, other, GRADS[4:])
    np.testing.assert_array_equal(resumed.numpy(), param.numpy())


def test_load_state_dict_checks_the_layout():
    optimizer = optim.SGD([nn.Parameter(np.ones(2))], lr=0.1, momentum=0.9)
    state = optim.SGD([nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="group 0 has 2 parameters in the state but 1 here"):
        optimizer.load_state_dict(state)
    bad = {
        "state": {0: {"momentum_buffer": np.ones(5)}},
        "param_groups": optimizer.state_dict()["param_groups"],
    }
    with pytest.raises(ValueError, match=r"shape \(5,\) but its parameter has shape \(2,\)"):
        optimizer.load_state_dict(bad)


def test_repr_lists_groups():
    text = repr(optim.SGD([nn.Parameter(np.ones(1))], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_a_retained_graph_refuses_to_backpropagate_after_a_step_as_in_pytorch():
    weight = nn.Parameter(np.array([1.0, 2.0]))
    x = ag.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * weight).sum()
    loss.backward(retain_graph=True)
    optim.SGD([weight], lr=1.0).step()
    np.testing.assert_array_equal(weight.numpy(), [-2.0, -2.0])
    with pytest.raises(RuntimeError, match="Mul: .* modified by an inplace operation"):
        loss.backward()  # the old weight is gone: no silently wrong gradient
