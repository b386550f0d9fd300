"""rl_constructs.testing as a user's suite uses it: App context, cdk-nag, cfn-lint, masked snapshots."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets

from rl_constructs.testing import (
    ASSET_HASH,
    assert_clean,
    cdk_json_context,
    find_cdk_json,
    lint,
    mask_asset_hashes,
    nag_acknowledgments,
    nag_findings,
    new_app,
    role_statements,
    stable,
    synth,
)

FLAG = "@aws-cdk/aws-s3:createDefaultLoggingPolicy"


@pytest.fixture
def user_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project: a cdk.json with one feature flag, tests run from a subdirectory."""
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "context": {FLAG: True, "stage": "dev"}}))
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "tests")
    return tmp_path


def test_new_app_reads_the_nearest_cdk_json_as_the_cli_does(user_project: Path) -> None:
    assert find_cdk_json() == user_project / "cdk.json"
    app = new_app(stage="prod")
    assert app.node.try_get_context(FLAG) is True
    assert app.node.try_get_context("stage") == "prod"  # -c stage=prod wins over cdk.json
    assert cdk_json_context() == {FLAG: True, "stage": "dev"}


def test_new_app_without_cdk_json_has_only_the_given_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if find_cdk_json() is not None:  # pragma: no cover - a cdk.json above the temp dir
        pytest.skip("a cdk.json exists above the temporary directory")
    assert new_app(stage="x").node.try_get_context(FLAG) is None
    with pytest.raises(FileNotFoundError, match=r"cdk_json: .*missing\.json does not exist"):
        new_app(tmp_path / "missing.json")


def bucket_app(*, acknowledge: bool) -> tuple[cdk.App, s3.Bucket]:
    app = new_app()
    stack = cdk.Stack(app, "Data")
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    if acknowledge:
        cdk.Validations.of(bucket).acknowledge(
            cdk.Acknowledgment(id="AwsSolutions::AwsSolutions-S1", reason="access logs are kept elsewhere")
        )
    return app, bucket


def test_synth_fails_with_cdk_nags_report_on_an_unacknowledged_error(user_project: Path) -> None:
    app, _ = bucket_app(acknowledge=False)
    with pytest.raises(RuntimeError, match="AwsSolutions-S1"):
        synth(app)


def test_an_acknowledged_finding_is_listed_with_its_reason_and_the_stack_is_clean(user_project: Path) -> None:
    app, _ = bucket_app(acknowledge=True)
    result = synth(app)
    assert nag_findings(result) == [] and nag_findings(result, "warning") == []
    (acknowledged,) = nag_acknowledgments(result)
    assert (acknowledged["acknowledgedId"], acknowledged["reason"]) == (
        "AwsSolutions::AwsSolutions-S1",
        "access logs are kept elsewhere",
    )
    template = assert_clean(result, "Data")
    assert result.template("Data").find_resources("AWS::S3::Bucket").keys() == {
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::S3::Bucket"
    }
    with pytest.raises(ValueError, match="severity: expected 'error' or 'warning', got 'info'"):
        nag_findings(result, "info")


def test_lint_reports_cfn_lints_findings() -> None:
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketNme": "x"}}}}
    (finding,) = lint(template)
    assert finding == (
        "E3002: Additional properties are not allowed ('BucketNme' was unexpected. Did you mean 'BucketName'?) "
        "(Resources/Bucket/Properties/BucketNme)"
    )
    assert lint({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}) == []


def test_role_statements_collects_inline_attached_and_managed_policies() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    template: dict[str, Any] = {
        "Resources": {
            "TaskRole1": {"Type": "AWS::IAM::Role", "Properties": {
                "Policies": [{"PolicyDocument": {"Statement": [{**statement, "Sid": "inline"}]}}],
                "ManagedPolicyArns": [{"Ref": "Managed"}, "arn:aws:iam::aws:policy/ReadOnlyAccess"]}},
            "OtherRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Attached": {"Type": "AWS::IAM::Policy", "Properties": {
                "Roles": [{"Ref": "TaskRole1"}], "PolicyDocument": {"Statement": [{**statement, "Sid": "attached"}]}}},
            "Elsewhere": {"Type": "AWS::IAM::Policy", "Properties": {
                "Roles": [{"Ref": "OtherRole"}], "PolicyDocument": {"Statement": [{**statement, "Sid": "other"}]}}},
            "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "PolicyDocument": {"Statement": [{**statement, "Sid": "managed"}]}}},
        }
    }  # fmt: skip
    assert [s["Sid"] for s in role_statements(template, "TaskRole")] == ["inline", "attached", "managed"]
    assert sorted(s["Sid"] for s in role_statements(template)) == ["attached", "inline", "managed", "other"]


def asset_template(tmp_path: Path, content: bytes) -> dict[str, Any]:
    folder = tmp_path / content.hex()[:8]
    folder.mkdir()
    (folder / "data.bin").write_bytes(content)
    stack = cdk.Stack(new_app(), "Assets")
    asset = s3_assets.Asset(stack, "Data", path=str(folder))
    cdk.CfnOutput(stack, "Key", value=asset.s3_object_key)
    cdk.CfnWaitConditionHandle(stack, "Placeholder")  # a template needs one resource
    template: dict[str, Any] = cdk.assertions.Template.from_stack(stack).to_json()
    return template


def test_masked_snapshots_survive_a_change_of_asset_content(tmp_path: Path, snapshot: Any) -> None:
    first = asset_template(tmp_path, os.urandom(16))
    second = asset_template(tmp_path, os.urandom(16))
    assert first != second  # the asset hash differs...
    assert stable(first) == stable(second)  # ...and nothing else does
    assert stable(first)["Outputs"]["Key"]["Value"] == f"{ASSET_HASH}.zip"
    assert first == snapshot(matcher=mask_asset_hashes)  # a new random asset each run: same snapshot
