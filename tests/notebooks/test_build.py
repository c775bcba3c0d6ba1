"""notebooks/build.py reads the percent-format sources with jupytext, and its own reader
(used without jupytext) gives the same notebook, cell for cell."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from notebooks import build  # noqa: E402

SOURCES = sorted(build.SOURCE_DIR.glob("[0-9][0-9]_*.py"))


def _cells(notebook):
    return [(cell.cell_type, cell.id, cell.source) for cell in notebook.cells]


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_jupytext_and_the_fallback_reader_agree(source: Path):
    pytest.importorskip("jupytext", reason="jupytext is not installed (pip install jupytext)")
    by_jupytext = build.read_source(source)
    by_hand = build.read_percent(source)
    assert _cells(by_jupytext) == _cells(by_hand)
    assert by_jupytext.metadata == by_hand.metadata
    assert all(not cell.metadata for cell in by_jupytext.cells)


def test_without_jupytext_the_fallback_reader_is_used(tmp_path, monkeypatch):
    source = tmp_path / "99_x.py"
    source.write_text("# %% [markdown]\n# # Title\n# text\n\n# %%\n\n\nx = 1\n\n# %%\nprint(x)\n")
    monkeypatch.setitem(sys.modules, "jupytext", None)
    notebook = build.read_source(source)
    assert _cells(notebook) == [
        ("markdown", "cell-00", "# Title\ntext"),
        ("code", "cell-01", "x = 1"),
        ("code", "cell-02", "print(x)"),
    ]


def test_a_notebook_built_with_data_is_not_rewritten_without_it(monkeypatch):
    source = build.SOURCE_DIR / "06_cats_dogs.py"
    committed = build.notebook_path(source).read_bytes()
    needed = build.nbformat.read(build.notebook_path(source), as_version=4).metadata
    if not needed.get("chainrule", {}).get("data"):
        pytest.skip("notebook 06 was committed without its data files")
    monkeypatch.setattr(build, "data_files", lambda: [])  # the data folder went missing
    with pytest.raises(SystemExit, match="catData_w.mat.*set CHAINRULE_DATA"):
        build.build(source)
    assert build.notebook_path(source).read_bytes() == committed
