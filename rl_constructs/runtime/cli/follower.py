"""Following one execution as ``fit(logs=True)`` does: the training job's status changes, its log lines, the
metric values found in them, a progress line, and the training and billable seconds at the end."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from .errors import EXIT_FAILED, EXIT_OK
from .lookup import TRAINING_LOG_GROUP, training_job_of

#: How a command waits between polls, and how it measures the elapsed time (both replaced in tests).
Sleep = Callable[[float], None]
Clock = Callable[[], float]
TERMINAL_JOB_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


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
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic
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
