"""The examples of docs/nn.md run as written, in order, in one namespace."""

import pathlib

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "nn.md"


def test_docs_examples_run(capsys, run_markdown_examples):
    blocks, _ = run_markdown_examples(DOC)
    assert len(blocks) >= 8
    printed = capsys.readouterr().out
    assert "Total params: 2,056" in printed and "final loss" in printed
