"""The README's Python example runs as written."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.cdk_support import ROOT

CompletedRun = subprocess.CompletedProcess[str]


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


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompletedRun, CompletedRun]:
    """The README's two user test files in a project of their own (its cdk.json, no node_modules in or above
    it: jsonata comes from the variable, as after ``install-jsonata --target``), run as a user would:
    ``pytest --snapshot-update`` on the stack test, then the whole suite. Both runs, for the tests below."""
    import shutil
    import sys

    project = tmp_path_factory.mktemp("user-project")
    shutil.copy(ROOT / "cdk.json", project / "cdk.json")
    (project / "tests").mkdir()
    (project / "tests" / "test_my_stack.py").write_text(python_blocks()[2])
    (project / "tests" / "test_my_workflow.py").write_text(python_blocks()[3])
    environment = user_environment(RL_CONSTRUCTS_NODE_MODULES=str(ROOT / "node_modules"))
    command = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"]
    written = subprocess.run(
        [*command, "--snapshot-update", "tests/test_my_stack.py"],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
    )
    again = subprocess.run([*command, "tests"], cwd=project, capture_output=True, text=True, env=environment)
    return written, again


def test_the_readme_user_suite_passes_in_a_project_of_its_own(user_project: tuple[CompletedRun, CompletedRun]) -> None:
    written, again = user_project
    assert written.returncode == 0, written.stdout + written.stderr
    assert "1 snapshot generated" in written.stdout
    assert again.returncode == 0 and "1 snapshot passed" in again.stdout, again.stdout + again.stderr
    assert "PASSED tests/test_my_stack.py::" in again.stdout, again.stdout


def test_the_readme_workflow_test_passes_in_a_project_of_its_own(
    user_project: tuple[CompletedRun, CompletedRun],
) -> None:
    _, ran = user_project
    assert ran.returncode == 0 and "2 passed" in ran.stdout, ran.stdout + ran.stderr
    assert "PASSED tests/test_my_workflow.py::" in ran.stdout, ran.stdout
