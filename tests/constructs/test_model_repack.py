"""RLModel's deploy-time repack (``Custom::RLModelRepack``), its network isolation and ``vpc_config_override``.

The containers that read their code from ``code/`` inside ``model.tar.gz`` (MXNet >= 1.4, PyTorch, TensorFlow
Serving with an inference script) and network-isolated ones are served from the archive repacked when the stack
deploys; the CreateModel request then matches the SDK's (``tests/fixtures/sdk``) except where the archive goes.
The handler itself is tested in ``tests/_lambda/test_repack_model.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from rl_constructs import RLConfigurationError, RLEndpoint, RLModel
from rl_constructs.model_vpc import ModelVpc
from rl_constructs.testing.asl import ACCOUNT
from tests.cdk_support import assert_clean, new_app, role_statements, synth
from tests.constructs.test_deploy_parity import (
    deploy_settings,
    differences,
    load,
    masked_sdk,
    masked_template,
    model_props,
    new_stack,
    sources,
)

MODEL_DATA = "s3://my-output/rl-job-1/output/model.tar.gz"
TRAINING_CODE = "s3://my-code/rl-job-1/source/sourcedir.tar.gz"
MXNET_13: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "mxnet"}
TENSORFLOW: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}


def new_stack_here(app: cdk.App | None = None) -> cdk.Stack:
    return cdk.Stack(app or new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))


def resources(template: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def only(template: Mapping[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    (item,) = resources(template, kind).items()
    return item[0], item[1]["Properties"]


@pytest.fixture
def serve_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "serve").mkdir()
    (tmp_path / "serve" / "deploy.py").write_text("def model_fn(model_dir): ...\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def mxnet_18(stack: cdk.Stack, id: str = "Model", **extra: Any) -> RLModel:
    return RLModel(
        stack,
        id,
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        entry_point="train.py",
        submit_directory=TRAINING_CODE,
        serving_framework_version="1.8.0",
        serving_entry_point="deploy.py",
        serving_source_dir="serve",
        **MXNET_13,
        **extra,
    )


# ---- the repack resource and what the model serves -----------------------------------------------------------


def test_an_mxnet_18_model_serves_the_archive_repacked_at_deploy_time(serve_dir: Path) -> None:
    stack = new_stack_here()
    model = mxnet_18(stack)
    template = cdk.assertions.Template.from_stack(stack).to_json()

    repack_id, repack = only(template, "Custom::RLModelRepack")
    assert repack["ModelDataUrl"] == MODEL_DATA
    assert repack["DestinationPrefix"] == "s3://my-output/rl-job-1/output/repacked/"
    assert repack["CodeUrl"].startswith("s3://cdk-") and repack["CodeUrl"].endswith(".gz")  # the serving code asset
    assert "KmsKeyId" not in repack
    _, properties = only(template, "AWS::SageMaker::Model")
    container = properties["PrimaryContainer"]
    assert container["ModelDataUrl"] == {"Fn::GetAtt": [repack_id, "ModelDataUrl"]}
    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": "deploy.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
        "SAGEMAKER_REGION": "us-west-2",
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    }
    assert model.repack is not None and model.model_data_url == model.repack.model_data_url


def test_the_roles_read_write_and_delete_exactly_what_the_repack_needs(serve_dir: Path) -> None:
    stack = new_stack_here()
    mxnet_18(stack)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    repack_id, repack = only(template, "Custom::RLModelRepack")

    handler = [s for s in role_statements(template, "RLModelRepackProviderHandlerRole") if s.get("Sid") is None]
    partition = {"Ref": "AWS::Partition"}
    reads = sorted(handler[0].pop("Resource"), key=str)
    assert reads == sorted(
        [
            {"Fn::Join": ["", ["arn:", partition, ":s3:::my-output/rl-job-1/output/model.tar.gz"]]},
            {"Fn::Join": ["", ["arn:", partition, f":s3:::{repack['CodeUrl'].removeprefix('s3://')}"]]},
        ],
        key=str,
    )
    assert handler == [
        {"Action": "s3:GetObject", "Effect": "Allow"},
        {
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", ["arn:", partition, ":s3:::my-output/rl-job-1/output/repacked/*"]]},
        },
    ]
    # hosting reads the repacked archive only: the container no longer downloads code from S3
    hosting = {s["Sid"]: s for s in role_statements(template, "ModelRole")}
    assert "ReadInferenceCode" not in hosting
    repacked_arn = {"Fn::Select": [1, {"Fn::Split": ["s3://", {"Fn::GetAtt": [repack_id, "ModelDataUrl"]}]}]}
    assert hosting["ReadModelData"]["Resource"] == {"Fn::Join": ["", ["arn:", partition, ":s3:::", repacked_arn]]}


def test_one_provider_per_stack_serves_every_model_and_its_kms_key_is_used(serve_dir: Path) -> None:
    stack = new_stack_here()
    key = kms.Key(stack, "Key")
    mxnet_18(stack, "First")
    mxnet_18(stack, "Second", model_data_kms_key=key)
    template = cdk.assertions.Template.from_stack(stack).to_json()

    assert len(resources(template, "Custom::RLModelRepack")) == 2
    functions = resources(template, "AWS::Lambda::Function")
    handlers = [f for f in functions.values() if f["Properties"].get("Handler") == "index.on_event"]
    assert len(handlers) == 1
    assert handlers[0]["Properties"]["Timeout"] == 14 * 60  # the Provider framework's function answers in 15
    repacks = [r["Properties"] for r in resources(template, "Custom::RLModelRepack").values()]
    key_ref = {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}  # type: ignore[arg-type]
    assert [r.get("KmsKeyId") for r in repacks] == [None, key_ref]
    kms_grants = [
        s for s in role_statements(template, "RLModelRepackProviderHandlerRole") if "kms:Decrypt" in s["Action"]
    ]
    assert len(kms_grants) == 1 and kms_grants[0]["Resource"] == key_ref
    assert "kms:GenerateDataKey" in kms_grants[0]["Action"]


def test_a_token_model_data_url_is_split_at_model_tar_gz_in_the_template(serve_dir: Path) -> None:
    app = new_app()
    stack = new_stack_here(app)
    url = cdk.Fn.import_value("AttachedModelData")
    RLModel(
        stack,
        "Model",
        model_data_url=url,
        instance_type="ml.m5.large",
        entry_point="train.py",
        submit_directory=TRAINING_CODE,
        serving_framework_version="1.8.0",
        **MXNET_13,
    )
    template = assert_clean(synth(app), "RL")  # the split prefix's wildcard is acknowledged as cdk-nag names it
    _, repack = only(template, "Custom::RLModelRepack")
    imported = {"Fn::ImportValue": "AttachedModelData"}
    assert repack["DestinationPrefix"] == {
        "Fn::Join": ["", [{"Fn::Select": [0, {"Fn::Split": ["model.tar.gz", imported]}]}, "repacked/"]]
    }
    assert repack["CodeUrl"] == TRAINING_CODE  # without serving code the training code is repacked, as the SDK does


def test_the_repacking_stack_lints_and_passes_nag(serve_dir: Path) -> None:
    app = new_app()
    stack = new_stack_here(app)
    model = mxnet_18(stack, model_data_kms_key=kms.Key(stack, "Key", enable_key_rotation=True))
    RLEndpoint(stack, "Endpoint", model=model)
    assert_clean(synth(app), "RL")


# ---- parity with the SDK: the MXNet 1.8 serving-code deploy ----------------------------------------------------


def test_the_mxnet_18_request_matches_the_sdks_but_where_the_repacked_archive_goes(tmp_path: Path) -> None:
    case = "deploy-mxnet-1.8-model-serving-code"
    fixture = load(case)
    settings = deploy_settings(fixture)
    stack = new_stack(fixture)
    with sources(fixture, tmp_path):
        model = RLModel(stack, "Model", **model_props(stack, fixture, settings))
        RLEndpoint(stack, "Endpoint", model=model, instance_type=settings.instance_type)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    ours = masked_template(template, stack.get_logical_id(model.node.find_child("Resource")))  # type: ignore[arg-type]

    found = differences(masked_sdk(fixture), ours)

    assert set(found) == {"CreateModel.PrimaryContainer.ModelDataUrl", "repacked_members"}
    sdk_data, our_data = found["CreateModel.PrimaryContainer.ModelDataUrl"]
    assert sdk_data == "<MODEL_PREFIX>/model.tar.gz"
    assert our_data == "<REPACKED AT DEPLOY TIME>"  # the Custom::RLModelRepack's ModelDataUrl
    # a template has no archive: what the resource repacks stands for its members (the handler tests check them)
    expected = "<JOB_OUTPUT>/model.tar.gz without code/, then <SERVING_CODE> under code/"
    assert found["repacked_members"][1] == expected


# ---- network isolation -----------------------------------------------------------------------------------------


def test_isolation_is_not_set_by_default_as_create_model_leaves_it() -> None:
    stack = new_stack_here()
    RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", **TENSORFLOW)
    _, properties = only(cdk.assertions.Template.from_stack(stack).to_json(), "AWS::SageMaker::Model")
    assert "EnableNetworkIsolation" not in properties


def test_an_isolated_model_that_reads_no_code_is_not_repacked() -> None:
    stack = new_stack_here()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        enable_network_isolation=True,
        **TENSORFLOW,
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    _, properties = only(template, "AWS::SageMaker::Model")
    assert properties["EnableNetworkIsolation"] is True
    assert properties["PrimaryContainer"]["ModelDataUrl"] == MODEL_DATA
    assert not resources(template, "Custom::RLModelRepack")


def test_an_isolated_container_that_would_download_its_code_gets_it_in_the_repacked_archive() -> None:
    stack = new_stack_here()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        entry_point="train.py",
        submit_directory=TRAINING_CODE,
        enable_network_isolation=True,
        **MXNET_13,
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    repack_id, repack = only(template, "Custom::RLModelRepack")
    assert repack["CodeUrl"] == TRAINING_CODE
    _, properties = only(template, "AWS::SageMaker::Model")
    assert properties["EnableNetworkIsolation"] is True
    environment = properties["PrimaryContainer"]["Environment"]
    assert environment["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"  # the SDK's isolated environment
    assert environment["SAGEMAKER_PROGRAM"] == "train.py"
    assert properties["PrimaryContainer"]["ModelDataUrl"] == {"Fn::GetAtt": [repack_id, "ModelDataUrl"]}


def test_isolation_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="enable_network_isolation"):
        RLModel(
            new_stack_here(),
            "Model",
            model_data_url=MODEL_DATA,
            enable_network_isolation=1,  # type: ignore[arg-type]
            **TENSORFLOW,
        )


# ---- vpc_config_override ---------------------------------------------------------------------------------------


def imported_vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-west-2a"],
        private_subnet_ids=["subnet-0123456789abcdef0"],
    )


def model_vpc_of(stack: cdk.Stack, override: ModelVpc) -> tuple[dict[str, Any], Mapping[str, Any]]:
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        vpc_config_override=override,
        **TENSORFLOW,
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    return only(template, "AWS::SageMaker::Model")[1], template


def test_a_model_vpc_given_by_ids_replaces_the_vpc_as_the_sdks_dict_does() -> None:
    properties, template = model_vpc_of(
        new_stack_here(), ModelVpc(subnets=["subnet-1a2b3c4d"], security_group_ids=["sg-1a2b3c4d"])
    )
    assert properties["VpcConfig"] == {"SecurityGroupIds": ["sg-1a2b3c4d"], "Subnets": ["subnet-1a2b3c4d"]}
    assert any(s.get("Sid") == "VpcNetworkInterfaces" for s in role_statements(template, "ModelRole"))


def test_a_model_vpc_without_security_groups_gets_one_made_for_it() -> None:
    stack = new_stack_here()
    properties, template = model_vpc_of(stack, ModelVpc(vpc=imported_vpc(stack)))
    (group,) = resources(template, "AWS::EC2::SecurityGroup")
    assert properties["VpcConfig"] == {
        "SecurityGroupIds": [{"Fn::GetAtt": [group, "GroupId"]}],
        "Subnets": ["subnet-0123456789abcdef0"],
    }


def test_model_vpc_none_runs_the_model_outside_any_vpc() -> None:
    properties, template = model_vpc_of(new_stack_here(), ModelVpc.none())
    assert "VpcConfig" not in properties
    assert not any(s.get("Sid") == "VpcNetworkInterfaces" for s in role_statements(template, "ModelRole"))


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"subnets": ["subnet-1a2b3c4d"]}, "security_group_ids"),
        ({"security_group_ids": ["sg-1a2b3c4d"]}, "subnets"),
        ({}, "vpc"),
        ({"security_groups": []}, "security_groups"),
    ],
)
def test_an_incomplete_model_vpc_is_refused_as_for_training(arguments: dict[str, Any], argument: str) -> None:
    with pytest.raises(RLConfigurationError, match=rf"^{argument}:"):
        ModelVpc(**arguments)


def test_model_vpc_none_takes_no_vpc_arguments_and_the_override_goes_without_vpc() -> None:
    with pytest.raises(RLConfigurationError, match=r"^subnets:"):
        ModelVpc(subnets=["subnet-1a2b3c4d"], dropped=True)
    stack = new_stack_here()
    with pytest.raises(RLConfigurationError, match=r"^vpc_config_override:.*not both"):
        RLModel(
            stack,
            "Model",
            model_data_url=MODEL_DATA,
            vpc=imported_vpc(stack),
            vpc_config_override=ModelVpc.none(),
            **TENSORFLOW,
        )


def test_a_given_role_is_granted_the_repacked_archive_only(serve_dir: Path) -> None:
    stack = new_stack_here()
    role = iam.Role(stack, "Given", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    mxnet_18(stack, role=role)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    repack_id, _ = only(template, "Custom::RLModelRepack")
    granted = {s.get("Sid"): s for s in role_statements(template, "Given")}
    assert set(granted) == {"ReadRepackedModel"}  # not the serving code: the container reads it from the archive
    assert repack_id in json.dumps(granted["ReadRepackedModel"]["Resource"])
