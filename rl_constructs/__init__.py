"""rl-constructs: SageMaker reinforcement-learning training as AWS CDK constructs.

What ``sagemaker.rl.RLEstimator`` does imperatively (fit, deploy, attach), this library declares: the
image catalog and instance rules of the SDK (``rl_constructs.domain``, plain Python) and the
constructs that put them in a CloudFormation template:

- ``RLTrainingJob``: a Step Functions task that sends what ``RLEstimator.fit()`` sends;
  ``RLTrainingJob.attach()`` attaches to an existing job (``AttachedTrainingJob``).
- ``RLPipeline``: the state machine train -> model -> endpoint config -> endpoint -> in service.
- ``RLModel`` / ``RLEndpoint``: CloudFormation model and endpoint, served like ``create_model()``.
- ``rl_constructs.runtime.Predictor`` and the ``rl-constructs`` command run and query what you deployed.
"""

from .attach import AttachedTrainingJob
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
from .endpoint import DataCapture, EndpointAutoscaling, RLEndpoint, ServerlessInference
from .image_uris import ResolvedImage, resolve_image
from .model import RLModel
from .pipeline import RLPipeline
from .serving_container import ResolvedServing, resolve_serving
from .training_job import InstanceGroup, RLTrainingJob

__all__ = [
    "AttachedTrainingJob",
    "DataCapture",
    "EndpointAutoscaling",
    "ImageIdentity",
    "InstanceGroup",
    "InstanceType",
    "Processor",
    "RLConfigurationError",
    "RLEndpoint",
    "RLFramework",
    "RLModel",
    "RLPipeline",
    "RLToolkit",
    "RLTrainingJob",
    "ResolvedImage",
    "ResolvedServing",
    "ServerlessInference",
    "ServingImage",
    "TrainingImage",
    "hosting_instance",
    "parse_image_uri",
    "resolve_image",
    "resolve_serving",
    "serving_image",
    "training_image",
    "training_instance",
]
