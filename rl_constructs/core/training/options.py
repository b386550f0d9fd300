"""The options of an RL training job: every default and every check of ``RLTrainingJob``, in one ``resolve``.

:func:`resolve_training_job` takes the construct's arguments as plain values (the construct reduces its
buckets, keys, durations and sizes to strings and numbers first; VPC constructs pass through opaquely, the
core only asks whether they were given) and returns a frozen :class:`TrainingJobOptions`: the catalog row,
instances, limits, channels, code and names, all checked, with the SDK's defaults applied. Bad input fails
here, before any construct is made. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .. import execution_input
from ..aws import INSTANCE_GROUP_NAME_MAX_LENGTH, is_valid_name, split_s3_uri
from ..errors import RLConfigurationError
from ..images import ImageFamily, TrainingImage, training_image, validate_image_uri
from ..instances import training_instance
from ..request_validation import is_deploy_time
from ..source_archive import SourceBundle, build_source_bundle, is_s3_source, s3_source_program
from ..toolkits import Processor, RLFramework, RLToolkit, coerce_enum
from . import checks
from .hyperparameters import encode_user_hyperparameters
from .metrics import metric_definitions as choose_metric_definitions
from .request import CODE_CHANNEL, InstanceGroupSpec, TrainingInput


@dataclass(frozen=True)
class InstanceGroup:
    """A group of a heterogeneous training cluster (the SDK's ``sagemaker.instance_group.InstanceGroup``)."""

    instance_group_name: str
    instance_type: str
    instance_count: int = 1


@dataclass(frozen=True)
class TrainingJobOptions:
    """A training job's arguments, checked, with every default applied (see :func:`resolve_training_job`)."""

    #: ``sagemaker_program``: the entry point as the container finds it inside the archive.
    program: str
    #: The packaged code; None when ``source_dir`` is code already in S3 (``s3_source``).
    source: SourceBundle | None
    #: (bucket, key) of code already in S3, None when packaged here.
    s3_source: tuple[str, str] | None
    #: The catalog row (None with a custom ``image_uri``).
    toolkit: RLToolkit | None
    toolkit_version: str | None
    framework: RLFramework | None
    framework_version: str | None
    #: The catalog image (None with ``image_uri``), and the processor variant the instances need.
    catalog_image: ImageFamily | None
    image_uri: str | None
    processor: Processor
    #: ``image_uri`` was given with toolkit, toolkit_version or framework, which are then ignored (as the SDK).
    ignores_toolkit: bool
    #: The instance groups; one unnamed group without ``instance_groups`` (``grouped`` False).
    instance_groups: tuple[InstanceGroupSpec, ...]
    grouped: bool
    #: The user hyperparameters, JSON-encoded like the SDK.
    hyperparameters: Mapping[str, str]
    metric_definitions: tuple[Mapping[str, str], ...]
    output_prefix: str
    volume_size_in_gb: int
    max_runtime_in_seconds: int
    max_wait_time_in_seconds: int | None
    use_spot_instances: bool
    checkpoint_s3_uri: str | None
    checkpoint_local_path: str | None
    max_retry_attempts: int | None
    #: (subnets, security group ids) given as ids, the SDK's way; None with ``vpc`` or outside a VPC.
    vpc_ids: tuple[tuple[str, ...], tuple[str, ...]] | None
    enable_network_isolation: bool
    encrypt_inter_container_traffic: bool
    environment: Mapping[str, str]
    tags: Mapping[str, str]
    #: The input channels, by name (the code channel of a network-isolated job is added at rendering).
    channels: Mapping[str, TrainingInput]
    base_job_name: str
    debugger_hook_config: bool
    disable_profiler: bool

    @property
    def longest_seconds(self) -> int:
        """The longest the job can take: ``max_wait`` with spot training, ``max_run`` otherwise."""
        return self.max_wait_time_in_seconds or self.max_runtime_in_seconds

    @property
    def instance_types(self) -> list[str]:
        """The instance type of each group."""
        return [group.instance_type for group in self.instance_groups]

    def request_channels(self, submit_directory: str) -> dict[str, TrainingInput]:
        """The request's channels: network-isolated, the SDK passes the code as a channel (the container
        cannot reach S3)."""
        channels = dict(self.channels)
        if self.enable_network_isolation:
            channels[CODE_CHANNEL] = TrainingInput(s3_data=submit_directory)
        return channels

    def readable_channel_uris(self) -> dict[str, str]:
        """What the role may read of each channel: its URI, or for a run-time one the prefix it lies under."""
        return {name: channel.s3_data_scope or channel.s3_data for name, channel in self.channels.items()}

    def channel_key_arns(self) -> list[str]:
        """The KMS keys the channels are encrypted with."""
        return [c.s3_data_kms_key_arn for c in self.channels.values() if c.s3_data_kms_key_arn is not None]


def resolve_training_job(
    *,
    entry_point: str,
    source_dir: str | None = None,
    dependencies: Sequence[str] = (),
    toolkit: RLToolkit | str | None = None,
    toolkit_version: str | None = None,
    framework: RLFramework | str | None = None,
    image_uri: str | None = None,
    instance_type: str | None = None,
    instance_count: int = 1,
    instance_groups: Sequence[InstanceGroup] | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    metric_definitions: Sequence[Mapping[str, str]] | None = None,
    output_prefix: str = "",
    volume_size_gb: int | None = None,
    max_run_seconds: int | None = None,
    use_spot_instances: bool = False,
    max_wait_seconds: int | None = None,
    checkpoint_s3_uri: str | None = None,
    checkpoint_local_path: str | None = None,
    max_retry_attempts: int | None = None,
    vpc: object | None = None,
    vpc_subnets: object | None = None,
    security_groups: Sequence[object] | None = None,
    subnets: Sequence[str] | None = None,
    security_group_ids: Sequence[str] | None = None,
    enable_network_isolation: bool = False,
    encrypt_inter_container_traffic: bool = False,
    environment: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    inputs: Mapping[str, str | TrainingInput | Mapping[str, Any]] | None = None,
    base_job_name: str | None = None,
    name_parts: Sequence[str] = (),
    debugger_hook_config: bool = True,
    disable_profiler: bool = False,
    output_bucket_given: bool = False,
    retain_output_bucket: bool = True,
) -> TrainingJobOptions:
    """``RLTrainingJob``'s arguments, checked and defaulted, as plain values: sizes in whole GiB and durations
    in whole seconds (number tokens pass), input buckets as ``TrainingInput`` of their root. ``name_parts``
    (stack and construct names) make the default ``base_job_name``; ``output_bucket_given`` and
    ``retain_output_bucket`` (the removal policy is RETAIN) say what the construct was given."""
    if output_bucket_given and not retain_output_bucket:
        raise RLConfigurationError(
            "removal_policy", "applies to the output bucket created here; set it on the output_bucket you pass."
        )
    checks.check_types(
        instance_count=instance_count,
        hyperparameters=hyperparameters,
        metric_definitions=metric_definitions,
        max_retry_attempts=max_retry_attempts,
        flags={
            "use_spot_instances": use_spot_instances,
            "enable_network_isolation": enable_network_isolation,
            "encrypt_inter_container_traffic": encrypt_inter_container_traffic,
            "debugger_hook_config": debugger_hook_config,
            "disable_profiler": disable_profiler,
        },
        strings={
            "entry_point": entry_point,
            "output_prefix": output_prefix,
            "checkpoint_s3_uri": checkpoint_s3_uri,
            "checkpoint_local_path": checkpoint_local_path,
        },
        environment=environment,
        tags=tags,
        inputs=inputs,
        dependencies=dependencies,
    )
    row = _catalog_row(toolkit, toolkit_version, framework, image_uri)
    groups = _instance_groups(instance_type, instance_count, instance_groups)
    processor = _processor(groups, row.image if row is not None else None)
    encoded = encode_user_hyperparameters(hyperparameters)
    definitions = choose_metric_definitions(row.toolkit if row is not None else None, metric_definitions)
    volume_gb, max_run_s, max_wait_s = checks.limits(
        volume_size_gb, max_run_seconds, use_spot_instances, max_wait_seconds
    )
    checks.check_max_retry_attempts(max_retry_attempts)
    checks.check_tags(tags)
    channels = checks.channels(inputs, network_isolation=enable_network_isolation)
    checks.check_checkpoints(checkpoint_s3_uri, checkpoint_local_path)
    checks.check_vpc(
        vpc_given=vpc is not None, vpc_subnets_given=vpc_subnets is not None, security_groups=security_groups
    )
    ids = checks.vpc_ids(subnets, security_group_ids, vpc_given=vpc is not None)
    program, bundle, s3_source = _code(entry_point, source_dir, dependencies)
    return TrainingJobOptions(
        program=program,
        source=bundle,
        s3_source=s3_source,
        toolkit=row.toolkit if row is not None else None,
        toolkit_version=row.toolkit_version if row is not None else None,
        framework=row.framework if row is not None else None,
        framework_version=row.framework_version if row is not None else None,
        catalog_image=row.image if row is not None else None,
        image_uri=_image_uri(image_uri),
        processor=processor,
        ignores_toolkit=image_uri is not None and (toolkit, toolkit_version, framework) != (None, None, None),
        instance_groups=tuple(groups),
        grouped=instance_groups is not None,
        hyperparameters=MappingProxyType(encoded),
        metric_definitions=tuple(MappingProxyType(d) for d in definitions),
        output_prefix=output_prefix,
        volume_size_in_gb=volume_gb,
        max_runtime_in_seconds=max_run_s,
        max_wait_time_in_seconds=max_wait_s,
        use_spot_instances=use_spot_instances,
        checkpoint_s3_uri=checkpoint_s3_uri,
        checkpoint_local_path=checkpoint_local_path,
        max_retry_attempts=max_retry_attempts,
        vpc_ids=ids,
        enable_network_isolation=enable_network_isolation,
        encrypt_inter_container_traffic=encrypt_inter_container_traffic,
        environment=MappingProxyType(dict(environment or {})),
        tags=MappingProxyType(dict(tags or {})),
        channels=MappingProxyType(channels),
        base_job_name=execution_input.validate_base_job_name(
            base_job_name or execution_input.default_base_job_name(*name_parts)
        ),
        debugger_hook_config=debugger_hook_config,
        disable_profiler=disable_profiler,
    )


def _catalog_row(
    toolkit: RLToolkit | str | None,
    toolkit_version: str | None,
    framework: RLFramework | str | None,
    image_uri: str | None,
) -> TrainingImage | None:
    """The catalog row of the toolkit, version and framework; None with ``image_uri``, which the SDK serves
    instead (no default metric definitions, and create_model() serves the image itself). Given values are
    still checked."""
    if image_uri is None:
        return training_image(toolkit, toolkit_version, framework)
    if toolkit is not None:
        coerce_enum(RLToolkit, toolkit, "toolkit")
    if framework is not None:
        coerce_enum(RLFramework, framework, "framework")
    return None


def _image_uri(image_uri: str | None) -> str | None:
    """A custom image, checked unless it is only known at deploy time (a token)."""
    if image_uri is None or checks.is_token(image_uri):
        return image_uri
    return validate_image_uri(image_uri)


def _instance_groups(
    instance_type: str | None, instance_count: int, instance_groups: Sequence[InstanceGroup] | None
) -> list[InstanceGroupSpec]:
    if instance_groups is not None:
        if instance_type is not None:
            raise RLConfigurationError("instance_groups", "give either instance_type or instance_groups, not both.")
        if not 1 <= len(instance_groups) <= 5:
            raise RLConfigurationError("instance_groups", f"SageMaker takes 1 to 5 groups, got {len(instance_groups)}.")
        names = [g.instance_group_name for g in instance_groups]
        if len(set(names)) != len(names):
            raise RLConfigurationError("instance_groups", f"group names must be unique: {names}.")
        return [_instance_group(index, group) for index, group in enumerate(instance_groups)]
    if instance_type is None:
        raise RLConfigurationError("instance_type", "required (or instance_groups for a heterogeneous cluster).")
    training_instance(instance_type, "instance_type")
    if not is_deploy_time(instance_count) and instance_count < 1:
        raise RLConfigurationError("instance_count", f"must be an integer of at least 1, got {instance_count!r}.")
    return [InstanceGroupSpec("", instance_type, instance_count)]


def _instance_group(index: int, group: InstanceGroup) -> InstanceGroupSpec:
    if not is_valid_name(group.instance_group_name, max_length=INSTANCE_GROUP_NAME_MAX_LENGTH):
        raise RLConfigurationError(f"instance_groups[{index}].instance_group_name", "1-64 letters, digits and hyphens.")
    training_instance(group.instance_type, f"instance_groups[{index}].instance_type")
    if group.instance_count < 1:
        raise RLConfigurationError(f"instance_groups[{index}].instance_count", "must be at least 1.")
    return InstanceGroupSpec(group.instance_group_name, group.instance_type, group.instance_count)


def _processor(groups: Sequence[InstanceGroupSpec], catalog_image: ImageFamily | None) -> Processor:
    """The processor variant of the job's one image: a custom image may serve a mixed cluster."""
    processors = {training_instance(g.instance_type).processor for g in groups}
    if len(processors) > 1 and catalog_image is not None:
        raise RLConfigurationError(
            "instance_groups",
            "mixes cpu and gpu instance types, but a job has one training image; pass image_uri for a mixed cluster.",
        )
    processor = processors.pop()
    if catalog_image is not None:
        catalog_image.tag(processor)  # the image must have this variant (Vowpal Wabbit is cpu only): fail at synth
    return processor


def _code(
    entry_point: str, source_dir: str | None, dependencies: Sequence[str]
) -> tuple[str, SourceBundle | None, tuple[str, str] | None]:
    """(``sagemaker_program``, the packaged code, or the (bucket, key) of code already in S3)."""
    if is_s3_source(source_dir):
        assert source_dir is not None
        return s3_source_program(entry_point, source_dir, dependencies), None, split_s3_uri(source_dir)
    bundle = build_source_bundle(entry_point=entry_point, source_dir=source_dir, dependencies=dependencies)
    return bundle.program, bundle, None
