"""Delete what an RLPipeline's runs created when the stack deletes the pipeline (``cdk destroy``).

A pipeline's executions create SageMaker models, endpoint configs and endpoints at run time, outside
CloudFormation; without this they stay running (and billed) after the stack is gone. Each of them carries
the tag ``PIPELINE_TAG_KEY`` (``rl-constructs:pipeline``) with the pipeline's value. The custom resource of
:class:`PipelineResourceCleanup` (``_lambda/cleanup_pipeline_resources``, behind aws-cdk-lib's
``custom_resources.Provider``) deletes, on Delete, every endpoint, endpoint config and model whose name
starts with one of the prefixes (or is one of the endpoint names) **and** carries that tag with that value.
It never fails on Delete. One provider per stack serves every pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CustomResource, Duration, RemovalPolicy
from constructs import Construct

from ._arns import stack_arn
from ._handler_provider import handler_provider, one_per_stack, python_handler
from ._nag import acknowledge_provider, acknowledge_wildcards
from ._policy import policy_statements
from .core.contracts import CLEANUP_RESOURCE_TYPE, CleanupProperty
from .core.serving import iam as serving_iam
from .core.serving.cleanup import DELETE_ACTIONS, deletable_resources, resolve


class PipelineResourceCleanupProvider(Construct):
    """The stack's provider of cleanup resources: one Python function (the newest Lambda runtime, its own
    log group and a role that may list SageMaker resources and tag-check and delete those of the pipelines
    it serves) behind the Provider framework. Use :meth:`of`."""

    #: Its id, as a child of the stack.
    ID = "RLPipelineResourceCleanupProvider"

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.function, self.role = python_handler(
            self,
            "Handler",
            handler_dir="cleanup_pipeline_resources",
            handler="index.on_event",
            role_description="rl-constructs pipeline cleanup: write its logs, delete the pipelines' tagged resources",
            description="rl-constructs: delete the SageMaker resources a pipeline's runs created (on Delete)",
            # The Provider framework's function waits for this one and itself stops at 15 minutes.
            timeout=Duration.minutes(10),
            memory_size=256,
            statements=serving_iam.cleanup_handler_statements,
        )
        self.provider = handler_provider(self, self.function)
        self._granted: set[str] = set()
        self._acknowledge()

    @classmethod
    def of(cls, scope: Construct) -> PipelineResourceCleanupProvider:
        """The provider of ``scope``'s stack, created on first use."""
        return one_per_stack(scope, cls, cls.ID, lambda stack: cls(stack, cls.ID))

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow(self, *, name_prefixes: Sequence[str], endpoint_names: Sequence[str]) -> None:
        """Let the handler read the tags of, and delete, the endpoints, endpoint configs and models named
        ``<prefix>*`` and the endpoints named in ``endpoint_names`` (each in its given and lower-cased
        spelling: SageMaker has written ARNs of both)."""
        for kind, resources in deletable_resources(name_prefixes, endpoint_names).items():
            arns = {resource: stack_arn(self, "sagemaker", resource) for resource in resources}
            new = {resource: arn for resource, arn in arns.items() if arn not in self._granted}
            if not new:
                continue
            self._granted.update(new.values())
            (statement,) = policy_statements(
                [serving_iam.cleanup_delete_statement(DELETE_ACTIONS[kind], list(new.values()))]
            )
            self.role.add_to_policy(statement)
            acknowledge_wildcards(
                self.role,
                {arn: serving_iam.CLEANUP_PREFIX_REASON for resource, arn in new.items() if resource.endswith("*")},
            )

    def _acknowledge(self) -> None:
        acknowledge_provider(
            self,
            wildcard_reasons={"*": serving_iam.CLEANUP_NO_RESOURCE_TYPE_REASON},
        )


class PipelineResourceCleanup(Construct):
    """Deletes, when the stack deletes it, the SageMaker resources a pipeline's runs created.

    On Delete, every endpoint, endpoint config and model whose name starts with one of ``name_prefixes``
    (or, for endpoints, is one of ``endpoint_names``) and that carries the tag
    ``rl-constructs:pipeline = <pipeline_tag_value>`` is deleted (``PIPELINE_TAG_KEY``); resources without
    that tag are never touched. Already deleted resources are fine, throttling is retried, and the
    deletion never fails the stack: what could not be deleted is written to the handler's log group.
    Create and Update do nothing.

    :param pipeline_tag_value: the value of the ``rl-constructs:pipeline`` tag the pipeline puts on every
        SageMaker resource it creates (1 to 256 characters of SageMaker's tag alphabet).
    :param name_prefixes: the names of the pipeline's models, endpoint configs and endpoints start with
        one of these (e.g. ``<base_job_name>-``); letters, digits and hyphens, at most 63 characters.
    :param endpoint_names: stable endpoint names the pipeline creates or updates. Default: none.
    :param removal_policy: ``DESTROY`` deletes the resources with the stack (the default); ``RETAIN`` keeps
        them: the custom resource then has CloudFormation's ``DeletionPolicy: Retain``, so CloudFormation
        never sends it a Delete, and switching between the two is a plain update that deletes nothing.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pipeline_tag_value: str,
        name_prefixes: Sequence[str],
        endpoint_names: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        if not isinstance(removal_policy, RemovalPolicy):
            raise TypeError(f"removal_policy: expected a RemovalPolicy, got {type(removal_policy).__name__}")
        options = resolve(
            pipeline_tag_value=pipeline_tag_value,
            name_prefixes=name_prefixes,
            endpoint_names=endpoint_names,
            removal_policy=removal_policy.name,
        )
        super().__init__(scope, id)
        #: The checked options (``core.serving.cleanup.CleanupOptions``).
        self.options = options
        self.pipeline_tag_value = pipeline_tag_value
        self.name_prefixes = options.name_prefixes
        self.endpoint_names = options.endpoint_names
        self.provider = PipelineResourceCleanupProvider.of(scope)
        self.provider.allow(name_prefixes=options.name_prefixes, endpoint_names=options.endpoint_names)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=CLEANUP_RESOURCE_TYPE,
            removal_policy=removal_policy,
            properties={
                CleanupProperty.PIPELINE_TAG_VALUE: pipeline_tag_value,
                CleanupProperty.NAME_PREFIXES: list(options.name_prefixes),
                CleanupProperty.ENDPOINT_NAMES: list(options.endpoint_names),
            },
        )
