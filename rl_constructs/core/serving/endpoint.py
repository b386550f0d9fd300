"""The options of an endpoint: serverless inference and autoscaling settings (shared by ``RLEndpoint`` and
``RLPipeline``) and ``RLEndpoint``'s, each checked once in :func:`resolve`.

The constructs reduce what only they can read (a ``Size`` in MiB, ``Duration`` cooldowns in seconds, the
served model's instance type, processor and role) to plain values first. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arguments import check_int, check_str, type_error
from ..aws import check_name
from ..errors import RLConfigurationError
from ..instances import hosting_instance
from ..toolkits import Processor
from .checks import is_number_token, is_token
from .data_capture import DataCaptureOptions

#: The memory sizes serverless inference takes (MiB): 1 to 6 GiB in whole GiB.
SERVERLESS_MEMORY_MIB = (1024, 2048, 3072, 4096, 5120, 6144)
#: Concurrent invocations of a serverless endpoint.
SERVERLESS_MAX_CONCURRENCY = 200


@dataclass(frozen=True)
class ServerlessSettings:
    """Serverless inference as plain values (``ServerlessInference`` with its memory in MiB)."""

    memory_mib: int
    max_concurrency: int = 20
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class ScalingSettings:
    """Target tracking of the variant's instance count, as plain values."""

    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: float
    scale_in_cooldown_seconds: int | None = None
    scale_out_cooldown_seconds: int | None = None


def check_serverless(
    settings: ServerlessSettings, instance_type: str | None, *, autoscaled: bool = False
) -> ServerlessSettings:
    """Refuse a serverless setting SageMaker refuses (memory, concurrency), autoscaling with it (``autoscaled``),
    or a gpu ``instance_type`` (the model's) for it."""
    check_int(settings.max_concurrency, "serverless.max_concurrency")
    check_int(settings.provisioned_concurrency, "serverless.provisioned_concurrency", optional=True)
    if settings.memory_mib not in SERVERLESS_MEMORY_MIB:
        raise RLConfigurationError(
            "serverless",
            f"memory_size must be 1 to 6 GiB in whole GiB, got {settings.memory_mib:g} MiB.",
            allowed=["1-6 GiB"],
        )
    if not 1 <= settings.max_concurrency <= SERVERLESS_MAX_CONCURRENCY:
        raise RLConfigurationError("serverless", f"max_concurrency must be 1-200, got {settings.max_concurrency}.")
    provisioned = settings.provisioned_concurrency
    if provisioned is not None and not 1 <= provisioned <= settings.max_concurrency:
        raise RLConfigurationError(
            "serverless", f"provisioned_concurrency must be 1 to max_concurrency, got {provisioned}."
        )
    if autoscaled:
        raise refuse_scaling_of_serverless()
    if instance_type is not None and hosting_instance(instance_type, "instance_type").processor is Processor.GPU:
        raise RLConfigurationError("serverless", "serverless inference runs on cpu only; the model is a gpu model.")
    return settings


def refuse_scaling_of_serverless() -> RLConfigurationError:
    """The error of autoscaling given with serverless inference."""
    return RLConfigurationError("autoscaling", "does not apply to serverless inference (it scales by itself).")


def check_autoscaling(settings: ScalingSettings, initial_instance_count: int) -> ScalingSettings:
    """Refuse capacities and targets Application Auto Scaling refuses, and an ``initial_instance_count``
    outside the range."""
    check_int(settings.min_capacity, "autoscaling.min_capacity")
    check_int(settings.max_capacity, "autoscaling.max_capacity")
    target = settings.target_invocations_per_instance
    if isinstance(target, bool) or not isinstance(target, (int, float)):
        raise type_error("autoscaling.target_invocations_per_instance", "float", target)
    if settings.min_capacity < 1:
        raise RLConfigurationError("autoscaling", f"min_capacity must be at least 1, got {settings.min_capacity}.")
    if settings.min_capacity > settings.max_capacity:
        raise RLConfigurationError(
            "autoscaling",
            f"min_capacity ({settings.min_capacity}) is greater than max_capacity ({settings.max_capacity}).",
        )
    low, high = settings.min_capacity, settings.max_capacity
    if not low <= initial_instance_count <= high:
        raise RLConfigurationError(
            "initial_instance_count", f"{initial_instance_count} is outside the autoscaling range {low}-{high}."
        )
    if settings.target_invocations_per_instance <= 0:
        raise RLConfigurationError("autoscaling", "target_invocations_per_instance must be greater than 0.")
    return settings


def check_endpoint_name(endpoint_name: str, argument: str = "endpoint_name") -> str:
    """SageMaker's EndpointName rule (a token passes: checked where it resolves)."""
    return endpoint_name if is_token(endpoint_name) else check_name(argument, endpoint_name, what="endpoint name")


@dataclass(frozen=True)
class ServedModel:
    """What an endpoint knows of the model it serves (an ``RLModel``, or one imported)."""

    #: The hosting instance type the model was made for; None when not known.
    instance_type: str | None
    #: Its cpu or gpu serving image; None when not known.
    processor: Processor | None
    #: Whether its execution role is known (data capture grants it writes).
    has_role: bool


@dataclass(frozen=True)
class EndpointOptions:
    """``RLEndpoint``'s checked options."""

    #: The hosting instance type (None: serverless).
    instance_type: str | None
    initial_instance_count: int
    endpoint_name: str | None
    serverless: ServerlessSettings | None
    autoscaling: ScalingSettings | None
    data_capture: DataCaptureOptions | None


def resolve(
    *,
    model: ServedModel,
    instance_type: str | None,
    initial_instance_count: int,
    endpoint_name: str | None,
    serverless: ServerlessSettings | None = None,
    autoscaling: ScalingSettings | None = None,
    data_capture: DataCaptureOptions | None = None,
) -> EndpointOptions:
    """``RLEndpoint``'s options: the instance type (the model's by default) fits the model's image, or
    serverless inference (without autoscaling); counts, name, autoscaling range; data capture needs the role."""
    check_str(instance_type, "instance_type", optional=True)
    check_str(endpoint_name, "endpoint_name", optional=True)
    check_int(initial_instance_count, "initial_instance_count")
    instance_type = instance_type or model.instance_type
    if serverless is not None:
        check_serverless(serverless, instance_type, autoscaled=autoscaling is not None)
    else:
        _check_hosting(instance_type, model)
    if not is_number_token(initial_instance_count) and initial_instance_count < 1:
        raise RLConfigurationError("initial_instance_count", f"must be at least 1, got {initial_instance_count}.")
    if endpoint_name is not None:
        check_endpoint_name(endpoint_name)
    if autoscaling is not None:
        check_autoscaling(autoscaling, initial_instance_count)
    if data_capture is not None and not model.has_role:
        raise RLConfigurationError(
            "data_capture",
            "SageMaker writes the capture with the model's role, which this imported model does not name: "
            "pass role= to RLModel.from_model_name() / from_model_arn().",
        )
    return EndpointOptions(
        instance_type=None if serverless is not None else instance_type,
        initial_instance_count=initial_instance_count,
        endpoint_name=endpoint_name,
        serverless=serverless,
        autoscaling=autoscaling,
        data_capture=data_capture,
    )


def _check_hosting(instance_type: str | None, model: ServedModel) -> None:
    """An endpoint on instances needs a hosting instance type whose processor is the model image's."""
    if instance_type is None:
        raise RLConfigurationError(
            "instance_type", "an endpoint needs a hosting instance type (or serverless inference)."
        )
    hosting = hosting_instance(instance_type, "instance_type")
    if model.processor is not None and hosting.processor is not model.processor:
        raise RLConfigurationError(
            "instance_type",
            f"{instance_type} is a {hosting.processor.value} instance but the model's serving image is the "
            f"{model.processor.value} one; give the model the same instance_type.",
        )
