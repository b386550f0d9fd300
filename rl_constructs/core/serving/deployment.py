"""The deployment half of the pipeline as data: names, error names, retries, requests and the JSONata.

Every run names its model and endpoint config after its training job (unique per execution, at most 63
characters). The endpoint is named after the job too (a per-run endpoint), or has a stable name so that every
run rolls the newly trained policy out to the same endpoint. Pure: the construct (``pipeline.py``) only wires
what is decided here into states, and the tests evaluate the JSONata with the reference implementation.

What a run keeps in JSONata variables (``Assign``), read by the states after it:

- ``$run``: ``{"job", "modelData", "endpoint"}`` of this execution;
- ``$created``: ``{"model", "config", "endpoint"}``: what this run created, so that a failed run deletes
  exactly that;
- ``$polls``: DescribeEndpoint calls so far, bounded by the wait budget (:class:`WaitBudget`);
- ``$failure``: ``{"Error", "Cause"}`` of the failure being cleaned up after.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..contracts import PIPELINE_TAG_KEY
from ..errors import RLConfigurationError
from ..execution_input import OUTPUT_KEY

ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")

#: ``$created`` of a run that has created nothing (or whose resources are to be kept).
_NOTHING_TO_DELETE = "{% {'model': false, 'config': false, 'endpoint': false} %}"
#: SageMaker's tag value limit.
_TAG_VALUE_MAX = 256


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
#: What DeregisterScalableTarget answers for a variant that is not registered (nothing to deregister).
AUTOSCALING_NOT_REGISTERED = "ApplicationAutoScaling.ObjectNotFoundException"
#: The name under which an aws-sdk SageMaker task reports an unmodeled error (throttling, validation...).
SDK_BASE_ERROR = SDK_CALL_RETRIES[0].errors[0]
#: Cause fragments of the unmodeled errors the workflow acts on (SageMaker's messages, in the Cause).
ENDPOINT_NOT_FOUND = "Could not find endpoint"
ENDPOINT_ALREADY_EXISTS = "Cannot create already existing endpoint"
#: Step Functions' limit on a Fail state's cause (ExecutionFailedEventDetails.cause: 32,768 characters).
_CAUSE_MAX = 32_000


# --- waiting ------------------------------------------------------------------------------------------------

#: Standard workflows fail when their history reaches 25,000 events (Step Functions quotas).
HISTORY_EVENT_LIMIT = 25_000
#: Events of one endpoint poll: Wait (entered, exited), DescribeEndpoint task (entered, scheduled, started,
#: succeeded, exited), Choice (entered, exited).
EVENTS_PER_POLL = 9
#: Events of the states outside the polls: training, the create/update calls, failure cleanup, with margin.
EVENTS_FIXED = 400
#: Events of the cleanup after a successful run per resource examined (Map iteration, tags, choice, three
#: deletions), and how many resources one run examines at most (one ListEndpointConfigs page).
EVENTS_PER_CLEANED_RUN = 32
CLEANUP_PAGE = 100
#: Endpoint statuses of a change in progress: SageMaker refuses to update or delete the endpoint meanwhile.
IN_PROGRESS_STATUSES = ("Creating", "Updating", "SystemUpdating", "RollingBack")
#: A run that gives up on an endpoint it created deletes it; SageMaker refuses to delete an endpoint while it
#: is Creating, so the run waits for that (this many tries, this far apart) before it reports the leftover.
DELETE_RETRY_SECONDS = 120
DELETE_TRIES = 45


@dataclass(frozen=True)
class WaitBudget:
    """How long a run waits for its endpoint, as a number of polls, checked against the history quota."""

    poll_seconds: int
    max_polls: int

    @property
    def wait_seconds(self) -> int:
        return self.poll_seconds * self.max_polls

    @property
    def cleanup_seconds(self) -> int:
        """The longest a run that gives up waits to delete the endpoint it created."""
        return DELETE_RETRY_SECONDS * DELETE_TRIES

    def history_events(self) -> int:
        """An upper bound of the events of one run: stays under :data:`HISTORY_EVENT_LIMIT` by construction."""
        return EVENTS_FIXED + EVENTS_PER_POLL * (self.max_polls + DELETE_TRIES) + EVENTS_PER_CLEANED_RUN * CLEANUP_PAGE


def wait_budget(poll_seconds: int, wait_seconds: int) -> WaitBudget:
    """The polls of ``wait_seconds`` at one per ``poll_seconds``; refused when a run could reach the history
    quota before the wait ends (the execution would fail without cleaning up)."""
    if poll_seconds < 1:
        raise RLConfigurationError("poll_interval", f"must be at least 1 second, got {poll_seconds} s.")
    if wait_seconds < poll_seconds:
        raise RLConfigurationError(
            "endpoint_wait_timeout", f"must be at least poll_interval ({poll_seconds} s), got {wait_seconds} s."
        )
    budget = WaitBudget(poll_seconds, math.ceil(wait_seconds / poll_seconds))
    if budget.history_events() >= HISTORY_EVENT_LIMIT:
        most = (HISTORY_EVENT_LIMIT - 1 - EVENTS_FIXED - EVENTS_PER_CLEANED_RUN * CLEANUP_PAGE) // EVENTS_PER_POLL
        most -= DELETE_TRIES
        raise RLConfigurationError(
            "endpoint_wait_timeout",
            f"{wait_seconds} s at one poll every {poll_seconds} s is {budget.max_polls} polls; a run may poll at "
            f"most {most} times to stay under Step Functions' {HISTORY_EVENT_LIMIT} history events. Raise "
            "poll_interval or lower endpoint_wait_timeout.",
        )
    return budget


# --- names --------------------------------------------------------------------------------------------------


def validate_endpoint_name(name: str, argument: str = "endpoint_name") -> str:
    """SageMaker's EndpointName rule: 1-63 letters, digits and single or repeated hyphens inside."""
    if not ENDPOINT_NAME.match(name):
        raise RLConfigurationError(
            argument,
            f"{name!r} is not a valid SageMaker endpoint name: 1 to 63 letters, digits and hyphens, starting "
            "and ending with a letter or digit.",
        )
    return name


def pipeline_tag_value(construct_path: str) -> str:
    """The tag value naming a pipeline: its construct path, shortened (keeping its end) to SageMaker's limit."""
    return construct_path if len(construct_path) <= _TAG_VALUE_MAX else construct_path[-_TAG_VALUE_MAX:]


def pipeline_tags(tag_value: str) -> list[dict[str, str]]:
    """The ``Tags`` of every resource a run creates."""
    return [{"Key": PIPELINE_TAG_KEY, "Value": tag_value}]


def with_applied_tags(
    resource_tags: Sequence[Mapping[str, str]], applied: Sequence[Mapping[str, str]] | None
) -> list[dict[str, str]]:
    """The ``Tags`` of what a run creates: ``resource_tags`` (the pipeline tag, then ``tags=``), then the tags
    applied to the pipeline with ``Tags.of(...)`` (read from its state machine at synth) whose keys are not
    among them; the pipeline's own key and AWS's ``aws:`` keys are never taken from ``applied``."""
    merged = [dict(tag) for tag in resource_tags]
    taken = {tag["Key"] for tag in merged}
    for tag in applied or ():
        key = tag["Key"]
        if key in taken or key == PIPELINE_TAG_KEY or key.lower().startswith("aws:"):
            continue
        taken.add(key)
        merged.append({"Key": key, "Value": tag["Value"]})
    return merged


# --- JSONata ------------------------------------------------------------------------------------------------
# Expressions reference variables and ``$states`` only: no bare ``$`` (LocalStack's and moto's interpreters
# refuse it, and it is easy to misread).

JOB = f"$states.input.{OUTPUT_KEY}"


def run_assignment(endpoint_name: str | None) -> dict[str, str]:
    """``Assign`` of the state after training: this run's names, nothing created yet, no poll made."""
    endpoint = f"'{endpoint_name}'" if endpoint_name else f"{JOB}.TrainingJobName"
    return {
        "run": f"{{% {{'job': {JOB}.TrainingJobName, 'modelData': {JOB}.ModelDataUrl, 'endpoint': {endpoint}}} %}}",
        "created": _NOTHING_TO_DELETE,
        "polls": "{% 0 %}",
        "attempts": "{% 0 %}",
        "deleteTries": "{% 0 %}",
    }


#: How many times a run sends CreateEndpoint/UpdateEndpoint before it gives up: an unmodeled error (a
#: concurrent run's update in progress, an endpoint created meanwhile, or a real validation error) sends the
#: run back to reading the endpoint's state, at most this many times.
ENDPOINT_ATTEMPTS = 3


def record_attempt() -> dict[str, str]:
    """``Assign`` of the Catch of CreateEndpoint/UpdateEndpoint: one attempt more, and its error."""
    return {"attempts": "{% $attempts + 1 %}", "lastError": "{% $states.errorOutput %}"}


def attempts_left() -> str:
    return f"$attempts < {ENDPOINT_ATTEMPTS}"


def failure_from_last_error(step: str, error: FailureName) -> dict[str, str]:
    """``Assign`` of the branch that gives up after :data:`ENDPOINT_ATTEMPTS`: the last error, kept."""
    return {"failure": "{% " + _failure(f"'{error.value}'", step, source="$lastError") + " %}"}


def count_delete_try() -> dict[str, str]:
    return {"deleteTries": "{% $deleteTries + 1 %}"}


def delete_tries_left() -> str:
    return f"$deleteTries < {DELETE_TRIES}"


def leftover_endpoint() -> dict[str, str]:
    """``Assign`` when the endpoint a failed run created could not be deleted: the cause says so."""
    reason = (
        "($exists($states.input.Cause) ? $string($states.input.Cause) : "
        "'still ' & $states.input.EndpointStatus & ' after " + str(DELETE_TRIES * DELETE_RETRY_SECONDS) + " s')"
    )
    cause = (
        "$failure.Cause & ' (cleanup: endpoint ' & $run.endpoint & ' could not be deleted: ' & "
        + reason
        + " & '; delete it by hand or destroy the stack)'"
    )
    return {"failure": "{% $merge([$failure, {'Cause': $substring(" + cause + f", 0, {_CAUSE_MAX})}}]) %}}"}


def created(**flags: bool) -> dict[str, str]:
    """``Assign`` recording what a call created (merged over what earlier calls created)."""
    values = ", ".join(f"'{key}': {str(value).lower()}" for key, value in flags.items())
    return {"created": f"{{% $merge([$created, {{{values}}}]) %}}"}


def failure_assignment(step: str, error: FailureName) -> dict[str, str]:
    """``Assign`` of a Catch: the namespaced ``error``, and the step, original error and cause as the cause."""
    return {"failure": "{% " + _failure(f"'{error.value}'", step) + " %}"}


def training_failure_assignment(step: str) -> dict[str, str]:
    """``Assign`` of the training task's Catch: a bad execution input (the job name or hyperparameters
    expression raised ``$error``) is ``RL.InvalidInput``; anything else ``RL.TrainingFailed``."""
    error = (
        "($states.errorOutput.Error = 'States.QueryEvaluationError' ? "
        f"'{FailureName.INVALID_INPUT.value}' : '{FailureName.TRAINING_FAILED.value}')"
    )
    return {"failure": "{% " + _failure(error, step) + " %}"}


def failure_from_input(step: str, error: FailureName) -> dict[str, str]:
    """``Assign`` of a state that receives a caught error as its input (a Choice after a Catch)."""
    return {"failure": "{% " + _failure(f"'{error.value}'", step, source="$states.input") + " %}"}


def _failure(error: str, step: str, source: str = "$states.errorOutput") -> str:
    cause = (
        f"'{step} failed with ' & {source}.Error & ': ' & "
        f"($exists({source}.Cause) ? $string({source}.Cause) : 'no cause given')"
    )
    return f"{{'Error': {error}, 'Cause': $substring({cause}, 0, {_CAUSE_MAX})}}"


def endpoint_outcome_failure(error: FailureName, detail: str) -> dict[str, str]:
    """``Assign`` of a Choice branch that ends the wait with a failure read from ``$states.input`` (the
    DescribeEndpoint answer). ``detail`` is a JSONata string literal's content: no quotes."""
    if "'" in detail:
        raise ValueError(f"detail must not contain a quote: {detail!r}")
    cause = (
        f"'Endpoint ' & $run.endpoint & ' {detail} (status ' & $states.input.EndpointStatus & ')' & "
        "($exists($states.input.FailureReason) ? ': ' & $states.input.FailureReason : '')"
    )
    return {"failure": f"{{% {{'Error': '{error.value}', 'Cause': $substring({cause}, 0, {_CAUSE_MAX})}} %}}"}


def timeout_failure(wait_seconds: int) -> dict[str, str]:
    """``Assign`` of the branch taken when the wait budget is spent."""
    cause = (
        f"'Endpoint ' & $run.endpoint & ' was not InService with ' & $run.job & ' after {wait_seconds} s of "
        "waiting (status ' & $states.input.EndpointStatus & ')'"
    )
    return {"failure": f"{{% {{'Error': '{FailureName.ENDPOINT_TIMEOUT.value}', 'Cause': {cause}}} %}}"}


def rollback_failed_assignment() -> dict[str, str]:
    """``Assign`` of an update whose rollback failed: the endpoint serves a mix of configs, so this run's
    model and config are kept for recovery (and the cause says so)."""
    return {
        **endpoint_outcome_failure(
            FailureName.UPDATE_ROLLBACK_FAILED,
            "could not roll the update back and serves a mix of configs; the model and endpoint config of this "
            "run are kept for its recovery",
        ),
        "created": _NOTHING_TO_DELETE,
    }


def timeout_assignment(wait_seconds: int) -> dict[str, str]:
    """``Assign`` of a run out of polls. An endpoint it created is deleted (once SageMaker lets it); an update
    of an existing endpoint cannot be stopped and may still switch it to this run's config, which is kept."""
    kept = {"created": "{% $created.endpoint ? $created : " + _NOTHING_TO_DELETE[3:]}
    return {**timeout_failure(wait_seconds), **kept}


def describe_output() -> str:
    """Output of DescribeEndpoint: the fields the choices read (not the whole answer)."""
    return (
        "{% {'EndpointStatus': $states.result.EndpointStatus, 'EndpointConfigName': "
        "$states.result.EndpointConfigName, 'FailureReason': $states.result.FailureReason} %}"
    )


def count_poll() -> dict[str, str]:
    return {"polls": "{% $polls + 1 %}"}


def polls_left(max_polls: int) -> str:
    return f"$polls < {max_polls}"


def status_is(*statuses: str) -> str:
    """JSONata over a DescribeEndpoint output: the status is one of ``statuses``."""
    return "$states.input.EndpointStatus in [" + ", ".join(f"'{s}'" for s in statuses) + "]"


def serves_this_run() -> str:
    """InService with this run's endpoint config: deployed."""
    return f"{status_is('InService')} and $states.input.EndpointConfigName = $run.job"


def serves_another_config() -> str:
    """InService with another config: this run's update rolled back (blue/green or a failed update)."""
    return f"{status_is('InService')} and $states.input.EndpointConfigName != $run.job"


def cause_contains(fragment: str) -> str:
    """JSONata over a caught error (``$states.input`` after a Catch that outputs the error): its cause
    mentions ``fragment`` (how an unmodeled SageMaker error is told apart)."""
    return f"$contains($string($states.input.Cause), '{fragment}')"


def caught_error() -> str:
    """Output of a Catch that hands the caught error to a Choice."""
    return "{% $states.errorOutput %}"


def succeeded_output() -> str:
    """What a run that deployed returns."""
    return (
        "{% {'TrainingJobName': $run.job, 'ModelDataUrl': $run.modelData, 'EndpointName': $run.endpoint, "
        "'EndpointConfigName': $run.job, 'ModelName': $run.job} %}"
    )


# --- autoscaling of the stable endpoint ---------------------------------------------------------------------

#: The variant every endpoint of a pipeline has (``deploy()``'s).
VARIANT_NAME = "AllTraffic"
#: Its scalable dimension.
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
#: The name of the target-tracking policy a run puts (the same every run: PutScalingPolicy updates it).
SCALING_POLICY_NAME = "rl-constructs-invocations-per-instance"
_RESOURCE_ID = "{% 'endpoint/' & $run.endpoint & '/variant/" + VARIANT_NAME + "' %}"


@dataclass(frozen=True)
class ScalingSettings:
    """Target tracking of the variant's instance count, as plain values."""

    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: float
    scale_in_cooldown_seconds: int | None = None
    scale_out_cooldown_seconds: int | None = None


def _scalable_target() -> dict[str, str]:
    return {"ServiceNamespace": "sagemaker", "ResourceId": _RESOURCE_ID, "ScalableDimension": SCALABLE_DIMENSION}


def register_scalable_target_request(settings: ScalingSettings) -> dict[str, Any]:
    """RegisterScalableTarget of the endpoint's variant: registers it, or updates its capacity range (the call is
    idempotent, so every run sends it)."""
    return {**_scalable_target(), "MinCapacity": settings.min_capacity, "MaxCapacity": settings.max_capacity}


def scaling_policy_request(settings: ScalingSettings) -> dict[str, Any]:
    """PutScalingPolicy: target tracking on ``SageMakerVariantInvocationsPerInstance`` (created or updated)."""
    configuration: dict[str, Any] = {
        "TargetValue": float(settings.target_invocations_per_instance),
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    }
    if settings.scale_in_cooldown_seconds is not None:
        configuration["ScaleInCooldown"] = settings.scale_in_cooldown_seconds
    if settings.scale_out_cooldown_seconds is not None:
        configuration["ScaleOutCooldown"] = settings.scale_out_cooldown_seconds
    return {
        "PolicyName": SCALING_POLICY_NAME,
        "PolicyType": "TargetTrackingScaling",
        **_scalable_target(),
        "TargetTrackingScalingPolicyConfiguration": configuration,
    }


def deregister_scalable_target_request() -> dict[str, Any]:
    """DeregisterScalableTarget of the variant: SageMaker refuses an update that changes the instance type of an
    autoscaled variant (Developer Guide, "Update endpoints that use auto scaling")."""
    return _scalable_target()


def instance_type_changes(instance_type: str) -> str:
    """JSONata over a DescribeEndpointConfig answer (the endpoint's current config): its variant runs on another
    instance type than this run's."""
    return f"$count($states.result.ProductionVariants[InstanceType != '{instance_type}']) > 0"


def autoscaling_failure_assignment(step: str) -> dict[str, str]:
    """``Assign`` of a failed autoscaling call: the endpoint serves this run's config already, so nothing of
    this run is deleted; the cause says the endpoint is not autoscaled."""
    return {
        "failure": "{% "
        + _failure(f"'{FailureName.AUTOSCALING_FAILED.value}'", step)[:-1]
        + " & ' (the endpoint serves this run; its autoscaling is not set: the next run sets it)'}"
        + " %}",
        "created": _NOTHING_TO_DELETE,
    }


# --- cleanup after a successful run -----------------------------------------------------------------------


def old_runs_expression(base_job_name: str, keep_last: int, *, delete_endpoints: bool, delete_configs: bool) -> str:
    """JSONata over a ListEndpointConfigs answer (newest first): this family's earlier runs, each with what
    to delete: its per-run endpoint (``delete_endpoints``) and, past the newest ``keep_last`` runs, its
    endpoint config and model. A name that merely contains the family name is not the family's; the tag
    check per item keeps other pipelines' resources safe even when their names share the prefix."""
    prefix = f"{base_job_name}-"
    return (
        f"{{% ($others := $filter($states.result.EndpointConfigs, function($c) {{ "
        f"$substring($c.EndpointConfigName, 0, {len(prefix)}) = '{prefix}' and $c.EndpointConfigName != $run.job }}); "
        "$items := $map($others, function($c, $i) { {'Name': $c.EndpointConfigName, 'Arn': $c.EndpointConfigArn, "
        f"'DeleteEndpoint': {str(delete_endpoints).lower()}, "
        f"'DeleteConfig': {str(delete_configs).lower()} and $i >= {keep_last - 1}}} }}); "
        "[$filter($items, function($item) { $item.DeleteEndpoint or $item.DeleteConfig })]) %}"
    )


def tagged_by(tag_value: str) -> str:
    """JSONata over a ListTags answer: the resource carries this pipeline's tag."""
    return f"$count($states.result.Tags[Key = '{PIPELINE_TAG_KEY}' and Value = '{tag_value}']) > 0"


# --- requests -----------------------------------------------------------------------------------------------


def create_model_request(
    *,
    role_arn: str,
    image: str,
    environment: Mapping[str, str],
    tags: Sequence[Mapping[str, str]],
    vpc_config: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """CreateModel of this run: named after its job, serving its model data, in the job's VPC when it has one
    (``create_model()`` reuses the estimator's ``VpcConfig``)."""
    return {
        "ModelName": "{% $run.job %}",
        "ExecutionRoleArn": role_arn,
        "PrimaryContainer": {
            "Image": image,
            "ModelDataUrl": "{% $run.modelData %}",
            **({"Environment": dict(environment)} if environment else {}),
        },
        **({"VpcConfig": {key: list(value) for key, value in vpc_config.items()}} if vpc_config else {}),
        "Tags": [dict(tag) for tag in tags],
    }


def endpoint_config_request(
    *,
    instance_type: str | None,
    instance_count: int,
    tags: Sequence[Mapping[str, str]],
    kms_key_id: str | None = None,
    data_capture: Mapping[str, Any] | None = None,
    serverless: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """CreateEndpointConfig of this run: one ``AllTraffic`` variant, as ``deploy()`` makes it: on
    ``instance_type`` instances, or serverless (``ServerlessConfig``, no instance type or count, as
    ``deploy(serverless_inference_config=...)`` sends it)."""
    if (instance_type is None) == (serverless is None):
        raise ValueError("exactly one of instance_type and serverless")
    capacity: dict[str, Any] = (
        {"ServerlessConfig": dict(serverless)}
        if serverless is not None
        else {"InitialInstanceCount": instance_count, "InstanceType": instance_type}
    )
    return {
        "EndpointConfigName": "{% $run.job %}",
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": "{% $run.job %}",
                **capacity,
                "InitialVariantWeight": 1,
            }
        ],
        **({"KmsKeyId": kms_key_id} if kms_key_id else {}),
        **({"DataCaptureConfig": dict(data_capture)} if data_capture else {}),
        "Tags": [dict(tag) for tag in tags],
    }


def create_endpoint_request(tags: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    return {"EndpointName": "{% $run.endpoint %}", "EndpointConfigName": "{% $run.job %}", "Tags": list(tags)}


def update_endpoint_request(
    *, retain_instance_counts: bool, deployment_config: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """UpdateEndpoint to this run's config. With ``retain_instance_counts``, the variant's current desired
    instance count and weight stay (autoscaling or an operator may have changed them); the data capture
    settings come from the new config."""
    request: dict[str, Any] = {"EndpointName": "{% $run.endpoint %}", "EndpointConfigName": "{% $run.job %}"}
    if retain_instance_counts:
        request["RetainAllVariantProperties"] = True
        request["ExcludeRetainedVariantProperties"] = [{"VariantPropertyType": "DataCaptureConfig"}]
    if deployment_config:
        request["DeploymentConfig"] = dict(deployment_config)
    return request


class TrafficRouting(StrEnum):
    """How a blue/green update shifts traffic to the new fleet (``TrafficRoutingConfiguration.Type``)."""

    ALL_AT_ONCE = "ALL_AT_ONCE"
    CANARY = "CANARY"
    LINEAR = "LINEAR"


@dataclass(frozen=True)
class BlueGreenSettings:
    """A blue/green update policy with automatic rollback, as plain values (seconds, alarm names)."""

    routing: TrafficRouting
    wait_interval_seconds: int
    step_percent: int | None
    step_instances: int | None
    termination_wait_seconds: int
    maximum_execution_timeout_seconds: int | None
    alarm_names: tuple[str, ...]

    def longest_seconds(self) -> int:
        """The longest SageMaker may take over the update, waits included."""
        return (self.maximum_execution_timeout_seconds or 28_800) + self.termination_wait_seconds


def deployment_config(settings: BlueGreenSettings) -> dict[str, Any]:
    """``DeploymentConfig`` of UpdateEndpoint (checked against botocore's limits, named after the
    ``BlueGreenDeployment`` arguments)."""
    _check_range("deployment.wait_interval", settings.wait_interval_seconds, 0, 3600)
    _check_range("deployment.termination_wait", settings.termination_wait_seconds, 0, 3600)
    if settings.maximum_execution_timeout_seconds is not None:
        _check_range("deployment.maximum_execution_timeout", settings.maximum_execution_timeout_seconds, 600, 28_800)
    if not 0 <= len(settings.alarm_names) <= 10:
        raise RLConfigurationError("deployment.rollback_alarms", f"at most 10 alarms, got {len(settings.alarm_names)}.")
    routing: dict[str, Any] = {"Type": settings.routing.value, "WaitIntervalInSeconds": settings.wait_interval_seconds}
    if settings.routing is not TrafficRouting.ALL_AT_ONCE:
        if (settings.step_percent is None) == (settings.step_instances is None):
            raise RLConfigurationError(
                "deployment", f"a {settings.routing.value} rollout needs exactly one of percent or instances."
            )
        size = (
            {"Type": "CAPACITY_PERCENT", "Value": settings.step_percent}
            if settings.step_percent is not None
            else {"Type": "INSTANCE_COUNT", "Value": settings.step_instances}
        )
        if settings.step_percent is not None:
            _check_range("deployment.percent", settings.step_percent, 1, 100)
        elif settings.step_instances is not None:
            _check_range("deployment.instances", settings.step_instances, 1, 10_000)
        routing["CanarySize" if settings.routing is TrafficRouting.CANARY else "LinearStepSize"] = size
    policy: dict[str, Any] = {
        "TrafficRoutingConfiguration": routing,
        "TerminationWaitInSeconds": settings.termination_wait_seconds,
    }
    if settings.maximum_execution_timeout_seconds is not None:
        policy["MaximumExecutionTimeoutInSeconds"] = settings.maximum_execution_timeout_seconds
    config: dict[str, Any] = {"BlueGreenUpdatePolicy": policy}
    if settings.alarm_names:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": name} for name in settings.alarm_names]}
    return config


def _check_range(argument: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RLConfigurationError(argument, f"must be a whole number from {low} to {high}, got {value!r}.")
