"""RLDashboard: a pipeline's reward curves, runs and endpoint, as CloudWatch renders the dashboard body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from rl_constructs import RLDashboard, RLEndpoint, RLPipeline, RLTrainingJob
from rl_constructs.dashboard import RUNS_QUERY
from rl_constructs.testing import lint, new_app


@pytest.fixture
def src(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text("print('train')\n")
    return tmp_path


def make_pipeline(src: Path, **props: Any) -> RLPipeline:
    stack = cdk.Stack(new_app(), "RL", env=cdk.Environment(account="111122223333", region="us-west-2"))
    job = RLTrainingJob(
        stack, "Train", entry_point="train.py", source_dir=str(src), toolkit="coach", toolkit_version="0.11.0",
        framework="tensorflow", instance_type="ml.c5.2xlarge",
    )  # fmt: skip
    return RLPipeline(stack, "Pipeline", training_job=job, **props)


def body_of(stack: cdk.Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dashboard body as CloudWatch receives it, references replaced by their logical id in <>."""
    template = Template.from_stack(stack).to_json()
    (board,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    parts = board["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else f"<{p.get('Ref') or p['Fn::GetAtt'][0]}>" for p in parts)
    return json.loads(text), template


def test_a_serving_pipeline_shows_rewards_runs_and_its_endpoint(src: Path) -> None:
    pipeline = make_pipeline(src, deploy_instance_type="ml.m5.large", endpoint_name="rl-cartpole-coach")
    stack = cdk.Stack.of(pipeline)
    RLDashboard(stack, "Dashboard", pipeline=pipeline, dashboard_name="rl-cartpole")
    body, template = body_of(stack)
    assert lint(template) == []
    titles = [w["properties"].get("title") for w in body["widgets"]]
    assert titles == [
        "reward-training (every run of RL-Train)",
        "reward-testing (every run of RL-Train)",
        "Runs",
        "Run time (ms)",
        "Latest runs",
        "Invocations and errors",
        "Latency (microseconds)",
        "Instances (%)",
    ]
    widgets = {w["properties"].get("title"): w for w in body["widgets"]}
    (reward,) = widgets["reward-training (every run of RL-Train)"]["properties"]["metrics"]
    assert reward[0]["expression"] == (
        "SEARCH('{/aws/sagemaker/TrainingJobs,Host} MetricName=\"reward-training\" Host=\"RL-Train-\"', 'Maximum', 300)"
    )
    runs = widgets["Runs"]["properties"]["metrics"]
    assert [m[1] for m in runs] == [
        "ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsAborted", "ExecutionsTimedOut",
    ]  # fmt: skip
    assert all(m[0] == "AWS/States" and m[2] == "StateMachineArn" for m in runs)
    query = widgets["Latest runs"]["properties"]
    assert query["query"].endswith(RUNS_QUERY.replace("\n", "\n"))
    assert query["view"] == "table"
    traffic = widgets["Invocations and errors"]["properties"]["metrics"]
    assert [m[:6] for m in traffic] == [
        ["AWS/SageMaker", "Invocations", "EndpointName", "rl-cartpole-coach", "VariantName", "AllTraffic"],
        ["AWS/SageMaker", "Invocation4XXErrors", "EndpointName", "rl-cartpole-coach", "VariantName", "AllTraffic"],
        ["AWS/SageMaker", "Invocation5XXErrors", "EndpointName", "rl-cartpole-coach", "VariantName", "AllTraffic"],
    ]
    instances = widgets["Instances (%)"]["properties"]["metrics"]
    assert [(m[0], m[1]) for m in instances] == [
        ("/aws/sagemaker/Endpoints", "CPUUtilization"),
        ("/aws/sagemaker/Endpoints", "MemoryUtilization"),
        ("/aws/sagemaker/Endpoints", "GPUUtilization"),
    ]
    assert all(w["x"] + w["width"] <= 24 for w in body["widgets"])


def test_a_training_only_pipeline_has_no_endpoint_row(src: Path) -> None:
    pipeline = make_pipeline(src)
    board = RLDashboard(cdk.Stack.of(pipeline), "Dashboard", pipeline=pipeline)
    assert board.endpoint is None
    body, _ = body_of(cdk.Stack.of(pipeline))
    assert [w["properties"].get("title") for w in body["widgets"]][-1] == "Latest runs"


def test_an_endpoint_given_is_shown(src: Path) -> None:
    pipeline = make_pipeline(src)
    stack = cdk.Stack.of(pipeline)
    endpoint = RLEndpoint.from_endpoint_name(stack, "Served", "shared-policy")
    RLDashboard(stack, "Dashboard", pipeline=pipeline, endpoint=endpoint)
    body, _ = body_of(stack)
    (invocations, *_) = body["widgets"][-3]["properties"]["metrics"]
    assert invocations[:4] == ["AWS/SageMaker", "Invocations", "EndpointName", "shared-policy"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"pipeline": "p"}, r"^pipeline: must be RLPipeline; got str"),
        ({"endpoint": "rl-cartpole"}, r"^endpoint: must be an IRLEndpoint"),
        ({"period": 300}, r"^period: must be Duration; got int"),
        ({"dashboard_name": 3}, r"^dashboard_name"),
    ],
)
def test_wrong_types_are_refused(src: Path, props: dict[str, Any], message: str) -> None:
    pipeline = make_pipeline(src)
    with pytest.raises(TypeError, match=message):
        RLDashboard(cdk.Stack.of(pipeline), "Dashboard", **{"pipeline": pipeline, **props})
