"""RLModel: an ``AWS::SageMaker::Model`` for trained RL model data, served as ``RLEstimator.create_model()`` would.

For models whose data is known at deploy time (an S3 URI, or an attribute of an attached training job).
The serving container comes from the same rules as the pipeline's CreateModel task
(``core.serving.container``; the options: ``core.serving.model``); the hosting role is least-privilege and
created unless given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from aws_cdk import ArnFormat, Resource, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from ._model_repack_provider import ModelArchiveRepack
from ._nag import acknowledge_wildcards
from ._policy import add_statements, allow, kms_data_statement, policy_statements
from ._training_resources import select_subnets
from .core.arguments import check_str
from .core.errors import RLConfigurationError
from .core.request_validation import validate_request
from .core.serving import iam as serving_iam
from .core.serving.container import ServingKind
from .core.serving.model import ModelOptions, archive_serving, check_entry_point, resolve
from .core.serving.requests import model_request
from .core.toolkits import Processor, RLFramework, RLToolkit
from .image_uris import image_from_uri
from .model_vpc import ModelVpc, model_vpc_config
from .serving_container import (
    ResolvedServing,
    ServingCodeAsset,
    hosting_role,
    s3_object_arn,
    serving_code_and_container,
)


@runtime_checkable
class IRLModel(Protocol):
    """A SageMaker model ``RLEndpoint(model=...)`` can serve: an ``RLModel``, or one imported with
    ``RLModel.from_model_name()`` / ``from_model_arn()``."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_arn(self) -> str: ...

    @property
    def role(self) -> iam.IRole | None:
        """The role SageMaker hosting assumes (data capture grants it writes); None when not known."""
        ...

    @property
    def instance_type(self) -> str | None:
        """The hosting instance type the model was made for; None when not known."""
        ...

    @property
    def processor(self) -> Processor | None:
        """cpu or gpu serving image; None when not known (then the endpoint cannot check its instance)."""
        ...


class RLModel(Construct):
    """A SageMaker model of RL model data, with the serving container ``RLEstimator.create_model()`` picks.

    Say what trained the model: ``toolkit`` + ``toolkit_version`` + ``framework`` (Coach/TensorFlow is
    served with TensorFlow Serving of the framework's version; MXNet with the MXNet 1.3 container running
    ``entry_point``), or the ``training_image_uri`` (a catalog image is read back to its toolkit; another
    image serves itself), or name the ``serving_image_uri`` outright. Ray is refused like the SDK unless a
    ``serving_image_uri`` or, for Ray with TensorFlow, a ``tensorflow_serving_version`` is given.

    :param model_data_url: ``s3://`` URI of ``model.tar.gz`` (tokens allowed).
    :param instance_type: the hosting instance type the model will run on; picks the cpu or gpu image.
        Default: None, a cpu image (serverless inference is cpu only).
    :param toolkit: ``RLToolkit`` of the training job.
    :param toolkit_version: e.g. ``"0.11.0"``.
    :param framework: ``RLFramework`` of the training job.
    :param training_image_uri: the training job's image, when toolkit/version/framework are not given.
    :param entry_point: the training script (``sagemaker_program``); containers that run it need it.
    :param submit_directory: ``s3://`` URI of the training source archive (``sagemaker_submit_directory``).
    :param serving_image_uri: serve with this image instead of the SDK's choice.
    :param tensorflow_serving_version: for TensorFlow models: the TensorFlow Serving version (``"2.5.1"`` or its
        alias ``"2.5"``); required for Ray, which the SDK does not serve by default. Default: the trained version.
    :param serving_framework_version: the serving framework version for any framework (``MXNetModel`` /
        ``PyTorchModel``'s ``framework_version``); it must serve the trained version (same major, at least its
        minor), else it is refused with the versions that can. Default: as ``create_model()`` chooses.
    :param serving_entry_point: the inference script (``create_model(entry_point=...)``), run instead of the
        training ``entry_point``; packaged with ``serving_source_dir``/``serving_dependencies`` as a reproducible
        asset laid out as the SDK lays it out. Default: none, the training code serves.
    :param serving_source_dir: the directory of ``serving_entry_point``, or an ``s3://`` ``.tar.gz`` already
        uploaded. Default: the script alone.
    :param serving_dependencies: directories added to the serving code archive. Default: none.
    :param environment: container variables set over the chosen environment. Default: none.
    :param role: the role SageMaker hosting assumes. Default: a least-privilege role created here, which also
        attaches the stack's ``RLHostingCommonPolicy`` (endpoint logs, metrics, ECR login).
    :param model_data_kms_key: the KMS key the model data is encrypted with (the role may decrypt). Default: none.
    :param model_name: Default: generated by CloudFormation.
    :param vpc: run the model's containers in this VPC. Default: no VPC.
    :param vpc_subnets: subnets of ``vpc``. Default: the VPC's default selection (private subnets).
    :param security_groups: up to 5. Default: one created, all outbound traffic allowed.
    :param vpc_config_override: ``ModelVpc(...)`` (a VPC, or subnet and security group ids) or
        ``ModelVpc.none()``, instead of ``vpc``/``vpc_subnets``/``security_groups`` (the same API as RLPipeline's
        and ``attach().deploy()``'s). Default: None, the ``vpc`` arguments.
    :param enable_network_isolation: ``EnableNetworkIsolation``: no network access from the container. A
        container that would download its code from S3 (``SAGEMAKER_SUBMIT_DIRECTORY``) then gets it inside the
        repacked model archive instead, as the SDK's ``Model`` does. Default: None, not set (as ``create_model()``).

    Containers that run inference code only from ``code/`` inside ``model.tar.gz`` (MXNet >= 1.4, PyTorch,
    TensorFlow Serving with a ``serving_entry_point``), and isolated ones, are served from the model archive
    repacked with the code when the stack deploys (``Custom::RLModelRepack``: ``<model data folder>/repacked/
    <digest>/model.tar.gz``, deleted with the resource; bound: Lambda's 15 minutes, archives of several GB).

    ``RLModel.from_model_name()`` / ``from_model_arn()`` import a model made elsewhere (an ``IRLModel``).
    """

    @classmethod
    def from_model_name(cls, scope: Construct, id: str, model_name: str, *, role: iam.IRole | None = None) -> IRLModel:
        """A model made elsewhere (another stack, ``RLPipeline``, the SDK), by name, in this stack's account and
        region, as aws-sagemaker-alpha's ``Model.fromModelName``. Its ARN spells the name in lower case, as
        SageMaker writes names in the ARNs it returns (``RLEndpoint.from_endpoint_name`` does the same).

        :param role: the model's execution role, when an endpoint with ``data_capture`` serves it (the capture
            is written with that role, which is granted the writes). Default: unknown.
        """
        check_str(model_name, "model_name")
        if not Token.is_unresolved(model_name):
            validate_request("DescribeModel", {"ModelName": model_name}, arguments={"ModelName": "model_name"})
        name = model_name if Token.is_unresolved(model_name) else model_name.lower()
        arn = Stack.of(scope).format_arn(service="sagemaker", resource="model", resource_name=name)
        return _ImportedModel(scope, id, model_name=model_name, model_arn=arn, role=role)

    @classmethod
    def from_model_arn(cls, scope: Construct, id: str, model_arn: str, *, role: iam.IRole | None = None) -> IRLModel:
        """A model made elsewhere, by ARN (``arn:<partition>:sagemaker:<region>:<account>:model/<name>``); its name
        is the ARN's resource name. ``role`` as in :meth:`from_model_name`."""
        check_str(model_arn, "model_arn")
        parts = Stack.of(scope).split_arn(model_arn, ArnFormat.SLASH_RESOURCE_NAME)
        if not Token.is_unresolved(model_arn) and (
            parts.service != "sagemaker" or parts.resource != "model" or not parts.resource_name
        ):
            raise RLConfigurationError(
                "model_arn", f"expected arn:<partition>:sagemaker:<region>:<account>:model/<name>, got {model_arn!r}."
            )
        return _ImportedModel(scope, id, model_name=str(parts.resource_name), model_arn=model_arn, role=role)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model_data_url: str,
        instance_type: str | None = None,
        toolkit: RLToolkit | str | None = None,
        toolkit_version: str | None = None,
        framework: RLFramework | str | None = None,
        training_image_uri: str | None = None,
        entry_point: str | None = None,
        submit_directory: str | None = None,
        serving_image_uri: str | None = None,
        tensorflow_serving_version: str | None = None,
        serving_framework_version: str | None = None,
        serving_entry_point: str | None = None,
        serving_source_dir: str | None = None,
        serving_dependencies: Sequence[str] | None = None,
        environment: Mapping[str, str] | None = None,
        role: iam.IRole | None = None,
        model_data_kms_key: kms.IKey | None = None,
        model_name: str | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        vpc_config_override: ModelVpc | None = None,
        enable_network_isolation: bool | None = None,
    ) -> None:
        options = resolve(
            model_data_url=model_data_url,
            instance_type=instance_type,
            toolkit=toolkit,
            toolkit_version=toolkit_version,
            framework=framework,
            training_image_uri=training_image_uri,
            entry_point=entry_point,
            submit_directory=submit_directory,
            serving_image_uri=serving_image_uri,
            tensorflow_serving_version=tensorflow_serving_version,
            serving_framework_version=serving_framework_version,
            has_serving_code=serving_entry_point is not None,
            environment=environment,
            model_name=model_name,
            vpc=vpc is not None,
            security_groups=security_groups,
            enable_network_isolation=enable_network_isolation,
            vpc_config_override=vpc_config_override is not None,
        )
        super().__init__(scope, id)
        #: The checked options (``core.serving.model.ModelOptions``).
        self.options = options
        #: The hosting instance type given (None: cpu image, e.g. for serverless inference).
        self.instance_type: str | None = options.instance_type
        self.processor: Processor | None = options.processor
        serving_code, self.serving = self._serving(
            options,
            serving_code=(serving_entry_point, serving_source_dir, serving_dependencies),
            entry_point=entry_point,
            submit_directory=submit_directory,
            serving_image_uri=serving_image_uri,
            tensorflow_serving_version=tensorflow_serving_version,
            serving_framework_version=serving_framework_version,
        )
        #: The serving code (None: the training code serves, as with ``create_model()`` alone).
        self.serving_code = serving_code
        if serving_code is not None:
            entry_point, submit_directory = serving_code.program, serving_code.s3_uri
        archive = archive_serving(
            self.serving.environment,
            code_in_model_archive=self.serving.code_in_model_archive,
            enable_network_isolation=options.enable_network_isolation,
        )
        #: The deploy-time repack of the model archive with the inference code (``Custom::RLModelRepack``), when
        #: the container reads its code from ``code/`` in the archive or is network-isolated; else None.
        self.repack: ModelArchiveRepack | None = None
        if archive.repack:
            assert submit_directory is not None  # check_entry_point / serving code: the code is known
            self.repack = ModelArchiveRepack(
                self, "Repack", model_data_url=model_data_url, code_url=submit_directory, kms_key=model_data_kms_key
            )
        served_data = self.repack.model_data_url if self.repack is not None else model_data_url
        container_environment = {**archive.environment, **options.environment}
        self.role: iam.IRole = self._role(
            role, served_data, None if self.repack is not None else submit_directory, model_data_kms_key
        )
        request_vpc = self._vpc(vpc, vpc_subnets, security_groups, vpc_config_override)
        self.resource = self._model(options, served_data, container_environment, request_vpc)
        self.resource.node.add_dependency(self.role)
        #: The model's name (a CloudFormation attribute).
        self.model_name: str = self.resource.attr_model_name
        #: The model's ARN (the resource's ``Ref``).
        self.model_arn: str = self.resource.ref
        #: The model data served: ``model_data_url``, or the repacked archive (a ``Fn::GetAtt``).
        self.model_data_url = served_data
        self.environment: Mapping[str, str] = container_environment

    def _role(
        self, role: iam.IRole | None, model_data_url: str, code_url: str | None, key: kms.IKey | None
    ) -> iam.IRole:
        """The role given, granted the model data's key and the serving code, or a least-privilege hosting role."""
        if role is None:
            return hosting_role(
                self,
                "Role",
                serving=self.serving,
                model_data_arns=[s3_object_arn(model_data_url)],
                inference_code_arns=[s3_object_arn(code_url)] if code_url else [],
                kms_keys=[key] if key else [],
            )
        if key is not None:
            add_statements(role, [kms_data_statement([key.key_arn], write=False, sid="DecryptModelData")])
        if self.serving_code is not None and code_url is not None:
            add_statements(role, [allow(["s3:GetObject"], [s3_object_arn(code_url)], sid="ReadServingCode")])
        if self.repack is not None:  # the archive made here: the given role reads it
            add_statements(role, [allow(["s3:GetObject"], [s3_object_arn(model_data_url)], sid="ReadRepackedModel")])
        return role

    def _model(
        self,
        options: ModelOptions,
        model_data_url: str,
        environment: Mapping[str, str],
        request_vpc: Mapping[str, list[str]],
    ) -> sagemaker.CfnModel:
        """The ``AWS::SageMaker::Model``, its literal fields checked against botocore's model first."""
        role_arn = self.role.role_arn
        # Every literal field against botocore's SageMaker model, as CreateModel will receive it.
        validate_request(
            "CreateModel",
            model_request(
                model_name=options.model_name,
                role_arn=role_arn,
                image=self.serving.image_uri,
                model_data_url=model_data_url,
                environment=environment,
                vpc_config=request_vpc,
                enable_network_isolation=options.enable_network_isolation,
            ),
            filled_by_cloudformation=("ModelName",),
        )
        return sagemaker.CfnModel(
            self,
            "Resource",
            model_name=options.model_name,
            execution_role_arn=role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=self.serving.image_uri,
                model_data_url=model_data_url,
                environment=dict(environment) or None,
            ),
            vpc_config=sagemaker.CfnModel.VpcConfigProperty(
                security_group_ids=request_vpc["SecurityGroupIds"], subnets=request_vpc["Subnets"]
            )
            if request_vpc
            else None,
            enable_network_isolation=options.enable_network_isolation or None,
        )

    def _vpc(
        self,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
        override: ModelVpc | None,
    ) -> dict[str, list[str]]:
        """The model's ``VpcConfig`` (``{}`` outside a VPC): ``override``'s, else ``vpc``'s (security groups
        given, or one made); its role may manage the network interfaces SageMaker makes there."""
        if override is not None:
            config, groups = model_vpc_config(self, override, None)
            if config is None:
                return {}
            if groups:
                self.connections = ec2.Connections(security_groups=groups)
            request_vpc = config
        elif vpc is None:
            return {}
        else:
            groups = list(security_groups or []) or [
                ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, description="RL model", allow_all_outbound=True)
            ]
            self.connections = ec2.Connections(security_groups=groups)
            request_vpc = {
                "SecurityGroupIds": [group.security_group_id for group in groups],
                "Subnets": select_subnets(vpc, vpc_subnets),
            }
        if isinstance(self.role, iam.Role):
            self.role.add_to_policy(policy_statements([serving_iam.hosting_vpc_statement()])[0])
            acknowledge_wildcards(self.role, {"*": serving_iam.VPC_REASON})
        return request_vpc

    @property
    def image_uri(self) -> str:
        """The serving image (a string or a token)."""
        return self.serving.image_uri

    def _serving(
        self,
        options: ModelOptions,
        *,
        serving_code: tuple[str | None, str | None, Sequence[str] | None],
        entry_point: str | None,
        submit_directory: str | None,
        serving_image_uri: str | None,
        tensorflow_serving_version: str | None,
        serving_framework_version: str | None,
    ) -> tuple[ServingCodeAsset | None, ResolvedServing]:
        """The serving code (``serving_entry_point``, ``serving_source_dir``, ``serving_dependencies``), packaged
        for where the container reads it, and the container: a custom ``serving_image_uri`` as it is, else
        ``create_model()``'s choice."""
        trained = options.trained
        serving_entry_point, serving_source_dir, serving_dependencies = serving_code
        if trained.custom_image:
            assert serving_image_uri is not None
            code = ServingCodeAsset.package(
                self,
                serving_entry_point=serving_entry_point,
                serving_source_dir=serving_source_dir,
                serving_dependencies=serving_dependencies,
            )
            return code, ResolvedServing(
                ServingKind.CUSTOM, serving_image_uri, {}, image_from_uri(self, serving_image_uri).repository_arns
            )
        code, serving = serving_code_and_container(
            self,
            serving_entry_point=serving_entry_point,
            serving_source_dir=serving_source_dir,
            serving_dependencies=serving_dependencies,
            entry_point=entry_point or "",
            submit_directory=submit_directory or "",
            toolkit=trained.toolkit,
            framework=trained.framework,
            framework_version=trained.framework_version,
            processor=options.processor,
            training_image_uri=trained.training_image_uri,
            serving_image_uri=serving_image_uri,
            tensorflow_serving_version=tensorflow_serving_version,
            serving_framework_version=serving_framework_version,
            can_repack=True,  # Custom::RLModelRepack puts the code in the archive at deploy time
        )
        if code is not None:
            entry_point, submit_directory = code.program, code.s3_uri
        check_entry_point(serving.environment, entry_point, submit_directory)
        return code, serving


class _ImportedModel(Resource):
    """A model this app does not create: its name, ARN and (when given) role are known, not its instance type."""

    def __init__(self, scope: Construct, id: str, *, model_name: str, model_arn: str, role: iam.IRole | None) -> None:
        super().__init__(scope, id, environment_from_arn=model_arn)
        self.model_name = model_name
        self.model_arn = model_arn
        self.role = role
        self.instance_type = None
        self.processor = None
