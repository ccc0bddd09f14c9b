"""Every Python block in README.md runs as written."""
import math
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(code):
    namespace = {"__name__": "readme_example"}
    exec(compile(code, str(README), "exec"), namespace)
    loss = namespace["loss"].item()
    assert math.isfinite(loss)
    if "XOR-like" in code:
        assert loss < 0.5, "the tiny model should learn the XOR-like labels"
