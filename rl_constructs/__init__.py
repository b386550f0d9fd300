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

from typing import TYPE_CHECKING, Any

# The domain is plain Python and cheap: imported at once. The constructs load on first use (PEP 562), so
# an app that never attaches does not pay for aws_lambda and custom_resources, and `import rl_constructs`
# for the catalog alone does not start jsii.
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
from .domain.metrics import default_metric_definitions
from .domain.training_request import TrainingInput

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ below imports on demand
    from .attach import AttachedTrainingJob
    from .data_capture import DataCapture
    from .endpoint import EndpointAutoscaling, RLEndpoint, ServerlessInference
    from .image_uris import ResolvedImage, resolve_image
    from .model import RLModel
    from .pipeline import BlueGreenDeployment, RLPipeline
    from .serving_container import ResolvedServing, resolve_serving
    from .training_job import InstanceGroup, RLTrainingJob

#: Public name -> the module that defines it, for the names loaded on first use.
_CONSTRUCT_MODULES = {
    "AttachedTrainingJob": "attach",
    "DataCapture": "data_capture",
    "EndpointAutoscaling": "endpoint",
    "RLEndpoint": "endpoint",
    "ServerlessInference": "endpoint",
    "ResolvedImage": "image_uris",
    "resolve_image": "image_uris",
    "RLModel": "model",
    "RLPipeline": "pipeline",
    "BlueGreenDeployment": "pipeline",
    "ResolvedServing": "serving_container",
    "resolve_serving": "serving_container",
    "InstanceGroup": "training_job",
    "RLTrainingJob": "training_job",
}


def __getattr__(name: str) -> Any:
    module = _CONSTRUCT_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AttachedTrainingJob",
    "BlueGreenDeployment",
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
    "TrainingInput",
    "default_metric_definitions",
    "hosting_instance",
    "parse_image_uri",
    "resolve_image",
    "resolve_serving",
    "serving_image",
    "training_image",
    "training_instance",
]
