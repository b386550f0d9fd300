"""RLEndpoint as aws-sagemaker-alpha's Endpoint: grant_invoke, metric_*, from_endpoint_name/arn."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from rl_constructs import IRLEndpoint, RLConfigurationError, RLEndpoint, RLModel
from rl_constructs.testing import new_app, role_statements

MODEL_DATA = "s3://models/job-1/output/model.tar.gz"
COACH_TF: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}


def make_endpoint() -> tuple[cdk.Stack, RLEndpoint]:
    stack = cdk.Stack(new_app(), "Serving", env=cdk.Environment(account="111122223333", region="us-west-2"))
    model = RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", **COACH_TF)
    return stack, RLEndpoint(stack, "Endpoint", model=model)


def resolved(stack: cdk.Stack, value: Any) -> Any:
    return stack.resolve(value)


def test_grant_invoke_allows_invoke_endpoint_on_the_endpoints_arn() -> None:
    stack, endpoint = make_endpoint()
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    endpoint.grant_invoke(role)
    template = Template.from_stack(stack).to_json()
    (logical_id,) = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::SageMaker::Endpoint"]
    assert role_statements(template, "Caller") == [
        {"Action": "sagemaker:InvokeEndpoint", "Effect": "Allow", "Resource": {"Ref": logical_id}}
    ]
    # aws-cdk-lib's own reference to the endpoint names its ARN by the same Ref.
    assert resolved(stack, endpoint.resource.endpoint_ref.endpoint_arn) == {"Ref": logical_id}
    assert isinstance(endpoint, IRLEndpoint)


#: (method, namespace, metric name, statistic): the Developer Guide's endpoint metrics, with the statistics
#: aws-sagemaker-alpha's Endpoint gives them.
METRICS = [
    ("metric_invocations", "AWS/SageMaker", "Invocations", "Sum"),
    ("metric_invocations_per_instance", "AWS/SageMaker", "InvocationsPerInstance", "Sum"),
    ("metric_client_errors", "AWS/SageMaker", "Invocation4XXErrors", "Sum"),
    ("metric_server_errors", "AWS/SageMaker", "Invocation5XXErrors", "Sum"),
    ("metric_model_latency", "AWS/SageMaker", "ModelLatency", "Average"),
    ("metric_overhead_latency", "AWS/SageMaker", "OverheadLatency", "Average"),
    ("metric_cpu_utilization", "/aws/sagemaker/Endpoints", "CPUUtilization", "Average"),
    ("metric_memory_utilization", "/aws/sagemaker/Endpoints", "MemoryUtilization", "Average"),
    ("metric_gpu_utilization", "/aws/sagemaker/Endpoints", "GPUUtilization", "Average"),
    ("metric_gpu_memory_utilization", "/aws/sagemaker/Endpoints", "GPUMemoryUtilization", "Average"),
    ("metric_disk_utilization", "/aws/sagemaker/Endpoints", "DiskUtilization", "Average"),
]


@pytest.mark.parametrize(("method", "namespace", "name", "statistic"), METRICS)
def test_each_metric_names_the_endpoint_and_its_variant(method: str, namespace: str, name: str, statistic: str) -> None:
    stack, endpoint = make_endpoint()
    metric = getattr(endpoint, method)()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (namespace, name, statistic)
    assert metric.period.to_seconds() == 300
    assert resolved(stack, metric.dimensions) == {
        "EndpointName": resolved(stack, endpoint.endpoint_name),
        "VariantName": "AllTraffic",
    }


def test_metric_options_override_the_defaults_and_alarms_synthesize() -> None:
    stack, endpoint = make_endpoint()
    errors = endpoint.metric_server_errors(period=cdk.Duration.minutes(1), label="5xx")
    assert (errors.period.to_minutes(), errors.label, errors.statistic) == (1, "5xx", "Sum")
    endpoint.metric_server_errors(period=cdk.Duration.minutes(1)).create_alarm(
        stack, "Errors", threshold=1, evaluation_periods=1
    )
    (alarm,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["MetricName"] == "Invocation5XXErrors"
    assert (alarm["Properties"]["Namespace"], alarm["Properties"]["Period"]) == ("AWS/SageMaker", 60)


def test_an_endpoint_imported_by_name_has_sagemakers_lower_case_arn() -> None:
    stack, _ = make_endpoint()
    imported = RLEndpoint.from_endpoint_name(stack, "Existing", "RL-CartPole-Coach")
    assert imported.endpoint_name == "RL-CartPole-Coach"
    assert imported.endpoint_arn == "arn:aws:sagemaker:us-west-2:111122223333:endpoint/rl-cartpole-coach"
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_invoke(role)
    statements = role_statements(Template.from_stack(stack).to_json(), "Caller")
    assert statements == [{"Action": "sagemaker:InvokeEndpoint", "Effect": "Allow", "Resource": imported.endpoint_arn}]
    assert resolved(stack, imported.metric_invocations().dimensions) == {
        "EndpointName": "RL-CartPole-Coach",
        "VariantName": "AllTraffic",
    }


def test_an_endpoint_imported_by_arn_reads_its_name_and_environment() -> None:
    stack, _ = make_endpoint()
    arn = "arn:aws:sagemaker:eu-west-1:444455556666:endpoint/shared-policy"
    imported = RLEndpoint.from_endpoint_arn(stack, "Shared", arn, variant_name="Blue")
    assert (imported.endpoint_name, imported.endpoint_arn, imported.variant_name) == ("shared-policy", arn, "Blue")
    assert isinstance(imported, cdk.Resource)
    assert (imported.env.account, imported.env.region) == ("444455556666", "eu-west-1")


@pytest.mark.parametrize(
    ("arn", "error", "message"),
    [
        ("arn:aws:sagemaker:us-west-2:111122223333:model/m", RLConfigurationError, "endpoint_arn: expected arn:"),
        ("arn:aws:s3:::bucket/endpoint", RLConfigurationError, "endpoint_arn: expected arn:"),
        (42, TypeError, "endpoint_arn"),
    ],
)
def test_a_wrong_arn_is_refused(arn: Any, error: type[Exception], message: str) -> None:
    stack, _ = make_endpoint()
    with pytest.raises(error, match=message):
        RLEndpoint.from_endpoint_arn(stack, "Bad", arn)
