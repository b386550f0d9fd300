"""The evaluation stage and its reward gate, as data: conditions on an evaluation job's final metrics.

An evaluation job is a second RL job that runs the trained policy (its model as a channel) and reports the
toolkit's reward metrics; SageMaker keeps the last value of each metric definition in DescribeTrainingJob's
``FinalMetricDataList``. The evaluation task puts them in the state as ``Evaluation.Metrics`` (name ->
value), and the gate deploys only when a :class:`MetricCondition` holds. :func:`resolve_evaluation_job`
gives the evaluation job the trained job's image and instance type unless told otherwise, and the trained
model as a channel. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .. import execution_input
from ..errors import RLConfigurationError
from ..toolkits import RLFramework, RLToolkit
from ..workflow import FailureName
from .request import TrainingInput

#: Key the evaluation task adds to the state (the trained job's ``TrainingJob`` is left as it is).
OUTPUT_KEY = "Evaluation"
#: Input key an execution may set to name its evaluation job (within the evaluation job's family).
INPUT_JOB_NAME = "EvaluationJobName"
#: Step Functions' limit on a Fail state's cause.
_CAUSE_MAX = 32_000
#: The arguments that choose a training job's image.
_IMAGE_ARGUMENTS = ("toolkit", "toolkit_version", "framework", "image_uri")


class Comparison(StrEnum):
    """How a metric is compared with the threshold."""

    AT_LEAST = ">="
    GREATER_THAN = ">"
    AT_MOST = "<="
    LESS_THAN = "<"


@dataclass(frozen=True)
class MetricCondition:
    """Deploy only when the evaluation job's final ``metric_name`` compares with ``threshold`` as given.

    :param metric_name: one of the evaluation job's metric definitions (e.g. Coach's ``reward-testing``).
    :param comparison: ``Comparison`` (``>=``, ``>``, ``<=``, ``<``).
    :param threshold: a finite number.
    """

    metric_name: str
    comparison: Comparison
    threshold: float

    def __post_init__(self) -> None:
        if not isinstance(self.metric_name, str) or not self.metric_name:
            raise TypeError(f"metric_name: expected a non-empty str, got {self.metric_name!r}.")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int | float):
            raise TypeError(f"threshold: expected an int or float, got {type(self.threshold).__name__}.")
        if not math.isfinite(self.threshold):
            raise ValueError(f"threshold: must be a finite number, got {self.threshold!r}.")
        object.__setattr__(self, "comparison", Comparison(self.comparison))

    def value_expression(self) -> str:
        """JSONata of the metric's value in the gate's input (undefined when the job did not report it)."""
        return f"$lookup($states.input.{OUTPUT_KEY}.Metrics, {json.dumps(self.metric_name)})"

    def reported_expression(self) -> str:
        """JSONata: the evaluation job reported the metric."""
        return f"$exists({self.value_expression()})"

    def holds_expression(self) -> str:
        """JSONata: the metric was reported and satisfies the condition."""
        return f"{self.reported_expression()} and {self.value_expression()} {self.comparison.value} {self._number()}"

    def describe(self) -> str:
        """E.g. ``reward-testing >= 150``."""
        return f"{self.metric_name} {self.comparison.value} {self._number()}"

    def _number(self) -> str:
        value = float(self.threshold)
        return str(int(value)) if value.is_integer() else repr(value)


class RewardAtLeast(MetricCondition):
    """Deploy only when the evaluation's final ``metric_name`` (a reward) is at least ``threshold``."""

    def __init__(self, metric_name: str, threshold: float) -> None:
        super().__init__(metric_name, Comparison.AT_LEAST, threshold)


def evaluation_output_expression() -> str:
    """JSONata for the evaluation task's output: its input (the trained ``TrainingJob`` kept) plus
    ``Evaluation``: the evaluation job's name, ARN, status and final metrics as name -> value."""
    metrics = "$states.result.FinalMetricDataList"
    return (
        f"$merge([$states.input, {{'{OUTPUT_KEY}': {{"
        "'TrainingJobName': $states.result.TrainingJobName, 'TrainingJobArn': $states.result.TrainingJobArn, "
        "'TrainingJobStatus': $states.result.TrainingJobStatus, "
        f"'Metrics': $exists({metrics}) ? $merge([{metrics}.{{MetricName: Value}}]) : {{}}}}}}])"
    )


def evaluation_job_name_expression(base_job_name: str, *, validate: bool = True) -> str:
    """JSONata naming the evaluation job: the input's ``EvaluationJobName`` (within the family), else
    ``<base>-<execution name>`` or its hash; the training job's input name is not read."""
    return execution_input.job_name_expression(base_job_name, validate=validate, input_key=INPUT_JOB_NAME)


def gate_failure(condition: MetricCondition) -> dict[str, str]:
    """``Assign`` of the gate's failing branch: ``RL.RewardBelowThreshold`` (the metric was reported and
    missed the threshold) or ``RL.EvaluationFailed`` (not reported), and what was measured, in the cause."""
    value = condition.value_expression()
    job = f"$states.input.{OUTPUT_KEY}.TrainingJobName"
    trained = f"$states.input.{execution_input.OUTPUT_KEY}.TrainingJobName"
    describe = condition.describe().replace("'", "\\'")
    name = condition.metric_name.replace("'", "\\'")
    error = (
        f"({condition.reported_expression()} ? '{FailureName.REWARD_BELOW_THRESHOLD.value}' : "
        f"'{FailureName.EVALUATION_FAILED.value}')"
    )
    cause = (
        f"'Evaluation job ' & {job} & ' of training job ' & {trained} & ': ' & "
        f"({condition.reported_expression()} ? '{name} = ' & $string({value}) & ' does not satisfy {describe}' "
        f": 'no final value of {name} was reported (FinalMetricDataList)') & '; the model was not deployed.'"
    )
    return {"failure": f"{{% {{'Error': {error}, 'Cause': $substring({cause}, 0, {_CAUSE_MAX})}} %}}"}


@dataclass(frozen=True)
class TrainedJob:
    """What an evaluation job takes of the job it evaluates: its catalog row or image, its request (for the
    instance type) and the channel of its model data (``RLTrainingJob.model_data_input()``)."""

    toolkit: RLToolkit | None
    toolkit_version: str | None
    framework: RLFramework | None
    image_uri: str
    request: Mapping[str, Any]
    model_input: TrainingInput


@dataclass(frozen=True)
class EvaluationJobOptions:
    """An evaluation job's arguments, checked: its model channel and the arguments of its training job."""

    model_channel: str
    #: The evaluation job's ``RLTrainingJob`` arguments, with the trained job's defaults and the model channel.
    training_arguments: Mapping[str, Any]


def resolve_evaluation_job(
    *, model_channel: object, trained: TrainedJob, arguments: Mapping[str, Any]
) -> EvaluationJobOptions:
    """``RLEvaluationJob``'s arguments: ``arguments`` are its ``RLTrainingJob`` ones (the evaluation entry point,
    hyperparameters...), which take ``trained``'s image (catalog row, else custom image) unless one is given,
    its instance type unless one or groups are given, and ``inputs`` with the trained model as ``model_channel``."""
    if not isinstance(model_channel, str):
        raise TypeError(f"model_channel: expected a str, got {type(model_channel).__name__}.")
    options = dict(arguments)
    if all(options.get(key) is None for key in _IMAGE_ARGUMENTS):
        if trained.toolkit is not None:
            options.update(
                toolkit=trained.toolkit, toolkit_version=trained.toolkit_version, framework=trained.framework
            )
        else:
            options["image_uri"] = trained.image_uri
    if options.get("instance_type") is None and options.get("instance_groups") is None:
        resources = trained.request["ResourceConfig"]
        instance_type = resources.get("InstanceType") if isinstance(resources, Mapping) else None
        if instance_type is None:
            raise RLConfigurationError(
                "instance_type",
                "required: the trained job runs on instance groups or chooses its type per run (run_overrides).",
            )
        options["instance_type"] = instance_type
    inputs: Mapping[str, Any] = options.pop("inputs", None) or {}
    if not isinstance(inputs, Mapping):
        raise TypeError(f"inputs: expected a mapping, got {type(inputs).__name__}.")
    if model_channel in inputs:
        raise RLConfigurationError(
            f"inputs[{model_channel!r}]", "is the trained model's channel (model_channel); choose another name."
        )
    options["inputs"] = {**inputs, model_channel: trained.model_input}
    return EvaluationJobOptions(model_channel=model_channel, training_arguments=MappingProxyType(options))


def evaluation_request(
    request: Mapping[str, Any], *, base_job_name: str, hyperparameters: Mapping[str, str], reserved: Mapping[str, str]
) -> dict[str, Any]:
    """The evaluation job's CreateTrainingJob ``request``, named and parameterized per execution on its own: the
    execution input's TrainingJobName and HyperParameters belong to the trained job."""
    name = evaluation_job_name_expression(base_job_name, validate=False)
    return {
        **request,
        "TrainingJobName": execution_input.jsonata(evaluation_job_name_expression(base_job_name)),
        "HyperParameters": {
            **hyperparameters,
            **reserved,
            "sagemaker_job_name": execution_input.jsonata(f"'\"' & {name} & '\"'"),
        },
    }


def check_condition(condition: object, metric_names: Sequence[str], argument: str = "deploy_if") -> MetricCondition:
    """``condition``, refused unless it reads one of the evaluation job's metric definitions (``metric_names``)."""
    if not isinstance(condition, MetricCondition):
        raise TypeError(f"{argument}: expected a MetricCondition (e.g. RewardAtLeast), got {type(condition).__name__}.")
    if condition.metric_name not in metric_names:
        raise RLConfigurationError(
            f"{argument}.metric_name",
            f"{condition.metric_name!r} is not a metric definition of the evaluation job.",
            allowed=list(metric_names),
        )
    return condition
