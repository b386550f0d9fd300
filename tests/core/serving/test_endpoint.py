"""core.serving.endpoint: serverless and autoscaling settings (RLEndpoint's and RLPipeline's checks) and
RLEndpoint's resolve: defaults, every check on both sides of its rule, a frozen value."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.arguments import NUMBER_TOKEN_BELOW
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.data_capture import DataCaptureOptions
from rl_constructs.core.serving.endpoint import (
    EndpointOptions,
    ScalingSettings,
    ServedModel,
    ServerlessSettings,
    check_autoscaling,
    check_serverless,
    resolve,
)
from rl_constructs.core.serving.requests import production_variant, serverless_config
from rl_constructs.core.toolkits import Processor

CPU_MODEL = ServedModel("ml.m5.large", Processor.CPU, has_role=True)
IMPORTED = ServedModel(None, None, has_role=False)
SERVERLESS = ServerlessSettings(memory_mib=1024)
SCALING = ScalingSettings(min_capacity=1, max_capacity=3, target_invocations_per_instance=50)
CAPTURE = DataCaptureOptions(50, ("Input",), "data-capture/", None)


def options(**overrides: Any) -> EndpointOptions:
    values: dict[str, Any] = {
        "model": CPU_MODEL,
        "instance_type": None,
        "initial_instance_count": 1,
        "endpoint_name": None,
        **overrides,
    }
    return resolve(**values)


def refused(argument: str, fragment: str, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        options(**overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def test_the_endpoint_serves_on_the_models_instance_type_by_default() -> None:
    resolved = options()
    assert (resolved.instance_type, resolved.initial_instance_count, resolved.endpoint_name) == ("ml.m5.large", 1, None)
    assert resolved.serverless is None and resolved.autoscaling is None and resolved.data_capture is None
    assert options(instance_type="ml.c5.xlarge").instance_type == "ml.c5.xlarge"
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.instance_type = "ml.c5.xlarge"  # type: ignore[misc]


def test_an_instance_type_is_needed_and_must_fit_the_models_image() -> None:
    refused("instance_type", "needs a hosting instance type", model=IMPORTED)
    assert options(model=IMPORTED, instance_type="ml.g4dn.xlarge").instance_type == "ml.g4dn.xlarge"
    refused(
        "instance_type",
        "is a gpu instance but the model's serving image is the cpu one",
        instance_type="ml.g4dn.xlarge",
    )
    refused("instance_type", "ml.m5.bogus", instance_type="ml.m5.bogus")


def test_serverless_has_no_instance_type_and_no_autoscaling() -> None:
    resolved = options(serverless=SERVERLESS)
    assert resolved.instance_type is None and resolved.serverless is SERVERLESS
    refused("autoscaling", "serverless", serverless=SERVERLESS, autoscaling=SCALING)
    gpu_model = ServedModel("ml.g4dn.xlarge", Processor.GPU, has_role=True)
    refused("serverless", "cpu only", model=gpu_model, serverless=SERVERLESS)


def test_counts_and_names() -> None:
    refused("initial_instance_count", "at least 1, got 0", initial_instance_count=0)
    assert options(initial_instance_count=NUMBER_TOKEN_BELOW * 2).initial_instance_count < NUMBER_TOKEN_BELOW
    refused("endpoint_name", "not a valid SageMaker endpoint name", endpoint_name="-policy")
    assert options(endpoint_name="policy-1").endpoint_name == "policy-1"
    for argument, value in (("instance_type", 1), ("endpoint_name", 1), ("initial_instance_count", "2")):
        with pytest.raises(TypeError, match=argument):
            options(**{argument: value})


def test_data_capture_needs_the_models_role() -> None:
    refused(
        "data_capture",
        "pass role= to RLModel.from_model_name",
        model=IMPORTED,
        instance_type="ml.m5.large",
        data_capture=CAPTURE,
    )
    assert options(data_capture=CAPTURE).data_capture is CAPTURE


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (ServerlessSettings(memory_mib=512), "1 to 6 GiB"),
        (ServerlessSettings(memory_mib=7168), "1 to 6 GiB"),
        (ServerlessSettings(memory_mib=1024, max_concurrency=0), "1-200"),
        (ServerlessSettings(memory_mib=1024, max_concurrency=201), "1-200"),
        (ServerlessSettings(memory_mib=1024, max_concurrency=5, provisioned_concurrency=6), "1 to max_concurrency"),
        (ServerlessSettings(memory_mib=1024, provisioned_concurrency=0), "1 to max_concurrency"),
    ],
)
def test_serverless_limits_are_sagemakers(settings: ServerlessSettings, fragment: str) -> None:
    with pytest.raises(RLConfigurationError, match=fragment) as caught:
        check_serverless(settings, None)
    assert caught.value.argument == "serverless"


def test_serverless_within_its_limits_is_accepted_and_rendered() -> None:
    for settings in (
        ServerlessSettings(memory_mib=6144, max_concurrency=200, provisioned_concurrency=200),
        ServerlessSettings(memory_mib=1024, max_concurrency=1, provisioned_concurrency=1),
    ):
        assert check_serverless(settings, "ml.m5.large") is settings
    assert serverless_config(ServerlessSettings(memory_mib=2048)) == {"MemorySizeInMB": 2048, "MaxConcurrency": 20}
    with pytest.raises(TypeError, match=r"serverless\.max_concurrency"):
        check_serverless(ServerlessSettings(memory_mib=1024, max_concurrency=True), None)


@pytest.mark.parametrize(
    ("settings", "count", "argument", "fragment"),
    [
        (ScalingSettings(0, 2, 10), 1, "autoscaling", "min_capacity must be at least 1"),
        (ScalingSettings(3, 2, 10), 2, "autoscaling", "greater than max_capacity"),
        (ScalingSettings(2, 4, 10), 1, "initial_instance_count", "outside the autoscaling range 2-4"),
        (ScalingSettings(2, 4, 10), 5, "initial_instance_count", "outside the autoscaling range 2-4"),
        (ScalingSettings(1, 4, 0), 1, "autoscaling", "greater than 0"),
    ],
)
def test_autoscaling_limits(settings: ScalingSettings, count: int, argument: str, fragment: str) -> None:
    with pytest.raises(RLConfigurationError, match=fragment) as caught:
        check_autoscaling(settings, count)
    assert caught.value.argument == argument


def test_autoscaling_within_its_limits_is_accepted() -> None:
    assert check_autoscaling(ScalingSettings(2, 4, 0.5), 2) == ScalingSettings(2, 4, 0.5)
    assert check_autoscaling(ScalingSettings(2, 4, 1), 4).max_capacity == 4
    with pytest.raises(TypeError, match="target_invocations_per_instance"):
        check_autoscaling(ScalingSettings(1, 2, "10"), 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"autoscaling\.min_capacity"):
        check_autoscaling(ScalingSettings(True, 2, 10), 1)


def test_the_variant_is_deploys() -> None:
    assert production_variant(model_name="m", instance_type="ml.m5.large", instance_count=2) == {
        "VariantName": "AllTraffic",
        "ModelName": "m",
        "InitialInstanceCount": 2,
        "InstanceType": "ml.m5.large",
        "InitialVariantWeight": 1,
    }
    serverless = production_variant(
        model_name="m", instance_type=None, instance_count=1, serverless={"MaxConcurrency": 2}
    )
    assert "InstanceType" not in serverless and serverless["ServerlessConfig"] == {"MaxConcurrency": 2}
