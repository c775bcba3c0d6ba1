"""The examples of docs/nn.md run as written, in order, in one namespace."""

import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "nn.md"


def test_docs_examples_run(capsys):
    if not DOC.exists():
        pytest.skip("docs/nn.md not present")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {}
    for number, block in enumerate(blocks):
        try:
            exec(compile(block, f"docs/nn.md block {number}", "exec"), namespace)
        except Exception as error:  # name the block that failed
            raise AssertionError(
                f"docs/nn.md python block {number} failed: {error!r}\n{block}"
            ) from error
    printed = capsys.readouterr().out
    assert "Total params: 2,056" in printed and "final loss" in printed
