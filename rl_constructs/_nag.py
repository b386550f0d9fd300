"""cdk-nag acknowledgments for findings that least privilege cannot remove, each with its reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from ._arns import has_token, stack_of
from ._context import keep_on, stack_context

__all__ = ["acknowledge_wildcards", "has_token", "nag_resources"]


def nag_resources(scope: IConstruct, arns: Sequence[str]) -> list[str]:
    """The resources as cdk-nag writes them in a finding id: the resolved ARN, ``Ref``s as ``<Name>`` and
    ``Fn::GetAtt``s as ``<Resource.Attribute>``. ARNs made by ``stack_arn`` or named before in the stack are
    named without resolving (the stack's context remembers); other tokens are resolved in one jsii round trip
    for them all."""
    context = stack_context(scope)
    known = context.nag_names
    unresolved = list(dict.fromkeys(arn for arn in arns if has_token(arn) and arn not in known))
    if unresolved:
        for arn, value in zip(unresolved, context.stack.resolve(unresolved), strict=True):
            known[arn] = _render(value)
    return [known.get(arn, arn) for arn in arns]


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
    _validations(scope).acknowledge(
        *(
            Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]", reason=reason)
            for resource, reason in zip(resources, reasons.values(), strict=True)
        ),
        *(Acknowledgment(id=finding, reason=reason) for finding, reason in (others or {}).items()),
    )


def _validations(scope: IConstruct) -> Validations:
    """``Validations.of(scope)``, a stateless wrapper of ``scope`` (aws-cdk-lib makes a new one each time),
    asked once per construct and kept on it: a construct acknowledged again (the stack's cleanup role, once
    per pipeline) costs one round trip, not two."""
    validations: Validations | None = getattr(scope, _VALIDATIONS_ATTRIBUTE, None)
    if validations is None:
        validations = Validations.of(scope)
        keep_on(scope, _VALIDATIONS_ATTRIBUTE, validations)
    return validations


_VALIDATIONS_ATTRIBUTE = "_rl_constructs_validations"


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
