"""The README demo (`chainrule-demo`) runs end to end: gradients, drawing, training, saving."""

import matplotlib

matplotlib.use("Agg")

from nn import demo  # noqa: E402


def test_demo_runs_and_reports(tmp_path, capsys):
    demo.main(["--out", str(tmp_path), "--epochs", "3"])
    out = capsys.readouterr().out
    assert "dV/dx by backward()      = -0.4781751223381389" in out
    assert "|backward - hand|        = 0.0e+00" in out
    assert (tmp_path / "double_well.svg").read_text().lstrip().startswith("<?xml")
    assert "test accuracy after 3 epochs" in out
    assert "reloaded model gives the same accuracy: True" in out
    assert (tmp_path / "digits_mlp.npz").exists()
