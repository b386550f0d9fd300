"""cdk diff shows a changed hyperparameter as one line: the synthesized hyperparameters are joined by
CloudFormation (Fn::Join on ",") from one member each, and resolve to the same definition text."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from rl_constructs import RLPipeline, RLTrainingJob
from rl_constructs.core import execution_input
from rl_constructs.testing import lint, new_app
from rl_constructs.testing.asl import definition_of
from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution


def template(**hyperparameters: Any) -> dict[str, Any]:
    stack = cdk.Stack(new_app(), "MyRL", env=cdk.Environment(account="111122223333", region="us-west-2"))
    job = RLTrainingJob(
        stack,
        "Train",
        entry_point="train-coach.py",
        source_dir="s3://my-bucket/code/sourcedir.tar.gz",
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="tensorflow",
        instance_type="ml.c5.2xlarge",
        hyperparameters=hyperparameters,
    )
    RLPipeline(stack, "Pipeline", training_job=job)
    return Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def member_joins(value: Any) -> list[list[str]]:
    """The lists of every ``Fn::Join`` on ``,`` in ``value``."""
    if isinstance(value, dict):
        if "Fn::Join" in value and value["Fn::Join"][0] == ",":
            return [value["Fn::Join"][1]]
        return [j for v in value.values() for j in member_joins(v)]
    if isinstance(value, list):
        return [j for v in value for j in member_joins(v)]
    return []


def state_machine(t: dict[str, Any]) -> dict[str, Any]:
    (machine,) = [r for r in t["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    return machine["Properties"]  # type: ignore[no-any-return]


HYPERPARAMETERS: dict[str, Any] = {"discount": 0.99, "layers": [64, 64], "preset": 'clipped "ppo"\\v2'}


def test_each_hyperparameter_is_a_member_of_its_own_in_the_template() -> None:
    t = template(**HYPERPARAMETERS)
    (members,) = member_joins(state_machine(t)["DefinitionString"])
    # The members are JSON-string-escaped (they sit inside the definition's JSONata string); unescaped, each
    # is one "name":"SDK-encoded value" pair.
    assert [json.loads(f'"{m}"') for m in members] == [
        '"discount":"0.99"',
        '"layers":"[64, 64]"',
        '"preset":"\\"clipped \\\\\\"ppo\\\\\\"\\\\\\\\v2\\""',
    ]
    assert lint(t) == []


def test_a_changed_hyperparameter_changes_one_member_and_nothing_else() -> None:
    before, after = template(**HYPERPARAMETERS), template(**{**HYPERPARAMETERS, "discount": 0.9})
    (old,), (new,) = (
        member_joins(state_machine(before)["DefinitionString"]),
        member_joins(state_machine(after)["DefinitionString"]),
    )
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ('\\"discount\\":\\"0.99\\"', '\\"discount\\":\\"0.9\\"')
    ]
    strip = {"Fn::Join": [",", ["members"]]}

    def without_members(value: Any) -> Any:
        if isinstance(value, dict):
            return (
                strip
                if "Fn::Join" in value and value["Fn::Join"][0] == ","
                else {k: without_members(v) for k, v in value.items()}
            )
        return [without_members(v) for v in value] if isinstance(value, list) else value

    assert without_members(before) == without_members(after)


def test_the_definition_cloudformation_resolves_carries_the_compact_json_the_domain_renders() -> None:
    t = template(**HYPERPARAMETERS)
    hyperparameters = definition_of(t)["States"]["Train"]["Arguments"]["HyperParameters"]
    encoded = {"discount": "0.99", "layers": "[64, 64]", "preset": json.dumps('clipped "ppo"\\v2')}
    assert f"$merge([{json.dumps(encoded, separators=(',', ':'))}, $given, " in hyperparameters
    assert "{" + ",".join(execution_input.hyperparameter_members(encoded)) + "}" == json.dumps(
        encoded, separators=(",", ":")
    )


def test_a_run_sends_the_synthesized_values_merged_with_the_overrides() -> None:
    t = template(**HYPERPARAMETERS)
    sagemaker = ScriptedSageMaker()
    result = run_execution(t, {"HyperParameters": {"discount": "0.9"}}, sagemaker, name="run-1")
    assert result.status == "SUCCEEDED", result.cause
    sent = sagemaker.calls[0].params["HyperParameters"]
    assert {k: sent[k] for k in HYPERPARAMETERS} == {
        "discount": "0.9",
        "layers": "[64, 64]",
        "preset": json.dumps('clipped "ppo"\\v2'),
    }


def test_without_hyperparameters_the_object_is_plain_json() -> None:
    t = template()
    assert member_joins(state_machine(t)["DefinitionString"]) == []
    assert "$merge([{}, $given, " in definition_of(t)["States"]["Train"]["Arguments"]["HyperParameters"]
