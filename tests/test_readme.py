"""The README's Python example runs as written."""

from __future__ import annotations

import re

from tests.cdk_support import ROOT


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_example_synthesizes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    monkeypatch.chdir(ROOT)  # the example's paths are relative to the repository
    blocks = python_blocks()
    assert blocks
    for block in blocks:
        namespace: dict[str, object] = {"__name__": "readme_example"}
        exec(compile(block, "README.md", "exec"), namespace)
        assert "job" in namespace
