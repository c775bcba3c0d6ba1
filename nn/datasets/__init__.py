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

The parts, by concern:
    nn/datasets/files.py    the data folder, RemoteFile, fetch (pooch's downloader when
                            pooch is installed, else urllib), the two errors;
    nn/datasets/formats.py  read_idx (MNIST) and read_mat (MATLAB v5: scipy.io.loadmat
                            when scipy is installed, else a small reader included there);
    nn/datasets/loaders.py  each data set's files and its load_* function;
    nn/flows.py             make_vortex_streets, the synthetic stand-in of notebook 04.
Only numpy and the standard library are imported at import time; pooch, scipy and
scikit-learn are imported when they are used, and none of them is needed.
"""

from ..flows import REYNOLDS_VALUES, make_vortex_streets
from .files import (
    DATA_ENV_VAR,
    DEFAULT_ROOT,
    DOWNLOAD_TIMEOUT,
    DatasetIntegrityError,
    DatasetNotAvailable,
    RemoteFile,
    data_root,
    fetch,
)
from .formats import read_idx, read_mat
from .loaders import (
    CATS_DOGS_FILES,
    MNIST_FILES,
    NAMES_FILE,
    REYNOLDS_FILE,
    cats_dogs_image,
    load_cats_dogs,
    load_digits,
    load_mnist,
    load_names,
    load_reynolds,
)

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
