"""The training job's checks, one per argument or rule: types, limits, tags, channels, checkpoints, VPC ids.

Each raises ``TypeError`` or :class:`RLConfigurationError` naming the argument (as the construct's
keyword), with SageMaker's limit in the message. Values that are CDK tokens (``${Token[...]}``) or number
tokens pass unchecked: they are checked where they resolve. The environment is checked once, against
botocore's model with the rendered request (``request_validation``). Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..arguments import check_bool, check_int, check_mapping, check_sequence, check_str, type_error
from ..errors import RLConfigurationError
from ..request_validation import is_deploy_time
from .request import CODE_CHANNEL, TrainingInput, is_run_time, training_input

#: SageMaker's longest MaxRuntimeInSeconds: 28 days.
MAX_RUN_SECONDS = 28 * 86_400
#: The SDK's defaults: a 30 GB volume and one day of training.
DEFAULT_VOLUME_SIZE_GB = 30
DEFAULT_MAX_RUN_SECONDS = 86_400
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
_RESOURCE_ID = re.compile(r"[-0-9a-zA-Z]{1,32}")


def is_token(value: str) -> bool:
    """Whether a string holds a CDK token (``${Token[...]}``): its value is known at deploy time only."""
    return "${Token[" in value


def check_types(
    *,
    instance_count: object,
    hyperparameters: object,
    metric_definitions: object,
    max_retry_attempts: object,
    flags: Mapping[str, object],
    strings: Mapping[str, object],
    environment: object,
    tags: object,
    inputs: object,
    dependencies: object,
) -> None:
    """Wrong types raise ``TypeError`` naming the argument, before anything else looks at them."""
    check_int(instance_count, "instance_count")
    check_int(max_retry_attempts, "max_retry_attempts", optional=True)
    check_mapping(hyperparameters, "hyperparameters")
    check_sequence(metric_definitions, "metric_definitions", items=Mapping, items_name="mapping")
    for name, flag in flags.items():
        check_bool(flag, name)
    for name, text in strings.items():
        check_str(text, name, optional=name != "entry_point" and name != "output_prefix")
    check_mapping(environment, "environment", values=str, values_name="str")
    check_mapping(tags, "tags", values=str, values_name="str")
    for name, source in (check_mapping(inputs, "inputs") or {}).items():
        if not isinstance(source, str | TrainingInput | Mapping):  # a bucket is a TrainingInput by now
            raise type_error(f"inputs[{name!r}]", "str (an s3:// URI), s3.IBucket, TrainingInput or mapping", source)
    check_sequence(dependencies, "dependencies", items=str, items_name="str")


def limits(
    volume_size_gb: int | None, max_run_seconds: int | None, use_spot: bool, max_wait_seconds: int | None
) -> tuple[int, int, int | None]:
    """VolumeSizeInGB, MaxRuntimeInSeconds and MaxWaitTimeInSeconds with the SDK's defaults, checked (number
    tokens pass through, checked where they resolve)."""
    volume_gb = DEFAULT_VOLUME_SIZE_GB if volume_size_gb is None else volume_size_gb
    if not is_deploy_time(volume_gb) and volume_gb < 1:
        raise RLConfigurationError("volume_size", "must be at least 1 GiB.")
    max_run_s = DEFAULT_MAX_RUN_SECONDS if max_run_seconds is None else max_run_seconds
    if not is_deploy_time(max_run_s) and not 1 <= max_run_s <= MAX_RUN_SECONDS:
        raise RLConfigurationError("max_run", f"must be between 1 second and 28 days, got {max_run_s} s.")
    if not use_spot:
        if max_wait_seconds is not None:
            raise RLConfigurationError("max_wait", "only applies with use_spot_instances=True.")
        return volume_gb, max_run_s, None
    if max_wait_seconds is None:
        raise RLConfigurationError("max_wait", "managed spot training (use_spot_instances) needs max_wait.")
    if not is_deploy_time(max_wait_seconds) and not is_deploy_time(max_run_s) and max_wait_seconds < max_run_s:
        raise RLConfigurationError(
            "max_wait", f"must be at least max_run ({max_run_s} s) for spot training, got {max_wait_seconds} s."
        )
    return volume_gb, max_run_s, max_wait_seconds


def check_max_retry_attempts(max_retry_attempts: int | None) -> None:
    """SageMaker retries an internal failure 1 to 30 times."""
    if max_retry_attempts is not None and not 1 <= max_retry_attempts <= 30:
        raise RLConfigurationError("max_retry_attempts", f"must be 1 to 30, got {max_retry_attempts}.")


def check_tags(tags: Mapping[str, str] | None) -> None:
    """At most 50 tags, keys of 1-128 characters, values of at most 256."""
    if tags is None:
        return
    if len(tags) > 50:
        raise RLConfigurationError("tags", f"SageMaker takes at most 50 tags, got {len(tags)}.")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not isinstance(value, str) or len(value) > 256:
            raise RLConfigurationError(f"tags[{key!r}]", "keys are 1-128 characters, values at most 256.")


def channels(inputs: Mapping[str, Any] | None, *, network_isolation: bool) -> dict[str, TrainingInput]:
    """The input channels: 1 to 20, named as SageMaker names them, each read like ``fit(inputs=...)`` reads
    it; with network isolation the SDK's code channel name is taken."""
    if inputs is not None and not 1 <= len(inputs) <= 20:
        raise RLConfigurationError("inputs", f"SageMaker takes 1 to 20 input channels, got {len(inputs)}.")
    for name in inputs or {}:
        if not _CHANNEL_NAME.match(name):
            raise RLConfigurationError(f"inputs[{name!r}]", "channel names are 1-64 of [A-Za-z0-9.-_].")
    if network_isolation and CODE_CHANNEL in (inputs or {}):
        raise RLConfigurationError(
            f"inputs[{CODE_CHANNEL!r}]", "with enable_network_isolation the SDK's code channel has this name."
        )
    return {name: _channel(source, f"inputs[{name!r}]") for name, source in (inputs or {}).items()}


def _channel(source: object, argument: str) -> TrainingInput:
    channel = training_input(source, argument)
    if is_run_time(channel.s3_data):
        return channel
    if not is_token(channel.s3_data) and not channel.s3_data.startswith("s3://"):
        raise RLConfigurationError(f"{argument}.s3_data", f"{channel.s3_data!r} is not an s3:// URI.")
    return channel


def check_checkpoints(checkpoint_s3_uri: str | None, checkpoint_local_path: str | None) -> None:
    """A local checkpoint path needs the S3 URI the checkpoints sync to, an ``s3://`` URI."""
    if checkpoint_local_path is not None and checkpoint_s3_uri is None:
        raise RLConfigurationError("checkpoint_local_path", "needs checkpoint_s3_uri.")
    if checkpoint_s3_uri is not None and not checkpoint_s3_uri.startswith("s3://"):
        raise RLConfigurationError("checkpoint_s3_uri", f"{checkpoint_s3_uri!r} is not an s3:// URI.")


def check_vpc(*, vpc_given: bool, vpc_subnets_given: bool, security_groups: Sequence[object] | None) -> None:
    """Subnets and security groups (constructs) go with a VPC; SageMaker takes 1 to 5 groups."""
    if not vpc_given and (vpc_subnets_given or security_groups):
        raise RLConfigurationError("vpc", "vpc_subnets and security_groups need a vpc.")
    if security_groups is not None and not 1 <= len(security_groups) <= 5:
        raise RLConfigurationError("security_groups", f"SageMaker takes 1 to 5, got {len(security_groups)}.")


def check_selected_subnets(subnet_ids: Sequence[str]) -> list[str]:
    """The subnets a VPC selection gave: 1 to 16."""
    if not subnet_ids:
        raise RLConfigurationError("vpc_subnets", "the selection has no subnets: a VPC job needs 1 to 16.")
    if len(subnet_ids) > 16:
        raise RLConfigurationError("vpc_subnets", f"SageMaker takes at most 16 subnets, got {len(subnet_ids)}.")
    return list(subnet_ids)


def vpc_ids(
    subnets: Sequence[str] | None, security_group_ids: Sequence[str] | None, *, vpc_given: bool
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(subnets, security group ids) given as ids, the SDK's way; both or neither (the SDK silently drops
    a VpcConfig that lacks one), and not with ``vpc``."""
    if subnets is None and security_group_ids is None:
        return None
    if vpc_given:
        raise RLConfigurationError(
            "subnets", "give either vpc (with vpc_subnets/security_groups) or subnets and security_group_ids, not both."
        )
    if subnets is None or security_group_ids is None:
        missing = "subnets" if subnets is None else "security_group_ids"
        raise RLConfigurationError(missing, "subnets and security_group_ids go together (a VpcConfig needs both).")
    for argument, ids, most in (("subnets", subnets, 16), ("security_group_ids", security_group_ids, 5)):
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise TypeError(f"{argument}: expected a list of ids, got {type(ids).__name__}.")
        if not 1 <= len(ids) <= most:
            raise RLConfigurationError(argument, f"SageMaker takes 1 to {most}, got {len(ids)}.")
        for index, value in enumerate(ids):
            if not isinstance(value, str):
                raise TypeError(f"{argument}[{index}]: expected a str, got {type(value).__name__}.")
            if not is_token(value) and not _RESOURCE_ID.fullmatch(value):
                raise RLConfigurationError(
                    f"{argument}[{index}]", f"{value!r} is not an id ([-0-9a-zA-Z], at most 32)."
                )
    return tuple(subnets), tuple(security_group_ids)
