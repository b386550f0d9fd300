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
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from .endpoints import endpoints_command, predict_command
from .errors import EXIT_AWS_SETUP, EXIT_INTERRUPTED, NO_REGION_MESSAGE, CommandError, command_error
from .follower import Clock, Sleep
from .metrics import metrics_command
from .training import MAX_POLL_SECONDS, follow_command, stop_command, train_command

#: A subcommand: its parsed arguments, the boto3 session, where to print, how to wait and to measure time.
Command = Callable[[argparse.Namespace, Any, TextIO, Sleep, Clock], int]
COMMANDS: dict[str, Command] = {
    "train": train_command,
    "follow": follow_command,
    "stop": stop_command,
    "metrics": metrics_command,
    "endpoints": endpoints_command,
    "predict": predict_command,
}
EXIT_CODES_EPILOG = (
    "Exit codes: 0 success, 1 execution failed, 2 bad input, 3 no AWS region/credentials/network, "
    "4 AWS refused a request, 130 interrupted."
)


def main(
    argv: Sequence[str] | None = None,
    *,
    session: Any = None,
    out: TextIO | None = None,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
) -> int:
    """Run the command; returns the exit code (``session``, ``sleep`` and ``clock`` are for tests)."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        try:
            session = session if session is not None else _session(args.region)
            if not session.region_name:
                raise CommandError(NO_REGION_MESSAGE, EXIT_AWS_SETUP)
            return COMMANDS[args.command](args, session, stream, sleep, clock)
        except Exception as error:
            mapped = command_error(error)
            if mapped is error:
                raise  # not an expected failure: a bug, with its traceback
            raise mapped from error
    except CommandError as error:
        print(f"rl-constructs: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # outside following (which explains how to resume): no traceback either
        print("rl-constructs: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _session(region: str | None) -> Any:
    """A boto3 session in ``--region``, else ``AWS_REGION``, else boto3's own lookup."""
    import boto3

    # AWS_REGION as the AWS CLI v2 reads it (over AWS_DEFAULT_REGION); boto3 reads only the latter.
    return boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)


def _version() -> str:
    from ... import __version__

    return f"rl-constructs {__version__}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rl-constructs",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog=EXIT_CODES_EPILOG,
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--region", help="AWS region (default: from the environment)")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_pipeline_commands(commands)
    metrics = commands.add_parser("metrics", help="print a training job's metric curves (e.g. the reward)")
    metrics.add_argument("job", metavar="TRAINING_JOB")
    metrics.add_argument("--metric", action="append", help="only this metric (repeatable); default: all")
    metrics.add_argument("--plot", metavar="FILE", help="also write the curves as a PNG image")
    commands.add_parser("endpoints", help="list SageMaker endpoints")
    predict = commands.add_parser("predict", help="send JSON to an endpoint and print its JSON answer")
    predict.add_argument("endpoint")
    predict.add_argument("data", metavar="DATA_JSON")
    for command in commands.choices.values():  # --region after the subcommand too
        command.add_argument("--region", help="AWS region (default: from the environment)", default=argparse.SUPPRESS)
    return parser


def _add_pipeline_commands(commands: Any) -> None:
    """``train``, ``follow`` and ``stop``, with the arguments they share."""
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
    poll_help = f"seconds between polls (default 10, at most {MAX_POLL_SECONDS:g})"
    for command in (train, follow):
        command.add_argument("--poll", type=float, default=10.0, help=poll_help)
