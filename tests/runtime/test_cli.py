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

from rl_constructs.runtime.cli import Follower, main
from rl_constructs.runtime.cli.charts import text_chart

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/StepFunctions"
COACH_METRICS = [
    {"Name": "reward-training", "Regex": "^Training>.*Total reward=(.*?),"},
    {"Name": "reward-testing", "Regex": "^Testing>.*Total reward=(.*?),"},
]


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    """One boto3 session for the module's tests: a new one per test parsed botocore's service models and
    endpoint data again (about half of these tests' time). Only the client factory is shared: each test
    has its own moto backends (``aws``, ``executing``) or its own stubbed client."""
    return boto3.session.Session(region_name=REGION)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, session: boto3.session.Session) -> Iterator[boto3.session.Session]:
    """moto, executions left RUNNING (its CloudFormation and Step Functions share a backend in this mode)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield session


@pytest.fixture
def executing(monkeypatch: pytest.MonkeyPatch, session: boto3.session.Session) -> Iterator[boto3.session.Session]:
    """moto running the state machines it is given (Pass states only here)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield session


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
    progress = "[00:00] execution SUCCEEDED | job Completed (Completed) | reward-testing 195.0, reward-training 12.0"
    assert progress in lines
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
        starting = {
            "Status": "Starting",
            "StatusMessage": "Preparing the instances for training",
            "StartTime": datetime(2026, 11, 30, 14, 0, 5, tzinfo=UTC),
        }
        failed = {
            "Status": "Failed",
            "StatusMessage": "AlgorithmError: diverged",
            "StartTime": datetime(2026, 11, 30, 14, 9, 0, tzinfo=UTC),
        }
        self.jobs: list[dict[str, Any]] = [
            {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Starting",
             "SecondaryStatusTransitions": [starting]},
            {"TrainingJobStatus": "Failed", "SecondaryStatus": "Failed",
             "SecondaryStatusTransitions": [starting, failed],
             "ResourceConfig": {"InstanceCount": 2}, "TrainingTimeInSeconds": 500, "BillableTimeInSeconds": 100,
             "EnableManagedSpotTraining": True},
        ]  # fmt: skip
        self.stopped: list[tuple[str, dict[str, Any]]] = []

    def client(self, name: str) -> Any:
        return self

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return self.executions.pop(0) if len(self.executions) > 1 else self.executions[0]

    def get_paginator(self, operation: str) -> Any:
        assert operation == "get_execution_history"
        details = {"resourceType": "sagemaker", "resource": "createTrainingJob.sync",
                   "parameters": json.dumps({"TrainingJobName": "RL-Train-run-2"})}  # fmt: skip
        page = {"events": [{"type": "TaskScheduled", "taskScheduledEventDetails": details}]}
        return type("Paginator", (), {"paginate": lambda self, **kwargs: [page]})()

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        assert TrainingJobName == "RL-Train-run-2"
        return self.jobs.pop(0) if len(self.jobs) > 1 else self.jobs[0]

    def describe_log_streams(self, **kwargs: Any) -> dict[str, Any]:
        return {"logStreams": []}

    def stop_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.stopped.append(("execution", kwargs))
        return {}

    def stop_training_job(self, **kwargs: Any) -> dict[str, Any]:
        self.stopped.append(("job", kwargs))
        return {}


def test_a_failed_execution_prints_timestamped_transitions_billable_time_and_exits_1() -> None:
    out = io.StringIO()
    ticks = iter(range(0, 10000, 65))
    follower = Follower(FakeClients(), "arn:execution", out=out, sleep=lambda s: None, clock=lambda: next(ticks))
    assert follower.follow() == 1
    # Status changes as fit(logs=True) prints them (sagemaker.utils.secondary_training_status_message), and
    # seconds times the instance count with the spot savings, as sagemaker.session.logs_for_job ends.
    assert out.getvalue().splitlines() == [
        "Training job RL-Train-run-2",
        "2026-11-30 14:00:05 Starting - Preparing the instances for training",
        "[01:05] execution RUNNING | job InProgress (Starting)",
        "2026-11-30 14:09:00 Failed - AlgorithmError: diverged",
        "[02:10] execution RUNNING | job Failed (Failed)",
        "[03:15] execution FAILED | job Failed (Failed)",
        "Training seconds: 1000",
        "Billable seconds: 200",
        "Managed Spot Training savings: 80.0%",
        "Execution failed: States.TaskFailed: Train failed: AlgorithmError: diverged",
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_line_is_rewritten_in_place() -> None:
    out = Terminal()
    ticks = iter(range(0, 10000, 65))
    assert Follower(FakeClients(), "arn:execution", out=out, sleep=lambda s: None, clock=lambda: next(ticks)).follow()
    text = out.getvalue()
    assert "\r\x1b[K[01:05] execution RUNNING | job InProgress (Starting)\r\x1b[K2026-11-30 14:09:00 Failed" in text
    assert "\r\x1b[K[03:15] execution FAILED | job Failed (Failed)\nTraining seconds: 1000\n" in text


def test_stop_stops_the_execution_and_its_running_training_job() -> None:
    clients = FakeClients()
    clients.jobs = [{"TrainingJobStatus": "InProgress"}]
    code, out = run(clients, "stop", "arn:aws:states:us-west-2:123456789012:execution:pipeline:run-2")
    assert code == 0
    assert clients.stopped == [
        ("execution", {"executionArn": "arn:aws:states:us-west-2:123456789012:execution:pipeline:run-2",
                       "error": "RL.Stopped", "cause": "stopped with rl-constructs stop"}),
        ("job", {"TrainingJobName": "RL-Train-run-2"}),
    ]  # fmt: skip
    assert out.splitlines() == [
        "Stopped arn:aws:states:us-west-2:123456789012:execution:pipeline:run-2",
        "Stopping training job RL-Train-run-2",
    ]


def test_stop_of_a_stack_aborts_its_newest_execution_in_step_functions(aws: Any) -> None:
    create_stack(aws, "RLCartPoleCoachStack")
    _, started = run(aws, "train", "RLCartPoleCoachStack")
    execution = started.split()[1]
    code, out = run(aws, "stop", "RLCartPoleCoachStack", "--cause", "diverging")
    assert (code, out) == (0, f"Stopped {execution}\n")
    described = aws.client("stepfunctions").describe_execution(executionArn=execution)
    assert described["status"] == "ABORTED"
    assert run(aws, "stop", execution) == (0, f"Execution already ABORTED: {execution}\n")


def test_follow_resumes_following_the_newest_execution(executing: Any) -> None:
    aws = executing
    create_job_with_logs(aws, "Coach-Train-run-1")
    aws.client("stepfunctions").create_state_machine(
        name="pipeline",
        roleArn=ROLE,
        definition=pass_machine({"TrainingJob": {"TrainingJobName": "Coach-Train-run-1"}}),
    )
    _, started = run(aws, "train", "pipeline")
    code, out = run(aws, "follow", "pipeline")
    assert code == 0
    execution = started.split()[1]
    assert out.splitlines()[0] == f"Following {execution}"
    assert "  metric reward-testing = 195.0" in out.splitlines()
    assert out.splitlines()[-1] == f"Execution succeeded: {execution}"


def test_ctrl_c_stops_following_not_the_execution(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.client("stepfunctions").create_state_machine(name="pipeline", roleArn=ROLE, definition=pass_machine({}))

    def interrupted(self: Follower) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(Follower, "follow", interrupted)
    code, out = run(aws, "train", "pipeline", "--wait")
    assert code == 130
    assert "Stopped following; the execution goes on: arn:aws:states" in out
    assert "\nResume: rl-constructs follow arn:aws:states:" in out
    assert "\nStop:   rl-constructs stop arn:aws:states:" in out


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


# ---- expected failures: one line on stderr, an exit code of their own ------------------------------------------


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"rl-constructs {version('rl-constructs')}\n"


def test_the_console_script_and_python_m_run_main_without_loading_the_cdk_or_boto3() -> None:
    import subprocess
    import sys
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="rl-constructs")
    assert script.load() is main
    probe = (
        "import json, runpy, sys\n"
        "sys.argv = ['rl-constructs', '--version']\n"
        "try:\n    runpy.run_module('rl_constructs.runtime.cli', run_name='__main__')\n"
        "except SystemExit as exited:\n    print(exited.code)\n"
        "print(json.dumps({m: m in sys.modules for m in ('aws_cdk', 'jsii', 'boto3', 'botocore')}))"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert shown.splitlines()[1:] == ["0", '{"aws_cdk": false, "jsii": false, "boto3": false, "botocore": false}']
    assert shown.startswith("rl-constructs ")


@pytest.fixture
def no_aws_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """A shell with no AWS configuration at all: no keys, no profile files, no instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("rl-constructs: ")
    return line


def test_no_region_is_one_line_and_exit_code_3(no_aws_setup: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["endpoints"]) == 3
    assert (
        one_line_error(capsys) == "rl-constructs: no AWS region: pass --region or set AWS_REGION or AWS_DEFAULT_REGION"
    )


def test_aws_region_is_read_as_the_aws_cli_reads_it(no_aws_setup: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        assert main(["endpoints"], out=io.StringIO()) == 0


def test_no_credentials_is_one_line_and_exit_code_3(no_aws_setup: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "RLCartPoleCoachStack", "--region", "eu-west-1"]) == 3
    line = one_line_error(capsys)
    assert line.startswith("rl-constructs: no usable AWS credentials (Unable to locate credentials): set AWS_PROFILE")


def test_an_unreachable_endpoint_is_one_line_and_exit_code_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["endpoints", "--region", "us-west-2"]) == 3
    assert one_line_error(capsys).startswith(
        'rl-constructs: cannot reach AWS: Could not connect to the endpoint URL: "http://127.0.0.1:9/"'
    )


def session_of(client: Any) -> Any:
    """A session whose every client is ``client``."""
    return type("Session", (), {"region_name": REGION, "client": lambda self, name: client})()


def stubbed_session(session: Any, service: str, operation: str, code: str, message: str) -> Any:
    """A session whose ``service`` client is a real botocore client answering ``operation`` with an error."""
    from botocore.stub import Stubber

    client = session.client(service)
    stubber = Stubber(client)
    stubber.add_client_error(operation, service_error_code=code, service_message=message, http_status_code=400)
    stubber.activate()
    return session_of(client)


@pytest.mark.parametrize(
    ("code", "exit_code", "prefix"),
    [
        ("AccessDeniedException", 4, "rl-constructs: ListEndpoints: AccessDeniedException: not allowed"),
        ("ThrottlingException", 4, "rl-constructs: ListEndpoints: ThrottlingException: not allowed"),
        ("ExpiredTokenException", 3, "rl-constructs: AWS rejected the credentials: ListEndpoints: ExpiredToken"),
    ],
)
def test_an_aws_error_is_one_line_with_its_code(
    session: Any, capsys: pytest.CaptureFixture[str], code: str, exit_code: int, prefix: str
) -> None:
    stubbed = stubbed_session(session, "sagemaker", "list_endpoints", code, "not allowed")
    assert main(["endpoints"], session=stubbed, out=io.StringIO()) == exit_code
    assert one_line_error(capsys).startswith(prefix)


def test_an_unknown_execution_is_bad_input(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = "arn:aws:states:us-west-2:123456789012:execution:pipeline:nope"
    assert run(aws, "follow", unknown) == (2, f"Following {unknown}\n")
    assert one_line_error(capsys).startswith("rl-constructs: DescribeExecution: ExecutionDoesNotExist:")


def test_an_endpoint_answer_that_is_not_json_is_one_line(session: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    client = session.client("sagemaker-runtime")
    stubber = Stubber(client)
    body = b"<html>502 Bad Gateway</html>"
    stubber.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentType": "text/html"},
        {"EndpointName": "cartpole", "Body": "[1, 2]", "ContentType": "application/json", "Accept": "application/json"},
    )
    stubber.activate()
    assert main(["predict", "cartpole", "[1, 2]"], session=session_of(client), out=io.StringIO()) == 4
    assert one_line_error(capsys) == (
        "rl-constructs: cartpole: the answer (text/html) is not what JSONDeserializer reads: "
        "Expecting value: line 1 column 1 (char 0)"
    )


def test_an_unknown_endpoint_is_bad_input(session: Any, capsys: pytest.CaptureFixture[str]) -> None:
    stubbed = stubbed_session(
        session,
        "sagemaker-runtime",
        "invoke_endpoint",
        "ValidationError",
        "Endpoint nope of account 123456789012 not found.",
    )
    assert main(["predict", "nope", "{}"], session=stubbed, out=io.StringIO()) == 2
    assert one_line_error(capsys) == (
        "rl-constructs: nope: ValidationError: Endpoint nope of account 123456789012 not found."
    )


# ---- metrics ---------------------------------------------------------------------------------------------------


def test_metrics_prints_each_curve_as_a_terminal_chart(aws: Any) -> None:
    create_job_with_logs(aws, "Coach-Train-run-1")
    code, out = run(aws, "metrics", "Coach-Train-run-1", "--metric", "reward-training")
    assert code == 0
    assert out.splitlines() == [
        "reward-training: 1 values, first 12, last 12, min 12, max 12",
        *[f"{12 - i / 9:>10.4g} |{'*' if i == 0 else ' '}" for i in range(10)],
        f"{'':>10} +-",
        f"{'':>10}  1{1:>1}",
    ]


def test_text_chart_averages_a_long_curve_into_its_width() -> None:
    rows = text_chart([float(v) for v in range(100)], width=10, height=3)
    assert rows == [
        f"{94.5:>10.4g} |       ***",
        f"{49.5:>10.4g} |   ****   ",
        f"{4.5:>10.4g} |***       ",
        f"{'':>10} +----------",
        f"{'':>10}  1{100:>9}",
    ]


def test_metrics_plot_writes_a_png_that_file_recognizes(aws: Any, tmp_path: Any) -> None:
    import shutil
    import subprocess

    create_job_with_logs(aws, "Coach-Train-run-1")
    image = tmp_path / "reward.png"
    code, out = run(aws, "metrics", "Coach-Train-run-1", "--plot", str(image))
    assert code == 0
    assert out.splitlines()[-1] == (
        f"Wrote {image} (reward-training rgb(31, 119, 180), reward-testing rgb(255, 127, 14))"
    )
    if shutil.which("file") is None:  # pragma: no cover
        pytest.skip("no `file` command")
    described = subprocess.run(["file", "-b", str(image)], capture_output=True, text=True, check=True).stdout
    assert described.startswith("PNG image data, 800 x 400, 8-bit/color RGB")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["metrics", "nope"], "rl-constructs: no training job named 'nope' in us-west-2"),
        (["metrics", "Coach-Train-run-1", "--metric", "loss"], "rl-constructs: --metric loss: the job's metrics are"),
        (["metrics", "Coach-Train-run-1", "--plot", "/nonexistent/dir/x.png"], "rl-constructs: --plot: cannot write"),
    ],
)
def test_metrics_bad_input_is_one_line(
    aws: Any, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    create_job_with_logs(aws, "Coach-Train-run-1")
    code, _ = run(aws, *argv)
    assert code == 2
    assert capsys.readouterr().err.startswith(message)


def test_ctrl_c_outside_following_is_one_line(
    aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("rl_constructs.runtime.cli.metrics.metric_series", interrupted)
    assert run(aws, "metrics", "Coach-Train-run-1") == (130, "")
    assert one_line_error(capsys) == "rl-constructs: interrupted"
