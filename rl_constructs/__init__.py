"""rl-constructs: SageMaker reinforcement-learning training as AWS CDK constructs.

What ``sagemaker.rl.RLEstimator`` does imperatively (fit, deploy, attach), this library declares: the
image catalog and instance rules of the SDK (``rl_constructs.domain``, plain Python) and the
constructs that put them in a CloudFormation template.
"""

from .domain import (
    ImageIdentity,
    InstanceType,
    Processor,
    RLConfigurationError,
    RLFramework,
    RLToolkit,
    ServingImage,
    TrainingImage,
    hosting_instance,
    parse_image_uri,
    serving_image,
    training_image,
    training_instance,
)
from .image_uris import ResolvedImage, resolve_image
from .training_job import InstanceGroup, RLTrainingJob

__all__ = [
    "ImageIdentity",
    "InstanceGroup",
    "InstanceType",
    "Processor",
    "RLConfigurationError",
    "RLFramework",
    "RLToolkit",
    "RLTrainingJob",
    "ResolvedImage",
    "ServingImage",
    "TrainingImage",
    "hosting_instance",
    "parse_image_uri",
    "resolve_image",
    "serving_image",
    "training_image",
    "training_instance",
]
