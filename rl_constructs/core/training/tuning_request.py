"""What ``HyperparameterTuner(RLEstimator(...), ...).fit()`` sends, as data: CreateHyperParameterTuningJob.

The request is built from an RLTrainingJob's CreateTrainingJob request (its definition) the way the SDK's
tuner builds it from an estimator: the training fields move into ``TrainingJobDefinition`` (instances in
``HyperParameterTuningResourceConfig``, no Debugger/profiler/tags, which the definition does not take), the
hyperparameters become ``StaticHyperParameters`` without the tuned names and with the SDK's
``sagemaker_estimator_class_name``/``sagemaker_estimator_module`` (``tests/fixtures/sdk/tuning/`` holds the
SDK's own requests). Ranges are encoded as the SDK encodes them for a framework estimator: continuous and
integer bounds as ``str(value)``, categorical values JSON-encoded. API-cased keys of the tuning request appear
only here. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import RLConfigurationError
from .hyperparameters import MAX_ENTRIES, encode_value
from .tuning import TuningSpec
from .tuning_ranges import CategoricalParameter, IntegerParameter, ParameterRange, ScalingType

#: The keys the SDK's tuner adds for a framework estimator (``HyperparameterTuner.SAGEMAKER_ESTIMATOR_*``).
ESTIMATOR_CLASS_NAME = "sagemaker_estimator_class_name"
ESTIMATOR_MODULE = "sagemaker_estimator_module"
_CLASS_METADATA = {
    ESTIMATOR_CLASS_NAME: encode_value("RLEstimator"),
    ESTIMATOR_MODULE: encode_value("sagemaker.rl.estimator"),
}
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
