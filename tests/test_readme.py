"""The README's Python example runs as written."""

from __future__ import annotations

import re

from tests.cdk_support import ROOT


def user_environment(**extra: str) -> dict[str, str]:
    """The environment of a user's own pytest run: this run's pytest-xdist worker variables left out (syrupy
    takes a PYTEST_XDIST_WORKER for a worker of its own and prints no snapshot report)."""
    import os

    return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}, **extra}


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_example_synthesizes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    monkeypatch.chdir(ROOT)  # the example's paths are relative to the repository
    blocks = python_blocks()
    assert len(blocks) == 4
    example: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(blocks[0], "README.md", "exec"), example)
    assert {"job", "pipeline", "attached", "endpoint"} <= set(example)
    predict: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(blocks[1], "README.md", "exec"), predict)
    assert predict["predictor"].endpoint_name == "rl-cartpole-coach"  # type: ignore[attr-defined]


def test_the_readme_user_suite_passes_in_a_project_of_its_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess
    import sys

    shutil.copy(ROOT / "cdk.json", tmp_path / "cdk.json")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_my_stack.py").write_text(python_blocks()[2])
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    environment = user_environment()
    written = subprocess.run(
        [*command, "--snapshot-update"], cwd=tmp_path, capture_output=True, text=True, env=environment
    )
    assert written.returncode == 0, written.stdout + written.stderr
    assert "1 snapshot generated" in written.stdout
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=environment)
    assert again.returncode == 0 and "1 snapshot passed" in again.stdout, again.stdout + again.stderr


def test_the_readme_workflow_test_passes_in_a_project_of_its_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess
    import sys

    shutil.copy(ROOT / "cdk.json", tmp_path / "cdk.json")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_my_workflow.py").write_text(python_blocks()[3])
    # No node_modules in or above tmp_path: jsonata comes from the variable (as after install-jsonata --target).
    environment = user_environment(RL_CONSTRUCTS_NODE_MODULES=str(ROOT / "node_modules"))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    ran = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=environment)
    assert ran.returncode == 0 and "1 passed" in ran.stdout, ran.stdout + ran.stderr
