"""IAM of a training job as data: the SageMaker execution role's statements, each wildcard with its reason.

The ARNs are strings that may hold CDK tokens (the construct makes them: the code asset, the output prefix,
the log groups); the statements and the reasons are decided here. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..aws import s3_arn, split_s3_uri
from ..iam import (
    TRAINING_COMMON_POLICY,
    TRAINING_LOG_GROUPS,
    TRAINING_LOG_GROUPS_REASON,
    TRAINING_NO_RESOURCE_TYPE_REASON,
    Statement,
    allow,
    kms_data_statement,
    kms_service_grant_statements,
)

#: Why the model artifacts' resource is a wildcard.
OUTPUT_PREFIX_REASON = "Model artifacts are written under the job's output prefix, one key per job name."
#: Why checkpoints and input channels are wildcards.
PREFIXES_REASON = "Checkpoints and input channels are whole prefixes the job syncs or reads."
#: Why the VPC statement names any resource.
VPC_REASON = "The network interfaces SageMaker manages in the VPC are not resource-scoped."
#: Why the image pull names any repository.
TOKEN_IMAGE_REASON = "The training image is only known at deploy time, so is its ECR repository."
#: Why the state machine may run a family of training jobs.
FAMILY_REASON = (
    "The state machine creates one training job per execution, named per execution within this job "
    "family; the policy is scoped to the family prefix."
)
#: Why the state machine may run a family of tuning jobs.
TUNING_FAMILY_REASON = (
    "The state machine creates one tuning job per execution, named per execution within this tuning "
    "job family; the policy is scoped to the family prefix."
)
#: What SageMaker does with the network interfaces of a job in a VPC (not resource-scoped).
_VPC_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
_PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
_CHECKPOINT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")


@dataclass(frozen=True)
class RolePolicy:
    """A role's statements and, for each wildcard resource among them, why it cannot be narrower."""

    statements: list[Statement]
    wildcard_reasons: dict[str, str] = field(default_factory=dict)


def s3_prefix_arns(partition: str, uri: str) -> tuple[str, str]:
    """(bucket ARN, objects-under-prefix ARN) of an ``s3://bucket/prefix`` URI (tokens in it pass through);
    ``ValueError`` for any other URI."""
    bucket, prefix = split_s3_uri(uri)
    return s3_arn(partition, bucket), s3_arn(partition, bucket, f"{prefix}*")


def common_statements(log_groups_arn: str) -> list[Statement]:
    """The statements of the stack's common training policy (:data:`core.iam.TRAINING_COMMON_POLICY`), with
    the training log groups' ARN as the stack renders it: for a role that does not attach that policy."""
    rendered = {TRAINING_LOG_GROUPS: log_groups_arn}
    return [
        {**statement, "Resource": [rendered.get(r, r) for r in statement["Resource"]]}
        for statement in TRAINING_COMMON_POLICY.statements
    ]


def execution_role_policy(
    *,
    partition: str,
    log_groups_arn: str,
    source_object_arn: str,
    output_prefix_arn: str,
    checkpoint_s3_uri: str | None,
    channel_uris: Mapping[str, str],
    repository_arns: Sequence[str],
    in_vpc: bool,
    common: bool,
    volume_key_arn: str | None = None,
    artifacts_key_arn: str | None = None,
    input_key_arns: Sequence[str] = (),
) -> RolePolicy:
    """The SageMaker execution role: read the code and inputs, write output and checkpoints, pull the image,
    (manage ENIs in a VPC), use the job's KMS keys (:func:`kms_statements`) and, with ``common`` (a role that
    does not attach the stack's common policy), write logs and metrics. Nothing else. ``partition`` is that of
    the channels' and checkpoints' S3 ARNs."""
    statements = [
        allow(["s3:GetObject"], [source_object_arn], sid="ReadTrainingCode"),
        allow(["s3:PutObject", "s3:AbortMultipartUpload"], [output_prefix_arn], sid="WriteModelArtifacts"),
        *(common_statements(log_groups_arn) if common else []),
    ]
    if repository_arns:
        statements.append(allow(_PULL_ACTIONS, repository_arns, sid="PullTrainingImage"))
    if channel_uris:
        buckets, prefixes = zip(*(s3_prefix_arns(partition, uri) for uri in channel_uris.values()), strict=True)
        statements.append(allow(["s3:GetObject"], prefixes, sid="ReadInputChannels"))
        statements.append(allow(["s3:ListBucket"], sorted(set(buckets)), sid="ListInputChannels"))
    if checkpoint_s3_uri is not None:
        bucket_arn, prefix_arn = s3_prefix_arns(partition, checkpoint_s3_uri)
        statements.append(allow(_CHECKPOINT_ACTIONS, [prefix_arn], sid="SyncCheckpoints"))
        statements.append(allow(["s3:ListBucket"], [bucket_arn], sid="ListCheckpoints"))
    if in_vpc:
        statements.append(allow(_VPC_ACTIONS, ["*"], sid="TrainInVpc"))  # ENI actions are not resource-scoped
    statements.extend(
        kms_statements(
            volume_key_arn=volume_key_arn, artifacts_key_arn=artifacts_key_arn, input_key_arns=input_key_arns
        )
    )
    reasons = _wildcard_reasons(
        partition=partition,
        log_groups_arn=log_groups_arn,
        output_prefix_arn=output_prefix_arn,
        prefix_uris=[*channel_uris.values(), *([checkpoint_s3_uri] if checkpoint_s3_uri else [])],
        any_repository="*" in repository_arns,
        in_vpc=in_vpc,
        common=common,
    )
    return RolePolicy(statements, reasons)


def kms_statements(
    *, volume_key_arn: str | None, artifacts_key_arn: str | None, input_key_arns: Sequence[str]
) -> list[Statement]:
    """The execution role's KMS permissions, explicit actions only: SageMaker creates grants on the volume
    key for the instances' volumes (``kms:GrantIsForAWSResource``), writes the model artifacts with
    their key, and reads input channels with theirs."""
    statements: list[Statement] = []
    if volume_key_arn is not None:
        statements.extend(kms_service_grant_statements([volume_key_arn], sid="VolumeKey"))
    if artifacts_key_arn is not None:
        statements.append(kms_data_statement([artifacts_key_arn], write=True, sid="EncryptModelArtifacts"))
    if input_key_arns:
        statements.append(
            kms_data_statement(list(dict.fromkeys(input_key_arns)), write=False, sid="DecryptInputChannels")
        )
    return statements


def _wildcard_reasons(
    *,
    partition: str,
    log_groups_arn: str,
    output_prefix_arn: str,
    prefix_uris: Sequence[str],
    any_repository: bool,
    in_vpc: bool,
    common: bool,
) -> dict[str, str]:
    """Why each wildcard of the role's own policy is needed (the common policy's are acknowledged on it)."""
    prefix_arns = [arn for uri in prefix_uris for arn in s3_prefix_arns(partition, uri) if arn.endswith("*")]
    reasons = {output_prefix_arn: OUTPUT_PREFIX_REASON, **dict.fromkeys(prefix_arns, PREFIXES_REASON)}
    any_resource = [
        *([TRAINING_NO_RESOURCE_TYPE_REASON] if common else []),  # the common statements are in this policy
        *([VPC_REASON] if in_vpc else []),
        *([TOKEN_IMAGE_REASON] if any_repository else []),
    ]
    if common:
        reasons[log_groups_arn] = TRAINING_LOG_GROUPS_REASON
    if any_resource:
        reasons["*"] = " ".join(any_resource)
    return reasons
