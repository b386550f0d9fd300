"""``rl-constructs``: start an RL pipeline and follow it like ``fit(logs=True)``, list endpoints, predict.

    rl-constructs train STACK_OR_STATE_MACHINE [--wait] [--hyperparameters JSON] [--job-name NAME]
    rl-constructs endpoints
    rl-constructs predict ENDPOINT DATA_JSON

``train`` takes a state machine ARN or name, or a CloudFormation stack name (its state machine; with
several, ``--state-machine-id`` picks one by logical id). With ``--wait`` it follows the execution: the
training job's status changes, its CloudWatch log lines, the metric values its metric definitions find in
them, and a progress line; the exit code is 0 when the execution succeeded, 1 otherwise, 130 on Ctrl-C
(the execution goes on). AWS credentials and region come from the environment, as for the AWS CLI.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .domain.errors import RLConfigurationError
from .domain.execution_input import OUTPUT_KEY
from .runtime import execution_input as runtime_execution_input

TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CommandError(Exception):
    """A user-facing error: printed as ``rl-constructs: <message>``, exit code 2."""


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
        if session is None:
            import boto3

            session = boto3.session.Session(region_name=args.region)
        if args.command == "train":
            return _train(args, session, stream, sleep, clock)
        if args.command == "endpoints":
            return _endpoints(session, stream)
        return _predict(args, session, stream)
    except CommandError as error:
        print(f"rl-constructs: {error}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rl-constructs", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--region", help="AWS region (default: from the environment)")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="start a pipeline execution (and follow it with --wait)")
    train.add_argument("target", metavar="STACK_OR_STATE_MACHINE")
    train.add_argument("--wait", action="store_true", help="follow the execution until it ends")
    train.add_argument("--hyperparameters", help='JSON object merged over the synthesized ones, e.g. {"discount": 0.9}')
    train.add_argument("--job-name", help="training job name (must start with the job family prefix)")
    train.add_argument("--state-machine-id", help="logical id (or its prefix) when the stack has several")
    train.add_argument("--poll", type=float, default=10.0, help="seconds between polls (default 10, at most 60)")
    endpoints = commands.add_parser("endpoints", help="list SageMaker endpoints")
    predict = commands.add_parser("predict", help="send JSON to an endpoint and print its JSON answer")
    predict.add_argument("endpoint")
    predict.add_argument("data", metavar="DATA_JSON")
    for command in (train, endpoints, predict):  # --region after the subcommand too
        command.add_argument("--region", help="AWS region (default: from the environment)", default=argparse.SUPPRESS)
    return parser


# ---- train ---------------------------------------------------------------------------------------------------


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
            raise CommandError(f"cannot read stack {target!r}: {error}") from None
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
    follower = Follower(session, execution, out=out, sleep=sleep, clock=clock, poll=min(max(args.poll, 0.0), 60.0))
    try:
        return follower.follow()
    except KeyboardInterrupt:
        print(f"\nStopped following; the execution goes on: {execution}", file=out)
        return EXIT_INTERRUPTED


@dataclass
class Follower:
    """Follows one execution: its training job's status, logs and metrics, until the execution ends."""

    session: Any
    execution_arn: str
    out: TextIO = sys.stdout
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    poll: float = 10.0
    max_polls: int | None = None
    job_name: str | None = None
    _status: tuple[str, str] | None = None
    _transitions: int = 0
    _tokens: dict[str, str] = field(default_factory=dict)
    _metrics: list[tuple[str, re.Pattern[str]]] | None = None
    _progress: str = ""

    def follow(self) -> int:
        """Poll until the execution ends; 0 when it succeeded, 1 otherwise."""
        stepfunctions = self.session.client("stepfunctions")
        start = self.clock()
        polls = 0
        while True:
            execution = stepfunctions.describe_execution(executionArn=self.execution_arn)
            status = execution["status"]
            if self.job_name is None:
                self.job_name = self._find_job(stepfunctions, execution)
            if self.job_name is not None:
                self._follow_job()
            self._show_progress(status, self.clock() - start)
            if status != "RUNNING":
                return self._outcome(execution)
            polls += 1
            if self.max_polls is not None and polls >= self.max_polls:
                raise TimeoutError(f"still running after {polls} polls")
            self.sleep(self.poll)

    def _find_job(self, stepfunctions: Any, execution: dict[str, Any]) -> str | None:
        output = json.loads(execution.get("output") or "{}")
        if isinstance(output, dict) and isinstance(output.get(OUTPUT_KEY), dict):
            return str(output[OUTPUT_KEY]["TrainingJobName"])
        history = stepfunctions.get_execution_history(executionArn=self.execution_arn, maxResults=100)
        for event in history["events"]:
            details = event.get("taskScheduledEventDetails") or {}
            if details.get("resourceType") == "sagemaker" and details.get("resource", "").startswith(
                "createTrainingJob"
            ):
                name = json.loads(details.get("parameters") or "{}").get("TrainingJobName")
                if name:
                    print(f"Training job {name}", file=self.out)
                    return str(name)
        return None

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
            print(f"{transition['Status']}: {message}".rstrip(": "), file=self.out)
        self._transitions = len(transitions)
        self._status = (job.get("TrainingJobStatus", ""), job.get("SecondaryStatus", ""))
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
        print(f"[{host}] {message.rstrip()}", file=self.out)
        for name, pattern in self._metrics or []:
            match = pattern.search(message)
            if match and match.groups():
                print(f"  metric {name} = {match.group(1)}", file=self.out)

    def _show_progress(self, status: str, elapsed: float) -> None:
        job = f" | job {self._status[0]} ({self._status[1]})" if self._status else ""
        line = f"[{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}] execution {status}{job}"
        if line.split("] ", 1)[1] != self._progress:
            print(line, file=self.out)
            self._progress = line.split("] ", 1)[1]

    def _outcome(self, execution: dict[str, Any]) -> int:
        status = execution["status"]
        if status == "SUCCEEDED":
            print(f"Execution succeeded: {self.execution_arn}", file=self.out)
            return EXIT_OK
        error = execution.get("error", "")
        cause = execution.get("cause", "")
        print(f"Execution {status.lower().replace('_', ' ')}: {error}: {cause}".rstrip(": "), file=self.out)
        return EXIT_FAILED


# ---- endpoints, predict ---------------------------------------------------------------------------------------


def _endpoints(session: Any, out: TextIO) -> int:
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


def _predict(args: argparse.Namespace, session: Any, out: TextIO) -> int:
    from .runtime import PredictionError, Predictor

    try:
        data = json.loads(args.data)
    except ValueError as error:
        raise CommandError(f"DATA_JSON is not JSON: {error}") from None
    predictor = Predictor(args.endpoint, client=session.client("sagemaker-runtime"))
    try:
        print(json.dumps(predictor.predict(data)), file=out)
    except PredictionError as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
