"""rl-constructs: SageMaker reinforcement-learning training as AWS CDK constructs.

What ``sagemaker.rl.RLEstimator`` does imperatively (fit, deploy, attach), this library declares: the
image catalog and instance rules of the SDK (``rl_constructs.domain``, plain Python) and the
constructs that put them in a CloudFormation template:

- ``RLTrainingJob``: a Step Functions task that sends what ``RLEstimator.fit()`` sends;
  ``RLTrainingJob.attach()`` attaches to an existing job (``AttachedTrainingJob``).
- ``RLTuningJob``: a Step Functions task that sends what ``HyperparameterTuner(RLEstimator).fit()`` sends.
- ``RunOverrides``: what an execution may change of its training job (instances, spot, max_run), in bounds.
- ``RLEvaluationJob``: evaluates a trained policy in a second job; ``RLPipeline(deploy_if=RewardAtLeast(...))``
  deploys only a policy whose final reward passes.
- ``RLBatchTransform``: scores S3 data with a trained model, as ``estimator.transformer().transform()``.
- ``RLPipeline``: the state machine train -> model -> endpoint config -> endpoint -> in service.
- ``RLModel`` / ``RLEndpoint``: CloudFormation model and endpoint, served like ``create_model()``;
  ``RLEndpoint.grant_invoke()``, ``metric_*()``, ``from_endpoint_name()`` (an ``IRLEndpoint``).
- ``RLDashboard``: a pipeline's CloudWatch dashboard (reward curves, runs, endpoint traffic and latency).
- ``rl_constructs.runtime.Predictor`` and the ``rl-constructs`` command run and query what you deployed.
"""

from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

try:
    #: The installed distribution's version (``pyproject.toml``), as ``pip show rl-constructs`` reports it.
    __version__ = _metadata.version("rl-constructs")
except _metadata.PackageNotFoundError:  # pragma: no cover - imported from a source tree that is not installed
    __version__ = "0+unknown"

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
from .domain.evaluation import Comparison, MetricCondition, RewardAtLeast
from .domain.metrics import default_metric_definitions
from .domain.training_request import TrainingInput
from .domain.tuning import (
    CategoricalParameter,
    ContinuousParameter,
    EarlyStoppingType,
    IntegerParameter,
    ObjectiveType,
    ScalingType,
    TuningStrategy,
    WarmStartConfig,
    WarmStartType,
)

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ below imports on demand
    from ._endpoint_base import IRLEndpoint
    from ._endpoint_settings import EndpointAutoscaling, ServerlessInference
    from .attach import AttachedTrainingJob
    from .batch_transform import RLBatchTransform
    from .dashboard import RLDashboard
    from .data_capture import DataCapture
    from .endpoint import RLEndpoint
    from .evaluation import RLEvaluationJob
    from .image_uris import ResolvedImage, resolve_image
    from .model import IRLModel, RLModel
    from .pipeline import BlueGreenDeployment, RLPipeline
    from .run_overrides import RunOverrides
    from .serving_container import ResolvedServing, resolve_serving
    from .training_job import InstanceGroup, RLTrainingJob
    from .tuning_job import RLTuningJob

#: Public name -> the module that defines it, for the names loaded on first use.
_CONSTRUCT_MODULES = {
    "AttachedTrainingJob": "attach",
    "RLBatchTransform": "batch_transform",
    "DataCapture": "data_capture",
    "EndpointAutoscaling": "_endpoint_settings",
    "IRLEndpoint": "_endpoint_base",
    "RLEndpoint": "endpoint",
    "ServerlessInference": "_endpoint_settings",
    "RLEvaluationJob": "evaluation",
    "ResolvedImage": "image_uris",
    "resolve_image": "image_uris",
    "IRLModel": "model",
    "RLModel": "model",
    "RLPipeline": "pipeline",
    "RunOverrides": "run_overrides",
    "BlueGreenDeployment": "pipeline",
    "ResolvedServing": "serving_container",
    "resolve_serving": "serving_container",
    "InstanceGroup": "training_job",
    "RLDashboard": "dashboard",
    "RLTrainingJob": "training_job",
    "RLTuningJob": "tuning_job",
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
    "CategoricalParameter",
    "Comparison",
    "ContinuousParameter",
    "DataCapture",
    "EarlyStoppingType",
    "EndpointAutoscaling",
    "IRLEndpoint",
    "IRLModel",
    "ImageIdentity",
    "InstanceGroup",
    "InstanceType",
    "IntegerParameter",
    "MetricCondition",
    "ObjectiveType",
    "Processor",
    "RLBatchTransform",
    "RLConfigurationError",
    "RLDashboard",
    "RLEndpoint",
    "RLEvaluationJob",
    "RLFramework",
    "RLModel",
    "RLPipeline",
    "RLToolkit",
    "RLTrainingJob",
    "RLTuningJob",
    "ResolvedImage",
    "ResolvedServing",
    "RewardAtLeast",
    "RunOverrides",
    "ScalingType",
    "ServerlessInference",
    "ServingImage",
    "TrainingImage",
    "TrainingInput",
    "TuningStrategy",
    "WarmStartConfig",
    "WarmStartType",
    "default_metric_definitions",
    "hosting_instance",
    "parse_image_uri",
    "resolve_image",
    "resolve_serving",
    "serving_image",
    "training_image",
    "training_instance",
]
