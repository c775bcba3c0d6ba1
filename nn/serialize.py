"""`save` and `load`: state dicts (of models, optimisers, schedulers) as `.npz` files.

Safe and atomic:
* `load` reads with `allow_pickle=False`, so a file can only hold arrays and a JSON
  description; loading an untrusted file can never run code (pickled members are refused).
* `save` writes to a temporary file in the same folder and renames it over `path`
  (`os.replace` is atomic), so an interrupted save never leaves a corrupt file behind.

A model's state dict ({name: array}) is stored as one npz entry per parameter, so
`numpy.load(path)["0.weight"]` works too. Nested state (an optimiser's
{"state": {0: {...}}, "param_groups": [...]}) is stored as arrays plus a JSON
description of the structure under the key `__structure__`, and comes back with the
same keys (ints stay ints), numbers, strings, booleans, None, lists and tuples.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from autograd import Tensor

STRUCTURE_KEY = "__structure__"


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a Module (its state_dict), an optimiser or scheduler (its state_dict), or a
    state dict to `path` as an .npz file (written atomically)."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise TypeError(
            f"save: expected a Module, an optimiser or a state dict, got {type(obj).__name__}"
        )
    if _is_flat(obj):
        arrays = {name: _array(value) for name, value in obj.items()}
    else:
        arrays = {}
        structure = _encode(obj, "", arrays)
        arrays[STRUCTURE_KEY] = np.array(json.dumps(structure))
    _write_atomically(arrays, os.fspath(path))


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Load what `save` wrote: {name: array} for a model's state dict, or the nested
    state dict of an optimiser. Refuses pickled content (never runs code from a file)."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError(f"load: {path!r} is a single .npy array, not a saved state dict")
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ValueError(
                f"load: {path!r} contains pickled Python objects; refusing to load them, "
                "because unpickling can run arbitrary code. Only arrays saved by nn.save "
                "can be loaded."
            ) from None
        raise
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"load: {path!r} is not a valid .npz file ({error})") from None
    if STRUCTURE_KEY not in arrays:
        return arrays
    structure = json.loads(str(arrays.pop(STRUCTURE_KEY)))
    return _decode(structure, arrays)


# --- flattening nested state into arrays + a JSON structure -----------------------------


def _is_flat(obj: dict) -> bool:
    return all(
        isinstance(key, str) and key != STRUCTURE_KEY and isinstance(value, (np.ndarray, Tensor))
        for key, value in obj.items()
    )


def _array(value: Any) -> np.ndarray:
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.hasobject:
        raise TypeError("save: object arrays cannot be saved safely; use numeric arrays")
    return array


def _encode(value: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able description of `value`; arrays go into `arrays` under path-like names."""
    if isinstance(value, (np.ndarray, Tensor)):
        name = path or "value"
        while name in arrays or name == STRUCTURE_KEY:
            name += "_"
        arrays[name] = _array(value)
        return {"array": name}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dictionary keys must be str or int, got {key!r}")
        items = [[key, _encode(item, _join(path, key), arrays)] for key, item in value.items()]
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, _join(path, index), arrays) for index, item in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    raise TypeError(f"save: cannot save a value of type {type(value).__name__} at {path!r}")


def _decode(node: dict, arrays: dict[str, np.ndarray]) -> Any:
    ((kind, content),) = node.items()
    if kind == "array":
        return arrays[content]
    if kind == "value":
        return content
    if kind == "dict":
        return {key: _decode(item, arrays) for key, item in content}
    items = [_decode(item, arrays) for item in content]
    return tuple(items) if kind == "tuple" else items


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _write_atomically(arrays: dict[str, np.ndarray], path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
