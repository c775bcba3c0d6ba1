"""read_mat uses scipy.io.loadmat when scipy is installed; its own MAT-file v5 reader
(used without scipy) gives the same arrays and refuses the same variables."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nn import datasets
from nn.datasets import DatasetIntegrityError, read_mat

sio = pytest.importorskip("scipy.io", reason="scipy is not installed (the datasets extra)")


@pytest.fixture(params=["scipy", "built-in"])
def reader(request, monkeypatch):
    """read_mat as it runs with scipy, and as it runs without it."""
    if request.param == "built-in":
        monkeypatch.setitem(sys.modules, "scipy.io", None)
        monkeypatch.setattr(sio, "loadmat", None)  # would fail loudly if it were called
    return request.param


@pytest.mark.parametrize("compress", [False, True])
def test_both_readers_give_scipys_arrays(tmp_path, reader, compress):
    rng = np.random.default_rng(3)
    variables = {
        "a": rng.standard_normal((3, 4)),
        "bytes": rng.integers(0, 200, (5, 2)).astype(np.uint8),
        "single": rng.standard_normal((2, 3, 4)).astype(np.float32),
        "ints": rng.integers(-1000, 1000, (7, 1)).astype(np.int16),
    }
    sio.savemat(tmp_path / "v.mat", variables, do_compression=compress)
    got = read_mat(tmp_path / "v.mat")
    assert set(got) == set(variables)
    for name, value in variables.items():
        want = value if value.ndim > 1 else value[:, None]
        assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
        np.testing.assert_array_equal(got[name], want)


def test_both_readers_refuse_what_they_do_not_read(tmp_path, reader):
    sio.savemat(tmp_path / "s.mat", {"label": "a string"})
    with pytest.raises(DatasetIntegrityError, match="'label'.*char"):
        read_mat(tmp_path / "s.mat")
    sio.savemat(tmp_path / "c.mat", {"z": np.array([1 + 2j])})
    with pytest.raises(DatasetIntegrityError, match="'z'.*complex"):
        read_mat(tmp_path / "c.mat")
    sio.savemat(tmp_path / "cell.mat", {"cell": np.array([np.ones(2), np.ones(3)], dtype=object)})
    with pytest.raises(DatasetIntegrityError, match="'cell'.*cell"):
        read_mat(tmp_path / "cell.mat")
    (tmp_path / "n.mat").write_bytes(b"not a mat file" * 20)
    with pytest.raises(DatasetIntegrityError, match="not a MATLAB v5"):
        read_mat(tmp_path / "n.mat")


def test_a_damaged_file_is_refused_naming_it(tmp_path, reader):
    sio.savemat(tmp_path / "v.mat", {"a": np.ones((40, 40))}, do_compression=True)
    content = (tmp_path / "v.mat").read_bytes()
    (tmp_path / "v.mat").write_bytes(content[: len(content) - 30])
    with pytest.raises(DatasetIntegrityError, match="v.mat"):
        read_mat(tmp_path / "v.mat")


def test_the_module_imports_no_scipy_at_import_time():
    from nn.datasets import formats

    assert "scipy" not in formats.__dict__ and "scipy" not in datasets.__dict__
