"""`save` and `load`: state dicts (of models, optimisers, schedulers) as `.npz` files, and
model weights as `.safetensors` files shared with PyTorch.

The format follows the file name's extension:
* `.safetensors`: a standard safetensors file (needs the `safetensors` package, the
  `safetensors` extra): a flat {name: array} state dict, a model's. PyTorch reads it with
  `safetensors.torch.load_file` and writes it with `safetensors.torch.save_file`; it holds
  only arrays, so nested state (an optimiser's) is refused with a pointer to `.npz`.
* anything else: `.npz`, which holds both a model's state dict and nested state.

Safe and atomic:
* `load` reads with `allow_pickle=False`, so a file can only hold arrays and a JSON
  description; loading an untrusted file can never run code (pickled members are refused).
* `save` writes to a temporary file in the same folder and renames it over `path`
  (`os.replace` is atomic), so an interrupted save never leaves a corrupt file behind;
  the file gets the permissions a plain `open()` would give it (umask).
* `load` names the file and what is wrong with it: `FileNotFoundError` for a missing
  file, `ValueError` for an empty one, a single `np.save` array, a pickle, a damaged
  archive or a damaged structure entry.

A model's state dict ({name: array}) is stored as one npz entry per parameter, so
`numpy.load(path)["0.weight"]` works too. Nested state (an optimiser's
{"state": {0: {...}}, "param_groups": [...]}) is stored as arrays plus a JSON
description of the structure under the key `__structure__`, and comes back with the
same keys (ints stay ints), numbers, strings, booleans, None, lists and tuples.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.types import check_device

STRUCTURE_KEY = "__structure__"
ORDER_KEY = "chainrule.order"  # safetensors metadata: the state dict's key order


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a Module (its state_dict), an optimiser or scheduler (its state_dict), or a
    state dict to `path` (written atomically): a safetensors file if the name ends in
    `.safetensors` (flat {name: array} state dicts only), else an .npz file."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise TypeError(
            f"save: expected a Module, an optimiser or a state dict, got {type(obj).__name__}"
        )
    path = os.fspath(path)
    if _is_safetensors(path):
        _write_atomically(_safetensors_writer(obj, path), path)
        return
    if _is_flat(obj):
        arrays = {name: _array(value) for name, value in obj.items()}
    else:
        arrays = {}
        structure = _encode(obj, "", arrays)
        arrays[STRUCTURE_KEY] = np.array(json.dumps(structure))
    _write_atomically(lambda file: np.savez(file, **arrays), path)


def load(
    path: str | os.PathLike, map_location: Any = None, *, weights_only: bool = True
) -> dict[str, Any]:
    """Load what `save` wrote: {name: array} for a model's state dict, or the nested
    state dict of an optimiser. Refuses pickled content (never runs code from a file).
    A name ending in `.safetensors` is read as a safetensors file (any such file, e.g.
    one written by `safetensors.torch.save_file`), which never holds code either.

    `map_location` and `weights_only` are torch.load's, so `model.load_state_dict(
    nn.load(path, weights_only=True))` reads as in PyTorch: the only location is the CPU,
    and loading is always weights only, whatever `weights_only` says.

    A missing file raises `FileNotFoundError`; a file that is not what `save` writes
    (empty, a single `np.save` array, a pickle, a damaged archive or structure entry)
    a `ValueError` naming the file and what is wrong with it."""
    check_device(map_location, "load: map_location")
    path = os.fspath(path)
    if _is_safetensors(path):
        return _load_safetensors(path)
    _check_header(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ValueError(
                f"load: {path!r} contains pickled Python objects; refusing to load them, "
                "because unpickling can run arbitrary code. Only arrays saved by nn.save "
                "can be loaded."
            ) from None
        raise ValueError(f"load: {path!r} is a damaged .npz file ({error})") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise ValueError(f"load: {path!r} is a damaged .npz file ({error})") from None
    if STRUCTURE_KEY not in arrays:
        return arrays
    try:
        return _decode_structure(arrays)
    except (_Corrupt, RecursionError) as error:
        raise ValueError(
            f"load: {path!r} has a damaged {STRUCTURE_KEY!r} entry (the JSON description "
            f"of nested state): {error}"
        ) from None


# --- safetensors -------------------------------------------------------------------------


def _is_safetensors(path: str) -> bool:
    return path.lower().endswith(".safetensors")


def _safetensors_module(what: str) -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"{what}: .safetensors files need the safetensors package: "
            "pip install safetensors  (or pip install 'chainrule[safetensors]'); "
            "or use an .npz file name, which needs nothing more"
        ) from None
    return safetensors.numpy


def _safetensors_writer(state: dict, path: str) -> Callable[[Any], None]:
    """A writer of `state` (a flat {name: array} dict) in the safetensors format."""
    if not _is_flat(state):
        raise TypeError(
            f"save: {path!r}: a .safetensors file holds only {{name: array}} (a model's "
            "state_dict); nested state such as an optimiser's goes in an .npz file"
        )
    arrays = {name: np.ascontiguousarray(_array(value)) for name, value in state.items()}
    # the format sorts its entries; the state dict's order is kept in the text metadata
    metadata = {"format": "np", ORDER_KEY: json.dumps(list(arrays))}
    content = _safetensors_module("save").save(arrays, metadata=metadata)
    return lambda file: file.write(content)


def _load_safetensors(path: str) -> dict[str, np.ndarray]:
    """{name: array} from a safetensors file (a JSON header and raw bytes: no code)."""
    library = _safetensors_module("load")
    try:
        with open(path, "rb") as file:
            content = file.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such file: {path!r}") from None
    if not content:
        raise ValueError(f"load: {path!r} is empty (0 bytes), not a safetensors file")
    try:
        arrays = library.load(content)
    except Exception as error:  # SafetensorError and what numpy says of a bad dtype/shape
        hint = " (it is a zip archive: an .npz file? rename it)" if content[:2] == b"PK" else ""
        raise ValueError(f"load: {path!r} is not a valid safetensors file{hint}: {error}") from None
    saved = dict.fromkeys(name for name in _saved_order(content) if isinstance(name, str))
    order = [name for name in saved if name in arrays]
    if len(order) != len(arrays):  # not written by nn.save (PyTorch's): the file's order
        order = list(arrays)
    return {name: np.array(arrays[name]) for name in order}  # writable copies


def _saved_order(content: bytes) -> list:
    """The key order nn.save kept in the metadata of a valid safetensors file, or []."""
    (length,) = struct.unpack("<Q", content[:8])
    metadata = json.loads(content[8 : 8 + length]).get("__metadata__") or {}
    try:
        order = json.loads(metadata.get(ORDER_KEY, "[]"))
    except (ValueError, TypeError):
        return []
    return order if isinstance(order, list) else []


def _check_header(path: str) -> None:
    """Refuse, naming the file, what is not a zip archive before numpy guesses at it."""
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such file: {path!r}") from None
    if not head:
        raise ValueError(f"load: {path!r} is empty (0 bytes), not a file written by nn.save")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(
            f"load: {path!r} holds a single array in np.save's .npy format, not a state dict "
            "written by nn.save; read it with numpy.load"
        )
    if head.startswith(b"\x80"):
        raise ValueError(
            f"load: {path!r} is a Python pickle; refusing to load it, because unpickling "
            "can run arbitrary code. Only files written by nn.save can be loaded."
        )
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise ValueError(
            f"load: {path!r} is not a valid .npz file written by nn.save "
            f"(it starts with {head!r}, not a zip archive's signature)"
        )


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


class _Corrupt(ValueError):
    """A structure entry that `save` cannot have written (load names the file)."""


def _decode_structure(arrays: dict[str, np.ndarray]) -> Any:
    text = arrays.pop(STRUCTURE_KEY)
    if text.shape != () or text.dtype.kind != "U":
        raise _Corrupt(f"expected one string, got an array of {text.dtype} {text.shape}")
    try:
        structure = json.loads(str(text))
    except ValueError as error:  # json.JSONDecodeError
        raise _Corrupt(f"not valid JSON ({error})") from None
    state = _decode(structure, arrays)
    if not isinstance(state, dict):
        raise _Corrupt(f"the top level is a {type(state).__name__}, not a dict")
    return state


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise _Corrupt(f"expected a node like {{'array': name}}, got {_short(node)}")
    ((kind, content),) = node.items()
    if kind == "array":
        if not isinstance(content, str) or content not in arrays:
            raise _Corrupt(f"it refers to an array {_short(content)} the file does not hold")
        return arrays[content]
    if kind == "value":
        if content is not None and not isinstance(content, (bool, int, float, str)):
            raise _Corrupt(f"a value must be a number, string, bool or null: {_short(content)}")
        return content
    if kind not in ("dict", "list", "tuple"):
        raise _Corrupt(f"unknown node kind {_short(kind)}")
    if not isinstance(content, list):
        raise _Corrupt(f"{kind!r} must hold a list, got {_short(content)}")
    if kind == "dict":
        for item in content:
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not isinstance(item[0], (str, int))
                or isinstance(item[0], bool)
            ):
                raise _Corrupt(f"a dict item must be [str or int key, node]: {_short(item)}")
        return {key: _decode(item, arrays) for key, item in content}
    items = [_decode(item, arrays) for item in content]
    return tuple(items) if kind == "tuple" else items


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _write_atomically(write: Callable[[Any], None], path: str) -> None:
    """Call `write(file)` on a new temporary file in the same folder, then rename it over
    `path`.
    The file gets the permissions a plain `open(path, "wb")` would give it: those of the
    file it replaces, else 0o666 less the umask (the kernel applies it in `os.open`)."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = _create_temporary(folder)
    try:
        with os.fdopen(handle, "wb") as file:
            if os.path.exists(path):
                os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _create_temporary(folder: str) -> tuple[int, str]:
    """A new file `.tmp-<random>.npz` in `folder` (whatever the format), created
    exclusively (never an existing file) with mode 0o666 & ~umask, unlike
    `tempfile.mkstemp`'s 0o600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        name = os.path.join(folder, f".tmp-{secrets.token_hex(8)}.npz")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:  # pragma: no cover - 64 random bits taken
            continue
