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


#: Made once per stack whatever the number of pipelines: the shared managed policies (what every training and
#: hosting role needs) and the provider of the run-resources cleanup (its functions, roles and log groups).
PER_STACK = ("RLTrainingJobCommonPolicy", "RLHostingCommonPolicy", "RLPipelineResourceCleanupProvider")


def per_pipeline(template: dict[str, Any]) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if not name.startswith(PER_STACK)}


def test_the_baseline_makes_the_same_sagemaker_calls_and_resources_as_one_pipeline() -> None:
    ours, baseline = template(pipelines_app.build, 1), template(baseline_app.build)
    assert "sagemaker:createTrainingJob.sync" in sagemaker_calls(baseline)
    assert sagemaker_calls(baseline) <= sagemaker_calls(ours)
    # Per pipeline, the same kinds, plus the cleanup of what its runs create (which the baseline lacks).
    kinds = {r["Type"] for r in per_pipeline(ours).values()} - {"Custom::RLPipelineResourceCleanup"}
    assert kinds == {r["Type"] for r in baseline["Resources"].values()}


def test_the_marginal_benchmark_scales_the_pipeline() -> None:
    one, three = template(pipelines_app.build, 1), template(pipelines_app.build, 3)
    shared = len(one["Resources"]) - len(per_pipeline(one))
    assert shared == len(three["Resources"]) - len(per_pipeline(three)) > 2  # once per stack
    assert len(per_pipeline(three)) == 3 * len(per_pipeline(one))
    base_one, base_three = template(pipelines_app.build_baseline, 1), template(pipelines_app.build_baseline, 3)
    assert len(base_three["Resources"]) == 3 * len(base_one["Resources"])
