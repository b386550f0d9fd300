"""Baseline for the synth benchmark: the Coach CartPole pipeline of app.py, written directly with aws-cdk-lib.

Same resources and states as ``RLCartPoleCoachStack`` (source asset, output bucket, SageMaker role, a
JSONata state machine with the createTrainingJob.sync task, CreateModel / CreateEndpointConfig /
CreateEndpoint / DescribeEndpoint tasks, a Wait/Choice loop, logs and tracing), without rl_constructs:
no catalog, no validation, no SDK encodings. ``benchmarks/run.py`` times both apps.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3"
SERVING = "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
JOB = "{% $states.input.TrainingJob.TrainingJobName %}"


def build(scope: Construct) -> None:
    """One pipeline, its constructs under ``scope`` (a Stack, or one Construct per pipeline)."""
    source = s3_assets.Asset(scope, "Source", path=str(ROOT / "examples" / "cartpole_coach"))
    bucket = s3.Bucket(scope, "Output", enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL)
    role = iam.Role(scope, "SageMakerRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    source.grant_read(role)
    bucket.grant_read_write(role)
    train = sfn.CustomState(
        scope,
        "Train",
        state_json={
            "Type": "Task",
            "QueryLanguage": "JSONata",
            "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
            "Arguments": {
                "TrainingJobName": "{% 'Baseline-Train-' & $states.context.Execution.Name %}",
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                "RoleArn": role.role_arn,
                "OutputDataConfig": {"S3OutputPath": f"s3://{bucket.bucket_name}/"},
                "ResourceConfig": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
                "HyperParameters": {
                    "sagemaker_program": json.dumps("train-coach.py"),
                    "sagemaker_submit_directory": json.dumps(source.s3_object_url),
                },
            },
            "Output": "{% $merge([$states.input, {'TrainingJob': {'TrainingJobName': $states.result.TrainingJobName, "
            "'ModelDataUrl': $states.result.ModelArtifacts.S3ModelArtifacts}}]) %}",
        },
    )

    def call(action: str, parameters: dict[str, object]) -> tasks.CallAwsService:
        return tasks.CallAwsService.jsonata(
            scope,
            action,
            service="sagemaker",
            action=action[0].lower() + action[1:],
            iam_resources=["*"],
            parameters=parameters,
            outputs="{% $states.input %}",
        )

    model = call(
        "CreateModel",
        {
            "ModelName": JOB,
            "ExecutionRoleArn": role.role_arn,
            "PrimaryContainer": {"Image": SERVING, "ModelDataUrl": "{% $states.input.TrainingJob.ModelDataUrl %}"},
        },
    )
    config = call(
        "CreateEndpointConfig",
        {
            "EndpointConfigName": JOB,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": JOB,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        },
    )
    endpoint = call("CreateEndpoint", {"EndpointName": JOB, "EndpointConfigName": JOB})
    describe = call("DescribeEndpoint", {"EndpointName": JOB})
    wait = sfn.Wait(scope, "Wait", time=sfn.WaitTime.duration(cdk.Duration.seconds(30)))
    done = sfn.Choice(scope, "InService?").when(
        sfn.Condition.jsonata("{% $states.input.EndpointStatus = 'InService' %}"), sfn.Succeed(scope, "Deployed")
    )
    done.otherwise(wait)
    wait.next(describe).next(done)
    definition = train.next(model).next(config).next(endpoint).next(wait)
    sfn.StateMachine(
        scope,
        "StateMachine",
        query_language=sfn.QueryLanguage.JSONATA,
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=logs.LogGroup(scope, "Logs"), level=sfn.LogLevel.ALL),
    )


if __name__ == "__main__":
    app = cdk.App()
    build(cdk.Stack(app, "BaselineCoachStack"))
    app.synth()
