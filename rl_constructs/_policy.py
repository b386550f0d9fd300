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

import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from ._nag import acknowledge_wildcards

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
