"""``rl-constructs``: start an RL pipeline and follow it like ``fit(logs=True)``, stop it, plot its rewards.

    rl-constructs train STACK_OR_STATE_MACHINE [--wait] [--hyperparameters JSON] [--job-name NAME]
    rl-constructs follow EXECUTION_OR_STACK      (resume following, e.g. after Ctrl-C)
    rl-constructs stop EXECUTION_OR_STACK        (stop the execution and its training job)
    rl-constructs metrics TRAINING_JOB [--plot FILE.png]
    rl-constructs endpoints
    rl-constructs predict ENDPOINT DATA_JSON
    rl-constructs --version

``train`` takes a state machine ARN or name, or a CloudFormation stack name (its state machine; with
several, ``--state-machine-id`` picks one by logical id); ``follow`` and ``stop`` take an execution ARN, or
any of those (then the newest execution). Following prints the training job's status changes with their
time (as ``fit(logs=True)`` does), its CloudWatch log lines, the metric values its metric definitions find
in them, a progress line with the elapsed time, and the training and billable seconds at the end. AWS
credentials and region come from the environment, as for the AWS CLI (``--region``, then
``AWS_REGION``, then boto3's own lookup).

Exit codes: 0 success; 1 the execution failed, timed out or was aborted; 2 bad input (arguments, JSON,
unknown stack, execution, job or endpoint); 3 no usable AWS set-up (region, credentials, network);
4 AWS refused a request (the error code and message are printed); 130 interrupted (Ctrl-C: the execution
goes on; ``rl-constructs follow`` resumes). Expected failures print one line on stderr, no traceback.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import struct
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ..core.errors import RLConfigurationError
from ..core.execution_input import OUTPUT_KEY
from .executions import execution_input as runtime_execution_input

TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AWS_SETUP, EXIT_AWS_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
#: ClientError codes that mean the credentials themselves are unusable (a set-up problem, exit code 3).
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
    }
)
#: ClientError codes that mean the named thing does not exist (bad input, exit code 2).
NOT_FOUND_CODES = frozenset({"ExecutionDoesNotExist", "StateMachineDoesNotExist", "ResourceNotFound"})
TERMINAL_JOB_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


class CommandError(Exception):
    """A user-facing error: printed as ``rl-constructs: <message>`` with its exit code (default 2)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(
    argv: Sequence[str] | None = None,
    *,
    session: Any = None,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run the command; returns the exit code (``session``, ``sleep`` and ``clock`` are for tests)."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        try:
            if session is None:
                import boto3

                # AWS_REGION as the AWS CLI v2 reads it (over AWS_DEFAULT_REGION); boto3 reads only the latter.
                session = boto3.session.Session(region_name=args.region or os.environ.get("AWS_REGION") or None)
            if not session.region_name:
                raise CommandError(
                    "no AWS region: pass --region or set AWS_REGION or AWS_DEFAULT_REGION", EXIT_AWS_SETUP
                )
            commands: dict[str, Callable[..., int]] = {
                "train": _train,
                "follow": _follow,
                "stop": _stop,
                "metrics": _metrics,
                "endpoints": _endpoints,
                "predict": _predict,
            }
            return commands[args.command](args, session, stream, sleep, clock)
        except Exception as error:
            mapped = _command_error(error)
            if mapped is error:
                raise  # not an expected failure: a bug, with its traceback
            raise mapped from error
    except CommandError as error:
        print(f"rl-constructs: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # outside following (which explains how to resume): no traceback either
        print("rl-constructs: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _command_error(error: Exception) -> Exception:
    """The one-line ``CommandError`` for an expected AWS failure; anything else unchanged (a bug: traceback)."""
    from botocore import exceptions

    if isinstance(error, CommandError):
        return error
    if isinstance(error, exceptions.NoRegionError):
        return CommandError("no AWS region: pass --region or set AWS_REGION or AWS_DEFAULT_REGION", EXIT_AWS_SETUP)
    if isinstance(
        error,
        exceptions.NoCredentialsError
        | exceptions.PartialCredentialsError
        | exceptions.ProfileNotFound
        | exceptions.CredentialRetrievalError
        | exceptions.SSOError,
    ):
        return CommandError(
            f"no usable AWS credentials ({error}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or run `aws configure` / `aws sso login`",
            EXIT_AWS_SETUP,
        )
    if isinstance(error, exceptions.EndpointConnectionError | exceptions.ConnectTimeoutError):
        return CommandError(f"cannot reach AWS: {error}", EXIT_AWS_SETUP)
    if isinstance(error, exceptions.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", "Unknown"))
        message = f"{error.operation_name}: {code}: {details.get('Message', '')}".rstrip(": ")
        if code in CREDENTIAL_ERROR_CODES:
            return CommandError(f"AWS rejected the credentials: {message}", EXIT_AWS_SETUP)
        return CommandError(message, EXIT_USAGE if code in NOT_FOUND_CODES else EXIT_AWS_ERROR)
    if isinstance(error, exceptions.BotoCoreError):
        return CommandError(f"AWS request failed: {error}", EXIT_AWS_ERROR)
    return error


def _version() -> str:
    from .. import __version__

    return f"rl-constructs {__version__}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rl-constructs",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Exit codes: 0 success, 1 execution failed, 2 bad input, 3 no AWS region/credentials/network, "
        "4 AWS refused a request, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--region", help="AWS region (default: from the environment)")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="start a pipeline execution (and follow it with --wait)")
    train.add_argument("target", metavar="STACK_OR_STATE_MACHINE")
    train.add_argument("--wait", action="store_true", help="follow the execution until it ends")
    train.add_argument("--hyperparameters", help='JSON object merged over the synthesized ones, e.g. {"discount": 0.9}')
    train.add_argument("--job-name", help="training job name (must start with the job family prefix)")
    follow = commands.add_parser("follow", help="follow a running execution (e.g. after Ctrl-C)")
    stop = commands.add_parser("stop", help="stop an execution and its training job")
    for command in (follow, stop):
        command.add_argument(
            "target", metavar="EXECUTION_OR_STACK", help="an execution ARN, or a stack / state machine (its newest)"
        )
    stop.add_argument("--cause", default="stopped with rl-constructs stop", help="the cause recorded on the execution")
    for command in (train, follow, stop):
        command.add_argument("--state-machine-id", help="logical id (or its prefix) when the stack has several")
    for command in (train, follow):
        command.add_argument("--poll", type=float, default=10.0, help="seconds between polls (default 10, at most 60)")
    metrics = commands.add_parser("metrics", help="print a training job's metric curves (e.g. the reward)")
    metrics.add_argument("job", metavar="TRAINING_JOB")
    metrics.add_argument("--metric", action="append", help="only this metric (repeatable); default: all")
    metrics.add_argument("--plot", metavar="FILE", help="also write the curves as a PNG image")
    endpoints = commands.add_parser("endpoints", help="list SageMaker endpoints")
    predict = commands.add_parser("predict", help="send JSON to an endpoint and print its JSON answer")
    predict.add_argument("endpoint")
    predict.add_argument("data", metavar="DATA_JSON")
    for command in (train, follow, stop, metrics, endpoints, predict):  # --region after the subcommand too
        command.add_argument("--region", help="AWS region (default: from the environment)", default=argparse.SUPPRESS)
    return parser


# ---- train, follow, stop ----------------------------------------------------------------------------------------


def execution_input(hyperparameters: str | None, job_name: str | None) -> dict[str, Any]:
    """The execution input the pipeline reads (``HyperParameters``, ``TrainingJobName``); each
    hyperparameter value JSON-encoded here like the SDK (``json.dumps``), as the state machine expects."""
    parsed: Any = None
    if hyperparameters is not None:
        try:
            parsed = json.loads(hyperparameters)
        except ValueError as error:
            raise CommandError(f"--hyperparameters is not JSON: {error}") from None
        if not isinstance(parsed, dict):
            raise CommandError('--hyperparameters must be a JSON object, e.g. {"discount": 0.9}')
    try:
        return runtime_execution_input(hyperparameters=parsed, training_job_name=job_name)
    except RLConfigurationError as error:
        raise CommandError(f"--{error}") from None


def resolve_state_machine(session: Any, target: str, logical_id: str | None = None) -> str:
    """The ARN of a state machine given by ARN, by name, or as the state machine of a stack."""
    if target.startswith("arn:"):
        return target
    from botocore.exceptions import ClientError

    try:
        summaries = _stack_resources(session.client("cloudformation"), target)
    except ClientError as error:
        if "does not exist" not in str(error):
            raise
        summaries = None
    if summaries is not None:
        machines = [s for s in summaries if s["ResourceType"] == STATE_MACHINE_TYPE]
        if logical_id:
            machines = [s for s in machines if s["LogicalResourceId"].startswith(logical_id)]
        if len(machines) == 1:
            return str(machines[0]["PhysicalResourceId"])
        ids = ", ".join(sorted(s["LogicalResourceId"] for s in machines)) or "none"
        if not machines:
            raise CommandError(
                f"stack {target!r} has no state machine{' matching ' + repr(logical_id) if logical_id else ''}"
            )
        raise CommandError(f"stack {target!r} has several state machines ({ids}); choose one with --state-machine-id")
    stepfunctions = session.client("stepfunctions")
    for page in stepfunctions.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == target:
                return str(machine["stateMachineArn"])
    raise CommandError(f"no stack or state machine named {target!r} in {session.region_name}")


def resolve_execution(session: Any, target: str, logical_id: str | None = None) -> str:
    """An execution ARN as given, or the newest execution of a stack or state machine."""
    if target.startswith("arn:") and ":execution:" in target:
        return target
    machine = resolve_state_machine(session, target, logical_id)
    page = session.client("stepfunctions").list_executions(stateMachineArn=machine, maxResults=1)
    if not page["executions"]:  # newest first, as Step Functions lists them
        raise CommandError(f"{target!r} has no execution yet")
    return str(page["executions"][0]["executionArn"])


def _stack_resources(cloudformation: Any, stack: str) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        resources.extend(page["StackResourceSummaries"])
    return resources


def _train(
    args: argparse.Namespace, session: Any, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float]
) -> int:
    payload = execution_input(args.hyperparameters, args.job_name)
    arn = resolve_state_machine(session, args.target, args.state_machine_id)
    started = session.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))
    execution = started["executionArn"]
    print(f"Started {execution}", file=out)
    if not args.wait:
        return EXIT_OK
    return _follow_execution(session, execution, out, sleep, clock, args.poll)


def _follow(
    args: argparse.Namespace, session: Any, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float]
) -> int:
    execution = resolve_execution(session, args.target, args.state_machine_id)
    print(f"Following {execution}", file=out)
    return _follow_execution(session, execution, out, sleep, clock, args.poll)


def _follow_execution(
    session: Any, execution: str, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float], poll: float
) -> int:
    follower = Follower(session, execution, out=out, sleep=sleep, clock=clock, poll=min(max(poll, 0.0), 60.0))
    try:
        return follower.follow()
    except KeyboardInterrupt:
        follower.end_progress()
        print(f"\nStopped following; the execution goes on: {execution}", file=out)
        print(f"Resume: rl-constructs follow {execution}", file=out)
        print(f"Stop:   rl-constructs stop {execution}", file=out)
        return EXIT_INTERRUPTED


def _stop(
    args: argparse.Namespace, session: Any, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float]
) -> int:
    from botocore.exceptions import ClientError

    execution_arn = resolve_execution(session, args.target, args.state_machine_id)
    stepfunctions = session.client("stepfunctions")
    execution = stepfunctions.describe_execution(executionArn=execution_arn)
    job = training_job_of(stepfunctions, execution_arn, execution)
    if execution["status"] == "RUNNING":
        stepfunctions.stop_execution(executionArn=execution_arn, error="RL.Stopped", cause=args.cause)
        print(f"Stopped {execution_arn}", file=out)
    else:
        print(f"Execution already {execution['status']}: {execution_arn}", file=out)
    if job is None:
        return EXIT_OK
    sagemaker = session.client("sagemaker")
    try:
        status = sagemaker.describe_training_job(TrainingJobName=job)["TrainingJobStatus"]
    except ClientError:
        return EXIT_OK  # the execution stopped before it created the job
    if status != "InProgress":
        print(f"Training job {job} is {status}", file=out)
        return EXIT_OK
    # Step Functions also stops a .sync job when its execution stops; asking again is harmless.
    try:
        sagemaker.stop_training_job(TrainingJobName=job)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ValidationException":  # already stopping
            raise CommandError(
                f"stopped the execution, but not training job {job}: {_command_error(error)}", EXIT_AWS_ERROR
            ) from None
    print(f"Stopping training job {job}", file=out)
    return EXIT_OK


def training_job_of(stepfunctions: Any, execution_arn: str, execution: dict[str, Any]) -> str | None:
    """The training job an execution created: from its output, else from its CreateTrainingJob task."""
    try:
        output = json.loads(execution.get("output") or "{}")
    except ValueError:
        output = None
    if isinstance(output, dict) and isinstance(output.get(OUTPUT_KEY), dict):
        name = output[OUTPUT_KEY].get("TrainingJobName")
        if name:
            return str(name)
    pages = stepfunctions.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    for page in pages:
        for event in page["events"]:
            details = event.get("taskScheduledEventDetails") or {}
            if details.get("resourceType") == "sagemaker" and details.get("resource", "").startswith(
                "createTrainingJob"
            ):
                try:
                    name = json.loads(details.get("parameters") or "{}").get("TrainingJobName")
                except ValueError:
                    name = None
                if name:
                    return str(name)
    return None


def _timestamp(value: Any) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, as ``fit(logs=True)`` prints status changes."""
    moment = value if isinstance(value, datetime) else datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours:d}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


@dataclass
class Follower:
    """Follows one execution: its training job's status, logs and metrics, until the execution ends.

    On a terminal the progress line (elapsed time, execution and job status, the latest metric values) is
    rewritten in place; otherwise it is printed when it changes.
    """

    session: Any
    execution_arn: str
    out: TextIO = sys.stdout
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    poll: float = 10.0
    max_polls: int | None = None
    job_name: str | None = None
    _job: dict[str, Any] | None = None
    _transitions: int = 0
    _tokens: dict[str, str] = field(default_factory=dict)
    _metrics: list[tuple[str, re.Pattern[str]]] | None = None
    _latest: dict[str, str] = field(default_factory=dict)
    _progress: str = ""
    _live: bool | None = None
    _progress_shown: bool = False

    def follow(self) -> int:
        """Poll until the execution ends; 0 when it succeeded, 1 otherwise."""
        stepfunctions = self.session.client("stepfunctions")
        start = self.clock()
        polls = 0
        while True:
            execution = stepfunctions.describe_execution(executionArn=self.execution_arn)
            status = execution["status"]
            if self.job_name is None:
                self.job_name = training_job_of(stepfunctions, self.execution_arn, execution)
                if self.job_name is not None:
                    self._print(f"Training job {self.job_name}")
            if self.job_name is not None and not self._job_done():
                self._follow_job()
            self._show_progress(status, self.clock() - start)
            if status != "RUNNING":
                self.end_progress()
                self._print_billing()
                return self._outcome(execution)
            polls += 1
            if self.max_polls is not None and polls >= self.max_polls:
                raise TimeoutError(f"still running after {polls} polls")
            self.sleep(self.poll)

    def end_progress(self) -> None:
        """End the live progress line (so that what follows starts on a line of its own)."""
        if self._progress_shown and self._is_live():
            print(file=self.out)
        self._progress_shown = False

    def _is_live(self) -> bool:
        if self._live is None:
            isatty = getattr(self.out, "isatty", None)
            self._live = bool(isatty and isatty())
        return self._live

    def _print(self, line: str) -> None:
        if self._progress_shown and self._is_live():
            self.out.write("\r\x1b[K")  # erase the live line, print above it, draw it again next poll
            self._progress_shown = False
        print(line, file=self.out)

    def _job_done(self) -> bool:
        return self._job is not None and self._job.get("TrainingJobStatus") in TERMINAL_JOB_STATUSES

    def _follow_job(self) -> None:
        assert self.job_name is not None
        from botocore.exceptions import ClientError

        try:
            job = self.session.client("sagemaker").describe_training_job(TrainingJobName=self.job_name)
        except ClientError:
            return  # not created yet
        if self._metrics is None:
            definitions = job.get("AlgorithmSpecification", {}).get("MetricDefinitions", [])
            self._metrics = [(d["Name"], re.compile(d["Regex"])) for d in definitions]
        transitions = job.get("SecondaryStatusTransitions", [])
        for transition in transitions[self._transitions :]:
            message = transition.get("StatusMessage", "")
            line = f"{_timestamp(transition.get('StartTime'))} {transition['Status']} - {message}"
            self._print(line.rstrip(" -"))
        self._transitions = len(transitions)
        self._job = job
        self._tail_logs()

    def _tail_logs(self) -> None:
        logs = self.session.client("logs")
        from botocore.exceptions import ClientError

        try:
            streams = logs.describe_log_streams(
                logGroupName=TRAINING_LOG_GROUP, logStreamNamePrefix=f"{self.job_name}/"
            )
        except ClientError:
            return  # the log group appears with the first instance
        for stream in sorted(s["logStreamName"] for s in streams.get("logStreams", [])):
            request: dict[str, Any] = {
                "logGroupName": TRAINING_LOG_GROUP,
                "logStreamName": stream,
                "startFromHead": True,
            }
            if stream in self._tokens:
                request["nextToken"] = self._tokens[stream]
            page = logs.get_log_events(**request)
            for event in page.get("events", []):
                self._line(stream, event["message"])
            self._tokens[stream] = page.get("nextForwardToken", self._tokens.get(stream, ""))

    def _line(self, stream: str, message: str) -> None:
        host = "-".join(stream.split("/", 1)[-1].split("-")[:2])  # "<job>/algo-1-1700000000" -> "algo-1"
        self._print(f"[{host}] {message.rstrip()}")
        for name, pattern in self._metrics or []:
            match = pattern.search(message)
            if match and match.groups():
                self._print(f"  metric {name} = {match.group(1)}")
                self._latest[name] = match.group(1)

    def _show_progress(self, status: str, elapsed: float) -> None:
        job = self._job
        state = f"execution {status}"
        if job is not None:
            state += f" | job {job.get('TrainingJobStatus', '')} ({job.get('SecondaryStatus', '')})"
        if self._latest:
            state += " | " + ", ".join(f"{name} {value}" for name, value in sorted(self._latest.items()))
        line = f"[{_duration(elapsed)}] {state}"
        if self._is_live():
            self.out.write(f"\r\x1b[K{line}")
            self.out.flush()
            self._progress_shown = True
        elif state != self._progress:
            print(line, file=self.out)
        self._progress = state

    def _print_billing(self) -> None:
        """Training and billable seconds (times the instance count), and spot savings, as the SDK prints them."""
        if self.job_name is None:
            return
        if not self._job_done():
            self._follow_job()
        job = self._job or {}
        count = int(job.get("ResourceConfig", {}).get("InstanceCount", 1) or 1)
        training, billable = job.get("TrainingTimeInSeconds"), job.get("BillableTimeInSeconds")
        if training is not None:
            print(f"Training seconds: {training * count}", file=self.out)
        if billable is not None:
            print(f"Billable seconds: {billable * count}", file=self.out)
            if job.get("EnableManagedSpotTraining") and training:
                print(f"Managed Spot Training savings: {(1 - float(billable) / training) * 100:.1f}%", file=self.out)

    def _outcome(self, execution: dict[str, Any]) -> int:
        status = execution["status"]
        if status == "SUCCEEDED":
            print(f"Execution succeeded: {self.execution_arn}", file=self.out)
            return EXIT_OK
        error = execution.get("error", "")
        cause = execution.get("cause", "")
        print(f"Execution {status.lower().replace('_', ' ')}: {error}: {cause}".rstrip(": "), file=self.out)
        return EXIT_FAILED


# ---- metrics -----------------------------------------------------------------------------------------------------


def metric_series(session: Any, job_name: str) -> dict[str, list[float]]:
    """Every value each of the job's metric definitions finds in its CloudWatch logs, in log order
    (hosts in name order): what SageMaker's metric definitions extract, without CloudWatch's 1-minute grain."""
    job = session.client("sagemaker").describe_training_job(TrainingJobName=job_name)
    definitions = job.get("AlgorithmSpecification", {}).get("MetricDefinitions", [])
    if not definitions:
        raise CommandError(f"training job {job_name!r} has no metric definitions")
    patterns = [(d["Name"], re.compile(d["Regex"])) for d in definitions]
    series: dict[str, list[float]] = {name: [] for name, _ in patterns}
    logs = session.client("logs")
    from botocore.exceptions import ClientError

    try:
        streams = [
            s["logStreamName"]
            for page in logs.get_paginator("describe_log_streams").paginate(
                logGroupName=TRAINING_LOG_GROUP, logStreamNamePrefix=f"{job_name}/"
            )
            for s in page["logStreams"]
        ]
    except ClientError:
        streams = []
    for stream in sorted(streams):
        token: str | None = None
        while True:
            request: dict[str, Any] = {"logGroupName": TRAINING_LOG_GROUP, "logStreamName": stream}
            request.update({"nextToken": token} if token else {"startFromHead": True})
            page = logs.get_log_events(**request)
            for event in page.get("events", []):
                for name, pattern in patterns:
                    match = pattern.search(event["message"])
                    if match and match.groups():
                        try:
                            series[name].append(float(match.group(1)))
                        except ValueError:
                            continue
            if not page.get("events") or page.get("nextForwardToken") == token:
                break
            token = page.get("nextForwardToken")
    return series


def text_chart(values: Sequence[float], *, width: int = 60, height: int = 10) -> list[str]:
    """A terminal line chart of ``values`` (averaged into at most ``width`` columns), y labels on the left."""
    if not values:
        return []
    buckets = _buckets(values, width)
    high = max(buckets)
    low = min(min(buckets), high - 1.0)  # a flat curve sits on the top row
    span = high - low
    rows = [[" "] * len(buckets) for _ in range(height)]
    for column, value in enumerate(buckets):
        rows[height - 1 - round((value - low) / span * (height - 1))][column] = "*"
    labels = [f"{high - span * i / (height - 1):>10.4g}" for i in range(height)]
    lines = [f"{label} |{''.join(row)}" for label, row in zip(labels, rows, strict=True)]
    lines.append(f"{'':>10} +{'-' * len(buckets)}")
    lines.append(f"{'':>10}  1{len(values):>{max(len(buckets) - 1, 1)}}")
    return lines


def _buckets(values: Sequence[float], width: int) -> list[float]:
    if len(values) <= width:
        return list(values)
    size = len(values) / width
    return [
        sum(chunk) / len(chunk)
        for column in range(width)
        if (chunk := values[int(column * size) : max(int((column + 1) * size), int(column * size) + 1)])
    ]


#: Line colours of the PNG (RGB), one per metric in order; the legend is printed with them.
PLOT_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]


def png_chart(series: dict[str, list[float]], *, width: int = 800, height: int = 400) -> bytes:
    """The curves as a PNG (no plotting library needed): one colour per metric, all on one y scale, each
    curve stretched over the full width; grey axes."""
    margin = 20
    pixels = bytearray(b"\xff" * (width * height * 3))

    def dot(x: int, y: int, colour: tuple[int, int, int]) -> None:
        if 0 <= x < width and 0 <= y < height:
            offset = (y * width + x) * 3
            pixels[offset : offset + 3] = bytes(colour)

    def line(x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            x, y = x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps
            for dx, dy in ((0, 0), (1, 0), (0, 1)):
                dot(round(x) + dx, round(y) + dy, colour)

    grey = (160, 160, 160)
    line(margin, height - margin, width - margin, height - margin, grey)
    line(margin, margin, margin, height - margin, grey)
    everything = [v for values in series.values() for v in values]
    low, high = (min(everything), max(everything)) if everything else (0.0, 1.0)
    span = (high - low) or 1.0
    for index, values in enumerate(series.values()):
        colour = PLOT_COLOURS[index % len(PLOT_COLOURS)]
        points = [
            (
                margin + round(i * (width - 2 * margin) / max(len(values) - 1, 1)),
                height - margin - round((v - low) / span * (height - 2 * margin)),
            )
            for i, v in enumerate(values)
        ]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            line(x0, y0, x1, y1, colour)
        if len(points) == 1:
            line(*points[0], *points[0], colour)
    raw = b"".join(b"\x00" + bytes(pixels[y * width * 3 : (y + 1) * width * 3]) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _metrics(
    args: argparse.Namespace, session: Any, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float]
) -> int:
    from botocore.exceptions import ClientError

    try:
        series = metric_series(session, args.job)
    except ClientError as error:
        details = error.response.get("Error", {})
        # SageMaker: ValidationException "Requested resource not found." (ResourceNotFound in its model)
        message = str(details.get("Message", "")).lower()
        not_found = "not found" in message or "could not find" in message
        if details.get("Code") in {"ValidationException", "ResourceNotFound"} and not_found:
            raise CommandError(f"no training job named {args.job!r} in {session.region_name}") from None
        raise
    if args.metric:
        unknown = sorted(set(args.metric) - set(series))
        if unknown:
            raise CommandError(f"--metric {', '.join(unknown)}: the job's metrics are {', '.join(sorted(series))}")
        series = {name: series[name] for name in args.metric}
    if not any(series.values()):
        raise CommandError(f"no metric values in the logs of {args.job!r} yet ({', '.join(series)})")
    for index, (name, values) in enumerate(series.items()):
        if index:
            print(file=out)
        if not values:
            print(f"{name}: no values", file=out)
            continue
        print(
            f"{name}: {len(values)} values, first {values[0]:g}, last {values[-1]:g}, "
            f"min {min(values):g}, max {max(values):g}",
            file=out,
        )
        for row in text_chart(values):
            print(row, file=out)
    if args.plot:
        try:
            Path(args.plot).write_bytes(png_chart(series))
        except OSError as error:
            raise CommandError(f"--plot: cannot write {args.plot}: {error.strerror}") from None
        legend = ", ".join(
            f"{name} rgb{PLOT_COLOURS[i % len(PLOT_COLOURS)]}" for i, name in enumerate(series) if series[name]
        )
        print(f"Wrote {args.plot} ({legend})", file=out)
    return EXIT_OK


# ---- endpoints, predict ---------------------------------------------------------------------------------------


def _endpoints(
    args: argparse.Namespace, session: Any, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float]
) -> int:
    sagemaker = session.client("sagemaker")
    rows = []
    for page in sagemaker.get_paginator("list_endpoints").paginate(SortBy="Name", SortOrder="Ascending"):
        for endpoint in page["Endpoints"]:
            rows.append((endpoint["EndpointName"], endpoint["EndpointStatus"], endpoint["CreationTime"].isoformat()))
    if not rows:
        print("No endpoints.", file=out)
        return EXIT_OK
    width = max(len(name) for name, _, _ in rows)
    for name, status, created in rows:
        print(f"{name:<{width}}  {status:<14}  {created}", file=out)
    return EXIT_OK


def _predict(
    args: argparse.Namespace, session: Any, out: TextIO, sleep: Callable[[float], None], clock: Callable[[], float]
) -> int:
    from .predictor import PredictionError, Predictor

    try:
        data = json.loads(args.data)
    except ValueError as error:
        raise CommandError(f"DATA_JSON is not JSON: {error}") from None
    predictor = Predictor(args.endpoint, client=session.client("sagemaker-runtime"))
    try:
        print(json.dumps(predictor.predict(data)), file=out)
    except PredictionError as error:
        code = EXIT_USAGE if error.code in {"ValidationError", "ResourceNotFound"} else EXIT_AWS_ERROR
        raise CommandError(str(error), code) from None
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
