"""The AWS facts of rl_constructs.core.aws, each checked on both sides of its rule."""

from __future__ import annotations

import re

import pytest

from rl_constructs.core import aws
from rl_constructs.core.errors import RLConfigurationError


@pytest.mark.parametrize(
    "name",
    ["a", "7", "job-1", "a--b", "A" * 63, "a" + "-" * 61 + "b"],
)
def test_valid_names(name: str) -> None:
    assert aws.is_valid_name(name)
    assert aws.check_name("training_job_name", name, what="training job name") == name


@pytest.mark.parametrize(
    "name",
    ["", "-a", "a-", "-", "a_b", "a.b", "a b", "é", "A" * 64, "a" + "-" * 62 + "b"],
)
def test_invalid_names(name: str) -> None:
    assert not aws.is_valid_name(name)
    with pytest.raises(RLConfigurationError) as caught:
        aws.check_name("training_job_name", name, what="training job name")
    assert caught.value.argument == "training_job_name"
    assert repr(name) in str(caught.value)
    assert "training job name: 1 to 63 letters, digits and hyphens" in str(caught.value)


def test_a_shorter_limit() -> None:
    assert aws.is_valid_name("a" * 32, max_length=32)
    assert not aws.is_valid_name("a" * 33, max_length=32)
    with pytest.raises(RLConfigurationError, match="1 to 32 letters"):
        aws.check_name("tuning_job_name", "a" * 33, what="tuning job name", max_length=32)


def test_the_name_rule_is_botocores() -> None:
    shapes = pytest.importorskip("botocore.session").get_session().get_service_model("sagemaker")
    for shape in ("TrainingJobName", "EndpointName", "EndpointConfigName", "EntityName", "TransformJobName"):
        metadata = shapes.shape_for(shape).metadata
        assert metadata["max"] == aws.NAME_MAX_LENGTH, shape
        assert metadata["pattern"] == "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", shape
    assert shapes.shape_for("NameContains").metadata["max"] == 63


@pytest.mark.parametrize(
    ("prefix", "valid"),
    [("a", True), ("a-", True), ("a" * 63, True), ("a" * 64, False), ("-a", False), ("", False), ("a_b", False)],
)
def test_name_prefix_pattern(prefix: str, valid: bool) -> None:
    assert (re.fullmatch(aws.NAME_PREFIX_PATTERN, prefix) is not None) is valid


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("eu-isoe-west-1", "aws"),
        ("af-south-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-iso-west-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_partition(region: str, partition: str) -> None:
    assert aws.partition(region) == partition


def test_split_s3_uri() -> None:
    assert aws.split_s3_uri("s3://bucket/a/b.tar.gz") == ("bucket", "a/b.tar.gz")
    assert aws.split_s3_uri("s3://bucket/prefix/") == ("bucket", "prefix/")
    assert aws.split_s3_uri("s3://bucket/") == ("bucket", "")
    assert aws.split_s3_uri("s3://bucket") == ("bucket", "")


@pytest.mark.parametrize("uri", ["", "bucket/key", "https://bucket/key", "S3://bucket/key", "s3://", "s3:///key"])
def test_split_s3_uri_refuses_other_uris(uri: str) -> None:
    with pytest.raises(ValueError):
        aws.split_s3_uri(uri)


def test_s3_arn() -> None:
    assert aws.s3_arn("aws", "bucket") == "arn:aws:s3:::bucket"
    assert aws.s3_arn("aws-cn", "bucket", "a/b.tar.gz") == "arn:aws-cn:s3:::bucket/a/b.tar.gz"
    assert aws.s3_arn("aws", "bucket", "prefix/*") == "arn:aws:s3:::bucket/prefix/*"
