"""cdk-nag acknowledgments for findings that least privilege cannot remove, each with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def nag_resource(stack: Stack, arn: str) -> str:
    """A resource as cdk-nag writes it in a finding id: the resolved ARN, ``Ref``s as ``<Name>`` and
    ``Fn::GetAtt``s as ``<Resource.Attribute>``."""

    def render(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value:
            return f"<{value['Ref']}>"
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return f"<{'.'.join(value['Fn::GetAtt'])}>"
        if isinstance(value, dict) and "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(render(part) for part in parts)
        raise AssertionError(f"unexpected ARN fragment {value!r}")

    return render(stack.resolve(arn))


def acknowledge_wildcards(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge AwsSolutions-IAM5 for each wildcard resource (an ARN, tokens allowed, or ``*``) on
    ``scope`` and below, with the reason it cannot be narrower."""
    stack = Stack.of(scope)
    for arn, reason in reasons.items():
        resource = "*" if arn == "*" else nag_resource(stack, arn)
        Validations.of(scope).acknowledge(
            Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]", reason=reason)
        )
