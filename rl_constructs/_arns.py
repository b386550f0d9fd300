"""ARNs in the stack's partition, region and account, written compactly in the template.

``Stack.format_arn`` (and any f-string over ``Aws.PARTITION``...) renders an ARN of a region-agnostic
stack as an ``Fn::Join`` of three ``Ref``s: about 350 bytes of indented template for each. IAM
policies name a dozen such ARNs per pipeline, which is what kept 50 pipelines from fitting one template.
Here the same ARN is one ``Fn::Sub`` (``arn:${AWS::Partition}:sagemaker:${AWS::Region}:...``), which
CloudFormation resolves to the same value; with a concrete environment it is a plain string, as
``format_arn`` writes it. cdk-nag names both forms alike (``<AWS::Region>``), so acknowledgments match.

The stack's partition, region and account are read once per stack (each read is a jsii round trip), and
the name cdk-nag gives each ARN made here is remembered, so acknowledging it needs no token resolution.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

from aws_cdk import Fn, Stack
from constructs import IConstruct


def has_token(value: str) -> bool:
    """``Token.is_unresolved`` for a string, without the jsii round trip: the CDK encodes every token in
    a string as ``${Token[...]}``."""
    return "${Token[" in value


class StackEnvironment(NamedTuple):
    """``stack.partition``, ``stack.region`` and ``stack.account``: literals, or pseudo-parameter tokens."""

    partition: str
    region: str
    account: str


#: The environment of each stack, read once.
_ENVIRONMENTS: weakref.WeakKeyDictionary[Stack, StackEnvironment] = weakref.WeakKeyDictionary()
#: The ARNs made per stack, so that asking twice gives the same string (one token, deduplicated by IAM).
_ARNS: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str, bool], str]] = weakref.WeakKeyDictionary()
#: How cdk-nag names each ARN made here (``arn:<AWS::Partition>:...``) or already resolved, by token string.
_NAG_NAMES: weakref.WeakKeyDictionary[Stack, dict[str, str]] = weakref.WeakKeyDictionary()
#: The stack of each construct asked about (a construct never changes stacks).
_STACK_OF: weakref.WeakKeyDictionary[IConstruct, Stack] = weakref.WeakKeyDictionary()


def stack_of(scope: IConstruct) -> Stack:
    """``Stack.of(scope)``, asked of the jsii runtime once per construct (never when ``scope`` is a stack)."""
    if isinstance(scope, Stack):
        return scope
    stack = _STACK_OF.get(scope)
    if stack is None:
        stack = _STACK_OF[scope] = Stack.of(scope)
    return stack


def remember_stack(construct: IConstruct, stack: Stack) -> None:
    """Record that ``construct`` (just made in ``stack``) is in ``stack``, so ``stack_of`` needs no round trip."""
    _STACK_OF[construct] = stack


def stack_environment(scope: IConstruct) -> StackEnvironment:
    """The partition, region and account of ``scope``'s stack (tokens in a region-agnostic stack)."""
    stack = stack_of(scope)
    environment = _ENVIRONMENTS.get(stack)
    if environment is None:
        environment = _ENVIRONMENTS[stack] = StackEnvironment(stack.partition, stack.region, stack.account)
    return environment


def stack_arn(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` of ``scope``'s stack (region and account
    empty when not ``regional``, as for S3). ``resource`` is written as given (``training-job/name-*``,
    ``log-group:/aws/sagemaker/TrainingJobs*``); it may hold tokens, then the ARN is concatenated instead."""
    stack = stack_of(scope)
    partition, region, account = stack_environment(stack)
    if not regional:
        region = account = ""
    if has_token(resource) or "${" in resource:  # not expressible as one Fn::Sub: let the CDK concatenate
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"
    made = _ARNS.setdefault(stack, {})
    key = (service, resource, regional)
    if key not in made:
        variables = [
            "${AWS::Partition}" if has_token(partition) else partition,
            "${AWS::Region}" if has_token(region) else region,
            "${AWS::AccountId}" if has_token(account) else account,
        ]
        arn = "arn:{}:{service}:{}:{}:{resource}".format(*variables, service=service, resource=resource)
        if "${AWS::" in arn:
            made[key] = Fn.sub(arn)
            # cdk-nag's flattenCfnReference writes Fn::Sub's ``${X}`` as ``<X>``.
            remember_nag_name(stack, made[key], arn.replace("${", "<").replace("}", ">"))
        else:
            made[key] = arn
    return made[key]


def known_nag_name(stack: Stack, arn: str) -> str | None:
    """How cdk-nag names ``arn`` in a finding, when ``stack_arn`` made it or it was named before; else None."""
    return _NAG_NAMES.get(stack, {}).get(arn)


def remember_nag_name(stack: Stack, arn: str, name: str) -> None:
    """Record how cdk-nag names ``arn`` (a token string), once resolved."""
    _NAG_NAMES.setdefault(stack, {})[arn] = name


def family_arns(scope: IConstruct, resource_type: str, base_name: str) -> list[str]:
    """ARN patterns of every SageMaker ``resource_type`` (``training-job``, ``model``...) named
    ``<base_name>-*``. SageMaker has returned names lower-cased in ARNs (``RL-Train-1`` as
    ``...:training-job/rl-train-1``) and IAM compares ARNs case-sensitively, so both spellings are allowed
    when they differ."""
    names = dict.fromkeys([f"{base_name}-*", f"{base_name.lower()}-*"])
    return [stack_arn(scope, "sagemaker", f"{resource_type}/{name}") for name in names]
