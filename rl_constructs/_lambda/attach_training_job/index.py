"""Attach to an existing SageMaker training job: the handlers of a ``custom_resources.Provider`` with waiter.

``on_event`` calls no API: it checks the job name and answers the job's ARN, built from the partition,
region and account of this function's own ARN, as the physical id (naming another job replaces the
resource; a throttled API cannot fail the stack at Create). ``is_complete`` polls DescribeTrainingJob:
a running job is "not yet", and so is any transient error (throttling, 5xx, connection trouble left after
botocore's retries): the next poll asks again. A missing job, access denied or a failed or stopped job
fail with a clear reason. A completed job answers with what ``RLEstimator.attach()`` learns (model data,
image, role, toolkit read back from the image) and, when the stack deploys the job, the serving image and
environment ``create_model()`` would choose, and whether the model data must be repacked with the code (the
container reads it from ``code/`` inside ``model.tar.gz``: the construct's ``Custom::RLModelRepack`` then
repacks, else passes the model data through). Delete never fails: the resource owns nothing.

Property and attribute names come from ``rl_constructs.core.contracts`` (shared with the construct); the catalog
and serving rules from ``rl_constructs.core``, bundled with the handler (``handler_code.py``). Only
boto3 from the Lambda runtime is used.
"""

from __future__ import annotations

import json
import os
from typing import Any

from rl_constructs.core.aws import is_valid_name
from rl_constructs.core.contracts import (
    CODE_ENVIRONMENT,
    CODE_SWITCH_ATTRIBUTES,
    CODE_SWITCH_OFF,
    AttachAttribute,
    AttachProperty,
    ServingProperty,
)
from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.images import custom_image_reason, parse_image_uri, training_image
from rl_constructs.core.serving.container import SERVING_ENVIRONMENT_KEYS, choose_serving
from rl_constructs.core.serving.deploy_repack import PASS_THROUGH, REPACK_NEEDED
from rl_constructs.core.toolkits import Processor

RUNNING = ("InProgress", "Stopping")
#: CloudFormation's limit on the whole custom-resource response body, in UTF-8 bytes.
RESPONSE_LIMIT = 4096
MAX_MESSAGE = 1000
#: Serving environment variables answered as attributes of their own (the others are derived in the
#: template from the entry point, the submit directory and the switch).
SERVED_ENVIRONMENT_KEYS = tuple(key for key in SERVING_ENVIRONMENT_KEYS if key not in CODE_ENVIRONMENT)
#: Error codes that mean "try again later": throttling and server-side trouble (botocore's standard retry
#: mode retries the same ones, and any HTTP 5xx).
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "PriorRequestNotComplete",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionInProgressException",
    }
)
#: What the Provider framework sends when the event lacks a field: the longest realistic values (a stack
#: name of 128 characters, a logical id of 255), so that the size check errs on the safe side.
_WORST_CASE = {
    "StackId": "arn:aws-iso-b:cloudformation:us-isob-east-1:123456789012:stack/" + "S" * 128 + "/" + "0" * 36,
    "RequestId": "0" * 36,
    "LogicalResourceId": "L" * 255,
    "PhysicalResourceId": "arn:aws-iso-b:sagemaker:us-isob-east-1:123456789012:training-job/",
}

_client: Any = None


class AttachError(Exception):
    """A failure CloudFormation shows as the resource's status reason (kept short)."""

    def __init__(self, message: str) -> None:
        super().__init__(message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "...")


class TransientError(Exception):
    """An API error that a later poll may not meet (throttling, 5xx, connection trouble)."""


def sagemaker() -> Any:
    """The SageMaker client, created on first use. Adaptive retries (throttling, transient errors) and short
    timeouts keep every call, retries included, well inside the function's 2 minutes."""
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client(
            "sagemaker",
            config=Config(retries={"mode": "adaptive", "total_max_attempts": 4}, connect_timeout=5, read_timeout=10),
        )
    return _client


def region() -> str:
    return os.environ.get("AWS_REGION") or sagemaker().meta.region_name


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Create/Update: the physical id is the job's ARN (no API call). Delete: nothing to do, never fails."""
    request = event.get("RequestType")
    if request == "Delete":
        print(json.dumps({"request": "Delete", "resource": event.get("PhysicalResourceId")}))
        return {"PhysicalResourceId": event.get("PhysicalResourceId")}
    name = _job_name(event)
    arn = job_arn(name, event, context)
    print(json.dumps({"request": request, "job": name, "arn": arn}))
    return {"PhysicalResourceId": arn}


def is_complete(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Done when the job completed (with Data); not yet while it runs or the API is throttled or
    unavailable; a failure when the job is missing, not readable, failed or stopped."""
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    name = _job_name(event)
    try:
        job = describe(name)
    except TransientError as error:
        print(json.dumps({"request": event.get("RequestType"), "job": name, "retry": str(error)}))
        return {"IsComplete": False}
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
    data = attributes(job, event.get("ResourceProperties", {}).get(AttachProperty.SERVING))
    physical_id = event.get("PhysicalResourceId") or _WORST_CASE["PhysicalResourceId"] + name
    size = response_size(event, physical_id, data)
    if size > RESPONSE_LIMIT:
        largest = sorted(data, key=lambda key: len(data[key].encode()), reverse=True)[:3]
        raise AttachError(
            f"Training job {name!r} is too large to attach: the response to CloudFormation would take {size} "
            f"bytes, over its limit of {RESPONSE_LIMIT}; largest attributes: {', '.join(largest)}."
        )
    return {"IsComplete": True, "Data": data}


def describe(name: str) -> dict[str, Any]:
    """DescribeTrainingJob. Raises :class:`TransientError` for what a later poll may not meet, and
    :class:`AttachError` (a clear failure) for a missing job, denied access and every other error."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    try:
        answer: dict[str, Any] = sagemaker().describe_training_job(TrainingJobName=name)
        return answer
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in TRANSIENT_CODES or status >= 500:
            raise TransientError(f"{code or status}: {message}") from None
        if code == "ResourceNotFound" or (code == "ValidationException" and "Could not find" in message):
            raise AttachError(f"Training job {name!r} does not exist in {region()}.") from None
        raise AttachError(f"Could not describe training job {name!r}: {code}: {message}") from None
    except (ConnectionError, HTTPClientError) as error:  # endpoint unreachable, timeouts, connection closed
        raise TransientError(str(error)) from None


def job_arn(name: str, event: dict[str, Any], context: Any) -> str:
    """The ARN of training job ``name`` in this function's partition, region and account (read from its
    own ARN, or from the stack's when there is no Lambda context)."""
    for arn in (getattr(context, "invoked_function_arn", None), event.get("StackId")):
        parts = str(arn or "").split(":")
        if len(parts) >= 6 and parts[0] == "arn" and parts[1] and parts[3] and parts[4]:
            return f"arn:{parts[1]}:sagemaker:{parts[3]}:{parts[4]}:training-job/{name}"
    raise AttachError("Cannot tell this function's partition, region and account (no function or stack ARN).")


def response_size(event: dict[str, Any], physical_id: str, data: dict[str, str]) -> int:
    """UTF-8 bytes of the success response the Provider framework sends CloudFormation for ``data``
    (``submitResponse`` in aws-cdk-lib's ``cfn-response.ts``: compact JSON, Reason "SUCCESS"); fields
    the event lacks count at their longest realistic size."""
    body = {
        "Status": "SUCCESS",
        "Reason": "SUCCESS",
        "StackId": event.get("StackId") or _WORST_CASE["StackId"],
        "RequestId": event.get("RequestId") or _WORST_CASE["RequestId"],
        "PhysicalResourceId": physical_id,
        "LogicalResourceId": event.get("LogicalResourceId") or _WORST_CASE["LogicalResourceId"],
        "NoEcho": False,
        "Data": data,
    }
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())


def attributes(job: dict[str, Any], serving: dict[str, Any] | None) -> dict[str, str]:
    """What the stack reads of the job with Fn::GetAtt, every value a string and each long one once."""
    name = job["TrainingJobName"]
    image = job.get("AlgorithmSpecification", {}).get("TrainingImage", "")
    identity = parse_image_uri(image) if image else None
    if image and identity is None:
        print(json.dumps({"job": name, "image": custom_image_reason(image)}))
    hyperparameters = job.get("HyperParameters", {})
    entry_point = _decoded(hyperparameters.get("sagemaker_program", ""))
    submit_directory = _decoded(hyperparameters.get("sagemaker_submit_directory", ""))
    instance_type, instance_count = _instances(job.get("ResourceConfig", {}))
    model_data = job.get("ModelArtifacts", {}).get("S3ModelArtifacts", "")
    if not model_data.startswith("s3://"):
        raise AttachError(f"Training job {name!r} completed without s3:// model artifacts ({model_data!r}).")
    data = {
        AttachAttribute.TRAINING_JOB_ARN: job["TrainingJobArn"],
        AttachAttribute.MODEL_DATA_URL: model_data,
        AttachAttribute.TRAINING_IMAGE: image,
        AttachAttribute.ROLE_ARN: job.get("RoleArn", ""),
        AttachAttribute.TOOLKIT: identity.toolkit.value if identity else "",
        AttachAttribute.TOOLKIT_VERSION: identity.toolkit_version if identity else "",
        AttachAttribute.FRAMEWORK: identity.framework.value if identity and identity.framework else "",
        AttachAttribute.ENTRY_POINT: entry_point,
        AttachAttribute.SUBMIT_DIRECTORY: submit_directory,
        AttachAttribute.INSTANCE_TYPE: instance_type,
        AttachAttribute.INSTANCE_COUNT: str(instance_count),
        AttachAttribute.SERVING_IMAGE: "",
        **{_switch_attribute(key): CODE_SWITCH_OFF for key in CODE_ENVIRONMENT},
        AttachAttribute.SERVING_REPACK: PASS_THROUGH,
        **{AttachAttribute.SERVING_ENVIRONMENT_PREFIX + key: "" for key in SERVED_ENVIRONMENT_KEYS},
    }
    if serving is not None:
        _check_model_vpc(job, serving)
        # Serving code given to deploy() replaces the training code in the serving environment.
        code = {
            AttachAttribute.ENTRY_POINT: serving.get(ServingProperty.SERVING_ENTRY_POINT) or entry_point,
            AttachAttribute.SUBMIT_DIRECTORY: serving.get(ServingProperty.SERVING_SUBMIT_DIRECTORY) or submit_directory,
        }
        image_uri, environment, repack = serving_container(
            identity, image, code[AttachAttribute.ENTRY_POINT], code[AttachAttribute.SUBMIT_DIRECTORY], serving
        )
        data[AttachAttribute.SERVING_IMAGE] = image_uri
        data.update(_code_switches(environment, code, repack))
        data[AttachAttribute.SERVING_REPACK] = REPACK_NEEDED if repack else PASS_THROUGH
        for key in SERVED_ENVIRONMENT_KEYS:
            data[AttachAttribute.SERVING_ENVIRONMENT_PREFIX + key] = environment.get(key, "")
    return data


def _check_model_vpc(job: dict[str, Any], serving: dict[str, Any]) -> None:
    """create_model() keeps the job's VPC; the template cannot (CloudFormation cannot leave VpcConfig out on a
    value read at deploy time): a job trained in a VPC is deployed only where deploy() was told."""
    vpc = job.get("VpcConfig") or {}
    if vpc.get("Subnets") and not serving.get(ServingProperty.MODEL_VPC_GIVEN):
        raise AttachError(
            f"Cannot deploy this training job: it trained in a VPC (subnets {', '.join(vpc['Subnets'])}; security "
            f"groups {', '.join(vpc.get('SecurityGroupIds', []))}), which the model would not inherit. Pass "
            "deploy(vpc_config_override=ModelVpc(subnets=[...], security_group_ids=[...])) to run it there, as "
            "create_model() does, or ModelVpc.none() to run it outside any VPC."
        )


def serving_container(
    identity: Any, image: str, entry_point: str, submit_directory: str, serving: dict[str, Any]
) -> tuple[str, dict[str, str], bool]:
    """The serving image, environment and whether the model archive is repacked with the code, by the rules of
    ``RLEstimator.create_model()`` (core.serving.container)."""
    processor = Processor(serving.get(ServingProperty.PROCESSOR, "cpu"))
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
            serving_image_uri=serving.get(ServingProperty.IMAGE_URI) or None,
            tensorflow_serving_version=serving.get(ServingProperty.TENSORFLOW_SERVING_VERSION) or None,
            serving_framework_version=serving.get(ServingProperty.SERVING_FRAMEWORK_VERSION) or None,
            has_serving_code=bool(serving.get(ServingProperty.SERVING_ENTRY_POINT)),
        )
        uri = choice.image_uri if choice.image_uri is not None else choice.family.uri(here, processor)  # type: ignore[union-attr]
    except RLConfigurationError as error:
        raise AttachError(f"Cannot deploy this training job: {error}") from None
    if ("SAGEMAKER_PROGRAM" in choice.environment or choice.code_in_model_archive) and not (
        entry_point and submit_directory
    ):
        raise AttachError(
            "Cannot deploy this training job: its serving container runs the training entry point, but the job "
            "has no sagemaker_program / sagemaker_submit_directory hyperparameters."
        )
    return uri, dict(choice.environment), choice.code_in_model_archive


def _switch_attribute(key: str) -> str:
    """The attribute that switches the code variable ``key`` (a key of ``CODE_ENVIRONMENT``)."""
    return CODE_SWITCH_ATTRIBUTES[key]


def _code_switches(environment: dict[str, str], data: dict[str, str], repack: bool) -> dict[str, str]:
    """The switch of each code variable: ``""`` when the serving environment repeats the attribute of ``data``
    (the template then copies the entry point or submit directory into it: the job's, or the serving code
    deploy() was given), else the environment's value and a line feed (a line feed alone when it sets none,
    ``/opt/ml/model/code`` and a line feed for a repacked archive). An attribute the template reads, or the code
    archive a repack reads, must be one ``s3://`` URI (its object ARN is the part after the only ``s3://``)."""
    switches: dict[str, str] = {}
    for key, attribute in CODE_ENVIRONMENT.items():
        value = environment.get(key, "")
        if key in environment and value == data[attribute]:
            switches[_switch_attribute(key)] = ""
            if CODE_SWITCH_OFF in value:
                raise AttachError(f"Cannot deploy this training job: its {attribute} contains a line feed.")
        else:
            if CODE_SWITCH_OFF in value:
                raise AssertionError(f"{key} must hold no line feed")
            switches[_switch_attribute(key)] = value + CODE_SWITCH_OFF
    source = data[AttachAttribute.SUBMIT_DIRECTORY]
    read = repack or "SAGEMAKER_SUBMIT_DIRECTORY" in environment
    if read and (not source.startswith("s3://") or source.count("s3://") != 1):
        raise AttachError(f"Cannot deploy this training job: its submit directory {source!r} is not one s3:// URI.")
    return switches


def _job_name(event: dict[str, Any]) -> str:
    name = str(event.get("ResourceProperties", {}).get(AttachProperty.TRAINING_JOB_NAME, ""))
    if not is_valid_name(name):
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
