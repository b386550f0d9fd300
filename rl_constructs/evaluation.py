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
from .core.errors import RLConfigurationError
from .core.training import evaluation as e
from .core.training.evaluation import Comparison, MetricCondition, RewardAtLeast
from .core.training.request import TrainingInput
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
        if not isinstance(model_channel, str):
            raise TypeError(f"model_channel: expected a str, got {type(model_channel).__name__}.")
        image_keys = ("toolkit", "toolkit_version", "framework", "image_uri")
        if all(options.get(key) is None for key in image_keys):
            if trained.toolkit is not None:
                options.update(
                    toolkit=trained.toolkit, toolkit_version=trained.toolkit_version, framework=trained.framework
                )
            else:
                options["image_uri"] = trained.training_image_uri
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
        model: TrainingInput = trained.model_data_input()
        super().__init__(scope, id, entry_point=entry_point, inputs={**inputs, model_channel: model}, **options)
        self.trained = trained
        self.model_channel = model_channel
        # Named and parameterized per execution on its own: the execution input's TrainingJobName and
        # HyperParameters belong to the trained job.
        self._request["TrainingJobName"] = execution_input.jsonata(e.evaluation_job_name_expression(self.base_job_name))
        name = e.evaluation_job_name_expression(self.base_job_name, validate=False)
        self._request["HyperParameters"] = {
            **self.hyperparameters,
            **self.reserved_hyperparameters,
            "sagemaker_job_name": execution_input.jsonata(f"'\"' & {name} & '\"'"),
        }

    def check_condition(self, condition: MetricCondition, argument: str = "deploy_if") -> MetricCondition:
        """``condition``, refused unless it reads one of this job's metric definitions."""
        if not isinstance(condition, MetricCondition):
            raise TypeError(
                f"{argument}: expected a MetricCondition (e.g. RewardAtLeast), got {type(condition).__name__}."
            )
        names = [definition["Name"] for definition in self.metric_definitions]
        if condition.metric_name not in names:
            raise RLConfigurationError(
                f"{argument}.metric_name",
                f"{condition.metric_name!r} is not a metric definition of the evaluation job.",
                allowed=names,
            )
        return condition

    def to_state_json(self, query_language: sfn.QueryLanguage | None = None) -> Mapping[Any, Any]:
        state = dict(super().to_state_json(query_language))
        state["Output"] = execution_input.jsonata(e.evaluation_output_expression())
        return state
