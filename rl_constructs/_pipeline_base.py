"""What an RLPipeline offers once made: its state machine's metrics (alarm-ready) and grants to start, follow
and stop runs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


class PipelineBase(Construct):
    """Metrics and grants of a pipeline's ``state_machine``."""

    state_machine: sfn.StateMachine

    # --- metrics ----------------------------------------------------------------------------------------
    def metric_failed(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed executions (alarm-ready: Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_failed(period=period or Duration.minutes(5), statistic="Sum")

    def metric_succeeded(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Succeeded executions (Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_succeeded(period=period or Duration.minutes(5), statistic="Sum")

    def metric_started(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Started executions (Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_started(period=period or Duration.minutes(5), statistic="Sum")

    def metric_aborted(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Executions stopped by hand (``rl-constructs stop``, StopExecution): Sum over ``period`` (5 minutes)."""
        return self.state_machine.metric_aborted(period=period or Duration.minutes(5), statistic="Sum")

    def metric_timed_out(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Executions that ran out of the state machine's timeout (Sum over ``period``, default 5 minutes)."""
        return self.state_machine.metric_timed_out(period=period or Duration.minutes(5), statistic="Sum")

    def metric_time(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """How long executions ran, in milliseconds (Average over ``period``, default 5 minutes)."""
        return self.state_machine.metric_time(period=period or Duration.minutes(5), statistic="Average")

    # --- grants ---------------------------------------------------------------------------------------
    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start runs (``states:StartExecution``; ``rl-constructs train``)."""
        return self.state_machine.grant_start_execution(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` follow runs: list and describe executions and their history (``rl-constructs
        follow``), as ``StateMachine.grant_read`` does."""
        return self.state_machine.grant_read(grantee)

    def grant_stop_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` stop runs (``states:StopExecution`` on this state machine's executions)."""
        return self.state_machine.grant_execution(grantee, "states:StopExecution")
