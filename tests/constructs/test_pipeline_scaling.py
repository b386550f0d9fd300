"""RLPipeline with serverless inference and with ``Tags.of``: synthesized, then executed by
``rl_constructs.testing.sfn`` (moto's engine, reference JSONata, every request checked against botocore's model).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms

from rl_constructs import RLPipeline, RLTrainingJob
from rl_constructs.core.contracts import PIPELINE_TAG_KEY
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.data_capture import DataCapture
from rl_constructs.endpoint import EndpointAutoscaling, ServerlessInference
from rl_constructs.testing.asl import ACCOUNT, REGION
from rl_constructs.testing.sfn import Result, ScriptedSageMaker, run_execution
from tests.cdk_support import Synthesized, assert_clean, new_app, synth
from tests.constructs.pipeline_support import coach_job, coach_stack

ENDPOINT = "cartpole"
OWN_TAG = {"Key": PIPELINE_TAG_KEY, "Value": "RL/Pipeline"}


@cache
def serverless_template(endpoint_name: str | None = ENDPOINT, provisioned: int | None = None) -> dict[str, Any]:
    stack = coach_stack()
    RLPipeline(
        stack,
        "Pipeline",
        training_job=coach_job(stack),
        endpoint_name=endpoint_name,
        serverless=ServerlessInference(
            memory_size=cdk.Size.gibibytes(2), max_concurrency=5, provisioned_concurrency=provisioned
        ),
    )
    return cdk.assertions.Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def calls_of(result: Result, operation: str) -> list[dict[str, Any]]:
    return [call.params for call in result.calls if call.operation == operation]


def job(n: int) -> str:
    return f"RL-Train-run-{n}"


# ---- serverless -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provisioned", [None, 2], ids=["on-demand", "provisioned"])
def test_a_serverless_pipeline_creates_a_serverless_variant_and_updates_it_without_retaining_counts(
    provisioned: int | None,
) -> None:
    sm = ScriptedSageMaker()
    first = run_execution(serverless_template(provisioned=provisioned), {}, sm, name="run-1")
    assert first.status == "SUCCEEDED", (first.error, first.cause)
    serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    if provisioned is not None:
        serverless["ProvisionedConcurrency"] = provisioned
    (config,) = calls_of(first, "CreateEndpointConfig")
    # What deploy(serverless_inference_config=...) sends: no instance type or count, weight 1.
    assert config == {
        "EndpointConfigName": job(1),
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": job(1),
                "ServerlessConfig": serverless,
                "InitialVariantWeight": 1,
            }
        ],
        "Tags": [OWN_TAG],
    }
    (variant,) = sm.describe_endpoint(EndpointName=ENDPOINT)["ProductionVariants"]
    assert variant["CurrentServerlessConfig"] == serverless

    second = run_execution(serverless_template(provisioned=provisioned), {}, sm, name="run-2")
    assert second.status == "SUCCEEDED", (second.error, second.cause)
    (update,) = calls_of(second, "UpdateEndpoint")
    assert update == {"EndpointName": ENDPOINT, "EndpointConfigName": job(2)}


def test_a_serverless_pipeline_with_per_run_endpoints_runs() -> None:
    sm = ScriptedSageMaker()
    result = run_execution(serverless_template(endpoint_name=None), {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (create,) = calls_of(result, "CreateEndpoint")
    assert create["EndpointName"] == job(1)


def _pipeline(stack: cdk.Stack, job: RLTrainingJob | None = None, **props: Any) -> RLPipeline:
    return RLPipeline(stack, "Pipeline", training_job=job or coach_job(stack), **props)


SERVERLESS = ServerlessInference(memory_size=cdk.Size.gibibytes(1))


@pytest.mark.parametrize(
    ("props", "argument"),
    [
        ({"deploy_instance_type": "ml.m5.large"}, "serverless"),
        ({"initial_instance_count": 2}, "initial_instance_count"),
        ({"data_capture": "capture"}, "data_capture"),
        ({"endpoint_kms_key": "key"}, "endpoint_kms_key"),
    ],
)
def test_serverless_refuses_what_serverless_endpoints_do_not_support(props: dict[str, Any], argument: str) -> None:
    stack = coach_stack()
    if props.get("data_capture") == "capture":
        props["data_capture"] = DataCapture(destination="s3://bucket/capture")
    if props.get("endpoint_kms_key") == "key":
        props["endpoint_kms_key"] = kms.Key(stack, "Key")
    with pytest.raises(RLConfigurationError) as raised:
        _pipeline(stack, serverless=SERVERLESS, **props)
    assert raised.value.argument == argument


def test_serverless_refuses_a_training_job_in_a_vpc() -> None:
    stack = coach_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    training = coach_job(stack, vpc=vpc)
    with pytest.raises(RLConfigurationError) as raised:
        _pipeline(stack, training, serverless=SERVERLESS)
    assert raised.value.argument == "serverless"


@pytest.mark.parametrize(
    ("serverless", "argument"),
    [
        (ServerlessInference(memory_size=cdk.Size.mebibytes(1536)), "serverless"),
        (ServerlessInference(memory_size=cdk.Size.gibibytes(1), max_concurrency=201), "serverless"),
        (ServerlessInference(memory_size=cdk.Size.gibibytes(1), provisioned_concurrency=30), "serverless"),
    ],
)
def test_serverless_limits_are_sagemakers(serverless: ServerlessInference, argument: str) -> None:
    stack = coach_stack()
    with pytest.raises(RLConfigurationError) as raised:
        _pipeline(stack, serverless=serverless)
    assert raised.value.argument == argument


def test_serverless_of_the_wrong_type_is_a_type_error() -> None:
    stack = coach_stack()
    with pytest.raises(TypeError, match="serverless"):
        _pipeline(stack, serverless=EndpointAutoscaling(max_capacity=2, target_invocations_per_instance=10))


# ---- Tags.of(...) ---------------------------------------------------------------------------------------------


def test_tags_applied_with_tags_of_reach_every_resource_a_run_creates() -> None:
    stack = coach_stack()
    _pipeline(stack, deploy_instance_type="ml.m5.large", endpoint_name=ENDPOINT, tags={"owner": "ml", "team": "x"})
    cdk.Tags.of(stack).add("team", "rl")  # tags= wins over an applied tag of the same key
    cdk.Tags.of(stack).add("cost-center", "42")
    cdk.Tags.of(stack).add(PIPELINE_TAG_KEY, "spoofed")  # never replaces the pipeline's own tag
    template = cdk.assertions.Template.from_stack(stack).to_json()
    result = run_execution(template, {}, ScriptedSageMaker(), name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    expected = [
        OWN_TAG,
        {"Key": "owner", "Value": "ml"},
        {"Key": "team", "Value": "x"},
        {"Key": "cost-center", "Value": "42"},
    ]
    for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"):
        (params,) = calls_of(result, operation)
        assert params["Tags"] == expected, operation


def test_without_applied_tags_the_requests_carry_the_pipeline_tag_and_tags() -> None:
    stack = coach_stack()
    _pipeline(stack, deploy_instance_type="ml.m5.large", tags={"owner": "ml"})
    template = cdk.assertions.Template.from_stack(stack).to_json()
    result = run_execution(template, {}, ScriptedSageMaker(), name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"):
        (params,) = calls_of(result, operation)
        assert params["Tags"] == [OWN_TAG, {"Key": "owner", "Value": "ml"}], operation


# ---- autoscaling ----------------------------------------------------------------------------------------------

SCALING = EndpointAutoscaling(
    min_capacity=1,
    max_capacity=4,
    target_invocations_per_instance=100,
    scale_in_cooldown=cdk.Duration.minutes(5),
    scale_out_cooldown=cdk.Duration.minutes(1),
)
TARGET = {
    "ServiceNamespace": "sagemaker",
    "ResourceId": f"endpoint/{ENDPOINT}/variant/AllTraffic",
    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
}
POLICY = {
    "PolicyName": "rl-constructs-invocations-per-instance",
    "PolicyType": "TargetTrackingScaling",
    **TARGET,
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 100.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
    },
}


def scaled(instance_type: str = "ml.m5.large", region: str | None = REGION) -> Synthesized:
    """The autoscaled pipeline synthesized with cdk-nag, once per instance type and region mode (the runs and the
    lint and nag test share it; they read the template, never change it)."""
    return _scaled(instance_type, region)  # positional: one cache entry however the caller spells it


@cache
def _scaled(instance_type: str, region: str | None) -> Synthesized:
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)
    _pipeline(stack, deploy_instance_type=instance_type, endpoint_name=ENDPOINT, autoscaling=SCALING)
    return synth(app)


def scaled_template(instance_type: str = "ml.m5.large") -> dict[str, Any]:
    return scaled(instance_type).templates["RL"]


def scaling_calls(sm: ScriptedSageMaker) -> list[tuple[str, dict[str, Any], str | None]]:
    return [(call.operation, call.params, call.error) for call in sm.application_autoscaling.calls]


def test_every_run_that_deployed_registers_the_variant_and_puts_its_policy() -> None:
    sm = ScriptedSageMaker()
    for n in (1, 2):
        result = run_execution(scaled_template(), {}, sm, name=f"run-{n}")
        assert result.status == "SUCCEEDED", (result.error, result.cause)
    register = {**TARGET, "MinCapacity": 1, "MaxCapacity": 4}
    # The same instance type: the second run reads the serving config and updates without deregistering.
    assert scaling_calls(sm) == [
        ("RegisterScalableTarget", register, None),
        ("PutScalingPolicy", POLICY, None),
        ("RegisterScalableTarget", register, None),
        ("PutScalingPolicy", POLICY, None),
    ]
    assert list(sm.application_autoscaling.targets) == [tuple(TARGET.values())]


def test_an_update_to_another_instance_type_deregisters_the_variant_first() -> None:
    sm = ScriptedSageMaker()
    assert run_execution(scaled_template(), {}, sm, name="run-1").status == "SUCCEEDED"
    # Without the deregistration, the scripted SageMaker refuses the update as SageMaker does.
    result = run_execution(scaled_template("ml.c5.large"), {}, sm, name="run-2")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [operation for operation, _, _ in scaling_calls(sm)] == [
        "RegisterScalableTarget",
        "PutScalingPolicy",
        "DeregisterScalableTarget",
        "RegisterScalableTarget",
        "PutScalingPolicy",
    ]
    assert scaling_calls(sm)[2] == ("DeregisterScalableTarget", TARGET, None)


def test_autoscaling_calls_retry_throttling_and_concurrent_updates() -> None:
    sm = ScriptedSageMaker()
    sm.application_autoscaling.fail("RegisterScalableTarget", code="ThrottlingException")
    sm.application_autoscaling.fail("PutScalingPolicy", code="ConcurrentUpdateException")
    sm.application_autoscaling.fail("PutScalingPolicy", code="InternalServiceException")
    result = run_execution(scaled_template(), {}, sm, name="run-1")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert list(sm.application_autoscaling.policies) == [(*TARGET.values(), POLICY["PolicyName"])]


def test_a_failed_autoscaling_keeps_the_deployment_and_says_so() -> None:
    sm = ScriptedSageMaker()
    sm.application_autoscaling.fail("PutScalingPolicy", code="ValidationException", message="bad policy", times=9)
    result = run_execution(scaled_template(), {}, sm, name="run-1")
    assert (result.status, result.error) == ("FAILED", "RL.AutoscalingFailed")
    assert "bad policy" in result.cause and "serves this run" in result.cause
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == job(1)
    assert [m["ModelName"] for m in sm.list_models(MaxResults=100)["Models"]] == [job(1)]


def test_a_failed_autoscaled_endpoint_is_deleted_with_its_target_and_created_and_registered_anew() -> None:
    sm = ScriptedSageMaker()
    assert run_execution(scaled_template(), {}, sm, name="run-1").status == "SUCCEEDED"
    # The endpoint went Failed (by hand, or an older version): the next run deletes it, which deregisters its
    # scalable target (the role may DeregisterScalableTarget), creates it anew and registers it again.
    sm.seed_endpoint(ENDPOINT, job(1), status="Failed")
    result = run_execution(scaled_template(), {}, sm, name="run-2")
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.operations.count("DeleteEndpoint") == 1
    assert result.operations.count("CreateEndpoint") == 1
    assert [operation for operation, _, error in scaling_calls(sm) if error is None] == [
        "RegisterScalableTarget",
        "PutScalingPolicy",
        "RegisterScalableTarget",
        "PutScalingPolicy",
    ]
    assert list(sm.application_autoscaling.targets) == [tuple(TARGET.values())]


def test_the_pipeline_role_may_deregister_and_the_cleanup_role_too() -> None:
    template = scaled_template()
    policies = [
        resource["Properties"]["PolicyDocument"]["Statement"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
    ]
    actions = [
        action
        for statements in policies
        for statement in statements
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]
    assert actions.count("application-autoscaling:DeregisterScalableTarget") >= 2  # state machine, cleanup
    for action in ("RegisterScalableTarget", "PutScalingPolicy"):
        assert f"application-autoscaling:{action}" in actions
    assert "iam:CreateServiceLinkedRole" in actions


@pytest.mark.parametrize(
    ("props", "argument"),
    [
        ({"deploy_instance_type": "ml.m5.large"}, "autoscaling"),  # per-run endpoints
        ({"serverless": SERVERLESS, "endpoint_name": ENDPOINT}, "autoscaling"),
        ({"endpoint_name": ENDPOINT}, "autoscaling"),  # training only
        ({"deploy_instance_type": "ml.m5.large", "endpoint_name": ENDPOINT, "initial_instance_count": 5}, None),
    ],
)
def test_autoscaling_is_refused_where_it_cannot_apply(props: dict[str, Any], argument: str | None) -> None:
    with pytest.raises(RLConfigurationError) as raised:
        _pipeline(coach_stack(), autoscaling=SCALING, **props)
    assert raised.value.argument == (argument or "initial_instance_count")


@pytest.mark.parametrize("region", ["us-west-2", None], ids=["us-west-2", "agnostic"])
def test_an_autoscaled_pipeline_stack_lints_and_passes_nag(region: str | None) -> None:
    assert_clean(scaled(region=region), "RL")


def test_a_serverless_pipeline_stack_lints_and_passes_nag() -> None:
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=REGION))
    _pipeline(stack, serverless=SERVERLESS)
    assert_clean(synth(app), "RL")
