"""Image URIs in templates: strings for a concrete region, a mapping + Rules check when region-agnostic."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam

from rl_constructs import Processor, RLConfigurationError, RLFramework, resolve_image, serving_image, training_image
from rl_constructs._policy import allow
from rl_constructs.image_uris import (
    ECR_PULL_ACTIONS,
    CatalogImage,
    ContainerImage,
    EcrImage,
    EcrRepositoryImage,
    ForeignImage,
    ResolvedImage,
    image_from_uri,
    image_repository_arns,
)
from tests.cdk_support import lint, new_app

COACH = training_image("coach", "0.11.0", "tensorflow").image
RAY = training_image("ray", "1.6.0", "pytorch").image


def template_of(stack: cdk.Stack) -> dict:  # type: ignore[type-arg]
    # CloudFormation validation (a cdk.json feature flag) refuses a template without resources.
    cdk.CfnWaitConditionHandle(stack, "Placeholder")
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def test_a_concrete_region_gets_a_plain_string() -> None:
    stack = cdk.Stack(new_app(), "S", env=cdk.Environment(region="eu-west-1"))
    image = resolve_image(stack, COACH, Processor.GPU)
    assert image.image_uri == "520713654638.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-gpu-py3"
    # The partition of a known region is known too (cdk.json's target-partitions flag): all plain.
    assert image.repository_arn == "arn:aws:ecr:eu-west-1:520713654638:repository/sagemaker-rl-tensorflow"
    assert "Mappings" not in template_of(stack)


def test_a_concrete_region_without_the_image_fails_at_synth_naming_region() -> None:
    stack = cdk.Stack(new_app(), "S", env=cdk.Environment(region="sa-east-1"))
    with pytest.raises(RLConfigurationError, match=r"^region: .*'sa-east-1'"):
        resolve_image(stack, RAY, Processor.CPU)


def test_a_region_agnostic_stack_gets_a_mapping_and_a_deploy_time_region_check() -> None:
    stack = cdk.Stack(new_app(), "S")
    image = resolve_image(stack, RAY, Processor.CPU)
    again = resolve_image(stack, RAY, Processor.CPU)
    cdk.CfnOutput(stack, "Uri", value=image.image_uri)
    template = template_of(stack)

    ((name, mapping),) = template["Mappings"].items()  # one mapping, shared by both lookups
    assert name == "RLImageSagemakerRlRayContainerRay160TorchCpuPy36"
    assert set(mapping) == set(RAY.regions)
    assert mapping["us-west-2"]["uri"] == RAY.uri("us-west-2", Processor.CPU)
    assert mapping["us-west-2"]["repository"] == (
        f"arn:aws:ecr:us-west-2:{RAY.registries['us-west-2']}:repository/{RAY.repository}"
    )
    assert stack.resolve(image.image_uri) == {"Fn::FindInMap": [name, {"Ref": "AWS::Region"}, "uri"]}
    assert stack.resolve(again.image_uri) == stack.resolve(image.image_uri)

    rule = template["Rules"][f"{name}Region"]["Assertions"][0]
    assert rule["Assert"] == {"Fn::Contains": [list(RAY.regions), {"Ref": "AWS::Region"}]}
    assert "not published in this region" in rule["AssertDescription"]
    assert "us-west-2" in rule["AssertDescription"]
    assert lint(template) == []


def test_the_china_partition_uri_uses_its_own_domain() -> None:
    stack = cdk.Stack(new_app(), "S")
    resolve_image(stack, COACH, Processor.CPU)
    mapping = next(iter(template_of(stack)["Mappings"].values()))
    assert mapping["cn-northwest-1"]["uri"].startswith("423003514399.dkr.ecr.cn-northwest-1.amazonaws.com.cn/")
    assert mapping["cn-northwest-1"]["repository"].startswith("arn:aws-cn:ecr:cn-northwest-1:423003514399:repository/")


# ---- images grant their own pull ------------------------------------------------------------------------------

ACCOUNT = "111122223333"
TRAINING_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
SERVING_PULL = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
ECR_LOGIN = {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"}


def rendered(stack: cdk.Stack) -> dict[str, Any]:
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def bound_stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Images", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))


def sagemaker_role(stack: cdk.Stack, id: str) -> iam.Role:
    return iam.Role(stack, id, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


def granted(stack: cdk.Stack, role: str) -> list[dict[str, Any]]:
    """The statements of the principal policies of ``role`` (logical id prefix), as rendered (actions as a
    sorted list: cdk.json's minimizePolicies sorts and merges them)."""
    template = rendered(stack)
    return [
        {
            **statement,
            "Action": sorted([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]),
        }
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and any(ref["Ref"].startswith(role) for ref in resource["Properties"]["Roles"])
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def pull(resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": sorted(ECR_PULL_ACTIONS), "Resource": resource}


def test_a_training_role_and_a_model_role_each_pull_their_catalog_image_only() -> None:
    stack = bound_stack()
    training = resolve_image(stack, COACH, Processor.CPU)
    serving = resolve_image(stack, serving_image(RLFramework.TENSORFLOW, "2.5").image, Processor.CPU)
    assert isinstance(training, CatalogImage) and ResolvedImage is CatalogImage
    training.grant_pull(sagemaker_role(stack, "TrainingRole"))
    serving.grant_pull(sagemaker_role(stack, "ModelRole"))
    assert granted(stack, "TrainingRole") == [
        pull("arn:aws:ecr:us-west-2:520713654638:repository/sagemaker-rl-tensorflow"),
        ECR_LOGIN,
    ]
    assert granted(stack, "ModelRole") == [
        pull("arn:aws:ecr:us-west-2:763104351884:repository/tensorflow-inference"),
        ECR_LOGIN,
    ]


def test_a_catalog_image_of_a_region_agnostic_stack_pulls_from_the_mapped_repository() -> None:
    stack = cdk.Stack(new_app(), "Agnostic")
    image = resolve_image(stack, RAY, Processor.CPU)
    image.grant_pull(sagemaker_role(stack, "TrainingRole"))
    (name,) = rendered(stack)["Mappings"]
    assert granted(stack, "TrainingRole")[0] == pull({"Fn::FindInMap": [name, {"Ref": "AWS::Region"}, "repository"]})


def test_a_tokenized_ecr_uri_is_pulled_from_its_repository() -> None:
    stack = bound_stack()
    repository = ecr.Repository(stack, "Repo")
    image = image_from_uri(stack, repository.repository_uri_for_tag("v1"))
    assert isinstance(image, EcrImage)
    image.grant_pull(sagemaker_role(stack, "TrainingRole"))
    (logical,) = [name for name in rendered(stack)["Resources"] if name.startswith("Repo")]
    arn_part = {"Fn::Split": [":", {"Fn::GetAtt": [logical, "Arn"]}]}
    repository_arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ecr:",
                {"Fn::Select": [3, arn_part]},
                ":",
                {"Fn::Select": [4, arn_part]},
                ":repository/",
                {"Ref": logical},
            ],
        ]
    }
    assert granted(stack, "TrainingRole") == [pull(repository_arn), ECR_LOGIN]


def test_a_repository_image_is_granted_by_the_repository() -> None:
    stack = bound_stack()
    repository = ecr.Repository(stack, "Repo")
    image = EcrRepositoryImage(repository, digest="sha256:" + "0" * 64)
    image.grant_pull(sagemaker_role(stack, "ModelRole"))
    (logical,) = [name for name in rendered(stack)["Resources"] if name.startswith("Repo")]
    assert stack.resolve(image.image_uri)["Fn::Join"][1][-1] == "@sha256:" + "0" * 64
    assert stack.resolve(list(image.repository_arns)) == [{"Fn::GetAtt": [logical, "Arn"]}]
    assert granted(stack, "ModelRole") == [pull({"Fn::GetAtt": [logical, "Arn"]}), ECR_LOGIN]
    with pytest.raises(TypeError, match="exactly one of tag and digest"):
        EcrRepositoryImage(repository)


def test_an_image_known_only_at_deploy_time_is_pulled_from_any_repository() -> None:
    stack = bound_stack()
    image = image_from_uri(stack, cdk.Fn.import_value("ServingImage"))
    assert image.repository_arns == ("*",)
    image.grant_pull(sagemaker_role(stack, "ModelRole"))
    # One statement: minimizePolicies merges the pull and the login, both on "*".
    assert granted(stack, "ModelRole") == [{**pull("*"), "Action": sorted([*ECR_PULL_ACTIONS, *ECR_LOGIN["Action"]])}]


def test_an_image_of_another_registry_grants_nothing() -> None:
    stack = bound_stack()
    image = image_from_uri(stack, "docker.io/library/python:3.11")
    assert isinstance(image, ForeignImage)
    assert image.repository_arns == () and image.pull_statements(sid="PullServingImage") == []
    image.grant_pull(sagemaker_role(stack, "ModelRole"))
    assert granted(stack, "ModelRole") == []


def test_a_literal_ecr_uri_is_pulled_from_the_repository_it_names() -> None:
    stack = bound_stack()
    image = image_from_uri(stack, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/b:1@sha256:" + "f" * 64)
    assert stack.resolve(image.repository_arns[0]) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ecr:eu-west-1:123456789012:repository/a/b"]]
    }


@pytest.mark.parametrize("kind", ["catalog", "token", "deploy-time", "literal", "foreign"])
def test_the_pull_statements_are_those_the_roles_have_today(kind: str) -> None:
    """What the call sites render today (``resolve_image(...).repository_arn``, ``image_repository_arns``), as the
    training role (``PullTrainingImage``) and the hosting role (``PullServingImage``) list it."""
    stack = bound_stack()
    uri = {
        "token": lambda: ecr.Repository(stack, "Repo").repository_uri_for_tag("v1"),
        "deploy-time": lambda: cdk.Fn.import_value("Image"),
        "literal": lambda: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/b:1",
        "foreign": lambda: "registry.example.com/team/image:1",
    }
    if kind == "catalog":
        image: ContainerImage = resolve_image(stack, COACH, Processor.GPU)
        today: tuple[str, ...] = (resolve_image(stack, COACH, Processor.GPU).repository_arn,)
    else:
        image_uri = uri[kind]()
        image = image_from_uri(stack, image_uri)
        today = image_repository_arns(stack, image_uri)
    for sid, actions in (("PullTrainingImage", TRAINING_PULL), ("PullServingImage", SERVING_PULL)):
        expected = [allow(list(actions), list(today), sid=sid)] if today else []
        assert stack.resolve(image.pull_statements(sid=sid, actions=actions)) == stack.resolve(expected)
