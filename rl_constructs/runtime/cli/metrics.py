"""``rl-constructs metrics``: a training job's metric curves read from its logs, as terminal charts or a PNG."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, TextIO

from .charts import PLOT_COLOURS, png_chart, text_chart
from .errors import EXIT_OK, CommandError
from .follower import Clock, Sleep
from .lookup import TRAINING_LOG_GROUP

MetricPatterns = list[tuple[str, re.Pattern[str]]]


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
        _read_stream(logs, stream, patterns, series)
    return series


def _read_stream(logs: Any, stream: str, patterns: MetricPatterns, series: dict[str, list[float]]) -> None:
    """Append to ``series`` the values the patterns find in every event of one log stream, page by page."""
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


def metrics_command(args: argparse.Namespace, session: Any, out: TextIO, sleep: Sleep, clock: Clock) -> int:
    """Print each metric's summary and terminal chart; with ``--plot``, also write them as a PNG."""
    series = _job_series(session, args.job)
    if args.metric:
        unknown = sorted(set(args.metric) - set(series))
        if unknown:
            raise CommandError(f"--metric {', '.join(unknown)}: the job's metrics are {', '.join(sorted(series))}")
        series = {name: series[name] for name in args.metric}
    if not any(series.values()):
        raise CommandError(f"no metric values in the logs of {args.job!r} yet ({', '.join(series)})")
    _print_curves(series, out)
    if args.plot:
        _write_plot(series, args.plot, out)
    return EXIT_OK


def _job_series(session: Any, job: str) -> dict[str, list[float]]:
    """:func:`metric_series`, with an unknown job as bad input."""
    from botocore.exceptions import ClientError

    try:
        return metric_series(session, job)
    except ClientError as error:
        details = error.response.get("Error", {})
        # SageMaker: ValidationException "Requested resource not found." (ResourceNotFound in its model)
        message = str(details.get("Message", "")).lower()
        not_found = "not found" in message or "could not find" in message
        if details.get("Code") in {"ValidationException", "ResourceNotFound"} and not_found:
            raise CommandError(f"no training job named {job!r} in {session.region_name}") from None
        raise


def _print_curves(series: dict[str, list[float]], out: TextIO) -> None:
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


def _write_plot(series: dict[str, list[float]], path: str, out: TextIO) -> None:
    try:
        Path(path).write_bytes(png_chart(series))
    except OSError as error:
        raise CommandError(f"--plot: cannot write {path}: {error.strerror}") from None
    legend = ", ".join(
        f"{name} rgb{PLOT_COLOURS[i % len(PLOT_COLOURS)]}" for i, name in enumerate(series) if series[name]
    )
    print(f"Wrote {path} ({legend})", file=out)
