"""The rl-constructs command against moto: train (start, resolve, follow), endpoints, predict, bad input."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rl_constructs.cli import Follower, main

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/StepFunctions"
COACH_METRICS = [
    {"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"},
    {"Name": "reward-testing", "Regex": "^Testing>.*Total reward=(.*?),"},
]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    """moto, executions left RUNNING (its CloudFormation and Step Functions share a backend in this mode)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture
def executing(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    """moto running the state machines it is given (Pass states only here)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.session.Session(region_name=REGION)


def run(session: Any, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), session=session, out=out, sleep=lambda seconds: None, clock=lambda: 0.0)
    return code, out.getvalue()


def pass_machine(result: dict[str, Any]) -> str:
    return json.dumps({"StartAt": "Train", "States": {"Train": {"Type": "Pass", "Result": result, "End": True}}})


def create_stack(session: Any, name: str, machines: int = 1) -> None:
    resources = {
        f"Pipeline{i}StateMachine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "RoleArn": ROLE,
                "DefinitionString": pass_machine({"TrainingJob": {"TrainingJobName": "j"}}),
            },
        }
        for i in range(machines)
    }
    session.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}))


def create_job_with_logs(session: Any, name: str) -> None:
    session.client("sagemaker").create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={
            "TrainingImage": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-rl-tensorflow:coach0.11.0-cpu-py3",
            "TrainingInputMode": "File",
            "MetricDefinitions": COACH_METRICS,
        },
        RoleArn="arn:aws:iam::123456789012:role/SageMaker",
        OutputDataConfig={"S3OutputPath": "s3://out/"},
        ResourceConfig={"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    # moto replaces a job's metric definitions by its own sample; put back the Coach ones SageMaker keeps.
    from moto.sagemaker.models import sagemaker_backends

    sagemaker_backends["123456789012"][REGION].training_jobs[name].algorithm_specification["MetricDefinitions"] = (
        COACH_METRICS
    )
    logs = session.client("logs")
    now = int(time.time() * 1000)
    logs.create_log_group(logGroupName="/aws/sagemaker/TrainingJobs")
    logs.create_log_stream(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=f"{name}/algo-1-1700000000")
    logs.put_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamName=f"{name}/algo-1-1700000000",
        logEvents=[
            {
                "timestamp": now,
                "message": "Training> Name=main_level/agent, Worker=0, Episode=1, Total reward=12.0, Steps=20",
            },
            {
                "timestamp": now + 1000,
                "message": "Testing> Name=main_level/agent, Worker=0, Episode=2, Total reward=195.0, Steps=40",
            },
        ],
    )


# ---- train ------------------------------------------------------------------------------------------------------


def test_train_starts_the_stacks_state_machine_with_the_overrides(aws: Any) -> None:
    create_stack(aws, "RLCartPoleCoachStack")
    overrides = '{"discount": 0.9, "layers": [64, 64], "name": "Größe", "none": null}'
    code, out = run(aws, "train", "RLCartPoleCoachStack", "--hyperparameters", overrides, "--job-name", "X-1")
    assert code == 0
    (machine,) = aws.client("stepfunctions").list_state_machines()["stateMachines"]
    (execution,) = aws.client("stepfunctions").list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    assert out == f"Started {execution['executionArn']}\n"
    described = aws.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
    # Encoded by the client exactly as RLEstimator.fit() encodes them (json.dumps), merged as strings.
    assert json.loads(described["input"]) == {
        "HyperParameters": {"discount": "0.9", "layers": "[64, 64]", "name": '"Gr\\u00f6\\u00dfe"', "none": "null"},
        "TrainingJobName": "X-1",
    }


def test_train_wait_follows_the_job_logs_and_metrics_until_the_end(executing: Any) -> None:
    aws = executing
    create_job_with_logs(aws, "Coach-Train-run-1")
    machine = aws.client("stepfunctions").create_state_machine(
        name="pipeline",
        roleArn=ROLE,
        definition=pass_machine({"TrainingJob": {"TrainingJobName": "Coach-Train-run-1"}}),
    )
    code, out = run(aws, "train", "pipeline", "--wait")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Started arn:aws:states:us-west-2:123456789012:execution:pipeline:")
    assert "[algo-1] Training> Name=main_level/agent, Worker=0, Episode=1, Total reward=12.0, Steps=20" in lines
    assert "  metric reward-training = 12.0" in lines
    assert "  metric reward-testing = 195.0" in lines
    assert "[00:00] execution SUCCEEDED | job Completed (Completed)" in lines
    assert lines[-1] == f"Execution succeeded: {lines[0].removeprefix('Started ')}"
    assert machine["stateMachineArn"] in lines[0].replace(":execution:", ":stateMachine:")


class FakeClients:
    """A session whose clients answer from scripted sequences (status transitions moto cannot make)."""

    def __init__(self) -> None:
        self.region_name = REGION
        self.executions = [
            {"status": "RUNNING"},
            {"status": "RUNNING"},
            {"status": "FAILED", "error": "States.TaskFailed", "cause": "Train failed: AlgorithmError: diverged"},
        ]
        self.jobs = [
            {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Starting", "SecondaryStatusTransitions": [
                {"Status": "Starting", "StatusMessage": "Preparing the instances for training"}]},
            {"TrainingJobStatus": "Failed", "SecondaryStatus": "Failed", "SecondaryStatusTransitions": [
                {"Status": "Starting", "StatusMessage": "Preparing the instances for training"},
                {"Status": "Failed", "StatusMessage": "AlgorithmError: diverged"}]},
        ]  # fmt: skip

    def client(self, name: str) -> Any:
        return self

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return self.executions.pop(0)

    def get_execution_history(self, **kwargs: Any) -> dict[str, Any]:
        details = {"resourceType": "sagemaker", "resource": "createTrainingJob.sync",
                   "parameters": json.dumps({"TrainingJobName": "RL-Train-run-2"})}  # fmt: skip
        return {"events": [{"type": "TaskScheduled", "taskScheduledEventDetails": details}]}

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        assert TrainingJobName == "RL-Train-run-2"
        return self.jobs.pop(0) if len(self.jobs) > 1 else self.jobs[0]

    def describe_log_streams(self, **kwargs: Any) -> dict[str, Any]:
        return {"logStreams": []}


def test_a_failed_execution_prints_the_transitions_and_exits_1() -> None:
    out = io.StringIO()
    ticks = iter(range(0, 1000, 65))
    follower = Follower(FakeClients(), "arn:execution", out=out, sleep=lambda s: None, clock=lambda: next(ticks))
    assert follower.follow() == 1
    assert out.getvalue().splitlines() == [
        "Training job RL-Train-run-2",
        "Starting: Preparing the instances for training",
        "[01:05] execution RUNNING | job InProgress (Starting)",
        "Failed: AlgorithmError: diverged",
        "[02:10] execution RUNNING | job Failed (Failed)",
        "[03:15] execution FAILED | job Failed (Failed)",
        "Execution failed: States.TaskFailed: Train failed: AlgorithmError: diverged",
    ]


def test_ctrl_c_stops_following_not_the_execution(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.client("stepfunctions").create_state_machine(name="pipeline", roleArn=ROLE, definition=pass_machine({}))

    def interrupted(self: Follower) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(Follower, "follow", interrupted)
    code, out = run(aws, "train", "pipeline", "--wait")
    assert code == 130
    assert "Stopped following; the execution goes on: arn:aws:states" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "pipeline", "--hyperparameters", "{nope"], "--hyperparameters is not JSON"),
        (["train", "pipeline", "--hyperparameters", "[1, 2]"], "must be a JSON object"),
        (
            ["train", "pipeline", "--hyperparameters", '{"sagemaker_program": "x"}'],
            "hyperparameters['sagemaker_program']: keys",
        ),
        (["train", "Nothing"], "no stack or state machine named 'Nothing' in us-west-2"),
        (["train", "TwoMachines"], "has several state machines (Pipeline0StateMachine, Pipeline1StateMachine)"),
        (["train", "TwoMachines", "--state-machine-id", "Other"], "has no state machine matching 'Other'"),
        (["predict", "cartpole", "{nope"], "DATA_JSON is not JSON"),
    ],
)
def test_bad_input_is_a_clear_error(
    aws: Any, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    create_stack(aws, "TwoMachines", machines=2)
    code, _ = run(aws, *argv)
    assert code == 2
    assert message in capsys.readouterr().err


def test_state_machine_id_picks_one_of_several(aws: Any) -> None:
    create_stack(aws, "TwoMachines", machines=2)
    code, out = run(aws, "train", "TwoMachines", "--state-machine-id", "Pipeline1")
    assert code == 0 and out.startswith("Started ")


# ---- endpoints, predict ----------------------------------------------------------------------------------------


def test_endpoints_lists_name_status_and_creation_time(aws: Any) -> None:
    assert run(aws, "endpoints") == (0, "No endpoints.\n")
    sagemaker = aws.client("sagemaker")
    sagemaker.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMaker",
        PrimaryContainer={
            "Image": "520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-tensorflow-serving:1.11-cpu"
        },
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 1,
                             "InstanceType": "ml.m5.large"}],
    )  # fmt: skip
    sagemaker.create_endpoint(EndpointName="rl-cartpole-coach", EndpointConfigName="c")
    code, out = run(aws, "endpoints")
    assert code == 0
    name, status, created = out.split()
    assert (name, status) == ("rl-cartpole-coach", "InService")
    assert datetime.fromisoformat(created).year >= 2020 and datetime.fromisoformat(created).tzinfo is not None
    assert datetime.now(UTC) >= datetime.fromisoformat(created)


def test_predict_prints_the_json_answer(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rl_constructs import runtime

    sent: list[Any] = []

    def predict(self: runtime.Predictor, data: Any, *, initial_args: Any = None) -> Any:
        sent.append((self.endpoint_name, data))
        return {"predictions": [[0.2, 0.8]]}

    monkeypatch.setattr(runtime.Predictor, "predict", predict)
    assert run(aws, "predict", "rl-cartpole-coach", '{"instances": [[0, 0, 0, 0]]}') == (
        0,
        '{"predictions": [[0.2, 0.8]]}\n',
    )
    assert sent == [("rl-cartpole-coach", {"instances": [[0, 0, 0, 0]]})]
