#!/usr/bin/env python3
"""The example app: `make synth` synthesizes it into cdk.out/ with no AWS account and no lookups.

The stack region comes from CDK_DEFAULT_REGION when it is set; otherwise the stacks are region-agnostic
and image URIs come from a CloudFormation mapping.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_ssm as ssm

from rl_constructs import Processor, RLFramework, RLToolkit, resolve_image, training_image


def environment() -> cdk.Environment | None:
    region = os.environ.get("CDK_DEFAULT_REGION")
    return cdk.Environment(region=region) if region else None


class RLImageCatalogStack(cdk.Stack):
    """Shows the catalog at work: publishes the Coach/TensorFlow training image of the stack's region
    in Parameter Store, for other stacks and scripts to read."""

    def __init__(self, scope: cdk.App, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        row = training_image(RLToolkit.COACH, "0.11.0", RLFramework.TENSORFLOW)
        image = resolve_image(self, row.image, Processor.CPU)
        parameter = ssm.StringParameter(
            self,
            "CoachTrainingImage",
            string_value=image.image_uri,
            description=f"SageMaker RL training image: {row.label} (cpu)",
        )
        cdk.CfnOutput(self, "CoachTrainingImageUri", value=image.image_uri, description=row.label)
        cdk.CfnOutput(self, "CoachTrainingImageParameter", value=parameter.parameter_name)


def build_app(app: cdk.App) -> cdk.App:
    RLImageCatalogStack(app, "RLImageCatalogStack", env=environment())
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
