"""The CreateTrainingJob request of a resolved training job and of the resources its construct made.

:func:`training_request` places the :class:`~.options.TrainingJobOptions` and the construct's values (image,
role, output path, code, VPC ids and keys: strings that may hold tokens) in the request ``request`` renders,
with the per-execution values (job name, hyperparameters) as JSONata; :func:`debugger_settings` decides
Debugger and the profiler as ``fit()`` does for the stack's region. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import execution_input
from .checks import is_token
from .hyperparameters import sdk_hyperparameters
from .options import TrainingJobOptions
from .request import (
    CODE_CHANNEL_ARCHIVE,
    DEBUGGER_UNSUPPORTED_REGIONS,
    TrainingRequestSpec,
    debugger_supported,
    profiler_supported,
    render_create_training_job,
)


@dataclass(frozen=True)
class JobResources:
    """What the construct made for the job, as the request names it (strings that may hold tokens)."""

    training_image: str
    role_arn: str
    #: ``s3://<output bucket>/<output prefix>``.
    s3_output_path: str
    #: ``s3://`` URI of the code archive.
    submit_directory: str
    #: The stack's region (a token in a region-agnostic stack).
    region: str
    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    volume_kms_key_id: str | None = None
    output_kms_key_id: str | None = None


@dataclass(frozen=True)
class DebuggerSettings:
    """What ``fit()`` sends for Debugger and the profiler in the stack's region."""

    #: Send the default DebugHookConfig.
    hook: bool
    #: The profiler on (ProfilerConfig with the output path) or off (``DisableProfiler``).
    profiler: bool
    #: A region-agnostic stack that may deploy to a Debugger-less region needs a rule that stops it.
    needs_region_rule: bool


def debugger_settings(options: TrainingJobOptions, region: str) -> DebuggerSettings:
    """Debugger and profiler as ``fit()`` decides them for ``region`` (a token in a region-agnostic stack: then
    a rule must stop deployments to the Debugger-less regions that the image reaches, unless both are off)."""
    hook, disable_profiler, types = options.debugger_hook_config, options.disable_profiler, options.instance_types
    if not is_token(region):
        return DebuggerSettings(
            hook and debugger_supported(region), not disable_profiler and profiler_supported(region, types), False
        )
    profiler = not disable_profiler and profiler_supported("us-east-1", types)  # off on Trainium anywhere
    image = options.catalog_image
    reachable = DEBUGGER_UNSUPPORTED_REGIONS if image is None else image.regions
    needs_rule = (hook or profiler) and any(not debugger_supported(r) for r in reachable)
    return DebuggerSettings(hook, profiler, needs_rule)


def reserved_hyperparameters(options: TrainingJobOptions, made: JobResources) -> dict[str, str]:
    """The ``sagemaker_*`` hyperparameters ``fit()`` adds, encoded, except ``sagemaker_job_name`` (set per
    execution). Network-isolated, the code arrives as the SDK's code channel: its path in the container."""
    reserved = sdk_hyperparameters(
        entry_point=options.program,
        submit_directory=CODE_CHANNEL_ARCHIVE if options.enable_network_isolation else made.submit_directory,
        job_name="",
        region=made.region,
        s3_output=made.s3_output_path,
    )
    reserved.pop("sagemaker_job_name")
    return reserved


def training_request(
    options: TrainingJobOptions,
    made: JobResources,
    *,
    debugger: DebuggerSettings,
    synthesized_object: str | None = None,
) -> dict[str, Any]:
    """The CreateTrainingJob request: the job name and hyperparameters per execution (JSONata over the
    execution input; ``synthesized_object`` is the text of the synthesized hyperparameters as a JSON object,
    see ``execution_input.hyperparameters_expression``), everything else as synthesized."""
    base = options.base_job_name
    hyperparameters = execution_input.hyperparameters_expression(
        options.hyperparameters, reserved_hyperparameters(options, made), base, synthesized_object=synthesized_object
    )
    grouped = options.grouped
    spec = TrainingRequestSpec(
        training_job_name=execution_input.jsonata(execution_input.job_name_expression(base)),
        training_image=made.training_image,
        role_arn=made.role_arn,
        s3_output_path=made.s3_output_path,
        hyperparameters=execution_input.jsonata(hyperparameters),
        metric_definitions=options.metric_definitions,
        volume_size_in_gb=options.volume_size_in_gb,
        max_runtime_in_seconds=options.max_runtime_in_seconds,
        instance_type=None if grouped else options.instance_groups[0].instance_type,
        instance_count=None if grouped else options.instance_groups[0].instance_count,
        instance_groups=options.instance_groups if grouped else (),
        max_wait_time_in_seconds=options.max_wait_time_in_seconds,
        use_spot_instances=options.use_spot_instances,
        checkpoint_s3_uri=options.checkpoint_s3_uri,
        checkpoint_local_path=options.checkpoint_local_path,
        max_retry_attempts=options.max_retry_attempts,
        subnet_ids=made.subnet_ids,
        security_group_ids=made.security_group_ids,
        enable_network_isolation=options.enable_network_isolation,
        encrypt_inter_container_traffic=options.encrypt_inter_container_traffic,
        volume_kms_key_id=made.volume_kms_key_id,
        output_kms_key_id=made.output_kms_key_id,
        environment=dict(options.environment),
        tags=dict(options.tags),
        channels=options.request_channels(made.submit_directory),
        debug_hook_config=debugger.hook,
        profiler=debugger.profiler,
    )
    return render_create_training_job(spec)
