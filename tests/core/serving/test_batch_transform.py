"""core.serving.batch_transform.resolve: RLBatchTransform's defaults (family name, output path), its checks on
both sides, the request checked against botocore's model, a frozen value."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.batch_transform import BatchTransformOptions, resolve
from rl_constructs.core.serving.transform import BatchStrategy, DataType, create_model_request
from rl_constructs.core.toolkits import Processor

BASE: dict[str, Any] = {
    "stack_name": "RLStack",
    "construct_id": "Score",
    "training_output_uri": "s3://bucket/rl/",
    "instance_type": "ml.m5.large",
    "data": "s3://bucket/episodes/",
}


def options(**overrides: Any) -> BatchTransformOptions:
    return resolve(**{**BASE, **overrides})


def refused(argument: str, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        options(**overrides)
    assert argument in caught.value.argument, caught.value


def test_the_defaults_name_the_family_after_the_construct_and_write_under_the_training_output() -> None:
    resolved = options()
    assert resolved.base_transform_job_name == "RLStack-Score"
    assert resolved.processor is Processor.CPU and resolved.default_output
    assert resolved.spec.output_path == "{% 's3://bucket/rl/transform/' & $transform.job %}"
    assert resolved.spec.data_type is DataType.S3_PREFIX and resolved.spec.instance_count == 1
    assert resolved.request["TransformOutput"] == {"S3OutputPath": resolved.spec.output_path}
    assert "Tags" not in resolved.request
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.default_output = False  # type: ignore[misc]


def test_given_settings_are_kept() -> None:
    resolved = options(
        output_path="s3://out/results/",
        base_transform_job_name="score",
        instance_type="ml.g4dn.xlarge",
        strategy="MultiRecord",
        tags={"team": "rl"},
        max_payload_mb=6,
    )
    assert (resolved.base_transform_job_name, resolved.processor, resolved.default_output) == (
        "score",
        Processor.GPU,
        False,
    )
    assert resolved.spec.strategy is BatchStrategy.MULTI_RECORD and resolved.spec.max_payload_mb == 6
    assert resolved.request["Tags"] == [{"Key": "team", "Value": "rl"}]
    assert options(output_path="s3://out/", training_output_uri=None).spec.output_path == "s3://out/"


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"instance_type": "ml.t2.medium"}, "instance_type"),
        ({"instance_count": 0}, "instance_count"),
        ({"data": "my-data/episodes"}, "data"),
        ({"output_path": "results/"}, "output_path"),
        ({"strategy": "AllAtOnce"}, "strategy"),
        ({"max_payload_mb": 101}, "max_payload"),
        ({"max_payload_mb": 30, "max_concurrent_transforms": 4}, "max_payload"),
        ({"environment": {f"K{i}": "v" for i in range(17)}}, "environment"),
        ({"base_transform_job_name": "bad_name"}, "base_job_name"),
        ({"base_transform_job_name": "a" * 40}, "base_transform_job_name"),
        ({"tags": {"team": "v" * 257}}, "tags"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(overrides: dict[str, Any], argument: str) -> None:
    refused(argument, **overrides)


def test_limits_are_inclusive() -> None:
    assert options(max_payload_mb=100).spec.max_payload_mb == 100
    assert options(max_payload_mb=25, max_concurrent_transforms=4).spec.max_concurrent_transforms == 4
    assert len(options(environment={f"K{i}": "v" for i in range(16)}).spec.environment) == 16
    assert options(base_transform_job_name="a" * 39).base_transform_job_name == "a" * 39


def test_wrong_types_are_type_errors() -> None:
    for argument, value in (("environment", {"K": 1}), ("tags", ["a"]), ("instance_count", "2")):
        with pytest.raises(TypeError, match=argument):
            options(**{argument: value})


def test_the_stages_model_is_named_as_its_job() -> None:
    request = create_model_request(role_arn="arn:role", image="img", environment={}, tags=None)
    assert request == {
        "ModelName": "{% $transform.job %}",
        "ExecutionRoleArn": "arn:role",
        "PrimaryContainer": {"Image": "img", "ModelDataUrl": "{% $transform.modelData %}"},
    }
    tagged = create_model_request(role_arn="r", image="i", environment={"A": "b"}, tags=[{"Key": "k", "Value": "v"}])
    assert tagged["Tags"] == [{"Key": "k", "Value": "v"}] and tagged["PrimaryContainer"]["Environment"] == {"A": "b"}
