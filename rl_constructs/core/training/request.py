"""The CreateTrainingJob request, assembled from one small fragment per API section.

API-cased keys appear only here. Values may be CDK tokens or JSONata strings: this module places them,
the construct resolves them. What ``RLEstimator.fit()`` sends is the baseline; the optional sections
(spot, checkpoints, retries, VPC, encryption, heterogeneous clusters) appear only when asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import RLConfigurationError

#: Regions where the SDK sends no DebugHookConfig and disables the profiler (its ``fw_utils``
#: ``DEBUGGER_UNSUPPORTED_REGIONS`` and ``PROFILER_UNSUPPORTED_REGIONS``, identical in 2.257.7).
DEBUGGER_UNSUPPORTED_REGIONS = (
    "us-iso-east-1",
    "us-isob-east-1",
    "ap-southeast-3",
    "ap-southeast-4",
    "eu-south-2",
    "me-central-1",
    "ap-south-2",
    "eu-central-2",
    "us-gov-east-1",
)
#: The channel the SDK passes the source archive in when the containers have no network access.
CODE_CHANNEL = "code"
#: Where that channel's archive is inside the container (``sagemaker_submit_directory`` then).
CODE_CHANNEL_ARCHIVE = "/opt/ml/input/data/code/sourcedir.tar.gz"
_FAMILY = re.compile(r"^ml[._]([a-z\d\-]+)\.?\w*$")


def debugger_supported(region: str) -> bool:
    """Whether ``fit()`` sends the default DebugHookConfig in ``region``."""
    return region.lower() not in DEBUGGER_UNSUPPORTED_REGIONS


def profiler_supported(region: str, instance_types: Sequence[str]) -> bool:
    """Whether ``fit()`` enables the profiler: not in the Debugger-less regions, nor on Trainium."""
    trainium = any((m := _FAMILY.match(t)) is not None and m[1].startswith("trn") for t in instance_types)
    return debugger_supported(region) and not trainium


@dataclass(frozen=True)
class TrainingInput:
    """An input channel, as the SDK's ``sagemaker.inputs.TrainingInput`` (same argument names).

    :param s3_data: ``s3://`` URI of the prefix, manifest or object.
    :param distribution: ``FullyReplicated`` (default) or ``ShardedByS3Key``.
    :param compression: ``None`` or ``Gzip``. Default: not set.
    :param content_type: MIME type of the data, e.g. ``application/x-sagemaker-model``. Default: not set.
    :param record_wrapping: ``None`` or ``RecordIO``. Default: not set.
    :param s3_data_type: ``S3Prefix`` (default), ``ManifestFile``, ``AugmentedManifestFile`` or ``Converse``.
    :param instance_groups: names of the instance groups that get this channel. Default: all.
    :param input_mode: ``File``, ``Pipe`` or ``FastFile``. Default: the job's (``File``).
    :param attribute_names: attributes of an augmented manifest to read. Default: not set.
    :param shuffle_seed: shuffle the S3 keys with this seed (the SDK's ``shuffle_config=ShuffleConfig(seed)``).
    :param s3_data_scope: for an ``s3_data`` known only at run time (a JSONata ``{% ... %}`` value of the
        state, e.g. a previous job's model data: ``RLTrainingJob.model_data_input()``), the ``s3://`` prefix
        it lies under; the job's role may read that prefix only. Not part of the request.
    :param s3_data_kms_key_arn: the KMS key the data is encrypted with (e.g. the previous job's
        ``output_kms_key``); the job's role may decrypt with it. Not part of the request.

    Not supported: ``FileSystemDataSource`` (EFS, FSx) channels, JumpStart's model and hub access configs.
    """

    s3_data: str
    distribution: str = "FullyReplicated"
    compression: str | None = None
    content_type: str | None = None
    record_wrapping: str | None = None
    s3_data_type: str = "S3Prefix"
    instance_groups: Sequence[str] | None = None
    input_mode: str | None = None
    attribute_names: Sequence[str] | None = None
    shuffle_seed: int | None = None
    s3_data_scope: str | None = None
    s3_data_kms_key_arn: str | None = None


def is_run_time(value: object) -> bool:
    """Whether ``value`` is a JSONata expression Step Functions evaluates per execution."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


#: The allowed values of TrainingInput's enumerated fields (botocore's SageMaker model; a test compares).
CHANNEL_ENUMS: Mapping[str, tuple[str, ...]] = {
    "distribution": ("FullyReplicated", "ShardedByS3Key"),
    "compression": ("None", "Gzip"),
    "record_wrapping": ("None", "RecordIO"),
    "s3_data_type": ("ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"),
    "input_mode": ("Pipe", "File", "FastFile"),
}


def training_input(value: Any, argument: str) -> TrainingInput:
    """A channel from what ``fit(inputs=...)`` takes: an ``s3://`` URI, a :class:`TrainingInput`, or a
    mapping of TrainingInput's argument names. Values that are tokens or JSONata pass unchecked."""
    if isinstance(value, str):
        value = TrainingInput(s3_data=value)
    elif isinstance(value, Mapping):
        names = {f.name for f in fields(TrainingInput)}
        unknown = sorted(set(value) - names)
        if unknown or "s3_data" not in value:
            raise RLConfigurationError(
                argument,
                f"a channel given as a mapping takes TrainingInput's arguments, with s3_data; got {sorted(value)}.",
                allowed=sorted(names),
            )
        value = TrainingInput(**value)
    if not isinstance(value, TrainingInput):
        raise TypeError(f"{argument}: expected an s3:// URI, a TrainingInput or a mapping, got {type(value).__name__}.")
    if not isinstance(value.s3_data, str):
        raise TypeError(f"{argument}.s3_data: expected a str, got {type(value.s3_data).__name__}.")
    for name, allowed in CHANNEL_ENUMS.items():
        given = getattr(value, name)
        if given is not None and given not in allowed:
            raise RLConfigurationError(f"{argument}.{name}", f"{given!r} is not supported.", allowed=list(allowed))
    if value.content_type is not None and len(value.content_type) > 256:
        raise RLConfigurationError(f"{argument}.content_type", "at most 256 characters.")
    if value.shuffle_seed is not None and (
        isinstance(value.shuffle_seed, bool) or not isinstance(value.shuffle_seed, int)
    ):
        raise TypeError(f"{argument}.shuffle_seed: expected an int, got {type(value.shuffle_seed).__name__}.")
    if is_run_time(value.s3_data) and value.s3_data_scope is None:
        raise RLConfigurationError(
            f"{argument}.s3_data_scope",
            "a channel known only at run time needs the s3:// prefix it lies under, to scope the role's reads.",
        )
    if value.s3_data_scope is not None and not (
        isinstance(value.s3_data_scope, str) and value.s3_data_scope.startswith("s3://")
    ):
        raise RLConfigurationError(f"{argument}.s3_data_scope", f"{value.s3_data_scope!r} is not an s3:// URI.")
    if value.attribute_names is not None and value.s3_data_type != "AugmentedManifestFile":
        raise RLConfigurationError(f"{argument}.attribute_names", "applies to s3_data_type='AugmentedManifestFile'.")
    return value


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
    channels: Mapping[str, TrainingInput | str] = field(default_factory=dict)
    #: DebugHookConfig with the SDK's defaults (output path, no collections).
    debug_hook_config: bool = False
    #: ProfilerConfig: True enabled (the SDK's default), False ``{"DisableProfiler": true}``, None not sent.
    profiler: bool | None = None


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
        **_debugger(spec),
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
    return {"InputDataConfig": [_channel(name, channel) for name, channel in spec.channels.items()]}


def _channel(name: str, channel: TrainingInput | str) -> dict[str, Any]:
    """One Channel, keyed as the SDK's ``TrainingInput.config``: optional fields only when set."""
    if isinstance(channel, str):
        channel = TrainingInput(s3_data=channel)
    source: dict[str, Any] = {
        "S3DataType": channel.s3_data_type,
        "S3Uri": channel.s3_data,
        "S3DataDistributionType": channel.distribution,
    }
    if channel.attribute_names is not None:
        source["AttributeNames"] = list(channel.attribute_names)
    if channel.instance_groups is not None:
        source["InstanceGroupNames"] = list(channel.instance_groups)
    rendered: dict[str, Any] = {"ChannelName": name, "DataSource": {"S3DataSource": source}}
    optional = {
        "CompressionType": channel.compression,
        "ContentType": channel.content_type,
        "RecordWrapperType": channel.record_wrapping,
        "InputMode": channel.input_mode,
    }
    rendered.update({key: value for key, value in optional.items() if value is not None})
    if channel.shuffle_seed is not None:
        rendered["ShuffleConfig"] = {"Seed": channel.shuffle_seed}
    return rendered


def _debugger(spec: TrainingRequestSpec) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    if spec.debug_hook_config:
        sections["DebugHookConfig"] = {"S3OutputPath": spec.s3_output_path, "CollectionConfigurations": []}
    if spec.profiler is not None:
        sections["ProfilerConfig"] = (
            {"S3OutputPath": spec.s3_output_path, "DisableProfiler": False}
            if spec.profiler
            else {"DisableProfiler": True}
        )
    return sections


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


def render_vpc_config(subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> dict[str, list[str]] | None:
    """``VpcConfig`` (``{"SecurityGroupIds": [...], "Subnets": [...]}``), None outside a VPC (no subnets)."""
    if not subnet_ids:
        return None
    return {"SecurityGroupIds": list(security_group_ids), "Subnets": list(subnet_ids)}


def _vpc_config(spec: TrainingRequestSpec) -> dict[str, Any]:
    config = render_vpc_config(spec.subnet_ids, spec.security_group_ids)
    return {} if config is None else {"VpcConfig": config}


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
