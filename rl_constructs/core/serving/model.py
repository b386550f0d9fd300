"""``RLModel``'s options: the model data, the request's settings and what trained the model (which serving
container ``create_model()`` would pick), every default and check in :func:`resolve`.

The construct passes what only it knows as plain facts: whether a VPC was given, its security groups (checked
as a sequence, counted), whether serving code will be packaged. The serving container itself is chosen by
``container.choose_serving`` where the construct resolves it in its stack. Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from ..arguments import check_bool, check_mapping, check_sequence, check_str
from ..errors import RLConfigurationError
from ..images import parse_image_uri, training_image, validate_image_uri
from ..instances import hosting_instance
from ..toolkits import Processor, RLFramework, RLToolkit, coerce_enum
from ..training.checks import check_vpc, vpc_ids
from .checks import check_s3_object_uri, is_token
from .container import MODEL_CODE_DIRECTORY

#: SageMaker's limit on a model's security groups.
MAX_SECURITY_GROUPS = 5


@dataclass(frozen=True)
class TrainedBy:
    """What trained the model, as ``container.choose_serving`` takes it (a catalog training image read back), or
    a custom serving image that serves as it is."""

    #: ``serving_image_uri`` serves as it is (no entry point to run): no container is chosen.
    custom_image: bool = False
    toolkit: RLToolkit | None = None
    framework: RLFramework | None = None
    framework_version: str | None = None
    #: The training image, when no toolkit says what trained the model (it serves itself).
    training_image_uri: str | None = None


@dataclass(frozen=True)
class ModelOptions:
    """``RLModel``'s checked options."""

    model_data_url: str
    #: The hosting instance type given (None: a cpu image, e.g. for serverless inference).
    instance_type: str | None
    processor: Processor
    model_name: str | None
    #: Container variables set over the serving container's environment.
    environment: Mapping[str, str]
    #: ``EnableNetworkIsolation`` (None and False: not set, as ``create_model()`` leaves it).
    enable_network_isolation: bool
    trained: TrainedBy


def resolve(
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
    has_serving_code: bool = False,
    environment: Mapping[str, str] | None = None,
    model_name: str | None = None,
    vpc: bool = False,
    security_groups: Sequence[object] | None = None,
    enable_network_isolation: bool | None = None,
    vpc_config_override: bool = False,
) -> ModelOptions:
    """``RLModel``'s options. ``has_serving_code``: a ``serving_entry_point`` is packaged (its program and
    archive then replace ``entry_point`` and ``submit_directory``); ``vpc``: a VPC was given;
    ``vpc_config_override``: a ``ModelVpc`` was given (then not ``vpc`` nor ``security_groups``). The model name,
    environment and the rest of the request are checked against botocore's model with the whole request."""
    check_str(model_data_url, "model_data_url")
    for name, text in (
        ("instance_type", instance_type),
        ("model_name", model_name),
        ("entry_point", entry_point),
        ("tensorflow_serving_version", tensorflow_serving_version),
        ("serving_framework_version", serving_framework_version),
    ):
        check_str(text, name, optional=True)
    check_mapping(environment, "environment", values=str, values_name="str")
    if enable_network_isolation is not None:
        check_bool(enable_network_isolation, "enable_network_isolation")
    check_sequence(security_groups, "security_groups")
    if vpc_config_override and (vpc or security_groups is not None):
        raise RLConfigurationError(
            "vpc_config_override", "give vpc_config_override or vpc (with vpc_subnets/security_groups), not both."
        )
    check_s3_object_uri(model_data_url, "model_data_url")
    if submit_directory is not None:
        check_s3_object_uri(submit_directory, "submit_directory")
    if security_groups is not None and not vpc:
        raise RLConfigurationError("security_groups", "security groups need a vpc.")
    if security_groups is not None and not 1 <= len(security_groups) <= MAX_SECURITY_GROUPS:
        raise RLConfigurationError("security_groups", f"SageMaker takes 1 to 5, got {len(security_groups)}.")
    processor = hosting_instance(instance_type, "instance_type").processor if instance_type else Processor.CPU
    trained = _trained_by(
        toolkit=toolkit,
        toolkit_version=toolkit_version,
        framework=framework,
        training_image_uri=training_image_uri,
        serving_image_uri=serving_image_uri,
        custom_image=serving_image_uri is not None and entry_point is None and not has_serving_code,
        versions={
            "tensorflow_serving_version": tensorflow_serving_version,
            "serving_framework_version": serving_framework_version,
        },
    )
    return ModelOptions(
        model_data_url=model_data_url,
        instance_type=instance_type,
        processor=processor,
        model_name=model_name,
        environment=MappingProxyType(dict(environment or {})),
        enable_network_isolation=bool(enable_network_isolation),
        trained=trained,
    )


def _trained_by(
    *,
    toolkit: RLToolkit | str | None,
    toolkit_version: str | None,
    framework: RLFramework | str | None,
    training_image_uri: str | None,
    serving_image_uri: str | None,
    custom_image: bool,
    versions: Mapping[str, str | None],
) -> TrainedBy:
    """What trained the model (a catalog ``training_image_uri`` is read back to its toolkit), or a custom
    ``serving_image_uri`` that serves as it is (then no serving version applies)."""
    if toolkit is None and training_image_uri is not None and not is_token(training_image_uri):
        validate_image_uri(training_image_uri, "training_image_uri")
        identity = parse_image_uri(training_image_uri)
        if identity is not None:
            toolkit, toolkit_version, framework = identity.toolkit, identity.toolkit_version, identity.framework
    if custom_image:
        assert serving_image_uri is not None
        for name, version in versions.items():
            if version is not None:
                raise RLConfigurationError(
                    name, "does not apply to a custom serving_image_uri: the image serves as it is."
                )
        if not is_token(serving_image_uri):
            validate_image_uri(serving_image_uri, "serving_image_uri")
        return TrainedBy(custom_image=True)
    if toolkit is not None:
        row = training_image(toolkit, toolkit_version, framework)
        return TrainedBy(toolkit=row.toolkit, framework=row.framework, framework_version=row.framework_version)
    if training_image_uri is None and serving_image_uri is None:
        raise RLConfigurationError(
            "toolkit",
            "say what trained the model: toolkit + toolkit_version + framework, training_image_uri, or "
            "serving_image_uri.",
        )
    coerced = coerce_enum(RLFramework, framework, "framework") if framework is not None else None
    return TrainedBy(framework=coerced, training_image_uri=training_image_uri)


def check_entry_point(
    serving_environment: Mapping[str, str], entry_point: str | None, submit_directory: str | None
) -> None:
    """A serving container that runs the training entry point (``SAGEMAKER_PROGRAM`` in its environment) needs
    the entry point and the code archive."""
    if "SAGEMAKER_PROGRAM" in serving_environment and not (entry_point and submit_directory):
        raise RLConfigurationError(
            "entry_point",
            "this serving container runs the training entry point: pass entry_point and submit_directory "
            "(the training job's sagemaker_program and sagemaker_submit_directory).",
        )


# --- the model's VPC: inherited, dropped or replaced (``create_model(vpc_config_override=...)``) ----------------


class VpcChoice(StrEnum):
    """What a model's ``vpc_config_override`` does with the VPC it would otherwise run in (the training job's
    for RLPipeline, ``vpc``... for RLModel, none for ``attach().deploy()``)."""

    #: Not given: the default VPC (``create_model()``'s ``VPC_CONFIG_DEFAULT``).
    INHERIT = "inherit"
    #: ``ModelVpc.none()``: no VPC (``vpc_config_override=None``).
    NONE = "none"
    #: ``ModelVpc(...)``: this VPC (``vpc_config_override={...}``).
    REPLACE = "replace"


def check_model_vpc(
    *,
    vpc_given: bool,
    vpc_subnets_given: bool,
    security_groups: Sequence[object] | None,
    subnets: Sequence[str] | None,
    security_group_ids: Sequence[str] | None,
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A ``ModelVpc``'s arguments, as ``RLTrainingJob`` checks its own: a ``vpc`` (with ``vpc_subnets`` and
    1 to 5 ``security_groups``, one made when none is given) or ``subnets`` with ``security_group_ids`` (both,
    as the SDK's dict; the SDK drops a VpcConfig missing one). Returns the ids given, else None."""
    check_sequence(security_groups, "security_groups")
    check_vpc(vpc_given=vpc_given, vpc_subnets_given=vpc_subnets_given, security_groups=security_groups)
    ids = vpc_ids(subnets, security_group_ids, vpc_given=vpc_given)
    if ids is None and not vpc_given:
        raise RLConfigurationError(
            "vpc", "a ModelVpc needs a vpc, or subnets and security_group_ids (ModelVpc.none() drops the VPC)."
        )
    return ids


# --- the archive the model is served from -------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveServing:
    """Whether the model archive must be repacked with the inference code, and the container environment then."""

    repack: bool
    environment: Mapping[str, str]


def archive_serving(
    environment: Mapping[str, str], *, code_in_model_archive: bool, enable_network_isolation: bool
) -> ArchiveServing:
    """The container reads its code from the model archive (``code_in_model_archive``: the chosen environment
    already says ``/opt/ml/model/code``), or would download it from S3 (``SAGEMAKER_SUBMIT_DIRECTORY`` set to
    anything else) while network-isolated: then repack, and point ``SAGEMAKER_SUBMIT_DIRECTORY`` at
    ``/opt/ml/model/code`` as the SDK's ``_script_mode_env_vars`` does with isolation."""
    if code_in_model_archive:
        return ArchiveServing(True, dict(environment))
    submit = environment.get("SAGEMAKER_SUBMIT_DIRECTORY")
    if enable_network_isolation and submit is not None and submit != MODEL_CODE_DIRECTORY:
        return ArchiveServing(True, {**environment, "SAGEMAKER_SUBMIT_DIRECTORY": MODEL_CODE_DIRECTORY})
    return ArchiveServing(False, dict(environment))
