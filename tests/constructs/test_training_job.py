"""RLTrainingJob: the CreateTrainingJob request against the SDK's, botocore's shape, IAM, errors, and the
stack it makes in both region modes (lint, cdk-nag, bucket, roles, the image by mapping or by region)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Match
from botocore.validate import ParamValidator

from rl_constructs import RLConfigurationError, RLTrainingJob
from rl_constructs.core import training_images
from rl_constructs.testing.asl import fill, run_jsonata
from rl_constructs.training_job import InstanceGroup
from tests.cdk_support import (
    TRAINING_ROLE,
    Synthesized,
    lint,
    nag_findings,
    new_app,
    role_statements,
    sagemaker_role,
    synth,
    user_state_machine,
)

ACCOUNT = "111122223333"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('train')\n")
    return tmp_path / "src"


def make_stack(region: str | None = "us-west-2") -> cdk.Stack:
    env = cdk.Environment(account=ACCOUNT, region=region) if region else None
    return cdk.Stack(new_app(), "RL", env=env)


def job(stack: cdk.Stack, src: Path, **overrides: Any) -> RLTrainingJob:
    props: dict[str, Any] = {
        "entry_point": "train.py",
        "source_dir": str(src),
        "toolkit": "coach",
        "toolkit_version": "0.11.0",
        "framework": "tensorflow",
        "instance_type": "ml.c5.2xlarge",
        "hyperparameters": {"discount": 0.99, "preset": "cartpole"},
        **overrides,
    }
    return RLTrainingJob(stack, "Train", **props)


# ---- filling the template's intrinsics and JSONata with sample values, as Step Functions would -----------


def state_of(stack: cdk.Stack, task: RLTrainingJob) -> dict[str, Any]:
    sfn.StateMachine(
        stack,
        "SM",
        definition_body=sfn.DefinitionBody.from_chainable(task),
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=logs.LogGroup(stack, "Logs"), level=sfn.LogLevel.ALL),
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    definition = json.loads(fill(machine["Properties"]["DefinitionString"], template))
    return definition["States"]["Train"]  # type: ignore[no-any-return]


def request_of(stack: cdk.Stack, task: RLTrainingJob, state_input: dict[str, Any] | None = None) -> dict[str, Any]:
    return run_jsonata(state_of(stack, task)["Arguments"], state_input or {})  # type: ignore[no-any-return]


CREATE_TRAINING_JOB = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTrainingJob")


def assert_valid_for_botocore(request: dict[str, Any]) -> None:
    report = ParamValidator().validate(request, CREATE_TRAINING_JOB.input_shape)
    assert not report.has_errors(), report.generate_report()


# ---- the request -------------------------------------------------------------------------------------------


def test_the_request_matches_what_fit_sends(src: Path) -> None:
    stack = make_stack()
    task = job(stack, src)
    state = state_of(stack, task)
    assert state["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert state["QueryLanguage"] == "JSONata"
    request = run_jsonata(state["Arguments"], {})
    assert_valid_for_botocore(request)
    assert request["TrainingJobName"] == "RL-Train-run-1"
    assert request["AlgorithmSpecification"] == {
        "TrainingImage": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
        "TrainingInputMode": "File",
        "MetricDefinitions": [
            {"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"},
            {"Name": "reward-testing", "Regex": "^Testing>.*Total reward=(.*?),"},
        ],
    }
    assert request["ResourceConfig"] == {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    output = request["OutputDataConfig"]["S3OutputPath"]
    assert re.fullmatch(r"s3://sample-trainoutput\w+/", output)
    hyperparameters = request["HyperParameters"]
    assert hyperparameters == {
        "discount": "0.99",
        "preset": '"cartpole"',
        "sagemaker_program": '"train.py"',
        "sagemaker_submit_directory": hyperparameters["sagemaker_submit_directory"],
        "sagemaker_container_log_level": "20",
        "sagemaker_region": '"us-west-2"',
        "sagemaker_s3_output": json.dumps(output),
        "sagemaker_estimator": '"RLEstimator"',
        "sagemaker_job_name": '"RL-Train-run-1"',
    }
    assert re.fullmatch(
        rf'"s3://cdk-hnb659fds-assets-{ACCOUNT}-us-west-2/{task.source_asset.asset_hash}\.gz"',
        hyperparameters["sagemaker_submit_directory"],
    )


def test_execution_input_overrides_name_and_hyperparameters(src: Path) -> None:
    stack = make_stack()
    request = request_of(
        stack, job(stack, src), {"TrainingJobName": "RL-Train-v2", "HyperParameters": {"discount": "0.5"}}
    )
    assert request["TrainingJobName"] == "RL-Train-v2"
    assert request["HyperParameters"]["discount"] == "0.5"
    assert request["HyperParameters"]["sagemaker_job_name"] == '"RL-Train-v2"'
    assert_valid_for_botocore(request)


@pytest.mark.parametrize("row", [r for r in training_images()], ids=lambda r: r.label)
def test_every_catalog_combination_gets_its_image_and_metric_defaults(src: Path, row) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack("us-east-1")
    gpu = "gpu" in row.image.processors and row.toolkit.value != "vw"
    task = job(
        stack,
        src,
        toolkit=row.toolkit,
        toolkit_version=row.toolkit_version,
        framework=row.framework,
        instance_type="ml.p3.2xlarge" if gpu else "ml.c5.xlarge",
    )
    request = request_of(stack, task)
    processor = "gpu" if gpu else "cpu"
    assert request["AlgorithmSpecification"]["TrainingImage"] == row.image.uri(
        "us-east-1", row.image.processors[0].__class__(processor)
    )
    names = [d["Name"] for d in request["AlgorithmSpecification"].get("MetricDefinitions", [])]
    assert (
        names
        == {
            "coach": ["reward-training", "reward-testing"],
            "ray": ["episode_reward_mean", "episode_reward_max"],
            "vw": [],
        }[row.toolkit.value]
    )
    assert_valid_for_botocore(request)


def test_everything_else_the_sdk_accepts(src: Path) -> None:
    stack = make_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    key = cdk.aws_kms.Key(stack, "Key", enable_key_rotation=True)
    data = cdk.aws_s3.Bucket(stack, "Data", enforce_ssl=True)
    task = job(
        stack,
        src,
        toolkit="ray",
        toolkit_version="1.6.0",
        framework="pytorch",
        instance_type="ml.p3.8xlarge",
        instance_count=2,
        use_spot_instances=True,
        max_run=cdk.Duration.hours(4),
        max_wait=cdk.Duration.hours(8),
        checkpoint_s3_uri=f"s3://{data.bucket_name}/checkpoints/",
        checkpoint_local_path="/opt/ml/checkpoints",
        max_retry_attempts=3,
        vpc=vpc,
        enable_network_isolation=True,
        encrypt_inter_container_traffic=True,
        volume_kms_key=key,
        output_kms_key=key,
        volume_size=cdk.Size.gibibytes(100),
        environment={"RAY_LOG": "info"},
        tags={"team": "rl"},
        inputs={"env": f"s3://{data.bucket_name}/env/", "whole": data},
    )
    request = request_of(stack, task)
    assert_valid_for_botocore(request)
    assert request["ResourceConfig"]["InstanceCount"] == 2 and request["ResourceConfig"]["VolumeSizeInGB"] == 100
    assert request["AlgorithmSpecification"]["TrainingImage"].endswith(":ray-1.6.0-torch-gpu-py36")
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 14400, "MaxWaitTimeInSeconds": 28800}
    assert request["EnableManagedSpotTraining"] is True
    assert request["EnableNetworkIsolation"] is True and request["EnableInterContainerTrafficEncryption"] is True
    assert request["CheckpointConfig"]["LocalPath"] == "/opt/ml/checkpoints"
    assert request["RetryStrategy"] == {"MaximumRetryAttempts": 3}
    assert len(request["VpcConfig"]["Subnets"]) == 2 and len(request["VpcConfig"]["SecurityGroupIds"]) == 1
    assert request["ResourceConfig"]["VolumeKmsKeyId"].startswith("arn:") or request["ResourceConfig"]["VolumeKmsKeyId"]
    # Network-isolated, the code travels as the SDK's "code" channel (tests/fixtures/sdk/network-isolation.json).
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["env", "whole", "code"]
    assert request["HyperParameters"]["sagemaker_submit_directory"] == '"/opt/ml/input/data/code/sourcedir.tar.gz"'
    assert request["Tags"] == [{"Key": "team", "Value": "rl"}]
    assert request["Environment"] == {"RAY_LOG": "info"}


def test_heterogeneous_cluster(src: Path) -> None:
    stack = make_stack()
    groups = [InstanceGroup("learner", "ml.c5.4xlarge", 1), InstanceGroup("actors", "ml.c5.xlarge", 3)]
    request = request_of(stack, job(stack, src, instance_type=None, instance_groups=groups))
    assert_valid_for_botocore(request)
    assert [g["InstanceGroupName"] for g in request["ResourceConfig"]["InstanceGroups"]] == ["learner", "actors"]


def test_a_custom_image_keeps_the_sdk_request_without_metric_defaults(src: Path) -> None:
    stack = make_stack()
    image = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:1"
    request = request_of(stack, job(stack, src, toolkit=None, toolkit_version=None, framework=None, image_uri=image))
    assert request["AlgorithmSpecification"] == {"TrainingImage": image, "TrainingInputMode": "File"}


# ---- IAM ---------------------------------------------------------------------------------------------------


def test_the_state_machine_may_only_run_this_job_family_and_pass_this_role(src: Path) -> None:
    stack = make_stack()
    task = job(stack, src)
    state_of(stack, task)
    template = cdk.assertions.Template.from_stack(stack)
    statements = [s.to_statement_json() for s in task.task_policies]
    resolved = stack.resolve(statements)
    assert resolved[0]["Action"] == [
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:ListTags",
    ]
    assert resolved[0]["Resource"] == [  # SageMaker has returned ARNs with lower-cased names
        f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:training-job/RL-Train-*",
        f"arn:aws:sagemaker:us-west-2:{ACCOUNT}:training-job/rl-train-*",
    ]
    assert resolved[1]["Action"] == "iam:PassRole"
    assert resolved[1]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": cdk.assertions.Match.array_with(
                    [cdk.assertions.Match.object_like({"Action": "iam:PassRole"})]
                )
            }
        },
    )


def test_the_sagemaker_role_reads_exactly_the_code_and_writes_only_the_output(src: Path) -> None:
    stack = make_stack()
    task = job(stack, src)
    state_of(stack, task)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    statements = role_statements(template, "SageMakerRole")
    by_sid = {s["Sid"]: s for s in statements}
    assert set(by_sid) == {
        "ReadTrainingCode", "WriteModelArtifacts", "WriteTrainingLogs", "PublishTrainingMetrics", "AuthenticateToEcr",
        "PullTrainingImage",
    }  # fmt: skip
    code = fill(by_sid["ReadTrainingCode"]["Resource"], template)
    assert code == f"arn:aws:s3:::cdk-hnb659fds-assets-{ACCOUNT}-us-west-2/{task.source_asset.asset_hash}.gz"
    assert by_sid["PullTrainingImage"]["Resource"] == (
        "arn:aws:ecr:us-west-2:520713654638:repository/sagemaker-rl-tensorflow"
    )


# ---- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "argument", "fragment"),
    [
        ({"entry_point": "missing.py"}, "entry_point", "does not exist"),
        ({"instance_type": "ml.c5.2xlarg"}, "instance_type", "Did you mean"),
        (
            {"toolkit": "vw", "toolkit_version": "8.7.0", "framework": None, "instance_type": "ml.p3.2xlarge"},
            "instance_type",
            "no gpu image",
        ),
        ({"instance_count": 0}, "instance_count", "at least 1"),
        ({"use_spot_instances": True}, "max_wait", "needs max_wait"),
        ({"use_spot_instances": True, "max_wait": cdk.Duration.hours(1)}, "max_wait", "at least max_run"),
        ({"metric_definitions": [{"Name": "r", "Regex": "(bad"}]}, "metric_definitions[0].Regex", "does not compile"),
        ({"metric_definitions": [{"Name": "", "Regex": "(x)"}]}, "metric_definitions[0].Name", "non-empty"),
        ({"hyperparameters": {"sagemaker_region": "x"}}, "hyperparameters['sagemaker_region']", "reserved"),
        ({"volume_size": cdk.Size.gibibytes(0)}, "volume_size", "at least 1 GiB"),
        ({"image_uri": "not-an-image", "toolkit": None}, "image_uri", "not a registry image URI"),
        ({"toolkit": None}, "toolkit", "or `image_uri`"),
        ({"max_run": cdk.Duration.days(29)}, "max_run", "28 days"),
        ({"max_retry_attempts": 31}, "max_retry_attempts", "1 to 30"),
        ({"base_job_name": "bad_name"}, "base_job_name", "letters, digits and hyphens"),
    ],
)
def test_bad_input_is_refused_at_synth_naming_the_argument(
    src: Path, overrides: dict[str, Any], argument: str, fragment: str
) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        job(make_stack(), src, **overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def test_a_vpc_without_subnets_is_refused(src: Path) -> None:
    stack = make_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=1,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(RLConfigurationError, match=r"^vpc_subnets: the selection has no subnets"):
        job(stack, src, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))
    with pytest.raises(RLConfigurationError, match=r"^vpc_subnets: the selection has no subnets"):
        job(stack, src, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnets=[]))


def test_metric_names_the_definitions(src: Path) -> None:
    task = job(make_stack(), src)
    assert 'MetricName="reward-training"' in task.metric("reward-training").expression
    with pytest.raises(RLConfigurationError, match=r"Allowed values: reward-training, reward-testing"):
        task.metric("loss")


# ---- lint, nag, the stack in both region modes, reproducibility --------------------------------------------


def pipeline_app(src: Path, region: str | None) -> cdk.App:
    app = new_app()
    env = cdk.Environment(region=region) if region else None
    stack = cdk.Stack(app, "RLTraining", env=env)
    task = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir=str(src), toolkit="coach", toolkit_version="0.11.0",
        framework="tensorflow", instance_type="ml.c5.2xlarge", hyperparameters={"discount": 0.99},
    )  # fmt: skip
    user_state_machine(stack, task)
    return app


@pytest.fixture(scope="module")
def module_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``src`` folder, once for the module's synthesized pipelines (same content: same asset hash)."""
    src = tmp_path_factory.mktemp("training-job") / "src"
    src.mkdir()
    (src / "train.py").write_text("print('train')\n")
    return src


@pytest.fixture(scope="module", params=[None, "eu-west-1"], ids=["agnostic", "eu-west-1"])
def pipeline(request: pytest.FixtureRequest, module_src: Path) -> tuple[str | None, Synthesized]:
    """:func:`pipeline_app` synthesized with cdk-nag, region-agnostic and bound to eu-west-1."""
    region: str | None = request.param
    return region, synth(pipeline_app(module_src, region))


def test_lint_and_nag_are_clean(pipeline: tuple[str | None, Synthesized]) -> None:
    _, result = pipeline
    assert lint(result.templates["RLTraining"]) == []
    assert nag_findings(result) == [] and nag_findings(result, "warning") == []


def test_the_output_bucket_and_the_roles_of_the_stack(pipeline: tuple[str | None, Synthesized]) -> None:
    _, result = pipeline
    template = result.template("RLTraining")
    resources = {r["Type"] for r in result.templates["RLTraining"]["Resources"].values()}
    assert resources == {
        "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy", "AWS::StepFunctions::StateMachine",
    }  # fmt: skip
    template.resource_count_is("AWS::IAM::Role", 2)  # the state machine's and the training job's
    template.resource_count_is("AWS::S3::Bucket", 1)
    # The model artifacts outlive the stack, encrypted, versioned, private and reachable over TLS only.
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "VersioningConfiguration": {"Status": "Enabled"},
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Action": "s3:*", "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                    )
                ]
            }
        },
    )
    (common,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert [s["Sid"] for s in common["Properties"]["PolicyDocument"]["Statement"]] == [
        "WriteTrainingLogs", "PublishTrainingMetrics", "AuthenticateToEcr",
    ]  # fmt: skip
    template.has_resource_properties(
        "AWS::IAM::Role",
        sagemaker_role(TRAINING_ROLE),
    )


def test_the_image_comes_from_a_mapping_only_when_the_region_is_unknown(
    pipeline: tuple[str | None, Synthesized],
) -> None:
    region, result = pipeline
    template = result.templates["RLTraining"]
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    definition = machine["Properties"]["DefinitionString"]
    (pull,) = [s for s in role_statements(template, "SageMakerRole") if s["Sid"] == "PullTrainingImage"]
    rules = sorted(template.get("Rules", {}))
    if region is None:
        (mapping,) = template["Mappings"]
        assert mapping == "RLImageSagemakerRlTensorflowCoach0110CpuPy3"
        assert template["Mappings"][mapping]["eu-west-1"] == {
            "repository": "arn:aws:ecr:eu-west-1:520713654638:repository/sagemaker-rl-tensorflow",
            "uri": "520713654638.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
        }
        assert {"Fn::FindInMap": [mapping, {"Ref": "AWS::Region"}, "uri"]} in definition["Fn::Join"][1]
        assert pull["Resource"] == {"Fn::FindInMap": [mapping, {"Ref": "AWS::Region"}, "repository"]}
        # Deploying where the image or SageMaker Debugger is missing fails before any resource is made.
        assert rules == ["CheckBootstrapVersion", "RLDebuggerRegion", f"{mapping}Region"]
        image_regions = template["Rules"][f"{mapping}Region"]["Assertions"][0]["Assert"]["Fn::Contains"][0]
        assert "eu-west-1" in image_regions and "ap-southeast-3" not in image_regions
        debugger = template["Rules"]["RLDebuggerRegion"]["Assertions"][0]["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
        assert "ap-southeast-3" in debugger and "eu-west-1" not in debugger
    else:
        assert "Mappings" not in template and rules == ["CheckBootstrapVersion"]
        image = "520713654638.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
        assert f'"TrainingImage":"{image}"' in json.dumps(definition).replace('\\"', '"')
        assert pull["Resource"] == "arn:aws:ecr:eu-west-1:520713654638:repository/sagemaker-rl-tensorflow"


def test_two_synths_give_the_same_asset_hash(module_src: Path, pipeline: tuple[str | None, Synthesized]) -> None:
    region, result = pipeline
    assert synth(pipeline_app(module_src, region)).templates["RLTraining"] == result.templates["RLTraining"]
