"""Security configurations: KMS and ECR permissions from the resources themselves, types at the door, and
bad values refused at synth naming the argument (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from rl_constructs import DataCapture, RLConfigurationError, RLEndpoint, RLModel, RLTrainingJob
from rl_constructs._policy import (
    KMS_READ_ACTIONS,
    KMS_WRITE_ACTIONS,
    kms_service_grant_statements,
)
from rl_constructs.image_uris import image_repository_arns
from rl_constructs.testing.asl import fill
from tests.cdk_support import new_app, role_statements

ACCOUNT = "111122223333"
MODEL_DATA = "s3://models/job-1/output/model.tar.gz"
COACH_TF: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    return tmp_path / "src"


def make_stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))


def job(stack: cdk.Stack, src: Path, **overrides: Any) -> RLTrainingJob:
    props: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": str(src),
        **COACH_TF,
        "instance_type": "ml.c5.2xlarge",
        **overrides,
    }
    return RLTrainingJob(stack, "Train", **props)


def template_of(stack: cdk.Stack) -> dict[str, Any]:
    return dict(cdk.assertions.Template.from_stack(stack).to_json())


def statements(stack: cdk.Stack, role: str = "") -> list[dict[str, Any]]:
    template = template_of(stack)
    return [fill(statement, template) for statement in role_statements(template, role)]


def actions_on(stack: cdk.Stack, resource: str, role: str = "") -> set[str]:
    """Every action granted on ``resource`` (filled ARN) to the roles matching ``role``."""
    found: set[str] = set()
    for statement in statements(stack, role):
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if resource in resources:
            actions = statement["Action"]
            found |= set(actions if isinstance(actions, list) else [actions])
    return found


def key_arn(logical_prefix: str, stack: cdk.Stack) -> str:
    template = template_of(stack)
    (logical,) = [name for name in template["Resources"] if name.startswith(logical_prefix)]
    return str(fill({"Fn::GetAtt": [logical, "Arn"]}, template))  # as the filled statements render it


def encrypted_bucket(stack: cdk.Stack, id: str, key: kms.IKey) -> s3.Bucket:
    return s3.Bucket(stack, id, encryption=s3.BucketEncryption.KMS, encryption_key=key, enforce_ssl=True)


# ---- KMS: explicit actions, from the resources themselves ------------------------------------------------------


def test_a_kms_encrypted_output_bucket_gives_the_role_its_key_without_output_kms_key(src: Path) -> None:
    stack = make_stack()
    key = kms.Key(stack, "BucketKey", enable_key_rotation=True)
    task = job(stack, src, output_bucket=encrypted_bucket(stack, "Out", key))
    assert task.model_data_kms_key is key
    assert actions_on(stack, key_arn("BucketKey", stack), "SageMakerRole") == set(KMS_WRITE_ACTIONS)


def test_the_output_kms_key_is_the_one_written_with_when_both_are_given(src: Path) -> None:
    stack = make_stack()
    bucket_key, output_key = (kms.Key(stack, name, enable_key_rotation=True) for name in ("BucketKey", "OutputKey"))
    task = job(stack, src, output_bucket=encrypted_bucket(stack, "Out", bucket_key), output_kms_key=output_key)
    assert task.model_data_kms_key is output_key
    assert actions_on(stack, key_arn("OutputKey", stack), "SageMakerRole") == set(KMS_WRITE_ACTIONS)
    assert actions_on(stack, key_arn("BucketKey", stack), "SageMakerRole") == set()


def test_the_volume_key_grant_is_for_aws_resources_only(src: Path) -> None:
    stack = make_stack()
    key = kms.Key(stack, "VolumeKey", enable_key_rotation=True)
    job(stack, src, volume_kms_key=key)
    arn = key_arn("VolumeKey", stack)
    grants = [s for s in statements(stack, "SageMakerRole") if s["Resource"] == arn]
    assert sorted(grants, key=lambda s: s["Sid"]) == [
        {"Sid": "VolumeKeyDescribe", "Effect": "Allow", "Action": "kms:DescribeKey", "Resource": arn},
        {
            "Sid": "VolumeKeyGrant",
            "Effect": "Allow",
            "Action": "kms:CreateGrant",
            "Resource": arn,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def test_an_input_channel_bucket_with_a_kms_key_can_be_read(src: Path) -> None:
    stack = make_stack()
    key = kms.Key(stack, "InputKey", enable_key_rotation=True)
    job(stack, src, inputs={"env": encrypted_bucket(stack, "Inputs", key)})
    assert actions_on(stack, key_arn("InputKey", stack), "SageMakerRole") == set(KMS_READ_ACTIONS)


def test_no_role_gets_a_wildcard_kms_action(src: Path) -> None:
    stack = make_stack()
    keys = [kms.Key(stack, f"Key{i}", enable_key_rotation=True) for i in range(3)]
    task = job(stack, src, volume_kms_key=keys[0], output_kms_key=keys[1])
    model = RLModel(
        stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", model_data_kms_key=keys[1], **COACH_TF
    )
    RLEndpoint(
        stack, "Endpoint", model=model, data_capture=DataCapture(destination="s3://captures/x/", kms_key=keys[2])
    )
    assert task.model_data_kms_key is keys[1]
    kms_actions = {
        action
        for statement in statements(stack)
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        if action.startswith("kms:")
    }
    assert kms_actions == {"kms:CreateGrant", "kms:DescribeKey", *KMS_WRITE_ACTIONS}


def test_data_capture_into_a_kms_bucket_grants_the_bucket_key_to_a_role_of_the_caller() -> None:
    stack = make_stack()
    key = kms.Key(stack, "CaptureBucketKey", enable_key_rotation=True)
    role = iam.Role(stack, "HostingRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", role=role, **COACH_TF)
    RLEndpoint(stack, "Endpoint", model=model, data_capture=DataCapture(destination=encrypted_bucket(stack, "C", key)))
    assert actions_on(stack, key_arn("CaptureBucketKey", stack), "HostingRole") == set(KMS_WRITE_ACTIONS)
    assert any(s.get("Sid") == "WriteDataCapture" for s in statements(stack, "HostingRole"))


def test_a_model_data_key_is_granted_to_a_role_of_the_caller_as_decrypt_only() -> None:
    stack = make_stack()
    key = kms.Key(stack, "ModelKey", enable_key_rotation=True)
    role = iam.Role(stack, "HostingRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    RLModel(stack, "Model", model_data_url=MODEL_DATA, role=role, model_data_kms_key=key, **COACH_TF)
    assert actions_on(stack, key_arn("ModelKey", stack), "HostingRole") == {"kms:Decrypt"}


def test_kms_service_grant_statements_carry_the_aws_resource_condition() -> None:
    assert kms_service_grant_statements(["arn:k"], sid="Endpoint") == [
        {
            "Effect": "Allow",
            "Action": ["kms:CreateGrant"],
            "Resource": ["arn:k"],
            "Sid": "EndpointGrant",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        {"Effect": "Allow", "Action": ["kms:DescribeKey"], "Resource": ["arn:k"], "Sid": "EndpointDescribe"},
    ]


# ---- ECR: exactly the repository an image comes from -----------------------------------------------------------


def test_a_repository_image_is_pulled_from_exactly_that_repository(src: Path) -> None:
    stack = make_stack()
    repository = ecr.Repository(stack, "Repo")
    job(stack, src, image_uri=repository.repository_uri_for_tag("v1"))
    template = template_of(stack)
    (logical,) = [name for name in template["Resources"] if name.startswith("Repo")]
    arn_part = {"Fn::Split": [":", {"Fn::GetAtt": [logical, "Arn"]}]}
    pulls = [s for s in role_statements(template, "SageMakerRole") if s.get("Sid") == "PullTrainingImage"]
    assert [s["Resource"] for s in pulls] == [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":ecr:",
                    {"Fn::Select": [3, arn_part]},
                    ":",
                    {"Fn::Select": [4, arn_part]},
                    ":repository/",
                    {"Ref": logical},
                ],
            ]
        }
    ]
    resolved = stack.resolve(list(image_repository_arns(stack, repository.repository_uri_for_digest("sha256:00"))))
    arn_fragments = str(resolved)
    assert f"'Ref': '{logical}'" in arn_fragments and f"'Fn::GetAtt': ['{logical}', 'Arn']" in arn_fragments


def test_an_imported_repository_and_literal_uris_name_their_repository() -> None:
    stack = make_stack()
    imported = ecr.Repository.from_repository_name(stack, "Imported", "team/rl-images")
    (arn,) = image_repository_arns(stack, imported.repository_uri_for_tag("v2"))
    assert stack.resolve(arn) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ecr:us-west-2:111122223333:repository/team/rl-images"]]
    }
    (literal,) = image_repository_arns(stack, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a/b@sha256:ff")
    assert stack.resolve(literal) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ecr:eu-west-1:123456789012:repository/a/b"]]
    }
    assert image_repository_arns(stack, "docker.io/library/python:3.11") == ()


def test_an_image_known_only_at_deploy_time_may_come_from_any_repository_with_a_reason(src: Path) -> None:
    stack = make_stack()
    job(stack, src, image_uri=cdk.Fn.import_value("TrainingImage"))
    pulls = [s for s in statements(stack, "SageMakerRole") if s.get("Sid") == "PullTrainingImage"]
    assert [s["Resource"] for s in pulls] == ["*"]


# ---- types at the door ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "argument", "expected"),
    [
        ({"instance_count": True}, "instance_count", "int"),
        ({"instance_count": 2.0}, "instance_count", "int"),
        ({"hyperparameters": ["discount", 0.9]}, "hyperparameters", "mapping"),
        ({"max_run": 3600}, "max_run", "Duration"),
        ({"max_wait": 7200, "use_spot_instances": True}, "max_wait", "Duration"),
        ({"volume_size": 30}, "volume_size", "Size"),
        ({"use_spot_instances": 1}, "use_spot_instances", "bool"),
        ({"environment": {"A": 1}}, "environment['A']", "str"),
        ({"tags": {"team": None}}, "tags['team']", "str"),
        ({"inputs": {"train": 42}}, "inputs['train']", "s3.IBucket"),
        ({"dependencies": "lib"}, "dependencies", "sequence"),
        ({"metric_definitions": [("reward", ".*")]}, "metric_definitions[0]", "mapping"),
        ({"checkpoint_s3_uri": 5}, "checkpoint_s3_uri", "str"),
    ],
)
def test_a_wrong_type_raises_a_type_error_naming_the_argument(
    src: Path, overrides: dict[str, Any], argument: str, expected: str
) -> None:
    with pytest.raises(TypeError) as error:
        job(make_stack(), src, **overrides)
    assert str(error.value).startswith(f"{argument}: must be ") and expected in str(error.value)


@pytest.mark.parametrize(
    ("overrides", "argument", "expected"),
    [
        ({"max_run": cdk.Duration.millis(1500)}, "max_run", "whole number of seconds, got 1.5"),
        ({"volume_size": cdk.Size.mebibytes(1536)}, "volume_size", "whole number of GiB, got 1.5"),
        (
            {"use_spot_instances": True, "max_wait": cdk.Duration.millis(86_400_500)},
            "max_wait",
            "whole number of seconds",
        ),
    ],
)
def test_fractions_of_seconds_and_gibibytes_are_refused_naming_the_argument(
    src: Path, overrides: dict[str, Any], argument: str, expected: str
) -> None:
    with pytest.raises(RLConfigurationError) as error:
        job(make_stack(), src, **overrides)
    assert error.value.argument == argument and expected in str(error.value)


def test_a_number_token_for_max_run_is_passed_through_and_resolves_in_the_request(src: Path) -> None:
    stack = make_stack()
    runtime = cdk.CfnParameter(stack, "MaxRun", type="Number", default=3600)
    task = job(stack, src, max_run=cdk.Duration.seconds(runtime.value_as_number))
    stopping = stack.resolve(task._request["StoppingCondition"])
    assert stopping == {"MaxRuntimeInSeconds": {"Ref": "MaxRun"}}


def test_endpoint_and_model_arguments_are_typed_too() -> None:
    stack = make_stack()
    with pytest.raises(TypeError, match=r"^environment\['A'\]: must be str"):
        RLModel(stack, "M1", model_data_url=MODEL_DATA, environment={"A": 1}, **COACH_TF)  # type: ignore[dict-item]
    model = RLModel(stack, "M2", model_data_url=MODEL_DATA, instance_type="ml.m5.large", **COACH_TF)
    with pytest.raises(TypeError, match=r"^initial_instance_count: must be int"):
        RLEndpoint(stack, "E1", model=model, initial_instance_count=True)
    with pytest.raises(TypeError, match=r"^data_capture.sampling_percentage: must be int"):
        capture = DataCapture(destination="s3://b/p/", sampling_percentage=5.5)  # type: ignore[arg-type]
        RLEndpoint(stack, "E2", model=model, data_capture=capture)


# ---- values SageMaker would refuse at deploy or run time, refused at synth naming the argument -------------------


@pytest.mark.parametrize(
    ("overrides", "argument", "rule"),
    [
        ({"output_prefix": "p" * 1025}, "output_prefix", "at most 1024"),
        ({"checkpoint_s3_uri": "s3://ckpt/" + "c" * 1020}, "checkpoint_s3_uri", "at most 1024"),
        (
            {"checkpoint_s3_uri": "s3://ckpt/x/", "checkpoint_local_path": "/" + "l" * 4096},
            "checkpoint_local_path",
            "at most 4096",
        ),
        ({"inputs": {"train": "s3://data/" + "d" * 1020}}, "inputs", "at most 1024"),
        ({"tags": {"team#1": "rl"}}, "tags", "pattern"),
        ({"tags": {"aws:team": "rl"}}, "tags", "aws: prefix is reserved"),
    ],
)
def test_values_sagemaker_refuses_are_refused_at_synth(
    src: Path, overrides: dict[str, Any], argument: str, rule: str
) -> None:
    with pytest.raises(RLConfigurationError) as error:
        job(make_stack(), src, **overrides)
    assert error.value.argument == argument and rule in str(error.value)


def test_a_role_arn_with_a_three_digit_account_is_refused(src: Path) -> None:
    stack = make_stack()
    role = iam.Role.from_role_arn(stack, "Bad", "arn:aws:iam::123:role/sagemaker", mutable=False)
    with pytest.raises(RLConfigurationError) as error:
        job(stack, src, role=role)
    assert error.value.argument == "role" and "RoleArn" in str(error.value)
    with pytest.raises(RLConfigurationError, match=r"^role: ExecutionRoleArn"):
        RLModel(stack, "Model", model_data_url=MODEL_DATA, role=role, **COACH_TF)


def test_a_model_environment_of_101_entries_or_over_32_kb_is_refused() -> None:
    stack = make_stack()
    # TensorFlow Serving's SAGEMAKER_TFS_NGINX_LOGLEVEL is the 101st entry.
    with pytest.raises(RLConfigurationError, match=r"^environment: .*at most 100 entries, has 101"):
        RLModel(stack, "M1", model_data_url=MODEL_DATA, environment={f"K{i}": "v" for i in range(100)}, **COACH_TF)
    big = {f"K{i}": "v" * 1000 for i in range(33)}  # 33 * 1002 bytes > 32768
    with pytest.raises(RLConfigurationError, match=r"^environment: .*32 KB"):
        RLModel(stack, "M2", model_data_url=MODEL_DATA, environment=big, **COACH_TF)
    RLModel(stack, "M3", model_data_url=MODEL_DATA, environment={f"K{i}": "v" for i in range(99)}, **COACH_TF)


def test_a_data_capture_destination_over_512_characters_is_refused() -> None:
    stack = make_stack()
    model = RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", **COACH_TF)
    with pytest.raises(RLConfigurationError, match=r"^data_capture.destination: .*at most 512"):
        RLEndpoint(stack, "Endpoint", model=model, data_capture=DataCapture(destination="s3://b/" + "p" * 506))


def test_number_tokens_for_counts_are_passed_through_to_where_they_resolve(src: Path) -> None:
    stack = make_stack()
    count = cdk.CfnParameter(stack, "Count", type="Number", default=2)
    task = job(stack, src, instance_count=count.value_as_number)
    assert stack.resolve(task._request["ResourceConfig"]["InstanceCount"]) == {"Ref": "Count"}
    model = RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", **COACH_TF)
    RLEndpoint(stack, "Endpoint", model=model, initial_instance_count=count.value_as_number)
    (config,) = [r for r in template_of(stack)["Resources"].values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert config["Properties"]["ProductionVariants"][0]["InitialInstanceCount"] == {"Ref": "Count"}
