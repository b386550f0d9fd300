"""The options of ``HyperparameterTuner(RLEstimator(...), ...)``: ranges, strategy, objective, limits, names.

:func:`resolve_tuning_job` checks an ``RLTuningJob``'s arguments against SageMaker's rules (names as
``HyperparameterTuner``'s) and returns a frozen :class:`TuningJobOptions`; ``tuning_request`` renders the
CreateHyperParameterTuningJob request from it and ``tuning_jsonata`` names each execution's tuning job.
Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .. import execution_input
from ..arguments import check_mapping, check_str
from ..aws import is_valid_name
from ..errors import RLConfigurationError
from ..toolkits import RLToolkit
from .metrics import DEFAULT_METRIC_DEFINITIONS
from .tuning_ranges import (
    CategoricalParameter,
    ContinuousParameter,
    IntegerParameter,
    ParameterRange,
    ScalingType,
    api_enum,
    check_number,
    check_range,
)

__all__ = [
    "CategoricalParameter",
    "ContinuousParameter",
    "EarlyStoppingType",
    "IntegerParameter",
    "ObjectiveType",
    "ParameterRange",
    "ScalingType",
    "TuningJobOptions",
    "TuningSpec",
    "TuningStrategy",
    "WarmStartConfig",
    "WarmStartType",
    "api_enum",
    "check_range",
    "resolve_tuning_job",
]

#: SageMaker's HyperParameterTuningJobName: at most 32 characters (botocore's model).
TUNING_JOB_NAME_MAX = 32
#: The SDK's ``name_from_base(base, max_length=32, short=True)`` keeps ``base[:20]``: room for "-" and its
#: 11-character short timestamp; here the same room holds the per-execution suffix.
BASE_TUNING_JOB_NAME_MAX = TUNING_JOB_NAME_MAX - 1 - 11
#: botocore: at most 30 ranges of each kind.
MAX_RANGES_PER_KIND = 30


class TuningStrategy(StrEnum):
    """The search strategy (``HyperParameterTuningJobStrategyType``)."""

    BAYESIAN = "Bayesian"
    RANDOM = "Random"
    HYPERBAND = "Hyperband"
    GRID = "Grid"


class ObjectiveType(StrEnum):
    """Whether the objective metric is maximized or minimized."""

    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"


class EarlyStoppingType(StrEnum):
    """``TrainingJobEarlyStoppingType``: Auto lets SageMaker stop jobs unlikely to beat the best so far."""

    OFF = "Off"
    AUTO = "Auto"


class WarmStartType(StrEnum):
    """``HyperParameterTuningJobWarmStartType``."""

    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    TRANSFER_LEARNING = "TransferLearning"


@dataclass(frozen=True)
class WarmStartConfig:
    """Start from the results of up to 5 earlier tuning jobs (the SDK's ``sagemaker.tuner.WarmStartConfig``)."""

    warm_start_type: WarmStartType | str
    parents: Sequence[str]


@dataclass(frozen=True)
class TuningSpec:
    """The tuning half of the request, as validated by :func:`tuning_spec`."""

    ranges: Mapping[str, ParameterRange]
    objective_metric_name: str
    objective_type: ObjectiveType
    strategy: TuningStrategy
    max_jobs: int | None
    max_parallel_jobs: int
    early_stopping_type: EarlyStoppingType
    max_runtime_seconds: int | None = None
    warm_start: WarmStartConfig | None = None
    hyperband_min_resource: int | None = None
    hyperband_max_resource: int | None = None
    random_seed: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def longest_seconds(self, training_seconds: int) -> int:
        """The longest the tuning job can run: ``max_runtime``, else its training jobs (each at most
        ``training_seconds``) in waves of ``max_parallel_jobs`` (a Grid counts its combinations)."""
        if self.max_runtime_seconds is not None:
            return self.max_runtime_seconds
        jobs = self.max_jobs
        if jobs is None:  # Grid: one job per combination of the categorical values
            jobs = math.prod(len(r.values) for r in self.ranges.values() if isinstance(r, CategoricalParameter))
        waves = -(-jobs // self.max_parallel_jobs)
        return waves * training_seconds


@dataclass(frozen=True)
class TuningJobOptions:
    """An ``RLTuningJob``'s arguments, checked, with every default applied (see :func:`resolve_tuning_job`)."""

    #: The tuning half of the request.
    spec: TuningSpec
    #: The family prefix of the tuning jobs: ``<base_tuning_job_name>-<execution>``.
    base_tuning_job_name: str


def resolve_tuning_job(
    *,
    hyperparameter_ranges: Mapping[str, ParameterRange],
    metric_names: Sequence[str],
    toolkit: RLToolkit | None = None,
    objective_metric_name: str | None = None,
    objective_type: ObjectiveType | str = ObjectiveType.MAXIMIZE,
    strategy: TuningStrategy | str = TuningStrategy.BAYESIAN,
    max_jobs: int | None = None,
    max_parallel_jobs: int = 1,
    early_stopping_type: EarlyStoppingType | str = EarlyStoppingType.OFF,
    max_runtime_seconds: int | None = None,
    warm_start_config: WarmStartConfig | None = None,
    hyperband_min_resource: int | None = None,
    hyperband_max_resource: int | None = None,
    random_seed: int | None = None,
    base_tuning_job_name: str | None = None,
    name_parts: Sequence[str] = (),
    tags: Mapping[str, str] | None = None,
) -> TuningJobOptions:
    """``RLTuningJob``'s arguments as plain values, checked against SageMaker's rules: ``metric_names`` and
    ``toolkit`` are the tuned training job's (the objective defaults to the toolkit's first reward metric
    when the job defines it), ``max_runtime_seconds`` is ``max_runtime`` in whole seconds, and ``name_parts``
    (stack and construct names) make the default ``base_tuning_job_name``."""
    check_str(objective_metric_name, "objective_metric_name", optional=True)
    check_mapping(tags, "tags", values=str, values_name="str")
    defaults = DEFAULT_METRIC_DEFINITIONS.get(toolkit, ()) if toolkit else ()
    default_objective = defaults[0]["Name"] if defaults and defaults[0]["Name"] in metric_names else None
    spec = tuning_spec(
        hyperparameter_ranges=hyperparameter_ranges,
        metric_names=metric_names,
        objective_metric_name=objective_metric_name,
        default_objective=default_objective,
        objective_type=objective_type,
        strategy=strategy,
        max_jobs=max_jobs,
        max_parallel_jobs=max_parallel_jobs,
        early_stopping_type=early_stopping_type,
        max_runtime_seconds=max_runtime_seconds,
        warm_start_config=warm_start_config,
        hyperband_min_resource=hyperband_min_resource,
        hyperband_max_resource=hyperband_max_resource,
        random_seed=random_seed,
        tags=tags,
    )
    base = (
        validate_base_tuning_job_name(base_tuning_job_name)
        if base_tuning_job_name is not None
        else default_base_tuning_job_name(*name_parts)
    )
    return TuningJobOptions(spec=spec, base_tuning_job_name=base)


def tuning_spec(
    *,
    hyperparameter_ranges: Mapping[str, ParameterRange],
    metric_names: Sequence[str],
    objective_metric_name: str | None,
    default_objective: str | None,
    objective_type: ObjectiveType | str,
    strategy: TuningStrategy | str,
    max_jobs: int | None,
    max_parallel_jobs: int,
    early_stopping_type: EarlyStoppingType | str,
    max_runtime_seconds: int | None = None,
    warm_start_config: WarmStartConfig | None = None,
    hyperband_min_resource: int | None = None,
    hyperband_max_resource: int | None = None,
    random_seed: int | None = None,
    tags: Mapping[str, str] | None = None,
) -> TuningSpec:
    """Validate the tuner's arguments (names as ``HyperparameterTuner``'s) against SageMaker's rules."""
    ranges = _ranges(hyperparameter_ranges)
    strategy_ = api_enum(TuningStrategy, strategy, "strategy")
    objective_type_ = api_enum(ObjectiveType, objective_type, "objective_type")
    early = api_enum(EarlyStoppingType, early_stopping_type, "early_stopping_type")
    objective = _objective(objective_metric_name, default_objective, metric_names)
    max_jobs = _job_limits(strategy_, ranges, max_jobs, max_parallel_jobs, max_runtime_seconds)
    _check_hyperband(strategy_, early, hyperband_min_resource, hyperband_max_resource)
    warm = _warm_start(warm_start_config)
    if random_seed is not None:
        check_number(random_seed, "random_seed", int)
    return TuningSpec(
        ranges=ranges,
        objective_metric_name=objective,
        objective_type=objective_type_,
        strategy=strategy_,
        max_jobs=max_jobs,
        max_parallel_jobs=max_parallel_jobs,
        early_stopping_type=early,
        max_runtime_seconds=max_runtime_seconds,
        warm_start=warm,
        hyperband_min_resource=hyperband_min_resource,
        hyperband_max_resource=hyperband_max_resource,
        random_seed=random_seed,
        tags=dict(tags or {}),
    )


def _ranges(hyperparameter_ranges: Mapping[str, ParameterRange]) -> dict[str, ParameterRange]:
    """At least one range, each checked, at most 30 of a kind."""
    if not isinstance(hyperparameter_ranges, Mapping):
        raise TypeError(f"hyperparameter_ranges: expected a mapping, got {type(hyperparameter_ranges).__name__}.")
    if not hyperparameter_ranges:
        raise RLConfigurationError("hyperparameter_ranges", "give at least one range to tune.")
    ranges = {name: check_range(name, spec) for name, spec in hyperparameter_ranges.items()}
    for kind in (ContinuousParameter, IntegerParameter, CategoricalParameter):
        count = sum(isinstance(spec, kind) for spec in ranges.values())
        if count > MAX_RANGES_PER_KIND:
            raise RLConfigurationError(
                "hyperparameter_ranges", f"SageMaker takes at most 30 ranges of a kind, got {count} {kind.__name__}."
            )
    return ranges


def _objective(given: str | None, default: str | None, metric_names: Sequence[str]) -> str:
    """The objective metric: given, else the toolkit's default; one of the training job's definitions."""
    objective = given if given is not None else default
    if objective is None:
        raise RLConfigurationError(
            "objective_metric_name",
            "required: the training job has no default reward metric.",
            allowed=list(metric_names),
        )
    if objective not in metric_names:
        raise RLConfigurationError(
            "objective_metric_name",
            f"{objective!r} is not a metric definition of the training job.",
            allowed=list(metric_names),
        )
    return objective


def _job_limits(
    strategy: TuningStrategy,
    ranges: Mapping[str, ParameterRange],
    max_jobs: int | None,
    max_parallel_jobs: int,
    max_runtime_seconds: int | None,
) -> int | None:
    """``MaxNumberOfTrainingJobs`` (the SDK's 1, none with Grid: SageMaker counts the grid), checked with the
    parallel jobs and the runtime."""
    if strategy is TuningStrategy.GRID:
        numeric = [name for name, spec in ranges.items() if not isinstance(spec, CategoricalParameter)]
        if numeric:
            raise RLConfigurationError(
                "hyperparameter_ranges", f"the Grid strategy takes categorical ranges only, not {', '.join(numeric)}."
            )
    elif max_jobs is None:
        max_jobs = 1  # the SDK's default for every strategy but Grid
    if max_jobs is not None:
        check_number(max_jobs, "max_jobs", int)
        if max_jobs < 1:
            raise RLConfigurationError("max_jobs", f"must be at least 1, got {max_jobs}.")
    check_number(max_parallel_jobs, "max_parallel_jobs", int)
    if max_parallel_jobs < 1:
        raise RLConfigurationError("max_parallel_jobs", f"must be at least 1, got {max_parallel_jobs}.")
    if max_jobs is not None and max_parallel_jobs > max_jobs:
        raise RLConfigurationError(
            "max_parallel_jobs", f"{max_parallel_jobs} is more than max_jobs ({max_jobs}): at most max_jobs run."
        )
    if max_runtime_seconds is not None and not 120 <= max_runtime_seconds <= 15_768_000:
        raise RLConfigurationError("max_runtime", f"must be 120 seconds to 182.5 days, got {max_runtime_seconds} s.")
    return max_jobs


def _check_hyperband(
    strategy: TuningStrategy, early: EarlyStoppingType, min_resource: int | None, max_resource: int | None
) -> None:
    """Hyperband's resources apply to Hyperband only, 1 or more, in order; Hyperband takes early stopping Off."""
    if (min_resource is not None or max_resource is not None) and strategy is not TuningStrategy.HYPERBAND:
        raise RLConfigurationError("hyperband_min_resource", "applies to the Hyperband strategy only.")
    for argument, value in (("hyperband_min_resource", min_resource), ("hyperband_max_resource", max_resource)):
        if value is not None:
            check_number(value, argument, int)
            if value < 1:
                raise RLConfigurationError(argument, f"must be at least 1, got {value}.")
    if min_resource is not None and max_resource is not None and min_resource > max_resource:
        raise RLConfigurationError("hyperband_min_resource", "must not exceed hyperband_max_resource.")
    if strategy is TuningStrategy.HYPERBAND and early is not EarlyStoppingType.OFF:
        raise RLConfigurationError(
            "early_stopping_type",
            "Hyperband stops jobs itself: SageMaker takes early stopping Off with it.",
            allowed=["Off"],
        )


def _warm_start(config: WarmStartConfig | None) -> WarmStartConfig | None:
    """The warm start, its type checked and 1 to 5 parents."""
    if config is None:
        return None
    if not isinstance(config, WarmStartConfig):
        raise TypeError(f"warm_start_config: expected a WarmStartConfig, got {type(config).__name__}.")
    warm_type = api_enum(WarmStartType, config.warm_start_type, "warm_start_config.warm_start_type")
    parents = list(config.parents)
    if not 1 <= len(parents) <= 5:
        raise RLConfigurationError("warm_start_config.parents", f"SageMaker takes 1 to 5, got {len(parents)}.")
    return WarmStartConfig(warm_type, parents)


# --- names ---------------------------------------------------------------------------------------------------


def validate_base_tuning_job_name(name: str) -> str:
    """A tuning-job family prefix, at most 20 characters (the SDK's ``name_from_base`` keeps ``base[:20]``)."""
    if not isinstance(name, str):
        raise TypeError(f"base_tuning_job_name: expected a str, got {type(name).__name__}.")
    if not is_valid_name(name, max_length=BASE_TUNING_JOB_NAME_MAX):
        raise RLConfigurationError(
            "base_tuning_job_name",
            f"{name!r}: 1 to {BASE_TUNING_JOB_NAME_MAX} letters, digits and hyphens (a tuning job name has at most "
            f"{TUNING_JOB_NAME_MAX} characters, and each execution adds a suffix).",
        )
    return name


def default_base_tuning_job_name(*parts: str) -> str:
    """A distinct, valid family prefix from construct names, at most 20 characters."""
    return execution_input.default_base_job_name(*parts, max_length=BASE_TUNING_JOB_NAME_MAX)
