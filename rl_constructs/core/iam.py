"""IAM as data: statements written as the JSON they render to, and the stack's shared policies declared once.

A statement is a plain ``dict`` (``{"Sid": ..., "Effect": "Allow", "Action": [...], "Resource": [...]}``);
its resources are ARNs (strings, which may hold CDK tokens) or :class:`StackArn` placeholders, ARNs in the
stack's own partition, region and account that the construct layer renders (``rl_constructs._arns.stack_arn``).
Every wildcard resource carries the reason it cannot be narrower (:data:`WildcardReasons`), written next to
the statements that need it.

A :class:`SharedPolicy` is a customer-managed policy made once per stack and attached by every role of a kind:
its declaration here is the only source of its statements (callers name the declaration, they do not pass
statements). The statements every construct writes alike live here too: KMS use with explicit actions, and
passing a role to SageMaker only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: An IAM statement as JSON: ``{"Sid": ..., "Effect": "Allow", "Action": [...], "Resource": [...]}``.
Statement = dict[str, Any]


@dataclass(frozen=True)
class StackArn:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` of the stack that renders it (region and
    account empty when not ``regional``, as for S3). ``resource`` is written as given
    (``log-group:/aws/sagemaker/TrainingJobs*``)."""

    service: str
    resource: str
    regional: bool = True


#: A statement's resource: an ARN (may hold tokens), ``*``, or an ARN of the stack rendering it.
Resource = str | StackArn
#: Resource -> why it cannot be narrower (the reason acknowledged for cdk-nag's AwsSolutions-IAM5 finding).
WildcardReasons = Mapping[Resource, str]


def allow(
    actions: Sequence[str],
    resources: Sequence[Resource],
    *,
    sid: str | None = None,
    conditions: Mapping[str, Any] | None = None,
) -> Statement:
    """An Allow statement of ``actions`` on ``resources`` (ARNs may hold tokens)."""
    statement: Statement = {"Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
    if sid is not None:
        statement["Sid"] = sid
    if conditions:
        statement["Condition"] = dict(conditions)
    return statement


@dataclass(frozen=True, eq=False)
class SharedPolicy:
    """A customer-managed policy made once per stack (construct id ``id`` at the stack's root) with these
    ``statements``, which every role of a kind attaches; ``wildcard_reasons`` are acknowledged on it. Two
    declarations are the same policy only when they are the same object."""

    #: The construct id of the policy at the root of the stack.
    id: str
    #: The policy's description in the template.
    description: str
    #: The statements; resources may be :class:`StackArn` placeholders.
    statements: tuple[Statement, ...]
    #: Why each wildcard resource of ``statements`` is needed.
    wildcard_reasons: WildcardReasons


# --- KMS: explicit actions only (cdk-nag's IAM5 flags aws-cdk-lib's ``kms:GenerateDataKey*``/``kms:ReEncrypt*``) --

#: What a principal needs to write S3 objects under SSE-KMS with a key: S3 asks KMS for a data key
#: (``GenerateDataKey``), multipart uploads decrypt it again (``Decrypt``), and SageMaker documents
#: ``kms:Encrypt`` for the execution role of an output key (CreateTrainingJob ``OutputDataConfig.KmsKeyId``).
KMS_WRITE_ACTIONS = ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt")
#: What a principal needs to read S3 objects encrypted with a key.
KMS_READ_ACTIONS = ("kms:Decrypt",)


def kms_data_statement(key_arns: Sequence[str], *, write: bool, sid: str) -> Statement:
    """Use the keys (ARNs, tokens allowed) to read (``write=False``) or write S3 objects under SSE-KMS."""
    return allow(KMS_WRITE_ACTIONS if write else KMS_READ_ACTIONS, sorted(dict.fromkeys(key_arns)), sid=sid)


def kms_service_grant_statements(key_arns: Sequence[str], *, sid: str) -> list[Statement]:
    """What SageMaker needs on a key it uses on the caller's behalf (a training or endpoint volume key):
    create grants for AWS resources only (``kms:GrantIsForAWSResource``) and describe the key."""
    keys = sorted(dict.fromkeys(key_arns))
    return [
        allow(
            ["kms:CreateGrant"],
            keys,
            sid=f"{sid}Grant",
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        allow(["kms:DescribeKey"], keys, sid=f"{sid}Describe"),
    ]


def pass_role_to_sagemaker(role_arn: str) -> Statement:
    """Pass ``role_arn`` to SageMaker only (``iam:PassedToService``)."""
    return allow(
        ["iam:PassRole"], [role_arn], conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    )


# --- The shared policies of this library ------------------------------------------------------------------------

#: Metrics in the SageMaker namespaces only (``cloudwatch:PutMetricData`` has no resource type).
_SAGEMAKER_NAMESPACES = {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}}

#: The log groups SageMaker writes training jobs' logs to.
TRAINING_LOG_GROUPS = StackArn("logs", "log-group:/aws/sagemaker/TrainingJobs*")
#: Why the training log groups are a wildcard.
TRAINING_LOG_GROUPS_REASON = (
    "SageMaker names the job's log streams per job and instance under /aws/sagemaker/TrainingJobs."
)
#: Why the common training statements name ``*``.
TRAINING_NO_RESOURCE_TYPE_REASON = (
    "ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource type; PutMetricData is limited to "
    "the SageMaker namespaces by condition."
)

#: What every training job's role needs, whatever the job: write the SageMaker training logs and metrics,
#: and log in to ECR (its image pull is granted per repository).
TRAINING_COMMON_POLICY = SharedPolicy(
    id="RLTrainingJobCommonPolicy",
    description="What every RL training job's SageMaker role needs: training logs, metrics, ECR login (rl-constructs)",
    statements=(
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [TRAINING_LOG_GROUPS],
            sid="WriteTrainingLogs",
        ),
        allow(["cloudwatch:PutMetricData"], ["*"], sid="PublishTrainingMetrics", conditions=_SAGEMAKER_NAMESPACES),
        allow(["ecr:GetAuthorizationToken"], ["*"], sid="AuthenticateToEcr"),
    ),
    wildcard_reasons={"*": TRAINING_NO_RESOURCE_TYPE_REASON, TRAINING_LOG_GROUPS: TRAINING_LOG_GROUPS_REASON},
)

#: The log groups SageMaker writes endpoints' logs to.
ENDPOINT_LOG_GROUPS = StackArn("logs", "log-group:/aws/sagemaker/Endpoints/*")

#: What SageMaker hosting needs whatever the model: log in to ECR, write the endpoint logs and metrics.
HOSTING_COMMON_POLICY = SharedPolicy(
    id="RLHostingCommonPolicy",
    description="What every RL model's SageMaker hosting role needs: endpoint logs, metrics, ECR login (rl-constructs)",
    statements=(
        allow(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            [ENDPOINT_LOG_GROUPS],
            sid="EndpointLogs",
        ),
        allow(["cloudwatch:PutMetricData"], ["*"], sid="EndpointMetrics", conditions=_SAGEMAKER_NAMESPACES),
    ),
    wildcard_reasons={
        "*": "ecr:GetAuthorizationToken has no resource type; cloudwatch:PutMetricData is limited by namespace.",
        ENDPOINT_LOG_GROUPS: "SageMaker writes one log group per endpoint under /aws/sagemaker/Endpoints.",
    },
)
