"""Attach to an existing SageMaker training job at deploy time, as ``RLEstimator.attach(job_name)`` does.

A custom resource (``_lambda/attach_training_job``, driven by aws-cdk-lib's ``custom_resources.Provider``)
describes the job, waits while it runs, fails with the job's FailureReason if it failed or was stopped,
and exposes what it learned as attributes: model data, image, role, the toolkit read back from the image,
and, when the job is deployed, the serving image and environment chosen by the same rules as
``RLPipeline`` (``core.serving``, bundled with the handler). ``deploy()`` adds a ``Custom::RLModelRepack``
(the model data repacked with the code when the container the handler chose reads it from ``code/`` inside
``model.tar.gz``, passed through otherwise), an ``RLModel`` and an ``RLEndpoint`` fed by those attributes.
The checks are ``core.training.attach``'s, the provider is in ``_attach_provider``.

The resource owns nothing: Delete always succeeds. Its physical id is the job ARN, so naming another job
replaces it. One provider per stack (per distinct timing settings) serves every attached job.
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import (
    CustomResource,
    Duration,
    Fn,
    IStableAnyProducer,
    Lazy,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._arguments import whole_seconds
from ._arns import s3_uri_arn
from ._attach_provider import AttachTrainingJobProvider
from ._model_repack_provider import ModelArchiveRepack
from .core.contracts import (
    ATTACH_RESOURCE_TYPE,
    CODE_ENVIRONMENT,
    CODE_SWITCH_ATTRIBUTES,
    CODE_SWITCH_OFF,
    AttachAttribute,
    AttachProperty,
)
from .core.errors import RLConfigurationError
from .core.instances import hosting_instance
from .core.serving.container import SERVING_ENVIRONMENT_KEYS
from .core.toolkits import Processor
from .core.training.attach import (
    resolve_attach,
    serving_code_properties,
    serving_properties,
)
from .data_capture import DataCapture
from .endpoint import EndpointAutoscaling, RLEndpoint
from .model import RLModel
from .model_vpc import ModelVpc
from .serving_container import ServingCodeAsset

#: The S3 path of the object ARN granted when a job has no submit directory: not a valid bucket name, so
#: the grant matches nothing (the serving container then runs no training code anyway).
_NO_SOURCE = "NO_SUBMIT_DIRECTORY/none"


@jsii.implements(IStableAnyProducer)
class _Deferred:
    """The ``Serving`` property: set by ``deploy()``, absent (None) until then."""

    def __init__(self) -> None:
        self.value: dict[str, str] | None = None

    def produce(self) -> dict[str, str] | None:
        return self.value


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
        options = resolve_attach(
            training_job_name=training_job_name,
            query_interval_seconds=whole_seconds(query_interval, "query_interval"),
            total_timeout_seconds=whole_seconds(total_timeout, "total_timeout"),
        )
        super().__init__(scope, id)
        self.training_job_name = training_job_name
        self._serving = _Deferred()
        self.provider = AttachTrainingJobProvider.of(self, options)
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
        vpc_config_override: ModelVpc | None = None,
        enable_network_isolation: bool | None = None,
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
        ``RLEndpoint`` (its ``model`` is the ``RLModel``). ``vpc_config_override`` is ``RLModel``'s (``ModelVpc(...)``
        or ``ModelVpc.none()`` instead of ``vpc``...). The job's own VPC cannot be inherited (CloudFormation
        cannot leave ``VpcConfig`` out on a value read when the stack deploys), so a job trained in a VPC is
        refused at deploy time, naming its subnets and security groups, unless ``vpc_config_override`` or
        ``vpc`` says where the model runs: never deployed outside its job's VPC without a word.
        A container that reads its code from ``code/`` inside ``model.tar.gz`` (MXNet >= 1.4, PyTorch, TensorFlow
        Serving with an inference script, a custom training image as the SDK's ``FrameworkModel``) is served from
        the model data repacked with the code (the serving code, else the job's) by a ``Custom::RLModelRepack`` (the
        model's ``ModelDataUrl``): added always, it passes the model data through when the handler answers that the
        container reads no code from the archive. ``enable_network_isolation=True`` is refused: the container is
        chosen when the stack deploys, and the handler does not repack for isolation.
        """
        if self.endpoint is not None:
            raise RLConfigurationError("deploy", "this attached job is already deployed; call deploy() once.")
        if enable_network_isolation:
            raise RLConfigurationError(
                "enable_network_isolation",
                "attach().deploy() chooses the serving container when the stack deploys and cannot repack the model "
                "archive with the code an isolated container would otherwise download from S3; deploy the job's "
                "model with RLModel(model_data_url=attached.model_data_url, toolkit=..., "
                "enable_network_isolation=True), which repacks it, or leave it unset.",
            )
        processor: Processor = hosting_instance(instance_type, "instance_type").processor
        serving = serving_properties(
            processor=processor,
            serving_image_uri=serving_image_uri,
            tensorflow_serving_version=tensorflow_serving_version,
            serving_framework_version=serving_framework_version,
            model_vpc_given=vpc_config_override is not None or vpc is not None,
        )
        code = ServingCodeAsset.package(
            self,
            serving_entry_point=serving_entry_point,
            serving_source_dir=serving_source_dir,
            serving_dependencies=serving_dependencies,
        )
        if code is not None:
            serving.update(serving_code_properties(code.program, code.s3_uri))
        code_arn = code.object_arn if code is not None else self._submit_directory_object_arn()
        repack = ModelArchiveRepack(
            self,
            "Repack",
            model_data_url=self.model_data_url,
            code_url=code.s3_uri if code is not None else self.submit_directory,
            kms_key=model_data_kms_key,
            repack=self.resource.get_att_string(AttachAttribute.SERVING_REPACK),
            code_arn=code_arn,
        )
        model = RLModel(
            self,
            "Model",
            model_data_url=repack.model_data_url,
            instance_type=instance_type,
            serving_image_uri=self.resource.get_att_string(AttachAttribute.SERVING_IMAGE),
            environment=self._serving_environment(code),
            role=role,
            model_data_kms_key=model_data_kms_key,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            vpc_config_override=vpc_config_override,
            enable_network_isolation=enable_network_isolation,
        )
        self._serving.value = serving
        if isinstance(model.role, iam.Role):
            model.role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadInferenceCode",
                    actions=["s3:GetObject"],
                    resources=[code_arn],
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
        switch is "" and the switch's text before its line feed otherwise ("" for a line feed alone,
        ``/opt/ml/model/code`` for a repacked archive); the split text is never empty, index 0 always exists.
        Each variable has its switch (``CODE_SWITCH_ATTRIBUTES``).
        The values are the job's attributes, or ``code``'s program and archive when serving code is given."""
        served = (
            {AttachAttribute.ENTRY_POINT: code.program, AttachAttribute.SUBMIT_DIRECTORY: code.s3_uri}
            if code is not None
            else {}
        )
        environment: dict[str, str] = {}
        for key in SERVING_ENVIRONMENT_KEYS:
            attribute = CODE_ENVIRONMENT.get(key)
            if attribute is None:
                environment[key] = self.resource.get_att_string(AttachAttribute.SERVING_ENVIRONMENT_PREFIX + key)
            else:
                value = served.get(attribute) or self.resource.get_att_string(attribute)
                switch = self.resource.get_att_string(CODE_SWITCH_ATTRIBUTES[key])
                joined = Fn.join("", [switch, value, CODE_SWITCH_OFF])
                environment[key] = Fn.select(0, Fn.split(CODE_SWITCH_OFF, joined))
        return environment

    def _submit_directory_object_arn(self) -> str:
        """The S3 object ARN of the job's submit directory, derived in the template: the text after the
        first ``s3://`` of ``<submit directory>s3://NO_SUBMIT_DIRECTORY/none`` (index 1 always exists; a
        job without a submit directory yields an ARN no bucket can have)."""
        source = Fn.join("", [self.submit_directory, f"s3://{_NO_SOURCE}"])
        return s3_uri_arn(self, source, split_in_template=True, pseudo_partition=True)
