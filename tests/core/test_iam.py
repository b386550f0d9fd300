"""IAM as data: statements as the JSON they render to, and the shared policies declared once."""

from __future__ import annotations

import pytest

from rl_constructs.core.iam import (
    HOSTING_COMMON_POLICY,
    TRAINING_COMMON_POLICY,
    SharedPolicy,
    StackArn,
    allow,
    kms_data_statement,
    pass_role_to_sagemaker,
)


def test_an_allow_statement_is_the_json_iam_reads() -> None:
    condition = {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}}
    assert allow(["a:B"], ["*"], sid="S", conditions=condition) == {
        "Effect": "Allow",
        "Action": ["a:B"],
        "Resource": ["*"],
        "Sid": "S",
        "Condition": condition,
    }
    assert allow(("a:B",), ("arn:x",)) == {"Effect": "Allow", "Action": ["a:B"], "Resource": ["arn:x"]}


def test_kms_and_pass_role_statements() -> None:
    assert kms_data_statement(["k2", "k1", "k2"], write=False, sid="Read")["Resource"] == ["k1", "k2"]
    assert kms_data_statement(["k"], write=True, sid="Write")["Action"] == [
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    ]
    assert pass_role_to_sagemaker("arn:role")["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


@pytest.mark.parametrize("declaration", [TRAINING_COMMON_POLICY, HOSTING_COMMON_POLICY], ids=lambda d: d.id)
def test_each_shared_policy_gives_a_reason_for_each_of_its_wildcards(declaration: SharedPolicy) -> None:
    resources = [resource for statement in declaration.statements for resource in statement["Resource"]]
    wildcards = {r for r in resources if "*" in (r.resource if isinstance(r, StackArn) else r)}
    assert wildcards == set(declaration.wildcard_reasons)
    assert all(statement.get("Sid") for statement in declaration.statements)
    assert all(reason.strip() for reason in declaration.wildcard_reasons.values())


def test_a_declaration_is_frozen() -> None:
    with pytest.raises(AttributeError):
        TRAINING_COMMON_POLICY.id = "Other"  # type: ignore[misc]
