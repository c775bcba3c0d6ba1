"""JAX-style transforms on the same tape as `Tensor.backward()` (no second engine).

    grad(f)(x)              df/dx of a scalar-valued f
    value_and_grad(f)(x)    (f(x), df/dx)
    jacobian(f)(x)          d f_i / d x_j, shape f(x).shape + x.shape
    hessian(f)(x)           jacobian(grad(f))(x)
    hvp(f)(x, v)            the Hessian times v, without forming the Hessian
    vjp(f, x, v)            (f(x), v^T J): reverse mode, as torch.autograd.functional.vjp
    jvp(f, x, v)            (f(x), J v): forward mode, as torch.autograd.functional.jvp
    jacfwd(f)(x)            the Jacobian column by column, by jvp (same values as jacobian)
    gradients(outs, ins)    torch.autograd.grad: gradients returned, `.grad` untouched

Each transform takes Python floats, numpy arrays or Tensors and returns the same
kind it was given. Transforms nest: `grad(grad(f))` is the second derivative,
because a transform called on a tensor that is already being differentiated
records its own backward pass (`create_graph=True`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .mode import enable_grad
from .tensor import Tensor, get_default_dtype


def gradients(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs), weighted by `grad_outputs`, without touching any `.grad`.

    Like `torch.autograd.grad`. An input the outputs do not depend on raises, unless
    `allow_unused=True` (then its gradient is None).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"gradients: input {i} (shape {t.shape}) does not require grad")
    found = engine.backward(outputs, list(grad_outputs), retain_graph, create_graph, inputs=inputs)
    if not allow_unused:
        for i, g in enumerate(found):
            if g is None:
                raise RuntimeError(
                    f"gradients: input {i} (shape {inputs[i].shape}) was not used to compute "
                    "the outputs; pass allow_unused=True to get None for it"
                )
    return tuple(found)


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning (fun(*args), gradient of fun w.r.t. args[argnums])."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        with enable_grad():
            marked, inputs, nested = _mark_inputs(args, nums)
            out = fun(*marked, **kwargs)
            _check_scalar(out, "grad")
            grads = gradients(out, inputs, create_graph=nested, allow_unused=True)
        results = tuple(
            _like(args[i], _zeros_if_none(g, x), nested) for i, g, x in zip(nums, grads, inputs)
        )
        return _like(args[nums[0]], out, nested), results[0] if single else results

    return value_and_grad_fun


def grad(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function computing the gradient of the scalar-valued `fun` w.r.t. args[argnums]."""
    value_and_grad_fun = value_and_grad(fun, argnums)

    @functools.wraps(fun)
    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        return value_and_grad_fun(*args, **kwargs)[1]

    return grad_fun


def jacobian(fun: Callable, argnums: int = 0) -> Callable:
    """A function computing d fun(x)_i / d x_j, shaped fun(x).shape + x.shape."""

    @functools.wraps(fun)
    def jacobian_fun(*args: Any, **kwargs: Any) -> Any:
        with enable_grad():
            marked, (x,), nested = _mark_inputs(args, (argnums,))
            out = fun(*marked, **kwargs)
            if not isinstance(out, Tensor):
                raise TypeError("jacobian: fun must return a Tensor")
            rows = []
            for i in range(out.size):
                seed = np.zeros(out.size, dtype=out.dtype)
                seed[i] = 1
                (g,) = gradients(
                    out,
                    x,
                    grad_outputs=Tensor(seed.reshape(out.shape)),
                    retain_graph=True,
                    create_graph=nested,
                    allow_unused=True,
                )
                rows.append(_zeros_if_none(g, x).reshape(1, *x.shape))
            from .ops import concatenate

            jac = concatenate(rows, axis=0) if rows else Tensor(np.zeros((0, *x.shape)))
            jac = jac.reshape(*out.shape, *x.shape)
        return _like(args[argnums], jac, nested)

    return jacobian_fun


def hessian(fun: Callable, argnums: int = 0) -> Callable:
    """A function computing the matrix of second derivatives of the scalar-valued `fun`."""
    return jacobian(grad(fun, argnums), argnums)


def hvp(fun: Callable, argnums: int = 0) -> Callable:
    """hvp(fun)(x, v): the Hessian of `fun` at x times v, by differentiating grad(fun)(x) . v."""

    def hvp_fun(*args: Any) -> Any:
        *fun_args, v = args
        with enable_grad():
            marked, (x,), nested = _mark_inputs(tuple(fun_args), (argnums,))
            out = fun(*marked)
            _check_scalar(out, "hvp")
            (g,) = gradients(out, x, create_graph=True)
            (hv,) = gradients((g * _data_of(v)).sum(), x, create_graph=nested, allow_unused=True)
        return _like(fun_args[argnums], _zeros_if_none(hv, x), nested)

    return hvp_fun


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(func(inputs), v^T J): the vector-Jacobian product, as torch.autograd.functional.vjp.

    `inputs` is one input or a tuple of them; `v` has the output's shape (it may be
    omitted for a one-element output). The products come back as `inputs` came.
    """
    single = not isinstance(inputs, tuple)
    args = (inputs,) if single else inputs
    with enable_grad():
        marked, xs, nested = _mark_inputs(args, tuple(range(len(args))))
        out = _checked_output(func(*marked), "vjp")
        seed = _as_seed(v, out, "vjp")
        grads = gradients(
            out, xs, grad_outputs=seed, create_graph=create_graph or nested, allow_unused=True
        )
    keep = create_graph or nested
    products = tuple(_like(a, _zeros_if_none(g, x), keep) for a, g, x in zip(args, grads, xs))
    return _like(args[0], out, keep), products[0] if single else products


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(func(inputs), J v): the Jacobian-vector product, as torch.autograd.functional.jvp.

    Forward mode on the reverse-mode tape (the double-vjp construction): with u a
    stand-in cotangent, g(u) = J^T u is linear in u, and d<g(u), v>/du = J v. `v` has the
    inputs' shapes (one per input; omitted for one-element inputs).
    """
    single = not isinstance(inputs, tuple)
    args = (inputs,) if single else inputs
    vs = (v,) if single else (v if v is not None else (None,) * len(args))
    with enable_grad():
        marked, xs, nested = _mark_inputs(args, tuple(range(len(args))))
        out = _checked_output(func(*marked), "jvp")
        u = Tensor._make(np.zeros(out.shape, out.dtype), True, None)  # any value: g is linear
        gs = gradients(out, xs, grad_outputs=u, create_graph=True, allow_unused=True)
        dot = None
        for g, x, direction in zip(gs, xs, vs):
            if g is not None:
                term = (g * _as_seed(direction, x, "jvp")).sum()
                dot = term if dot is None else dot + term
        if dot is None:  # the output does not depend on the inputs
            product = Tensor(np.zeros(out.shape, out.dtype))
        else:
            (product,) = gradients(dot, u, create_graph=create_graph or nested, allow_unused=True)
            product = _zeros_if_none(product, u)
    keep = create_graph or nested
    return _like(args[0], out, keep), _like(args[0], product, keep)


def jacfwd(fun: Callable, argnums: int = 0) -> Callable:
    """A function computing d fun(x)_i / d x_j column by column with `jvp` (forward mode),
    shaped fun(x).shape + x.shape: the values of `jacobian`, which goes row by row."""

    @functools.wraps(fun)
    def jacfwd_fun(*args: Any, **kwargs: Any) -> Any:
        x = args[argnums]
        x_array = np.asarray(x._data if isinstance(x, Tensor) else x)
        if x_array.dtype.kind not in "fc":
            x_array = x_array.astype(get_default_dtype())
        x_tensor = x if isinstance(x, Tensor) else Tensor(x_array)

        def of_x(value: Tensor) -> Tensor:
            call = list(args)
            call[argnums] = value
            return fun(*call, **kwargs)

        columns = []
        for j in range(x_array.size):
            direction = np.zeros(x_array.size, x_array.dtype)
            direction[j] = 1
            _, column = jvp(of_x, x_tensor, Tensor(direction.reshape(x_array.shape)))
            columns.append(column.reshape(-1, 1))
        from .ops import concatenate

        out_shape = columns[0].shape[:1] if columns else (0,)
        jac = concatenate(columns, axis=1) if columns else Tensor(np.zeros((*out_shape, 0)))
        out = of_x(x_tensor) if columns else None
        shape = (*(out.shape if out is not None else ()), *x_array.shape)
        return _like(x, jac.reshape(*shape), isinstance(x, Tensor) and x.requires_grad)

    return jacfwd_fun


# helpers ----------------------------------------------------------------------------


def _checked_output(out: Any, name: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: func must return a Tensor, got {type(out).__name__}")
    return out


def _as_seed(v: Any, like: Tensor, name: str) -> Tensor:
    """`v` as a tensor of `like`'s shape (None: 1 for a one-element `like`)."""
    if v is None:
        if like.size != 1:
            raise ValueError(
                f"{name}: give v (shape {like.shape}); it may be omitted only for one element"
            )
        return Tensor(np.ones(like.shape, like.dtype))
    seed = v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=like.dtype))
    if seed.shape != like.shape:
        raise ValueError(f"{name}: v has shape {seed.shape}, expected {like.shape}")
    return seed


def _mark_inputs(args: tuple, nums: tuple) -> tuple[tuple, list[Tensor], bool]:
    """Make args[nums] leaves that require grad; say whether an outer transform is watching."""
    args = list(args)
    inputs, nested = [], False
    for i in nums:
        value = args[i]
        if isinstance(value, Tensor) and value.requires_grad:
            nested = True  # differentiated by an outer transform: keep the connection
            inputs.append(value)
            continue
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "fc":
            array = array.astype(get_default_dtype())
        args[i] = Tensor._make(array, True, None)
        inputs.append(args[i])
    return tuple(args), inputs, nested


def _like(original: Any, result: Tensor, nested: bool) -> Any:
    """Return `result` as the kind of thing the caller passed: float, ndarray or Tensor."""
    if isinstance(original, Tensor):
        return result if nested else result.detach()
    if isinstance(original, np.ndarray):
        return np.asarray(result._data)
    if isinstance(original, (int, float, np.generic)) and result.size == 1:
        return result.item()
    return np.asarray(result._data)


def _zeros_if_none(g: Tensor | None, x: Tensor) -> Tensor:
    return g if g is not None else Tensor(np.zeros_like(x._data))


def _check_scalar(out: Any, name: str) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: fun must return a Tensor, got {type(out).__name__}")
    if out.size != 1:
        raise TypeError(
            f"{name}: fun must return a one-element tensor, got shape {out.shape}; "
            "use jacobian for vector-valued functions"
        )


def _data_of(v: Any) -> Any:
    return v if isinstance(v, Tensor) else np.asarray(v)
