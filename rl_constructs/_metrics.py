"""CloudWatch graphs of SageMaker job metrics across a family of jobs named per run.

SageMaker publishes a job's metrics with a ``Host`` dimension that starts with the job name
(``<job>/algo-1`` for training, ``<job>/i-...`` for transform), and every run names its job anew, so a
graph over a job family is a ``SEARCH`` on that dimension. CloudWatch alarms cannot watch a SEARCH: these
are for dashboards.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from .core.errors import RLConfigurationError

#: Where SageMaker publishes training jobs' metric definitions and instance metrics.
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"
#: Where SageMaker publishes batch transform jobs' instance metrics.
TRANSFORM_METRICS_NAMESPACE = "/aws/sagemaker/TransformJobs"
#: The instance metrics SageMaker publishes for transform jobs (SageMaker Developer Guide, "Monitor Amazon
#: SageMaker with Amazon CloudWatch": processing, training and batch transform job metrics).
TRANSFORM_INSTANCE_METRICS = (
    "CPUUtilization",
    "MemoryUtilization",
    "DiskUtilization",
    "GPUUtilization",
    "GPUMemoryUtilization",
)


def family_search(
    namespace: str,
    metric_name: str,
    host_prefix: str,
    *,
    allowed: Sequence[str],
    statistic: str = "Average",
    period: Duration | None = None,
) -> cloudwatch.SearchExpression:
    """``metric_name`` of every job whose ``Host`` starts with ``host_prefix``, one line per job (dashboards)."""
    if metric_name not in allowed:
        raise RLConfigurationError("metric_name", f"{metric_name!r} is not a metric of this job.", allowed=allowed)
    seconds = int((period or Duration.minutes(5)).to_seconds())
    search = (
        f"SEARCH('{{{namespace},Host}} MetricName=\"{metric_name}\" Host=\"{host_prefix}\"', '{statistic}', {seconds})"
    )
    return cloudwatch.SearchExpression(
        expression=search, period=Duration.seconds(seconds), label=f"{host_prefix.rstrip('-')} {metric_name}"
    )
