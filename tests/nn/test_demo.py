"""The README demo (`chainrule-demo`) runs end to end: gradients, drawing, training, saving."""

import matplotlib

matplotlib.use("Agg")

from nn import demo  # noqa: E402


def test_demo_runs_and_reports(tmp_path, capsys):
    demo.main(["--out", str(tmp_path), "--epochs", "3"])
    out = capsys.readouterr().out
    assert "dV/dx by backward()      = -0.4781751223381389" in out
    assert "|backward - hand|        = 0.0e+00" in out
    svg = (tmp_path / "double_well.svg").read_text()
    assert svg.lstrip().startswith("<?xml")
    assert ">x () float64<" in svg  # the leaf is named
    assert ">step 1<" in svg and ">step 4<" in svg  # order=True: backward step numbers
    assert ">grad &#45;2<" in svg or ">grad -2<" in svg  # an intermediate tensor's gradient
    assert "every op with its backward step number" in out
    page = (tmp_path / "double_well.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "explorer-data" in page
    assert "test accuracy after 3 epochs" in out
    assert "reloaded model gives the same accuracy: True" in out
    assert (tmp_path / "digits_mlp.npz").exists()
