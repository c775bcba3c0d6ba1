"""The README's Python examples run, in order, as a newcomer would paste them."""

import pathlib

import matplotlib

matplotlib.use("Agg")

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys, tmp_path, monkeypatch, run_markdown_examples):
    monkeypatch.chdir(tmp_path)  # the examples write files (neuron.svg)
    blocks, _ = run_markdown_examples(README)
    assert len(blocks) >= 5
    out = capsys.readouterr().out
    assert "-0.4781751223381389" in out
    assert "grad_fn=<Sub>" in out
    assert (tmp_path / "neuron.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "neuron.html").read_text().startswith("<!DOCTYPE html>")
