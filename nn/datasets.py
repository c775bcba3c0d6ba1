"""Data sets for the notebooks and for users, as plain numpy arrays.

    X, y = load_digits()                        # (1797, 64) float64 in 0..16, (1797,) int64
    X, y = load_mnist(subset="test")            # (10000, 784) float32 in [0, 1], (10000,) int64
    X, y = load_cats_dogs()                     # (160, 1024) float64, (160,) int64: 1 dog, 0 cat
    X, y = load_reynolds()                      # (2400, 4096) float32, (2400,) float64 Re
    X, y = make_vortex_streets(2400)            # synthetic stand-in for load_reynolds
    words = load_names()                        # 32,033 lowercase first names (makemore)

Downloaded files live in one folder: the `root=` argument, else the `CHAINRULE_DATA`
environment variable, else `~/.cache/chainrule` (see `data_root`). A file already there
is used as is (after its sha256 is checked); a missing one is downloaded once from the
data set's public source, checked, and written atomically. Offline, `DatasetNotAvailable`
names the URL and the exact path to put the file at. See docs/datasets.md.

Only numpy and the standard library are imported here; scikit-learn is imported inside
`load_digits`, scipy inside `read_mat` (MAT-files are read by `scipy.io.loadmat` when
scipy is installed, else by a small reader included here, so scipy is not needed).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DatasetIntegrityError",
    "DatasetNotAvailable",
    "RemoteFile",
    "cats_dogs_image",
    "data_root",
    "fetch",
    "load_cats_dogs",
    "load_digits",
    "load_mnist",
    "load_names",
    "load_reynolds",
    "make_vortex_streets",
    "read_idx",
    "read_mat",
]

DATA_ENV_VAR = "CHAINRULE_DATA"
DEFAULT_ROOT = "~/.cache/chainrule"
DOWNLOAD_TIMEOUT = 10.0  # seconds without an answer before a download gives up
_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- errors


class DatasetNotAvailable(FileNotFoundError):
    """A data file is not in the data folder and could not be downloaded."""


class DatasetIntegrityError(ValueError):
    """A data file is there but is not the expected one (checksum, size or contents)."""


# ----------------------------------------------------------------------------- files


@dataclass(frozen=True)
class RemoteFile:
    """A data file: its name in the data folder, where to download it, how to check it.

    `sha256` is of the file exactly as stored (the compressed bytes for .gz files); None
    when no checksum is known, in which case `size` (bytes), if given, is checked instead."""

    name: str
    urls: tuple[str, ...]
    sha256: str | None = None
    size: int | None = None


_MNIST_URL = (
    "https://raw.githubusercontent.com/kelas/mnist/283b387221ab46655e600cfcc25d843bb14292b9/"
)
MNIST_FILES = {
    "test_images": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        (_MNIST_URL + "t10k-images-idx3-ubyte.gz",),
        "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
        1648877,
    ),
    "test_labels": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        (_MNIST_URL + "t10k-labels-idx1-ubyte.gz",),
        "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
        4542,
    ),
    "train_labels": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        (_MNIST_URL + "train-labels-idx1-ubyte.gz",),
        "ec02e7948609e5754d47881c09b8afdd8dfa60600b9e5388c8c54a67069ec772",
        28881,
    ),
    # No sha256 for this mirror's copy in our checksum table (its gzip header differs from
    # the canonical file's): only the size is checked, then the IDX header and shape on load.
    "train_images": RemoteFile(
        "train-images-idx3-ubyte.gz",
        (_MNIST_URL + "train-images-idx3-ubyte.gz",),
        None,
        9912422,
    ),
}

_DATABOOK_URL = (
    "https://raw.githubusercontent.com/dynamicslab/databook_python/"
    "3a5a87375026fd2c65a3ff85c344c0d08d6f4c69/DATA/"
)
CATS_DOGS_FILES = {
    "cat_wave": RemoteFile(
        "catData_w.mat",
        (_DATABOOK_URL + "catData_w.mat",),
        "7fd12d2e62aa23853863d853297c310982883d1b2a45b7bd0fed1f8cd6b121a1",
        55000,
    ),
    "dog_wave": RemoteFile(
        "dogData_w.mat",
        (_DATABOOK_URL + "dogData_w.mat",),
        "260da17f4a3c3e159c0d28e974e2890054751b97813f3eaea5c6e17fff8ef075",
        56165,
    ),
}

NAMES_FILE = RemoteFile(
    "names.txt",
    (
        "https://raw.githubusercontent.com/karpathy/makemore/"
        "988aa59e4d8fefa526d06f3b453ad116258398d4/names.txt",
    ),
    "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
    228145,
)

# Checksum and size of this file are unknown here: load_reynolds checks keys and shapes.
REYNOLDS_FILE = RemoteFile(
    "reynolds_data.npz",
    (
        "https://raw.githubusercontent.com/williamgilpin/cphy/"
        "e2ae77cc97e1aafc8f70426e584fe33ab501f9fd/resources/reynolds_data.npz",
    ),
)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: `root` if given, else $CHAINRULE_DATA, else ~/.cache/chainrule.

    The environment variable is read on every call, so setting it late works."""
    chosen = root if root is not None else os.environ.get(DATA_ENV_VAR) or DEFAULT_ROOT
    return Path(chosen).expanduser()


def fetch(file: RemoteFile, root: str | os.PathLike | None = None, *, who: str = "fetch") -> Path:
    """Path of `file` in the data folder, downloading it first if it is not there.

    A file found in the folder is checked (sha256, else size) but never replaced: a bad
    one raises DatasetIntegrityError, to be deleted by hand. A download goes to a temporary
    file in the same folder, is checked, then renamed into place, so the folder never
    holds a partial or unchecked file. `who` names the calling loader in error messages."""
    folder = data_root(root)
    path = folder / file.name
    if not path.is_file():
        return _download(file, folder, who)
    problem = _problem(path, file)
    if problem:
        raise DatasetIntegrityError(
            f"{who}: {path.absolute()} has {problem}: it is damaged or a different version. "
            f"Delete it and call again to download it from {file.urls[0]}"
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _problem(path: Path, file: RemoteFile) -> str | None:
    """What is wrong with `path` as a copy of `file` (sha256, else size), or None."""
    if file.sha256 is not None:
        actual = _sha256(path)
        return None if actual == file.sha256 else f"sha256 {actual}, expected {file.sha256}"
    size = path.stat().st_size
    if file.size is not None and size != file.size:
        return f"{size} bytes, expected {file.size}"
    return None


def _not_available(file: RemoteFile, folder: Path, who: str, reasons: list[str]):
    urls = "\n".join(f"    {url}" for url in file.urls)
    folder = folder.absolute()
    return DatasetNotAvailable(
        f"{who}: {file.name} is not in {folder} and could not be downloaded "
        f"({'; '.join(reasons)}).\n"
        f"Download it by hand from\n{urls}\n"
        f"and save it as\n    {folder / file.name}\n"
        f"(the data folder is the root= argument, else ${DATA_ENV_VAR}, else {DEFAULT_ROOT})."
    )


def _download(file: RemoteFile, folder: Path, who: str) -> Path:
    """Download `file` into `folder` (first URL that answers), check it, rename into place."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _not_available(file, folder, who, [f"cannot create the folder: {error}"]) from error
    reasons: list[str] = []
    for url in file.urls:
        try:
            partial = _download_to_temporary(url, folder)
        except OSError as error:  # URLError, HTTPError, timeouts, refused connections, disk
            reasons.append(f"{url}: {getattr(error, 'reason', error)}")
            continue
        try:
            problem = _problem(partial, file)
            if problem:
                raise DatasetIntegrityError(
                    f"{who}: the download of {file.name} from {url} has {problem}, so it was "
                    "not saved. The source may have changed; see docs/datasets.md to "
                    f"provide the file by hand in {folder.absolute()}"
                )
            final = folder / file.name
            os.replace(partial, final)
            return final
        finally:
            partial.unlink(missing_ok=True)
    raise _not_available(file, folder, who, reasons)


def _download_to_temporary(url: str, folder: Path) -> Path:
    """Stream `url` into a new temporary file in `folder` and return its path."""
    handle, name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=folder)
    partial = Path(name)
    try:
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
        ):
            while chunk := response.read(_CHUNK):
                out.write(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


# ----------------------------------------------------------------------------- digits


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (a UCI optdigits subset), no download.

    Returns X (1797, 64) float64 with values 0..16 (row i is image i flattened row by row:
    `X[i].reshape(8, 8)`) and y (1797,) int64 in 0..9."""
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError(
            "load_digits reads the digits bundled with scikit-learn, which is not installed: "
            "pip install scikit-learn  (or pip install 'chainrule[demo]')"
        ) from error
    X, y = sklearn_load_digits(return_X_y=True)
    return X.astype(np.float64), y.astype(np.int64)


# ----------------------------------------------------------------------------- MNIST

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


def _mnist_part(images: RemoteFile, labels: RemoteFile, root, who: str):
    """Download-or-find, then read one images/labels pair: X (N, 784) float32, y (N,) int64."""
    images_path = fetch(images, root, who=who)
    labels_path = fetch(labels, root, who=who)
    X = read_idx(images_path)
    y = read_idx(labels_path)
    if X.ndim != 3 or X.shape[1:] != (28, 28) or y.shape != (len(X),):
        raise DatasetIntegrityError(
            f"{who}: {images.name} has shape {X.shape} and {labels.name} {y.shape}; "
            "expected (N, 28, 28) images and (N,) labels"
        )
    return X.reshape(len(X), 784).astype(np.float32) / np.float32(255), y.astype(np.int64)


def load_mnist(root: str | os.PathLike | None = None, subset: str = "all"):
    """MNIST handwritten digits (LeCun, Cortes, Burges; CC BY-SA 3.0), from the IDX files.

    Images come as rows X (N, 784) float32 in [0, 1] (`X[i].reshape(28, 28)`), labels as
    y (N,) int64 in 0..9.
      subset="test"  -> (X, y), N = 10000; needs only the two t10k files.
      subset="train" -> (X, y), N = 60000; needs the two train files.
      subset="all"   -> (X_train, y_train, X_test, y_test).
    Files are found or downloaded in the data folder (see `data_root`)."""
    if subset not in ("train", "test", "all"):
        raise ValueError(f"load_mnist: subset must be 'train', 'test' or 'all', got {subset!r}")
    who = f"load_mnist(subset={subset!r})"
    if subset == "test":
        return _mnist_part(MNIST_FILES["test_images"], MNIST_FILES["test_labels"], root, who)
    train = _mnist_part(MNIST_FILES["train_images"], MNIST_FILES["train_labels"], root, who)
    if subset == "train":
        return train
    test = _mnist_part(MNIST_FILES["test_images"], MNIST_FILES["test_labels"], root, who)
    return (*train, *test)


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


# ----------------------------------------------------------------------------- cats and dogs


def load_cats_dogs(root: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cats and dogs in the wavelet domain (Brunton & Kutz, Data-Driven Science and
    Engineering, 2019; all rights reserved, downloaded from the book's repository).

    Returns X (160, 1024) float64, one image per row, dogs (rows 0..79) then cats (rows
    80..159), integer values 2..127; y (160,) int64 class labels, 1 = dog, 0 = cat (ready
    for CrossEntropyLoss). The book's labels are `2 * y - 1` (dog +1, cat -1) and it trains
    on the first 60 of each class. `cats_dogs_image(X[i])` gives the 32x32 picture."""
    who = "load_cats_dogs"
    animals = []
    for variable in ("dog_wave", "cat_wave"):
        path = fetch(CATS_DOGS_FILES[variable], root, who=who)
        columns = read_mat(path).get(variable)
        if columns is None or columns.shape != (1024, 80):
            found = None if columns is None else columns.shape
            raise DatasetIntegrityError(
                f"{who}: {path} should hold {variable} of shape (1024, 80), found {found}"
            )
        animals.append(columns.T.astype(np.float64))  # MATLAB column = one image
    X = np.concatenate(animals)
    y = np.repeat(np.array([1, 0], dtype=np.int64), 80)
    return X, y


def cats_dogs_image(x: np.ndarray) -> np.ndarray:
    """Rows of `load_cats_dogs` X as pictures: (1024,) -> (32, 32), (n, 1024) -> (n, 32, 32).

    The images were flattened column by column (MATLAB order), so this equals
    `x.reshape(32, 32, order="F")` for one row."""
    x = np.asarray(x)
    if x.shape[-1:] != (1024,):
        raise ValueError(f"cats_dogs_image: expected rows of 1024 values, got shape {x.shape}")
    return x.reshape(*x.shape[:-1], 32, 32).swapaxes(-1, -2)


# ----------------------------------------------------------------------------- names


def load_names(root: str | os.PathLike | None = None) -> list[str]:
    """The 32,033 first names of Karpathy's makemore repository (MIT licence), the data
    set of character-level language-model lessons.

    Returns a list of str, one name a line in file order, each lowercase a-z (2 to 15
    letters). The file's sha256 is checked when it is fetched."""
    who = "load_names"
    path = fetch(NAMES_FILE, root, who=who)
    words = path.read_text(encoding="ascii", errors="replace").split()
    if len(words) != 32033 or not all(word.isascii() and word.isalpha() for word in words):
        raise DatasetIntegrityError(
            f"{who}: {path} should hold 32,033 names of letters a-z, one a line; "
            f"found {len(words)} lines"
        )
    return words


# ----------------------------------------------------------------------------- Reynolds

REYNOLDS_VALUES = (300, 600, 900, 1200)


def load_reynolds(root: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vorticity snapshots of flow past a cylinder at four Reynolds numbers (W. Gilpin's
    cphy course, Apache-2.0), for regressing or classifying Re from an image.

    Returns X (2400, 4096) float32, one 64x64 snapshot per row (`X[i].reshape(64, 64)`),
    and y (2400,) float64 with values in {300, 600, 900, 1200}. The file has no known
    checksum here, so its keys, shapes and labels are checked instead. If it cannot be
    had, `make_vortex_streets` makes a synthetic stand-in of the same shape."""
    who = "load_reynolds"
    path = fetch(REYNOLDS_FILE, root, who=who)
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = archive.files
            arrays = {key: archive[key] for key in ("X", "y") if key in names}
    except (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise DatasetIntegrityError(
            f"{who}: cannot read {path} as a .npz archive: {error}"
        ) from error
    if len(arrays) != 2:
        raise DatasetIntegrityError(f"{who}: {path} should hold arrays X and y, has {names}")
    X, y = arrays["X"], arrays["y"]
    unexpected = set(np.unique(y).tolist()) - set(REYNOLDS_VALUES)
    if X.shape[:1] != (2400,) or X.size != 2400 * 4096 or y.size != 2400 or unexpected:
        raise DatasetIntegrityError(
            f"{who}: {path} holds X {X.shape} and y {y.shape} (labels outside "
            f"{REYNOLDS_VALUES}: {sorted(unexpected)}); expected X (2400, 4096), y (2400,)"
        )
    return X.reshape(2400, 4096).astype(np.float32), y.reshape(2400).astype(np.float64)


# ----------------------------------------------------------------------------- vortex streets

# A Karman vortex street behind a cylinder, drawn rather than simulated. Lengths are in
# cylinder diameters D, speeds in the free-stream speed U, vorticity in U / D, time in
# shedding periods. The cylinder sits at the origin; a picture covers x in [-1, 11] (left
# to right) and y in [3, -3] (top to bottom), stretched onto a square grid.
_X_RANGE, _Y_HALF = (-1.0, 11.0), 3.0
_PERIODS = 40.0  # length of the flow history each Reynolds number's snapshots come from
_CONVECTION = 0.85  # vortices travel downstream at 0.85 U
_CIRCULATION = 2.0  # of each shed vortex, in U D
_CORE = 0.3  # core radius of a newly shed vortex
_EDDY_VISCOSITY = 2.0  # cores grow like r^2 = r0^2 + 4 (2 / Re) t
_DRIFT = 0.15  # how far (D per period of age, times disorder) vortices stray off the street
_STRENGTH_SPREAD = 0.15  # relative spread of vortex circulations, times disorder
_TURBULENCE = 1.0  # rms of the small-scale wake vorticity, times disorder and peak
_EDDY_BAND = (0.5, 2.0)  # wavenumbers of the small eddies, cycles per D
_FLAP, _WANDER = 0.4, 0.15  # shear-layer flapping amplitude, separation-point wander (D)
_SENSOR_NOISE = 0.02  # rms of per-pixel noise, times the peak vortex vorticity
_PEAK = _CIRCULATION / (np.pi * _CORE**2)  # vorticity at the centre of a new vortex


def make_vortex_streets(
    n: int, reynolds: Sequence[float] = REYNOLDS_VALUES, size: int = 64, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic vorticity snapshots of the wake behind a cylinder, a stand-in for
    `load_reynolds`: a regular vortex street at low Re that grows disordered as Re rises.

    Returns X (n, size * size) float32 (row i is `X[i].reshape(size, size)`, flow from left
    to right) and y (n,) float64, the Reynolds numbers: `reynolds` repeated evenly, shuffled.
    Like the real data, the snapshots of one Reynolds number are moments of one flow
    history (random times within 40 shedding periods), so they share its vortices and
    eddies; each also gets its own sensor noise. What depends on Re:
      * street wavelength a = 0.85 / St with Strouhal St = 0.212 (1 - 21.2 / Re) (Roshko),
        rows h = 0.281 a apart (von Karman), formation length 1 + 300 / Re;
      * Lamb-Oseen vortex cores r^2 = 0.3^2 + 8 t / Re, growing with age t, faster at low Re;
      * shear layers from the cylinder about 2 / sqrt(Re) thick (sharper at high Re);
      * disorder (Re - 200) / 1000: vortices stray off the street and vary in strength,
        and small eddies (frozen turbulence carried downstream) fill the wake, all in
        proportion to it.
    Circulations do not depend on Re, so a linear model sees only part of the signal; the
    rest is in how peaked and how rough the field is. Deterministic given `seed`."""
    values = np.asarray(reynolds, dtype=np.float64).reshape(-1)
    if n < 1:
        raise ValueError(f"make_vortex_streets: n must be at least 1, got {n}")
    if size < 8:
        raise ValueError(f"make_vortex_streets: size must be at least 8 pixels, got {size}")
    if values.size == 0 or not np.all(values > 21.2):
        raise ValueError(
            "make_vortex_streets: reynolds must be numbers above 21.2 (no street below), "
            f"got {tuple(reynolds)}"
        )
    rng = np.random.default_rng(seed)
    re = rng.permutation(np.resize(values, n))
    time = rng.uniform(0.0, _PERIODS, n)  # when each snapshot is taken, in periods
    x = np.linspace(*_X_RANGE, size)
    y = np.linspace(_Y_HALF, -_Y_HALF, size)  # image rows run from top to bottom
    omega = np.empty((n, size, size))
    for value in np.unique(values):  # one flow history per Reynolds number
        taken = re == value
        omega[taken] = (
            _street(value, time[taken], x, y, rng)
            + _shear_layers(value, time[taken], x, y, rng)
            + _wake_turbulence(value, time[taken], x, y, rng)
        )
    omega += _SENSOR_NOISE * _PEAK * rng.standard_normal(omega.shape)
    omega[:, np.hypot(x[None, :], y[:, None]) < 0.5] = 0.0  # inside the cylinder
    return omega.reshape(n, size * size).astype(np.float32), re


def _disorder(re: float) -> float:
    return max(re - 200.0, 0.0) / 1000.0


def _wavelength(re: float) -> float:
    """Street wavelength a = U_vortex / f = 0.85 D / St, with Roshko's Strouhal number."""
    return _CONVECTION / (0.212 * (1.0 - 21.2 / re))


def _formation_length(re: float) -> float:
    return 1.0 + 300.0 / re


def _street(re: float, time: np.ndarray, x, y, rng) -> np.ndarray:
    """Two staggered rows of Lamb-Oseen vortices at the given times, (m, size, size).

    Vortex j of the top row is shed at time j, of the bottom row at j + 1/2; it keeps its
    own random drift direction and strength for its whole life."""
    spacing, start, disorder = _wavelength(re), _formation_length(re), _disorder(re)
    per_row = int(np.ceil((x[-1] - x[0]) / spacing)) + 2
    oldest = -per_row - 1  # lowest vortex number on screen at time 0
    count = int(_PERIODS) + 2 - oldest
    drift = _DRIFT * disorder * rng.standard_normal((2, 2, count))  # (x/y, row, vortex)
    strength = 1.0 + _STRENGTH_SPREAD * disorder * rng.standard_normal((2, count))
    number = np.floor(time)[:, None] - np.arange(per_row)  # (m, per_row), youngest first
    number = np.concatenate([number, number], axis=1)  # top row, then bottom row
    row = np.repeat([0, 1], per_row)
    age = time[:, None] - number - 0.5 * row  # in periods; negative: still forming
    index = (number - oldest).astype(int)
    centres_x = start + age * spacing + age * drift[0, row, index]
    centres_y = np.where(row == 0, 0.5, -0.5) * 0.281 * spacing + age * drift[1, row, index]
    sign = np.where(row == 0, -1.0, 1.0)  # top row turns clockwise
    circulation = sign * _CIRCULATION * strength[row, index] * (age > -0.5)
    age_time = np.clip(age, 0.0, None) * spacing / _CONVECTION  # in D / U
    core2 = _CORE**2 + 4.0 * _EDDY_VISCOSITY * age_time / re  # (m, vortices)
    # exp(-(dx^2 + dy^2) / r^2) = exp(-dx^2 / r^2) exp(-dy^2 / r^2): a sum of vortices is
    # a batched matrix product of their y and x profiles
    across = np.exp(-((y - centres_y[..., None]) ** 2) / core2[..., None])  # (m, vortices, size)
    along = np.exp(-((x - centres_x[..., None]) ** 2) / core2[..., None])
    peak = circulation / (np.pi * core2)
    return np.matmul((across * peak[..., None]).swapaxes(1, 2), along)


def _shear_layers(re: float, time: np.ndarray, x, y, rng) -> np.ndarray:
    """Thin vorticity sheets from the cylinder's top and bottom, (m, size, size).

    Each carries the velocity jump U, so its vorticity integrates to 1 across it whatever
    its thickness delta ~ 2 / sqrt(Re): thinner layers are taller, not stronger overall.
    They flap with the shedding; their separation points wander at random."""
    downstream = np.clip(x, 0.0, None)  # (size,)
    reach = _formation_length(re)
    delta = 2.0 / np.sqrt(re) * np.sqrt(1.0 + downstream)
    fade = np.exp(-((downstream / reach) ** 2)) * (x >= 0.0)
    flap = _FLAP * np.sin(2 * np.pi * time)[:, None, None] * downstream / reach
    layers = np.zeros((len(time), len(y), len(x)))
    for side in (1.0, -1.0):  # top layer turns clockwise, bottom one counter-clockwise
        wander = _WANDER * rng.uniform(-1.0, 1.0, (len(time), 1, 1))
        centre = side * (0.5 + 0.1 * downstream) + flap + wander
        profile = np.exp(-(((y[:, None] - centre) / delta) ** 2)) / (np.sqrt(np.pi) * delta)
        layers -= side * fade * profile
    return layers


def _wake_turbulence(re: float, time: np.ndarray, x, y, rng) -> np.ndarray:
    """Small eddies in the wake, (m, size, size): one long strip of band-passed noise per
    flow, carried downstream with the vortices (Taylor's frozen turbulence), its rms
    growing with disorder and with distance from the cylinder."""
    size, dx = len(x), x[1] - x[0]
    shift = time * _wavelength(re) / dx  # pixels travelled by each snapshot's time
    width = size + int(np.ceil(_PERIODS * _wavelength(re) / dx)) + 2
    kx = np.fft.rfftfreq(width, d=dx)[None, :]  # cycles per D
    ky = np.fft.fftfreq(size, d=y[0] - y[1])[:, None]
    band = (np.hypot(kx, ky) > _EDDY_BAND[0]) & (np.hypot(kx, ky) < _EDDY_BAND[1])
    strip = np.fft.irfft2(np.fft.rfft2(rng.standard_normal((size, width))) * band, s=(size, width))
    strip /= strip.std()
    first = width - size - 1 - shift  # the strip moves right as time goes on
    left = np.floor(first).astype(int)[:, None] + np.arange(size)  # (m, size) columns
    weight = (first - np.floor(first))[:, None, None]
    at_left, at_right = strip[:, left].swapaxes(0, 1), strip[:, left + 1].swapaxes(0, 1)
    eddies = (1 - weight) * at_left + weight * at_right  # (m, size, size)
    wake = np.exp(-(y[:, None] ** 2)) * np.clip(x[None, :], 0.0, None) / x[-1]
    return _TURBULENCE * _PEAK * _disorder(re) * wake * eddies
