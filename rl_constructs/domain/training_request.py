"""The CreateTrainingJob request, assembled from one small fragment per API section.

API-cased keys appear only here. Values may be CDK tokens or JSONata strings: this module places them,
the construct resolves them. What ``RLEstimator.fit()`` sends is the baseline; the optional sections
(spot, checkpoints, retries, VPC, encryption, heterogeneous clusters) appear only when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InstanceGroupSpec:
    """One group of a heterogeneous cluster (``instance_groups``)."""

    instance_group_name: str
    instance_type: str
    instance_count: int


@dataclass(frozen=True)
class TrainingRequestSpec:
    """Everything the request holds, already validated."""

    training_job_name: str
    training_image: str
    role_arn: str
    s3_output_path: str
    hyperparameters: Mapping[str, str] | str
    metric_definitions: Sequence[Mapping[str, str]]
    volume_size_in_gb: int
    max_runtime_in_seconds: int
    instance_type: str | None = None
    instance_count: int | None = None
    instance_groups: Sequence[InstanceGroupSpec] = ()
    max_wait_time_in_seconds: int | None = None
    use_spot_instances: bool = False
    checkpoint_s3_uri: str | None = None
    checkpoint_local_path: str | None = None
    max_retry_attempts: int | None = None
    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    enable_network_isolation: bool = False
    encrypt_inter_container_traffic: bool = False
    volume_kms_key_id: str | None = None
    output_kms_key_id: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


def render_create_training_job(spec: TrainingRequestSpec) -> dict[str, Any]:
    """The request body, key order as the SDK sends it, optional sections only when set."""
    request: dict[str, Any] = {
        "TrainingJobName": spec.training_job_name,
        **_algorithm_specification(spec),
        "RoleArn": spec.role_arn,
        **_input_data_config(spec),
        **_output_data_config(spec),
        **_resource_config(spec),
        **_stopping_condition(spec),
        "HyperParameters": spec.hyperparameters,
        **_vpc_config(spec),
        **_flags(spec),
        **_checkpoint_config(spec),
        **_retry_strategy(spec),
        **({"Environment": dict(spec.environment)} if spec.environment else {}),
        **({"Tags": [{"Key": k, "Value": v} for k, v in spec.tags.items()]} if spec.tags else {}),
    }
    return request


def _algorithm_specification(spec: TrainingRequestSpec) -> dict[str, Any]:
    algorithm: dict[str, Any] = {"TrainingImage": spec.training_image, "TrainingInputMode": "File"}
    if spec.metric_definitions:
        algorithm["MetricDefinitions"] = [dict(d) for d in spec.metric_definitions]
    return {"AlgorithmSpecification": algorithm}


def _input_data_config(spec: TrainingRequestSpec) -> dict[str, Any]:
    if not spec.channels:
        return {}
    return {
        "InputDataConfig": [
            {
                "ChannelName": name,
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
            for name, uri in spec.channels.items()
        ]
    }


def _output_data_config(spec: TrainingRequestSpec) -> dict[str, Any]:
    output: dict[str, Any] = {"S3OutputPath": spec.s3_output_path}
    if spec.output_kms_key_id:
        output["KmsKeyId"] = spec.output_kms_key_id
    return {"OutputDataConfig": output}


def _resource_config(spec: TrainingRequestSpec) -> dict[str, Any]:
    resources: dict[str, Any]
    if spec.instance_groups:
        resources = {
            "InstanceGroups": [
                {
                    "InstanceGroupName": group.instance_group_name,
                    "InstanceType": group.instance_type,
                    "InstanceCount": group.instance_count,
                }
                for group in spec.instance_groups
            ]
        }
    else:
        resources = {"InstanceType": spec.instance_type, "InstanceCount": spec.instance_count}
    resources["VolumeSizeInGB"] = spec.volume_size_in_gb
    if spec.volume_kms_key_id:
        resources["VolumeKmsKeyId"] = spec.volume_kms_key_id
    return {"ResourceConfig": resources}


def _stopping_condition(spec: TrainingRequestSpec) -> dict[str, Any]:
    stopping: dict[str, Any] = {"MaxRuntimeInSeconds": spec.max_runtime_in_seconds}
    if spec.max_wait_time_in_seconds is not None:
        stopping["MaxWaitTimeInSeconds"] = spec.max_wait_time_in_seconds
    return {"StoppingCondition": stopping}


def _vpc_config(spec: TrainingRequestSpec) -> dict[str, Any]:
    if not spec.subnet_ids:
        return {}
    return {"VpcConfig": {"SecurityGroupIds": list(spec.security_group_ids), "Subnets": list(spec.subnet_ids)}}


def _flags(spec: TrainingRequestSpec) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    if spec.enable_network_isolation:
        flags["EnableNetworkIsolation"] = True
    if spec.encrypt_inter_container_traffic:
        flags["EnableInterContainerTrafficEncryption"] = True
    if spec.use_spot_instances:
        flags["EnableManagedSpotTraining"] = True
    return flags


def _checkpoint_config(spec: TrainingRequestSpec) -> dict[str, Any]:
    if spec.checkpoint_s3_uri is None:
        return {}
    checkpoint: dict[str, Any] = {"S3Uri": spec.checkpoint_s3_uri}
    if spec.checkpoint_local_path:
        checkpoint["LocalPath"] = spec.checkpoint_local_path
    return {"CheckpointConfig": checkpoint}


def _retry_strategy(spec: TrainingRequestSpec) -> dict[str, Any]:
    if spec.max_retry_attempts is None:
        return {}
    return {"RetryStrategy": {"MaximumRetryAttempts": spec.max_retry_attempts}}
