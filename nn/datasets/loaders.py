"""The loaders: each data set's files (where to download them, their checksums) and the
function that fetches, reads and checks them, returning plain numpy arrays.

Only numpy and the standard library are imported here; scikit-learn is imported inside
`load_digits`. See nn/datasets/__init__.py for the overview and docs/datasets.md.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from ..flows import REYNOLDS_VALUES
from .files import DatasetIntegrityError, RemoteFile, fetch
from .formats import read_idx, read_mat

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
