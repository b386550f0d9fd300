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
    assert len(blocks) == 2
    example: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(blocks[0], "README.md", "exec"), example)
    assert {"job", "pipeline", "attached", "endpoint"} <= set(example)
    predict: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(blocks[1], "README.md", "exec"), predict)
    assert predict["predictor"].endpoint_name == "rl-cartpole-coach"  # type: ignore[attr-defined]
