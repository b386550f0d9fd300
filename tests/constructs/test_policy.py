"""IAM written as JSON renders as aws-cdk-lib's own statements; what is shared per stack is made once, from its
declaration, and kept by the stack's context."""

from __future__ import annotations

import dataclasses

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from rl_constructs._arns import known_nag_name, remember_stack, stack_arn, stack_of
from rl_constructs._context import CONTEXT_ID, stack_context
from rl_constructs._nag import acknowledge_wildcards, nag_resources
from rl_constructs._policy import (
    allow,
    policy_document,
    policy_statements,
    rendered_statements,
    service_principal,
    shared_policy,
)
from rl_constructs.core.iam import SharedPolicy, StackArn
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


#: A declaration of the tests: one statement with an ARN of the stack, and the reasons of its wildcards.
COMMON = SharedPolicy(
    id="Common",
    description="common",
    statements=(
        allow(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
        allow(["logs:PutLogEvents"], [StackArn("logs", "log-group:/aws/sagemaker/Tests*")], sid="Logs"),
    ),
    wildcard_reasons={
        "*": "GetAuthorizationToken has no resource type.",
        StackArn("logs", "log-group:/aws/sagemaker/Tests*"): "One log group per test.",
    },
)


def acknowledged(construct: Construct) -> dict[str, str]:
    """The findings acknowledged on ``construct`` itself, with their reasons."""
    return {
        finding: reason
        for entry in construct.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for finding, reason in entry.data.items()
    }


def test_a_shared_policy_and_a_principal_are_made_once_per_stack() -> None:
    app = new_app()
    one, other = cdk.Stack(app, "One"), cdk.Stack(app, "Other")

    def policy(stack: cdk.Stack) -> iam.ManagedPolicy:
        return shared_policy(stack, COMMON)

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


def test_a_shared_policy_renders_its_declaration_and_acknowledges_its_wildcards() -> None:
    stack = cdk.Stack(new_app(), "Declared")
    policy = shared_policy(stack, COMMON)
    logs = {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/Tests*"}
    cdk.assertions.Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Description": "common",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": logs},
                ],
            },
        },
    )
    assert policy.node.path == "Declared/Common"
    assert acknowledged(policy) == {
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "GetAuthorizationToken has no resource type.",
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
        "log-group:/aws/sagemaker/Tests*]": "One log group per test.",
    }
    # A role that does not attach the policy gets the same statements, rendered in its stack.
    assert stack.resolve(rendered_statements(stack, COMMON))[1]["Resource"] == [logs]


def test_a_second_declaration_of_a_shared_policy_is_refused() -> None:
    stack = cdk.Stack(new_app(), "Twice")
    shared_policy(stack, COMMON)
    other = dataclasses.replace(COMMON, statements=(allow(["s3:GetObject"], ["*"], sid="Other"),))
    with pytest.raises(ValueError, match="'Common' of stack 'Twice' was made from another declaration"):
        shared_policy(stack, other)
    assert shared_policy(cdk.Stack(new_app(), "Elsewhere"), other).node.path == "Elsewhere/Common"


def test_the_stack_of_a_construct_and_a_resolved_nag_name_are_remembered() -> None:
    stack = cdk.Stack(new_app(), "Once")
    bucket = s3.Bucket(stack, "Bucket")
    assert stack_of(bucket) is stack
    assert stack_of(bucket) is stack
    assert stack_of(stack) is stack
    child = s3.Bucket(bucket, "Child")
    remember_stack(child, stack)
    assert stack_of(child) is stack
    nested = cdk.NestedStack(stack, "Nested")
    assert stack_of(s3.Bucket(nested, "Inner")) is nested

    arn = bucket.arn_for_objects("out/*")
    assert known_nag_name(stack, arn) is None
    (first,) = nag_resources(stack, [arn])
    assert known_nag_name(stack, arn) == first
    assert nag_resources(stack, [arn]) == [first]


def test_the_context_is_one_construct_per_stack_found_through_the_tree() -> None:
    app = new_app()
    one, other = cdk.Stack(app, "One"), cdk.Stack(app, "Other")
    context = stack_context(s3.Bucket(one, "Bucket"))
    assert context is stack_context(one)
    assert context is not stack_context(s3.Bucket(other, "Bucket"))
    assert context.node.path == f"One/{CONTEXT_ID}"
    assert one.node.find_child(CONTEXT_ID) is context
    # Without the Python-side reference the stack keeps, the tree finds the same context.
    delattr(one, "_rl_constructs_context")
    assert stack_context(one) is context
    assert context.environment == (one.partition, one.region, one.account)
    assert context.remember("key", lambda: ["made"]) is context.remember("key", lambda: ["again"])
    # It renders nothing: the template is that of a twin stack without it.
    twin = cdk.Stack(app, "Twin")
    s3.Bucket(twin, "Bucket")
    assert cdk.assertions.Template.from_stack(one).to_json() == cdk.assertions.Template.from_stack(twin).to_json()


def test_the_context_id_is_reserved() -> None:
    stack = cdk.Stack(new_app(), "Taken")
    Construct(stack, CONTEXT_ID)
    with pytest.raises(ValueError, match="reserved"):
        stack_context(stack)


def test_a_proxy_that_refuses_new_attributes_is_asked_again() -> None:
    stack = cdk.Stack(new_app(), "Imported")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/given")
    with pytest.raises(AttributeError):
        role._anything = 1  # jsii's proxy of an object of several interfaces
    assert stack_of(role) is stack
    assert stack_of(role) is stack
    for _ in range(2):
        acknowledge_wildcards(role, {"*": "Asked twice."})
