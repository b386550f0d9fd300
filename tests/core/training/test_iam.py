"""The execution role's statements as data: each permission only when the job needs it, each wildcard's reason."""

from __future__ import annotations

from typing import Any

from rl_constructs.core.iam import (
    TRAINING_COMMON_POLICY,
    TRAINING_LOG_GROUPS_REASON,
    TRAINING_NO_RESOURCE_TYPE_REASON,
)
from rl_constructs.core.training.iam import (
    OUTPUT_PREFIX_REASON,
    PREFIXES_REASON,
    TOKEN_IMAGE_REASON,
    VPC_REASON,
    RolePolicy,
    common_statements,
    execution_role_policy,
    s3_prefix_arns,
)

LOGS = "arn:aws:logs:us-west-2:111122223333:log-group:/aws/sagemaker/TrainingJobs*"
CODE = "arn:aws:s3:::assets/code.tar.gz"
OUTPUT = "arn:aws:s3:::out/models/*"
REPOSITORY = "arn:aws:ecr:us-west-2:520713654638:repository/sagemaker-rl-tensorflow"


def policy(**overrides: Any) -> RolePolicy:
    arguments: dict[str, Any] = {
        "partition": "aws",
        "log_groups_arn": LOGS,
        "source_object_arn": CODE,
        "output_prefix_arn": OUTPUT,
        "checkpoint_s3_uri": None,
        "channel_uris": {},
        "repository_arns": [REPOSITORY],
        "in_vpc": False,
        "common": False,
        **overrides,
    }
    return execution_role_policy(**arguments)


def by_sid(role_policy: RolePolicy) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in role_policy.statements}


def test_a_plain_job_reads_its_code_writes_its_output_and_pulls_its_image() -> None:
    role_policy = policy()
    statements = by_sid(role_policy)
    assert list(statements) == ["ReadTrainingCode", "WriteModelArtifacts", "PullTrainingImage"]
    assert statements["ReadTrainingCode"] == {
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": [CODE],
        "Sid": "ReadTrainingCode",
    }
    assert statements["WriteModelArtifacts"]["Resource"] == [OUTPUT]
    assert statements["PullTrainingImage"]["Resource"] == [REPOSITORY]
    assert role_policy.wildcard_reasons == {OUTPUT: OUTPUT_PREFIX_REASON}


def test_channels_checkpoints_and_a_vpc() -> None:
    role_policy = policy(
        channel_uris={"env": "s3://data/env/", "whole": "s3://data/"},
        checkpoint_s3_uri="s3://ckpt/run/",
        in_vpc=True,
    )
    statements = by_sid(role_policy)
    assert statements["ReadInputChannels"]["Resource"] == ["arn:aws:s3:::data/env/*", "arn:aws:s3:::data/*"]
    assert statements["ListInputChannels"]["Resource"] == ["arn:aws:s3:::data"]
    assert statements["SyncCheckpoints"]["Resource"] == ["arn:aws:s3:::ckpt/run/*"]
    assert statements["ListCheckpoints"]["Resource"] == ["arn:aws:s3:::ckpt"]
    assert statements["TrainInVpc"]["Resource"] == ["*"]
    assert role_policy.wildcard_reasons == {
        OUTPUT: OUTPUT_PREFIX_REASON,
        "arn:aws:s3:::data/env/*": PREFIXES_REASON,
        "arn:aws:s3:::data/*": PREFIXES_REASON,
        "arn:aws:s3:::ckpt/run/*": PREFIXES_REASON,
        "*": VPC_REASON,
    }


def test_a_given_role_gets_the_common_statements_and_their_reasons() -> None:
    role_policy = policy(common=True, repository_arns=["*"])
    sids = [statement["Sid"] for statement in role_policy.statements]
    assert sids == [
        "ReadTrainingCode",
        "WriteModelArtifacts",
        *(s["Sid"] for s in TRAINING_COMMON_POLICY.statements),
        "PullTrainingImage",
    ]
    assert role_policy.wildcard_reasons == {
        OUTPUT: OUTPUT_PREFIX_REASON,
        LOGS: TRAINING_LOG_GROUPS_REASON,
        "*": f"{TRAINING_NO_RESOURCE_TYPE_REASON} {TOKEN_IMAGE_REASON}",
    }


def test_an_image_outside_ecr_needs_no_pull_permission() -> None:
    assert "PullTrainingImage" not in by_sid(policy(repository_arns=[]))


def test_the_common_statements_are_the_shared_policys_with_the_log_groups_rendered() -> None:
    statements = common_statements(LOGS)
    assert [s["Sid"] for s in statements] == [s["Sid"] for s in TRAINING_COMMON_POLICY.statements]
    assert statements[0]["Resource"] == [LOGS]
    assert [s["Resource"] for s in statements[1:]] == [["*"], ["*"]]


def test_s3_prefix_arns() -> None:
    assert s3_prefix_arns("aws-cn", "s3://bucket/prefix/") == (
        "arn:aws-cn:s3:::bucket",
        "arn:aws-cn:s3:::bucket/prefix/*",
    )
    assert s3_prefix_arns("aws", "s3://bucket") == ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*")


def test_the_kms_keys_explicit_actions_only() -> None:
    statements = by_sid(
        policy(
            volume_key_arn="arn:volume",
            artifacts_key_arn="arn:output",
            input_key_arns=["arn:b", "arn:a", "arn:b"],
        )
    )
    assert statements["VolumeKeyGrant"]["Action"] == ["kms:CreateGrant"]
    assert statements["VolumeKeyGrant"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert statements["VolumeKeyDescribe"]["Resource"] == ["arn:volume"]
    assert statements["EncryptModelArtifacts"]["Action"] == ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
    assert statements["DecryptInputChannels"] == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ["arn:a", "arn:b"],
        "Sid": "DecryptInputChannels",
    }
    assert not {"VolumeKeyGrant", "EncryptModelArtifacts", "DecryptInputChannels"} & set(by_sid(policy()))
