"""What every stage of a state machine shares: the error names a run ends with, the retries per integration
kind and the JSONata that records a failure (``$failure``: ``{"Error", "Cause"}``).

The training, tuning, evaluation, transform, repack and deployment states all retry and fail the same way;
each stage's own module (``core.training.*``, ``core.serving.*``) builds on these. Pure: no ``aws_cdk``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FailureName(StrEnum):
    """The error names a failed run ends with (never ``States.*``: the ASL specification reserves that
    prefix). The cause names the step, the original error and its cause."""

    INVALID_INPUT = "RL.InvalidInput"
    TRAINING_FAILED = "RL.TrainingFailed"
    DEPLOYMENT_FAILED = "RL.DeploymentFailed"
    ENDPOINT_FAILED = "RL.EndpointFailed"
    UPDATE_ROLLED_BACK = "RL.EndpointUpdateRolledBack"
    UPDATE_ROLLBACK_FAILED = "RL.EndpointUpdateRollbackFailed"
    ENDPOINT_TIMEOUT = "RL.EndpointTimeout"
    TUNING_FAILED = "RL.TuningFailed"
    EVALUATION_FAILED = "RL.EvaluationFailed"
    REWARD_BELOW_THRESHOLD = "RL.RewardBelowThreshold"
    TRANSFORM_FAILED = "RL.TransformFailed"
    MODEL_REPACK_FAILED = "RL.ModelRepackFailed"
    AUTOSCALING_FAILED = "RL.AutoscalingFailed"


# --- retries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """One ``Retry`` rule: exponential backoff (BackoffRate 2) with full jitter, capped at ``max_delay``."""

    errors: tuple[str, ...]
    interval_seconds: int
    max_attempts: int
    max_delay_seconds: int

    def to_json(self) -> dict[str, object]:
        """The rule as a state's ``Retry`` entry (as aws-cdk-lib renders ``addRetry`` with a full jitter)."""
        return {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "MaxDelaySeconds": self.max_delay_seconds,
            "JitterStrategy": "FULL",
        }

    def worst_case_seconds(self) -> int:
        """The longest the retries of one failing call can wait in all (jitter only shortens it)."""
        return sum(
            min(self.interval_seconds * 2**attempt, self.max_delay_seconds) for attempt in range(self.max_attempts)
        )


# Error names per integration kind (see ../shared/reference/aws-contracts.md):
# - The optimized ``arn:aws:states:::sagemaker:createTrainingJob.sync`` integration reports SageMaker's API
#   errors as ``SageMaker.AmazonSageMakerException`` (Step Functions Developer Guide, "Create and manage Amazon
#   SageMaker AI jobs with Step Functions"; aws-step-functions-data-science-sdk-python #162/#191, where a
#   ThrottlingException arrives under that name) and ResourceLimitExceeded as
#   ``SageMaker.ResourceLimitExceededException`` (the same guide's retry example).
# - ``arn:aws:states:::aws-sdk:sagemaker:*`` tasks name errors after the AWS SDK's exception classes (Developer
#   Guide, "AWS SDK service integrations": ``ServiceName.ErrorName``, ``Exception`` suffix always): errors in
#   SageMaker's API model as ``SageMaker.ResourceLimitExceededException``, unmodeled ones (ThrottlingException,
#   InternalFailure, ServiceUnavailable, but also ValidationException) as the SDK's base exception
#   ``SageMaker.SageMakerException``, the error code then only in the Cause.
# A transient and a permanent error share the base names, so those retries are bounded: a validation error
# costs seconds (``worst_case_seconds``), and the Catch that follows keeps its cause.
TRAINING_RETRIES = (
    RetryPolicy(("SageMaker.AmazonSageMakerException",), interval_seconds=2, max_attempts=4, max_delay_seconds=16),
    RetryPolicy(
        ("SageMaker.ResourceLimitExceededException",), interval_seconds=60, max_attempts=5, max_delay_seconds=600
    ),
)
SDK_CALL_RETRIES = (
    RetryPolicy(("SageMaker.SageMakerException",), interval_seconds=1, max_attempts=4, max_delay_seconds=8),
    RetryPolicy(
        ("SageMaker.ResourceLimitExceededException",), interval_seconds=30, max_attempts=5, max_delay_seconds=300
    ),
)
# ``arn:aws:states:::aws-sdk:applicationautoscaling:*`` tasks: the same naming (``ApplicationAutoScaling.<X>
# Exception``). ConcurrentUpdateException and InternalServiceException are modeled and transient; throttling is
# unmodeled (the SDK's base exception); ValidationException, ObjectNotFoundException... are modeled and
# permanent, so they are not retried.
AUTOSCALING_RETRIES = (
    RetryPolicy(
        (
            "ApplicationAutoScaling.ConcurrentUpdateException",
            "ApplicationAutoScaling.InternalServiceException",
            "ApplicationAutoScaling.ApplicationAutoScalingException",
        ),
        interval_seconds=1,
        max_attempts=4,
        max_delay_seconds=8,
    ),
)
#: ``arn:aws:states:::lambda:invoke`` tasks: the transient Lambda service errors the Step Functions Developer
#: Guide ("Handle transient Lambda service exceptions") recommends retrying, plus throttling
#: (``Lambda.TooManyRequestsException``). Errors the function raises are not retried.
LAMBDA_INVOKE_RETRIES = (
    RetryPolicy(
        (
            "Lambda.ClientExecutionTimeoutException",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ),
        interval_seconds=2,
        max_attempts=6,
        max_delay_seconds=60,
    ),
)
#: What DeregisterScalableTarget answers for a variant that is not registered (nothing to deregister).
AUTOSCALING_NOT_REGISTERED = "ApplicationAutoScaling.ObjectNotFoundException"
#: The name under which an aws-sdk SageMaker task reports an unmodeled error (throttling, validation...).
SDK_BASE_ERROR = SDK_CALL_RETRIES[0].errors[0]


# --- failures -----------------------------------------------------------------------------------------------
# Expressions reference variables and ``$states`` only: no bare ``$`` (LocalStack's and moto's interpreters
# refuse it, and it is easy to misread).

#: Step Functions' limit on a Fail state's cause (ExecutionFailedEventDetails.cause: 32,768 characters).
CAUSE_MAX = 32_000


def failure_value(error: str, step: str, source: str = "$states.errorOutput") -> str:
    """JSONata of ``{"Error", "Cause"}``: ``error`` (a JSONata expression: a quoted name, or a choice of
    names), and as the cause ``step``, the error caught in ``source`` and its cause, cut to :data:`CAUSE_MAX`."""
    cause = (
        f"'{step} failed with ' & {source}.Error & ': ' & "
        f"($exists({source}.Cause) ? $string({source}.Cause) : 'no cause given')"
    )
    return f"{{'Error': {error}, 'Cause': $substring({cause}, 0, {CAUSE_MAX})}}"


def failure_assignment(step: str, error: FailureName, *, variable: str = "failure") -> dict[str, str]:
    """``Assign`` of a Catch: the namespaced ``error``, and the step, original error and cause as the cause."""
    return {variable: "{% " + failure_value(f"'{error.value}'", step) + " %}"}


def failure_from_input(step: str, error: FailureName) -> dict[str, str]:
    """``Assign`` of a state that receives a caught error as its input (a Choice after a Catch)."""
    return {"failure": "{% " + failure_value(f"'{error.value}'", step, source="$states.input") + " %}"}


def training_failure_assignment(step: str) -> dict[str, str]:
    """``Assign`` of the training task's Catch: a bad execution input (the job name or hyperparameters
    expression raised ``$error``) is ``RL.InvalidInput``; anything else ``RL.TrainingFailed``."""
    error = (
        "($states.errorOutput.Error = 'States.QueryEvaluationError' ? "
        f"'{FailureName.INVALID_INPUT.value}' : '{FailureName.TRAINING_FAILED.value}')"
    )
    return {"failure": "{% " + failure_value(error, step) + " %}"}
