"""RLPipeline grants and metrics as aws-cdk-lib's StateMachine gives them, enough for the rl-constructs command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from rl_constructs import RLPipeline, RLTrainingJob
from rl_constructs.testing import new_app, role_statements


@pytest.fixture
def pipeline(tmp_path: Path) -> RLPipeline:
    (tmp_path / "train.py").write_text("print('train')\n")
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account="111122223333", region="us-west-2"))
    job = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir=str(tmp_path), toolkit="coach", toolkit_version="0.11.0",
        framework="tensorflow", instance_type="ml.c5.2xlarge",
    )  # fmt: skip
    return RLPipeline(stack, "Pipeline", training_job=job)


def granted(pipeline: RLPipeline, *grants: str) -> list[dict[str, Any]]:
    stack = cdk.Stack.of(pipeline)
    role = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    for grant in grants:
        getattr(pipeline, grant)(role)
    return role_statements(Template.from_stack(stack).to_json(), "Operator")


def actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_grant_start_execution_allows_starting_this_state_machine_only(pipeline: RLPipeline) -> None:
    stack = cdk.Stack.of(pipeline)
    machine = stack.resolve(pipeline.state_machine.state_machine_arn)
    assert granted(pipeline, "grant_start_execution") == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": machine}
    ]


def test_the_commands_calls_are_what_the_grants_allow(pipeline: RLPipeline) -> None:
    # rl-constructs train / follow / stop: StartExecution, ListExecutions (newest run), DescribeExecution,
    # GetExecutionHistory (its training job), StopExecution.
    statements = granted(pipeline, "grant_start_execution", "grant_read", "grant_stop_execution")
    assert {
        "states:StartExecution",
        "states:ListExecutions",
        "states:DescribeExecution",
        "states:GetExecutionHistory",
        "states:StopExecution",
    } <= actions(statements)
    (stop,) = [s for s in statements if s["Action"] == "states:StopExecution"]
    rendered = str(stop["Resource"])
    assert ":execution:" in rendered and "StateMachine" in rendered  # this state machine's executions only


@pytest.mark.parametrize(
    ("method", "name", "statistic"),
    [
        ("metric_started", "ExecutionsStarted", "Sum"),
        ("metric_succeeded", "ExecutionsSucceeded", "Sum"),
        ("metric_failed", "ExecutionsFailed", "Sum"),
        ("metric_aborted", "ExecutionsAborted", "Sum"),
        ("metric_timed_out", "ExecutionsTimedOut", "Sum"),
        ("metric_time", "ExecutionTime", "Average"),
    ],
)
def test_each_execution_metric_is_the_state_machines(
    pipeline: RLPipeline, method: str, name: str, statistic: str
) -> None:
    metric = getattr(pipeline, method)()
    stack = cdk.Stack.of(pipeline)
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("AWS/States", name, statistic)
    assert metric.period.to_seconds() == 300
    assert stack.resolve(metric.dimensions) == {
        "StateMachineArn": stack.resolve(pipeline.state_machine.state_machine_arn)
    }
    assert getattr(pipeline, method)(period=cdk.Duration.hours(1)).period.to_seconds() == 3600
