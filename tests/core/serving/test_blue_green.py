"""core.serving.blue_green: a blue/green rollout's checks (botocore's limits, named after BlueGreenDeployment's
arguments) and its DeploymentConfig."""

from __future__ import annotations

from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.serving.blue_green import BlueGreenSettings, TrafficRouting, check_blue_green, deployment_config


def settings(routing: TrafficRouting = TrafficRouting.ALL_AT_ONCE, **overrides: Any) -> BlueGreenSettings:
    values: dict[str, Any] = {
        "wait_interval_seconds": 0,
        "step_percent": None,
        "step_instances": None,
        "termination_wait_seconds": 0,
        "maximum_execution_timeout_seconds": None,
        "alarm_names": (),
        **overrides,
    }
    return check_blue_green(BlueGreenSettings(routing, **values))


def test_all_at_once_is_the_smallest_config() -> None:
    assert deployment_config(settings()) == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
            "TerminationWaitInSeconds": 0,
        }
    }
    assert settings().longest_seconds() == 28_800


def test_a_canary_by_instances_with_alarms_and_a_limit() -> None:
    canary = settings(
        TrafficRouting.CANARY,
        step_instances=2,
        wait_interval_seconds=600,
        termination_wait_seconds=60,
        maximum_execution_timeout_seconds=1800,
        alarm_names=("Errors",),
    )
    config = deployment_config(canary)
    policy = config["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["CanarySize"] == {"Type": "INSTANCE_COUNT", "Value": 2}
    assert policy["MaximumExecutionTimeoutInSeconds"] == 1800
    assert config["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": "Errors"}]}
    assert canary.longest_seconds() == 1860
    linear = deployment_config(settings(TrafficRouting.LINEAR, step_percent=25))
    assert linear["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["LinearStepSize"] == {
        "Type": "CAPACITY_PERCENT",
        "Value": 25,
    }


@pytest.mark.parametrize(
    ("routing", "overrides", "argument"),
    [
        (TrafficRouting.ALL_AT_ONCE, {"wait_interval_seconds": 3601}, "deployment.wait_interval"),
        (TrafficRouting.ALL_AT_ONCE, {"wait_interval_seconds": -1}, "deployment.wait_interval"),
        (TrafficRouting.ALL_AT_ONCE, {"termination_wait_seconds": 3601}, "deployment.termination_wait"),
        (
            TrafficRouting.ALL_AT_ONCE,
            {"maximum_execution_timeout_seconds": 599},
            "deployment.maximum_execution_timeout",
        ),
        (
            TrafficRouting.ALL_AT_ONCE,
            {"maximum_execution_timeout_seconds": 28_801},
            "deployment.maximum_execution_timeout",
        ),
        (TrafficRouting.ALL_AT_ONCE, {"alarm_names": tuple("abcdefghijk")}, "deployment.rollback_alarms"),
        (TrafficRouting.CANARY, {}, "deployment"),
        (TrafficRouting.CANARY, {"step_percent": 10, "step_instances": 1}, "deployment"),
        (TrafficRouting.LINEAR, {"step_percent": 0}, "deployment.percent"),
        (TrafficRouting.LINEAR, {"step_percent": 101}, "deployment.percent"),
        (TrafficRouting.LINEAR, {"step_instances": 0}, "deployment.instances"),
        (TrafficRouting.LINEAR, {"step_instances": True}, "deployment.instances"),
    ],
)
def test_values_outside_botocores_limits_are_refused(
    routing: TrafficRouting, overrides: dict[str, Any], argument: str
) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        settings(routing, **overrides)
    assert caught.value.argument == argument


def test_the_limits_are_inclusive() -> None:
    edge = settings(
        TrafficRouting.LINEAR,
        step_instances=10_000,
        wait_interval_seconds=3600,
        termination_wait_seconds=3600,
        maximum_execution_timeout_seconds=600,
        alarm_names=tuple("abcdefghij"),
    )
    assert edge.step_instances == 10_000
    assert settings(TrafficRouting.CANARY, step_percent=100).step_percent == 100
