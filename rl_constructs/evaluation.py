"""RLEvaluationJob: the evaluation stage of an RL workflow, and the reward gate ``RLPipeline`` deploys behind.

The public RL notebooks train, then run a second job that loads the trained policy and plays evaluation
episodes (``evaluate-coach.py``, ``evaluate-ray.py``...), and deploy only a policy that is good enough. This
is that second job: an :class:`RLTrainingJob` on the same toolkit and image by default, with its own entry
point and hyperparameters and the trained model (``model.tar.gz``) as a channel. Its task keeps the trained
job's ``TrainingJob`` in the state and adds ``Evaluation`` (name, ARN, status, final metrics), which
``RLPipeline(deploy_if=RewardAtLeast("reward-testing", 150))`` checks before it deploys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .core import execution_input
from .core.training import evaluation as e
from .core.training.evaluation import Comparison, MetricCondition, RewardAtLeast
from .training_job import RLTrainingJob

__all__ = ["Comparison", "MetricCondition", "RLEvaluationJob", "RewardAtLeast"]


class RLEvaluationJob(RLTrainingJob):
    """A training job that evaluates another job's trained model, chained after it in the same execution.

    Takes every argument of :class:`RLTrainingJob` (``entry_point`` is the evaluation script), with these
    defaults taken from ``trained``: ``toolkit``/``toolkit_version``/``framework`` (or its ``image_uri`` when
    it has a custom image) and ``instance_type``. The trained model arrives as the channel ``model_channel``
    (``/opt/ml/input/data/<model_channel>/model.tar.gz``); the evaluation role may read the trained job's
    output prefix only.

    The job is named ``<base_job_name>-<execution>`` (an execution's ``EvaluationJobName`` may name it within
    the family); the execution's ``TrainingJobName`` and ``HyperParameters`` are the trained job's and are not
    applied here. The final value of each metric definition (``FinalMetricDataList``) is put in the state as
    ``Evaluation.Metrics``.

    :param trained: the job whose model is evaluated.
    :param model_channel: the channel name of the trained model. Default: ``"model"``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trained: RLTrainingJob,
        entry_point: str,
        model_channel: str = "model",
        **options: Any,
    ) -> None:
        if not isinstance(trained, RLTrainingJob):
            raise TypeError(f"trained: expected an RLTrainingJob, got {type(trained).__name__}.")
        resolved = e.resolve_evaluation_job(
            model_channel=model_channel,
            trained=e.TrainedJob(
                toolkit=trained.toolkit,
                toolkit_version=trained.toolkit_version,
                framework=trained.framework,
                image_uri=trained.training_image_uri,
                request=trained.request,
                model_input=trained.model_data_input(),
            ),
            arguments=options,
        )
        super().__init__(scope, id, entry_point=entry_point, **resolved.training_arguments)
        self.trained = trained
        self.model_channel = resolved.model_channel
        self._request = e.evaluation_request(
            self._request,
            base_job_name=self.base_job_name,
            hyperparameters=self.hyperparameters,
            reserved=self.reserved_hyperparameters,
        )

    def check_condition(self, condition: MetricCondition, argument: str = "deploy_if") -> MetricCondition:
        """``condition``, refused unless it reads one of this job's metric definitions."""
        return e.check_condition(condition, [definition["Name"] for definition in self.metric_definitions], argument)

    def to_state_json(self, query_language: sfn.QueryLanguage | None = None) -> Mapping[Any, Any]:
        state = dict(super().to_state_json(query_language))
        state["Output"] = execution_input.jsonata(e.evaluation_output_expression())
        return state
