"""nn.datasets: the data folder, downloads (checked, atomic, failing fast and clearly
offline; by urllib and by pooch's downloader), the IDX and MAT-file readers, the loaders
on the local files when present (the vortex streets: test_flows.py)."""

import gzip
import hashlib
import io
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from nn import datasets
from nn.datasets import (
    DatasetIntegrityError,
    DatasetNotAvailable,
    RemoteFile,
    cats_dogs_image,
    data_root,
    fetch,
    files,
    load_cats_dogs,
    load_digits,
    load_mnist,
    load_names,
    load_reynolds,
    loaders,
    read_idx,
    read_mat,
)

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def local_file(name: str) -> Path:
    """Path of a data file in the data folder ($CHAINRULE_DATA in CI), or skip the test."""
    path = data_root() / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the data folder {data_root()} (set CHAINRULE_DATA)")
    return path


@pytest.fixture(autouse=True)
def urllib_path(monkeypatch):
    """Downloads go through urllib.request.urlopen, which the tests below replace; the
    tests of pooch's downloader set files.use_pooch back to True themselves."""
    monkeypatch.setattr(files, "use_pooch", False)


@pytest.fixture
def offline(monkeypatch):
    """urlopen fails as it does without network; the list records the URLs asked for."""
    asked = []

    def refuse(url, timeout=None):
        asked.append(url)
        raise urllib.error.URLError("no network in this test")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return asked


def serve(monkeypatch, payload: bytes):
    """urlopen answers every URL with `payload`."""
    asked = []

    def answer(url, timeout=None):
        asked.append((url, timeout))
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", answer)
    return asked


def remote(payload: bytes, name="thing.bin", url="https://example.invalid/thing.bin"):
    return RemoteFile(name, (url,), hashlib.sha256(payload).hexdigest(), len(payload))


# ----------------------------------------------------------------------------- data folder


def test_data_root_prefers_argument_then_env_var_then_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    assert data_root() == Path("~/.cache/chainrule").expanduser()
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "env"))  # read at call time
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert data_root("~/x") == Path.home() / "x"


def test_loaders_use_env_var_set_after_import(monkeypatch, tmp_path, offline):
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path))
    with pytest.raises(DatasetNotAvailable) as error:
        load_mnist(subset="test")
    assert str(tmp_path / "t10k-images-idx3-ubyte.gz") in str(error.value)


# ----------------------------------------------------------------------------- fetch


def test_fetch_uses_a_good_local_file_without_network(tmp_path, offline):
    payload = b"local bytes"
    (tmp_path / "thing.bin").write_bytes(payload)
    assert fetch(remote(payload), tmp_path) == tmp_path / "thing.bin"
    assert offline == []


def test_fetch_rejects_a_local_file_with_the_wrong_sha256(tmp_path, offline):
    (tmp_path / "thing.bin").write_bytes(b"tampered!!!")
    file = remote(b"local bytes")
    with pytest.raises(DatasetIntegrityError, match="sha256") as error:
        fetch(file, tmp_path, who="load_thing")
    message = str(error.value)
    assert "load_thing" in message and file.sha256 in message and "Delete" in message
    assert (tmp_path / "thing.bin").read_bytes() == b"tampered!!!"  # never replaced silently
    assert offline == []


def test_fetch_checks_size_when_no_sha256_is_known(tmp_path, offline):
    (tmp_path / "thing.bin").write_bytes(b"12345")
    assert fetch(RemoteFile("thing.bin", ("https://x.invalid/a",), None, 5), tmp_path)
    with pytest.raises(DatasetIntegrityError, match="5 bytes, expected 6"):
        fetch(RemoteFile("thing.bin", ("https://x.invalid/a",), None, 6), tmp_path)


def test_fetch_downloads_checks_and_writes_once(tmp_path, monkeypatch):
    payload = os.urandom(3 * 2**20 + 17)  # several read chunks
    asked = serve(monkeypatch, payload)
    folder = tmp_path / "new" / "folder"  # created on demand
    path = fetch(remote(payload), folder)
    assert path == folder / "thing.bin" and path.read_bytes() == payload
    assert asked == [("https://example.invalid/thing.bin", datasets.DOWNLOAD_TIMEOUT)]
    assert datasets.DOWNLOAD_TIMEOUT <= 30
    assert sorted(p.name for p in folder.iterdir()) == ["thing.bin"]  # no temporary left
    fetch(remote(payload), folder)
    assert len(asked) == 1  # cached: not downloaded again


def test_fetch_discards_a_download_with_the_wrong_sha256(tmp_path, monkeypatch):
    serve(monkeypatch, b"what the server sent")
    with pytest.raises(DatasetIntegrityError, match="download of thing.bin from https://example"):
        fetch(remote(b"what we expected"), tmp_path)
    assert list(tmp_path.iterdir()) == []  # atomic: nothing half-written left behind


def test_an_interrupted_download_leaves_nothing_behind(tmp_path, monkeypatch):
    class Dropped(io.BytesIO):
        def read(self, size=-1):
            if self.tell():
                raise ConnectionResetError("connection reset by peer")
            return super().read(10)

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Dropped(b"x" * 99))
    with pytest.raises(DatasetNotAvailable, match="connection reset by peer"):
        fetch(remote(b"x" * 99), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_fetch_tries_the_next_url(tmp_path, monkeypatch):
    payload = b"from the mirror"

    def urlopen(url, timeout=None):
        if "first" in url:
            raise urllib.error.HTTPError(url, 404, "Not Found", None, None)
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    file = RemoteFile("m.bin", ("https://first.invalid/m", "https://second.invalid/m"),
                      hashlib.sha256(payload).hexdigest())  # fmt: skip
    assert fetch(file, tmp_path).read_bytes() == payload


def test_offline_error_names_every_url_and_the_exact_path(tmp_path, offline):
    file = RemoteFile("m.bin", ("https://first.invalid/m", "https://second.invalid/m"), "0" * 64)
    with pytest.raises(DatasetNotAvailable) as error:
        fetch(file, tmp_path, who="load_m")
    message = str(error.value)
    assert isinstance(error.value, FileNotFoundError)
    assert offline == list(file.urls)
    assert "load_m" in message and "no network in this test" in message
    assert "https://first.invalid/m" in message and "https://second.invalid/m" in message
    assert str(tmp_path.absolute() / "m.bin") in message
    assert list(tmp_path.iterdir()) == []


def test_offline_error_shows_an_absolute_folder_for_a_relative_root(tmp_path, monkeypatch, offline):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetNotAvailable) as error:
        fetch(remote(b"x"), "relative/data")
    assert f"save it as\n    {tmp_path / 'relative' / 'data' / 'thing.bin'}\n" in str(error.value)


def test_real_urlopen_fails_fast_and_clearly(tmp_path):
    # port 9 on localhost refuses at once: no network needed, urllib really runs
    file = RemoteFile("m.bin", ("http://127.0.0.1:9/m.bin",), "0" * 64)
    start = time.perf_counter()
    with pytest.raises(DatasetNotAvailable, match=r"http://127\.0\.0\.1:9/m\.bin"):
        fetch(file, tmp_path)
    assert time.perf_counter() - start < 5
    assert list(tmp_path.iterdir()) == []


def test_uncreatable_folder_is_reported_as_not_available(tmp_path, offline):
    (tmp_path / "a_file").write_text("not a folder")
    with pytest.raises(DatasetNotAvailable, match="cannot create the folder"):
        fetch(remote(b"x"), tmp_path / "a_file" / "sub")


@pytest.mark.parametrize(
    ("load", "names"),
    [
        (lambda root: load_mnist(root, subset="test"), ["t10k-images-idx3-ubyte.gz"]),
        (lambda root: load_mnist(root, subset="train"), ["train-images-idx3-ubyte.gz"]),
        (lambda root: load_cats_dogs(root), ["dogData_w.mat"]),
        (lambda root: load_reynolds(root), ["reynolds_data.npz"]),
        (lambda root: load_names(root), ["names.txt"]),
    ],
)
def test_each_downloader_names_its_source_and_folder_offline(tmp_path, offline, load, names):
    with pytest.raises(DatasetNotAvailable) as error:
        load(tmp_path)
    message = str(error.value)
    for name in names:
        assert str(tmp_path.absolute() / name) in message
    assert offline and all(url.startswith("https://raw.githubusercontent.com/") for url in offline)
    assert offline[0] in message and offline[0].endswith(names[0])


def test_reynolds_error_without_the_file_points_to_the_cphy_repository(tmp_path, offline):
    with pytest.raises(DatasetNotAvailable, match="williamgilpin/cphy/.*reynolds_data.npz"):
        load_reynolds(tmp_path)


# ----------------------------------------------------------------------------- digits


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and set(np.unique(y)) == set(range(10))


def test_load_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_digits()


# ----------------------------------------------------------------------------- IDX / MNIST


def write_idx(path: Path, array: np.ndarray, code: int = 0x08) -> None:
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    body = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(body) if path.suffix == ".gz" else body)


@pytest.mark.parametrize(
    ("dtype", "code"), [(np.uint8, 0x08), (np.int16, 0x0B), (np.float64, 0x0E)]
)
def test_read_idx_round_trip(tmp_path, dtype, code):
    array = (np.arange(2 * 3 * 5) * 3 % 251).astype(dtype).reshape(2, 3, 5)
    for name in ("a.idx", "a.idx.gz"):
        write_idx(tmp_path / name, array, code)
        read = read_idx(tmp_path / name)
        assert read.shape == (2, 3, 5) and read.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(read, array)


def test_read_idx_rejects_bad_magic_and_truncation(tmp_path):
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x08\x01" + bytes(8))
    with pytest.raises(DatasetIntegrityError, match="not an IDX file"):
        read_idx(tmp_path / "bad.idx")
    (tmp_path / "cut.idx").write_bytes(b"\x00\x00\x08\x03" + bytes(6))  # 3 dims need 12 bytes
    with pytest.raises(DatasetIntegrityError, match="truncated inside its header"):
        read_idx(tmp_path / "cut.idx")
    write_idx(tmp_path / "short.idx", np.zeros((4, 4), np.uint8))
    data = (tmp_path / "short.idx").read_bytes()
    (tmp_path / "short.idx").write_bytes(data[:-3])
    with pytest.raises(DatasetIntegrityError, match="truncated"):
        read_idx(tmp_path / "short.idx")


def test_load_mnist_rejects_unknown_subset():
    with pytest.raises(ValueError, match="'train', 'test' or 'all'"):
        load_mnist(subset="validation")


def test_load_mnist_test_set_from_local_files():
    local_file("t10k-images-idx3-ubyte.gz")
    local_file("t10k-labels-idx1-ubyte.gz")
    X, y = load_mnist(subset="test")
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == MNIST_TEST_COUNTS
    assert 0.1 < X.mean() < 0.15  # ink covers about 13% of MNIST


def test_load_mnist_test_works_with_only_the_test_files(tmp_path, offline):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).symlink_to(local_file(name).absolute())
    X, y = load_mnist(tmp_path, subset="test")
    assert X.shape == (10000, 784) and np.bincount(y).tolist() == MNIST_TEST_COUNTS
    assert offline == []
    for subset in ("train", "all"):
        with pytest.raises(DatasetNotAvailable, match="train-images-idx3-ubyte.gz"):
            load_mnist(tmp_path, subset=subset)


def test_train_labels_from_local_file_have_the_canonical_counts():
    labels = read_idx(local_file("train-labels-idx1-ubyte.gz"))
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert labels.shape == (60000,) and np.bincount(labels).tolist() == counts


def test_load_mnist_train_and_all_with_planted_files(tmp_path, monkeypatch):
    # stand-in train images/labels with our own checksums, real test files if present
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5, 9], np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    files = dict(datasets.MNIST_FILES)
    for key, name in (("train_images", "train-images"), ("train_labels", "train-labels")):
        path = next(tmp_path.glob(name + "*"))
        files[key] = RemoteFile(path.name, ("https://x.invalid/",), None, path.stat().st_size)
    monkeypatch.setattr(loaders, "MNIST_FILES", files)
    X, y = load_mnist(tmp_path, subset="train")
    assert X.shape == (6, 784) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X * 255, images.reshape(6, 784))
    np.testing.assert_array_equal(y, labels)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).symlink_to(local_file(name).absolute())
    X_train, y_train, X_test, y_test = load_mnist(tmp_path, subset="all")
    assert X_train.shape == (6, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (6,) and y_test.shape == (10000,)


def test_mnist_shape_mismatch_is_reported(tmp_path, monkeypatch):
    write_idx(tmp_path / "i.gz", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "l.gz", np.zeros(4, np.uint8))
    files = dict(datasets.MNIST_FILES)
    files["test_images"] = RemoteFile("i.gz", ("https://x.invalid/i",))
    files["test_labels"] = RemoteFile("l.gz", ("https://x.invalid/l",))
    monkeypatch.setattr(loaders, "MNIST_FILES", files)
    with pytest.raises(DatasetIntegrityError, match=r"\(3, 28, 28\).*\(4,\)"):
        load_mnist(tmp_path, subset="test")


# ----------------------------------------------------------------------------- MAT-files


@pytest.mark.parametrize("compress", [False, True])
def test_read_mat_matches_scipy_on_written_files(tmp_path, compress):
    sio = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(1)
    variables = {
        "a": rng.standard_normal((3, 4)),  # short name: a "small" data element
        "counts_matrix": rng.integers(0, 200, (5, 2)).astype(np.uint8),
        "single": rng.standard_normal((2, 3, 4)).astype(np.float32),
        "ints": rng.integers(-1000, 1000, (7, 1)).astype(np.int32),
        "vector": np.arange(5.0),
        "empty": np.zeros((0, 3)),
    }
    sio.savemat(tmp_path / "v.mat", variables, do_compression=compress)
    ours, theirs = read_mat(tmp_path / "v.mat"), sio.loadmat(tmp_path / "v.mat")
    assert set(ours) == set(variables)
    for name, value in ours.items():
        assert value.dtype == theirs[name].dtype and value.shape == theirs[name].shape, name
        np.testing.assert_array_equal(value, theirs[name])


def test_read_mat_refuses_what_it_does_not_read(tmp_path):
    sio = pytest.importorskip("scipy.io")
    sio.savemat(tmp_path / "s.mat", {"label": "a string"})
    with pytest.raises(DatasetIntegrityError, match="'label'.*char"):
        read_mat(tmp_path / "s.mat")
    sio.savemat(tmp_path / "c.mat", {"z": np.array([1 + 2j])})
    with pytest.raises(DatasetIntegrityError, match="'z'.*complex"):
        read_mat(tmp_path / "c.mat")
    (tmp_path / "n.mat").write_bytes(b"not a mat file" * 20)
    with pytest.raises(DatasetIntegrityError, match="not a MATLAB v5"):
        read_mat(tmp_path / "n.mat")


@pytest.mark.parametrize(
    ("name", "variable"), [("catData_w.mat", "cat_wave"), ("dogData_w.mat", "dog_wave")]
)
def test_read_mat_equals_scipy_on_the_book_files(name, variable):
    path = local_file(name)
    sio = pytest.importorskip("scipy.io")
    ours, theirs = read_mat(path)[variable], sio.loadmat(path)[variable]
    assert ours.shape == (1024, 80) and ours.dtype == theirs.dtype == np.uint8
    np.testing.assert_array_equal(ours, theirs)


def test_load_cats_dogs_from_local_files():
    local_file("catData_w.mat")
    local_file("dogData_w.mat")
    X, y = load_cats_dogs()
    assert X.shape == (160, 1024) and X.dtype == np.float64
    assert y.shape == (160,) and y.dtype == np.int64
    assert y[:80].tolist() == [1] * 80 and y[80:].tolist() == [0] * 80
    dogs, cats = X[:80], X[80:]
    assert (dogs.min(), dogs.max()) == (2, 127) and (cats.min(), cats.max()) == (2, 118)
    np.testing.assert_array_equal(X, np.round(X))
    sio = pytest.importorskip("scipy.io")
    book_cats = sio.loadmat(data_root() / "catData_w.mat")["cat_wave"].astype(np.float64)
    book_dogs = sio.loadmat(data_root() / "dogData_w.mat")["dog_wave"].astype(np.float64)
    np.testing.assert_array_equal(X, np.concatenate([book_dogs, book_cats], axis=1).T)
    np.testing.assert_array_equal(
        cats_dogs_image(X[80]), book_cats[:, 0].reshape(32, 32, order="F")
    )


def test_load_names_from_the_local_file():
    local_file("names.txt")
    words = load_names()
    assert len(words) == 32033 and words[:3] == ["emma", "olivia", "ava"]
    assert set("".join(words)) == set("abcdefghijklmnopqrstuvwxyz")
    assert min(map(len, words)) == 2 and max(map(len, words)) == 15


def test_load_names_downloads_checks_and_refuses_other_contents(tmp_path, monkeypatch):
    good = "\n".join(["emma", "olivia"] * 16016 + ["ava"]).encode() + b"\n"
    monkeypatch.setattr(
        loaders,
        "NAMES_FILE",
        RemoteFile("names.txt", ("https://example.invalid/names.txt",), None, len(good)),
    )
    asked = serve(monkeypatch, good)
    assert load_names(tmp_path)[:3] == ["emma", "olivia", "emma"]
    assert len(asked) == 1 and (tmp_path / "names.txt").read_bytes() == good
    (tmp_path / "names.txt").write_bytes(good.replace(b"ava", b"a1a"))
    with pytest.raises(DatasetIntegrityError, match="32,033 names"):
        load_names(tmp_path)


def test_names_file_is_the_makemore_commit():
    assert datasets.NAMES_FILE.urls[0].endswith(
        "karpathy/makemore/988aa59e4d8fefa526d06f3b453ad116258398d4/names.txt"
    )
    assert datasets.NAMES_FILE.sha256.startswith("0a30b5557f19")


def test_cats_dogs_image_is_column_major():
    rows = np.arange(3 * 1024.0).reshape(3, 1024)
    np.testing.assert_array_equal(cats_dogs_image(rows[1]), rows[1].reshape(32, 32, order="F"))
    batch = cats_dogs_image(rows)
    assert batch.shape == (3, 32, 32)
    np.testing.assert_array_equal(batch[2], rows[2].reshape(32, 32, order="F"))
    with pytest.raises(ValueError, match="1024"):
        cats_dogs_image(np.zeros(1000))


# ----------------------------------------------------------------------------- Reynolds


def plant_reynolds(folder: Path, **arrays) -> None:
    np.savez(folder / "reynolds_data.npz", **arrays)


def test_load_reynolds_reads_and_checks_a_planted_file(tmp_path, offline):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((2400, 64, 64))
    y = np.repeat([300, 600, 900, 1200], 600)
    plant_reynolds(tmp_path, X=X, y=y)
    X_read, y_read = load_reynolds(tmp_path)
    assert X_read.shape == (2400, 4096) and X_read.dtype == np.float32
    assert y_read.shape == (2400,) and y_read.dtype == np.float64
    np.testing.assert_allclose(X_read, X.reshape(2400, 4096).astype(np.float32))
    np.testing.assert_array_equal(y_read, y)
    assert offline == []


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((2400, 4096))}, "should hold arrays X and y"),
        ({"X": np.zeros((10, 4096)), "y": np.full(10, 300)}, r"X \(10, 4096\)"),
        ({"X": np.zeros((2400, 4096)), "y": np.full(2400, 301)}, r"\[301\]"),
        ({"X": np.array([{"a": 1}], dtype=object), "y": np.zeros(1)}, "cannot read"),
        ({"X": np.zeros((2400, 4096)), "y": np.full((2400, 1), 600)}, None),  # column y: fine
    ],
)
def test_load_reynolds_checks_contents(tmp_path, offline, arrays, message):
    plant_reynolds(tmp_path, **arrays)
    if message is None:
        assert load_reynolds(tmp_path)[1].shape == (2400,)
        return
    with pytest.raises(DatasetIntegrityError, match=message):
        load_reynolds(tmp_path)


def test_load_reynolds_rejects_a_file_that_is_not_npz(tmp_path, offline):
    np.save(tmp_path / "plain.npy", np.zeros(3))
    (tmp_path / "plain.npy").rename(tmp_path / "reynolds_data.npz")
    with pytest.raises(DatasetIntegrityError, match="cannot read"):
        load_reynolds(tmp_path)
    (tmp_path / "reynolds_data.npz").write_bytes(b"garbage")
    with pytest.raises(DatasetIntegrityError, match="cannot read"):
        load_reynolds(tmp_path)


def test_load_reynolds_from_the_data_folder_when_present():
    local_file("reynolds_data.npz")
    X, y = load_reynolds()
    assert X.shape == (2400, 4096) and set(np.unique(y)) == {300, 600, 900, 1200}
    assert np.isfinite(X).all() and X.std() > 0


def test_package_imports_only_numpy_and_the_standard_library():
    code = (
        "import sys\n"
        "import nn.datasets\n"
        "heavy = [m for m in ('sklearn', 'scipy', 'matplotlib', 'torch', 'pooch', 'requests')\n"
        "         if m in sys.modules]\n"
        "print(heavy)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "[]"


def test_the_parts_live_where_the_docs_say_and_nn_datasets_names_them_all():
    from nn import flows
    from nn.datasets import formats

    assert (
        datasets.fetch is files.fetch and datasets.DatasetNotAvailable is files.DatasetNotAvailable
    )
    assert datasets.read_idx is formats.read_idx and datasets.read_mat is formats.read_mat
    assert datasets.load_mnist is loaders.load_mnist and datasets.MNIST_FILES is loaders.MNIST_FILES
    assert datasets.make_vortex_streets is flows.make_vortex_streets
    assert all(hasattr(datasets, name) for name in datasets.__all__)


# ----------------------------------------------------------------------------- pooch


@pytest.fixture
def pooch_path(monkeypatch):
    """Downloads go through pooch.HTTPDownloader, replaced by a fake that serves the
    payload set in `served` (or raises it when it is an exception) and records each call;
    urlopen fails loudly if it is used."""
    pooch = pytest.importorskip("pooch", reason="pooch is not installed (the datasets extra)")
    monkeypatch.setattr(files, "use_pooch", True)
    served, calls = {}, []

    class FakeDownloader:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def __call__(self, url, output_file, pooch_instance):
            calls.append((url, self.kwargs, pooch_instance))
            answer = served.get(url, served.get("*"))
            if isinstance(answer, BaseException):
                raise answer
            output_file.write(answer)

    def no_urlopen(*args, **kwargs):
        raise AssertionError("urllib was used although pooch is installed")

    monkeypatch.setattr(pooch, "HTTPDownloader", FakeDownloader)
    monkeypatch.setattr(urllib.request, "urlopen", no_urlopen)
    return served, calls


def test_pooch_downloads_then_chainrule_checks_and_renames(tmp_path, pooch_path):
    served, calls = pooch_path
    payload = b"through pooch"
    served["*"] = payload
    path = fetch(remote(payload), tmp_path)
    assert path == tmp_path / "thing.bin" and path.read_bytes() == payload
    assert calls == [("https://example.invalid/thing.bin", {"timeout": 10.0}, None)]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    assert fetch(remote(payload), tmp_path) == path and len(calls) == 1  # found, not fetched


def test_pooch_download_with_the_wrong_sha256_is_not_saved(tmp_path, pooch_path):
    served, _ = pooch_path
    served["*"] = b"what the server sent"
    with pytest.raises(DatasetIntegrityError, match=r"thing\.bin from https://example"):
        fetch(remote(b"what we expected"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_pooch_failures_try_the_next_url_then_name_them_all(tmp_path, pooch_path):
    requests = pytest.importorskip("requests", reason="pooch's HTTP downloader uses requests")
    served, calls = pooch_path
    payload = b"from the mirror"
    served["https://first.invalid/m"] = requests.HTTPError("404 Client Error: Not Found")
    served["https://second.invalid/m"] = payload
    file = RemoteFile("m.bin", ("https://first.invalid/m", "https://second.invalid/m"),
                      hashlib.sha256(payload).hexdigest())  # fmt: skip
    assert fetch(file, tmp_path).read_bytes() == payload
    assert [url for url, _, _ in calls] == list(file.urls)
    (tmp_path / "m.bin").unlink()
    served["https://second.invalid/m"] = requests.ConnectionError("no network in this test")
    with pytest.raises(DatasetNotAvailable) as error:
        fetch(file, tmp_path, who="load_m")
    message = str(error.value)
    assert "load_m" in message and "404 Client Error" in message
    assert "no network in this test" in message and "https://first.invalid/m" in message
    assert str(tmp_path.absolute() / "m.bin") in message
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_pooch_download_leaves_nothing_behind(tmp_path, pooch_path, monkeypatch):
    pooch = pytest.importorskip("pooch")

    class Dropped:
        def __init__(self, **kwargs):
            pass

        def __call__(self, url, output_file, pooch_instance):
            output_file.write(b"x" * 10)
            raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(pooch, "HTTPDownloader", Dropped)
    with pytest.raises(DatasetNotAvailable, match="connection reset by peer"):
        fetch(remote(b"x" * 99), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_without_pooch_installed_urllib_downloads(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "use_pooch", True)
    monkeypatch.setitem(sys.modules, "pooch", None)  # import pooch raises ImportError
    asked = serve(monkeypatch, b"by urllib")
    assert fetch(remote(b"by urllib"), tmp_path).read_bytes() == b"by urllib"
    assert asked == [("https://example.invalid/thing.bin", 10.0)]


def test_real_pooch_downloader_fails_fast_and_clearly(tmp_path, monkeypatch):
    pytest.importorskip("pooch", reason="pooch is not installed (the datasets extra)")
    monkeypatch.setattr(files, "use_pooch", True)
    # port 9 on localhost refuses at once: no network needed, pooch and requests really run
    file = RemoteFile("m.bin", ("http://127.0.0.1:9/m.bin",), "0" * 64)
    start = time.perf_counter()
    with pytest.raises(DatasetNotAvailable, match=r"http://127\.0\.0\.1:9/m\.bin"):
        fetch(file, tmp_path)
    assert time.perf_counter() - start < 5
    assert list(tmp_path.iterdir()) == []
