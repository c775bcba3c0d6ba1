"""File formats of the data sets, read into numpy arrays: IDX (MNIST) and MATLAB v5
MAT-files (read by scipy.io.loadmat when scipy is installed, else by the reader here)."""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .files import DatasetIntegrityError

# ----------------------------------------------------------------------------- IDX

# IDX format: magic = two zero bytes, a type code, the number of dimensions; then one
# big-endian uint32 per dimension; then the values, big-endian, in row-major order.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed if the name ends in .gz) into an array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        buffer = stream.read()
    if len(buffer) < 4 or buffer[:2] != b"\x00\x00" or buffer[2] not in _IDX_DTYPES:
        raise DatasetIntegrityError(f"read_idx: {path} is not an IDX file (magic {buffer[:4]!r})")
    ndim = buffer[3]
    header = 4 + 4 * ndim
    if len(buffer) < header:
        raise DatasetIntegrityError(f"read_idx: {path} is truncated inside its header")
    dims = struct.unpack(f">{ndim}I", buffer[4:header])
    dtype = np.dtype(_IDX_DTYPES[buffer[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(buffer) - header != expected:
        raise DatasetIntegrityError(
            f"read_idx: {path} holds {len(buffer) - header} data bytes, its header "
            f"(shape {dims}, {dtype}) says {expected}: the file is truncated or damaged"
        )
    return (
        np.frombuffer(buffer, dtype=dtype, offset=header)
        .reshape(dims)
        .astype(dtype.newbyteorder("="))
    )


# ----------------------------------------------------------------------------- MAT-files

# MAT-file version 5 (MathWorks, "MAT-File Format"), just what numeric arrays need:
#   header: 116 bytes of text, 8 bytes subsystem offset, 2 bytes version, 2 bytes endian
#           indicator: b"IM" means little-endian, b"MI" big-endian;
#   then data elements: an 8-byte tag (uint32 type, uint32 byte count) and the data padded
#           to a multiple of 8 bytes; or a "small" element with byte count (<= 4) in the
#           upper 16 bits of the type word and the data in the tag's second word;
#   miCOMPRESSED: the data is a zlib stream holding one more data element;
#   miMATRIX: sub-elements array flags (uint32: class in the low byte, complex bit 0x800),
#           dimensions (int32), name (int8 text), real part, [imaginary part].
_MI_DTYPES = {
    1: "i1",
    2: "u1",
    3: "i2",
    4: "u2",
    5: "i4",
    6: "u4",
    7: "f4",
    9: "f8",
    12: "i8",
    13: "u8",
}
_MI_MATRIX, _MI_COMPRESSED = 14, 15
_MX_CLASSES = {
    1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single",
    8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32", 13: "uint32",
    14: "int64", 15: "uint64",
}  # fmt: skip
_NUMERIC_CLASSES = range(6, 16)
_COMPLEX_FLAG = 0x0800


def read_mat(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read the numeric, real arrays of a MATLAB v5 MAT-file: {name: array}.

    Arrays keep the type they are stored in (like scipy.io.loadmat; a 'double' matrix
    stored as bytes comes back uint8) and their MATLAB shape, at least 2-D. Cells, structs,
    strings, sparse and complex arrays raise an error naming the variable. Read by
    `scipy.io.loadmat` when scipy is installed (the `datasets` extra), else by the small
    reader below, which gives the same arrays."""
    path = Path(path)
    try:
        import scipy.io
    except ImportError:
        return _read_mat_v5(path)
    _check_mat_header(path, path.read_bytes()[:128])
    try:
        variables = scipy.io.loadmat(path)
    except (ValueError, TypeError, OSError, EOFError, zlib.error, NotImplementedError) as error:
        raise DatasetIntegrityError(f"read_mat: {path} is damaged: {error}") from error
    arrays = {}
    for name, value in variables.items():
        if name.startswith("__"):  # __header__, __version__, __globals__
            continue
        kind = _MAT_KINDS.get(getattr(value, "dtype", np.dtype(object)).kind)
        if kind is not None or not isinstance(value, np.ndarray):
            _refuse_mat_variable(name, path, kind or "sparse")
        arrays[name] = value
    return arrays


_MAT_KINDS = {"U": "char", "S": "char", "c": "complex", "O": "cell", "V": "struct"}


def _check_mat_header(path: Path, head: bytes) -> None:
    if len(head) < 128 or head[126:128] not in (b"IM", b"MI"):
        raise DatasetIntegrityError(f"read_mat: {path} is not a MATLAB v5 MAT-file")


def _refuse_mat_variable(name: str, path: Path, kind: str):
    raise DatasetIntegrityError(
        f"read_mat: variable {name!r} in {path} is a {kind} array; only real numeric "
        "arrays are supported (use scipy.io.loadmat for the rest)"
    )


def _read_mat_v5(path: Path) -> dict[str, np.ndarray]:
    """`read_mat` without scipy: the MAT-file v5 reader described above."""
    buffer = path.read_bytes()
    _check_mat_header(path, buffer[:128])
    order = "<" if buffer[126:128] == b"IM" else ">"
    arrays = {}
    for mi_type, data in _data_elements(buffer, 128, order, path):
        if mi_type == _MI_COMPRESSED:
            mi_type, data = next(_data_elements(zlib.decompress(data), 0, order, path))
        if mi_type != _MI_MATRIX:
            raise DatasetIntegrityError(
                f"read_mat: {path} has a top-level element of type {mi_type}"
            )
        name, array = _read_matrix(data, order, path)
        arrays[name] = array
    return arrays


def _data_elements(
    buffer: bytes, offset: int, order: str, path: Path
) -> Iterator[tuple[int, bytes]]:
    """Yield (type, data bytes) for each data element in buffer[offset:]."""
    while offset < len(buffer):
        mi_type, nbytes = struct.unpack_from(order + "II", buffer, offset)
        if mi_type >> 16:  # small element: (byte count << 16 | type), then <= 4 bytes of data
            mi_type, nbytes = mi_type & 0xFFFF, mi_type >> 16
            yield mi_type, buffer[offset + 4 : offset + 4 + nbytes]
            offset += 8
            continue
        start = offset + 8
        if start + nbytes > len(buffer):
            raise DatasetIntegrityError(f"read_mat: {path} is truncated (element at byte {offset})")
        yield mi_type, buffer[start : start + nbytes]
        padding = 0 if mi_type == _MI_COMPRESSED else -nbytes % 8  # compressed: no padding
        offset = start + nbytes + padding


def _read_matrix(data: bytes, order: str, path: Path) -> tuple[str, np.ndarray]:
    """Decode the sub-elements of a miMATRIX element into (name, array)."""
    parts = list(_data_elements(data, 0, order, path))
    if len(parts) < 4:  # flags, dimensions, name, real part
        raise DatasetIntegrityError(f"read_mat: {path} holds an incomplete or empty variable")
    flags = struct.unpack(order + "I", parts[0][1][:4])[0]
    name = parts[2][1].decode("latin-1")
    mx_class = flags & 0xFF
    if mx_class not in _NUMERIC_CLASSES or flags & _COMPLEX_FLAG:
        kind = "complex" if flags & _COMPLEX_FLAG else _MX_CLASSES.get(mx_class, str(mx_class))
        _refuse_mat_variable(name, path, kind)
    dims = np.frombuffer(parts[1][1], dtype=order + "i4")
    real_type, real_bytes = parts[3]
    values = np.frombuffer(real_bytes, dtype=order + _MI_DTYPES[real_type])
    return name, values.astype(values.dtype.newbyteorder("=")).reshape(dims, order="F")
