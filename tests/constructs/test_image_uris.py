"""Image URIs in templates: strings for a concrete region, a mapping + Rules check when region-agnostic."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from rl_constructs import Processor, RLConfigurationError, resolve_image, training_image
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
