"""The README's Python examples run, in order, as a newcomer would paste them."""

import pathlib
import re

import matplotlib

matplotlib.use("Agg")

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files (neuron.svg)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as error:  # pragma: no cover - the message is the point
            raise AssertionError(f"README python block {i + 1} failed: {error!r}") from error
    out = capsys.readouterr().out
    assert "-0.4781751223381389" in out
    assert "grad_fn=<Sub>" in out
    assert (tmp_path / "neuron.svg").read_text().lstrip().startswith("<?xml")
