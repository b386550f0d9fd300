"""resolve_tuning_job: HyperparameterTuner's defaults and SageMaker's rules, each on both sides; a frozen value."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rl_constructs.core.errors import RLConfigurationError
from rl_constructs.core.toolkits import RLToolkit
from rl_constructs.core.training.tuning import (
    CategoricalParameter,
    ContinuousParameter,
    EarlyStoppingType,
    IntegerParameter,
    ObjectiveType,
    ScalingType,
    TuningJobOptions,
    TuningStrategy,
    WarmStartConfig,
    WarmStartType,
    resolve_tuning_job,
)

COACH_METRICS = ["reward-training", "reward-testing"]
BASE: dict[str, Any] = {
    "hyperparameter_ranges": {"discount": ContinuousParameter(0.9, 0.99)},
    "metric_names": COACH_METRICS,
    "toolkit": RLToolkit.COACH,
    "name_parts": ("RL", "Tune"),
}


def resolve(**overrides: Any) -> TuningJobOptions:
    return resolve_tuning_job(**{**BASE, **overrides})


def refused(argument: str, fragment: str, **overrides: Any) -> None:
    with pytest.raises(RLConfigurationError) as caught:
        resolve(**overrides)
    assert caught.value.argument == argument, caught.value
    assert fragment in str(caught.value)


def test_the_defaults_are_the_sdks() -> None:
    options = resolve()
    spec = options.spec
    assert spec.objective_metric_name == "reward-training"  # the toolkit's first reward metric
    assert (spec.objective_type, spec.strategy, spec.early_stopping_type) == (
        ObjectiveType.MAXIMIZE,
        TuningStrategy.BAYESIAN,
        EarlyStoppingType.OFF,
    )
    assert (spec.max_jobs, spec.max_parallel_jobs, spec.max_runtime_seconds) == (1, 1, None)
    assert (spec.warm_start, spec.hyperband_min_resource, spec.random_seed, dict(spec.tags)) == (None, None, None, {})
    assert options.base_tuning_job_name == "RL-Tune"
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.base_tuning_job_name = "other"  # type: ignore[misc]


def test_values_given_in_any_case_are_the_api_enums() -> None:
    spec = resolve(strategy="random", objective_type="minimize", early_stopping_type="auto").spec
    assert (spec.strategy, spec.objective_type, spec.early_stopping_type) == (
        TuningStrategy.RANDOM,
        ObjectiveType.MINIMIZE,
        EarlyStoppingType.AUTO,
    )
    refused("strategy", "not a TuningStrategy", strategy="annealing")


def test_the_objective() -> None:
    assert resolve(objective_metric_name="reward-testing").spec.objective_metric_name == "reward-testing"
    refused("objective_metric_name", "not a metric definition", objective_metric_name="loss")
    refused("objective_metric_name", "no default reward metric", toolkit=None, metric_names=["loss"])
    refused("objective_metric_name", "no default reward metric", metric_names=["reward-testing"])
    with pytest.raises(TypeError, match=r"^objective_metric_name"):
        resolve(objective_metric_name=1)
    with pytest.raises(TypeError, match=r"^tags"):
        resolve(tags={"team": 1})


def test_ranges() -> None:
    refused("hyperparameter_ranges", "at least one", hyperparameter_ranges={})
    with pytest.raises(TypeError, match=r"^hyperparameter_ranges: expected a mapping"):
        resolve(hyperparameter_ranges=[ContinuousParameter(0, 1)])
    thirty = {f"p{n}": IntegerParameter(1, 2) for n in range(30)}
    assert resolve(hyperparameter_ranges=thirty)
    refused("hyperparameter_ranges", "at most 30", hyperparameter_ranges={**thirty, "p30": IntegerParameter(1, 2)})
    refused("hyperparameter_ranges['x']", "greater than max_value", hyperparameter_ranges={"x": IntegerParameter(3, 2)})
    refused(
        "hyperparameter_ranges['x'].scaling_type",
        "greater than 0",
        hyperparameter_ranges={"x": ContinuousParameter(0, 1, ScalingType.LOGARITHMIC)},
    )
    refused(
        "hyperparameter_ranges['sagemaker_x']",
        "set by the job",
        hyperparameter_ranges={"sagemaker_x": IntegerParameter(1, 2)},
    )


def test_grid_takes_categorical_ranges_and_counts_its_jobs() -> None:
    grid = {"preset": CategoricalParameter(["a", "b", "c"]), "n": CategoricalParameter([1, 2])}
    spec = resolve(strategy="Grid", hyperparameter_ranges=grid, max_parallel_jobs=4).spec
    assert spec.max_jobs is None
    assert spec.longest_seconds(100) == 200  # 6 combinations, 4 at a time: 2 waves of 100 s
    refused("hyperparameter_ranges", "categorical ranges only", strategy="Grid")


@pytest.mark.parametrize(
    ("overrides", "argument", "fragment"),
    [
        ({"max_jobs": 0}, "max_jobs", "at least 1"),
        ({"max_parallel_jobs": 0}, "max_parallel_jobs", "at least 1"),
        ({"max_jobs": 2, "max_parallel_jobs": 3}, "max_parallel_jobs", "more than max_jobs"),
        ({"max_runtime_seconds": 119}, "max_runtime", "120 seconds to 182.5 days"),
        ({"max_runtime_seconds": 15_768_001}, "max_runtime", "120 seconds to 182.5 days"),
        ({"hyperband_min_resource": 1}, "hyperband_min_resource", "Hyperband strategy only"),
        ({"strategy": "Hyperband", "hyperband_min_resource": 0}, "hyperband_min_resource", "at least 1"),
        ({"strategy": "Hyperband", "hyperband_max_resource": 0}, "hyperband_max_resource", "at least 1"),
        (
            {"strategy": "Hyperband", "hyperband_min_resource": 3, "hyperband_max_resource": 2},
            "hyperband_min_resource",
            "must not exceed",
        ),
        ({"strategy": "Hyperband", "early_stopping_type": "Auto"}, "early_stopping_type", "Off"),
        ({"warm_start_config": WarmStartConfig("Identical", ["p"])}, "warm_start_config.warm_start_type", "not a"),
        ({"warm_start_config": WarmStartConfig("TransferLearning", [])}, "warm_start_config.parents", "1 to 5"),
        (
            {"warm_start_config": WarmStartConfig("TransferLearning", list("abcdef"))},
            "warm_start_config.parents",
            "1 to 5",
        ),
        ({"base_tuning_job_name": "a" * 21}, "base_tuning_job_name", "1 to 20"),
        ({"base_tuning_job_name": "bad_name"}, "base_tuning_job_name", "letters, digits and hyphens"),
    ],
)
def test_limits_are_refused_naming_the_argument(overrides: dict[str, Any], argument: str, fragment: str) -> None:
    refused(argument, fragment, **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_jobs": 3, "max_parallel_jobs": 3},
        {"max_runtime_seconds": 120},
        {"max_runtime_seconds": 15_768_000},
        {"strategy": "Hyperband", "hyperband_min_resource": 2, "hyperband_max_resource": 2},
        {"warm_start_config": WarmStartConfig("TransferLearning", list("abcde"))},
        {"base_tuning_job_name": "a" * 20},
        {"random_seed": 7, "tags": {"team": "rl"}},
    ],
)
def test_values_at_the_limits_are_accepted(overrides: dict[str, Any]) -> None:
    assert resolve(**overrides)


def test_given_values_are_kept() -> None:
    options = resolve(
        max_jobs=8,
        max_parallel_jobs=3,
        warm_start_config=WarmStartConfig("transferlearning", ("parent",)),
        base_tuning_job_name="tune",
        random_seed=7,
        tags={"team": "rl"},
    )
    spec = options.spec
    assert spec.warm_start == WarmStartConfig(WarmStartType.TRANSFER_LEARNING, ["parent"])
    assert (spec.random_seed, dict(spec.tags), options.base_tuning_job_name) == (7, {"team": "rl"}, "tune")
    assert spec.longest_seconds(100) == 300  # 8 jobs, 3 at a time: 3 waves
    assert resolve(max_runtime_seconds=600).spec.longest_seconds(100) == 600
    with pytest.raises(TypeError, match=r"^random_seed"):
        resolve(random_seed="7")
    with pytest.raises(TypeError, match=r"^warm_start_config"):
        resolve(warm_start_config={"parents": ["p"]})
