"""Attach to an existing SageMaker training job: the handlers of a ``custom_resources.Provider`` with waiter.

``on_event`` checks the job exists and names the resource after the job ARN (naming another job replaces
the resource). ``is_complete`` polls DescribeTrainingJob: a running job is "not yet", a completed one
answers with what ``RLEstimator.attach()`` learns (model data, image, role, toolkit read back from the
image) and, when the stack deploys the job, the serving image and environment ``create_model()`` would
choose. A failed or stopped job fails with its FailureReason. Delete never fails: the resource owns nothing.

Only boto3 from the Lambda runtime is used; the catalog and serving rules come from the bundled ``domain``
package (copied from ``rl_constructs/domain`` at synth).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from domain.errors import RLConfigurationError
from domain.images import parse_image_uri, training_image
from domain.serving import SERVING_ENVIRONMENT_KEYS, choose_serving
from domain.toolkits import Processor

JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
RUNNING = ("InProgress", "Stopping")
#: The Provider's whole response must stay under CloudFormation's 4096 bytes; Data gets at most this much.
MAX_DATA_BYTES = 3000
MAX_MESSAGE = 1000

_client: Any = None


class AttachError(Exception):
    """A failure CloudFormation shows as the resource's status reason (kept short)."""

    def __init__(self, message: str) -> None:
        super().__init__(message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "...")


def sagemaker() -> Any:
    """The SageMaker client, created on first use (adaptive retries for throttling and transient errors)."""
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client("sagemaker", config=Config(retries={"mode": "adaptive", "total_max_attempts": 10}))
    return _client


def region() -> str:
    return os.environ.get("AWS_REGION") or sagemaker().meta.region_name


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Create/Update: the job must exist; the physical id is its ARN. Delete: nothing to do, never fails."""
    request = event.get("RequestType")
    if request == "Delete":
        print(json.dumps({"request": "Delete", "resource": event.get("PhysicalResourceId")}))
        return {"PhysicalResourceId": event.get("PhysicalResourceId")}
    name = _job_name(event)
    job = describe(name)
    print(json.dumps({"request": request, "job": name, "status": job.get("TrainingJobStatus")}))
    return {"PhysicalResourceId": job["TrainingJobArn"]}


def is_complete(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Done when the job completed (with Data); not yet while it runs; a failure when it failed or stopped."""
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    name = _job_name(event)
    job = describe(name)
    status = job.get("TrainingJobStatus")
    print(json.dumps({"request": event.get("RequestType"), "job": name, "status": status}))
    if status in RUNNING:
        return {"IsComplete": False}
    if status != "Completed":
        reason = job.get("FailureReason") or "no failure reason given"
        detail = f"{status} ({job.get('SecondaryStatus', 'unknown')})"
        if status == "Stopped":
            raise AttachError(f"Training job {name!r} was stopped before it completed: {detail}. {reason}")
        raise AttachError(f"Training job {name!r} did not complete: {detail}: {reason}")
    return {"IsComplete": True, "Data": attributes(job, event.get("ResourceProperties", {}).get("Serving"))}


def describe(name: str) -> dict[str, Any]:
    """DescribeTrainingJob, with a clear message for a missing job and for errors left after retries."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer: dict[str, Any] = sagemaker().describe_training_job(TrainingJobName=name)
        return answer
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code == "ResourceNotFound" or (code == "ValidationException" and "Could not find" in message):
            raise AttachError(f"Training job {name!r} does not exist in {region()}.") from None
        raise AttachError(f"Could not describe training job {name!r}: {code}: {message}") from None
    except BotoCoreError as error:
        raise AttachError(f"Could not describe training job {name!r}: {error}") from None


def attributes(job: dict[str, Any], serving: dict[str, Any] | None) -> dict[str, str]:
    """What the stack reads of the job with Fn::GetAtt, every value a string, within the response limit."""
    image = job.get("AlgorithmSpecification", {}).get("TrainingImage", "")
    identity = parse_image_uri(image) if image else None
    hyperparameters = job.get("HyperParameters", {})
    entry_point = _decoded(hyperparameters.get("sagemaker_program", ""))
    submit_directory = _decoded(hyperparameters.get("sagemaker_submit_directory", ""))
    instance_type, instance_count = _instances(job.get("ResourceConfig", {}))
    model_data = job.get("ModelArtifacts", {}).get("S3ModelArtifacts", "")
    data = {
        "TrainingJobName": job["TrainingJobName"],
        "TrainingJobArn": job["TrainingJobArn"],
        "TrainingJobStatus": job["TrainingJobStatus"],
        "ModelDataUrl": model_data,
        "TrainingImage": image,
        "RoleArn": job.get("RoleArn", ""),
        "Toolkit": identity.toolkit.value if identity else "",
        "ToolkitVersion": identity.toolkit_version if identity else "",
        "Framework": identity.framework.value if identity and identity.framework else "",
        "EntryPoint": entry_point,
        "SubmitDirectory": submit_directory,
        "SubmitDirectoryObjectArn": _object_arn(submit_directory or model_data),
        "InstanceType": instance_type,
        "InstanceCount": str(instance_count),
        "ServingImage": "",
        **{f"ServingEnvironment.{key}": "" for key in SERVING_ENVIRONMENT_KEYS},
    }
    if serving is not None:
        image_uri, environment = serving_container(identity, image, entry_point, submit_directory, serving)
        data["ServingImage"] = image_uri
        for key in SERVING_ENVIRONMENT_KEYS:
            data[f"ServingEnvironment.{key}"] = environment.get(key, "")
    size = len(json.dumps(data).encode())
    if size > MAX_DATA_BYTES:
        largest = sorted(data, key=lambda key: len(data[key].encode()), reverse=True)[:3]
        raise AttachError(
            f"Training job {job['TrainingJobName']!r} is too large to attach: its attributes take {size} bytes, over "
            f"the {MAX_DATA_BYTES} that fit a CloudFormation custom-resource response; largest: {', '.join(largest)}."
        )
    return data


def serving_container(
    identity: Any, image: str, entry_point: str, submit_directory: str, serving: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """The serving image and environment, by the rules of ``RLEstimator.create_model()`` (domain.serving)."""
    processor = Processor(serving.get("Processor", "cpu"))
    here = region()
    framework_version = None
    if identity is not None:
        framework_version = training_image(
            identity.toolkit, identity.toolkit_version, identity.framework
        ).framework_version
    try:
        choice = choose_serving(
            toolkit=identity.toolkit if identity else None,
            framework=identity.framework if identity else None,
            framework_version=framework_version,
            processor=processor,
            entry_point=entry_point,
            submit_directory=submit_directory,
            region=here,
            training_image_uri=None if identity else image,
            serving_image_uri=serving.get("ImageUri") or None,
            tensorflow_serving_version=serving.get("TensorflowServingVersion") or None,
        )
        uri = choice.image_uri if choice.image_uri is not None else choice.family.uri(here, processor)  # type: ignore[union-attr]
    except RLConfigurationError as error:
        raise AttachError(f"Cannot deploy this training job: {error}") from None
    if "SAGEMAKER_PROGRAM" in choice.environment and not (entry_point and submit_directory):
        raise AttachError(
            "Cannot deploy this training job: its serving container runs the training entry point, but the job "
            "has no sagemaker_program / sagemaker_submit_directory hyperparameters."
        )
    return uri, dict(choice.environment)


def _job_name(event: dict[str, Any]) -> str:
    name = str(event.get("ResourceProperties", {}).get("TrainingJobName", ""))
    if not JOB_NAME.match(name):
        raise AttachError(
            f"{name!r} is not a valid SageMaker training job name: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit."
        )
    return name


def _decoded(value: str) -> str:
    """A hyperparameter as the SDK wrote it (JSON-encoded), back to its string."""
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, str) else value


def _instances(config: dict[str, Any]) -> tuple[str, int]:
    if config.get("InstanceType"):
        return config["InstanceType"], int(config.get("InstanceCount", 1))
    groups = config.get("InstanceGroups", [])
    if groups:
        return groups[0]["InstanceType"], sum(int(group["InstanceCount"]) for group in groups)
    return "", 0


def _object_arn(s3_uri: str) -> str:
    """The S3 object ARN of an ``s3://bucket/key`` URI in this region's partition."""
    here = region()
    partition = "aws-cn" if here.startswith("cn-") else "aws-us-gov" if here.startswith("us-gov-") else "aws"
    if here.startswith("us-iso-"):
        partition = "aws-iso"
    elif here.startswith("us-isob-"):
        partition = "aws-iso-b"
    path = s3_uri.removeprefix("s3://") if s3_uri.startswith("s3://") else "rl-constructs-no-object/none"
    return f"arn:{partition}:s3:::{path}"
