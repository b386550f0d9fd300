"""ARNs of the stack's environment: plain with a concrete env, one Fn::Sub without, and named alike by cdk-nag."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from rl_constructs._arns import resource_arn, s3_uri_arn, stack_arn
from rl_constructs._nag import nag_resources
from rl_constructs.core.iam import StackArn
from rl_constructs.testing.asl import ACCOUNT
from tests.cdk_support import new_app


def stack(region: str | None = None, account: str | None = None) -> cdk.Stack:
    env = cdk.Environment(account=account, region=region) if region or account else None
    return cdk.Stack(new_app(), "Arns", env=env)  # cdk.json's flags: partition literals for known regions


def test_a_concrete_environment_gives_a_plain_string() -> None:
    arn = stack_arn(stack("us-west-2", ACCOUNT), "sagemaker", "training-job/rl-*")
    assert arn == f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:training-job/rl-*"
    china = stack_arn(stack("cn-north-1", ACCOUNT), "logs", "log-group:/aws/sagemaker/TrainingJobs*")
    assert china == f"arn:aws-cn:logs:cn-north-1:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs*"


def test_a_region_agnostic_stack_gets_one_fn_sub() -> None:
    s = stack()
    arn = stack_arn(s, "sagemaker", "endpoint/rl-*")
    assert s.resolve(arn) == {
        "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/rl-*"
    }
    assert stack_arn(s, "sagemaker", "endpoint/rl-*") == arn  # asked twice: the same token, so IAM dedupes it


def test_a_known_region_with_an_unknown_account_substitutes_only_the_account() -> None:
    s = stack("eu-west-1")
    assert s.resolve(stack_arn(s, "events", "rule/R")) == {
        "Fn::Sub": "arn:aws:events:eu-west-1:${AWS::AccountId}:rule/R"
    }


def test_s3_arns_have_no_region_or_account() -> None:
    s = stack()
    assert s.resolve(stack_arn(s, "s3", "bucket/prefix*", regional=False)) == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::bucket/prefix*"
    }


def test_a_token_in_the_resource_is_concatenated_not_substituted() -> None:
    s = stack()
    name = cdk.CfnParameter(s, "Name").value_as_string
    resolved = s.resolve(stack_arn(s, "sagemaker", f"training-job/{name}"))
    assert "Fn::Join" in resolved
    assert {"Ref": "Name"} in resolved["Fn::Join"][1]


def test_cdk_nag_names_the_substituted_and_the_joined_form_alike() -> None:
    s = stack()
    name = cdk.CfnParameter(s, "Name").value_as_string
    substituted = stack_arn(s, "sagemaker", "model/rl-*")
    joined = f"arn:{cdk.Aws.PARTITION}:sagemaker:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:model/rl-*"
    assert nag_resources(s, [substituted, joined, stack_arn(s, "sagemaker", f"model/{name}")]) == [
        "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/rl-*",
        "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/rl-*",
        "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/<Name>",
    ]


def test_an_s3_uri_with_a_literal_scheme_is_split_here_in_the_stack_s_partition() -> None:
    s = stack("cn-north-1", ACCOUNT)
    bucket = cdk.CfnParameter(s, "Bucket").value_as_string
    assert s3_uri_arn(s, "s3://b/k") == "arn:aws-cn:s3:::b/k"
    assert s3_uri_arn(s, "s3://b") == "arn:aws-cn:s3:::b"
    assert s.resolve(s3_uri_arn(s, f"s3://{bucket}/p/", suffix="*")) == {
        "Fn::Join": ["", ["arn:aws-cn:s3:::", {"Ref": "Bucket"}, "/p/*"]]
    }
    # With pseudo_partition, the partition is AWS::Partition (Aws.PARTITION), known region or not.
    partition = {"Ref": "AWS::Partition"}
    pseudo = s.resolve(s3_uri_arn(s, f"s3://{bucket}/p/", suffix="*", pseudo_partition=True))
    assert pseudo == {"Fn::Join": ["", ["arn:", partition, ":s3:::", {"Ref": "Bucket"}, "/p/*"]]}
    assert s.resolve(s3_uri_arn(s, "s3://b/k", pseudo_partition=True)) == s.resolve(f"arn:{cdk.Aws.PARTITION}:s3:::b/k")
    agnostic = stack()
    assert agnostic.resolve(s3_uri_arn(agnostic, "s3://b/k")) == {"Fn::Join": ["", ["arn:", partition, ":s3:::b/k"]]}


def test_an_s3_uri_token_is_split_by_cloudformation() -> None:
    s = stack("us-west-2")
    bucket = cdk.CfnParameter(s, "Bucket").value_as_string
    whole = cdk.Fn.join("", ["s3://", bucket, "/k"])
    split = {"Fn::Select": [1, {"Fn::Split": ["s3://", {"Fn::Join": ["", ["s3://", {"Ref": "Bucket"}, "/k"]]}]}]}
    assert s.resolve(s3_uri_arn(s, whole)) == {"Fn::Join": ["", ["arn:aws:s3:::", split]]}
    expected = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", split]]}
    assert s.resolve(s3_uri_arn(s, whole, pseudo_partition=True)) == expected
    assert s.resolve(s3_uri_arn(s, f"s3://{bucket}/k", split_in_template=True, pseudo_partition=True)) == expected
    with_suffix = s.resolve(s3_uri_arn(s, whole, suffix="*"))
    assert with_suffix == {"Fn::Join": ["", ["arn:aws:s3:::", split, "*"]]}
    # split_in_template leaves a literal URI as it is.
    assert s3_uri_arn(s, "s3://b/k", split_in_template=True) == s3_uri_arn(s, "s3://b/k")


def test_a_literal_that_is_not_an_s3_uri_is_refused() -> None:
    with pytest.raises(ValueError, match="'https://b/k' is not an s3:// URI"):
        s3_uri_arn(stack(), "https://b/k")


def test_a_stack_arn_placeholder_is_made_in_the_stack_that_renders_it() -> None:
    s = stack("eu-west-1", ACCOUNT)
    placeholder = StackArn("logs", "log-group:/aws/sagemaker/Endpoints/*")
    assert resource_arn(s, placeholder) == stack_arn(s, "logs", "log-group:/aws/sagemaker/Endpoints/*")
    assert resource_arn(s, StackArn("s3", "b/k", regional=False)) == stack_arn(s, "s3", "b/k", regional=False)
    assert resource_arn(s, "*") == "*"
