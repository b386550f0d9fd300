"""core.serving.requests and iam: a pipeline run's requests as the APIs spell them, and the state machine role's
statements."""

from __future__ import annotations

import pytest

from rl_constructs.core.serving import iam
from rl_constructs.core.serving.endpoint import ScalingSettings
from rl_constructs.core.serving.requests import (
    create_model_request,
    endpoint_config_request,
    model_request,
    register_scalable_target_request,
    scaling_policy_request,
    update_endpoint_request,
)

TAGS = [{"Key": "rl-constructs:pipeline", "Value": "RL/Pipeline"}]


def test_the_runs_model_is_named_after_its_job_in_the_jobs_vpc() -> None:
    request = create_model_request(
        role_arn="arn:role", image="img", environment={}, tags=TAGS, vpc_config={"Subnets": ("s",)}
    )
    assert request["ModelName"] == "{% $run.job %}" and request["VpcConfig"] == {"Subnets": ["s"]}
    assert "Environment" not in request["PrimaryContainer"] and request["Tags"] == TAGS
    assert list(request) == ["ModelName", "ExecutionRoleArn", "PrimaryContainer", "VpcConfig", "Tags"]


def test_an_endpoint_config_has_instances_or_serverless_not_both() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        endpoint_config_request(instance_type=None, instance_count=1, tags=TAGS)
    with pytest.raises(ValueError, match="exactly one"):
        endpoint_config_request(instance_type="ml.m5.large", instance_count=1, tags=TAGS, serverless={"A": 1})
    request = endpoint_config_request(instance_type="ml.m5.large", instance_count=2, tags=TAGS, kms_key_id="arn:key")
    assert request["ProductionVariants"][0]["InitialInstanceCount"] == 2 and request["KmsKeyId"] == "arn:key"


def test_an_update_keeps_the_instance_counts_unless_told_not_to() -> None:
    kept = update_endpoint_request(retain_instance_counts=True)
    assert kept["RetainAllVariantProperties"] is True
    assert kept["ExcludeRetainedVariantProperties"] == [{"VariantPropertyType": "DataCaptureConfig"}]
    assert "RetainAllVariantProperties" not in update_endpoint_request(retain_instance_counts=False)


def test_autoscaling_requests_target_the_runs_endpoint_variant() -> None:
    scaling = ScalingSettings(1, 4, 100, scale_in_cooldown_seconds=600)
    register = register_scalable_target_request(scaling)
    assert register["ResourceId"] == "{% 'endpoint/' & $run.endpoint & '/variant/AllTraffic' %}"
    assert (register["MinCapacity"], register["MaxCapacity"]) == (1, 4)
    configuration = scaling_policy_request(scaling)["TargetTrackingScalingPolicyConfiguration"]
    assert configuration["TargetValue"] == 100.0 and configuration["ScaleInCooldown"] == 600
    assert "ScaleOutCooldown" not in configuration


def test_an_rlmodels_request_names_only_what_is_given() -> None:
    request = model_request(model_name=None, role_arn="r", image="i", model_data_url="s3://b/m.tar.gz", environment={})
    assert list(request) == ["PrimaryContainer", "ExecutionRoleArn"]
    isolated = model_request(
        model_name="m", role_arn="r", image="i", model_data_url="u", environment={}, enable_network_isolation=True
    )
    assert isolated["ModelName"] == "m" and isolated["EnableNetworkIsolation"] is True


def test_the_state_machine_passes_the_hosting_role_to_sagemaker_only() -> None:
    pass_role, tagging, listing = iam.run_resource_statements("arn:role", ["arn:model/*"])
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert tagging["Resource"] == ["arn:model/*"] and listing["Resource"] == ["*"]
    assert iam.rollback_alarm_statements([]) == []


def test_autoscaling_may_create_only_its_service_linked_role() -> None:
    (linked, *_rest) = iam.autoscaling_statements(
        partition="aws", account="111122223333", endpoint_arns=["arn:e"], alarms_arn="arn:alarm"
    )
    assert linked["Resource"] == [
        "arn:aws:iam::111122223333:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
        "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
    ]


def test_every_hosting_wildcard_has_its_reason() -> None:
    reasons = iam.hosting_role_reasons(repository_arns=["*"], model_data_arns=["arn:s3:::b/out/*", "arn:s3:::b/m"])
    assert reasons == {"*": iam.TOKEN_IMAGE_REASON, "arn:s3:::b/out/*": iam.MODEL_DATA_REASON}
    merged = {"*": "a"}
    iam.add_reason(merged, "*", "a")
    iam.add_reason(merged, "*", "b")
    iam.add_reason(merged, "new", "c")
    assert merged == {"*": "a; b", "new": "c"}
