"""The README's Python examples run, in order, as a newcomer would paste them."""

import code
import pathlib
import re

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


class _SyntaxOnlyConsole(code.InteractiveConsole):
    """A REPL that compiles what is pasted into it line by line, as the interactive
    interpreter does, and records the errors instead of running the code."""

    def __init__(self):
        super().__init__()
        self.errors = []

    def runcode(self, code_object):  # compiled fine: nothing to run for this check
        pass

    def write(self, data):  # SyntaxError and IndentationError reports land here
        self.errors.append(data)


def test_readme_python_blocks_can_be_pasted_into_a_plain_repl():
    """No blank line inside a class or function body, a blank line after each loop or
    other compound statement before the next statement: what a REPL needs."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    for number, block in enumerate(blocks, start=1):
        console = _SyntaxOnlyConsole()
        for line in block.splitlines():
            console.push(line)
        console.push("")  # the reader's last Enter
        assert not console.errors, f"README python block {number}:\n{''.join(console.errors)}"


def test_the_repl_check_catches_a_blank_line_in_a_class_body():
    console = _SyntaxOnlyConsole()
    for line in [
        "class A:",
        "    x = 1",
        "",
        "    y = 2",
        "for i in range(2):",
        "    pass",
        "z = 1",
    ]:
        console.push(line)
    assert any("IndentationError" in error for error in console.errors)
