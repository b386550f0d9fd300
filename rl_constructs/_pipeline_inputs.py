"""What RLPipeline reduces to plain values before ``core.serving.pipeline.resolve``: its job states (types
checked here: they are constructs) and Durations that must be known at synth."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration

from ._arguments import whole_seconds
from .core.serving.checks import known_seconds
from .core.serving.pipeline import Stage
from .core.training.evaluation import MetricCondition
from .evaluation import RLEvaluationJob
from .training_job import RLTrainingJob
from .tuning_job import RLTuningJob


def job_stages(
    training_job: RLTrainingJob,
    evaluation_job: RLEvaluationJob | None,
    tuning_job: RLTuningJob | None,
    deploy_if: MetricCondition | None,
) -> dict[str, Any]:
    """The ``training``, ``training_in_vpc``, ``evaluation`` and ``tuning`` arguments of ``resolve``; the
    evaluation job checks ``deploy_if`` against its metric definitions. A path is read (a jsii round trip)
    only for an error's message."""
    if not isinstance(training_job, RLTrainingJob):
        raise TypeError(f"training_job: expected an RLTrainingJob, got {type(training_job).__name__}.")
    started: str | None = getattr(training_job, "_rl_pipeline", None)
    stages: dict[str, Any] = {
        "training": Stage(
            training_job.max_training_seconds, started, training_job.node.path if started is not None else None
        ),
        "training_in_vpc": bool(training_job.vpc_config),
    }
    if evaluation_job is not None:
        if not isinstance(evaluation_job, RLEvaluationJob):
            raise TypeError(f"evaluation_job: expected an RLEvaluationJob, got {type(evaluation_job).__name__}.")
        trained = evaluation_job.trained
        stages["evaluation"] = Stage(
            evaluation_job.max_training_seconds,
            getattr(evaluation_job, "_rl_pipeline", None),
            other_training_job=None if trained is training_job else trained.node.path,
        )
        if deploy_if is not None:
            evaluation_job.check_condition(deploy_if)
    if tuning_job is not None:
        if not isinstance(tuning_job, RLTuningJob):
            raise TypeError(f"tuning_job: expected an RLTuningJob, got {type(tuning_job).__name__}.")
        tuned = tuning_job.training_job
        stages["tuning"] = Stage(
            tuning_job.longest_seconds(),
            getattr(tuning_job, "_rl_pipeline", None),
            other_training_job=None if tuned is training_job else tuned.node.path,
        )
    return stages


def synth_seconds(value: Duration | None, argument: str, *, default: int | None = None) -> int:
    """A Duration as whole seconds, required to be known at synth (``core.serving.checks.known_seconds``)."""
    return known_seconds(argument, whole_seconds(value, argument), default=default)
