"""ARNs in the stack's partition, region and account, written compactly in the template.

``Stack.format_arn`` (and any f-string over ``Aws.PARTITION``...) renders an ARN of a region-agnostic
stack as an ``Fn::Join`` of three ``Ref``s: about 350 bytes of indented template for each. IAM
policies name a dozen such ARNs per pipeline, which is what kept 50 pipelines from fitting one template.
Here the same ARN is one ``Fn::Sub`` (``arn:${AWS::Partition}:sagemaker:${AWS::Region}:...``), which
CloudFormation resolves to the same value; with a concrete environment it is a plain string, as
``format_arn`` writes it. cdk-nag names both forms alike (``<AWS::Region>``), so acknowledgments match.
"""

from __future__ import annotations

import weakref

from aws_cdk import Fn, Stack
from constructs import IConstruct

from ._nag import has_token

#: (partition, region, account) of each stack: a literal, or the ``Fn::Sub`` variable of the pseudo parameter.
_ENVIRONMENTS: weakref.WeakKeyDictionary[Stack, tuple[str, str, str]] = weakref.WeakKeyDictionary()
#: The ARNs made per stack, so that asking twice gives the same string (one token, deduplicated by IAM).
_ARNS: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str, bool], str]] = weakref.WeakKeyDictionary()


def _environment(stack: Stack) -> tuple[str, str, str]:
    if stack not in _ENVIRONMENTS:
        partition, region, account = stack.partition, stack.region, stack.account
        _ENVIRONMENTS[stack] = (
            "${AWS::Partition}" if has_token(partition) else partition,
            "${AWS::Region}" if has_token(region) else region,
            "${AWS::AccountId}" if has_token(account) else account,
        )
    return _ENVIRONMENTS[stack]


def stack_arn(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` of ``scope``'s stack (region and account
    empty when not ``regional``, as for S3). ``resource`` is written as given (``training-job/name-*``,
    ``log-group:/aws/sagemaker/TrainingJobs*``); it may hold tokens, then the ARN is concatenated instead."""
    stack = scope if isinstance(scope, Stack) else Stack.of(scope)
    if has_token(resource) or "${" in resource:  # not expressible as one Fn::Sub: let the CDK concatenate
        if not regional:
            return f"arn:{stack.partition}:{service}:::{resource}"
        return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"
    made = _ARNS.setdefault(stack, {})
    key = (service, resource, regional)
    if key not in made:
        partition, region, account = _environment(stack)
        if not regional:
            region = account = ""
        arn = f"arn:{partition}:{service}:{region}:{account}:{resource}"
        made[key] = Fn.sub(arn) if "${AWS::" in arn else arn
    return made[key]
