"""nn.save / nn.load: bit-exact round trips, nested optimiser state, safety, atomic writes."""

import os
import pickle

import numpy as np
import pytest

import autograd as ag
import nn


def test_model_round_trip_is_bit_exact(tmp_path):
    ag.manual_seed(0)
    model = nn.MLP(5, [7], 3)
    with ag.no_grad():
        model[0].weight.numpy()[0, 0] = np.nextafter(0.1, 1.0)  # a value decimal text would lose
    path = tmp_path / "model.npz"
    nn.save(model, path)
    loaded = nn.load(path)
    assert list(loaded) == list(model.state_dict())
    for name, array in model.state_dict().items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)
    fresh = nn.MLP(5, [7], 3)
    fresh.load_state_dict(loaded)
    x = ag.Tensor(np.random.default_rng(1).normal(size=(4, 5)))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_float32_state_keeps_its_dtype_and_is_plain_npz(tmp_path):
    model = nn.Linear(3, 2, dtype=np.float32)
    nn.save(model.state_dict(), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:  # readable by numpy alone
        assert sorted(archive.files) == ["bias", "weight"]
        assert archive["weight"].dtype == np.float32
        np.testing.assert_array_equal(archive["weight"], model.weight.numpy())


def test_nested_state_round_trips_with_types(tmp_path):
    state = {
        "state": {
            0: {"step": 3, "exp_avg": np.arange(3.0)},
            1: {"step": 3, "exp_avg": np.ones((2, 2))},
        },
        "param_groups": [
            {
                "lr": 0.1,
                "betas": (0.9, 0.999),
                "amsgrad": False,
                "name": "x",
                "extra": None,
                "params": [0, 1],
            }
        ],
        "tiny": 5e-324,
        "nan": float("nan"),
    }
    nn.save(state, tmp_path / "s.npz")
    loaded = nn.load(tmp_path / "s.npz")
    assert set(loaded) == set(state)
    assert list(loaded["state"]) == [0, 1]  # int keys stay ints
    np.testing.assert_array_equal(loaded["state"][1]["exp_avg"], np.ones((2, 2)))
    group = loaded["param_groups"][0]
    assert group == {**state["param_groups"][0]}
    assert (
        isinstance(group["betas"], tuple) and group["extra"] is None and group["amsgrad"] is False
    )
    assert loaded["tiny"] == 5e-324 and np.isnan(loaded["nan"])


def test_training_resumes_exactly_from_files(tmp_path):
    X = np.random.default_rng(0).normal(size=(32, 4))
    y = np.random.default_rng(1).integers(0, 3, size=32)

    def build():
        ag.manual_seed(0)
        model = nn.MLP(4, [8], 3)
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
        return model, optimizer, nn.optim.StepLR(optimizer, step_size=2, gamma=0.5)

    def train(model, optimizer, scheduler, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(ag.Tensor(X)), y).backward()
            optimizer.step()
            scheduler.step()

    model, optimizer, scheduler = build()
    train(model, optimizer, scheduler, 3)
    nn.save(model, tmp_path / "model.npz")
    nn.save(optimizer, tmp_path / "optimizer.npz")
    nn.save(scheduler, tmp_path / "scheduler.npz")
    train(model, optimizer, scheduler, 4)

    resumed, resumed_optimizer, resumed_scheduler = build()
    resumed.load_state_dict(nn.load(tmp_path / "model.npz"))
    resumed_optimizer.load_state_dict(nn.load(tmp_path / "optimizer.npz"))
    resumed_scheduler.load_state_dict(nn.load(tmp_path / "scheduler.npz"))
    train(resumed, resumed_optimizer, resumed_scheduler, 4)
    for (name, a), (_, b) in zip(model.named_parameters(), resumed.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch " + os.environ["CHAINRULE_PWNED"],))


def test_a_malicious_pickle_inside_an_npz_is_refused(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("CHAINRULE_PWNED", str(marker))
    path = tmp_path / "evil.npz"
    payload = np.empty(1, dtype=object)
    payload[0] = Exploit()
    np.savez(path, weight=np.ones(2), payload=payload)  # numpy pickles object arrays
    with pytest.raises(ValueError, match="pickled Python objects; refusing"):
        nn.load(path)
    assert not marker.exists()

    raw = tmp_path / "evil.pkl"
    raw.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ValueError, match="refusing|not a valid"):
        nn.load(raw)
    assert not marker.exists()


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    nn.save({"w": np.ones(3)}, path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"half a zip file")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == before  # the old file is intact
    assert os.listdir(tmp_path) == ["model.npz"]  # and no temporary file is left behind


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="expected a Module, an optimiser or a state dict"):
        nn.save([1, 2], tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot save a value of type object"):
        nn.save({"a": {"b": object()}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="object arrays cannot be saved"):
        nn.save({"a": np.array([None])}, tmp_path / "x.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError):
        nn.load(tmp_path / "junk.npz")


def test_load_takes_torch_loads_keywords(tmp_path):
    model = nn.Linear(2, 1)
    path = tmp_path / "model.pth"  # PyTorch's habit of a .pth name: an .npz file inside
    nn.save(model.state_dict(), path)
    for kwargs in [dict(weights_only=True), dict(map_location="cpu"), dict(weights_only=False)]:
        loaded = nn.load(path, **kwargs)
        np.testing.assert_array_equal(loaded["weight"], model.weight.numpy())
    with pytest.raises(RuntimeError, match="computes on the CPU"):
        nn.load(path, map_location="cuda:0")
