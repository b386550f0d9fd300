"""The README's serving examples (the ``py`` block of its serving paragraph) synthesize as written."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest

from rl_constructs import RLPipeline, RLTrainingJob
from tests.cdk_support import ROOT


def serving_block() -> str:
    (block,) = re.findall(r"```py\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return block  # type: ignore[no-any-return]


def test_the_readme_serving_examples_synthesize(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    monkeypatch.chdir(ROOT)
    stack = cdk.Stack(cdk.App(), "Serving", env=cdk.Environment(account="111122223333", region="us-west-2"))

    def job(id: str, **props: str) -> RLTrainingJob:
        return RLTrainingJob(
            stack, id, entry_point="train-coach.py", source_dir="examples/cartpole_coach",
            instance_type="ml.c5.2xlarge", **props,
        )  # fmt: skip

    names = {
        "stack": stack,
        "RLPipeline": RLPipeline,
        "RLTrainingJob": RLTrainingJob,
        "mxnet_job": job("MXNet", toolkit="coach", toolkit_version="0.11.0", framework="mxnet"),
        "ray_tf_job": job("RayTF", toolkit="ray", toolkit_version="1.6.0", framework="tensorflow"),
    }
    exec(compile(serving_block(), "README.md", "exec"), names)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    models = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    assert len(models) == 1  # the attached job's; the pipelines create theirs at run time
    machines = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine" and "sagemaker:createModel" in json.dumps(r)
    ]
    assert len(machines) == 2  # the two pipelines (the third is the attach provider's waiter)
