#!/usr/bin/env python3
"""The rest of the RL workflow as state machines: evaluate and gate on reward, tune, batch transform.

``RLWorkflowStack`` holds three state machines built from the Coach CartPole example:

- ``GatedPipeline``: train, evaluate the trained policy in a second job (``evaluate-coach.py`` with the
  model as its ``model`` channel), and roll it out to the ``rl-cartpole-gated`` endpoint only when the
  evaluation's final ``reward-testing`` is at least 150; otherwise the run ends ``RL.RewardBelowThreshold``.
- ``Tuning``: a Bayesian hyperparameter tuning job over the training job's definition (learning rate and
  discount), 8 jobs, 2 at a time, maximizing ``reward-training``; ``RL.TuningFailed`` when it fails.
- ``Scoring``: train (an execution may switch to ``ml.p3.2xlarge``, 2 instances or spot training with its
  ``Overrides``), then score the episodes under ``s3://<bucket>/episodes/`` with the trained model
  (``RLBatchTransform``), the transform's model deleted when it ends.

Synthesize it with ``cdk synth --app "python examples/workflow/workflow_app.py"``; the state machines' paths
run in ``tests/constructs/test_workflow_example.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from rl_constructs import (
    ContinuousParameter,
    RewardAtLeast,
    RLBatchTransform,
    RLEvaluationJob,
    RLPipeline,
    RLTrainingJob,
    RLTuningJob,
    RunOverrides,
)

HERE = Path(__file__).resolve().parent
COACH = HERE.parent / "cartpole_coach"


def coach_job(scope: Construct, id: str, **options: Any) -> RLTrainingJob:
    """The Coach + TensorFlow CartPole job of the example app."""
    return RLTrainingJob(
        scope,
        id,
        entry_point="train-coach.py",
        source_dir=str(COACH),
        toolkit="coach",
        toolkit_version="0.11.0",
        framework="tensorflow",
        instance_type="ml.c5.2xlarge",
        hyperparameters={"RLCOACH_PRESET": "preset-cartpole-clippedppo", "rl.agent_params.algorithm.discount": 0.9},
        **options,
    )


def state_machine(scope: Construct, id: str, definition: sfn.IChainable) -> sfn.StateMachine:
    """A logged (ALL) and traced JSONata state machine."""
    machine = sfn.StateMachine(
        scope,
        id,
        query_language=sfn.QueryLanguage.JSONATA,
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        tracing_enabled=True,
        logs=sfn.LogOptions(
            destination=logs.LogGroup(
                scope, f"{id}Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=cdk.RemovalPolicy.DESTROY
            ),
            level=sfn.LogLevel.ALL,
        ),
    )
    cdk.Validations.of(machine.role).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            reason="CloudWatch Logs delivery and X-Ray APIs have no resource type.",
        )
    )
    return machine


class RLWorkflowStack(cdk.Stack):
    """Evaluate-and-gate, tuning and batch transform of the Coach CartPole policy."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        train = coach_job(self, "Train")
        evaluate = RLEvaluationJob(
            self,
            "Evaluate",
            trained=train,
            entry_point="evaluate-coach.py",
            source_dir=str(HERE),
            dependencies=[str(COACH / "preset-cartpole-clippedppo.py")],
            hyperparameters={"evaluate_steps": 2000, "RLCOACH_PRESET": "preset-cartpole-clippedppo"},
        )
        self.gated = RLPipeline(
            self,
            "GatedPipeline",
            training_job=train,
            evaluation_job=evaluate,
            deploy_if=RewardAtLeast("reward-testing", 150),
            deploy_instance_type="ml.m5.large",
            endpoint_name="rl-cartpole-gated",
        )

        self.tuning = RLTuningJob(
            self,
            "Tune",
            training_job=coach_job(self, "TuneBase"),
            hyperparameter_ranges={
                "rl.agent_params.algorithm.discount": ContinuousParameter(0.9, 0.999),
                "rl.agent_params.network_wrappers.main.learning_rate": ContinuousParameter(
                    0.00001, 0.001, "Logarithmic"
                ),
            },
            max_jobs=8,
            max_parallel_jobs=2,
            early_stopping_type="Auto",
        )
        self.tuning.add_failure_state()
        self.tuning_machine = state_machine(self, "Tuning", self.tuning)

        episodes = s3.Bucket(
            self,
            "Episodes",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cdk.Validations.of(episodes).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-S1",
                reason="Scoring input written and read only by this stack's roles; audited with CloudTrail.",
            )
        )
        # Each scoring run may train on a GPU type, more instances or spot capacity (its input's "Overrides").
        score_job = coach_job(
            self,
            "TrainToScore",
            run_overrides=RunOverrides(
                instance_types=["ml.p3.2xlarge"],
                max_instance_count=2,
                allow_spot=True,
                max_wait=cdk.Duration.days(2),
            ),
        )
        self.scoring = RLBatchTransform(
            self,
            "Score",
            training_job=score_job,
            instance_type="ml.m5.xlarge",
            data=f"s3://{episodes.bucket_name}/episodes/",
            split_type="Line",
            content_type="application/jsonlines",
            assemble_with="Line",
            accept="application/jsonlines",
        )
        self.scoring_machine = state_machine(self, "Scoring", score_job.next(self.scoring))


def build_app(app: cdk.App) -> cdk.App:
    """The example's stack in ``app`` (the tests pass an app with the cdk.json context)."""
    RLWorkflowStack(app, "RLWorkflowStack")
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
