#!/usr/bin/env python3
"""The example app: `make synth` synthesizes it into cdk.out/ with no AWS account and no lookups.

The stack region comes from CDK_DEFAULT_REGION when it is set; otherwise the stacks are region-agnostic
and image URIs come from a CloudFormation mapping.
"""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from rl_constructs import RLFramework, RLToolkit, RLTrainingJob

EXAMPLES = Path(__file__).resolve().parent / "examples"


def environment() -> cdk.Environment | None:
    region = os.environ.get("CDK_DEFAULT_REGION")
    return cdk.Environment(region=region) if region else None


class RLCartPoleCoachStack(cdk.Stack):
    """Coach + TensorFlow CartPole training as a state machine: start an execution to train a policy."""

    def __init__(self, scope: cdk.App, construct_id: str, *, env: cdk.Environment | None = None) -> None:
        super().__init__(scope, construct_id, env=env)
        self.training_job = RLTrainingJob(
            self,
            "Train",
            entry_point="train-coach.py",
            source_dir=str(EXAMPLES / "cartpole_coach"),
            toolkit=RLToolkit.COACH,
            toolkit_version="0.11.0",
            framework=RLFramework.TENSORFLOW,
            instance_type="ml.c5.2xlarge",
            hyperparameters={"RLCOACH_PRESET": "preset-cartpole-clippedppo", "rl.agent_params.algorithm.discount": 0.9},
        )
        self.state_machine = sfn.StateMachine(
            self,
            "TrainingStateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(self.training_job),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(
                    self,
                    "TrainingLogs",
                    retention=logs.RetentionDays.ONE_MONTH,
                    removal_policy=cdk.RemovalPolicy.DESTROY,  # execution logs go with the stack
                ),
                level=sfn.LogLevel.ALL,
            ),
        )
        cdk.Validations.of(self.state_machine.role).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                reason="Step Functions log delivery and X-Ray actions have no resource type.",
            )
        )
        cdk.CfnOutput(self, "StateMachineArn", value=self.state_machine.state_machine_arn)


def build_app(app: cdk.App) -> cdk.App:
    RLCartPoleCoachStack(app, "RLCartPoleCoachStack", env=environment())
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
