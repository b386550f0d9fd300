"""What ``HyperparameterTuner(RLEstimator(...), ...).fit()`` sends, as data: CreateHyperParameterTuningJob.

The request is built from an RLTrainingJob's CreateTrainingJob request (its definition) the way the SDK's
tuner builds it from an estimator: the training fields move into ``TrainingJobDefinition`` (instances in
``HyperParameterTuningResourceConfig``, no Debugger/profiler/tags, which the definition does not take), the
hyperparameters become ``StaticHyperParameters`` without the tuned names and with the SDK's
``sagemaker_estimator_class_name``/``sagemaker_estimator_module`` (``tests/fixtures/sdk/tuning/`` holds the
SDK's own requests). Ranges are encoded as the SDK encodes them for a framework estimator: continuous and
integer bounds as ``str(value)``, categorical values JSON-encoded. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from .. import execution_input
from ..errors import RLConfigurationError
from .hyperparameters import MAX_ENTRIES, RESERVED_PREFIX, encode_value

#: SageMaker's HyperParameterTuningJobName: at most 32 characters (botocore's model).
TUNING_JOB_NAME_MAX = 32
#: The SDK's ``name_from_base(base, max_length=32, short=True)`` keeps ``base[:20]``: room for "-" and its
#: 11-character short timestamp; here the same room holds the per-execution suffix.
BASE_TUNING_JOB_NAME_MAX = TUNING_JOB_NAME_MAX - 1 - 11
#: botocore's HyperParameterTuningJobName pattern (letters, digits, single-or-more hyphens inside).
_TUNING_NAME = r"[a-zA-Z0-9](-*[a-zA-Z0-9])*"
#: Input key an execution may set to name its tuning job (it must keep the ``<base>-`` prefix).
INPUT_TUNING_JOB_NAME = "HyperParameterTuningJobName"
#: Key the tuning task adds to the state: the tuning job and its best training job.
OUTPUT_KEY = "TuningJob"
#: The keys the SDK's tuner adds for a framework estimator (``HyperparameterTuner.SAGEMAKER_ESTIMATOR_*``).
ESTIMATOR_CLASS_NAME = "sagemaker_estimator_class_name"
ESTIMATOR_MODULE = "sagemaker_estimator_module"
_CLASS_METADATA = {
    ESTIMATOR_CLASS_NAME: encode_value("RLEstimator"),
    ESTIMATOR_MODULE: encode_value("sagemaker.rl.estimator"),
}
#: botocore: at most 30 ranges of each kind and 30 values per categorical range; values at most 256.
MAX_RANGES_PER_KIND = 30
MAX_CATEGORICAL_VALUES = 30
MAX_PARAMETER_VALUE = 256
#: Fields of CreateTrainingJob that a TrainingJobDefinition takes as they are.
_DEFINITION_FIELDS = (
    "RoleArn",
    "InputDataConfig",
    "VpcConfig",
    "OutputDataConfig",
    "StoppingCondition",
    "EnableNetworkIsolation",
    "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining",
    "CheckpointConfig",
    "RetryStrategy",
    "Environment",
)


class ScalingType(StrEnum):
    """How a numeric range is searched (``HyperParameterScalingType``)."""

    AUTO = "Auto"
    LINEAR = "Linear"
    LOGARITHMIC = "Logarithmic"
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


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
class ContinuousParameter:
    """A range of real values (the SDK's ``sagemaker.parameter.ContinuousParameter``)."""

    min_value: float
    max_value: float
    scaling_type: ScalingType | str = ScalingType.AUTO


@dataclass(frozen=True)
class IntegerParameter:
    """A range of integers (the SDK's ``sagemaker.parameter.IntegerParameter``)."""

    min_value: int
    max_value: int
    scaling_type: ScalingType | str = ScalingType.AUTO


@dataclass(frozen=True)
class CategoricalParameter:
    """A set of values, each JSON-encoded like the SDK encodes it for a framework estimator."""

    values: Sequence[Any]


ParameterRange = ContinuousParameter | IntegerParameter | CategoricalParameter


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


E = TypeVar("E", bound=StrEnum)


def api_enum(enum_type: type[E], value: E | str, argument: str) -> E:
    """A member of an API enum, from the member or its value in any case ("bayesian" is Bayesian)."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        for member in enum_type:
            if member.value.lower() == value.lower():
                return member
    raise RLConfigurationError(
        argument, f"{value!r} is not a {enum_type.__name__}.", allowed=[member.value for member in enum_type]
    )


def _number(value: object, argument: str, kind: type) -> None:
    if isinstance(value, bool) or not isinstance(value, kind if kind is int else (int, float)):
        expected = "int" if kind is int else "int or float"
        raise TypeError(f"{argument}: expected an {expected}, got {type(value).__name__}.")


def check_range(name: str, spec: object) -> ParameterRange:
    """One range, checked: bounds in order, scaling the kind allows (the API reference: logarithmic needs
    values > 0; reverse logarithmic only continuous values within 0 <= x < 1), categorical values 1-30."""
    argument = f"hyperparameter_ranges[{name!r}]"
    if not isinstance(name, str) or not name:
        raise RLConfigurationError("hyperparameter_ranges", f"names are non-empty strings, got {name!r}.")
    if name.startswith(RESERVED_PREFIX):
        raise RLConfigurationError(argument, f"names starting with {RESERVED_PREFIX!r} are set by the job itself.")
    if len(name) > 256:
        raise RLConfigurationError(argument, "the name is longer than 256 characters.")
    if isinstance(spec, CategoricalParameter):
        values = spec.values
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise TypeError(f"{argument}.values: expected a list, got {type(values).__name__}.")
        if not 1 <= len(values) <= MAX_CATEGORICAL_VALUES:
            raise RLConfigurationError(f"{argument}.values", f"SageMaker takes 1 to 30 values, got {len(values)}.")
        for value in values:
            try:
                text = encode_value(value)
            except (TypeError, ValueError) as error:
                raise RLConfigurationError(
                    f"{argument}.values", f"{value!r} is not JSON-serializable: {error}."
                ) from None
            if len(text) > MAX_PARAMETER_VALUE:
                raise RLConfigurationError(
                    f"{argument}.values", f"{text[:40]}... is longer than 256 characters encoded."
                )
        return spec
    if not isinstance(spec, ContinuousParameter | IntegerParameter):
        raise TypeError(
            f"{argument}: expected a ContinuousParameter, IntegerParameter or CategoricalParameter, "
            f"got {type(spec).__name__}."
        )
    kind = int if isinstance(spec, IntegerParameter) else float
    _number(spec.min_value, f"{argument}.min_value", kind)
    _number(spec.max_value, f"{argument}.max_value", kind)
    scaling = api_enum(ScalingType, spec.scaling_type, f"{argument}.scaling_type")
    if spec.min_value > spec.max_value:
        raise RLConfigurationError(argument, f"min_value {spec.min_value} is greater than max_value {spec.max_value}.")
    if scaling is ScalingType.LOGARITHMIC and spec.min_value <= 0:
        raise RLConfigurationError(
            f"{argument}.scaling_type", "Logarithmic scaling needs values greater than 0 (min_value > 0)."
        )
    if scaling is ScalingType.REVERSE_LOGARITHMIC:
        if kind is int:
            raise RLConfigurationError(
                f"{argument}.scaling_type",
                "ReverseLogarithmic applies to continuous ranges only.",
                allowed=["Auto", "Linear", "Logarithmic"],
            )
        if spec.max_value >= 1 or spec.min_value < 0:
            raise RLConfigurationError(
                f"{argument}.scaling_type", "ReverseLogarithmic needs a range within 0 <= x < 1."
            )
    return spec


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
    strategy_ = api_enum(TuningStrategy, strategy, "strategy")
    objective_type_ = api_enum(ObjectiveType, objective_type, "objective_type")
    early = api_enum(EarlyStoppingType, early_stopping_type, "early_stopping_type")
    objective = objective_metric_name if objective_metric_name is not None else default_objective
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
    if strategy_ is TuningStrategy.GRID:
        numeric = [name for name, spec in ranges.items() if not isinstance(spec, CategoricalParameter)]
        if numeric:
            raise RLConfigurationError(
                "hyperparameter_ranges", f"the Grid strategy takes categorical ranges only, not {', '.join(numeric)}."
            )
    elif max_jobs is None:
        max_jobs = 1  # the SDK's default for every strategy but Grid
    if max_jobs is not None:
        _number(max_jobs, "max_jobs", int)
        if max_jobs < 1:
            raise RLConfigurationError("max_jobs", f"must be at least 1, got {max_jobs}.")
    _number(max_parallel_jobs, "max_parallel_jobs", int)
    if max_parallel_jobs < 1:
        raise RLConfigurationError("max_parallel_jobs", f"must be at least 1, got {max_parallel_jobs}.")
    if max_jobs is not None and max_parallel_jobs > max_jobs:
        raise RLConfigurationError(
            "max_parallel_jobs", f"{max_parallel_jobs} is more than max_jobs ({max_jobs}): at most max_jobs run."
        )
    if max_runtime_seconds is not None and not 120 <= max_runtime_seconds <= 15_768_000:
        raise RLConfigurationError("max_runtime", f"must be 120 seconds to 182.5 days, got {max_runtime_seconds} s.")
    hyperband = hyperband_min_resource is not None or hyperband_max_resource is not None
    if hyperband and strategy_ is not TuningStrategy.HYPERBAND:
        raise RLConfigurationError("hyperband_min_resource", "applies to the Hyperband strategy only.")
    for argument, value in (
        ("hyperband_min_resource", hyperband_min_resource),
        ("hyperband_max_resource", hyperband_max_resource),
    ):
        if value is not None:
            _number(value, argument, int)
            if value < 1:
                raise RLConfigurationError(argument, f"must be at least 1, got {value}.")
    if (
        hyperband_min_resource is not None
        and hyperband_max_resource is not None
        and hyperband_min_resource > hyperband_max_resource
    ):
        raise RLConfigurationError("hyperband_min_resource", "must not exceed hyperband_max_resource.")
    if strategy_ is TuningStrategy.HYPERBAND and early is not EarlyStoppingType.OFF:
        raise RLConfigurationError(
            "early_stopping_type",
            "Hyperband stops jobs itself: SageMaker takes early stopping Off with it.",
            allowed=["Off"],
        )
    warm = None
    if warm_start_config is not None:
        if not isinstance(warm_start_config, WarmStartConfig):
            raise TypeError(f"warm_start_config: expected a WarmStartConfig, got {type(warm_start_config).__name__}.")
        warm_type = api_enum(WarmStartType, warm_start_config.warm_start_type, "warm_start_config.warm_start_type")
        parents = list(warm_start_config.parents)
        if not 1 <= len(parents) <= 5:
            raise RLConfigurationError("warm_start_config.parents", f"SageMaker takes 1 to 5, got {len(parents)}.")
        warm = WarmStartConfig(warm_type, parents)
    if random_seed is not None:
        _number(random_seed, "random_seed", int)
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


# --- rendering -------------------------------------------------------------------------------------------------


def render_parameter_ranges(ranges: Mapping[str, ParameterRange]) -> dict[str, list[dict[str, Any]]]:
    """``ParameterRanges`` as the SDK renders them for a framework estimator (all three lists, even empty)."""
    rendered: dict[str, list[dict[str, Any]]] = {
        "CategoricalParameterRanges": [],
        "ContinuousParameterRanges": [],
        "IntegerParameterRanges": [],
    }
    for name, spec in ranges.items():
        if isinstance(spec, CategoricalParameter):
            rendered["CategoricalParameterRanges"].append(
                {"Name": name, "Values": [encode_value(value) for value in spec.values]}
            )
            continue
        key = "IntegerParameterRanges" if isinstance(spec, IntegerParameter) else "ContinuousParameterRanges"
        rendered[key].append(
            {
                "Name": name,
                "MinValue": str(spec.min_value),
                "MaxValue": str(spec.max_value),
                "ScalingType": str(ScalingType(spec.scaling_type)),
            }
        )
    return rendered


def static_hyperparameters(
    user: Mapping[str, str], reserved: Mapping[str, str], tuned: Sequence[str], job_name: str
) -> dict[str, str]:
    """``StaticHyperParameters``: the estimator's hyperparameters (user ones, the SDK's ``sagemaker_*`` keys
    with ``sagemaker_job_name`` = ``job_name``, already JSON-encoded) without the tuned names, plus the
    tuner's class metadata, as ``HyperparameterTuner._prepare_static_hyperparameters`` does."""
    static = {**user, **reserved, "sagemaker_job_name": job_name}
    for name in tuned:
        static.pop(name, None)
    static.update(_CLASS_METADATA)
    if len(static) > MAX_ENTRIES:
        raise RLConfigurationError(
            "hyperparameters", f"{len(static)} static hyperparameters exceed SageMaker's limit of {MAX_ENTRIES}."
        )
    return static


def training_job_definition(training_request: Mapping[str, Any], static: Mapping[str, Any]) -> dict[str, Any]:
    """``TrainingJobDefinition`` from a CreateTrainingJob request, field for field as the SDK's tuner sends
    the same estimator: instances in ``HyperParameterTuningResourceConfig``, algorithm without the training-only
    fields, no Debugger, profiler or tags (the definition has none). Heterogeneous clusters are refused: a
    tuning job's ``InstanceConfigs`` are alternative instance types, not groups of one cluster."""
    resources = training_request["ResourceConfig"]  # JSONata when the job takes per-run overrides
    if isinstance(resources, Mapping) and "InstanceGroups" in resources:
        raise RLConfigurationError(
            "training_job", "a job with instance_groups cannot be tuned: SageMaker tunes one instance type per job."
        )
    algorithm = training_request["AlgorithmSpecification"]
    definition: dict[str, Any] = {
        "AlgorithmSpecification": {
            key: algorithm[key]
            for key in ("TrainingImage", "TrainingInputMode", "MetricDefinitions")
            if key in algorithm
        },
        "HyperParameterTuningResourceConfig": dict(resources) if isinstance(resources, Mapping) else resources,
        "StaticHyperParameters": dict(static),
    }
    definition.update({key: training_request[key] for key in _DEFINITION_FIELDS if key in training_request})
    return definition


def render_create_tuning_job(*, name: str, spec: TuningSpec, definition: Mapping[str, Any]) -> dict[str, Any]:
    """The CreateHyperParameterTuningJob request."""
    limits: dict[str, Any] = {"MaxParallelTrainingJobs": spec.max_parallel_jobs}
    if spec.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = spec.max_jobs
    if spec.max_runtime_seconds is not None:
        limits["MaxRuntimeInSeconds"] = spec.max_runtime_seconds
    config: dict[str, Any] = {
        "Strategy": str(spec.strategy),
        "HyperParameterTuningJobObjective": {
            "MetricName": spec.objective_metric_name,
            "Type": str(spec.objective_type),
        },
        "ResourceLimits": limits,
        "ParameterRanges": render_parameter_ranges(spec.ranges),
        "TrainingJobEarlyStoppingType": str(spec.early_stopping_type),
    }
    if spec.hyperband_min_resource is not None or spec.hyperband_max_resource is not None:
        hyperband = {
            key: value
            for key, value in (
                ("MinResource", spec.hyperband_min_resource),
                ("MaxResource", spec.hyperband_max_resource),
            )
            if value is not None
        }
        config["StrategyConfig"] = {"HyperbandStrategyConfig": hyperband}
    if spec.random_seed is not None:
        config["RandomSeed"] = spec.random_seed
    request: dict[str, Any] = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": config,
        "TrainingJobDefinition": dict(definition),
    }
    if spec.warm_start is not None:
        request["WarmStartConfig"] = {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in spec.warm_start.parents],
            "WarmStartType": str(spec.warm_start.warm_start_type),
        }
    if spec.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in spec.tags.items()]
    return request


#: Construct argument of each API field, for :func:`request_validation.validate_request`.
ARGUMENTS = {
    "HyperParameterTuningJobName": "base_tuning_job_name",
    "HyperParameterTuningJobConfig.ParameterRanges": "hyperparameter_ranges",
    "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": "max_jobs",
    "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": "max_parallel_jobs",
    "HyperParameterTuningJobConfig.ResourceLimits.MaxRuntimeInSeconds": "max_runtime",
    "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective": "objective_metric_name",
    "TrainingJobDefinition": "training_job",
    "TrainingJobDefinition.StaticHyperParameters": "training_job.hyperparameters",
    "WarmStartConfig": "warm_start_config",
    "Tags": "tags",
}


# --- JSONata -------------------------------------------------------------------------------------------------


def validate_base_tuning_job_name(name: str) -> str:
    """A tuning-job family prefix, at most 20 characters (the SDK's ``name_from_base`` keeps ``base[:20]``)."""
    if not isinstance(name, str):
        raise TypeError(f"base_tuning_job_name: expected a str, got {type(name).__name__}.")
    if not re.fullmatch(_TUNING_NAME, name) or len(name) > BASE_TUNING_JOB_NAME_MAX:
        raise RLConfigurationError(
            "base_tuning_job_name",
            f"{name!r}: 1 to {BASE_TUNING_JOB_NAME_MAX} letters, digits and hyphens (a tuning job name has at most "
            f"{TUNING_JOB_NAME_MAX} characters, and each execution adds a suffix).",
        )
    return name


def default_base_tuning_job_name(*parts: str) -> str:
    """A distinct, valid family prefix from construct names, at most 20 characters."""
    return execution_input.default_base_job_name(*parts, max_length=BASE_TUNING_JOB_NAME_MAX)


def tuning_job_name_expression(base: str, *, validate: bool = True) -> str:
    """JSONata naming the execution's tuning job: the input's ``HyperParameterTuningJobName`` (with the
    family prefix), else ``<base>-<execution name>`` when it fits in 32, else ``<base>-<MD5 of the execution>``."""
    return execution_input.job_name_expression(
        base, validate=validate, input_key=INPUT_TUNING_JOB_NAME, max_length=TUNING_JOB_NAME_MAX
    )


def encoded_job_name_expression(base: str) -> str:
    """JSONata of ``sagemaker_job_name``: the tuning job's name, JSON-encoded (a string in quotes)."""
    return f"'\"' & {tuning_job_name_expression(base, validate=False)} & '\"'"


def output_expression() -> str:
    """JSONata for the tuning task's output: its input plus ``TuningJob`` (name, ARN, status, counters, the best
    training job and its objective value) and ``TrainingJob``, the best training job in the shape the
    training task gives (name, ARN, status, ``ModelDataUrl``), so the states that deploy a trained model
    take either. SageMaker writes a job's model to ``<S3OutputPath>/<job name>/output/model.tar.gz``."""
    best = "$states.result.BestTrainingJob"
    output = "$states.result.TrainingJobDefinition.OutputDataConfig.S3OutputPath"
    model = f"$replace({output}, /\\/$/, '') & '/' & {best}.TrainingJobName & '/output/model.tar.gz'"
    return (
        f"$merge([$states.input, {{'{OUTPUT_KEY}': {{"
        "'HyperParameterTuningJobName': $states.result.HyperParameterTuningJobName, "
        "'HyperParameterTuningJobArn': $states.result.HyperParameterTuningJobArn, "
        "'HyperParameterTuningJobStatus': $states.result.HyperParameterTuningJobStatus, "
        "'TrainingJobStatusCounters': $states.result.TrainingJobStatusCounters, "
        f"'BestTrainingJob': {best}.{{'TrainingJobName': TrainingJobName, 'TrainingJobArn': TrainingJobArn, "
        "'TunedHyperParameters': TunedHyperParameters, "
        "'ObjectiveValue': FinalHyperParameterTuningJobObjectiveMetric.Value}}, "
        f"'{execution_input.OUTPUT_KEY}': {{'TrainingJobName': {best}.TrainingJobName, "
        f"'TrainingJobArn': {best}.TrainingJobArn, 'TrainingJobStatus': {best}.TrainingJobStatus, "
        f"'ModelDataUrl': {model}}}}}])"
    )
