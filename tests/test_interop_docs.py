"""The examples of docs/interop.md run as written, in order, in one namespace."""

import pathlib

import pytest

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "interop.md"


def test_interop_docs_examples_run(capsys, run_markdown_examples):
    for name in ("torch", "safetensors", "onnx", "onnxruntime"):
        pytest.importorskip(name, reason=f"docs/interop.md needs {name}")
    import autograd as ag

    default = ag.get_default_dtype()
    try:
        blocks, _ = run_markdown_examples(DOC)  # sets the default dtype to float32
    finally:
        ag.set_default_dtype(default)
    assert len(blocks) == 3
    printed = capsys.readouterr().out.split()
    assert printed == ["True"] * 3
