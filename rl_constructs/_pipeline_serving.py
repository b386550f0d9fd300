"""The serving half of a deploying RLPipeline: its serving code and container (``create_model()``'s rules), the
hosting role, the deployment states, and the cleanup of what the runs created at ``cdk destroy``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam

from ._deployment_states import DeploymentStates
from ._policy import policy_statements
from .core import state_graph as g
from .core.serving import iam as serving_iam
from .core.serving.model import archive_serving
from .core.serving.pipeline import PipelineOptions
from .model_vpc import ModelVpc, model_vpc_config
from .serving_container import ResolvedServing, hosting_role, serving_code_and_container

if TYPE_CHECKING:
    from .cleanup import PipelineResourceCleanup
    from .pipeline import RLPipeline


def serving_states(
    pipeline: RLPipeline,
    options: PipelineOptions,
    *,
    failed: g.Fail,
    wildcard_reasons: dict[str, str],
    serving_image_uri: str | None,
    tensorflow_serving_version: str | None,
    serving_framework_version: str | None,
    serving_entry_point: str | None,
    serving_source_dir: str | None,
    serving_dependencies: Sequence[str] | None,
    model_role: iam.IRole | None,
    rollback_alarms: Sequence[cloudwatch.IAlarm],
    vpc_config_override: ModelVpc | None = None,
) -> g.Chainable:
    """Package the serving code, choose the container, make the hosting role (unless ``model_role``; set as the
    pipeline's ``serving_code``, ``serving`` and ``model_role``), and chain the deployment states."""
    job = pipeline.training_job
    pipeline.serving_code, pipeline.serving = serving_code_and_container(
        pipeline,
        serving_entry_point=serving_entry_point,
        serving_source_dir=serving_source_dir,
        serving_dependencies=serving_dependencies,
        entry_point=job.entry_point,
        submit_directory=job.submit_directory,
        toolkit=job.toolkit,
        framework=job.framework,
        framework_version=job.framework_version,
        processor=options.processor,
        training_image_uri=None if job.toolkit else job.training_image_uri,
        serving_image_uri=serving_image_uri,
        tensorflow_serving_version=tensorflow_serving_version,
        serving_framework_version=serving_framework_version,
        can_repack=True,  # the repack step (DeploymentStates._repack) puts the code in the archive
    )
    # Isolated, a container that would download its code from S3 reads it from the repacked archive instead.
    archive = archive_serving(
        pipeline.serving.environment,
        code_in_model_archive=pipeline.serving.code_in_model_archive,
        enable_network_isolation=options.enable_network_isolation,
    )
    if archive.repack and not pipeline.serving.code_in_model_archive:
        pipeline.serving = replace(pipeline.serving, environment=archive.environment, code_in_model_archive=True)
    pipeline.model_vpc_config, _ = model_vpc_config(pipeline, vpc_config_override, job.vpc_config)
    pipeline.model_role = model_role or _hosting_role(pipeline, pipeline.serving, wildcard_reasons)
    states = DeploymentStates(
        pipeline, options, failed=failed, rollback_alarms=rollback_alarms, wildcard_reasons=wildcard_reasons
    )
    return states.chain()


def _hosting_role(pipeline: RLPipeline, serving: ResolvedServing, wildcard_reasons: dict[str, str]) -> iam.Role:
    """The least-privilege hosting role: the training job's model data and code (or the serving code), its key;
    in the job's VPC when it has one (``create_model()`` reuses it)."""
    job, code = pipeline.training_job, pipeline.serving_code
    if pipeline.model_vpc_config:  # the model runs in a VPC (the job's, or vpc_config_override's): network interfaces
        wildcard_reasons["*"] += " " + serving_iam.VPC_REASON
    role = hosting_role(
        pipeline,
        "ModelRole",
        serving=serving,
        model_data_arns=[job.output_prefix_arn],
        inference_code_arns=[code.object_arn if code else job.source_object_arn],
        kms_keys=[job.model_data_kms_key] if job.model_data_kms_key is not None else [],
        wildcard_reasons=wildcard_reasons,
    )
    if pipeline.model_vpc_config:
        role.add_to_policy(policy_statements([serving_iam.hosting_vpc_statement()])[0])
    return role


def run_resources_cleanup(pipeline: RLPipeline, removal_policy: RemovalPolicy) -> PipelineResourceCleanup:
    """What ``cdk destroy`` does with what the runs created (``cleanup.PipelineResourceCleanup``)."""
    from .cleanup import PipelineResourceCleanup  # loads Lambda and custom resources: only when deploying

    family = f"{pipeline.run_name_prefix}-"
    return PipelineResourceCleanup(
        pipeline,
        "RunResources",
        pipeline_tag_value=pipeline.tag_value,
        name_prefixes=list(dict.fromkeys([family, family.lower()])),
        endpoint_names=[pipeline.endpoint_name] if pipeline.endpoint_name else [],
        removal_policy=removal_policy,
    )
