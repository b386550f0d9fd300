"""The custom-resource provider of attached training jobs: two small Python functions (describe the job, poll
it) behind aws-cdk-lib's ``custom_resources.Provider``, one per stack and timing settings."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from ._arns import stack_arn
from ._nag import acknowledge_provider, acknowledge_wildcards
from .core.training.attach import ANY_JOB_REASON, AttachOptions, describe_job_names
from .handler_code import stage_handler


def newest_python_runtime() -> lambda_.Runtime:
    """The newest Python Lambda runtime the installed aws-cdk-lib knows (cdk-nag's L1 wants the latest)."""
    versions = [
        tuple(int(part) for part in name.removeprefix("PYTHON_").split("_"))
        for name in dir(lambda_.Runtime)
        if name.startswith("PYTHON_3_")
    ]
    major, minor = max(versions)
    runtime: lambda_.Runtime = getattr(lambda_.Runtime, f"PYTHON_{major}_{minor}")
    return runtime


class AttachTrainingJobProvider(Construct):
    """The custom-resource provider of attached jobs: two small functions (describe, poll) and the
    Provider framework. One per stack and timing settings; use :meth:`of`."""

    def __init__(self, scope: Construct, id: str, *, query_interval: Duration, total_timeout: Duration) -> None:
        super().__init__(scope, id)
        code = lambda_.Code.from_asset(str(stage_handler("attach_training_job")))
        runtime = newest_python_runtime()
        self.handlers: list[lambda_.Function] = []
        for name, handler in (("OnEvent", "index.on_event"), ("IsComplete", "index.is_complete")):
            log_group = logs.LogGroup(
                self, f"{name}Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
            )
            # An inline, log-group-scoped role instead of aws-cdk-lib's default (the AWS managed
            # AWSLambdaBasicExecutionRole, which may write to any log group).
            role = iam.Role(
                self,
                f"{name}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description="rl-constructs attach handler: write its logs, describe the attached jobs",
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                )
            )
            function = lambda_.Function(
                self,
                name,
                runtime=runtime,
                handler=handler,
                code=code,
                role=role,
                timeout=Duration.minutes(2),
                memory_size=256,
                description=f"rl-constructs: attach to a SageMaker training job ({handler})",
                log_group=log_group,
            )
            self.handlers.append(function)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handlers[0],
            is_complete_handler=self.handlers[1],
            query_interval=query_interval,
            total_timeout=total_timeout,
            log_group=logs.LogGroup(
                self, "ProviderLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
            ),
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=logs.LogGroup(
                    self, "WaiterLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
                ),
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
        )
        self._job_arns: list[str] = []
        self._acknowledge()

    @classmethod
    def of(cls, scope: Construct, options: AttachOptions) -> AttachTrainingJobProvider:
        """The stack's provider for the timing of ``options``, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(options.provider_id)
        if isinstance(existing, AttachTrainingJobProvider):
            return existing
        return cls(
            stack,
            options.provider_id,
            query_interval=Duration.seconds(options.query_interval_seconds),
            total_timeout=Duration.seconds(options.total_timeout_seconds),
        )

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow_describe(self, job_name: str) -> None:
        """Let the handlers describe ``job_name`` (its ARN in the given and lower-cased spelling), or any
        job when the name is a token."""
        names = describe_job_names(job_name)
        arns = [
            arn
            for arn in (stack_arn(self, "sagemaker", f"training-job/{name}") for name in names)
            if arn not in self._job_arns
        ]
        if not arns:
            return
        self._job_arns.extend(arns)
        for function in self.handlers:
            function.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:DescribeTrainingJob"], resources=arns))
        if names == ["*"]:
            acknowledge_wildcards(self, dict.fromkeys(arns, ANY_JOB_REASON))

    def _acknowledge(self) -> None:
        acknowledge_provider(
            self,
            wildcard_reasons={
                "*": "The waiter state machine delivers logs (CloudWatch Logs delivery has no resource type)."
            },
            others={
                "AwsSolutions::AwsSolutions-SF2": "The Provider framework's waiter state machine has no X-Ray "
                "option; it only polls the is_complete function."
            },
        )
