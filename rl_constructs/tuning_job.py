"""RLTuningJob: a Step Functions task that runs the tuning job ``HyperparameterTuner(RLEstimator).fit()`` starts.

aws-cdk-lib has no hyperparameter-tuning task, so this is a ``CustomState`` (like :class:`RLTrainingJob`)
for ``arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync`` in JSONata mode. It tunes the
definition of an :class:`RLTrainingJob` (image, role, code, instances, spot, VPC, channels...); the request
is rendered by ``core.training.tuning_request`` from the options ``core.training.tuning`` resolves, and
checked against botocore's model at synth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ._arguments import whole_seconds
from ._arns import family_arns, remember_stack, stack_environment, stack_of
from ._jsonata_task import JsonataTask
from ._metrics import TRAINING_METRICS_NAMESPACE, family_search
from ._nag import acknowledge_wildcards
from ._policy import policy_statements, sync_job_statements
from ._states import add_retries
from .core import execution_input
from .core.request_validation import validate_request
from .core.training.iam import TUNING_FAMILY_REASON
from .core.training.tuning import (
    CategoricalParameter,
    ContinuousParameter,
    EarlyStoppingType,
    IntegerParameter,
    ObjectiveType,
    ParameterRange,
    ScalingType,
    TuningStrategy,
    WarmStartConfig,
    WarmStartType,
    resolve_tuning_job,
)
from .core.training.tuning_jsonata import encoded_job_name_expression, output_expression, tuning_job_name_expression
from .core.training.tuning_request import (
    ARGUMENTS,
    render_create_tuning_job,
    static_hyperparameters,
    training_job_definition,
)
from .core.workflow import TRAINING_RETRIES, FailureName
from .training_job import RLTrainingJob

__all__ = [
    "CategoricalParameter",
    "ContinuousParameter",
    "EarlyStoppingType",
    "IntegerParameter",
    "ObjectiveType",
    "RLTuningJob",
    "ScalingType",
    "TuningStrategy",
    "WarmStartConfig",
    "WarmStartType",
]


class RLTuningJob(JsonataTask):
    """A chainable task that tunes an :class:`RLTrainingJob`'s hyperparameters, as ``HyperparameterTuner``.

    The training jobs are the given job's definition (image, role, code, instances, spot, checkpoints, VPC,
    channels, environment); the static hyperparameters are the job's, encoded exactly as the SDK's tuner
    encodes them (without the tuned names, with ``sagemaker_estimator_class_name``/``_module``;
    ``tests/fixtures/sdk/tuning/`` holds the SDK's requests). Step Functions waits for the tuning job.

    An execution's input may set ``HyperParameterTuningJobName`` (it must start with ``<base_tuning_job_name>-``).
    The task adds ``TuningJob`` (name, ARN, status, training job counters, ``BestTrainingJob`` with its tuned
    hyperparameters and objective value) and ``TrainingJob`` (the best training job: name, ARN, status,
    ``ModelDataUrl``, as :class:`RLTrainingJob` adds it) to the state. SageMaker errors of the call are
    retried as the training task's (``core.workflow.TRAINING_RETRIES``); a tuning job that ends Failed or
    Stopped (e.g. every training job failed) fails the task with ``States.TaskFailed``; ``add_failure_state``
    turns that into the namespaced ``RL.TuningFailed``.

    :param training_job: the job whose definition is tuned (it need not be in the state machine itself).
    :param hyperparameter_ranges: name -> ``ContinuousParameter``/``IntegerParameter``/``CategoricalParameter``.
    :param objective_metric_name: one of the job's metric definitions. Default: the toolkit's first reward
        metric (Coach ``reward-training``, Ray ``episode_reward_mean``) when the job defines it; required otherwise.
    :param objective_type: ``"Maximize"`` or ``"Minimize"``. Default: Maximize.
    :param strategy: ``TuningStrategy`` (Bayesian, Random, Hyperband, Grid). Default: Bayesian.
    :param max_jobs: training jobs in all. Default: 1 (the SDK's), none with Grid (SageMaker counts the grid).
    :param max_parallel_jobs: training jobs at once, at most ``max_jobs``. Default: 1.
    :param early_stopping_type: ``"Off"`` or ``"Auto"``. Default: Off (Hyperband requires Off).
    :param max_runtime: longest the tuning job may run, 120 s to 182.5 days. Default: SageMaker's.
    :param warm_start_config: start from up to 5 parent tuning jobs. Default: none.
    :param hyperband_min_resource: Hyperband's ``MinResource`` (epochs). Default: SageMaker's.
    :param hyperband_max_resource: Hyperband's ``MaxResource``. Default: SageMaker's.
    :param random_seed: makes Random/Bayesian/Hyperband suggestions reproducible. Default: none.
    :param base_tuning_job_name: name prefix, at most 20 characters. Default: from the stack and construct names.
    :param tags: tags of the tuning job (SageMaker puts them on its training jobs too). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job: RLTrainingJob,
        hyperparameter_ranges: Mapping[str, ParameterRange],
        objective_metric_name: str | None = None,
        objective_type: ObjectiveType | str = ObjectiveType.MAXIMIZE,
        strategy: TuningStrategy | str = TuningStrategy.BAYESIAN,
        max_jobs: int | None = None,
        max_parallel_jobs: int = 1,
        early_stopping_type: EarlyStoppingType | str = EarlyStoppingType.OFF,
        max_runtime: Duration | None = None,
        warm_start_config: WarmStartConfig | None = None,
        hyperband_min_resource: int | None = None,
        hyperband_max_resource: int | None = None,
        random_seed: int | None = None,
        base_tuning_job_name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(training_job, RLTrainingJob):
            raise TypeError(f"training_job: expected an RLTrainingJob, got {type(training_job).__name__}.")
        stack = stack_of(scope)
        options = resolve_tuning_job(
            hyperparameter_ranges=hyperparameter_ranges,
            metric_names=[definition["Name"] for definition in training_job.metric_definitions],
            toolkit=training_job.toolkit,
            objective_metric_name=objective_metric_name,
            objective_type=objective_type,
            strategy=strategy,
            max_jobs=max_jobs,
            max_parallel_jobs=max_parallel_jobs,
            early_stopping_type=early_stopping_type,
            max_runtime_seconds=whole_seconds(max_runtime, "max_runtime"),
            warm_start_config=warm_start_config,
            hyperband_min_resource=hyperband_min_resource,
            hyperband_max_resource=hyperband_max_resource,
            random_seed=random_seed,
            base_tuning_job_name=base_tuning_job_name,
            # A jsii round trip: read only for the default name.
            name_parts=(stack.stack_name, id) if base_tuning_job_name is None else (),
            tags=tags,
        )
        self.spec = options.spec
        self.base_tuning_job_name = options.base_tuning_job_name
        self.training_job = training_job
        static = static_hyperparameters(
            training_job.hyperparameters,
            training_job.reserved_hyperparameters,
            list(self.spec.ranges),
            execution_input.jsonata(encoded_job_name_expression(self.base_tuning_job_name)),
        )
        self._request = render_create_tuning_job(
            name=execution_input.jsonata(tuning_job_name_expression(self.base_tuning_job_name)),
            spec=self.spec,
            definition=training_job_definition(training_job.request, static),
        )
        validate_request("CreateHyperParameterTuningJob", self._request, arguments=ARGUMENTS)
        families = family_arns(stack, "hyper-parameter-tuning-job", self.base_tuning_job_name)
        self._task_policies = policy_statements(
            sync_job_statements(
                stack,
                "HyperParameterTuningJob",
                families,
                tagged=bool(self.spec.tags),
                passed_role_arn=training_job.role.role_arn,
            )
        )
        super().__init__(
            scope,
            id,
            resource=f"arn:{stack_environment(stack).partition}:states:::sagemaker:createHyperParameterTuningJob.sync",
            output=execution_input.jsonata(output_expression()),
        )
        add_retries(self, TRAINING_RETRIES)  # the .sync optimized integration's error names
        remember_stack(self, stack)
        acknowledge_wildcards(stack, dict.fromkeys(families, TUNING_FAMILY_REASON))

    def longest_seconds(self) -> int:
        """The longest the tuning job can run: ``max_runtime``, else its training jobs in waves of
        ``max_parallel_jobs``, each as long as the training job's longest (a Grid counts its combinations)."""
        return self.spec.longest_seconds(self.training_job.max_training_seconds)

    @property
    def request(self) -> dict[str, Any]:
        """The CreateHyperParameterTuningJob request (JSONata where a value is per execution)."""
        return self._request

    def metric(
        self, metric_name: str, *, statistic: str = "Average", period: Duration | None = None
    ) -> cloudwatch.SearchExpression:
        """One of the tuned job's metric definitions (e.g. the objective, ``"episode_reward_mean"``) for every
        training job the tuning jobs of this family launch (SageMaker names them ``<tuning job>-NNN-<id>``):
        a ``SEARCH`` for dashboards, one line per training job."""
        return family_search(
            TRAINING_METRICS_NAMESPACE,
            metric_name,
            f"{self.base_tuning_job_name}-",
            allowed=[d["Name"] for d in self.training_job.metric_definitions],
            statistic=statistic,
            period=period,
        )

    def add_failure_state(self, id: str = "TuningFailed") -> sfn.Fail:
        """Catch every error of the task into a ``Fail`` state named ``id`` that ends the execution with
        ``RL.TuningFailed`` and, as cause, the original error and its cause (e.g. SageMaker's "No training
        job succeeded after 5 attempts")."""
        fail = sfn.Fail(
            self,
            id,
            query_language=sfn.QueryLanguage.JSONATA,
            error=str(FailureName.TUNING_FAILED),
            cause=execution_input.jsonata(
                "'Tuning (' & $states.input.Error & '): ' & $substring($string($states.input.Cause), 0, 32000)"
            ),
        )
        self.add_catch(fail)
        return fail
