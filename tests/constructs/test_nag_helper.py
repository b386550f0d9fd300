"""The cdk-nag acknowledgment helper renders resources as cdk-nag names them in finding ids."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from rl_constructs._nag import has_token, nag_resources


@pytest.mark.parametrize(
    "value",
    [
        cdk.Aws.REGION,
        f"arn:{cdk.Aws.PARTITION}:logs:*",
        cdk.Token.as_string({"Ref": "Anything"}),
        "arn:aws:s3:::plain/*",
        "*",
        "${NotAToken}",
    ],
    # fixed ids: a token's text numbers it in creation order, which differs between pytest-xdist workers
    ids=["region", "partition-in-arn", "ref", "plain-arn", "star", "not-a-token"],
)
def test_has_token_agrees_with_the_cdk(value: str) -> None:
    assert has_token(value) is cdk.Token.is_unresolved(value)


def test_resources_are_rendered_like_cdk_nag_in_one_pass() -> None:
    stack = cdk.Stack(cdk.App(), "Nag")
    bucket = s3.Bucket(stack, "Bucket")
    arns = [
        "*",
        bucket.arn_for_objects("out/*"),
        f"arn:{cdk.Aws.PARTITION}:logs:{cdk.Aws.REGION}:x:*",
        bucket.bucket_name,
    ]
    bucket_id = stack.get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
    assert nag_resources(stack, arns) == [
        "*",
        f"<{bucket_id}.Arn>/out/*",
        "arn:<AWS::Partition>:logs:<AWS::Region>:x:*",
        f"<{bucket_id}>",
    ]
