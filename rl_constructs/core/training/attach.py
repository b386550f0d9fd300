"""Attaching to a training job that already ran, as ``RLEstimator.attach(job_name)``: the checks and decisions.

:func:`resolve_attach` checks the job name and the custom resource's timing (the property and attribute
names the construct and the handler share are in ``core.contracts``); :func:`serving_properties` checks and
writes what ``deploy()`` asks the handler to choose the serving container with. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arguments import check_str
from ..aws import check_name
from ..contracts import ServingProperty
from ..errors import RLConfigurationError
from ..toolkits import Processor
from .checks import is_token

#: A custom resource waits at most an hour (CloudFormation's ceiling for a custom resource).
MAX_TOTAL_TIMEOUT_SECONDS = 3600
#: How often a running job is polled by default.
DEFAULT_QUERY_INTERVAL_SECONDS = 30
#: The construct id of the stack's provider with the default timing.
PROVIDER_ID = "RLAttachTrainingJobProvider"
#: Why the attach handlers may describe any training job when its name is a token.
ANY_JOB_REASON = "The job name is only known at deploy time (a parameter or an attribute): any job."


@dataclass(frozen=True)
class AttachOptions:
    """An attached job's arguments, checked, with the default timing applied."""

    #: The job's name (a token passes unchecked).
    training_job_name: str
    query_interval_seconds: int
    total_timeout_seconds: int

    @property
    def provider_id(self) -> str:
        """The construct id of the stack's provider for this timing: one provider per distinct timing."""
        timing = (self.query_interval_seconds, self.total_timeout_seconds)
        if timing == (DEFAULT_QUERY_INTERVAL_SECONDS, MAX_TOTAL_TIMEOUT_SECONDS):
            return PROVIDER_ID
        return f"{PROVIDER_ID}{timing[0]}s{timing[1]}s"


def resolve_attach(
    *, training_job_name: str, query_interval_seconds: int | None = None, total_timeout_seconds: int | None = None
) -> AttachOptions:
    """``AttachedTrainingJob``'s arguments as plain values (durations in whole seconds): a valid SageMaker
    training job name, a poll interval of at least 1 s, a total wait of at most an hour in whole intervals."""
    check_str(training_job_name, "training_job_name")
    if not is_token(training_job_name):
        check_name("training_job_name", training_job_name, what="training job name")
    interval_s = DEFAULT_QUERY_INTERVAL_SECONDS if query_interval_seconds is None else query_interval_seconds
    total_s = MAX_TOTAL_TIMEOUT_SECONDS if total_timeout_seconds is None else total_timeout_seconds
    if interval_s < 1:
        raise RLConfigurationError("query_interval", "must be at least 1 second.")
    if total_s > MAX_TOTAL_TIMEOUT_SECONDS:
        raise RLConfigurationError(
            "total_timeout", f"a custom resource waits at most 1 hour (3600 s), got {total_s:g} s."
        )
    if total_s < interval_s or total_s % interval_s:
        raise RLConfigurationError(
            "total_timeout", f"must be a whole multiple of query_interval ({interval_s:g} s), got {total_s:g} s."
        )
    return AttachOptions(training_job_name, interval_s, total_s)


def describe_job_names(training_job_name: str) -> list[str]:
    """The job names the handlers may describe: the name as given and lower-cased (SageMaker has returned names
    lower-cased in ARNs), or any (``*``) when the name is a token."""
    if is_token(training_job_name):
        return ["*"]
    return list(dict.fromkeys([training_job_name, training_job_name.lower()]))


def serving_properties(
    *,
    processor: Processor,
    serving_image_uri: str | None = None,
    tensorflow_serving_version: str | None = None,
    serving_framework_version: str | None = None,
    model_vpc_given: bool = False,
) -> dict[str, str]:
    """The ``Serving`` property ``deploy()`` gives the handler: the processor of the endpoint's instances, and
    the serving image, or a TensorFlow Serving or framework version, when given (an image and a version
    exclude each other), and whether the model's VPC was given. Serving code adds
    :func:`serving_code_properties`."""
    for name, version in (
        ("tensorflow_serving_version", tensorflow_serving_version),
        ("serving_framework_version", serving_framework_version),
    ):
        check_str(version, name, optional=True)
        if serving_image_uri is not None and version is not None:
            raise RLConfigurationError(name, f"give serving_image_uri or {name}, not both.")
    serving = {ServingProperty.PROCESSOR: processor.value}
    if serving_image_uri is not None:
        serving[ServingProperty.IMAGE_URI] = serving_image_uri
    if tensorflow_serving_version is not None:
        serving[ServingProperty.TENSORFLOW_SERVING_VERSION] = tensorflow_serving_version
    if serving_framework_version is not None:
        serving[ServingProperty.SERVING_FRAMEWORK_VERSION] = serving_framework_version
    if model_vpc_given:
        serving[ServingProperty.MODEL_VPC_GIVEN] = "true"
    return serving


def serving_code_properties(program: str, submit_directory: str) -> dict[str, str]:
    """The ``Serving`` property's serving code: the program and the ``s3://`` URI of its archive."""
    return {ServingProperty.SERVING_ENTRY_POINT: program, ServingProperty.SERVING_SUBMIT_DIRECTORY: submit_directory}
