"""Values a live graph needs can not be changed in place.

This is how chainrule guarantees that changing a value after the forward pass can
never give a silently wrong gradient. Two rules:

1. The result of a recorded op (a tensor with a grad_fn) is read-only from birth:
   later ops may save it, and in-place changes to it are never recorded anyway.
2. When an op saves any other array for backward (a leaf's data, an unrecorded
   result), that array, and the array that owns its memory if it is a view, is
   frozen: marked read-only until the node that saved it is released.

Either way, a change is refused where it is attempted:

* a write straight into it, `t._data[0] = 5` or `t._data -= 1`, is refused by numpy
  ("assignment destination is read-only");
* an in-place Tensor op, `t -= 0.5` under `no_grad()`, raises a `RuntimeError`
  naming the op that saved the values.

`backward()` (without `retain_graph=True`) releases each node as soon as it is done,
and a graph that is dropped without backward releases its arrays when it is garbage
collected, so the arrays become writeable again. Each array keeps a count of the
nodes that froze it, so it thaws only when the last of them is released.
"""

from __future__ import annotations

import numpy as np

# id(array) -> [array, number of live nodes that froze it, name of the first such op]
_frozen: dict[int, list] = {}
# id(owner) -> views that could not be thawed while their owner was still frozen
_waiting_views: dict[int, list[np.ndarray]] = {}


def freeze(array: np.ndarray, op_name: str, held: list[np.ndarray]) -> None:
    """Make `array` and the array owning its memory read-only; list them in the node's `held`."""
    owner = array.base
    if type(owner) is np.ndarray:
        _hold(owner, op_name, held)
    _hold(array, op_name, held)


def _hold(target: np.ndarray, op_name: str, held: list[np.ndarray]) -> None:
    entry = _frozen.get(id(target))
    if entry is not None:
        entry[1] += 1
    elif target.flags.writeable:
        target.setflags(write=False)  # setflags: 40 % cheaper than .flags.writeable =
        _frozen[id(target)] = [target, 1, op_name]
    else:
        return  # read-only for another reason (a recorded result, a view, a user's choice)
    held.append(target)


def thaw(held: list[np.ndarray]) -> None:
    """Release one node's hold on its arrays; an array with no holders left is writeable again."""
    for target in held:  # owners come before their views in this list
        entry = _frozen.get(id(target))
        if entry is None:
            continue
        entry[1] -= 1
        if entry[1] == 0:
            del _frozen[id(target)]
            if target.base is None and not _waiting_views:  # the common case
                target.setflags(write=True)
            else:
                _make_writeable(target)
    held.clear()


def _make_writeable(target: np.ndarray) -> None:
    owner = target.base
    if type(owner) is np.ndarray and not owner.flags.writeable:
        # numpy refuses a writeable view of a read-only owner: wait for the owner to thaw.
        _waiting_views.setdefault(id(owner), []).append(target)
        return
    target.setflags(write=True)
    if _waiting_views:
        for view in _waiting_views.pop(id(target), ()):
            view.setflags(write=True)


def frozen_by(array: np.ndarray) -> str | None:
    """The name of an op whose live graph froze `array` (or its owner), else None."""
    for target in (array, array.base):
        entry = _frozen.get(id(target))
        if entry is not None:
            return entry[2]
    return None
