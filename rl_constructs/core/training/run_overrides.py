"""Per-run experiment overrides: an execution switches spot training, the instance type and count and the
longest runtime, within bounds declared on the training job.

An execution started with ``{"Overrides": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 2,
"MaxRuntimeInSeconds": 7200, "EnableManagedSpotTraining": true, "MaxWaitTimeInSeconds": 10800}}`` (any
subset) changes those fields of its training job. Synth decides everything it can: each allowed instance
type is checked by ``instances.training_instance`` and mapped to its training image (cpu or gpu, as the
image rule of ``RLTrainingJob`` picks it), so the state machine only looks values up and compares them with
bounds computed here. The run-time checks are the synth rules: an integer count within 1..bound, runtime
within 1..bound (at most 28 days), spot only where allowed and with ``MaxWaitTimeInSeconds`` at least
``MaxRuntimeInSeconds`` (``request_validation``'s spot rule). A refused override fails the state with
``$error`` naming the field (``States.QueryEvaluationError``; ``RLPipeline`` reports ``RL.InvalidInput``).
Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..arguments import check_bool, check_int, check_sequence
from ..errors import RLConfigurationError
from ..instances import training_instance
from ..request_validation import MAX_RUNTIME_SECONDS, is_deploy_time
from ..toolkits import Processor

if TYPE_CHECKING:
    from .options import TrainingJobOptions

#: The execution input key of the overrides, and the fields it may hold.
INPUT_KEY = "Overrides"
FIELDS = (
    "InstanceType",
    "InstanceCount",
    "MaxRuntimeInSeconds",
    "EnableManagedSpotTraining",
    "MaxWaitTimeInSeconds",
)


@dataclass(frozen=True)
class OverrideBounds:
    """What a run may choose, and the synthesized values it gets otherwise.

    :param images: instance type -> training image (the construct's own type included).
    :param instance_type: the synthesized instance type.
    :param instance_count: the synthesized count; ``max_instance_count`` the highest a run may ask.
    :param max_run_seconds: the synthesized MaxRuntimeInSeconds; ``max_run_bound`` the longest a run may ask.
    :param spot: the synthesized EnableManagedSpotTraining; ``spot_allowed``: a run may switch spot on.
    :param max_wait_seconds: the synthesized MaxWaitTimeInSeconds (with spot); ``max_wait_bound`` the longest.
    """

    images: Mapping[str, str]
    instance_type: str
    instance_count: int
    max_instance_count: int
    max_run_seconds: int
    max_run_bound: int
    spot: bool
    spot_allowed: bool
    max_wait_seconds: int | None
    max_wait_bound: int | None

    def longest_seconds(self) -> int:
        """The longest a run's training job can take: the wait bound with spot, the runtime bound otherwise."""
        return max(self.max_run_bound, self.max_wait_bound or 0)


def resolve_run_overrides(
    *,
    instance_types: Sequence[str] = (),
    max_instance_count: int | None = None,
    max_run_seconds: int | None = None,
    allow_spot: bool = False,
    max_wait_seconds: int | None = None,
    job: TrainingJobOptions,
    training_image: Callable[[Processor], str],
) -> OverrideBounds:
    """``RunOverrides`` of the training job ``job``, checked: its durations in whole seconds, each allowed
    instance type by the rule of ``instance_type`` and mapped to its image (``training_image`` renders the
    URI of the job's image for a processor), the bounds against the synthesized values and SageMaker's limits."""
    check_sequence(instance_types, "run_overrides.instance_types", items=str, items_name="str")
    check_int(max_instance_count, "run_overrides.max_instance_count", optional=True)
    check_bool(allow_spot, "run_overrides.allow_spot")
    if job.grouped:
        raise RLConfigurationError(
            "run_overrides", "a heterogeneous cluster (instance_groups) has no one instance type."
        )
    (group,) = job.instance_groups
    if any(is_deploy_time(v) for v in (group.instance_count, job.max_runtime_in_seconds, job.max_wait_time_in_seconds)):
        raise RLConfigurationError("run_overrides", "needs instance_count, max_run and max_wait known at synth.")
    images: dict[str, str] = {}
    for index, name in enumerate([group.instance_type, *instance_types]):
        argument = "instance_type" if index == 0 else f"run_overrides.instance_types[{index - 1}]"
        processor = training_instance(name, argument).processor  # the same rule as instance_type
        if job.catalog_image is not None:
            try:
                job.catalog_image.tag(processor)  # the image must have this processor's variant, as at synth
            except RLConfigurationError as error:
                raise RLConfigurationError(argument, error.problem) from None
        images[name] = training_image(processor)
    return override_bounds(
        images=images,
        instance_type=group.instance_type,
        instance_count=group.instance_count,
        max_instance_count=max_instance_count,
        max_run_seconds=job.max_runtime_in_seconds,
        max_run_bound=max_run_seconds,
        spot=job.use_spot_instances,
        allow_spot=allow_spot,
        max_wait_seconds=job.max_wait_time_in_seconds,
        max_wait_bound=max_wait_seconds,
    )


def override_bounds(
    *,
    images: Mapping[str, str],
    instance_type: str,
    instance_count: int,
    max_instance_count: int | None,
    max_run_seconds: int,
    max_run_bound: int | None,
    spot: bool,
    allow_spot: bool,
    max_wait_seconds: int | None,
    max_wait_bound: int | None,
) -> OverrideBounds:
    """Check the declared bounds against the synthesized values and SageMaker's limits."""
    count_bound = instance_count if max_instance_count is None else max_instance_count
    if isinstance(count_bound, bool) or not isinstance(count_bound, int):
        raise TypeError(f"run_overrides.max_instance_count: expected an int, got {type(count_bound).__name__}.")
    if count_bound < instance_count:
        raise RLConfigurationError(
            "run_overrides.max_instance_count", f"{count_bound} is below instance_count ({instance_count})."
        )
    run_bound = max_run_seconds if max_run_bound is None else max_run_bound
    if not max_run_seconds <= run_bound <= MAX_RUNTIME_SECONDS:
        raise RLConfigurationError(
            "run_overrides.max_run", f"must be from max_run ({max_run_seconds} s) to 28 days, got {run_bound} s."
        )
    spot_allowed = spot or allow_spot
    wait_bound = max_wait_bound if max_wait_bound is not None else max_wait_seconds
    if spot_allowed:
        if wait_bound is None:
            raise RLConfigurationError(
                "run_overrides.max_wait", "a run that switches spot training on needs a bound on MaxWaitTimeInSeconds."
            )
        if max_wait_seconds is not None and wait_bound < max_wait_seconds:
            raise RLConfigurationError("run_overrides.max_wait", f"is below max_wait ({max_wait_seconds} s).")
        if wait_bound < run_bound:
            raise RLConfigurationError(
                "run_overrides.max_wait",
                f"{wait_bound} s is below the runtime bound ({run_bound} s): spot training needs MaxWait >= "
                "MaxRuntime.",
            )
    elif max_wait_bound is not None:
        raise RLConfigurationError("run_overrides.max_wait", "only applies when spot training is allowed (allow_spot).")
    return OverrideBounds(
        images=dict(images),
        instance_type=instance_type,
        instance_count=instance_count,
        max_instance_count=count_bound,
        max_run_seconds=max_run_seconds,
        max_run_bound=run_bound,
        spot=spot,
        spot_allowed=spot_allowed,
        max_wait_seconds=max_wait_seconds,
        max_wait_bound=wait_bound if spot_allowed else None,
    )


def _integer(field: str, default: int, bound: int) -> str:
    given = f"$o.{field}"
    return (
        f"($exists({given}) ? (($type({given}) = 'number' and {given} = $floor({given}) and {given} >= 1 and "
        f"{given} <= {bound}) ? {given} : $error('{INPUT_KEY}.{field} must be an integer from 1 to {bound}')) "
        f": {default})"
    )


def settings_expression(bounds: OverrideBounds) -> str:
    """JSONata binding ``$ov`` to this run's ``{type, image, count, maxRun, spot, maxWait}``; a bad override
    raises ``$error`` naming the field and the allowed values."""
    types = sorted(bounds.images)
    allowed_keys = json.dumps(list(FIELDS))
    spot_default = "true" if bounds.spot else "false"
    wait_default = (
        str(bounds.max_wait_seconds)
        if bounds.max_wait_seconds is not None
        else f"$error('{INPUT_KEY}.MaxWaitTimeInSeconds is required to switch spot training on')"
    )
    spot = (
        "($exists($o.EnableManagedSpotTraining) ? ($type($o.EnableManagedSpotTraining) = 'boolean' ? "
        + (
            "$o.EnableManagedSpotTraining"
            if bounds.spot_allowed
            else f"($o.EnableManagedSpotTraining ? $error('{INPUT_KEY}.EnableManagedSpotTraining: spot training is "
            "not allowed for this job (run_overrides.allow_spot)') : false)"
        )
        + f" : $error('{INPUT_KEY}.EnableManagedSpotTraining must be true or false')) : {spot_default})"
    )
    wait = (
        "($spot ? ($exists($o.MaxWaitTimeInSeconds) ? "
        + (_integer("MaxWaitTimeInSeconds", 0, bounds.max_wait_bound) if bounds.max_wait_bound is not None else "0")
        + f" : {wait_default}) : ($exists($o.MaxWaitTimeInSeconds) ? "
        f"$error('{INPUT_KEY}.MaxWaitTimeInSeconds only applies with spot training') : 0))"
    )
    return (
        f"$o := $exists($states.input.{INPUT_KEY}) ? $states.input.{INPUT_KEY} : {{}}; "
        f"$type($o) = 'object' ? true : $error('{INPUT_KEY} must be an object of {', '.join(FIELDS)}'); "
        f"$unknown := $filter($keys($o), function($k) {{ $not($k in {allowed_keys}) }}); "
        f"$count($unknown) > 0 ? $error('{INPUT_KEY} may set only {', '.join(FIELDS)}, not: ' & "
        "$join($unknown, ', ')) : true; "
        f"$images := {json.dumps(dict(bounds.images), separators=(',', ':'))}; "
        f"$itype := $exists($o.InstanceType) ? ($o.InstanceType in {json.dumps(types)} ? $o.InstanceType : "
        f"$error('{INPUT_KEY}.InstanceType must be one of: {', '.join(types)}')) : '{bounds.instance_type}'; "
        f"$n := {_integer('InstanceCount', bounds.instance_count, bounds.max_instance_count)}; "
        f"$maxRun := {_integer('MaxRuntimeInSeconds', bounds.max_run_seconds, bounds.max_run_bound)}; "
        f"$spot := {spot}; "
        f"$maxWait := {wait}; "
        f"($spot and $maxWait < $maxRun) ? $error('{INPUT_KEY}.MaxWaitTimeInSeconds must be at least "
        "MaxRuntimeInSeconds for spot training') : true; "
        "$ov := {'type': $itype, 'image': $lookup($images, $itype), 'count': $n, 'maxRun': $maxRun, "
        "'spot': $spot, 'maxWait': $maxWait}"
    )


def overridden(request: Mapping[str, Any], bounds: OverrideBounds) -> dict[str, Any]:
    """``request`` (CreateTrainingJob) with the image, instances, stopping condition and spot flag computed per
    run: each field is one JSONata expression over :func:`settings_expression`."""

    def field(expression: str) -> str:
        return "{% (" + settings_expression(bounds) + "; " + expression + ") %}"

    result = dict(request)
    result["AlgorithmSpecification"] = {**request["AlgorithmSpecification"], "TrainingImage": field("$ov.image")}
    resources = request["ResourceConfig"]
    literal = {key: value for key, value in resources.items() if key not in ("InstanceType", "InstanceCount")}
    if any(isinstance(value, float) and is_deploy_time(value) for value in literal.values()):  # a number token
        raise RLConfigurationError("run_overrides", "needs volume_size known at synth (not a token).")
    result["ResourceConfig"] = field(
        f"$merge([{json.dumps(literal, separators=(',', ':'))}, "
        "{'InstanceType': $ov.type, 'InstanceCount': $ov.count}])"
    )
    result["StoppingCondition"] = field(
        "$ov.spot ? {'MaxRuntimeInSeconds': $ov.maxRun, 'MaxWaitTimeInSeconds': $ov.maxWait} : "
        "{'MaxRuntimeInSeconds': $ov.maxRun}"
    )
    result["EnableManagedSpotTraining"] = field("$ov.spot")
    return result
