"""Attach to an existing SageMaker training job at deploy time, as ``RLEstimator.attach(job_name)`` does.

A custom resource (``lambda/attach_training_job``, driven by aws-cdk-lib's ``custom_resources.Provider``)
describes the job, waits while it runs, fails with the job's FailureReason if it failed or was stopped,
and exposes what it learned as attributes: model data, image, role, the toolkit read back from the image,
and, when the job is deployed, the serving image and environment chosen by the same rules as
``RLPipeline`` (``domain.serving``, bundled with the handler). ``deploy()`` adds an ``RLModel`` and an
``RLEndpoint`` fed by those attributes.

The resource owns nothing: Delete always succeeds. Its physical id is the job ARN, so naming another job
replaces it. One provider per stack (per distinct timing settings) serves every attached job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import jsii
from aws_cdk import (
    Aws,
    CustomResource,
    Duration,
    Fn,
    IStableAnyProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from ._arguments import whole_seconds
from ._arns import stack_arn
from ._nag import acknowledge_provider, acknowledge_wildcards
from .core.arguments import check_str
from .core.contracts import (
    ATTACH_RESOURCE_TYPE,
    CODE_ENVIRONMENT,
    CODE_SWITCH_OFF,
    AttachAttribute,
    AttachProperty,
    ServingProperty,
)
from .core.errors import RLConfigurationError
from .core.execution_input import JOB_NAME_MAX
from .core.instances import hosting_instance
from .core.serving.container import SERVING_ENVIRONMENT_KEYS
from .core.toolkits import Processor
from .data_capture import DataCapture
from .endpoint import EndpointAutoscaling, RLEndpoint
from .handler_code import stage_handler
from .model import RLModel
from .serving_container import ServingCodeAsset

#: A custom resource waits at most an hour (CloudFormation's ceiling for a custom resource).
MAX_TOTAL_TIMEOUT = Duration.hours(1)
#: The S3 path of the object ARN granted when a job has no submit directory: not a valid bucket name, so
#: the grant matches nothing (the serving container then runs no training code anyway).
_NO_SOURCE = "NO_SUBMIT_DIRECTORY/none"


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


@jsii.implements(IStableAnyProducer)
class _Deferred:
    """The ``Serving`` property: set by ``deploy()``, absent (None) until then."""

    def __init__(self) -> None:
        self.value: dict[str, str] | None = None

    def produce(self) -> dict[str, str] | None:
        return self.value


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
    def of(cls, scope: Construct, *, query_interval: Duration, total_timeout: Duration) -> AttachTrainingJobProvider:
        """The stack's provider for these settings, created on first use."""
        stack = Stack.of(scope)
        interval_s, total_s = int(query_interval.to_seconds()), int(total_timeout.to_seconds())
        id = (
            "RLAttachTrainingJobProvider"
            if (interval_s, total_s) == (30, 3600)
            else (f"RLAttachTrainingJobProvider{interval_s}s{total_s}s")
        )
        existing = stack.node.try_find_child(id)
        if isinstance(existing, AttachTrainingJobProvider):
            return existing
        return cls(stack, id, query_interval=query_interval, total_timeout=total_timeout)

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def allow_describe(self, job_name: str) -> None:
        """Let the handlers describe ``job_name`` (its ARN in the given and lower-cased spelling), or any
        job when the name is a token."""
        names = ["*"] if Token.is_unresolved(job_name) else list(dict.fromkeys([job_name, job_name.lower()]))
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
            acknowledge_wildcards(
                self,
                dict.fromkeys(
                    arns, "The job name is only known at deploy time (a parameter or an attribute): any job."
                ),
            )

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


class AttachedTrainingJob(Construct):
    """A training job that already ran (or is running), attached at deploy time: ``RLEstimator.attach()``.

    Create it with ``RLTrainingJob.attach(scope, id, training_job_name=...)``. Its attributes are
    CloudFormation attributes (tokens), read when the stack deploys: the deployment waits while the job
    runs (up to ``total_timeout``), and fails if the job failed, was stopped or does not exist.

    :param training_job_name: the job's name (a token works too).
    :param query_interval: how often a running job is polled. Default: 30 seconds.
    :param total_timeout: the longest the deployment waits for the job, at most 1 hour. Default: 1 hour.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job_name: str,
        query_interval: Duration | None = None,
        total_timeout: Duration | None = None,
    ) -> None:
        if not Token.is_unresolved(training_job_name):
            _check_job_name(training_job_name)
        interval_s = whole_seconds(query_interval, "query_interval", default=30)
        total_s = whole_seconds(total_timeout, "total_timeout", default=int(MAX_TOTAL_TIMEOUT.to_seconds()))
        assert interval_s is not None and total_s is not None
        interval, total = Duration.seconds(interval_s), Duration.seconds(total_s)
        if interval_s < 1:
            raise RLConfigurationError("query_interval", "must be at least 1 second.")
        if total_s > MAX_TOTAL_TIMEOUT.to_seconds():
            raise RLConfigurationError(
                "total_timeout", f"a custom resource waits at most 1 hour (3600 s), got {total_s:g} s."
            )
        if total_s < interval_s or total_s % interval_s:
            raise RLConfigurationError(
                "total_timeout",
                f"must be a whole multiple of query_interval ({interval_s:g} s), got {total_s:g} s.",
            )
        super().__init__(scope, id)
        self.training_job_name = training_job_name
        self._serving = _Deferred()
        self.provider = AttachTrainingJobProvider.of(self, query_interval=interval, total_timeout=total)
        self.provider.allow_describe(training_job_name)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=ATTACH_RESOURCE_TYPE,
            properties={
                AttachProperty.TRAINING_JOB_NAME: training_job_name,
                AttachProperty.SERVING: Lazy.any(self._serving),
            },
        )
        get = self.resource.get_att_string
        #: ``s3://`` URI of the job's model.tar.gz.
        self.model_data_url = get(AttachAttribute.MODEL_DATA_URL)
        self.training_job_arn = get(AttachAttribute.TRAINING_JOB_ARN)
        self.training_image = get(AttachAttribute.TRAINING_IMAGE)
        self.role_arn = get(AttachAttribute.ROLE_ARN)
        #: Read back from the training image's tag ("" for an image not in the catalog, or pinned by digest only).
        self.toolkit = get(AttachAttribute.TOOLKIT)
        self.toolkit_version = get(AttachAttribute.TOOLKIT_VERSION)
        #: "" for Vowpal Wabbit and images not in the catalog.
        self.framework = get(AttachAttribute.FRAMEWORK)
        self.entry_point = get(AttachAttribute.ENTRY_POINT)
        self.submit_directory = get(AttachAttribute.SUBMIT_DIRECTORY)
        self.instance_type = get(AttachAttribute.INSTANCE_TYPE)
        self.instance_count = get(AttachAttribute.INSTANCE_COUNT)
        self.endpoint: RLEndpoint | None = None

    def deploy(
        self,
        *,
        instance_type: str,
        initial_instance_count: int = 1,
        endpoint_name: str | None = None,
        serving_image_uri: str | None = None,
        tensorflow_serving_version: str | None = None,
        serving_framework_version: str | None = None,
        serving_entry_point: str | None = None,
        serving_source_dir: str | None = None,
        serving_dependencies: Sequence[str] | None = None,
        role: iam.IRole | None = None,
        model_data_kms_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        kms_key: kms.IKey | None = None,
        data_capture: DataCapture | None = None,
        autoscaling: EndpointAutoscaling | None = None,
    ) -> RLEndpoint:
        """Deploy the job's model to an endpoint, like ``RLEstimator.attach(...).deploy(...)``.

        The serving image and environment follow ``RLEstimator.create_model()`` for the job's image (read
        at deploy time); a Ray job is refused at deploy time unless ``serving_image_uri`` or (Ray with
        TensorFlow) ``tensorflow_serving_version`` is given. ``serving_framework_version``,
        ``serving_entry_point``, ``serving_source_dir`` and ``serving_dependencies`` are ``RLModel``'s: a serving
        version is checked against the job's framework version at deploy time, and serving code (packaged here as
        an asset) is served instead of the job's training code (``deploy(entry_point=...)``). Returns the
        ``RLEndpoint`` (its ``model`` is the ``RLModel``).
        """
        if self.endpoint is not None:
            raise RLConfigurationError("deploy", "this attached job is already deployed; call deploy() once.")
        processor: Processor = hosting_instance(instance_type, "instance_type").processor
        for name, version in (
            ("tensorflow_serving_version", tensorflow_serving_version),
            ("serving_framework_version", serving_framework_version),
        ):
            check_str(version, name, optional=True)
            if serving_image_uri is not None and version is not None:
                raise RLConfigurationError(name, f"give serving_image_uri or {name}, not both.")
        code = ServingCodeAsset.package(
            self,
            serving_entry_point=serving_entry_point,
            serving_source_dir=serving_source_dir,
            serving_dependencies=serving_dependencies,
        )
        serving = {ServingProperty.PROCESSOR: processor.value}
        if serving_image_uri is not None:
            serving[ServingProperty.IMAGE_URI] = serving_image_uri
        if tensorflow_serving_version is not None:
            serving[ServingProperty.TENSORFLOW_SERVING_VERSION] = tensorflow_serving_version
        if serving_framework_version is not None:
            serving[ServingProperty.SERVING_FRAMEWORK_VERSION] = serving_framework_version
        if code is not None:
            serving[ServingProperty.SERVING_ENTRY_POINT] = code.program
            serving[ServingProperty.SERVING_SUBMIT_DIRECTORY] = code.s3_uri
        model = RLModel(
            self,
            "Model",
            model_data_url=self.model_data_url,
            instance_type=instance_type,
            serving_image_uri=self.resource.get_att_string(AttachAttribute.SERVING_IMAGE),
            environment=self._serving_environment(code),
            role=role,
            model_data_kms_key=model_data_kms_key,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
        )
        self._serving.value = serving
        if isinstance(model.role, iam.Role):
            model.role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadInferenceCode",
                    actions=["s3:GetObject"],
                    resources=[code.object_arn if code is not None else self._submit_directory_object_arn()],
                )
            )
        self.endpoint = RLEndpoint(
            self,
            "Endpoint",
            model=model,
            initial_instance_count=initial_instance_count,
            endpoint_name=endpoint_name,
            kms_key=kms_key,
            data_capture=data_capture,
            autoscaling=autoscaling,
        )
        return self.endpoint

    def _serving_environment(self, code: ServingCodeAsset | None = None) -> dict[str, str]:
        """The serving container's environment, every key of ``SERVING_ENVIRONMENT_KEYS`` ("" where the
        chosen container sets none). The entry point and submit directory are not repeated in the
        response: each is ``Select(0, Split(LF, switch + value + LF))``, the value when the handler's
        switch is "" and "" when it is a line feed; the split text is never empty, index 0 always exists.
        The values are the job's attributes, or ``code``'s program and archive when serving code is given."""
        served = (
            {AttachAttribute.ENTRY_POINT: code.program, AttachAttribute.SUBMIT_DIRECTORY: code.s3_uri}
            if code is not None
            else {}
        )
        switch = self.resource.get_att_string(AttachAttribute.SERVING_CODE_SWITCH)
        environment: dict[str, str] = {}
        for key in SERVING_ENVIRONMENT_KEYS:
            attribute = CODE_ENVIRONMENT.get(key)
            if attribute is None:
                environment[key] = self.resource.get_att_string(AttachAttribute.SERVING_ENVIRONMENT_PREFIX + key)
            else:
                value = served.get(attribute) or self.resource.get_att_string(attribute)
                joined = Fn.join("", [switch, value, CODE_SWITCH_OFF])
                environment[key] = Fn.select(0, Fn.split(CODE_SWITCH_OFF, joined))
        return environment

    def _submit_directory_object_arn(self) -> str:
        """The S3 object ARN of the job's submit directory, derived in the template: the text after the
        first ``s3://`` of ``<submit directory>s3://NO_SUBMIT_DIRECTORY/none`` (index 1 always exists; a
        job without a submit directory yields an ARN no bucket can have)."""
        source = Fn.join("", [self.submit_directory, f"s3://{_NO_SOURCE}"])
        return Fn.join("", ["arn:", Aws.PARTITION, ":s3:::", Fn.select(1, Fn.split("s3://", source))])


def _check_job_name(name: str) -> None:
    if len(name) > JOB_NAME_MAX or not re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*", name):
        raise RLConfigurationError(
            "training_job_name",
            f"{name!r} is not a valid SageMaker training job name: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit.",
        )
