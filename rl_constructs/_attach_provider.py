"""The custom-resource provider of attached training jobs: two small Python functions (describe the job, poll
it) behind aws-cdk-lib's ``custom_resources.Provider``, one per stack and timing settings."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ._arns import stack_arn
from ._handler_provider import handler_provider, newest_python_runtime, one_per_stack, python_handler
from ._nag import acknowledge_provider, acknowledge_wildcards
from .core.training.attach import ANY_JOB_REASON, AttachOptions, describe_job_names
from .handler_code import stage_handler


class AttachTrainingJobProvider(Construct):
    """The custom-resource provider of attached jobs: two small functions (describe, poll) and the
    Provider framework. One per stack and timing settings; use :meth:`of`."""

    def __init__(self, scope: Construct, id: str, *, query_interval: Duration, total_timeout: Duration) -> None:
        super().__init__(scope, id)
        code = lambda_.Code.from_asset(str(stage_handler("attach_training_job")))
        runtime = newest_python_runtime()
        self.handlers: list[lambda_.Function] = [
            python_handler(
                self,
                name,
                handler_dir="attach_training_job",
                handler=handler,
                role_description="rl-constructs attach handler: write its logs, describe the attached jobs",
                description=f"rl-constructs: attach to a SageMaker training job ({handler})",
                timeout=Duration.minutes(2),
                memory_size=256,
                code=code,
                runtime=runtime,
            ).function
            for name, handler in (("OnEvent", "index.on_event"), ("IsComplete", "index.is_complete"))
        ]
        self.provider = handler_provider(
            self,
            self.handlers[0],
            is_complete_handler=self.handlers[1],
            query_interval=query_interval,
            total_timeout=total_timeout,
            waiter_logs=True,
        )
        self._job_arns: list[str] = []
        self._acknowledge()

    @classmethod
    def of(cls, scope: Construct, options: AttachOptions) -> AttachTrainingJobProvider:
        """The stack's provider for the timing of ``options``, created on first use."""
        return one_per_stack(
            scope,
            cls,
            options.provider_id,
            lambda stack: cls(
                stack,
                options.provider_id,
                query_interval=Duration.seconds(options.query_interval_seconds),
                total_timeout=Duration.seconds(options.total_timeout_seconds),
            ),
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
