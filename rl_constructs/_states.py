"""Values the serving states share, made once per process: Durations, wait times, JSONata conditions, and the
``Retry`` rules of ``core.workflow``'s policies.

Durations, wait times and conditions are immutable: one object per value serves every pipeline of the process
(each is a jsii round trip to make).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn

from .core.workflow import RetryPolicy


@functools.cache
def seconds(value: int) -> Duration:
    """``Duration.seconds(value)``, one object per value."""
    return Duration.seconds(value)


@functools.cache
def wait_time(value: int) -> sfn.WaitTime:
    """A Wait state's time of ``value`` seconds, one object per value."""
    return sfn.WaitTime.duration(seconds(value))


@functools.cache
def condition(expression: str) -> sfn.Condition:
    """A JSONata Choice condition of ``expression`` (without the ``{% %}``), one object per expression."""
    return sfn.Condition.jsonata("{% " + expression + " %}")


def add_retries(state: sfn.TaskStateBase | sfn.CustomState, policies: Sequence[RetryPolicy]) -> None:
    """``Retry`` rules of ``policies``: exponential backoff (rate 2) with full jitter, capped delay."""
    for policy in policies:
        state.add_retry(
            errors=list(policy.errors),
            interval=seconds(policy.interval_seconds),
            max_attempts=policy.max_attempts,
            max_delay=seconds(policy.max_delay_seconds),
            jitter_strategy=sfn.JitterType.FULL,
        )
