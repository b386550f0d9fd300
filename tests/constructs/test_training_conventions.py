"""RLTrainingJob in the CDK's conventions: connections for VPC jobs, a dashboard-only training metric."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from rl_constructs import RLPipeline, RLTrainingJob
from rl_constructs.testing import assert_clean, lint, new_app, synth

COACH: dict[str, Any] = {"toolkit": "coach", "toolkit_version": "0.11.0", "framework": "tensorflow"}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("print('train')\n")
    return tmp_path


def make_stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "RL", env=cdk.Environment(account="111122223333", region="us-west-2"))


def job(stack: cdk.Stack, src: Path, **props: Any) -> RLTrainingJob:
    return RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir=str(src), instance_type="ml.c5.2xlarge", **COACH, **props
    )


def resources(stack: cdk.Stack, kind: str) -> dict[str, Any]:
    return dict(Template.from_stack(stack).find_resources(kind))


def test_a_vpc_job_opens_a_database_port_through_its_connections(src: Path) -> None:
    stack = make_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    database = ec2.SecurityGroup(stack, "Database", vpc=vpc)
    training = job(stack, src, vpc=vpc)
    # The job is a Step Functions state; its Connections (an IConnectable) stands for its instances.
    database.connections.allow_from(training.connections, ec2.Port.tcp(5432), "training reads episodes")
    (job_group,) = training.connections.security_groups
    groups = resources(stack, "AWS::EC2::SecurityGroup")
    job_logical_id = next(
        k for k, v in groups.items() if v["Properties"]["GroupDescription"] == "RL training job instances"
    )
    (rule,) = resources(stack, "AWS::EC2::SecurityGroupIngress").values()
    assert rule["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [job_logical_id, "GroupId"]}
    assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (5432, 5432)
    assert stack.resolve(job_group.security_group_id) == {"Fn::GetAtt": [job_logical_id, "GroupId"]}


def test_security_group_ids_the_sdks_way_are_the_connections_groups(src: Path) -> None:
    stack = make_stack()
    training = job(stack, src, subnets=["subnet-0a1b2c3d"], security_group_ids=["sg-0123456789abcdef0"])
    assert [g.security_group_id for g in training.connections.security_groups] == ["sg-0123456789abcdef0"]


def test_a_job_without_vpc_has_no_security_groups(src: Path) -> None:
    assert job(make_stack(), src).connections.security_groups == []


def test_the_training_metric_is_a_search_for_dashboards(src: Path) -> None:
    stack = make_stack()
    training = job(stack, src)
    reward = training.metric("reward-training", statistic="Maximum", period=cdk.Duration.minutes(1))
    assert isinstance(reward, cloudwatch.SearchExpression)
    assert not hasattr(reward, "create_alarm")  # CloudWatch alarms cannot watch a SEARCH
    expected = (
        'SEARCH(\'{/aws/sagemaker/TrainingJobs,Host} MetricName="reward-training" '
        f"Host=\"{training.base_job_name}-\"', 'Maximum', 60)"
    )
    assert reward.expression == expected
    cloudwatch.Dashboard(stack, "Board", widgets=[[cloudwatch.GraphWidget(left=[reward])]])
    template = Template.from_stack(stack).to_json()
    (board,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = json.loads(
        "".join(p if isinstance(p, str) else "X" for p in board["Properties"]["DashboardBody"]["Fn::Join"][1])
    )
    (widget,) = body["widgets"]
    assert widget["properties"]["metrics"] == [
        [{"expression": expected, "label": f"{training.base_job_name} reward-training", "period": 60}]
    ]
    assert lint(template) == []


def test_the_output_bucket_is_retained_by_default(src: Path) -> None:
    stack = make_stack()
    job(stack, src)
    (bucket,) = resources(stack, "AWS::S3::Bucket").values()
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert resources(stack, "Custom::S3AutoDeleteObjects") == {}


def test_removal_policy_destroy_empties_and_deletes_the_output_bucket(src: Path) -> None:
    app = new_app()
    stack = cdk.Stack(app, "RL", env=cdk.Environment(account="111122223333", region="us-west-2"))
    RLPipeline(stack, "Pipeline", training_job=job(stack, src, removal_policy=cdk.RemovalPolicy.DESTROY))
    (bucket,) = resources(stack, "AWS::S3::Bucket").values()
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Delete", "Delete")
    (auto_delete,) = resources(stack, "Custom::S3AutoDeleteObjects").values()
    assert auto_delete["Properties"]["BucketName"] == {"Ref": next(iter(resources(stack, "AWS::S3::Bucket")))}
    assert_clean(synth(app), "RL")  # the auto-delete function passes cdk-nag too


def test_removal_policy_is_for_the_bucket_made_here(src: Path) -> None:
    from rl_constructs import RLConfigurationError

    stack = make_stack()
    given = cdk.aws_s3.Bucket(stack, "Mine")
    with pytest.raises(RLConfigurationError, match=r"^removal_policy: applies to the output bucket created here"):
        job(stack, src, output_bucket=given, removal_policy=cdk.RemovalPolicy.DESTROY)
    with pytest.raises(TypeError, match=r"^removal_policy: must be RemovalPolicy; got str \('destroy'\)"):
        job(stack, src, removal_policy="destroy")
