"""How ``RLEstimator.create_model()`` chooses the serving container, as a pure function.

One piece of serving logic for everything that deploys a model: the pipeline's Step Functions tasks,
the ``RLModel`` construct and the attach custom resource (which bundles this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import RLConfigurationError
from ..images import ImageFamily, ServingImage, serving_image, serving_images
from ..toolkits import Processor, RLFramework, RLToolkit

#: The SDK's default container log level (logging.INFO), sent as SAGEMAKER_CONTAINER_LOG_LEVEL.
CONTAINER_LOG_LEVEL = "20"

#: Every variable a serving container choice may set. The attach custom resource returns all of them ("" where
#: the chosen container sets none), since CloudFormation needs a fixed key set for a model's Environment.
SERVING_ENVIRONMENT_KEYS = (
    "SAGEMAKER_PROGRAM",
    "SAGEMAKER_SUBMIT_DIRECTORY",
    "SAGEMAKER_REGION",
    "SAGEMAKER_CONTAINER_LOG_LEVEL",
    "SAGEMAKER_TFS_NGINX_LOGLEVEL",
)

#: How the refusal of a Ray model without serving information begins (the SDK's words: "Automatic deployment of
#: Ray models is not currently available"); :func:`ray_refusal` says the rest.
RAY_REFUSAL = "Automatic deployment of Ray models is not available (the SageMaker SDK refuses it too)"


def ray_refusal(framework: RLFramework | None, trained_version: str | None) -> RLConfigurationError:
    """The refusal of a Ray model deployed without serving information (naming ``serving_image_uri``, the
    argument that always works): it names both serving-version arguments, which one applies to the job's
    framework, and the catalog versions that can serve the trained one."""
    servable = servable_versions(framework, trained_version) if framework and trained_version else ()
    versions = f"one of {', '.join(servable)}" if servable else "none in the catalog"
    if framework is RLFramework.TENSORFLOW:
        how = (
            f"tensorflow_serving_version or serving_framework_version ({versions}: TensorFlow Serving, for a "
            "SavedModel the training script exports)"
        )
    else:
        how = (
            f"serving_framework_version ({versions}) with the inference script as serving_entry_point "
            "(tensorflow_serving_version is for Ray with TensorFlow only)"
        )
    return RLConfigurationError(
        "serving_image_uri",
        f"{RAY_REFUSAL}: the trained policy is in the job's checkpoints. Pass serving_image_uri, or a serving "
        f"version: {how}.",
    )


class ServingKind(StrEnum):
    """Which of the SDK's model classes the choice corresponds to."""

    TENSORFLOW_SERVING = "tensorflow-serving"  # sagemaker.tensorflow.TensorFlowModel
    MXNET = "mxnet"  # sagemaker.mxnet.MXNetModel
    PYTORCH = "pytorch"  # sagemaker.pytorch.PyTorchModel
    CUSTOM = "custom"  # a generic framework model with the user's image


#: Where the serving containers that load code from the model archive find it (the SDK's repack target).
MODEL_CODE_DIRECTORY = "/opt/ml/model/code"


@dataclass(frozen=True)
class ServingChoice:
    """The container a model is served with: a catalog image (``family``) or a custom ``image_uri``."""

    kind: ServingKind
    family: ImageFamily | None
    image_uri: str | None
    processor: Processor
    environment: Mapping[str, str] = field(default_factory=dict)
    #: True when the container loads its inference code from ``code/`` inside ``model.tar.gz``
    #: (MMS-based MXNet >= 1.4 and PyTorch images, TensorFlow Serving with an inference script, a custom image
    #: of a job trained on it, as the SDK's ``FrameworkModel``): the SDK
    #: repacks the model archive with the code and sets ``SAGEMAKER_SUBMIT_DIRECTORY`` to
    #: :data:`MODEL_CODE_DIRECTORY`.
    code_in_model_archive: bool = False


def entry_point_environment(entry_point: str, submit_directory: str, region: str) -> dict[str, str]:
    """The environment the SDK gives a framework model that runs the training code's entry point."""
    return {
        "SAGEMAKER_PROGRAM": entry_point,
        "SAGEMAKER_SUBMIT_DIRECTORY": submit_directory,
        "SAGEMAKER_REGION": region,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": CONTAINER_LOG_LEVEL,
    }


def loads_code_from_model_archive(image: ServingImage) -> bool:
    """Whether the container runs inference code only from ``code/`` inside ``model.tar.gz`` (the SDK repacks the
    archive for it): the MMS-based ``mxnet-inference`` (>= 1.4) and ``pytorch-inference`` images. TensorFlow
    Serving does so for an optional inference script; MXNet 1.3 reads the code from ``SAGEMAKER_SUBMIT_DIRECTORY``."""
    return image.framework is RLFramework.PYTORCH or (
        image.framework is RLFramework.MXNET and image.major_minor >= (1, 4)
    )


def trained_on_custom_image(toolkit: RLToolkit | None, training_image_uri: str | None) -> bool:
    """Whether the model was trained on an image the SDK knows as a custom ``image_uri`` (``RLEstimator(
    image_uri=...)``, whose ``create_model()`` is a ``FrameworkModel`` that repacks the code into the model
    archive): a custom training image, or Vowpal Wabbit, which the SDK trains as one (it has no VW toolkit)."""
    return (toolkit is None and training_image_uri is not None) or toolkit is RLToolkit.VW


def servable_versions(framework: RLFramework, trained_version: str) -> tuple[str, ...]:
    """The catalog's serving versions of ``framework`` that can serve a model trained on ``trained_version``:
    the same major version, at least the trained minor version (a serving runtime loads models of its own
    and older minor versions, never newer ones), in catalog order."""
    major, minor = (int(part) for part in trained_version.split(".")[:2])
    return tuple(
        s.framework_version
        for s in serving_images()
        if s.framework is framework and s.major_minor[0] == major and s.major_minor >= (major, minor)
    )


def serving_version(
    framework: RLFramework, trained_version: str | None, requested: str | None, argument: str, default: str | None
) -> ServingImage:
    """The serving image of ``framework`` for a model trained on ``trained_version``: ``requested`` when
    given (refused, with the versions that can, when it cannot serve that model), else ``default``."""
    version = requested if requested is not None else default
    if version is None:
        raise RLConfigurationError(argument, f"a {framework.value} serving version is required.")
    known = [s.framework_version for s in serving_images() if s.framework is framework]
    if version not in known:
        raise RLConfigurationError(
            argument, f"there is no {framework.value} serving image {version!r} in the catalog.", allowed=known
        )
    if trained_version is not None:
        servable = servable_versions(framework, trained_version)
        if version not in servable:
            raise RLConfigurationError(
                argument,
                f"{framework.value} {version} cannot serve a model trained on {framework.value} {trained_version}.",
                allowed=servable,
            )
    return serving_image(framework, version)


def choose_serving(
    *,
    toolkit: RLToolkit | None,
    framework: RLFramework | None,
    framework_version: str | None,
    processor: Processor,
    entry_point: str,
    submit_directory: str,
    region: str,
    training_image_uri: str | None = None,
    serving_image_uri: str | None = None,
    tensorflow_serving_version: str | None = None,
    serving_framework_version: str | None = None,
    has_serving_code: bool = False,
) -> ServingChoice:
    """Choose the serving container for a trained RL job, following ``RLEstimator.create_model()`` and the
    SDK's framework models (``TensorFlowModel``, ``MXNetModel``, ``PyTorchModel``).

    A caller that cannot repack the model archive refuses a choice with ``code_in_model_archive``
    (``serving_container.resolve_serving``); RLPipeline, RLModel and ``attach().deploy()`` repack.

    ``entry_point`` and ``submit_directory`` are the inference code: the training code, or the serving code
    (``has_serving_code``) packaged apart.

    - A model trained on a custom image (``training_image_uri``, no toolkit; or Vowpal Wabbit, a custom image to
      the SDK): the training image, or ``serving_image_uri``, as the SDK's ``FrameworkModel``: the code (the
      serving code, else the training code) repacked into the model archive (``code_in_model_archive``),
      ``SAGEMAKER_SUBMIT_DIRECTORY`` = :data:`MODEL_CODE_DIRECTORY`.
    - ``serving_image_uri`` given for another model: that image with the entry-point environment (the code read
      from S3).
    - A serving version (``serving_framework_version``, or ``tensorflow_serving_version`` for TensorFlow) must
      serve the trained framework version: same major, at least its minor; refused with the versions that can.
      Neither applies to a custom image (refused rather than ignored).
    - Ray: refused like the SDK, unless ``serving_image_uri`` or a serving version is given.
    - Vowpal Wabbit: no SDK serving container; refused unless ``serving_image_uri`` is given.
    - TensorFlow backend: TensorFlow Serving (default: the trained version), nginx log level info; with serving
      code, the script goes into the model archive.
    - MXNet backend: MXNet 1.3 py3 by default with the entry-point environment; MXNet >= 1.4 loads the code
      from the model archive. PyTorch: ``pytorch-inference``, code in the model archive.
    """
    entry_env = entry_point_environment(entry_point, submit_directory, region)
    if tensorflow_serving_version is not None and serving_framework_version is not None:
        raise RLConfigurationError(
            "tensorflow_serving_version", "give tensorflow_serving_version or serving_framework_version, not both."
        )
    requested = serving_framework_version if serving_framework_version is not None else tensorflow_serving_version
    version_argument = (
        "serving_framework_version" if serving_framework_version is not None else "tensorflow_serving_version"
    )
    custom_image = (
        serving_image_uri if serving_image_uri is not None else (training_image_uri if toolkit is None else None)
    )
    if requested is not None and custom_image is not None:
        raise RLConfigurationError(
            version_argument,
            f"does not apply to a custom serving image ({custom_image}): the image serves as it is. Leave "
            f"{version_argument} unset, or drop the custom image to serve from the catalog.",
        )
    if custom_image is not None:
        if not trained_on_custom_image(toolkit, training_image_uri):
            return ServingChoice(ServingKind.CUSTOM, None, custom_image, processor, entry_env)
        # RLEstimator(image_uri=...).create_model() is a FrameworkModel with a source_dir (the job's uploaded code,
        # or the serving code): the SDK repacks it into model.tar.gz and serves it from /opt/ml/model/code
        # (recorded: custom-image-with-toolkit, deploy-custom-image-alone, deploy-custom-image-serving-code).
        environment = _model_code_environment(entry_point, region)
        return ServingChoice(ServingKind.CUSTOM, None, custom_image, processor, environment, True)
    if toolkit is None:
        raise RLConfigurationError("toolkit", "a model needs the job's toolkit or its custom training image_uri.")
    if tensorflow_serving_version is not None and framework is not RLFramework.TENSORFLOW:
        raise RLConfigurationError(
            "tensorflow_serving_version",
            f"only applies to TensorFlow models; this one is {framework.value if framework else 'Vowpal Wabbit'} "
            "(use serving_framework_version).",
        )
    if toolkit is RLToolkit.VW:
        raise RLConfigurationError(
            "serving_image_uri",
            "Vowpal Wabbit models have no SageMaker serving container; pass serving_image_uri.",
        )
    if toolkit is RLToolkit.RAY and requested is None:
        raise ray_refusal(framework, framework_version)
    if framework is RLFramework.TENSORFLOW:
        image = serving_version(
            RLFramework.TENSORFLOW, framework_version, requested, version_argument, framework_version
        )
        # TensorFlowModel(entry_point=...) sets no variable for the script: the container finds it in the
        # model archive's code/ folder (SDK 2.257.7, recorded).
        return ServingChoice(
            ServingKind.TENSORFLOW_SERVING,
            image.image,
            None,
            processor,
            {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"},
            code_in_model_archive=has_serving_code,
        )
    if framework is RLFramework.MXNET:
        image = serving_version(RLFramework.MXNET, framework_version, requested, version_argument, "1.3")
        if not loads_code_from_model_archive(image):
            return ServingChoice(ServingKind.MXNET, image.image, None, processor, entry_env)
        return ServingChoice(
            ServingKind.MXNET, image.image, None, processor, _model_code_environment(entry_point, region), True
        )
    if framework is RLFramework.PYTORCH:
        image = serving_version(RLFramework.PYTORCH, framework_version, requested, version_argument, None)
        return ServingChoice(
            ServingKind.PYTORCH, image.image, None, processor, _model_code_environment(entry_point, region), True
        )
    raise RLConfigurationError(
        "framework",
        f"{toolkit.value} with {framework} has no SageMaker serving container; pass serving_image_uri.",
    )


def _model_code_environment(entry_point: str, region: str) -> dict[str, str]:
    """The entry-point environment of a container that loads its code from the repacked model archive."""
    return entry_point_environment(entry_point, MODEL_CODE_DIRECTORY, region)
