"""Image URIs in a template: plain strings for a concrete region, a mapping for a region-agnostic stack.

For a stack whose region is a token (``cdk.Stack`` without ``env``), the URI of every region the image
exists in goes into one ``CfnMapping`` (keyed by region), and a CloudFormation ``Rules`` assertion stops
the deployment, before anything is created, in a region the image is not published in.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from aws_cdk import Aws, CfnMapping, CfnRule, CfnRuleAssertion, Fn, Stack
from constructs import IConstruct

from ._arns import has_token, stack_environment, stack_of
from .core.images import ImageFamily, repository_arn
from .core.toolkits import Processor


@dataclass(frozen=True)
class ResolvedImage:
    """An image as the template sees it."""

    #: The image URI: a plain string, or a ``Fn::FindInMap`` token in a region-agnostic stack.
    image_uri: str
    #: The ECR repository ARN, for least-privilege pull permissions (same resolution as the URI).
    repository_arn: str


def _logical_name(family: ImageFamily, processor: Processor) -> str:
    words = re.split(r"[^A-Za-z0-9]+", f"{family.repository} {family.tag(processor)}")
    return "RLImage" + "".join(word[:1].upper() + word[1:] for word in words if word)


#: Resolved images per stack and (repository, tag): many constructs in one stack resolve each image once.
_RESOLVED: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str], ResolvedImage]] = weakref.WeakKeyDictionary()


def resolve_image(scope: IConstruct, family: ImageFamily, processor: Processor) -> ResolvedImage:
    """The URI and repository ARN of ``family`` for ``processor`` in ``scope``'s stack."""
    stack = stack_of(scope)
    resolved = _RESOLVED.setdefault(stack, {})
    key = (family.repository, family.tag(processor))
    if key not in resolved:
        resolved[key] = _resolve(stack, family, processor)
    return resolved[key]


def _resolve(stack: Stack, family: ImageFamily, processor: Processor) -> ResolvedImage:
    region = stack_environment(stack).region
    if not has_token(region):
        uri = family.uri(region, processor)  # raises, naming `region`, where the image does not exist
        return ResolvedImage(uri, repository_arn(region, family.registries[region], family.repository))

    name = _logical_name(family, processor)
    mapping = stack.node.try_find_child(name)
    if mapping is None:
        mapping = CfnMapping(
            stack,
            name,
            mapping={
                # The repository's whole ARN, partition included: policies name it with one Fn::FindInMap.
                region_name: {
                    "uri": uri,
                    "repository": repository_arn(region_name, family.registries[region_name], family.repository),
                }
                for region_name, uri in family.uris_by_region(processor).items()
            },
        )
        CfnRule(
            stack,
            f"{name}Region",
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_contains(list(family.regions), Aws.REGION),
                    assert_description=(
                        f"The SageMaker image {family.repository}:{family.tag(processor)} is not published "
                        f"in this region. Deploy to one of: {', '.join(family.regions)}."
                    ),
                )
            ],
        )
    assert isinstance(mapping, CfnMapping)
    return ResolvedImage(
        image_uri=mapping.find_in_map(Aws.REGION, "uri"), repository_arn=mapping.find_in_map(Aws.REGION, "repository")
    )


def require_debugger_region(scope: IConstruct, unsupported_regions: tuple[str, ...]) -> None:
    """In a region-agnostic stack, stop a deployment to a region where the SDK sends no DebugHookConfig
    and disables the profiler (a CloudFormation ``Rules`` assertion, once per stack): the request
    synthesized with them would be refused there. Opting out (``debugger_hook_config=False``,
    ``disable_profiler=True``) or binding the stack to a region needs no rule."""
    stack = stack_of(scope)
    if stack.node.try_find_child(_DEBUGGER_RULE) is not None:
        return
    CfnRule(
        stack,
        _DEBUGGER_RULE,
        assertions=[
            CfnRuleAssertion(
                assert_=Fn.condition_not(Fn.condition_contains(list(unsupported_regions), Aws.REGION)),
                assert_description=(
                    "SageMaker Debugger and its profiler are not available in this region, and the training "
                    "request of this stack enables them as RLEstimator.fit() does. Deploy elsewhere, bind the "
                    "stack to this region (env), or pass debugger_hook_config=False and disable_profiler=True."
                ),
            )
        ],
    )


_DEBUGGER_RULE = "RLDebuggerRegion"
