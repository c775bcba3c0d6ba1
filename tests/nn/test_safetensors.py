"""nn.save / nn.load with .safetensors files: standard files PyTorch reads and writes,
bit-exact round trips, nested state refused, damaged files refused naming the file."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import autograd as ag
import nn

safetensors = pytest.importorskip(
    "safetensors", reason="the safetensors extra is not installed (pip install safetensors)"
)


def _cnn(library):
    return library.Sequential(
        library.Conv2d(1, 4, 3), library.BatchNorm2d(4), library.ReLU(), library.MaxPool2d(2),
        library.Flatten(), library.Linear(4 * 3 * 3, 10), library.Tanh(), library.Linear(10, 3),
    )  # fmt: skip


def _trained_chainrule_cnn():
    """A float32 CNN whose running statistics have moved (one training-mode forward)."""
    ag.manual_seed(0)
    model = _cnn(nn)
    for param in model.parameters():
        param._data = param._data.astype(np.float32)
    for buffer in model.buffers():
        if buffer.dtype.kind == "f":
            buffer._data = buffer._data.astype(np.float32)
    model(ag.tensor(np.random.default_rng(0).standard_normal((8, 1, 8, 8)).astype(np.float32)))
    return model.eval()


def _images(n=5):
    return np.random.default_rng(1).standard_normal((n, 1, 8, 8)).astype(np.float32)


def test_round_trip_is_bit_exact_and_keeps_dtypes(tmp_path):
    model = _trained_chainrule_cnn()
    path = tmp_path / "model.safetensors"
    nn.save(model, path)
    loaded = nn.load(path)
    assert list(loaded) == list(model.state_dict())
    for name, array in model.state_dict().items():
        assert loaded[name].dtype == array.dtype, name
        np.testing.assert_array_equal(loaded[name], array)
    loaded["0.weight"][...] = 0.0  # writable arrays, as from an .npz file
    with open(path, "rb") as file:  # a standard file: 8-byte header length, JSON header
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    assert header["0.weight"]["dtype"] == "F32" and header["0.weight"]["shape"] == [4, 1, 3, 3]


def test_pytorch_reads_a_chainrule_file_with_equal_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    model = _trained_chainrule_cnn()
    nn.save(model, tmp_path / "model.safetensors")
    twin = _cnn(torch.nn)
    twin.load_state_dict(load_file(str(tmp_path / "model.safetensors")))
    twin.eval()
    x = _images()
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    got = model(ag.tensor(x)).numpy()
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_a_file_pytorch_wrote_loads_into_chainrule_with_equal_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    twin = _cnn(torch.nn)
    twin(torch.randn(8, 1, 8, 8))  # move the running statistics
    twin.eval()
    save_file(twin.state_dict(), str(tmp_path / "torch.safetensors"))
    model = _cnn(nn)
    model.load_state_dict(nn.load(tmp_path / "torch.safetensors"))
    model.eval()
    x = _images(7)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(ag.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_nested_state_is_refused_and_keeps_working_in_npz(tmp_path):
    model = nn.Linear(3, 2)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.1)
    model(ag.randn(4, 3)).sum().backward()
    optimizer.step()
    with pytest.raises(TypeError, match=r"optimiser's goes in an \.npz file"):
        nn.save(optimizer, tmp_path / "optimizer.safetensors")
    assert not (tmp_path / "optimizer.safetensors").exists()
    assert not list(tmp_path.iterdir())  # no temporary file left behind
    nn.save(optimizer, tmp_path / "optimizer.npz")
    loaded = nn.load(tmp_path / "optimizer.npz")
    np.testing.assert_array_equal(
        loaded["state"][0]["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"]
    )


def test_the_extension_chooses_the_format(tmp_path):
    model = nn.Linear(3, 2)
    nn.save(model, tmp_path / "a.SAFETENSORS")
    nn.save(model, tmp_path / "a.npz")
    assert (tmp_path / "a.SAFETENSORS").read_bytes()[8:9] == b"{"
    assert (tmp_path / "a.npz").read_bytes()[:2] == b"PK"
    for name in ("a.SAFETENSORS", "a.npz"):
        np.testing.assert_array_equal(nn.load(tmp_path / name)["weight"], model.weight.numpy())


def _valid_bytes():
    return safetensors.numpy.save({"weight": np.arange(6, dtype=np.float32).reshape(2, 3)})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (lambda: _valid_bytes()[:-5], "not a valid safetensors file"),  # truncated data
        (lambda: _valid_bytes()[:12], "not a valid safetensors file"),  # truncated header
        (lambda: b"\xff" * 8 + _valid_bytes()[8:], "not a valid safetensors file"),
        (lambda: _valid_bytes().replace(b"F32", b"Q99"), "not a valid safetensors file"),
        (lambda: _valid_bytes().replace(b'"shape":[2,3]', b'"shape":[9,3]'), "not a valid"),
        (b"\x80\x04\x95" + b"\x00" * 40, "not a valid safetensors file"),  # a pickle
        (b"PK\x03\x04" + b"\x00" * 40, r"an \.npz file\? rename it"),
    ],
    ids=["empty", "truncated", "short header", "huge length", "dtype", "shape", "pickle", "npz"],
)
def test_a_damaged_file_is_refused_naming_it(tmp_path, content, message):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content() if callable(content) else content)
    with pytest.raises(ValueError, match=message) as error:
        nn.load(path)
    assert str(path) in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        nn.load(tmp_path / "nothing.safetensors")
