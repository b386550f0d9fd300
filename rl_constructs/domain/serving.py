"""How ``RLEstimator.create_model()`` chooses the serving container, as a pure function.

One piece of serving logic for everything that deploys a model: the pipeline's Step Functions tasks,
the ``RLModel`` construct and the attach custom resource (which bundles this module).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import RLConfigurationError
from .images import ImageFamily, serving_image, serving_images
from .toolkits import Processor, RLFramework, RLToolkit

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

RAY_REFUSAL = (
    "Automatic deployment of Ray models is not available (the SageMaker SDK refuses it too): the trained "
    "policy is in the job's checkpoints. Pass serving_image_uri, or for Ray with TensorFlow a "
    "tensorflow_serving_version for a SavedModel exported by the training script."
)


class ServingKind(StrEnum):
    """Which of the SDK's model classes the choice corresponds to."""

    TENSORFLOW_SERVING = "tensorflow-serving"  # sagemaker.tensorflow.serving.Model
    MXNET = "mxnet"  # sagemaker.mxnet.MXNetModel, framework 1.3, py3
    CUSTOM = "custom"  # a generic framework model with the user's image


@dataclass(frozen=True)
class ServingChoice:
    """The container a model is served with: a catalog image (``family``) or a custom ``image_uri``."""

    kind: ServingKind
    family: ImageFamily | None
    image_uri: str | None
    processor: Processor
    environment: Mapping[str, str] = field(default_factory=dict)


def entry_point_environment(entry_point: str, submit_directory: str, region: str) -> dict[str, str]:
    """The environment the SDK gives a framework model that runs the training code's entry point."""
    return {
        "SAGEMAKER_PROGRAM": entry_point,
        "SAGEMAKER_SUBMIT_DIRECTORY": submit_directory,
        "SAGEMAKER_REGION": region,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": CONTAINER_LOG_LEVEL,
    }


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
) -> ServingChoice:
    """Choose the serving container for a trained RL job, following ``RLEstimator.create_model()``.

    - ``serving_image_uri`` given: that image with the entry-point environment.
    - A custom training image (``training_image_uri``, no toolkit): that same image, entry-point environment.
    - Ray: refused like the SDK, unless ``serving_image_uri`` or, with TensorFlow,
      ``tensorflow_serving_version`` is given (TensorFlow Serving of that version).
    - Vowpal Wabbit: no SDK serving container; refused unless ``serving_image_uri`` is given.
    - TensorFlow backend: TensorFlow Serving of the toolkit's framework version, nginx log level info.
    - MXNet backend: MXNet 1.3 py3 with the entry-point environment.
    """
    entry_env = entry_point_environment(entry_point, submit_directory, region)
    if serving_image_uri is not None:
        return ServingChoice(ServingKind.CUSTOM, None, serving_image_uri, processor, entry_env)
    if toolkit is None:
        if training_image_uri is None:
            raise RLConfigurationError("toolkit", "a model needs the job's toolkit or its custom training image_uri.")
        return ServingChoice(ServingKind.CUSTOM, None, training_image_uri, processor, entry_env)
    if tensorflow_serving_version is not None and not (
        toolkit is RLToolkit.RAY and framework is RLFramework.TENSORFLOW
    ):
        raise RLConfigurationError(
            "tensorflow_serving_version",
            "only applies to Ray with TensorFlow; Coach models are served with the TensorFlow Serving "
            "version of their framework.",
        )
    if toolkit is RLToolkit.RAY:
        if tensorflow_serving_version is None:
            raise RLConfigurationError("serving_image_uri", RAY_REFUSAL)
        return _tensorflow_serving(tensorflow_serving_version, processor, "tensorflow_serving_version")
    if toolkit is RLToolkit.VW:
        raise RLConfigurationError(
            "serving_image_uri",
            "Vowpal Wabbit models have no SageMaker serving container; pass serving_image_uri.",
        )
    if framework is RLFramework.TENSORFLOW:
        assert framework_version is not None
        return _tensorflow_serving(framework_version, processor, "framework_version")
    if framework is RLFramework.MXNET:
        family = serving_image(RLFramework.MXNET, "1.3").image
        return ServingChoice(ServingKind.MXNET, family, None, processor, entry_env)
    raise RLConfigurationError(
        "framework",
        f"{toolkit.value} with {framework} has no SageMaker serving container; pass serving_image_uri.",
    )


def _tensorflow_serving(version: str, processor: Processor, argument: str) -> ServingChoice:
    known = [s.framework_version for s in serving_images() if s.framework is RLFramework.TENSORFLOW]
    if version not in known:
        raise RLConfigurationError(
            argument, f"there is no TensorFlow Serving image {version!r} in the catalog.", allowed=known
        )
    family = serving_image(RLFramework.TENSORFLOW, version).image
    return ServingChoice(
        ServingKind.TENSORFLOW_SERVING, family, None, processor, {"SAGEMAKER_TFS_NGINX_LOGLEVEL": "info"}
    )
