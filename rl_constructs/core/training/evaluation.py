"""The evaluation stage and its reward gate, as data: conditions on an evaluation job's final metrics.

An evaluation job is a second RL job that runs the trained policy (its model as a channel) and reports the
toolkit's reward metrics; SageMaker keeps the last value of each metric definition in DescribeTrainingJob's
``FinalMetricDataList``. The evaluation task puts them in the state as ``Evaluation.Metrics`` (name ->
value), and the gate deploys only when a :class:`MetricCondition` holds. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum

from .. import execution_input
from ..serving.deployment import FailureName

#: Key the evaluation task adds to the state (the trained job's ``TrainingJob`` is left as it is).
OUTPUT_KEY = "Evaluation"
#: Input key an execution may set to name its evaluation job (within the evaluation job's family).
INPUT_JOB_NAME = "EvaluationJobName"
#: Step Functions' limit on a Fail state's cause.
_CAUSE_MAX = 32_000


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
