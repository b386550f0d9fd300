"""Per-run experiment overrides of an RLTrainingJob: spot, instance type and count, max_run, within bounds.

Neither the SDK nor SageMaker Pipelines lets one pipeline definition switch spot training per run. Declare
``RLTrainingJob(..., run_overrides=RunOverrides(instance_types=["ml.p3.2xlarge"], max_instance_count=4,
max_run=Duration.hours(12), allow_spot=True, max_wait=Duration.hours(24)))`` and start an execution with
``{"Overrides": {"InstanceType": "ml.p3.2xlarge", "EnableManagedSpotTraining": true,
"MaxWaitTimeInSeconds": 43200}}``. Each allowed instance type is checked at synth with the same rule as
``instance_type`` and mapped to its image (the gpu image for a GPU type), and the state machine checks the
run's values against the declared bounds (``core.training.run_overrides``, which checks them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration, Stack

from ._arguments import whole_seconds
from .core.toolkits import Processor
from .core.training.run_overrides import OverrideBounds, overridden, resolve_run_overrides
from .image_uris import resolve_image

if TYPE_CHECKING:
    from .core.training.options import TrainingJobOptions


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
    stack: Stack, overrides: RunOverrides, request: dict[str, Any], *, job: TrainingJobOptions, image_uri: str
) -> tuple[dict[str, Any], OverrideBounds]:
    """``request`` with the overridable fields computed per run, and the bounds they are checked against
    (``core.training.run_overrides``). Each allowed type gets the job's catalog image for its processor, or
    ``image_uri`` (a custom image) for every type."""
    if not isinstance(overrides, RunOverrides):
        raise TypeError(f"run_overrides: expected a RunOverrides, got {type(overrides).__name__}.")
    catalog_image = job.catalog_image

    def training_image(processor: Processor) -> str:
        if catalog_image is None:
            return image_uri
        return resolve_image(stack, catalog_image, processor).image_uri

    bounds = resolve_run_overrides(
        instance_types=overrides.instance_types,
        max_instance_count=overrides.max_instance_count,
        max_run_seconds=whole_seconds(overrides.max_run, "run_overrides.max_run"),
        allow_spot=overrides.allow_spot,
        max_wait_seconds=whole_seconds(overrides.max_wait, "run_overrides.max_wait"),
        job=job,
        training_image=training_image,
    )
    return overridden(request, bounds), bounds
