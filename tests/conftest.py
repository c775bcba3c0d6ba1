"""Shared test settings: hypothesis profiles (CI runs fewer, derandomised examples), and a
fixture that runs the python examples of a markdown file."""

import os
import pathlib
import re

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def run_markdown_examples():
    """A function that runs every python block of a markdown file, in order, in one
    namespace (as a reader pasting them would), and returns (blocks, namespace).
    A failing block is reported by its number and text."""

    def run(path: pathlib.Path) -> tuple[list[str], dict]:
        blocks = re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)
        namespace: dict = {}
        for number, block in enumerate(blocks, start=1):
            try:
                exec(compile(block, f"{path.name} python block {number}", "exec"), namespace)
            except Exception as error:  # name the block that failed
                raise AssertionError(
                    f"{path.name} python block {number} failed: {error!r}\n{block}"
                ) from error
        return blocks, namespace

    return run
