"""The synth benchmark compares like with like: the baseline app builds the same pipeline as rl-constructs."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions

from benchmarks import baseline_app, pipelines_app


def template(build: Any, *args: Any) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Bench")
    build(stack, *args)
    result: dict[str, Any] = assertions.Template.from_stack(stack).to_json()
    return result


def sagemaker_calls(template: dict[str, Any]) -> set[str]:
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    return set(re.findall(r":states:::([A-Za-z:.-]+)", json.dumps(machine["Properties"]["DefinitionString"])))


def test_the_baseline_makes_the_same_sagemaker_calls_and_resources_as_one_pipeline() -> None:
    ours, baseline = template(pipelines_app.build, 1), template(baseline_app.build)
    assert "sagemaker:createTrainingJob.sync" in sagemaker_calls(baseline)
    assert sagemaker_calls(baseline) <= sagemaker_calls(ours)
    # Besides the stack's two shared managed policies (what every training and hosting role needs), the same kinds.
    kinds = {r["Type"] for r in ours["Resources"].values()} - {"AWS::IAM::ManagedPolicy"}
    assert kinds == {r["Type"] for r in baseline["Resources"].values()}


def test_the_marginal_benchmark_scales_the_pipeline() -> None:
    one, three = template(pipelines_app.build, 1), template(pipelines_app.build, 3)
    shared = [name for name, r in one["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert len(shared) == 2  # one per stack, whatever the number of pipelines
    assert len(three["Resources"]) - len(shared) == 3 * (len(one["Resources"]) - len(shared))
    base_one, base_three = template(pipelines_app.build_baseline, 1), template(pipelines_app.build_baseline, 3)
    assert len(base_three["Resources"]) == 3 * len(base_one["Resources"])
