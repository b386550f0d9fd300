"""What an RLTrainingJob makes and reads of the constructs it is given: its code asset, image, output bucket,
security groups and execution role, the plain values of buckets and VPCs for ``core.training.options``, and
the acknowledgments of the findings least privilege cannot remove. The decisions (statements, reasons,
checks) are the core's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from ._arns import family_arns, resource_arn, s3_uri_arn
from ._nag import acknowledge_wildcards
from ._policy import (
    Statement,
    policy_document,
    policy_statements,
    service_principal,
    shared_policy,
)
from .core.errors import RLConfigurationError
from .core.iam import TRAINING_COMMON_POLICY, TRAINING_LOG_GROUPS
from .core.training.checks import check_selected_subnets
from .core.training.iam import FAMILY_REASON, execution_role_policy
from .core.training.request import TrainingInput
from .image_uris import ContainerImage, image_from_uri, resolve_image

if TYPE_CHECKING:
    from .core.training.options import TrainingJobOptions
    from .training_job import RLTrainingJob

_NO_ACCESS_LOGS = (
    "Model artifacts bucket written only by SageMaker with this job's role; object-level access is audited "
    "with CloudTrail data events rather than a second server-access-log bucket."
)


def input_channels(inputs: Any) -> Any:
    """``inputs`` with each bucket as the ``TrainingInput`` of its root, with the bucket's default KMS key (the
    role may decrypt with it); anything else as given, for the core to read and check."""
    if not isinstance(inputs, Mapping):
        return inputs
    return {name: _bucket_channel(source) for name, source in inputs.items()}


def _bucket_channel(source: object) -> object:
    if isinstance(source, str | TrainingInput | Mapping):
        return source
    name = getattr(source, "bucket_name", None)  # IBucket is a Protocol: known by its attribute
    if name is None:
        return source
    key = getattr(source, "encryption_key", None)
    return TrainingInput(s3_data=f"s3://{name}/", s3_data_kms_key_arn=key.key_arn if key is not None else None)


def select_subnets(vpc: ec2.IVpc, vpc_subnets: ec2.SubnetSelection | None) -> list[str]:
    """The subnet ids ``vpc_subnets`` selects in ``vpc`` (its default selection when None), 1 to 16."""
    try:
        subnet_ids = list(vpc.select_subnets(**_selection_kwargs(vpc_subnets)).subnet_ids)
    except RuntimeError as error:  # the VPC construct's own message, e.g. no subnet of that type
        raise RLConfigurationError("vpc_subnets", f"the selection has no subnets: {error}") from None
    return check_selected_subnets(subnet_ids)


def _selection_kwargs(selection: ec2.SubnetSelection | None) -> dict[str, Any]:
    if selection is None:
        return {}
    return {
        key: getattr(selection, key)
        for key in ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name", "subnets", "subnet_type")
        if getattr(selection, key) is not None
    }


def security_groups(
    job: Construct,
    vpc: ec2.IVpc | None,
    given: Sequence[ec2.ISecurityGroup] | None,
    group_ids: Sequence[str] | None,
) -> tuple[list[ec2.ISecurityGroup], list[str]]:
    """(the job's security groups, their ids): the given groups, else one made here in ``vpc``; with ids the
    SDK's way (``group_ids``), the groups of those ids, for connections."""
    groups: list[ec2.ISecurityGroup] = list(given or [])
    if vpc is not None and not groups:
        description = "RL training job instances"
        groups.append(
            ec2.SecurityGroup(job, "SecurityGroup", vpc=vpc, description=description, allow_all_outbound=True)
        )
    if group_ids is None:
        return groups, [group.security_group_id for group in groups]
    imported = [
        ec2.SecurityGroup.from_security_group_id(job, f"SecurityGroup{index}", group_id)
        for index, group_id in enumerate(group_ids)
    ]
    return list(imported), list(group_ids)


@functools.cache
def _block_all() -> s3.BlockPublicAccess:
    return s3.BlockPublicAccess.BLOCK_ALL  # a static read of the jsii runtime: once per process


def output_bucket(scope: Construct, id: str, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> s3.Bucket:
    """An encrypted, SSL-only, private, versioned bucket; ``DESTROY`` empties it (every version) and deletes it.
    Its AwsSolutions-S1 finding is acknowledged with the job's (:func:`acknowledge_inherent_findings`)."""
    destroy = removal_policy is RemovalPolicy.DESTROY
    return s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=_block_all(),
        versioned=True,
        removal_policy=removal_policy,
        auto_delete_objects=destroy,  # a versioned bucket must be emptied (every version) before deletion
    )


class SourceCode(NamedTuple):
    """The job's code: its asset (None for code already in S3), ``s3://`` URI and object ARN."""

    asset: s3_assets.Asset | None
    submit_directory: str
    object_arn: str


def source_code(job: Construct, stack: Stack, options: TrainingJobOptions) -> SourceCode:
    """The ``sourcedir.tar.gz`` asset of the packaged code, or the code already in S3."""
    asset = None
    if options.source is None:
        assert options.s3_source is not None
        bucket, key = options.s3_source
    else:
        asset = s3_assets.Asset(job, "Source", path=str(options.source.archive))
        # The asset's s3_object_url and its bucket's arn_for_objects(), from two reads instead of four.
        bucket, key = asset.s3_bucket_name, asset.s3_object_key
    submit_directory = f"s3://{bucket}/{key}"
    return SourceCode(asset, submit_directory, s3_uri_arn(stack, submit_directory))


class TrainingImage(NamedTuple):
    """The training image as the template names it, and the ECR repositories the role may pull it from."""

    image_uri: str
    repository_arns: list[str]


def training_image(stack: Stack, options: TrainingJobOptions) -> TrainingImage:
    """The catalog image of the job's processor (a mapping in a region-agnostic stack), or the custom image:
    exactly its repository, parsed from the URI, rebuilt from a token's parts, or any (``*``) when the image
    is only known at deploy time."""
    if options.image_uri is not None:
        image: ContainerImage = image_from_uri(stack, options.image_uri)
    else:
        assert options.catalog_image is not None
        image = resolve_image(stack, options.catalog_image, options.processor)
    return TrainingImage(image.image_uri, list(image.repository_arns))


def job_role(
    job: RLTrainingJob,
    stack: Stack,
    options: TrainingJobOptions,
    role: iam.IRole | None,
    *,
    repository_arns: Sequence[str],
    volume_key_arn: str | None,
    bucket_made_here: bool,
) -> iam.IRole:
    """The execution role with the job's statements (``core.training.iam``): ``role``, or one made here; the
    findings least privilege cannot remove are acknowledged with their reasons."""
    channel_uris = options.readable_channel_uris()
    policy = execution_role_policy(
        # Aws.PARTITION is a jsii round trip: read only for the S3 ARNs of channels and checkpoints.
        partition=Aws.PARTITION if channel_uris or options.checkpoint_s3_uri else "",
        log_groups_arn=resource_arn(stack, TRAINING_LOG_GROUPS),
        source_object_arn=job.source_object_arn,
        output_prefix_arn=job.output_prefix_arn,
        checkpoint_s3_uri=options.checkpoint_s3_uri,
        channel_uris=channel_uris,
        repository_arns=repository_arns,
        in_vpc=job.vpc_config is not None,
        common=role is not None,  # a role of ours attaches the stack's common policy instead
        volume_key_arn=volume_key_arn,
        artifacts_key_arn=job.model_data_kms_key.key_arn if job.model_data_kms_key is not None else None,
        input_key_arns=options.channel_key_arns(),
    )
    made = execution_role(job, stack, role, policy.statements)
    acknowledge_inherent_findings(
        job, stack, made, policy.wildcard_reasons, own_role=role is None, private_bucket=bucket_made_here
    )
    return made


def execution_role(job: Construct, stack: Stack, role: iam.IRole | None, statements: Sequence[Statement]) -> iam.IRole:
    """``role`` with ``statements`` added, else a role made here with them as its own inline policy (it exists
    as soon as the role does, and it is one jsii call instead of one per statement), attaching the stack's
    common training policy."""
    if role is not None:
        for statement in policy_statements(statements):
            role.add_to_principal_policy(statement)
        return role
    return iam.Role(
        job,
        "SageMakerRole",
        assumed_by=service_principal(stack, "sagemaker.amazonaws.com"),
        description="SageMaker execution role of an RL training job (rl-constructs): least privilege",
        managed_policies=[shared_policy(stack, TRAINING_COMMON_POLICY)],
        inline_policies={"RLTrainingJob": policy_document(statements)},
    )


def acknowledge_inherent_findings(
    job: RLTrainingJob,
    stack: Stack,
    role: iam.IRole,
    wildcards: Mapping[str, str],
    *,
    own_role: bool,
    private_bucket: bool,
) -> None:
    """Acknowledge, each with its reason, the findings that least privilege cannot remove: ``wildcards``
    maps a wildcard resource of the role's policy to the reason it is needed. With the job's own role and
    bucket, one acknowledgment on the job covers both (each call is a jsii round trip)."""
    bucket_findings = {"AwsSolutions::AwsSolutions-S1": _NO_ACCESS_LOGS} if private_bucket else {}
    if own_role:
        acknowledge_wildcards(job, wildcards, stack=stack, others=bucket_findings)
    else:
        acknowledge_wildcards(role, wildcards, stack=stack)
        acknowledge_wildcards(job, {}, stack=stack, others=bucket_findings)
    acknowledge_wildcards(stack, dict.fromkeys(family_arns(stack, "training-job", job.base_job_name), FAMILY_REASON))
