"""RLModel and RLEndpoint: serving container like create_model(), endpoint config like deploy(), errors, and the
stack they make in both region modes (lint, cdk-nag, resources, the hosting role, autoscaling, the image)."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from botocore.validate import ParamValidator

from rl_constructs import (
    DataCapture,
    EndpointAutoscaling,
    RLConfigurationError,
    RLEndpoint,
    RLModel,
    ServerlessInference,
)
from rl_constructs.core import Processor, training_image
from rl_constructs.testing.asl import ACCOUNT, fill
from tests.cdk_support import HOSTING_ROLE, Synthesized, assert_clean, new_app, role_statements, sagemaker_role, synth

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
REGISTRY = "520713654638.dkr.ecr.us-west-2.amazonaws.com"
MODEL_DATA = "s3://models/job-1/output/model.tar.gz"
SOURCE = "s3://code/job-1/source/sourcedir.tar.gz"
COACH_TF = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}


def make_stack(region: str | None = "us-west-2") -> cdk.Stack:
    return cdk.Stack(new_app(), "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)


def granted(stack: cdk.Stack) -> list[dict[str, Any]]:
    """Every IAM statement in the stack (inline role policies and Policy resources), intrinsics filled in."""
    template = cdk.assertions.Template.from_stack(stack).to_json()
    return [fill(statement, template) for statement in role_statements(template)]


def resources(stack: cdk.Stack, kind: str) -> list[dict[str, Any]]:
    template = cdk.assertions.Template.from_stack(stack).to_json()
    return [fill(r["Properties"], template) for r in template["Resources"].values() if r["Type"] == kind]


def container(stack: cdk.Stack) -> dict[str, Any]:
    (model,) = resources(stack, "AWS::SageMaker::Model")
    return model["PrimaryContainer"]  # type: ignore[no-any-return]


def assert_valid(operation: str, request: dict[str, Any]) -> None:
    report = ParamValidator().validate(request, SAGEMAKER.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


# ---- RLModel: the serving container --------------------------------------------------------------------------


def test_coach_tensorflow_is_served_by_tensorflow_serving_of_its_framework_version() -> None:
    stack = make_stack()
    model = RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.m5.large", **COACH_TF)
    assert container(stack) == {
        "Image": f"{REGISTRY}/sagemaker-tensorflow-serving:1.11-cpu",
        "ModelDataUrl": MODEL_DATA,
        "Environment": {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
    }
    (props,) = resources(stack, "AWS::SageMaker::Model")
    assert_valid("CreateModel", {**props, "ModelName": "m"})
    assert model.image_uri == f"{REGISTRY}/sagemaker-tensorflow-serving:1.11-cpu"


def test_a_gpu_instance_gets_the_gpu_serving_image() -> None:
    stack = make_stack()
    RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type="ml.g4dn.xlarge", **COACH_TF)
    assert container(stack)["Image"] == f"{REGISTRY}/sagemaker-tensorflow-serving:1.11-gpu"


def test_mxnet_runs_the_entry_point_in_mxnet_1_3() -> None:
    stack = make_stack()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="mxnet",
        entry_point="train.py",
        submit_directory=SOURCE,
    )
    assert container(stack) == {
        "Image": f"{REGISTRY}/sagemaker-mxnet:1.3-cpu-py3",
        "ModelDataUrl": MODEL_DATA,
        "Environment": {
            "SAGEMAKER_PROGRAM": "train.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": SOURCE,
            "SAGEMAKER_REGION": "us-west-2",
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        },
    }


def test_a_catalog_training_image_is_read_back_to_its_toolkit() -> None:
    stack = make_stack()
    training = training_image("coach", "1.0.0", "tensorflow").image.uri("us-west-2", Processor.CPU)
    assert training.endswith("/sagemaker-rl-coach-container:coach-1.0.0-tf-cpu-py3")
    RLModel(stack, "Model", model_data_url=MODEL_DATA, training_image_uri=training)
    assert container(stack) == {
        "Image": f"{REGISTRY}/sagemaker-tensorflow-serving:1.12-cpu",
        "ModelDataUrl": MODEL_DATA,
        "Environment": {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
    }


def test_a_custom_training_image_serves_itself_with_the_entry_point() -> None:
    stack = make_stack()
    image = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:1"
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        training_image_uri=image,
        entry_point="serve.py",
        submit_directory=SOURCE,
    )
    assert container(stack)["Image"] == image
    assert container(stack)["Environment"]["SAGEMAKER_PROGRAM"] == "serve.py"
    # a FrameworkModel to the SDK: the code is repacked into the model archive (test_model_repack.py)
    assert container(stack)["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    template = cdk.assertions.Template.from_stack(stack).to_json()
    pull = [s for s in role_statements(template, "ModelRole") if s.get("Sid") == "PullServingImage"]
    assert fill(pull[0]["Resource"], template) == f"arn:aws:ecr:us-west-2:{ACCOUNT}:repository/my-rl"


def test_a_serving_image_alone_is_used_as_given_with_extra_environment() -> None:
    stack = make_stack()
    image = "public.ecr.aws/example/policy-server:2"
    RLModel(stack, "Model", model_data_url=MODEL_DATA, serving_image_uri=image, environment={"WORKERS": "2"})
    assert container(stack) == {"Image": image, "ModelDataUrl": MODEL_DATA, "Environment": {"WORKERS": "2"}}


def test_ray_with_tensorflow_serving_version() -> None:
    stack = make_stack()
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        toolkit="ray",
        toolkit_version="0.6.5",
        framework="tensorflow",
        tensorflow_serving_version="1.12",
    )
    assert container(stack)["Image"] == f"{REGISTRY}/sagemaker-tensorflow-serving:1.12-cpu"


def test_the_hosting_role_reads_exactly_the_model_data_and_code() -> None:
    stack = make_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="mxnet",
        entry_point="train.py",
        submit_directory=SOURCE,
        model_data_kms_key=key,
    )
    statements = {s.get("Sid"): s for s in granted(stack)}
    assert statements["ReadModelData"]["Resource"] == "arn:aws:s3:::models/job-1/output/model.tar.gz"
    assert statements["ReadInferenceCode"]["Resource"] == "arn:aws:s3:::code/job-1/source/sourcedir.tar.gz"
    assert any("kms:Decrypt" in str(s["Action"]) for s in statements.values())


@pytest.mark.parametrize(
    ("props", "argument", "message"),
    [
        ({"model_data_url": "models/model.tar.gz", **COACH_TF}, "model_data_url", "s3://"),
        ({"model_data_url": MODEL_DATA, "model_name": "bad_name", **COACH_TF}, "model_name", "bad_name"),
        ({"model_data_url": MODEL_DATA, "instance_type": "ml.m5.bogus", **COACH_TF}, "instance_type", "ml.m5"),
        ({"model_data_url": MODEL_DATA, "environment": {"1BAD": "x"}, **COACH_TF}, "environment", "1BAD"),
        ({"model_data_url": MODEL_DATA}, "toolkit", "say what trained the model"),
        (
            {"model_data_url": MODEL_DATA, "toolkit": "coach", "toolkit_version": "0.11.0", "framework": "mxnet"},
            "entry_point",
            "entry point",
        ),
        (
            {"model_data_url": MODEL_DATA, "toolkit": "ray", "toolkit_version": "1.6.0", "framework": "pytorch"},
            "serving_image_uri",
            "Ray",
        ),
        ({"model_data_url": MODEL_DATA, "toolkit": "vw", "toolkit_version": "8.7.0"}, "serving_image_uri", "Vowpal"),
        (
            {"model_data_url": MODEL_DATA, "toolkit": "coach", "toolkit_version": "9.9", "framework": "tensorflow"},
            "toolkit_version",
            "0.11.0",
        ),
    ],
)
def test_bad_model_input_is_refused_naming_the_argument(props: dict[str, Any], argument: str, message: str) -> None:
    with pytest.raises(RLConfigurationError) as error:
        RLModel(make_stack(), "Model", **props)
    assert error.value.argument == argument
    assert message in str(error.value)


# ---- RLEndpoint -------------------------------------------------------------------------------------------------


def coach_model(stack: cdk.Stack, instance_type: str | None = "ml.m5.large") -> RLModel:
    return RLModel(stack, "Model", model_data_url=MODEL_DATA, instance_type=instance_type, **COACH_TF)


def test_one_all_traffic_variant_like_deploy() -> None:
    stack = make_stack()
    endpoint = RLEndpoint(
        stack, "Endpoint", model=coach_model(stack), initial_instance_count=2, endpoint_name="cartpole"
    )
    (config,) = resources(stack, "AWS::SageMaker::EndpointConfig")
    assert config == {
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": "sample-model0301700e",
                "InitialVariantWeight": 1,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
            }
        ]
    }
    assert_valid("CreateEndpointConfig", {**config, "EndpointConfigName": "c"})
    (resource,) = resources(stack, "AWS::SageMaker::Endpoint")
    assert resource == {"EndpointConfigName": "sample-endpointconfig24ad0a28", "EndpointName": "cartpole"}
    assert endpoint.variant_name == "AllTraffic"


def test_kms_data_capture_and_autoscaling() -> None:
    stack = make_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Capture")
    model = coach_model(stack)
    RLEndpoint(
        stack,
        "Endpoint",
        model=model,
        kms_key=key,
        data_capture=DataCapture(destination=bucket, sampling_percentage=20, capture_output=False),
        autoscaling=EndpointAutoscaling(min_capacity=1, max_capacity=4, target_invocations_per_instance=500),
    )
    (config,) = resources(stack, "AWS::SageMaker::EndpointConfig")
    assert re.fullmatch(
        rf"arn:aws:kms:us-west-2:{ACCOUNT}:key/[0-9a-f]{{32}}", config["KmsKeyId"]
    )  # GetAtt Arn, filled
    assert config["DataCaptureConfig"] == {
        "DestinationS3Uri": "s3://sample-capture4f9379e3/data-capture/",
        "InitialSamplingPercentage": 20,
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "EnableCapture": True,
    }
    (target,) = resources(stack, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    assert target["ResourceId"] == "endpoint/sample-endpointeef1fd8f/variant/AllTraffic"
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    (policy,) = resources(stack, "AWS::ApplicationAutoScaling::ScalingPolicy")
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 500
    assert tracking["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
    }
    writes = [s for s in granted(stack) if s.get("Sid") == "WriteDataCapture"]
    assert writes and writes[0]["Action"] == "s3:PutObject"


def test_serverless_inference_has_no_instances() -> None:
    stack = make_stack()
    RLEndpoint(
        stack,
        "Endpoint",
        model=coach_model(stack, instance_type=None),
        serverless=ServerlessInference(memory_size=cdk.Size.gibibytes(2), max_concurrency=5),
    )
    (config,) = resources(stack, "AWS::SageMaker::EndpointConfig")
    assert config["ProductionVariants"] == [
        {
            "VariantName": "AllTraffic",
            "ModelName": "sample-model0301700e",
            "InitialVariantWeight": 1,
            "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
        }
    ]
    assert_valid("CreateEndpointConfig", {**config, "EndpointConfigName": "c"})


@pytest.mark.parametrize(
    ("props", "argument", "message"),
    [
        ({"initial_instance_count": 0}, "initial_instance_count", "at least 1"),
        ({"instance_type": "ml.c5.bogus"}, "instance_type", "ml.c5"),
        ({"instance_type": "ml.g4dn.xlarge"}, "instance_type", "gpu instance"),
        ({"endpoint_name": "-bad"}, "endpoint_name", "-bad"),
        (
            {"autoscaling": EndpointAutoscaling(min_capacity=3, max_capacity=2, target_invocations_per_instance=1)},
            "autoscaling",
            "greater than max_capacity",
        ),
        (
            {"autoscaling": EndpointAutoscaling(min_capacity=0, max_capacity=2, target_invocations_per_instance=1)},
            "autoscaling",
            "at least 1",
        ),
        (
            {"autoscaling": EndpointAutoscaling(max_capacity=2, target_invocations_per_instance=0)},
            "autoscaling",
            "greater than 0",
        ),
        (
            {
                "initial_instance_count": 5,
                "autoscaling": EndpointAutoscaling(max_capacity=2, target_invocations_per_instance=9),
            },
            "initial_instance_count",
            "outside",
        ),
        ({"serverless": ServerlessInference(memory_size=cdk.Size.mebibytes(512))}, "serverless", "1 to 6 GiB"),
        (
            {"serverless": ServerlessInference(memory_size=cdk.Size.gibibytes(1), max_concurrency=500)},
            "serverless",
            "1-200",
        ),
        (
            {
                "serverless": ServerlessInference(memory_size=cdk.Size.gibibytes(1)),
                "autoscaling": EndpointAutoscaling(max_capacity=2, target_invocations_per_instance=1),
            },
            "autoscaling",
            "serverless",
        ),
        ({"data_capture": DataCapture(destination="bucket/prefix")}, "data_capture", "s3://"),
        ({"data_capture": DataCapture(destination="s3://b/", sampling_percentage=101)}, "data_capture", "0-100"),
        (
            {"data_capture": DataCapture(destination="s3://b/", capture_input=False, capture_output=False)},
            "data_capture",
            "both",
        ),
    ],
)
def test_bad_endpoint_input_is_refused_naming_the_argument(props: dict[str, Any], argument: str, message: str) -> None:
    stack = make_stack()
    with pytest.raises(RLConfigurationError) as error:
        RLEndpoint(stack, "Endpoint", model=coach_model(stack), **props)
    assert error.value.argument == argument
    assert message in str(error.value)


# ---- the stack in both region modes: lint, nag, resources, the hosting role, autoscaling, the image -----------


@pytest.fixture(scope="module", params=["us-west-2", None], ids=["us-west-2", "agnostic"])
def served_stack(request: pytest.FixtureRequest) -> tuple[str | None, Synthesized]:
    """An MXNet model on an autoscaled endpoint capturing data into a bucket, synthesized with cdk-nag."""
    region: str | None = request.param
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region=region) if region else None)
    bucket = s3.Bucket(
        stack,
        "Capture",
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        server_access_logs_prefix="logs/",
    )
    model = RLModel(
        stack,
        "Model",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="mxnet",
        entry_point="train.py",
        submit_directory=SOURCE,
    )
    RLEndpoint(
        stack,
        "Endpoint",
        model=model,
        data_capture=DataCapture(destination=bucket),
        autoscaling=EndpointAutoscaling(max_capacity=3, target_invocations_per_instance=100),
    )
    return region, synth(app)


#: A service's trust statement, less its principal.
ASSUME = {"Action": "sts:AssumeRole", "Effect": "Allow"}


def test_model_and_endpoint_stack_lints_and_passes_nag(served_stack: tuple[str | None, Synthesized]) -> None:
    _, result = served_stack
    assert_clean(result, "RL")


def test_the_stack_holds_the_model_its_role_the_endpoint_and_its_scaling(
    served_stack: tuple[str | None, Synthesized],
) -> None:
    _, result = served_stack
    resources = result.templates["RL"]["Resources"]
    counts: dict[str, int] = {}
    for resource in resources.values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    assert counts == {
        "AWS::ApplicationAutoScaling::ScalableTarget": 1,
        "AWS::ApplicationAutoScaling::ScalingPolicy": 1,
        "AWS::IAM::ManagedPolicy": 1,  # the hosting roles' common policy
        "AWS::IAM::Policy": 1,  # the hosting role's data capture grant
        "AWS::IAM::Role": 2,  # the hosting role and the scalable target's
        "AWS::S3::Bucket": 1,  # the caller's capture bucket
        "AWS::S3::BucketPolicy": 1,
        "AWS::SageMaker::Endpoint": 1,
        "AWS::SageMaker::EndpointConfig": 1,
        "AWS::SageMaker::Model": 1,
    }
    template = result.template("RL")
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                "DestinationS3Uri": {"Fn::Join": ["", ["s3://", {"Ref": "Capture4F9379E3"}, "/data-capture/"]]},
                "EnableCapture": True,
                "InitialSamplingPercentage": 100,  # DataCapture's default, as the SDK's DataCaptureConfig
            },
            "ProductionVariants": [
                {
                    "InitialInstanceCount": 1,
                    "InitialVariantWeight": 1,
                    "InstanceType": "ml.m5.large",
                    "ModelName": {"Fn::GetAtt": ["Model0301700E", "ModelName"]},
                    "VariantName": "AllTraffic",
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {"EndpointConfigName": {"Fn::GetAtt": ["EndpointConfig24AD0A28", "EndpointConfigName"]}},
    )
    # Autoscaling acts on the endpoint once it exists: from 1 (the initial count) to 3 on invocations per instance.
    template.has_resource(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "DependsOn": ["EndpointEEF1FD8F"],
            "Properties": {
                "MaxCapacity": 3,
                "MinCapacity": 1,
                "ResourceId": {
                    "Fn::Join": [
                        "",
                        ["endpoint/", {"Fn::GetAtt": ["EndpointEEF1FD8F", "EndpointName"]}, "/variant/AllTraffic"],
                    ]
                },
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "ServiceNamespace": "sagemaker",
            },
        },
    )
    template.has_resource(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "DependsOn": ["EndpointEEF1FD8F"],
            "Properties": {
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                    "TargetValue": 100,
                },
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Principal": {"Service": "application-autoscaling.amazonaws.com"}, **ASSUME}],
                "Version": "2012-10-17",
            }
        },
    )


def test_the_model_runs_mxnet_with_its_code_and_a_role_reading_exactly_its_data_code_and_image(
    served_stack: tuple[str | None, Synthesized],
) -> None:
    region, result = served_stack
    template = result.templates["RL"]
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    mxnet = "RLImageSagemakerMxnet13CpuPy3"
    assert model["Properties"] == {
        "ExecutionRoleArn": {"Fn::GetAtt": ["ModelRole3E65CE92", "Arn"]},
        "PrimaryContainer": {
            "Environment": {
                "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
                "SAGEMAKER_PROGRAM": "train.py",
                "SAGEMAKER_REGION": region or {"Ref": "AWS::Region"},
                "SAGEMAKER_SUBMIT_DIRECTORY": SOURCE,
            },
            "Image": f"{REGISTRY}/sagemaker-mxnet:1.3-cpu-py3"
            if region
            else {"Fn::FindInMap": [mxnet, {"Ref": "AWS::Region"}, "uri"]},
            "ModelDataUrl": MODEL_DATA,
        },
    }
    result.template("RL").has_resource_properties(
        "AWS::IAM::Role",
        sagemaker_role(HOSTING_ROLE),
    )
    statements = {s.get("Sid"): s for s in role_statements(template, "ModelRole")}
    assert list(statements) == ["ReadModelData", "ReadInferenceCode", "PullServingImage", "WriteDataCapture",
                                "EcrLogin", "EndpointLogs", "EndpointMetrics"]  # fmt: skip

    def s3_object(path: str) -> dict[str, Any]:
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{path}"]]}

    assert statements["ReadModelData"]["Resource"] == s3_object("models/job-1/output/model.tar.gz")
    assert statements["ReadInferenceCode"]["Resource"] == s3_object("code/job-1/source/sourcedir.tar.gz")
    assert statements["PullServingImage"]["Resource"] == (
        f"arn:aws:ecr:{region}:520713654638:repository/sagemaker-mxnet"
        if region
        else {"Fn::FindInMap": [mxnet, {"Ref": "AWS::Region"}, "repository"]}
    )
    assert (statements["WriteDataCapture"]["Action"], statements["WriteDataCapture"]["Resource"]) == (
        "s3:PutObject",
        {"Fn::Join": ["", [{"Fn::GetAtt": ["Capture4F9379E3", "Arn"]}, "/data-capture/*"]]},
    )
    endpoint_logs = "log-group:/aws/sagemaker/Endpoints/*"
    assert statements["EndpointLogs"]["Resource"] == (
        f"arn:aws:logs:{region}:{ACCOUNT}:{endpoint_logs}"
        if region
        else {"Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:{endpoint_logs}"}
    )
    # Region-agnostic, the image comes from a mapping, and deploying where it is not published fails early.
    if region:
        assert "Mappings" not in template and sorted(template["Rules"]) == ["CheckBootstrapVersion"]
    else:
        assert list(template["Mappings"]) == [mxnet]
        assert sorted(template["Rules"]) == ["CheckBootstrapVersion", f"{mxnet}Region"]
        (assertion,) = template["Rules"][f"{mxnet}Region"]["Assertions"]
        assert assertion["Assert"]["Fn::Contains"] == [sorted(template["Mappings"][mxnet]), {"Ref": "AWS::Region"}]


def test_a_model_in_a_vpc_passes_nag_with_its_network_interface_grant_acknowledged() -> None:
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-west-2a", "us-west-2b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        private_subnet_route_table_ids=["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"],
    )
    RLModel(
        stack,
        "InVpc",
        model_data_url=MODEL_DATA,
        instance_type="ml.m5.large",
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="tensorflow",
        vpc=vpc,
    )
    template = assert_clean(synth(app), "RL")
    vpc_grants = [s for s in role_statements(template, "InVpc") if s.get("Sid") == "VpcNetworkInterfaces"]
    assert len(vpc_grants) == 1 and vpc_grants[0]["Resource"] == "*"
