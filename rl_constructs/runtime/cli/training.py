"""``rl-constructs train``, ``follow`` and ``stop``: start a pipeline execution, follow it, stop it and its job."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from ...core.errors import RLConfigurationError
from ..executions import execution_input as runtime_execution_input
from .errors import EXIT_AWS_ERROR, EXIT_INTERRUPTED, EXIT_OK, CommandError, command_error
from .follower import Clock, Follower, Sleep
from .lookup import resolve_execution, resolve_state_machine, training_job_of

#: The most seconds ``--poll`` may wait between two polls.
MAX_POLL_SECONDS = 60.0


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


def train_command(args: argparse.Namespace, session: Any, out: TextIO, sleep: Sleep, clock: Clock) -> int:
    """Start an execution of the target's state machine; with ``--wait``, follow it to its end."""
    payload = execution_input(args.hyperparameters, args.job_name)
    arn = resolve_state_machine(session, args.target, args.state_machine_id)
    started = session.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))
    execution = started["executionArn"]
    print(f"Started {execution}", file=out)
    if not args.wait:
        return EXIT_OK
    return follow_execution(session, execution, out, sleep, clock, args.poll)


def follow_command(args: argparse.Namespace, session: Any, out: TextIO, sleep: Sleep, clock: Clock) -> int:
    """Follow the given execution, or the newest of a stack or state machine."""
    execution = resolve_execution(session, args.target, args.state_machine_id)
    print(f"Following {execution}", file=out)
    return follow_execution(session, execution, out, sleep, clock, args.poll)


def follow_execution(session: Any, execution: str, out: TextIO, sleep: Sleep, clock: Clock, poll: float) -> int:
    """Follow ``execution`` to its end; on Ctrl-C stop following (not the execution) and say how to resume."""
    follower = Follower(
        session, execution, out=out, sleep=sleep, clock=clock, poll=min(max(poll, 0.0), MAX_POLL_SECONDS)
    )
    try:
        return follower.follow()
    except KeyboardInterrupt:
        follower.end_progress()
        print(f"\nStopped following; the execution goes on: {execution}", file=out)
        print(f"Resume: rl-constructs follow {execution}", file=out)
        print(f"Stop:   rl-constructs stop {execution}", file=out)
        return EXIT_INTERRUPTED


def stop_command(args: argparse.Namespace, session: Any, out: TextIO, sleep: Sleep, clock: Clock) -> int:
    """Stop the execution (if it still runs), then the training job it created (if that still runs)."""
    execution_arn = resolve_execution(session, args.target, args.state_machine_id)
    stepfunctions = session.client("stepfunctions")
    execution = stepfunctions.describe_execution(executionArn=execution_arn)
    job = training_job_of(stepfunctions, execution_arn, execution)
    if execution["status"] == "RUNNING":
        stepfunctions.stop_execution(executionArn=execution_arn, error="RL.Stopped", cause=args.cause)
        print(f"Stopped {execution_arn}", file=out)
    else:
        print(f"Execution already {execution['status']}: {execution_arn}", file=out)
    if job is not None:
        _stop_training_job(session.client("sagemaker"), job, out)
    return EXIT_OK


def _stop_training_job(sagemaker: Any, job: str, out: TextIO) -> None:
    from botocore.exceptions import ClientError

    try:
        status = sagemaker.describe_training_job(TrainingJobName=job)["TrainingJobStatus"]
    except ClientError:
        return  # the execution stopped before it created the job
    if status != "InProgress":
        print(f"Training job {job} is {status}", file=out)
        return
    # Step Functions also stops a .sync job when its execution stops; asking again is harmless.
    try:
        sagemaker.stop_training_job(TrainingJobName=job)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ValidationException":  # already stopping
            raise CommandError(
                f"stopped the execution, but not training job {job}: {command_error(error)}", EXIT_AWS_ERROR
            ) from None
    print(f"Stopping training job {job}", file=out)
