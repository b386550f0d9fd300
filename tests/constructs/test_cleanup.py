"""PipelineResourceCleanup: the custom resource, its one provider per stack, least-privilege IAM, removal
policy, errors, cfn-lint and cdk-nag."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from rl_constructs._handler_provider import newest_python_runtime
from rl_constructs.cleanup import PipelineResourceCleanup, PipelineResourceCleanupProvider
from rl_constructs.core.contracts import PIPELINE_TAG_KEY
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.handler_code import stage_handler
from rl_constructs.testing.asl import ACCOUNT
from tests.cdk_support import assert_clean, new_app, role_statements, synth

RESOURCE_TYPE = "Custom::RLPipelineResourceCleanup"


def make_stack(region: str | None = "us-west-2", app: cdk.App | None = None) -> cdk.Stack:
    return cdk.Stack(app or new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)


def cleanup(stack: cdk.Stack, id: str = "Cleanup", **props: Any) -> PipelineResourceCleanup:
    arguments: dict[str, Any] = {"pipeline_tag_value": "RL/Pipeline", "name_prefixes": ["RL-Pipeline-"], **props}
    return PipelineResourceCleanup(stack, id, **arguments)


def test_the_custom_resource_carries_the_tag_value_and_names_and_is_deleted_with_the_stack() -> None:
    stack = make_stack()
    cleanup(stack, endpoint_names=["cartpole"])
    template = Template.from_stack(stack)
    template.has_resource(
        RESOURCE_TYPE,
        {
            "Properties": {
                "ServiceToken": Match.any_value(),
                "PipelineTagValue": "RL/Pipeline",
                "NamePrefixes": ["RL-Pipeline-"],
                "EndpointNames": ["cartpole"],
            },
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )
    assert PIPELINE_TAG_KEY == "rl-constructs:pipeline"


def test_retain_keeps_everything_cloudformation_never_sends_delete() -> None:
    stack = make_stack()
    cleanup(stack, removal_policy=cdk.RemovalPolicy.RETAIN)
    Template.from_stack(stack).has_resource(
        RESOURCE_TYPE, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )


def test_one_provider_and_one_python_function_serve_every_pipeline_of_the_stack() -> None:
    stack = make_stack()
    first = cleanup(stack, "First")
    second = cleanup(stack, "Second", pipeline_tag_value="RL/Other", name_prefixes=["RL-Other-"])
    assert first.provider is second.provider
    assert stack.node.find_child(PipelineResourceCleanupProvider.ID) is first.provider
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    customs = [r for r in resources.values() if r["Type"] == RESOURCE_TYPE]
    assert len(customs) == 2 and len({json.dumps(r["Properties"]["ServiceToken"]) for r in customs}) == 1
    python = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Runtime"].startswith("python")
    ]
    assert [(f["Handler"], f["Runtime"], f["Timeout"], f["MemorySize"]) for f in python] == [
        ("index.on_event", newest_python_runtime().name, 600, 256)
    ]
    assert not [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"], "no waiter"
    retention = {
        r["Properties"].get("RetentionInDays") for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"
    }
    assert retention == {30}


def sagemaker_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for s in role_statements(template, "HandlerRole")
        if any(a.startswith("sagemaker:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    ]


def test_the_handler_lists_anything_but_reads_tags_of_and_deletes_only_the_pipelines_names() -> None:
    stack = make_stack()
    cleanup(stack, endpoint_names=["CartPole"])
    statements = sagemaker_statements(Template.from_stack(stack).to_json())
    arn = f"arn:aws:sagemaker:us-west-2:{ACCOUNT}"
    assert statements == [
        {
            "Sid": "ListPipelineResources",
            "Effect": "Allow",
            "Action": ["sagemaker:ListEndpointConfigs", "sagemaker:ListEndpoints", "sagemaker:ListModels"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["sagemaker:DeleteEndpoint", "sagemaker:ListTags"],
            "Resource": [  # sorted by the CDK
                f"{arn}:endpoint/CartPole",
                f"{arn}:endpoint/RL-Pipeline-*",
                f"{arn}:endpoint/cartpole",
                f"{arn}:endpoint/rl-pipeline-*",
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["sagemaker:DeleteEndpointConfig", "sagemaker:ListTags"],
            "Resource": [f"{arn}:endpoint-config/RL-Pipeline-*", f"{arn}:endpoint-config/rl-pipeline-*"],
        },
        {
            "Effect": "Allow",
            "Action": ["sagemaker:DeleteModel", "sagemaker:ListTags"],
            "Resource": [f"{arn}:model/RL-Pipeline-*", f"{arn}:model/rl-pipeline-*"],
        },
    ]


def test_a_region_agnostic_stack_scopes_the_arns_with_pseudo_parameters() -> None:
    stack = make_stack(region=None)
    cleanup(stack, name_prefixes=["rl-pipeline-"])
    statements = sagemaker_statements(Template.from_stack(stack).to_json())
    resources = [
        r for s in statements[1:] for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert resources == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:{kind}/rl-pipeline-*"}
        for kind in ("endpoint", "endpoint-config", "model")
    ]


@pytest.mark.parametrize(
    ("props", "argument", "message"),
    [
        ({"name_prefixes": []}, "name_prefixes", "at least one"),
        ({"name_prefixes": ["bad_prefix"]}, "name_prefixes", "bad_prefix"),
        ({"name_prefixes": ["a" * 64]}, "name_prefixes", "63"),
        ({"endpoint_names": ["ends-with-"]}, "endpoint_names", "endpoint name"),
        ({"pipeline_tag_value": ""}, "pipeline_tag_value", "1 to 256"),
        ({"pipeline_tag_value": "x" * 257}, "pipeline_tag_value", "1 to 256"),
        ({"pipeline_tag_value": "semi;colon"}, "pipeline_tag_value", "semi;colon"),
        ({"removal_policy": cdk.RemovalPolicy.SNAPSHOT}, "removal_policy", "DESTROY, RETAIN"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(props: dict[str, Any], argument: str, message: str) -> None:
    with pytest.raises(RLConfigurationError) as error:
        cleanup(make_stack(), **props)
    assert error.value.argument == argument
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("props", "argument"),
    [
        ({"name_prefixes": "RL-Pipeline-"}, "name_prefixes"),
        ({"name_prefixes": [3]}, "name_prefixes"),
        ({"pipeline_tag_value": 7}, "pipeline_tag_value"),
        ({"removal_policy": "destroy"}, "removal_policy"),
    ],
)
def test_wrong_types_are_refused_naming_the_argument(props: dict[str, Any], argument: str) -> None:
    with pytest.raises(TypeError, match=argument):
        cleanup(make_stack(), **props)


def test_the_lambda_code_is_the_handler_and_the_contract_only() -> None:
    """Size and a lone import of the bundle: tests/_lambda/test_handler_bundles.py."""
    staged = stage_handler("cleanup_pipeline_resources")
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    assert files == [
        "index.py",
        "rl_constructs/__init__.py",
        "rl_constructs/core/__init__.py",
        "rl_constructs/core/contracts.py",
    ]


@pytest.mark.parametrize("region", ["us-west-2", None], ids=["us-west-2", "agnostic"])
def test_the_stack_lints_clean_and_passes_nag_with_reasons(region: str | None) -> None:
    app = new_app()
    stack = make_stack(region, app)
    cleanup(stack, endpoint_names=["cartpole"])
    parameter = cdk.CfnParameter(stack, "EndpointName", type="String")
    cleanup(stack, "FromParameter", name_prefixes=["RL-Other-"], endpoint_names=[parameter.value_as_string])
    template = assert_clean(synth(app), "RL")
    assert sum(r["Type"] == RESOURCE_TYPE for r in template["Resources"].values()) == 2
