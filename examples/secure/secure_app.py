#!/usr/bin/env python3
"""A stack that uses every security option of rl-constructs, and passes cdk-nag and cfn-lint clean.

``RLSecureStack``: its own VPC (private isolated subnets, flow logs, an S3 gateway endpoint), its own
SageMaker execution role, four customer-managed KMS keys with rotation (training volume, model artifacts,
endpoint volume, data capture), KMS-encrypted, SSL-only, access-logged buckets, network isolation and
inter-container encryption for training, an ``RLPipeline`` that trains and rolls the policy out to an
endpoint with an encrypted volume and encrypted data capture (its state machine logging ALL, traced), and an
``RLModel`` + ``RLEndpoint`` in the VPC serving a trained policy with data capture to a KMS-encrypted bucket.

Every permission comes from the resources: the execution role may write the artifacts with their key and
create grants on the volume key for AWS resources only; the hosting role may decrypt the model data and
write the capture with its key. cdk-nag's AwsSolutions pack leaves no finding unacknowledged and
cfn-lint none at all (``tests/constructs/test_secure_example.py``).

Synthesize it with ``cdk synth --app "python examples/secure/secure_app.py"``.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from rl_constructs import DataCapture, RLEndpoint, RLFramework, RLModel, RLPipeline, RLToolkit, RLTrainingJob

SOURCE = Path(__file__).resolve().parents[1] / "cartpole_coach"
#: The key of the model the endpoint serves in the artifacts bucket, unless ``-c model_data_key=...`` names
#: another (a job of this stack writes ``cartpole/<job name>/output/model.tar.gz``).
DEFAULT_MODEL_DATA_KEY = "cartpole/model.tar.gz"


class RLSecureStack(cdk.Stack):
    """Coach + TensorFlow CartPole trained and served with every security option on.

    :param model_data_key: the key of the served ``model.tar.gz`` in the artifacts bucket.
        Default: ``cartpole/model.tar.gz``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_data_key: str = DEFAULT_MODEL_DATA_KEY,
        env: cdk.Environment | None = None,
    ) -> None:
        super().__init__(scope, construct_id, env=env)
        volume_key, output_key, endpoint_key, capture_key = (
            kms.Key(self, name, enable_key_rotation=True, description=f"RL secure example: {text}")
            for name, text in (
                ("VolumeKey", "training volumes"),
                ("OutputKey", "model artifacts"),
                ("EndpointKey", "endpoint volumes"),
                ("CaptureKey", "data capture"),
            )
        )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
        )
        flow_logs = logs.LogGroup(self, "FlowLogs", retention=logs.RetentionDays.ONE_YEAR)
        vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
        vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        )
        artifacts = s3.Bucket(
            self,
            "Artifacts",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=output_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="artifacts/",
        )
        captures = s3.Bucket(
            self,
            "Captures",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=capture_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="captures/",
        )
        role = iam.Role(
            self,
            "SageMakerExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="SageMaker execution role of the secure RL example",
        )
        self.training_job = RLTrainingJob(
            self,
            "Train",
            entry_point="train-coach.py",
            source_dir=str(SOURCE),
            toolkit=RLToolkit.COACH,
            toolkit_version="0.11.0",
            framework=RLFramework.TENSORFLOW,
            instance_type="ml.c5.2xlarge",
            role=role,
            output_bucket=artifacts,
            output_prefix="cartpole/",
            output_kms_key=output_key,
            volume_kms_key=volume_key,
            vpc=vpc,
            enable_network_isolation=True,
            encrypt_inter_container_traffic=True,
            hyperparameters={"RLCOACH_PRESET": "preset-cartpole-clippedppo"},
        )
        # Trained, then rolled out to its own endpoint (volume encrypted with the endpoint key, captures with the
        # capture key) by the pipeline, which logs ALL, traces, and deletes what its runs create at cdk destroy.
        self.pipeline = RLPipeline(
            self,
            "Pipeline",
            training_job=self.training_job,
            deploy_instance_type="ml.m5.large",
            endpoint_name="rl-secure-cartpole",
            endpoint_kms_key=endpoint_key,
            data_capture=DataCapture(destination=captures, prefix="pipeline-captures/", kms_key=capture_key),
        )
        self.model = RLModel(
            self,
            "Model",
            model_data_url=artifacts.s3_url_for_object(model_data_key),
            instance_type="ml.m5.large",
            toolkit=RLToolkit.COACH,
            toolkit_version="0.11.0",
            framework=RLFramework.TENSORFLOW,
            model_data_kms_key=output_key,
            vpc=vpc,
            enable_network_isolation=True,
        )
        self.endpoint = RLEndpoint(
            self,
            "Endpoint",
            model=self.model,
            kms_key=endpoint_key,
            data_capture=DataCapture(destination=captures, kms_key=capture_key),
        )
        cdk.CfnOutput(self, "EndpointName", value=self.endpoint.endpoint_name)


def build_app(app: cdk.App) -> cdk.App:
    """Add the secure example stack to ``app``."""
    model_data_key = app.node.try_get_context("model_data_key") or DEFAULT_MODEL_DATA_KEY
    RLSecureStack(app, "RLSecureStack", model_data_key=str(model_data_key), env=cdk.Environment(region="us-west-2"))
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
