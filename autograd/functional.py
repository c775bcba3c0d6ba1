"""JAX-style transforms on the same tape as `Tensor.backward()` (no second engine).

    grad(f)(x)              df/dx of a scalar-valued f
    value_and_grad(f)(x)    (f(x), df/dx)
    jacobian(f)(x)          d f_i / d x_j, shape f(x).shape + x.shape
    hessian(f)(x)           jacobian(grad(f))(x)
    hvp(f)(x, v)            the Hessian times v, without forming the Hessian
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


# helpers ----------------------------------------------------------------------------


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
