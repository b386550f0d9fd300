"""The secure example (examples/secure/secure_app.py): every security option, nag and lint clean, snapshot."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.cdk_support import (
    Synthesized,
    assert_clean,
    load_example,
    nag_acknowledgments,
    new_app,
    role_statements,
    stable,
    synth,
)

STACK = "RLSecureStack"


def load_secure_app() -> ModuleType:
    module: ModuleType = load_example("secure/secure_app.py", "secure_example_app")
    return module


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth(load_secure_app().build_app(new_app()))


@pytest.fixture
def template(synthesized: Synthesized) -> dict[str, Any]:
    return synthesized.templates[STACK]


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_it_lints_clean_and_cdk_nag_leaves_no_finding_unacknowledged(synthesized: Synthesized) -> None:
    assert_clean(synthesized, STACK)
    # Least privilege left nothing on KMS to acknowledge: no wildcard KMS action anywhere.
    assert not [a for a in nag_acknowledgments(synthesized) if "Action::kms:" in a["ruleName"]]


def test_it_uses_every_security_option(template: dict[str, Any]) -> None:
    keys = resources(template, "AWS::KMS::Key")
    assert len(keys) == 4 and all(key["EnableKeyRotation"] for key in keys)
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["DefinitionString"])
    for fragment in (
        '\\"VolumeKmsKeyId\\":',
        '\\"OutputDataConfig\\":{\\"S3OutputPath\\":',
        '\\"EnableNetworkIsolation\\":true',
        '\\"EnableInterContainerTrafficEncryption\\":true',
        '\\"VpcConfig\\":',
    ):
        assert fragment in definition, fragment
    (model,) = resources(template, "AWS::SageMaker::Model")
    assert model["EnableNetworkIsolation"] is True and model["VpcConfig"]["Subnets"]
    (config,) = resources(template, "AWS::SageMaker::EndpointConfig")
    assert "KmsKeyId" in config and "KmsKeyId" in config["DataCaptureConfig"]
    buckets = resources(template, "AWS::S3::Bucket")
    kms_buckets = [
        b
        for b in buckets
        if b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
            "SSEAlgorithm"
        ]
        == "aws:kms"
    ]
    assert len(kms_buckets) == 2


def test_every_kms_permission_is_explicit_and_volume_grants_are_for_aws_resources(template: dict[str, Any]) -> None:
    kms_statements = [
        s
        for s in role_statements(template)
        if any(str(a).startswith("kms:") for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))
    ]
    actions = {a for s in kms_statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert actions == {"kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
    for statement in kms_statements:
        if "kms:CreateGrant" in statement["Action"]:
            assert statement["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def test_the_template_matches_its_snapshot(template: dict[str, Any], snapshot) -> None:  # type: ignore[no-untyped-def]
    assert stable(template) == snapshot.use_extension(JSONSnapshotExtension)


def test_the_pipeline_deploys_with_the_endpoint_and_capture_keys(template: dict[str, Any]) -> None:
    from rl_constructs.testing.sfn import ScriptedSageMaker, run_execution

    sm = ScriptedSageMaker()
    result = run_execution(template, {}, sm)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (config,) = [call.params for call in result.calls if call.operation == "CreateEndpointConfig"]
    assert config["KmsKeyId"].startswith("arn:aws:kms:us-west-2:")  # the endpoint key's Arn, as filled
    assert config["DataCaptureConfig"]["KmsKeyId"]
    (training,) = [call.params for call in result.calls if call.operation == "CreateTrainingJob"]
    assert training["EnableNetworkIsolation"] is True and training["EnableInterContainerTrafficEncryption"] is True
