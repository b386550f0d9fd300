"""The attach handler against moto: every job state, Delete, Update, throttling, size limit, every catalog image."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from rl_constructs.domain import training_images
from rl_constructs.handler_code import stage_handler

REGION = "us-west-2"
ACCOUNT = "123456789012"  # moto's account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
COACH_TF = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
SOURCE = "s3://code/job/source/sourcedir.tar.gz"


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The staged handler (index.py + bundled domain), imported as Lambda would, under moto."""
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.syspath_prepend(str(stage_handler("attach_training_job")))
    for name in [n for n in sys.modules if n == "index" or n == "domain" or n.startswith("domain.")]:
        del sys.modules[name]
    with mock_aws():
        module = importlib.import_module("index")
        module._client = None
        yield module
    for name in [n for n in sys.modules if n == "index" or n == "domain" or n.startswith("domain.")]:
        del sys.modules[name]


def create_job(name: str = "rl-job", image: str = COACH_TF, **hyperparameters: str) -> None:
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://out/"},
        ResourceConfig={"InstanceType": "ml.c5.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters={
            "sagemaker_program": json.dumps("train.py"),
            "sagemaker_submit_directory": json.dumps(SOURCE),
            **hyperparameters,
        },
    )


def event(
    request: str = "Create", name: str = "rl-job", serving: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    properties: dict[str, Any] = {"ServiceToken": "arn", "TrainingJobName": name}
    if serving is not None:
        properties["Serving"] = serving
    return {"RequestType": request, "ResourceProperties": properties, **extra}


def patch_job(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    """Make DescribeTrainingJob answer moto's job with ``changes`` (moto completes jobs at once)."""
    client = handler.sagemaker()
    real = client.describe_training_job

    def describe(**kwargs: Any) -> dict[str, Any]:
        return {**real(**kwargs), **changes}

    monkeypatch.setattr(client, "describe_training_job", describe)


def arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}"


# ---- Create / Update ----------------------------------------------------------------------------------------


def test_a_completed_job_answers_every_attribute(handler: ModuleType) -> None:
    create_job()
    assert handler.on_event(event()) == {"PhysicalResourceId": arn("rl-job")}
    answer = handler.is_complete(event(serving={"Processor": "cpu"}))
    assert answer["IsComplete"] is True
    assert answer["Data"] == {
        "TrainingJobName": "rl-job",
        "TrainingJobArn": arn("rl-job"),
        "TrainingJobStatus": "Completed",
        "ModelDataUrl": "s3://out/rl-job/output/model.tar.gz",
        "TrainingImage": COACH_TF,
        "RoleArn": ROLE,
        "Toolkit": "coach",
        "ToolkitVersion": "0.11.0",
        "Framework": "tensorflow",
        "EntryPoint": "train.py",
        "SubmitDirectory": SOURCE,
        "SubmitDirectoryObjectArn": "arn:aws:s3:::code/job/source/sourcedir.tar.gz",
        "InstanceType": "ml.c5.2xlarge",
        "InstanceCount": "2",
        "ServingImage": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu",
        "ServingEnvironment.SAGEMAKER_PROGRAM": "",
        "ServingEnvironment.SAGEMAKER_SUBMIT_DIRECTORY": "",
        "ServingEnvironment.SAGEMAKER_REGION": "",
        "ServingEnvironment.SAGEMAKER_CONTAINER_LOG_LEVEL": "",
        "ServingEnvironment.SAGEMAKER_TFS_NGINX_LOGLEVEL": "info",
    }


def test_mxnet_is_served_by_mxnet_1_3_running_the_entry_point_on_gpu(handler: ModuleType) -> None:
    create_job(image="520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-gpu-py3")
    data = handler.is_complete(event(serving={"Processor": "gpu"}))["Data"]
    assert (data["Toolkit"], data["Framework"]) == ("coach", "mxnet")
    assert data["ServingImage"] == "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-mxnet:1.3-gpu-py3"
    assert {k.split(".", 1)[1]: v for k, v in data.items() if k.startswith("ServingEnvironment.")} == {
        "SAGEMAKER_PROGRAM": "train.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": SOURCE,
        "SAGEMAKER_REGION": REGION,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        "SAGEMAKER_TFS_NGINX_LOGLEVEL": "",
    }


def test_a_custom_image_serves_itself(handler: ModuleType) -> None:
    image = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:3"
    create_job(image=image)
    data = handler.is_complete(event(serving={"Processor": "cpu"}))["Data"]
    assert (data["Toolkit"], data["ToolkitVersion"], data["Framework"]) == ("", "", "")
    assert data["ServingImage"] == image
    assert data["ServingEnvironment.SAGEMAKER_PROGRAM"] == "train.py"


def test_ray_attaches_but_deploys_only_with_serving_information(handler: ModuleType) -> None:
    create_job(image="462105765813.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-ray-container:ray-1.6.0-torch-cpu-py36")
    data = handler.is_complete(event())["Data"]
    assert (data["Toolkit"], data["ToolkitVersion"], data["Framework"], data["ServingImage"]) == (
        "ray",
        "1.6.0",
        "pytorch",
        "",
    )
    with pytest.raises(handler.AttachError, match="Automatic deployment of Ray models"):
        handler.is_complete(event(serving={"Processor": "cpu"}))
    served = handler.is_complete(event(serving={"Processor": "cpu", "ImageUri": "public.ecr.aws/x/policy:1"}))
    assert served["Data"]["ServingImage"] == "public.ecr.aws/x/policy:1"


def test_a_running_job_is_not_complete_yet_then_completes(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    create_job()
    patch_job(handler, monkeypatch, TrainingJobStatus="InProgress", SecondaryStatus="Training")
    assert handler.on_event(event()) == {"PhysicalResourceId": arn("rl-job")}
    assert handler.is_complete(event()) == {"IsComplete": False}
    patch_job(handler, monkeypatch, TrainingJobStatus="Stopping")
    assert handler.is_complete(event()) == {"IsComplete": False}
    patch_job(handler, monkeypatch, TrainingJobStatus="Completed")
    assert handler.is_complete(event())["IsComplete"] is True


def test_a_failed_job_fails_with_its_reason(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    create_job()
    patch_job(
        handler, monkeypatch, TrainingJobStatus="Failed", SecondaryStatus="Failed", FailureReason="AlgorithmError: boom"
    )
    with pytest.raises(handler.AttachError, match=r"did not complete: Failed \(Failed\): AlgorithmError: boom"):
        handler.is_complete(event())


def test_a_stopped_job_fails_saying_so(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    create_job()
    patch_job(handler, monkeypatch, TrainingJobStatus="Stopped", SecondaryStatus="MaxRuntimeExceeded")
    with pytest.raises(handler.AttachError, match=r"was stopped before it completed: Stopped \(MaxRuntimeExceeded\)"):
        handler.is_complete(event())


def test_a_missing_job_fails_at_once_naming_it(handler: ModuleType) -> None:
    with pytest.raises(handler.AttachError, match=r"Training job 'nope' does not exist in us-west-2"):
        handler.on_event(event(name="nope"))


def test_an_invalid_name_is_refused_before_any_call(handler: ModuleType) -> None:
    with pytest.raises(handler.AttachError, match="not a valid SageMaker training job name"):
        handler.on_event(event(name="bad_name"))


def test_update_to_another_job_replaces_the_resource(handler: ModuleType) -> None:
    create_job("job-a")
    create_job("job-b")
    first = handler.on_event(event(name="job-a"))
    second = handler.on_event(event("Update", name="job-b", PhysicalResourceId=first["PhysicalResourceId"]))
    assert second == {"PhysicalResourceId": arn("job-b")}
    assert handler.is_complete(event("Update", name="job-b"))["Data"]["TrainingJobName"] == "job-b"


# ---- Delete never fails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exists", [True, False])
def test_delete_always_succeeds(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, exists: bool) -> None:
    if exists:
        create_job()

    def broken(**kwargs: Any) -> Any:
        raise AssertionError("Delete must not call SageMaker")

    monkeypatch.setattr(handler, "describe", broken)
    delete = event("Delete", PhysicalResourceId=arn("rl-job"))
    assert handler.on_event(delete) == {"PhysicalResourceId": arn("rl-job")}
    assert handler.is_complete(delete) == {"IsComplete": True}
    bad = event("Delete", name="bad_name", PhysicalResourceId="AWSCDK::CustomResourceProviderFramework::CREATE_FAILED")
    assert handler.on_event(bad)["PhysicalResourceId"].endswith("CREATE_FAILED")


# ---- throttling, size --------------------------------------------------------------------------------------------


def test_throttling_left_after_retries_is_a_clear_failure(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    client = handler.sagemaker()
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 10}
    calls = []

    def throttled(**kwargs: Any) -> Any:
        calls.append(kwargs)
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeTrainingJob")

    monkeypatch.setattr(client, "describe_training_job", throttled)
    with pytest.raises(
        handler.AttachError, match="Could not describe training job 'rl-job': ThrottlingException: Rate"
    ):
        handler.is_complete(event())


def test_an_oversized_job_fails_clearly_and_a_large_one_fits_4_kb(handler: ModuleType) -> None:
    create_job("big", sagemaker_program=json.dumps("t" * 2400 + ".py"), other="x" * 2500)
    with pytest.raises(handler.AttachError, match=r"too large to attach.*EntryPoint"):
        handler.is_complete(event(name="big"))
    create_job("large", sagemaker_program=json.dumps("t" * 1000 + ".py"), **{f"k{i}": "v" * 2500 for i in range(90)})
    answer = handler.is_complete(event(name="large", serving={"Processor": "cpu"}))
    response = {
        "Status": "SUCCESS",
        "Reason": "See the details in CloudWatch Log Stream: " + "x" * 120,
        "PhysicalResourceId": arn("large"),
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/RLAttachStack/" + "0" * 36,
        "RequestId": "0" * 36,
        "LogicalResourceId": "AttachedEE8C9D1B",
        "NoEcho": False,
        "Data": answer["Data"],
    }
    assert len(json.dumps(response).encode()) <= 4096


def test_error_messages_are_cut_to_fit(handler: ModuleType) -> None:
    assert len(str(handler.AttachError("x" * 5000))) == handler.MAX_MESSAGE


# ---- every catalog image, read back ---------------------------------------------------------------------------

IMAGES = [
    pytest.param(row, processor, region, id=f"{row.label}-{processor.value}-{region}")
    for row in training_images()
    for processor in row.image.processors
    for region in ("us-west-2", "eu-central-1", "cn-north-1")
    if region in row.image.regions
]


@pytest.mark.parametrize(("row", "processor", "region"), IMAGES)
def test_every_catalog_image_is_read_back(handler: ModuleType, row: Any, processor: Any, region: str) -> None:
    image = row.image.uri(region, processor)
    create_job(f"job-{abs(hash(image))}"[:60], image=image)
    data = handler.is_complete(event(name=f"job-{abs(hash(image))}"[:60]))["Data"]
    expected_framework = row.framework.value if row.framework else ""
    assert (data["Toolkit"], data["ToolkitVersion"], data["Framework"]) == (
        row.toolkit.value,
        row.toolkit_version,
        expected_framework,
    )
