"""Serverless and autoscaling settings of an endpoint, shared by RLEndpoint and RLPipeline.

Their own module, without ``aws_sagemaker``'s L1 classes, so that a pipeline that only needs the settings
does not load them (about 45 ms of every synth). The settings hold aws-cdk-lib values (``Size``,
``Duration``); :func:`serverless_settings` and :func:`scaling_settings` reduce them to the plain values
``core.serving.endpoint`` checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Size, SizeRoundingBehavior

from ._arguments import whole_seconds
from .core.arguments import type_error, whole_number
from .core.serving.endpoint import ScalingSettings, ServerlessSettings


@dataclass(frozen=True)
class ServerlessInference:
    """Serverless inference instead of instances (cpu only).

    :param memory_size: 1 to 6 GiB, in whole GiB.
    :param max_concurrency: concurrent invocations, 1-200. Default: 20.
    :param provisioned_concurrency: pre-warmed capacity, 1 to ``max_concurrency``. Default: none.
    """

    memory_size: Size
    max_concurrency: int = 20
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class EndpointAutoscaling:
    """Target tracking of the variant's instance count on ``SageMakerVariantInvocationsPerInstance``.

    :param max_capacity: most instances.
    :param target_invocations_per_instance: invocations per instance per minute to hold.
    :param min_capacity: fewest instances, at least 1. Default: 1.
    :param scale_in_cooldown: Default: Application Auto Scaling's (300 s).
    :param scale_out_cooldown: Default: Application Auto Scaling's (300 s).
    """

    max_capacity: int
    target_invocations_per_instance: float
    min_capacity: int = 1
    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None


def serverless_settings(serverless: ServerlessInference) -> ServerlessSettings:
    """``serverless`` as plain values (memory in whole MiB), for ``core.serving.endpoint.check_serverless``."""
    if not isinstance(serverless, ServerlessInference):
        raise TypeError(f"serverless: expected a ServerlessInference, got {type(serverless).__name__}.")
    if not isinstance(serverless.memory_size, Size):
        raise type_error("serverless.memory_size", "Size", serverless.memory_size)
    mebibytes = serverless.memory_size.to_mebibytes(rounding=SizeRoundingBehavior.NONE)
    return ServerlessSettings(
        memory_mib=whole_number(mebibytes, "serverless.memory_size", "MiB"),
        max_concurrency=serverless.max_concurrency,
        provisioned_concurrency=serverless.provisioned_concurrency,
    )


def scaling_settings(autoscaling: EndpointAutoscaling) -> ScalingSettings:
    """``autoscaling`` as plain values (cooldowns in seconds), for ``core.serving.endpoint.check_autoscaling``."""
    if not isinstance(autoscaling, EndpointAutoscaling):
        raise TypeError(f"autoscaling: expected an EndpointAutoscaling, got {type(autoscaling).__name__}.")
    return ScalingSettings(
        min_capacity=autoscaling.min_capacity,
        max_capacity=autoscaling.max_capacity,
        target_invocations_per_instance=autoscaling.target_invocations_per_instance,
        scale_in_cooldown_seconds=whole_seconds(autoscaling.scale_in_cooldown, "autoscaling.scale_in_cooldown"),
        scale_out_cooldown_seconds=whole_seconds(autoscaling.scale_out_cooldown, "autoscaling.scale_out_cooldown"),
    )
