"""IAM written as JSON renders as aws-cdk-lib's own statements; what is shared per stack is made once."""

from __future__ import annotations

from unittest import mock

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from rl_constructs._arns import known_nag_name, remember_stack, stack_arn, stack_of
from rl_constructs._nag import nag_resources
from rl_constructs._policy import allow, policy_document, policy_statements, service_principal, shared_policy
from tests.cdk_support import lint, new_app


def test_a_document_from_json_renders_like_policy_statements() -> None:
    stack = cdk.Stack(new_app(), "Json")
    bucket = s3.Bucket(stack, "Bucket")
    arn = stack_arn(stack, "logs", "log-group:/aws/sagemaker/TrainingJobs*")
    condition = {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}}
    ours = policy_document(
        [
            allow(["s3:GetObject"], [bucket.arn_for_objects("out/*")], sid="Read"),
            allow(["logs:PutLogEvents", "logs:CreateLogStream"], [arn]),
            allow(["cloudwatch:PutMetricData"], ["*"], sid="Metrics", conditions=condition),
        ]
    )
    theirs = iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(sid="Read", actions=["s3:GetObject"], resources=[bucket.arn_for_objects("out/*")]),
            iam.PolicyStatement(actions=["logs:PutLogEvents", "logs:CreateLogStream"], resources=[arn]),
            iam.PolicyStatement(
                sid="Metrics", actions=["cloudwatch:PutMetricData"], resources=["*"], conditions=condition
            ),
        ]
    )
    assert stack.resolve(ours) == stack.resolve(theirs)
    (statement,) = policy_statements([allow(["s3:GetObject"], ["arn:aws:s3:::b/k"], sid="One")])
    assert stack.resolve(statement.to_statement_json()) == {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": "arn:aws:s3:::b/k",
        "Sid": "One",
    }


def test_a_shared_policy_and_a_principal_are_made_once_per_stack() -> None:
    app = new_app()
    one, other = cdk.Stack(app, "One"), cdk.Stack(app, "Other")

    def policy(stack: cdk.Stack) -> iam.ManagedPolicy:
        return shared_policy(
            stack,
            "Common",
            description="common",
            statements=[allow(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin")],
            wildcard_reasons={"*": "GetAuthorizationToken has no resource type."},
        )

    assert policy(one) is policy(one)
    assert policy(other) is not policy(one)
    assert service_principal(one, "sagemaker.amazonaws.com") is service_principal(one, "sagemaker.amazonaws.com")
    assert service_principal(other, "sagemaker.amazonaws.com") is not service_principal(one, "sagemaker.amazonaws.com")
    for stack in (one, other):
        role = service_principal(stack, "sagemaker.amazonaws.com")
        iam.Role(stack, "Role", assumed_by=role, managed_policies=[policy(stack)])
    for stack in (one, other):
        template = cdk.assertions.Template.from_stack(stack)
        template.resource_count_is("AWS::IAM::ManagedPolicy", 1)
        assert lint(template.to_json()) == []


def test_the_stack_of_a_construct_and_a_resolved_nag_name_are_asked_once() -> None:
    stack = cdk.Stack(new_app(), "Once")
    bucket = s3.Bucket(stack, "Bucket")
    with mock.patch.object(cdk.Stack, "of", wraps=cdk.Stack.of) as stack_of_calls:
        assert stack_of(bucket) is stack
        assert stack_of(bucket) is stack
        assert stack_of(stack) is stack
    assert stack_of_calls.call_count == 1
    child = s3.Bucket(bucket, "Child")
    remember_stack(child, stack)
    with mock.patch.object(cdk.Stack, "of") as never:
        assert stack_of(child) is stack
    never.assert_not_called()

    arn = bucket.arn_for_objects("out/*")
    assert known_nag_name(stack, arn) is None
    (first,) = nag_resources(stack, [arn])
    assert known_nag_name(stack, arn) == first
    with mock.patch.object(cdk.Stack, "resolve") as resolve:
        assert nag_resources(stack, [arn]) == [first]
    resolve.assert_not_called()
