"""autograd.onnx.export: models written as ONNX, checked by onnx.checker and run in
onnxruntime with outputs equal to chainrule's at float32 precision, for several batch
sizes; clear errors for what cannot be exported; damaged files refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn

onnx = pytest.importorskip("onnx", reason="the onnx extra is not installed (pip install onnx)")
ort = pytest.importorskip(
    "onnxruntime", reason="onnxruntime is not installed (pip install onnxruntime; in `test`)"
)
from autograd.onnx import ExportError, export  # noqa: E402

BATCHES = (1, 3, 17)


def _float32(model):
    for tensor in list(model.parameters()) + list(model.buffers()):
        if tensor.dtype.kind == "f":
            tensor._data = tensor._data.astype(np.float32)
    return model


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _check_round_trip(model, make_input, path, rtol=1e-5, atol=1e-5, batches=BATCHES, **kwargs):
    """Export on one example, then compare onnxruntime with chainrule on fresh batches."""
    modes = [m.training for m in model.modules()] if hasattr(model, "modules") else []
    proto = export(model, make_input(4), path, **kwargs)
    assert modes == ([m.training for m in model.modules()] if modes else [])  # restored
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert proto.opset_import[0].version >= 17
    session = _session(path)
    names = [i.name for i in session.get_inputs()]
    if hasattr(model, "eval"):
        model.eval()
    for n in batches:
        inputs = make_input(n)
        inputs = inputs if isinstance(inputs, tuple) else (inputs,)
        expected = model(*[ag.tensor(a) for a in inputs])
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = session.run(None, dict(zip(names, inputs)))
        assert len(got) == len([e for e in expected if e is not None])
        for g, e in zip(got, [e for e in expected if e is not None]):
            assert g.dtype == e.dtype
            np.testing.assert_allclose(g, e.numpy(), rtol=rtol, atol=atol, err_msg=f"batch {n}")
    return proto


def _rows(features, dtype=np.float32, seed=0):
    def make(n):
        return np.random.default_rng(seed + n).standard_normal((n, features)).astype(dtype)

    return make


def _images(channels, size, seed=0):
    def make(n):
        shape = (n, channels, size, size)
        return np.random.default_rng(seed + n).standard_normal(shape).astype(np.float32)

    return make


def _op_types(proto):
    return [node.op_type for node in proto.graph.node]


def test_mlp_round_trip_with_a_dynamic_batch(tmp_path):
    ag.manual_seed(0)
    model = _float32(nn.MLP(6, [16, 8], 3))
    proto = _check_round_trip(model, _rows(6), tmp_path / "mlp.onnx")
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    initializers = {i.name for i in proto.graph.initializer}
    assert {name for name, _ in model.named_parameters()} <= initializers
    assert "Gemm" in _op_types(proto) and "Relu" in _op_types(proto)


def test_every_activation_loss_free_layer_and_functional_softmax(tmp_path):
    ag.manual_seed(1)

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Linear(5, 12), nn.Tanh(), nn.Dropout(0.5), nn.Linear(12, 12), nn.Sigmoid(),
                nn.Linear(12, 12), nn.GELU(), nn.Linear(12, 12), nn.GELU(approximate="tanh"),
                nn.Linear(12, 12), nn.LeakyReLU(0.2), nn.Linear(12, 12), nn.Softplus(beta=2),
                nn.Linear(12, 12), nn.LayerNorm(12), nn.Linear(12, 6),
            )  # fmt: skip

        def forward(self, x):
            h = self.body(x)
            return nn.functional.softmax(h, dim=-1), nn.functional.log_softmax(h * 2.0, dim=1)

    model = _float32(Head())
    proto = _check_round_trip(model, _rows(5), tmp_path / "head.onnx")
    types = _op_types(proto)
    for op_type in ("Tanh", "Sigmoid", "Erf", "LeakyRelu", "Softplus", "LayerNormalization"):
        assert op_type in types, op_type
    assert "Dropout" not in types  # eval mode: dropout is the identity


def test_small_cnn_with_batchnorm_in_eval_mode(tmp_path):
    ag.manual_seed(2)
    model = _float32(
        nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, stride=2, padding="valid"),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.AvgPool2d(2, padding=1),
            nn.Flatten(),
            nn.Linear(8 * 2 * 2, 10),
        )  # fmt: skip
    )
    for _ in range(3):  # move the running statistics away from 0 and 1
        model(ag.tensor(_images(1, 12, seed=50)(16) * 3 + 1))
    assert model.training  # exported in eval mode all the same
    proto = _check_round_trip(model, _images(1, 12), tmp_path / "cnn.onnx")
    types = _op_types(proto)
    assert types.count("Conv") == 2 and types.count("BatchNormalization") == 2
    assert "MaxPool" in types and "AveragePool" in types
    names = {i.name for i in proto.graph.initializer}
    assert {"1.running_mean", "1.running_var", "5.weight"} <= names


def test_conv1d_embedding_and_attention(tmp_path):
    ag.manual_seed(3)

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(20, 8, padding_idx=0)
            self.attend = nn.MultiheadAttention(8, 2, batch_first=True)
            self.conv = nn.Conv1d(8, 4, 3, padding=1)

        def forward(self, tokens):
            h = self.embed(tokens)  # (N, L, 8)
            h, _ = self.attend(h, h, h, need_weights=False)
            return self.conv(h.swapaxes(1, 2)).max(axis=-1)  # (N, 4)

    def tokens(n):
        return np.random.default_rng(n).integers(0, 20, (n, 7))

    model = _float32(Tagger())
    proto = _check_round_trip(model, tokens, tmp_path / "tagger.onnx")
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert "Gather" in _op_types(proto) and "ReduceMax" in _op_types(proto)


def test_float64_models_export_in_float64(tmp_path):
    ag.manual_seed(4)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    proto = _check_round_trip(model, _rows(3, np.float64), tmp_path / "f64.onnx", rtol=1e-12)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_a_plain_function_and_a_fixed_batch(tmp_path):
    w = ag.tensor(np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32))

    def f(x, y):
        return ag.sqrt((x @ w) ** 2 + 1.0) - y.sum(axis=1, keepdims=True) / 4

    def make(n):
        rng = np.random.default_rng(n)
        return rng.random((n, 3), dtype=np.float32), rng.random((n, 4), dtype=np.float32)

    proto = _check_round_trip(f, make, tmp_path / "f.onnx", batches=(4,), dynamic_batch=False)
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [4, 3]
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        _session(tmp_path / "f.onnx").run(None, {"input_0": make(5)[0], "input_1": make(5)[1]})


def test_an_op_without_translation_is_named(tmp_path):
    class Cube(ag.Function):
        """x**3 -> dx = g * 3 x**2"""

        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, g):
            return g

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return Cube.apply(self.fc(x))

    with pytest.raises(ExportError, match=r"op Cube \(in Model\): has no ONNX translation"):
        export(Model(), np.ones((3, 2)), tmp_path / "cube.onnx")
    assert not (tmp_path / "cube.onnx").exists()


def test_a_constant_computed_from_the_input_is_refused(tmp_path):
    def centred(x):
        return x - x.numpy().mean(axis=0)  # a batch statistic, not an op: cannot be baked in

    with pytest.raises(ExportError, match="constant that changed with the input"):
        export(centred, np.arange(6.0).reshape(3, 2), tmp_path / "c.onnx")

    def mean_over_batch(x):
        return x.mean(axis=0)  # divides by the batch size, a number

    with pytest.raises(ExportError, match="batch size"):
        export(mean_over_batch, np.ones((3, 2)), tmp_path / "m.onnx")
    export(mean_over_batch, np.ones((3, 2)), tmp_path / "m.onnx", dynamic_batch=False)


def test_value_dependent_control_flow_is_refused(tmp_path):
    def branchy(x):
        return ag.tanh(x) if x.numpy().max() > 2.8 else ag.relu(x)

    x = np.array([[-1.0], [2.0], [3.0]])  # the second trace mixes rows: its max is 2.7
    with pytest.raises(ExportError, match="different ops"):
        export(branchy, x, tmp_path / "b.onnx")


def test_a_damaged_file_is_refused(tmp_path):
    ag.manual_seed(5)
    path = tmp_path / "mlp.onnx"
    export(_float32(nn.MLP(4, [8], 2)), _rows(4)(3), path)
    content = path.read_bytes()
    (tmp_path / "truncated.onnx").write_bytes(content[: len(content) // 2])
    (tmp_path / "garbage.onnx").write_bytes(b"\x00\xff" * 64)
    for name in ("truncated.onnx", "garbage.onnx"):
        with pytest.raises(Exception, match="(?i)protobuf|parse|invalid|load"):
            _session(tmp_path / name)
        with pytest.raises(Exception):  # noqa: B017 - onnx raises DecodeError or its own
            onnx.checker.check_model(onnx.load(str(tmp_path / name)), full_check=True)


def test_gelu_exact_is_erf_not_the_tanh_approximation(tmp_path):
    x = np.linspace(-4, 4, 33, dtype=np.float32).reshape(3, 11)
    export(nn.GELU(), x, tmp_path / "gelu.onnx")
    got = _session(tmp_path / "gelu.onnx").run(None, {"input": x})[0]
    exact = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    np.testing.assert_allclose(got, exact, rtol=1e-6, atol=1e-6)
