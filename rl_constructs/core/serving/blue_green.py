"""A blue/green update of a stable endpoint with automatic rollback: its settings, their checks and the
``DeploymentConfig`` of UpdateEndpoint (SageMaker's; neither aws-cdk-lib's tasks nor ``RLEstimator`` offer it).

Pure: the construct (``BlueGreenDeployment`` in ``pipeline.py``) reduces its Durations and alarms to seconds and
alarm names; the errors name its arguments (``deployment.wait_interval``...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..errors import RLConfigurationError

#: SageMaker's longest blue/green rollout (``MaximumExecutionTimeoutInSeconds``), its default.
LONGEST_ROLLOUT_SECONDS = 28_800
#: At most this many alarms watch a rollout (``AutoRollbackConfiguration.Alarms``).
MAX_ROLLBACK_ALARMS = 10


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
        return (self.maximum_execution_timeout_seconds or LONGEST_ROLLOUT_SECONDS) + self.termination_wait_seconds


def check_blue_green(settings: BlueGreenSettings) -> BlueGreenSettings:
    """``settings``, refused where botocore's limits refuse them (named after the ``BlueGreenDeployment``
    arguments)."""
    _check_range("deployment.wait_interval", settings.wait_interval_seconds, 0, 3600)
    _check_range("deployment.termination_wait", settings.termination_wait_seconds, 0, 3600)
    if settings.maximum_execution_timeout_seconds is not None:
        _check_range(
            "deployment.maximum_execution_timeout",
            settings.maximum_execution_timeout_seconds,
            600,
            LONGEST_ROLLOUT_SECONDS,
        )
    if not 0 <= len(settings.alarm_names) <= MAX_ROLLBACK_ALARMS:
        raise RLConfigurationError("deployment.rollback_alarms", f"at most 10 alarms, got {len(settings.alarm_names)}.")
    if settings.routing is not TrafficRouting.ALL_AT_ONCE:
        if (settings.step_percent is None) == (settings.step_instances is None):
            raise RLConfigurationError(
                "deployment", f"a {settings.routing.value} rollout needs exactly one of percent or instances."
            )
        if settings.step_percent is not None:
            _check_range("deployment.percent", settings.step_percent, 1, 100)
        elif settings.step_instances is not None:
            _check_range("deployment.instances", settings.step_instances, 1, 10_000)
    return settings


def deployment_config(settings: BlueGreenSettings) -> dict[str, Any]:
    """``DeploymentConfig`` of UpdateEndpoint for checked ``settings`` (:func:`check_blue_green`)."""
    routing: dict[str, Any] = {"Type": settings.routing.value, "WaitIntervalInSeconds": settings.wait_interval_seconds}
    if settings.routing is not TrafficRouting.ALL_AT_ONCE:
        size = (
            {"Type": "CAPACITY_PERCENT", "Value": settings.step_percent}
            if settings.step_percent is not None
            else {"Type": "INSTANCE_COUNT", "Value": settings.step_instances}
        )
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
