"""Serverless and autoscaling settings of an endpoint, shared by RLEndpoint and RLPipeline.

Their own module, without ``aws_sagemaker``'s L1 classes, so that a pipeline that only needs the settings
and their checks does not load them (about 45 ms of every synth).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, Size, SizeRoundingBehavior

from ._arguments import whole_seconds
from .core.arguments import check_int, type_error, whole_number
from .core.errors import RLConfigurationError
from .core.instances import hosting_instance
from .core.toolkits import Processor


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


def serverless_request(serverless: ServerlessInference) -> dict[str, Any]:
    """The variant's ``ServerlessConfig`` as the API writes it (memory in MiB)."""
    return {
        "MemorySizeInMB": _memory_mebibytes(serverless),
        "MaxConcurrency": serverless.max_concurrency,
        **(
            {"ProvisionedConcurrency": serverless.provisioned_concurrency}
            if serverless.provisioned_concurrency is not None
            else {}
        ),
    }


def check_serverless(
    serverless: ServerlessInference, instance_type: str | None, scaling: EndpointAutoscaling | None
) -> None:
    """Refuse a ``serverless`` setting SageMaker refuses (memory, concurrency), autoscaling with it, or a gpu
    ``instance_type`` for its model."""
    check_int(serverless.max_concurrency, "serverless.max_concurrency")
    check_int(serverless.provisioned_concurrency, "serverless.provisioned_concurrency", optional=True)
    megabytes = _memory_mebibytes(serverless)
    if megabytes not in (1024, 2048, 3072, 4096, 5120, 6144):
        raise RLConfigurationError(
            "serverless", f"memory_size must be 1 to 6 GiB in whole GiB, got {megabytes:g} MiB.", allowed=["1-6 GiB"]
        )
    if not 1 <= serverless.max_concurrency <= 200:
        raise RLConfigurationError("serverless", f"max_concurrency must be 1-200, got {serverless.max_concurrency}.")
    provisioned = serverless.provisioned_concurrency
    if provisioned is not None and not 1 <= provisioned <= serverless.max_concurrency:
        raise RLConfigurationError(
            "serverless", f"provisioned_concurrency must be 1 to max_concurrency, got {provisioned}."
        )
    if scaling is not None:
        raise RLConfigurationError("autoscaling", "does not apply to serverless inference (it scales by itself).")
    if instance_type is not None and hosting_instance(instance_type, "instance_type").processor is Processor.GPU:
        raise RLConfigurationError("serverless", "serverless inference runs on cpu only; the model is a gpu model.")


def _memory_mebibytes(serverless: ServerlessInference) -> int:
    """The serverless memory in whole MiB (SageMaker takes 1024 to 6144 in steps of 1024)."""
    if not isinstance(serverless.memory_size, Size):
        raise type_error("serverless.memory_size", "Size", serverless.memory_size)
    mebibytes = serverless.memory_size.to_mebibytes(rounding=SizeRoundingBehavior.NONE)
    return whole_number(mebibytes, "serverless.memory_size", "MiB")


def check_autoscaling(scaling: EndpointAutoscaling, initial_instance_count: int) -> None:
    """Refuse capacities, targets and cooldowns Application Auto Scaling refuses (RLEndpoint's and RLPipeline's)."""
    check_int(scaling.min_capacity, "autoscaling.min_capacity")
    check_int(scaling.max_capacity, "autoscaling.max_capacity")
    target = scaling.target_invocations_per_instance
    if isinstance(target, bool) or not isinstance(target, (int, float)):
        raise type_error("autoscaling.target_invocations_per_instance", "float", target)
    whole_seconds(scaling.scale_in_cooldown, "autoscaling.scale_in_cooldown")
    whole_seconds(scaling.scale_out_cooldown, "autoscaling.scale_out_cooldown")
    if scaling.min_capacity < 1:
        raise RLConfigurationError("autoscaling", f"min_capacity must be at least 1, got {scaling.min_capacity}.")
    if scaling.min_capacity > scaling.max_capacity:
        raise RLConfigurationError(
            "autoscaling",
            f"min_capacity ({scaling.min_capacity}) is greater than max_capacity ({scaling.max_capacity}).",
        )
    if not scaling.min_capacity <= initial_instance_count <= scaling.max_capacity:
        raise RLConfigurationError(
            "initial_instance_count",
            f"{initial_instance_count} is outside the autoscaling range {scaling.min_capacity}-{scaling.max_capacity}.",
        )
    if scaling.target_invocations_per_instance <= 0:
        raise RLConfigurationError("autoscaling", "target_invocations_per_instance must be greater than 0.")
