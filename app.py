#!/usr/bin/env python3
"""The example app: `make synth` synthesizes it into cdk.out/ with no AWS account and no lookups.

- ``RLCartPoleCoachStack``: train a Coach + TensorFlow CartPole policy, then serve it on a stable endpoint.
- ``RLRayPipelineStack``: distributed Ray + PyTorch training on 2 spot instances with checkpoints.
- ``RLAttachStack``: attach to an existing training job and deploy its model
  (``cdk synth -c training_job_name=<job>``; default ``rl-cartpole-coach-example``).

The stack region comes from CDK_DEFAULT_REGION when it is set; otherwise the stacks are region-agnostic
and image URIs come from a CloudFormation mapping.
"""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from rl_constructs import RLFramework, RLPipeline, RLToolkit, RLTrainingJob

EXAMPLES = Path(__file__).resolve().parent / "examples"
#: The job RLAttachStack attaches to unless `-c training_job_name=...` names another.
DEFAULT_ATTACHED_JOB = "rl-cartpole-coach-example"


def environment() -> cdk.Environment | None:
    region = os.environ.get("CDK_DEFAULT_REGION")
    return cdk.Environment(region=region) if region else None


class RLCartPoleCoachStack(cdk.Stack):
    """Coach + TensorFlow CartPole: train, then roll the policy out to the ``rl-cartpole-coach`` endpoint."""

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
        self.pipeline = RLPipeline(
            self,
            "Pipeline",
            training_job=self.training_job,
            deploy_instance_type="ml.m5.large",
            initial_instance_count=1,
            endpoint_name="rl-cartpole-coach",
        )
        cdk.CfnOutput(self, "StateMachineArn", value=self.pipeline.state_machine.state_machine_arn)
        cdk.CfnOutput(self, "EndpointName", value="rl-cartpole-coach")


class RLRayPipelineStack(cdk.Stack):
    """Ray + PyTorch CartPole on two instances, managed spot training with checkpoints: training only."""

    def __init__(self, scope: cdk.App, construct_id: str, *, env: cdk.Environment | None = None) -> None:
        super().__init__(scope, construct_id, env=env)
        checkpoints = s3.Bucket(
            self,
            "Checkpoints",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(30))],
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        cdk.Validations.of(checkpoints).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-S1",
                reason="Spot-training checkpoints expire after 30 days; access logs would outlive them.",
            )
        )
        self.training_job = RLTrainingJob(
            self,
            "Train",
            entry_point="train-ray-torch.py",
            source_dir=str(EXAMPLES / "cartpole_ray"),
            toolkit=RLToolkit.RAY,
            toolkit_version="1.6.0",
            framework=RLFramework.PYTORCH,
            instance_type="ml.c5.2xlarge",
            instance_count=2,
            use_spot_instances=True,
            max_run=cdk.Duration.hours(8),
            max_wait=cdk.Duration.hours(12),
            checkpoint_s3_uri=f"s3://{checkpoints.bucket_name}/cartpole-ray/",
            hyperparameters={"gamma": 0.99, "episode_reward_mean": 195},
        )
        self.pipeline = RLPipeline(self, "Pipeline", training_job=self.training_job)
        cdk.CfnOutput(self, "StateMachineArn", value=self.pipeline.state_machine.state_machine_arn)


class RLAttachStack(cdk.Stack):
    """Attach to a training job that already ran (``RLEstimator.attach``) and serve its model."""

    def __init__(
        self, scope: cdk.App, construct_id: str, *, training_job_name: str, env: cdk.Environment | None = None
    ) -> None:
        super().__init__(scope, construct_id, env=env)
        self.attached = RLTrainingJob.attach(self, "Attached", training_job_name=training_job_name)
        self.endpoint = self.attached.deploy(instance_type="ml.m5.large", initial_instance_count=1)
        cdk.CfnOutput(self, "ModelDataUrl", value=self.attached.model_data_url)
        cdk.CfnOutput(self, "Toolkit", value=self.attached.toolkit)
        cdk.CfnOutput(self, "EndpointName", value=self.endpoint.endpoint_name)


def build_app(app: cdk.App) -> cdk.App:
    env = environment()
    RLCartPoleCoachStack(app, "RLCartPoleCoachStack", env=env)
    RLRayPipelineStack(app, "RLRayPipelineStack", env=env)
    job_name = app.node.try_get_context("training_job_name") or DEFAULT_ATTACHED_JOB
    RLAttachStack(app, "RLAttachStack", training_job_name=str(job_name), env=env)
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
