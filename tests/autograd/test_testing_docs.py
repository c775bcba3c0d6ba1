"""docs/testing.md runs as written: every python block in order in one namespace, then
every `test_` function the blocks define (they are the guide's complete examples)."""

import pathlib

from hypothesis import settings

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def test_guide_examples_run(capsys, run_markdown_examples):
    blocks, namespace = run_markdown_examples(DOC)
    assert len(blocks) >= 8
    tests = {name: f for name, f in namespace.items() if name.startswith("test_") and callable(f)}
    assert {"test_log_cosh", "test_hinge", "test_smooth_max"} <= set(tests)
    previous = settings.get_current_profile_name()
    settings.register_profile("docs", settings.get_profile(previous), max_examples=15)
    settings.load_profile("docs")  # the guide's check_op calls take the profile's count
    try:
        for name, test in tests.items():
            try:
                test()
            except Exception as error:
                raise AssertionError(f"docs/testing.md: {name} failed") from error
    finally:
        settings.load_profile(previous)
    printed = capsys.readouterr().out
    assert "gradcheck: wrong gradient for input 0 (shape (3,), float64)" in printed
