"""cdk-nag acknowledgments for findings that least privilege cannot remove, each with its reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from ._arns import has_token, known_nag_name, remember_nag_name, stack_of

__all__ = ["acknowledge_wildcards", "has_token", "nag_resources"]


def nag_resources(scope: IConstruct, arns: Sequence[str]) -> list[str]:
    """The resources as cdk-nag writes them in a finding id: the resolved ARN, ``Ref``s as ``<Name>`` and
    ``Fn::GetAtt``s as ``<Resource.Attribute>``. ARNs made by ``stack_arn`` are named without resolving;
    other tokens are resolved in one jsii round trip for them all."""
    stack = stack_of(scope)
    rendered = {arn: name for arn in arns if has_token(arn) and (name := known_nag_name(stack, arn)) is not None}
    unresolved = [arn for arn in arns if has_token(arn) and arn not in rendered]
    if unresolved:
        for arn, value in zip(unresolved, stack.resolve(unresolved), strict=True):
            rendered[arn] = _render(value)
            remember_nag_name(stack, arn, rendered[arn])
    return [rendered.get(arn, arn) for arn in arns]


def _render(value: Any) -> str:
    # cdk-nag's flattenCfnReference: Fn::Sub's ``${X}`` and Ref's X both become ``<X>``.
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return _render(value["Fn::Sub"])
    raise AssertionError(f"unexpected ARN fragment {value!r}")


def acknowledge_wildcards(
    scope: IConstruct,
    reasons: Mapping[str, str],
    *,
    stack: Stack | None = None,
    others: Mapping[str, str] | None = None,
) -> None:
    """Acknowledge AwsSolutions-IAM5 for each wildcard resource (an ARN, tokens allowed, or ``*``) on
    ``scope`` and below, with the reason it cannot be narrower; ``others`` maps further finding ids
    (``AwsSolutions::AwsSolutions-S1``...) to their reasons, acknowledged in the same call."""
    if not reasons and not others:
        return
    # Given the stack, when the caller has it, nag_resources saves a Stack.of round trip.
    resources = nag_resources(scope if stack is None else stack, list(reasons))
    Validations.of(scope).acknowledge(
        *(
            Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]", reason=reason)
            for resource, reason in zip(resources, reasons.values(), strict=True)
        ),
        *(Acknowledgment(id=finding, reason=reason) for finding, reason in (others or {}).items()),
    )


#: The findings every ``custom_resources.Provider`` of this library has, whatever its handler, and why.
PROVIDER_FINDINGS = {
    "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]": "The Provider framework's own functions use the AWS managed basic "
    "execution role (aws-cdk-lib's choice); it only grants writing logs.",
    "AwsSolutions::AwsSolutions-L1": "The Provider framework's functions run the Node.js runtime aws-cdk-lib "
    "chooses for them; this library's handlers run the newest Python runtime.",
}


def acknowledge_provider(
    construct: IConstruct, *, wildcard_reasons: Mapping[str, str], others: Mapping[str, str] | None = None
) -> None:
    """Acknowledge, on ``construct`` (which holds a ``custom_resources.Provider`` and its handlers), the
    findings of the Provider framework: its grant to invoke every version of each function (``<fn>.Arn:*``),
    :data:`PROVIDER_FINDINGS`, plus the handler's own ``wildcard_reasons`` and ``others``."""
    from aws_cdk import aws_lambda as lambda_

    stack = stack_of(construct)
    functions = [child for child in construct.node.find_all() if isinstance(child, lambda_.CfnFunction)]
    acknowledge_wildcards(
        construct,
        {
            f"<{stack.get_logical_id(function)}.Arn>:*": "The Provider framework may invoke every version of "
            "the handler and framework functions (aws-cdk-lib's grant)."
            for function in functions
        }
        | dict(wildcard_reasons),
        stack=stack,
        others={**PROVIDER_FINDINGS, **(others or {})},
    )
