"""IAM statements written as the JSON they render to, turned into aws-cdk-lib objects in one call.

A role's policy here is a handful of statements. Built as ``iam.PolicyStatement`` objects, each is a
round trip to the jsii runtime; written as plain JSON and given to ``iam.PolicyDocument.from_json``,
the whole document is one. The rendered template is the same (aws-cdk-lib parses the JSON into the same
statements), and the JSON is easy to read and to test without a stack.

What every role of a kind needs whatever it runs (the ECR login, metrics in the SageMaker namespaces,
the SageMaker log groups) is one customer-managed policy per stack (:func:`shared_policy`), which each
such role attaches: a stack of many pipelines then names those statements once, not once per role.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aws_cdk import Aws, Stack, Token
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ._arns import stack_of
from ._nag import acknowledge_wildcards
from .core.images import parse_ecr_uri

#: An IAM statement as JSON: ``{"Sid": ..., "Effect": "Allow", "Action": [...], "Resource": [...]}``.
Statement = dict[str, Any]


def allow(
    actions: Sequence[str],
    resources: Sequence[str],
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


def policy_document(statements: Iterable[Statement]) -> iam.PolicyDocument:
    """The statements as one ``PolicyDocument``: one jsii round trip for them all."""
    return iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": list(statements)})


def policy_statements(statements: Iterable[Statement]) -> list[iam.PolicyStatement]:
    """The statements as ``PolicyStatement`` objects, where an API takes them one by one."""
    return [iam.PolicyStatement.from_json(statement) for statement in statements]


#: One principal object per stack and service: an ``iam.ServicePrincipal`` is one round trip to make.
_PRINCIPALS: weakref.WeakKeyDictionary[Stack, dict[str, iam.ServicePrincipal]] = weakref.WeakKeyDictionary()


def service_principal(stack: Stack, service: str) -> iam.ServicePrincipal:
    """``iam.ServicePrincipal(service)``, made once per stack for all the roles it trusts."""
    principals = _PRINCIPALS.setdefault(stack, {})
    if service not in principals:
        principals[service] = iam.ServicePrincipal(service)
    return principals[service]


#: The shared policies made per stack, by construct id.
_SHARED: weakref.WeakKeyDictionary[Stack, dict[str, iam.ManagedPolicy]] = weakref.WeakKeyDictionary()


def shared_policy(
    stack: Stack,
    id: str,
    *,
    description: str,
    statements: Sequence[Statement],
    wildcard_reasons: Mapping[str, str],
) -> iam.ManagedPolicy:
    """The customer-managed policy ``id`` at the root of ``stack``, made by the first caller: the same
    ``statements`` for every role that attaches it. Its wildcard resources are acknowledged on it, each
    with its reason (``wildcard_reasons``)."""
    policies = _SHARED.setdefault(stack, {})
    if id not in policies:
        policy = iam.ManagedPolicy(stack, id, description=description, document=policy_document(statements))
        acknowledge_wildcards(policy, wildcard_reasons, stack=stack)
        policies[id] = policy
    return policies[id]


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


def add_statements(role: iam.IRole, statements: Iterable[Statement]) -> None:
    """Add the statements to ``role``'s policy (its default policy; a role imported immutably is left alone,
    as aws-cdk-lib's grants do)."""
    for statement in policy_statements(statements):
        role.add_to_principal_policy(statement)


# --- ECR: the repository of an image URI, also when the URI is a token ------------------------------------------


def image_repository_arns(scope: IConstruct, image_uri: str) -> tuple[str, ...]:
    """The ECR repository ARN an image is pulled from: parsed from a literal URI, rebuilt from the parts of
    a token URI (``repository.repository_uri_for_tag()``, an imported repository, ``Fn::Join`` of account,
    region and name), ``("*",)`` for a token whose parts cannot be told (known only at deploy time), and none
    for an image outside ECR (SageMaker pulls it without ECR permissions)."""
    if not Token.is_unresolved(image_uri):
        ecr = parse_ecr_uri(image_uri)
        if ecr is None:
            return ()
        return (f"arn:{Aws.PARTITION}:ecr:{ecr.region}:{ecr.account}:repository/{ecr.repository}",)
    arn = _repository_arn_of_token(stack_of(scope).resolve(image_uri))
    return (arn,) if arn is not None else ("*",)


_ECR_HOST = re.compile(
    r"^(?P<account>.+?)\.dkr\.ecr\.(?P<region>.+?)\.(?P<suffix>.+?)/(?P<repository>.+?)(?::[^:/@]+|@.+)?$"
)


def _repository_arn_of_token(resolved: Any) -> str | None:
    """The repository ARN of a resolved image URI, as a string of the same intrinsics; None when it is not
    ``<account>.dkr.ecr.<region>.<suffix>/<repository>[:tag|@digest]``."""
    if isinstance(resolved, str):
        parts: list[Any] = [resolved]
    elif isinstance(resolved, dict) and list(resolved) == ["Fn::Join"] and resolved["Fn::Join"][0] == "":
        parts = list(resolved["Fn::Join"][1])
    else:
        return None
    # Each intrinsic becomes a placeholder character the pattern treats as text, then a token again.
    placeholders = {f"\ue000{index}\ue001": part for index, part in enumerate(parts) if not isinstance(part, str)}
    text = "".join(part if isinstance(part, str) else f"\ue000{index}\ue001" for index, part in enumerate(parts))
    match = _ECR_HOST.match(text)
    if match is None:
        return None

    def restore(value: str) -> str:
        for placeholder, intrinsic in placeholders.items():
            value = value.replace(placeholder, Token.as_string(intrinsic))
        return value

    return (
        f"arn:{Aws.PARTITION}:ecr:{restore(match['region'])}:{restore(match['account'])}:"
        f"repository/{restore(match['repository'])}"
    )


def pass_role_to_sagemaker(role_arn: str) -> Statement:
    """Pass ``role_arn`` to SageMaker only (``iam:PassedToService``)."""
    return allow(
        ["iam:PassRole"], [role_arn], conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    )


def sync_job_statements(
    scope: Any, job: str, family_arns: Sequence[str], *, tagged: bool, passed_role_arn: str | None = None
) -> list[Statement]:
    """What a state machine role needs for an optimized ``sagemaker:create<job>.sync`` task (Step Functions
    Developer Guide, "IAM policies for Amazon SageMaker AI"): create, describe and stop the ``job`` family
    (``TrainingJob``, ``HyperParameterTuningJob``, ``TransformJob``), read (and, with ``tagged``, set) its tags,
    pass ``passed_role_arn`` (the job's execution role) to SageMaker only, and the managed EventBridge rule
    that ``.sync`` watches the job with."""
    from ._arns import stack_arn

    actions = [f"Create{job}", f"Describe{job}", f"Stop{job}", "ListTags", *(["AddTags"] if tagged else [])]
    rule = {"HyperParameterTuningJob": "TuningJobs"}.get(job, f"{job}s")
    return [
        allow([f"sagemaker:{action}" for action in actions], family_arns),
        *([pass_role_to_sagemaker(passed_role_arn)] if passed_role_arn is not None else []),
        allow(
            ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            [stack_arn(scope, "events", f"rule/StepFunctionsGetEventsForSageMaker{rule}Rule")],
        ),
    ]
