"""The serving container of an RL model in a template, and the hosting role that runs it.

``core.serving.container.choose_serving`` decides, as ``RLEstimator.create_model()`` does, which image and
environment serve a model; this module puts that choice in a stack (catalog images resolve to a string
or a region mapping, like training images) and knows what SageMaker hosting needs to pull and run it.
The pipeline's CreateModel task, ``RLModel`` and the attach path all go through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Aws, Fn, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IConstruct

from ._arns import stack_environment, stack_of
from ._nag import acknowledge_wildcards
from ._policy import (
    Statement,
    kms_data_statement,
    policy_document,
    policy_statements,
    rendered_statements,
    service_principal,
    shared_policy,
)
from .core.arguments import check_sequence, check_str
from .core.aws import s3_arn, split_s3_uri
from .core.errors import RLConfigurationError
from .core.iam import HOSTING_COMMON_POLICY
from .core.images import validate_image_uri
from .core.serving.code import package_serving_code
from .core.serving.container import ServingKind, choose_serving
from .core.serving.iam import add_reason, hosting_role_reasons, hosting_role_statements, pull_image_statements
from .core.toolkits import Processor, RLFramework, RLToolkit
from .image_uris import ContainerImage, image_from_uri, resolve_image


@dataclass(frozen=True)
class ResolvedServing:
    """The serving container as the template sees it."""

    #: Which of the SDK's model classes this is; None when given as raw image and environment (attach).
    kind: ServingKind | None
    #: The image URI: a string, a region-mapping token, or an attribute of the attach custom resource.
    image_uri: str
    #: The container environment (values may be tokens).
    environment: Mapping[str, str] = field(default_factory=dict)
    #: ECR repositories hosting pulls from; ``("*",)`` when the image is only known at deploy time.
    repository_arns: tuple[str, ...] = ()
    #: True when the container runs code only from ``code/`` inside ``model.tar.gz``: the model archive must be
    #: repacked with the code first (``repack.ModelRepack``; RLPipeline does it as a step).
    code_in_model_archive: bool = False

    def role_statements(self, scope: IConstruct) -> list[iam.PolicyStatement]:
        """What SageMaker hosting needs to pull this image and write the endpoint's logs and metrics
        (the execution-role permissions of the CreateModel API), each statement with a Sid."""
        return policy_statements([*rendered_statements(scope, HOSTING_COMMON_POLICY), *self.image_statement_json()])

    def image_statement_json(self) -> list[Statement]:
        """Pull this image (none when it is outside ECR), as IAM JSON."""
        return pull_image_statements(self.repository_arns)


@dataclass(frozen=True)
class ServingCodeAsset:
    """Serving code in a template: ``SAGEMAKER_PROGRAM`` and the ``s3://`` archive the container reads it from."""

    #: The inference script's path inside the archive.
    program: str
    #: ``s3://`` URI of the archive: the asset's object URL (a token), or the ``serving_source_dir`` given in S3.
    s3_uri: str
    #: The uploaded archive; None for code already in S3.
    asset: s3_assets.Asset | None
    #: Archive member names, in order (empty for code already in S3).
    members: tuple[str, ...] = ()

    @property
    def object_arn(self) -> str:
        """The archive's object ARN, what the hosting role reads."""
        return s3_object_arn(self.s3_uri)

    @staticmethod
    def package(
        scope: Construct,
        *,
        serving_entry_point: str | None,
        serving_source_dir: str | None,
        serving_dependencies: Sequence[str] | None,
        id: str = "ServingCode",
        in_model_archive: bool = False,
    ) -> ServingCodeAsset | None:
        """Check and package the serving code as an asset of ``scope`` (``core.serving.code``); None without a
        ``serving_entry_point``. ``in_model_archive``: laid out for ``code/`` in a repacked model archive (the
        dependencies under ``lib/``, as the SDK's ``repack_model``). Wrong types raise ``TypeError``, bad paths
        ``RLConfigurationError``, both naming the ``serving_*`` argument."""
        check_str(serving_entry_point, "serving_entry_point", optional=True)
        check_str(serving_source_dir, "serving_source_dir", optional=True)
        check_sequence(serving_dependencies, "serving_dependencies", items=str, items_name="str")
        code = package_serving_code(
            serving_entry_point=serving_entry_point,
            serving_source_dir=serving_source_dir,
            serving_dependencies=serving_dependencies,
            in_model_archive=in_model_archive,
        )
        if code is None:
            return None
        if code.archive is None:
            assert code.s3_uri is not None
            return ServingCodeAsset(code.program, code.s3_uri, None)
        asset = s3_assets.Asset(scope, id, path=str(code.archive))
        return ServingCodeAsset(code.program, asset.s3_object_url, asset, code.members)


def _common_hosting_policy(stack: Stack) -> iam.ManagedPolicy:
    """The stack's one policy of ``core.iam.HOSTING_COMMON_POLICY``, attached to every hosting role made here."""
    return shared_policy(stack, HOSTING_COMMON_POLICY)


def resolve_serving(
    scope: Construct,
    *,
    toolkit: RLToolkit | None,
    framework: RLFramework | None,
    framework_version: str | None,
    processor: Processor,
    entry_point: str,
    submit_directory: str,
    training_image_uri: str | None = None,
    serving_image_uri: str | None = None,
    tensorflow_serving_version: str | None = None,
    serving_framework_version: str | None = None,
    has_serving_code: bool = False,
    can_repack: bool = False,
) -> ResolvedServing:
    """Choose the serving container like ``RLEstimator.create_model()`` and resolve it in ``scope``'s stack.

    ``entry_point``/``submit_directory`` are the inference code: the training code, or the packaged serving
    code (``has_serving_code``). Raises ``RLConfigurationError`` where the SDK refuses (Ray without serving
    information, Vowpal Wabbit without an image), where a serving version cannot serve the trained framework
    version, and, unless the caller repacks the model archive (``can_repack``: RLPipeline's repack step), for
    containers that load their code from inside the model archive (MXNet >= 1.4, PyTorch, TensorFlow Serving
    with an inference script).
    """
    if serving_image_uri is not None and not Token.is_unresolved(serving_image_uri):
        validate_image_uri(serving_image_uri, "serving_image_uri")
    stack = stack_of(scope)
    choice = choose_serving(
        toolkit=toolkit,
        framework=framework,
        framework_version=framework_version,
        processor=processor,
        entry_point=entry_point,
        submit_directory=submit_directory,
        region=stack_environment(stack).region,
        training_image_uri=training_image_uri,
        serving_image_uri=serving_image_uri,
        tensorflow_serving_version=tensorflow_serving_version,
        serving_framework_version=serving_framework_version,
        has_serving_code=has_serving_code,
    )
    if choice.code_in_model_archive and not can_repack:
        raise _repack_refusal(choice.kind)
    repack = choice.code_in_model_archive
    if choice.family is not None:
        image: ContainerImage = resolve_image(stack, choice.family, processor)
    else:
        assert choice.image_uri is not None
        image = image_from_uri(stack, choice.image_uri)
    return ResolvedServing(choice.kind, image.image_uri, choice.environment, image.repository_arns, repack)


def _repack_refusal(kind: ServingKind) -> RLConfigurationError:
    """The refusal of a container that needs a repacked model archive where no repack is made, naming the
    argument that chose it."""
    if kind is ServingKind.CUSTOM:
        return RLConfigurationError(
            "image_uri",
            "a model trained on a custom image (the training job's image_uri) is served as the SDK's "
            "FrameworkModel, which repacks the code into model.tar.gz under code/ (SAGEMAKER_SUBMIT_DIRECTORY="
            "/opt/ml/model/code); this construct does not repack the model archive (RLPipeline and RLModel do).",
        )
    return RLConfigurationError(
        "serving_entry_point" if kind is ServingKind.TENSORFLOW_SERVING else "serving_framework_version",
        f"the {kind.value} container chosen runs inference code only from code/ inside model.tar.gz, which needs "
        "the model archive repacked with the serving code (as the SDK does); only RLPipeline and RLModel repack "
        "it, this construct does not. Deploy with RLPipeline or RLModel, or serve with a container that reads the "
        "code from S3 (MXNet 1.3) or, for TensorFlow Serving, without an inference script.",
    )


def serving_code_and_container(
    scope: Construct,
    *,
    serving_entry_point: str | None,
    serving_source_dir: str | None,
    serving_dependencies: Sequence[str] | None,
    entry_point: str,
    submit_directory: str,
    toolkit: RLToolkit | None,
    framework: RLFramework | None,
    framework_version: str | None,
    processor: Processor,
    training_image_uri: str | None = None,
    serving_image_uri: str | None = None,
    tensorflow_serving_version: str | None = None,
    serving_framework_version: str | None = None,
    can_repack: bool = False,
) -> tuple[ServingCodeAsset | None, ResolvedServing]:
    """Package the serving code (:meth:`ServingCodeAsset.package`) and choose its container
    (:func:`resolve_serving`; ``entry_point``/``submit_directory``: the training code, served without serving
    code). The code is laid out for where the chosen container reads it: ``sourcedir.tar.gz`` in S3, or
    ``code/`` in the repacked model archive (dependencies under ``lib/``, as the SDK's ``repack_model``)."""
    choice: dict[str, Any] = {
        "toolkit": toolkit,
        "framework": framework,
        "framework_version": framework_version,
        "processor": processor,
        "training_image_uri": training_image_uri,
        "serving_image_uri": serving_image_uri,
        "tensorflow_serving_version": tensorflow_serving_version,
        "serving_framework_version": serving_framework_version,
    }
    in_model_archive = False
    if serving_entry_point is not None and serving_dependencies:  # the layout only moves the dependencies
        try:
            probe = choose_serving(
                **choice,
                entry_point=serving_entry_point,
                submit_directory=submit_directory,
                region=stack_environment(stack_of(scope)).region,
                has_serving_code=True,
            )
            in_model_archive = probe.code_in_model_archive
        except RLConfigurationError:
            pass  # refused: resolve_serving says why, after the code's own checks
    code = ServingCodeAsset.package(
        scope,
        serving_entry_point=serving_entry_point,
        serving_source_dir=serving_source_dir,
        serving_dependencies=serving_dependencies,
        in_model_archive=in_model_archive,
    )
    serving = resolve_serving(
        scope,
        **choice,
        entry_point=code.program if code else entry_point,
        submit_directory=code.s3_uri if code else submit_directory,
        has_serving_code=code is not None,
        can_repack=can_repack,
    )
    return code, serving


def s3_object_arn(s3_uri: str) -> str:
    """The ARN of the object an ``s3://bucket/key`` URI names; works on tokens (split at deploy time)."""
    if not Token.is_unresolved(s3_uri):
        bucket, key = split_s3_uri(s3_uri)  # ValueError for a URI of another scheme
        if not key:
            raise ValueError(f"{s3_uri!r} is not an s3://bucket/key URI")
        return s3_arn(Aws.PARTITION, bucket, key)
    return Fn.join("", [f"arn:{Aws.PARTITION}:s3:::", Fn.select(1, Fn.split("s3://", s3_uri))])


def hosting_role(
    scope: Construct,
    id: str,
    *,
    serving: ResolvedServing,
    model_data_arns: Sequence[str],
    inference_code_arns: Sequence[str] = (),
    kms_keys: Sequence[kms.IKey] = (),
    wildcard_reasons: dict[str, str] | None = None,
) -> iam.Role:
    """A least-privilege role SageMaker hosting assumes to run ``serving``: read the model data (and the
    inference code when the container runs the entry point), decrypt it with ``kms_keys`` (``kms:Decrypt``
    only), pull the image, write logs and metrics.

    The wildcards its policy needs are acknowledged on the role, each with its reason; given
    ``wildcard_reasons``, they are added there instead, for the caller to acknowledge with its own."""
    statements = hosting_role_statements(
        model_data_arns=model_data_arns,
        inference_code_arns=inference_code_arns,
        runs_entry_point="SAGEMAKER_SUBMIT_DIRECTORY" in serving.environment,
        image_statements=serving.image_statement_json(),
    )
    stack = stack_of(scope)
    if kms_keys:
        # Explicit actions: aws-cdk-lib's key grants carry wildcards cdk-nag flags (kms:GenerateDataKey*...).
        statements.append(kms_data_statement([key.key_arn for key in kms_keys], write=False, sid="DecryptModelData"))
    role = iam.Role(
        scope,
        id,
        assumed_by=service_principal(stack, "sagemaker.amazonaws.com"),
        description="SageMaker hosting role of an RL model (rl-constructs): least privilege",
        managed_policies=[_common_hosting_policy(stack)],
        inline_policies={"RLHosting": policy_document(statements)},  # with the role, in one call
    )
    reasons = hosting_role_reasons(repository_arns=serving.repository_arns, model_data_arns=model_data_arns)
    if wildcard_reasons is None:
        acknowledge_wildcards(role, reasons, stack=stack)
    else:
        for resource, reason in reasons.items():
            add_reason(wildcard_reasons, resource, reason)
    return role
