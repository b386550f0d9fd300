"""Delete what an RLPipeline's runs created when the stack deletes the pipeline (``cdk destroy``).

A pipeline's executions create SageMaker models, endpoint configs and endpoints at run time, outside
CloudFormation; without this they stay running (and billed) after the stack is gone. Each of them carries
the tag ``PIPELINE_TAG_KEY`` (``rl-constructs:pipeline``) with the pipeline's value. The custom resource of
:class:`PipelineResourceCleanup` (``lambda/cleanup_pipeline_resources``, behind aws-cdk-lib's
``custom_resources.Provider``) deletes, on Delete, every endpoint, endpoint config and model whose name
starts with one of the prefixes (or is one of the endpoint names) **and** carries that tag with that value.
It never fails on Delete. One provider per stack serves every pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from ._arns import stack_arn
from ._nag import acknowledge_provider, acknowledge_wildcards
from .attach import newest_python_runtime
from .core.contracts import CLEANUP_RESOURCE_TYPE, PIPELINE_TAG_KEY, CleanupProperty
from .core.errors import RLConfigurationError
from .handler_code import stage_handler

#: A name prefix: what ``NameContains`` of the SageMaker List calls accepts (letters, digits, hyphens, <= 63).
_PREFIX = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,62}")
_ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
#: SageMaker's tag value pattern (``[\p{L}\p{Z}\p{N}_.:/=+\-@]*``, at most 256 characters).
_TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{1,256}")
#: What each kind of resource may be asked: its tags, and its deletion.
_DELETE_ACTIONS = {
    "endpoint": "sagemaker:DeleteEndpoint",
    "endpoint-config": "sagemaker:DeleteEndpointConfig",
    "model": "sagemaker:DeleteModel",
}
_REMOVAL_POLICIES = {RemovalPolicy.DESTROY: "DESTROY", RemovalPolicy.RETAIN: "RETAIN"}
_PREFIX_REASON = (
    "The resources a pipeline run creates are named <prefix>-<suffix> at run time; the handler deletes only "
    "those that also carry the pipeline's tag."
)


class PipelineResourceCleanupProvider(Construct):
    """The stack's provider of cleanup resources: one Python function (the newest Lambda runtime, its own
    log group and a role that may list SageMaker resources and tag-check and delete those of the pipelines
    it serves) behind the Provider framework. Use :meth:`of`."""

    #: Its id, as a child of the stack.
    ID = "RLPipelineResourceCleanupProvider"

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        log_group = logs.LogGroup(
            self, "HandlerLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        # An inline, log-group-scoped role instead of aws-cdk-lib's default (the AWS managed
        # AWSLambdaBasicExecutionRole, which may write to any log group).
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="rl-constructs pipeline cleanup: write its logs, delete the pipelines' tagged resources",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ListPipelineResources",
                actions=["sagemaker:ListEndpoints", "sagemaker:ListEndpointConfigs", "sagemaker:ListModels"],
                resources=["*"],
            )
        )
        # Deleting an autoscaled endpoint deregisters its variant from Application Auto Scaling only when the
        # caller may (SageMaker Developer Guide, "Delete endpoints configured for auto scaling"); otherwise the
        # scalable target outlives the endpoint.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DeregisterAutoscaling",
                actions=["application-autoscaling:DeregisterScalableTarget"],
                resources=["*"],
            )
        )
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=newest_python_runtime(),
            handler="index.on_event",
            code=lambda_.Code.from_asset(str(stage_handler("cleanup_pipeline_resources"))),
            role=self.role,
            # The Provider framework's function waits for this one and itself stops at 15 minutes.
            timeout=Duration.minutes(10),
            memory_size=256,
            description="rl-constructs: delete the SageMaker resources a pipeline's runs created (on Delete)",
            log_group=log_group,
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=logs.LogGroup(
                self, "ProviderLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
            ),
        )
        self._granted: set[str] = set()
        self._acknowledge()

    @classmethod
    def of(cls, scope: Construct) -> PipelineResourceCleanupProvider:
        """The provider of ``scope``'s stack, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        if isinstance(existing, PipelineResourceCleanupProvider):
            return existing
        return cls(stack, cls.ID)

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow(self, *, name_prefixes: Sequence[str], endpoint_names: Sequence[str]) -> None:
        """Let the handler read the tags of, and delete, the endpoints, endpoint configs and models named
        ``<prefix>*`` and the endpoints named in ``endpoint_names`` (each in its given and lower-cased
        spelling: SageMaker has written ARNs of both)."""
        for kind, action in _DELETE_ACTIONS.items():
            resources = [f"{kind}/{prefix}*" for prefix in _spellings(name_prefixes)]
            if kind == "endpoint":
                resources += [f"{kind}/{name}" for name in _spellings(endpoint_names)]
            arns = {resource: stack_arn(self, "sagemaker", resource) for resource in resources}
            new = {resource: arn for resource, arn in arns.items() if arn not in self._granted}
            if not new:
                continue
            self._granted.update(new.values())
            self.role.add_to_policy(
                iam.PolicyStatement(actions=["sagemaker:ListTags", action], resources=list(new.values()))
            )
            acknowledge_wildcards(
                self.role,
                {arn: _PREFIX_REASON for resource, arn in new.items() if resource.endswith("*")},
            )

    def _acknowledge(self) -> None:
        acknowledge_provider(
            self,
            wildcard_reasons={
                "*": "ListEndpoints, ListEndpointConfigs and ListModels have no resource type: they take '*'; "
                "scalable targets (deregistered when an autoscaled endpoint is deleted) have generated ids."
            },
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
        _check_tag_value(pipeline_tag_value)
        prefixes = _names("name_prefixes", name_prefixes, _PREFIX, "letters, digits and hyphens")
        if not prefixes:
            raise RLConfigurationError("name_prefixes", "give at least one name prefix of the pipeline's resources.")
        names = _names("endpoint_names", endpoint_names, _ENDPOINT_NAME, "a valid SageMaker endpoint name")
        if not isinstance(removal_policy, RemovalPolicy):
            raise TypeError(f"removal_policy: expected a RemovalPolicy, got {type(removal_policy).__name__}")
        if removal_policy not in _REMOVAL_POLICIES:
            raise RLConfigurationError(
                "removal_policy",
                f"{removal_policy} does not apply to a custom resource.",
                allowed=list(_REMOVAL_POLICIES.values()),
            )
        super().__init__(scope, id)
        self.pipeline_tag_value = pipeline_tag_value
        self.name_prefixes = tuple(prefixes)
        self.endpoint_names = tuple(names)
        self.provider = PipelineResourceCleanupProvider.of(self)
        self.provider.allow(name_prefixes=prefixes, endpoint_names=names)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=CLEANUP_RESOURCE_TYPE,
            removal_policy=removal_policy,
            properties={
                CleanupProperty.PIPELINE_TAG_VALUE: pipeline_tag_value,
                CleanupProperty.NAME_PREFIXES: prefixes,
                CleanupProperty.ENDPOINT_NAMES: names,
            },
        )


def _check_tag_value(value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"pipeline_tag_value: expected a str, got {type(value).__name__}")
    if not Token.is_unresolved(value) and not _TAG_VALUE.fullmatch(value):
        raise RLConfigurationError(
            "pipeline_tag_value",
            f"{value!r} is not a SageMaker tag value for {PIPELINE_TAG_KEY}: 1 to 256 letters, digits, spaces "
            "and _ . : / = + - @.",
        )


def _names(argument: str, values: Sequence[str], pattern: re.Pattern[str], rule: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise TypeError(f"{argument}: expected a sequence of str, got {type(values).__name__}")
    names: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"{argument}: expected a sequence of str, got an item of type {type(value).__name__}")
        if not Token.is_unresolved(value) and not pattern.fullmatch(value):
            raise RLConfigurationError(argument, f"{value!r} is not {rule} of at most 63 characters.")
        if value not in names:
            names.append(value)
    return names


def _spellings(names: Sequence[str]) -> list[str]:
    """Each name as given and lower-cased (a token only as given), without repeats."""
    spellings = (s for name in names for s in ([name] if Token.is_unresolved(name) else [name, name.lower()]))
    return list(dict.fromkeys(spellings))
