"""IAM statements written as the JSON they render to, turned into aws-cdk-lib objects in one call.

A role's policy here is a handful of statements. Built as ``iam.PolicyStatement`` objects, each is a
round trip to the jsii runtime; written as plain JSON and given to ``iam.PolicyDocument.from_json``,
the whole document is one. The rendered template is the same (aws-cdk-lib parses the JSON into the same
statements), and the JSON is easy to read and to test without a stack.

What every role of a kind needs whatever it runs (the ECR login, metrics in the SageMaker namespaces,
the SageMaker log groups) is one customer-managed policy per stack (:func:`shared_policy`), which each
such role attaches: a stack of many pipelines then names those statements once, not once per role. Its
statements come from its declaration (``core/iam.py``), never from a caller; the stack's context
(``_context.py``) keeps the policies made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ._arns import remember_stack, resource_arn
from ._context import stack_context
from ._nag import acknowledge_wildcards
from .core.iam import KMS_READ_ACTIONS as KMS_READ_ACTIONS  # re-exported for existing callers
from .core.iam import KMS_WRITE_ACTIONS as KMS_WRITE_ACTIONS
from .core.iam import SharedPolicy
from .core.iam import Statement as Statement
from .core.iam import allow as allow
from .core.iam import kms_data_statement as kms_data_statement
from .core.iam import kms_service_grant_statements as kms_service_grant_statements
from .core.iam import pass_role_to_sagemaker as pass_role_to_sagemaker


def policy_document(statements: Iterable[Statement]) -> iam.PolicyDocument:
    """The statements as one ``PolicyDocument``: one jsii round trip for them all."""
    return iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": list(statements)})


def policy_statements(statements: Iterable[Statement]) -> list[iam.PolicyStatement]:
    """The statements as ``PolicyStatement`` objects, where an API takes them one by one."""
    return [iam.PolicyStatement.from_json(statement) for statement in statements]


def service_principal(scope: IConstruct, service: str) -> iam.ServicePrincipal:
    """``iam.ServicePrincipal(service)`` (one round trip to make), made once per stack for all the roles
    of ``scope``'s stack that trust it."""
    principals = stack_context(scope).principals
    if service not in principals:
        principals[service] = iam.ServicePrincipal(service)
    return principals[service]


def rendered_statements(scope: IConstruct, statements: Iterable[Statement] | SharedPolicy) -> list[Statement]:
    """The statements (or a :class:`~rl_constructs.core.iam.SharedPolicy`'s, for a role that does not attach
    it) with their :class:`~rl_constructs.core.iam.StackArn` resources made in ``scope``'s stack."""
    if isinstance(statements, SharedPolicy):
        statements = statements.statements
    return [
        {**statement, "Resource": [resource_arn(scope, resource) for resource in statement["Resource"]]}
        if "Resource" in statement
        else dict(statement)
        for statement in statements
    ]


def shared_policy(scope: IConstruct, declaration: SharedPolicy) -> iam.ManagedPolicy:
    """The customer-managed policy ``declaration`` declares, at the root of ``scope``'s stack: made on first
    use, from the declaration's statements only, with its wildcard resources acknowledged on it (each with
    its reason). Another declaration under the same construct id is refused (``ValueError``)."""
    context = stack_context(scope)
    made = context.shared_policies.get(declaration.id)
    if made is not None:
        if made[0] is not declaration:
            raise ValueError(
                f"the shared policy {declaration.id!r} of stack {context.stack.node.path!r} was made from another "
                "declaration: each shared policy has one declaration (rl_constructs.core.iam.SharedPolicy)."
            )
        return made[1]
    stack = context.stack
    policy = iam.ManagedPolicy(
        stack,
        declaration.id,
        description=declaration.description,
        document=policy_document(rendered_statements(stack, declaration.statements)),
    )
    remember_stack(policy, stack)
    reasons = {resource_arn(stack, resource): reason for resource, reason in declaration.wildcard_reasons.items()}
    acknowledge_wildcards(policy, reasons, stack=stack)
    context.shared_policies[declaration.id] = (declaration, policy)
    return policy


def add_statements(role: iam.IRole, statements: Iterable[Statement]) -> None:
    """Add the statements to ``role``'s policy (its default policy; a role imported immutably is left alone,
    as aws-cdk-lib's grants do)."""
    for statement in policy_statements(statements):
        role.add_to_principal_policy(statement)


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
