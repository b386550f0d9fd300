"""Per-run experiment overrides of an RLTrainingJob: spot, instance type and count, max_run, within bounds.

Neither the SDK nor SageMaker Pipelines lets one pipeline definition switch spot training per run. Declare
``RLTrainingJob(..., run_overrides=RunOverrides(instance_types=["ml.p3.2xlarge"], max_instance_count=4,
max_run=Duration.hours(12), allow_spot=True, max_wait=Duration.hours(24)))`` and start an execution with
``{"Overrides": {"InstanceType": "ml.p3.2xlarge", "EnableManagedSpotTraining": true,
"MaxWaitTimeInSeconds": 43200}}``. Each allowed instance type is checked at synth with the same rule as
``instance_type`` and mapped to its image (the gpu image for a GPU type), and the state machine checks the
run's values against the declared bounds (``domain.run_overrides``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, Stack

from ._arguments import whole_seconds
from .core.arguments import check_bool, check_int, check_sequence
from .core.errors import RLConfigurationError
from .core.images import training_image
from .core.instances import training_instance
from .core.request_validation import is_deploy_time
from .core.toolkits import RLFramework, RLToolkit
from .core.training.run_overrides import OverrideBounds, overridden, override_bounds
from .image_uris import resolve_image


@dataclass(frozen=True)
class RunOverrides:
    """What an execution of the training job may change (``Overrides`` in the execution input).

    :param instance_types: further instance types a run may choose (the job's ``instance_type`` always).
        Default: none.
    :param max_instance_count: the most instances a run may ask. Default: the job's ``instance_count``.
    :param max_run: the longest ``MaxRuntimeInSeconds`` a run may ask, at most 28 days. Default: the job's.
    :param allow_spot: a run may switch managed spot training on (a spot job may always switch it off).
        Default: False.
    :param max_wait: the longest ``MaxWaitTimeInSeconds`` a spot run may ask (at least the runtime bound).
        Default: the job's ``max_wait``.
    """

    instance_types: Sequence[str] = ()
    max_instance_count: int | None = None
    max_run: Duration | None = None
    allow_spot: bool = False
    max_wait: Duration | None = None


def apply_run_overrides(
    stack: Stack,
    overrides: RunOverrides,
    request: dict[str, Any],
    *,
    catalog: tuple[RLToolkit | None, str | None, RLFramework | None] | None,
    image_uri: str,
    grouped: bool,
    max_run_seconds: int,
    max_wait_seconds: int | None,
) -> tuple[dict[str, Any], OverrideBounds]:
    """``request`` with the overridable fields computed per run, and the bounds they are checked against.
    ``catalog`` (toolkit, version, framework) picks each type's catalog image; None: ``image_uri`` serves all."""
    if not isinstance(overrides, RunOverrides):
        raise TypeError(f"run_overrides: expected a RunOverrides, got {type(overrides).__name__}.")
    check_sequence(overrides.instance_types, "run_overrides.instance_types", items=str, items_name="str")
    check_int(overrides.max_instance_count, "run_overrides.max_instance_count", optional=True)
    check_bool(overrides.allow_spot, "run_overrides.allow_spot")
    if grouped:
        raise RLConfigurationError(
            "run_overrides", "a heterogeneous cluster (instance_groups) has no one instance type."
        )
    resources = request["ResourceConfig"]
    stopping = request["StoppingCondition"]
    if any(is_deploy_time(v) for v in (resources["InstanceCount"], stopping["MaxRuntimeInSeconds"], max_wait_seconds)):
        raise RLConfigurationError("run_overrides", "needs instance_count, max_run and max_wait known at synth.")
    own = resources["InstanceType"]
    images: dict[str, str] = {}
    for index, name in enumerate([own, *overrides.instance_types]):
        argument = "instance_type" if index == 0 else f"run_overrides.instance_types[{index - 1}]"
        processor = training_instance(name, argument).processor  # the same rule as instance_type
        if catalog is None:
            images[name] = image_uri
            continue
        family = training_image(*catalog).image
        try:
            family.tag(processor)  # the image must have this processor's variant, as at synth
        except RLConfigurationError as error:
            raise RLConfigurationError(argument, error.problem) from None
        images[name] = resolve_image(stack, family, processor).image_uri
    bounds = override_bounds(
        images=images,
        instance_type=own,
        instance_count=resources["InstanceCount"],
        max_instance_count=overrides.max_instance_count,
        max_run_seconds=max_run_seconds,
        max_run_bound=whole_seconds(overrides.max_run, "run_overrides.max_run"),
        spot=request.get("EnableManagedSpotTraining") is True,
        allow_spot=overrides.allow_spot,
        max_wait_seconds=max_wait_seconds,
        max_wait_bound=whole_seconds(overrides.max_wait, "run_overrides.max_wait"),
    )
    return overridden(request, bounds), bounds
