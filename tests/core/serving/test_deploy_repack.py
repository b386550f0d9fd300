"""core.serving.deploy_repack: when a model archive is repacked at deploy time, where it goes, what Delete removes."""

from __future__ import annotations

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.container import MODEL_CODE_DIRECTORY
from rl_constructs.core.serving.deploy_repack import destination_prefix, is_written_by, repacked_uri
from rl_constructs.core.serving.model import archive_serving, check_model_vpc

S3_CODE = {"SAGEMAKER_PROGRAM": "train.py", "SAGEMAKER_SUBMIT_DIRECTORY": "s3://code/sourcedir.tar.gz"}
INPUTS = {
    "ModelDataUrl": "s3://b/job/output/model.tar.gz",
    "CodeUrl": "s3://c/code.tar.gz",
    "DestinationPrefix": "s3://b/job/output/repacked/",
}


def test_a_container_that_reads_code_from_the_archive_is_repacked_as_chosen() -> None:
    chosen = {"SAGEMAKER_PROGRAM": "deploy.py", "SAGEMAKER_SUBMIT_DIRECTORY": MODEL_CODE_DIRECTORY}
    served = archive_serving(chosen, code_in_model_archive=True, enable_network_isolation=False)
    assert served.repack and served.environment == chosen


def test_isolation_repacks_a_container_that_would_download_its_code() -> None:
    served = archive_serving(S3_CODE, code_in_model_archive=False, enable_network_isolation=True)
    assert served.repack
    assert served.environment == {**S3_CODE, "SAGEMAKER_SUBMIT_DIRECTORY": MODEL_CODE_DIRECTORY}
    assert not archive_serving(S3_CODE, code_in_model_archive=False, enable_network_isolation=False).repack
    tfs = {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"}  # TensorFlow Serving without a script reads no code
    assert archive_serving(tfs, code_in_model_archive=False, enable_network_isolation=True).repack is False


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("s3://b/job/output/model.tar.gz", "s3://b/job/output/repacked/"),
        ("s3://b/model.tar.gz", "s3://b/repacked/"),
        ("s3://${Token[Bucket.1]}/cartpole/model.tar.gz", "s3://${Token[Bucket.1]}/cartpole/repacked/"),
        ("${Token[Attribute.2]}", None),  # a token as a whole: split in the template
        ("s3://b/${Token[Key.3]}", None),  # the file name is a token
    ],
)
def test_the_destination_is_beside_the_model_archive(url: str, prefix: str | None) -> None:
    assert destination_prefix(url) == prefix


def test_the_repacked_key_is_a_digest_of_the_inputs() -> None:
    uri = repacked_uri(INPUTS)
    assert uri.startswith("s3://b/job/output/repacked/") and uri.endswith("/model.tar.gz")
    assert repacked_uri(dict(INPUTS)) == uri  # deterministic
    for name, value in (
        ("CodeUrl", "s3://c/other.tar.gz"),
        ("ModelDataUrl", "s3://b/j2/model.tar.gz"),
        ("KmsKeyId", "k"),
    ):
        assert repacked_uri({**INPUTS, name: value}) != uri
    assert is_written_by(uri, INPUTS["DestinationPrefix"])


@pytest.mark.parametrize(
    "physical_id",
    [
        "a1b2c3-request-id",
        "s3://b/job/output/model.tar.gz",
        "s3://b/job/output/repacked/model.tar.gz",
        "s3://b/job/output/repacked/0123456789abcdef/other.tar.gz",
        "s3://b/other/repacked/0123456789abcdef/model.tar.gz",
        "s3://b/job/output/repacked/0123456789abcdef/x/model.tar.gz",
    ],
)
def test_delete_touches_nothing_the_resource_did_not_write(physical_id: str) -> None:
    assert not is_written_by(physical_id, INPUTS["DestinationPrefix"])


def test_a_model_vpc_is_checked_as_training_checks_its_vpc() -> None:
    assert check_model_vpc(
        vpc_given=False,
        vpc_subnets_given=False,
        security_groups=None,
        subnets=["subnet-1"],
        security_group_ids=["sg-1"],
    ) == (("subnet-1",), ("sg-1",))
    assert (
        check_model_vpc(
            vpc_given=True, vpc_subnets_given=True, security_groups=None, subnets=None, security_group_ids=None
        )
        is None
    )
    with pytest.raises(RLConfigurationError) as caught:
        check_model_vpc(
            vpc_given=False,
            vpc_subnets_given=False,
            security_groups=None,
            subnets=["subnet-1"],
            security_group_ids=None,
        )
    assert caught.value.argument == "security_group_ids"
    with pytest.raises(RLConfigurationError) as caught:
        check_model_vpc(
            vpc_given=True,
            vpc_subnets_given=False,
            security_groups=None,
            subnets=["subnet-1"],
            security_group_ids=["sg-1"],
        )
    assert caught.value.argument == "subnets"  # not both ways
    with pytest.raises(RLConfigurationError) as caught:
        check_model_vpc(
            vpc_given=False, vpc_subnets_given=True, security_groups=None, subnets=None, security_group_ids=None
        )
    assert caught.value.argument == "vpc"
