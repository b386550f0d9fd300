"""Names and JSONata of the deployment half of the pipeline: model, endpoint config, endpoint, waiting.

The model and endpoint config are named after the training job (unique per execution, at most 63
characters). The endpoint is named after the job too, or has a stable name so that every run of the
pipeline rolls the newly trained policy out to the same endpoint (UpdateEndpoint when it exists).
"""

from __future__ import annotations

import re

from .errors import RLConfigurationError
from .execution_input import OUTPUT_KEY

ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
#: Endpoint statuses that end the wait with a failure (everything else but InService means "not yet").
FAILED_STATUSES = ("Failed", "UpdateRollbackFailed", "OutOfService")

JOB_NAME = f"$states.input.{OUTPUT_KEY}.TrainingJobName"
MODEL_DATA = f"$states.input.{OUTPUT_KEY}.ModelDataUrl"


def validate_endpoint_name(name: str, argument: str = "endpoint_name") -> str:
    """SageMaker's EndpointName rule: 1-63 letters, digits and single or repeated hyphens inside."""
    if not ENDPOINT_NAME.match(name):
        raise RLConfigurationError(
            argument,
            f"{name!r} is not a valid SageMaker endpoint name: 1 to 63 letters, digits and hyphens, starting "
            "and ending with a letter or digit.",
        )
    return name


def endpoint_exists_expression(stable_name: str) -> str:
    """JSONata over a ListEndpoints(NameContains=name) result: is there an endpoint of exactly that name?"""
    return f"$count($states.result.Endpoints[EndpointName = '{stable_name}']) > 0"


def deployed_expression() -> str:
    """JSONata over the state after DescribeEndpoint: InService with this run's endpoint config (an update
    that rolled back is InService with the previous config, which is not a success)."""
    return (
        "$states.input.Endpoint.EndpointStatus = 'InService' and "
        f"$states.input.Endpoint.EndpointConfigName = {JOB_NAME}"
    )


def failed_expression() -> str:
    """JSONata: the endpoint failed, or is InService with another config (the update rolled back)."""
    statuses = ", ".join(f"'{s}'" for s in FAILED_STATUSES)
    return (
        f"$states.input.Endpoint.EndpointStatus in [{statuses}] or "
        f"($states.input.Endpoint.EndpointStatus = 'InService' and "
        f"$states.input.Endpoint.EndpointConfigName != {JOB_NAME})"
    )


def failure_cause_expression() -> str:
    """JSONata for the Fail state's cause: which step failed and why."""
    return "$states.input.FailedStep & ' failed: ' & $string($states.input.Cause)"


def endpoint_failure_output() -> str:
    """JSONata turning a failed endpoint into the pipeline's failure description."""
    return (
        "{'FailedStep': 'Endpoint ' & $states.input.Endpoint.EndpointName, 'Error': 'RL.EndpointFailed', "
        "'Cause': $states.input.Endpoint.EndpointStatus & ': ' & "
        "($exists($states.input.Endpoint.FailureReason) ? $states.input.Endpoint.FailureReason : "
        "'the update rolled back to the previous endpoint config')}"
    )


def catch_output(step: str) -> str:
    """JSONata for a Catch's output: the error the step raised (``Error``, ``Cause``) and the step's name."""
    return f"$merge([$states.errorOutput, {{'FailedStep': '{step}'}}])"
