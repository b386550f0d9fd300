"""The attach handler against moto and botocore's Stubber: every job state, Delete, Update, transient and
lasting API errors, the 4,096-byte response limit, digest-pinned images, every catalog image."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from rl_constructs.core import training_images
from rl_constructs.core.contracts import CODE_SWITCH_OFF
from tests.lambda_support import staged_handler

REGION = "us-west-2"
ACCOUNT = "123456789012"  # moto's account
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
COACH_TF = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
DIGEST = "sha256:" + "0123456789abcdef" * 4
SOURCE = "s3://code/job/source/sourcedir.tar.gz"
CONTEXT = SimpleNamespace(invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:RL-AttachOnEvent-x1")
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/RL/6e8e0f30-aaaa-bbbb-cccc-0123456789ab"


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The staged handler (index.py + bundled domain), imported as Lambda would, under moto."""
    with staged_handler("attach_training_job", monkeypatch, REGION) as module:
        yield module


@functools.cache
def own_client() -> Any:
    """The tests' own SageMaker client, made once: a client costs ~40 ms to make, and the module's moto mock
    answers it whatever its age (each test still starts on reset, empty backends)."""
    return boto3.client("sagemaker", region_name=REGION)


def create_job(
    name: str = "rl-job",
    image: str = COACH_TF,
    *,
    output: str = "s3://out/",
    role: str = ROLE,
    **hyperparameters: str,
) -> None:
    own_client().create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=role,
        OutputDataConfig={"S3OutputPath": output},
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
    """An event as the Provider framework passes it on (the CloudFormation request's fields)."""
    properties: dict[str, Any] = {"ServiceToken": "arn", "TrainingJobName": name}
    if serving is not None:
        properties["Serving"] = serving
    return {
        "RequestType": request,
        "StackId": STACK_ID,
        "RequestId": "5f0c6a44-1111-2222-3333-0123456789ab",
        "LogicalResourceId": "Existing4CC9759F",
        "ResourceType": "Custom::RLAttachedTrainingJob",
        "ResourceProperties": properties,
        **extra,
    }


def patch_job(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    """Make DescribeTrainingJob answer moto's job with ``changes`` (moto completes jobs at once)."""
    client = handler.sagemaker()
    real = client.describe_training_job

    def describe(**kwargs: Any) -> dict[str, Any]:
        return {**real(**kwargs), **changes}

    monkeypatch.setattr(client, "describe_training_job", describe)


def arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}"


def environment(data: dict[str, str]) -> dict[str, str]:
    """The serving environment as CloudFormation evaluates the construct's template over ``data``: three
    keys read directly, the entry point and submit directory through ``Select(0, Split(LF, switch+value+LF))``,
    each with its switch (the construct test checks the template holds exactly these expressions)."""
    program, submit = data["ServingCodeSwitch"], data["ServingSubmitDirectorySwitch"]
    derived = {
        "SAGEMAKER_PROGRAM": (program + data["EntryPoint"] + CODE_SWITCH_OFF).split(CODE_SWITCH_OFF)[0],
        "SAGEMAKER_SUBMIT_DIRECTORY": (submit + data["SubmitDirectory"] + CODE_SWITCH_OFF).split(CODE_SWITCH_OFF)[0],
    }
    read = {k.split(".", 1)[1]: v for k, v in data.items() if k.startswith("ServingEnvironment.")}
    return {**derived, **read}


# ---- Create / Update ----------------------------------------------------------------------------------------


def test_a_completed_job_answers_every_attribute(handler: ModuleType) -> None:
    create_job()
    assert handler.on_event(event(), CONTEXT) == {"PhysicalResourceId": arn("rl-job")}
    answer = handler.is_complete(event(serving={"Processor": "cpu"}, PhysicalResourceId=arn("rl-job")), CONTEXT)
    assert answer == {
        "IsComplete": True,
        "Data": {
            "TrainingJobArn": arn("rl-job"),
            "ModelDataUrl": "s3://out/rl-job/output/model.tar.gz",
            "TrainingImage": COACH_TF,
            "RoleArn": ROLE,
            "Toolkit": "coach",
            "ToolkitVersion": "0.11.0",
            "Framework": "tensorflow",
            "EntryPoint": "train.py",
            "SubmitDirectory": SOURCE,
            "InstanceType": "ml.c5.2xlarge",
            "InstanceCount": "2",
            "ServingImage": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu",
            "ServingCodeSwitch": "\n",
            "ServingSubmitDirectorySwitch": "\n",
            "ServingRepack": "false",  # TensorFlow Serving without an inference script: the model data as it is
            "ServingEnvironment.SAGEMAKER_REGION": "",
            "ServingEnvironment.SAGEMAKER_CONTAINER_LOG_LEVEL": "",
            "ServingEnvironment.SAGEMAKER_TFS_NGINX_LOGLEVEL": "info",
        },
    }
    # what TensorFlow Serving gets: only the nginx log level, as the SDK's TensorFlowModel sets it
    assert environment(answer["Data"]) == {
        "SAGEMAKER_PROGRAM": "",
        "SAGEMAKER_SUBMIT_DIRECTORY": "",
        "SAGEMAKER_REGION": "",
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "",
        "SAGEMAKER_TFS_NGINX_LOGLEVEL": "info",
    }


def test_mxnet_is_served_by_mxnet_1_3_running_the_entry_point_on_gpu(handler: ModuleType) -> None:
    create_job(image="520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-gpu-py3")
    data = handler.is_complete(event(serving={"Processor": "gpu"}))["Data"]
    assert (data["Toolkit"], data["Framework"]) == ("coach", "mxnet")
    assert data["ServingImage"] == "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-mxnet:1.3-gpu-py3"
    assert data["ServingCodeSwitch"] == ""
    assert environment(data) == {
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
    assert environment(data)["SAGEMAKER_PROGRAM"] == "train.py"


def test_a_catalog_image_pinned_by_tag_and_digest_is_read_from_its_tag(handler: ModuleType) -> None:
    create_job(image=f"{COACH_TF}@{DIGEST}")
    data = handler.is_complete(event(serving={"Processor": "cpu"}))["Data"]
    assert (data["Toolkit"], data["ToolkitVersion"], data["Framework"]) == ("coach", "0.11.0", "tensorflow")
    assert data["ServingImage"] == "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
    assert data["ServingCodeSwitch"] == CODE_SWITCH_OFF


def test_an_image_pinned_by_digest_only_is_a_custom_image_and_says_so(
    handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    image = f"520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow@{DIGEST}"
    create_job(image=image)
    data = handler.is_complete(event(serving={"Processor": "cpu"}))["Data"]
    assert (data["Toolkit"], data["ToolkitVersion"], data["Framework"]) == ("", "", "")
    assert data["ServingImage"] == image  # served by itself with the entry point, as the SDK does
    assert environment(data)["SAGEMAKER_PROGRAM"] == "train.py"
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"image"' in line]
    assert logged and "pinned by digest only" in logged[0]["image"]
    assert "treated as a custom image" in logged[0]["image"]


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
    assert environment(served["Data"])["SAGEMAKER_SUBMIT_DIRECTORY"] == SOURCE


def test_a_source_the_template_cannot_split_is_refused_when_served(handler: ModuleType) -> None:
    create_job(image=f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:3", sagemaker_submit_directory="/local/code")
    with pytest.raises(handler.AttachError, match="is not one s3:// URI"):
        handler.is_complete(event(serving={"Processor": "cpu"}))
    assert handler.is_complete(event())["IsComplete"] is True  # attaching alone needs no split


def test_a_running_job_is_not_complete_yet_then_completes(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    create_job()
    patch_job(handler, monkeypatch, TrainingJobStatus="InProgress", SecondaryStatus="Training")
    assert handler.on_event(event(), CONTEXT) == {"PhysicalResourceId": arn("rl-job")}
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


def test_a_missing_job_fails_when_polled_naming_it(handler: ModuleType) -> None:
    assert handler.on_event(event(name="nope"), CONTEXT) == {"PhysicalResourceId": arn("nope")}
    with pytest.raises(handler.AttachError, match=r"Training job 'nope' does not exist in us-west-2"):
        handler.is_complete(event(name="nope"))


def test_an_invalid_name_is_refused_before_any_call(handler: ModuleType) -> None:
    with pytest.raises(handler.AttachError, match="not a valid SageMaker training job name"):
        handler.on_event(event(name="bad_name"), CONTEXT)
    with pytest.raises(handler.AttachError, match="not a valid SageMaker training job name"):
        handler.is_complete(event(name="bad_name"))


def test_update_to_another_job_replaces_the_resource(handler: ModuleType) -> None:
    create_job("job-a")
    create_job("job-b")
    first = handler.on_event(event(name="job-a"), CONTEXT)
    second = handler.on_event(event("Update", name="job-b", PhysicalResourceId=first["PhysicalResourceId"]), CONTEXT)
    assert second == {"PhysicalResourceId": arn("job-b")}
    assert handler.is_complete(event("Update", name="job-b"))["Data"]["TrainingJobArn"] == arn("job-b")


# ---- Create never calls the API; the physical id comes from the function's (or stack's) ARN ---------------


@pytest.mark.parametrize(
    ("context", "stack_id", "expected"),
    [
        (
            SimpleNamespace(invoked_function_arn="arn:aws-cn:lambda:cn-north-1:111122223333:function:f"),
            STACK_ID,
            "arn:aws-cn:sagemaker:cn-north-1:111122223333:training-job/rl-job",
        ),
        (
            None,
            "arn:aws-us-gov:cloudformation:us-gov-west-1:444455556666:stack/RL/6e8e0f30-aaaa",
            "arn:aws-us-gov:sagemaker:us-gov-west-1:444455556666:training-job/rl-job",
        ),
    ],
    ids=["function-arn", "stack-id"],
)
def test_create_answers_the_job_arn_without_calling_sagemaker(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, context: Any, stack_id: str, expected: str
) -> None:
    def no_client() -> Any:
        raise AssertionError("on_event must not call SageMaker")

    monkeypatch.setattr(handler, "sagemaker", no_client)
    assert handler.on_event(event(StackId=stack_id), context) == {"PhysicalResourceId": expected}


def test_create_without_any_arn_to_read_fails_clearly(handler: ModuleType) -> None:
    with pytest.raises(handler.AttachError, match="partition, region and account"):
        handler.on_event({**event(), "StackId": ""}, None)


# ---- Delete never fails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exists", [True, False])
def test_delete_always_succeeds(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, exists: bool) -> None:
    if exists:
        create_job()

    def broken(**kwargs: Any) -> Any:
        raise AssertionError("Delete must not call SageMaker")

    monkeypatch.setattr(handler, "describe", broken)
    delete = event("Delete", PhysicalResourceId=arn("rl-job"))
    assert handler.on_event(delete, CONTEXT) == {"PhysicalResourceId": arn("rl-job")}
    assert handler.is_complete(delete, CONTEXT) == {"IsComplete": True}
    bad = event("Delete", name="bad_name", PhysicalResourceId="AWSCDK::CustomResourceProviderFramework::CREATE_FAILED")
    assert handler.on_event(bad)["PhysicalResourceId"].endswith("CREATE_FAILED")


# ---- transient errors are "not yet"; lasting ones fail clearly --------------------------------------------------


def test_the_client_retries_adaptively_within_the_function_timeout(handler: ModuleType) -> None:
    config = handler.sagemaker().meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 4}
    assert (config.connect_timeout, config.read_timeout) == (5, 10)
    # worst case: 4 attempts x (connect + read) plus botocore's capped backoff stays under the 2 minutes
    assert 4 * (config.connect_timeout + config.read_timeout) + 20 < 120


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
        ("SomethingNew", 502),
    ],
)
def test_throttling_and_server_errors_left_after_retries_mean_not_yet(
    handler: ModuleType, code: str, status: int
) -> None:
    with Stubber(handler.sagemaker()) as stubber:
        stubber.add_client_error("describe_training_job", code, "try later", status, {"TrainingJobName": "rl-job"})
        assert handler.is_complete(event(PhysicalResourceId=arn("rl-job")), CONTEXT) == {"IsComplete": False}
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://api.sagemaker.us-west-2.amazonaws.com/"),
        ConnectTimeoutError(endpoint_url="https://api.sagemaker.us-west-2.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://api.sagemaker.us-west-2.amazonaws.com/"),
    ],
    ids=["endpoint-connection", "connect-timeout", "read-timeout"],
)
def test_connection_errors_mean_not_yet(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def unreachable(**kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(handler.sagemaker(), "describe_training_job", unreachable)
    assert handler.is_complete(event()) == {"IsComplete": False}


@pytest.mark.parametrize(
    ("code", "status", "message", "expected"),
    [
        ("ResourceNotFound", 400, "Training job not found", "does not exist in us-west-2"),
        ("AccessDeniedException", 400, "not authorized to perform", "AccessDeniedException: not authorized"),
        ("ValidationException", 400, "Requested resource not found", "ValidationException: Requested"),
    ],
)
def test_a_missing_job_or_denied_access_fails_clearly(
    handler: ModuleType, code: str, status: int, message: str, expected: str
) -> None:
    with Stubber(handler.sagemaker()) as stubber:
        stubber.add_client_error("describe_training_job", code, message, status, {"TrainingJobName": "rl-job"})
        with pytest.raises(handler.AttachError, match=expected):
            handler.is_complete(event())


# ---- the whole response fits CloudFormation's 4,096 bytes --------------------------------------------------------

#: The longest realistic values around the Data: a 128-character stack name (CloudFormation's maximum) in
#: the longest partition and region names, a 255-character logical id (the CDK's and CloudFormation's
#: maximum) and a 63-character job name.
LONG_STACK_ID = "arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/" + "S" * 128 + "/" + "0" * 36
LONG_LOGICAL_ID = "L" * 255
LONG_JOB = "j" * 63


def framework_response(event: dict[str, Any], physical_id: str, data: dict[str, str]) -> bytes:
    """The body aws-cdk-lib's Provider framework PUTs to CloudFormation on success (``submitResponse`` in
    custom-resources/lib/provider-framework/runtime/cfn-response.ts): ``JSON.stringify`` of Status,
    Reason (``options.reason || status``), StackId, RequestId, PhysicalResourceId, LogicalResourceId,
    NoEcho and Data, measured as ``Buffer.byteLength(body, 'utf8')``."""
    body = {
        "Status": "SUCCESS",
        "Reason": "SUCCESS",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "PhysicalResourceId": physical_id,
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def uri_of_length(prefix: str, suffix: str, length: int) -> str:
    return prefix + "k" * (length - len(prefix) - len(suffix)) + suffix


def largest_response_bytes(handler: ModuleType, image: str = COACH_TF, serving: dict[str, str] | None = None) -> int:
    """The bytes of the framework's response for a job whose model data and source URIs are both 1,024
    characters (SageMaker's maximum for S3 URIs), in the longest stack id and logical id, with a 64-character
    role name. ``make bench`` or a report can print it."""
    output = uri_of_length("s3://out/", "/", 1024 - len(f"{LONG_JOB}/output/model.tar.gz"))
    source = uri_of_length("s3://code/", "/sourcedir.tar.gz", 1024)
    role = f"arn:aws:iam::{ACCOUNT}:role/" + "r" * 64
    create_job(LONG_JOB, image=image, output=output, role=role, sagemaker_submit_directory=json.dumps(source))
    physical_id = "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:training-job/" + LONG_JOB
    long_event = event(
        name=LONG_JOB,
        serving=serving or {"Processor": "cpu"},
        StackId=LONG_STACK_ID,
        LogicalResourceId=LONG_LOGICAL_ID,
        PhysicalResourceId=physical_id,
    )
    data = handler.is_complete(long_event)["Data"]
    assert len(data["ModelDataUrl"]) == 1024 and len(data["SubmitDirectory"]) == 1024
    size = len(framework_response(long_event, physical_id, data))
    assert handler.response_size(long_event, physical_id, data) == size
    return size


def measure_largest_response() -> dict[str, int]:
    """The response sizes of :func:`largest_response_bytes`, by serving kind, measured outside pytest (for
    ``make bench`` or a report): the staged handler under moto, with the environment the fixture sets."""
    sizes: dict[str, int] = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for label, image, serving in RESPONSE_CASES:
            with staged_handler("attach_training_job", monkeypatch, REGION) as module:
                sizes[label] = largest_response_bytes(module, image, serving)
    return sizes


#: (label, training image, Serving property) of the response-size cases.
RESPONSE_CASES: list[tuple[str, str, dict[str, str] | None]] = [
    ("tensorflow-serving", COACH_TF, {"Processor": "cpu"}),
    (
        "mxnet-runs-the-code",
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-cpu-py3",
        None,
    ),
    # a 255-character custom image (SageMaker's maximum), served by itself from the repacked archive: it appears
    # twice, and the submit directory's switch holds /opt/ml/model/code
    ("custom-255-char-image", f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/" + "c" * 200 + ":" + "t" * 9, None),
    (
        "mxnet-1.8-repacked",
        "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-cpu-py3",
        {"Processor": "cpu", "ServingFrameworkVersion": "1.8.0"},
    ),
]


@pytest.mark.parametrize(("label", "image", "serving"), RESPONSE_CASES, ids=[label for label, _, _ in RESPONSE_CASES])
def test_the_whole_response_fits_4096_bytes_with_1024_character_uris(
    handler: ModuleType, label: str, image: str, serving: dict[str, str] | None
) -> None:
    assert len(image) <= 255
    size = largest_response_bytes(handler, image, serving)
    print(f"\nattach response for 1,024-character model data and source URIs ({label}): {size} bytes")
    assert size <= 4096


def test_the_measurement_runs_outside_pytest_fixtures_too() -> None:
    assert set(measure_largest_response()) == {label for label, _, _ in RESPONSE_CASES}


def test_a_response_over_the_limit_fails_clearly_naming_the_largest_attributes(handler: ModuleType) -> None:
    create_job("big", sagemaker_program=json.dumps("t" * 3600 + ".py"))
    with pytest.raises(handler.AttachError, match=r"too large to attach: the response.*EntryPoint"):
        handler.is_complete(event(name="big"))


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


#: The client the first catalog test's handler made (its own code, its own config), for the others.
_HANDLER_CLIENT: list[Any] = []


@pytest.fixture
def warm_handler(handler: ModuleType) -> ModuleType:
    """The handler, with the SageMaker client a first one made: as a warm Lambda reuses its client."""
    if _HANDLER_CLIENT:
        handler._client = _HANDLER_CLIENT[0]
    else:
        _HANDLER_CLIENT.append(handler.sagemaker())
    return handler


@pytest.mark.parametrize(("row", "processor", "region"), IMAGES)
def test_every_catalog_image_is_read_back(warm_handler: ModuleType, row: Any, processor: Any, region: str) -> None:
    handler = warm_handler
    image = row.image.uri(region, processor)
    create_job(f"job-{abs(hash(image))}"[:60], image=image)
    data = handler.is_complete(event(name=f"job-{abs(hash(image))}"[:60]))["Data"]
    expected_framework = row.framework.value if row.framework else ""
    assert (data["Toolkit"], data["ToolkitVersion"], data["Framework"]) == (
        row.toolkit.value,
        row.toolkit_version,
        expected_framework,
    )


# ---- which containers need the model archive repacked (the construct's Custom::RLModelRepack) ----------------

COACH_MXNET = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-mxnet:coach0.11.0-cpu-py3"
RAY_TORCH = "462105765813.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-ray-container:ray-1.6.0-torch-cpu-py36"
SERVING_CODE = "s3://cdk-assets/0123abcd.gz"
#: The environment of a container that reads its code from the repacked archive (the SDK's, after its repack).
REPACKED_ENVIRONMENT = {
    "SAGEMAKER_PROGRAM": "train.py",
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
    "SAGEMAKER_REGION": REGION,
    "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
    "SAGEMAKER_TFS_NGINX_LOGLEVEL": "",
}


@pytest.mark.parametrize(
    ("image", "serving", "expected_image", "expected_environment", "repack"),
    [
        (
            COACH_MXNET,
            {"Processor": "cpu", "ServingFrameworkVersion": "1.8.0"},
            "763104351884.dkr.ecr.us-west-2.amazonaws.com/mxnet-inference:1.8.0-cpu-py37",
            REPACKED_ENVIRONMENT,
            "true",
        ),
        (
            RAY_TORCH,
            {"Processor": "cpu", "ServingFrameworkVersion": "1.8.1"},
            "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
            REPACKED_ENVIRONMENT,
            "true",
        ),
        (  # TensorFlow Serving with an inference script: no code variable, the script in the archive's code/
            COACH_TF,
            {"Processor": "cpu", "ServingEntryPoint": "inference.py", "ServingSubmitDirectory": SERVING_CODE},
            "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu",
            {**dict.fromkeys(REPACKED_ENVIRONMENT, ""), "SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
            "true",
        ),
        (  # a custom training image: the SDK's FrameworkModel, the job's code repacked like the SDK does
            f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:3",
            {"Processor": "cpu"},
            f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/my-rl:3",
            REPACKED_ENVIRONMENT,
            "true",
        ),
        (  # MXNet 1.3 reads the code from S3: the model data passes through
            COACH_MXNET,
            {"Processor": "cpu"},
            "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-mxnet:1.3-cpu-py3",
            {**REPACKED_ENVIRONMENT, "SAGEMAKER_SUBMIT_DIRECTORY": SOURCE},
            "false",
        ),
    ],
    ids=["mxnet-1.8", "pytorch", "tensorflow-serving-with-script", "custom-image", "mxnet-1.3-no-repack"],
)
def test_the_handler_answers_whether_the_container_needs_the_archive_repacked(
    handler: ModuleType,
    image: str,
    serving: dict[str, str],
    expected_image: str,
    expected_environment: dict[str, str],
    repack: str,
) -> None:
    create_job(image=image)
    data = handler.is_complete(event(serving=serving))["Data"]
    assert data["ServingRepack"] == repack
    assert data["ServingImage"] == expected_image
    if "ServingSubmitDirectory" in serving:  # the template derives the code variables from the serving code
        data = {
            **data,
            "EntryPoint": serving["ServingEntryPoint"],
            "SubmitDirectory": serving["ServingSubmitDirectory"],
        }
    assert environment(data) == expected_environment
    # the attributes the repack reads stay the job's: its model data and code archive
    assert (data["ModelDataUrl"], data["SubmitDirectory"]) == (
        "s3://out/rl-job/output/model.tar.gz",
        serving.get("ServingSubmitDirectory", SOURCE),
    )


def test_a_job_to_repack_without_training_code_is_refused_clearly(handler: ModuleType) -> None:
    own_client().create_training_job(
        TrainingJobName="no-code",
        AlgorithmSpecification={"TrainingImage": COACH_MXNET, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://out/"},
        ResourceConfig={"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    serving = {"Processor": "cpu", "ServingFrameworkVersion": "1.8.0"}
    with pytest.raises(handler.AttachError, match="no sagemaker_program / sagemaker_submit_directory"):
        handler.is_complete(event(name="no-code", serving=serving))


def test_without_deploy_nothing_is_repacked(handler: ModuleType) -> None:
    create_job(image=COACH_MXNET)
    data = handler.is_complete(event())["Data"]
    assert (data["ServingRepack"], data["ServingCodeSwitch"], data["ServingSubmitDirectorySwitch"]) == (
        "false",
        CODE_SWITCH_OFF,
        CODE_SWITCH_OFF,
    )


# ---- the job's VPC is never dropped silently ------------------------------------------------------------------

JOB_VPC = {"Subnets": ["subnet-0aa", "subnet-0bb"], "SecurityGroupIds": ["sg-0cc"]}


def test_a_job_trained_in_a_vpc_is_not_deployed_outside_it_without_a_word(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_job()
    patch_job(handler, monkeypatch, VpcConfig=JOB_VPC)
    with pytest.raises(handler.AttachError, match=r"subnet-0aa, subnet-0bb.*sg-0cc.*vpc_config_override"):
        handler.is_complete(event(serving={"Processor": "cpu"}))


def test_a_job_trained_in_a_vpc_deploys_where_deploy_was_told(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_job()
    patch_job(handler, monkeypatch, VpcConfig=JOB_VPC)
    data = handler.is_complete(event(serving={"Processor": "cpu", "ModelVpcGiven": "true"}))["Data"]
    assert data["ServingImage"]


def test_a_job_without_a_vpc_needs_no_decision(handler: ModuleType) -> None:
    create_job()
    assert handler.is_complete(event(serving={"Processor": "cpu"}))["Data"]["ServingImage"]


def test_attaching_without_deploying_reads_a_vpc_job_as_it_is(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_job()
    patch_job(handler, monkeypatch, VpcConfig=JOB_VPC)
    assert handler.is_complete(event())["Data"]["ServingImage"] == ""
