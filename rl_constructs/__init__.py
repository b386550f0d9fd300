"""rl-constructs: SageMaker reinforcement-learning training as AWS CDK constructs.

What ``sagemaker.rl.RLEstimator`` does imperatively (fit, deploy, attach), this library declares: the
image catalog and instance rules of the SDK (``rl_constructs.core``, plain Python) and the
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

from typing import TYPE_CHECKING, Any

# Every public name loads on first use (PEP 562): `import rl_constructs` costs nothing, the catalog alone
# does not start jsii, an app that never attaches does not pay for aws_lambda and custom_resources, and a
# Lambda handler that bundles `rl_constructs.core` imports only the modules it names.
if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ below imports on demand
    from ._endpoint_base import IRLEndpoint
    from ._endpoint_settings import EndpointAutoscaling, ServerlessInference
    from .attach import AttachedTrainingJob
    from .batch_transform import RLBatchTransform
    from .core.errors import RLConfigurationError
    from .core.images import ImageIdentity, ServingImage, TrainingImage, parse_image_uri, serving_image, training_image
    from .core.instances import InstanceType, hosting_instance, training_instance
    from .core.toolkits import Processor, RLFramework, RLToolkit
    from .core.training.evaluation import Comparison, MetricCondition, RewardAtLeast
    from .core.training.metrics import default_metric_definitions
    from .core.training.options import InstanceGroup
    from .core.training.request import TrainingInput
    from .core.training.tuning import (
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
    from .dashboard import RLDashboard
    from .data_capture import DataCapture
    from .endpoint import RLEndpoint
    from .evaluation import RLEvaluationJob
    from .image_uris import (
        CatalogImage,
        ContainerImage,
        EcrImage,
        EcrRepositoryImage,
        ForeignImage,
        ResolvedImage,
        image_from_uri,
        resolve_image,
    )
    from .model import IRLModel, RLModel
    from .model_vpc import ModelVpc
    from .pipeline import BlueGreenDeployment, RLPipeline
    from .run_overrides import RunOverrides
    from .serving_container import ResolvedServing, resolve_serving
    from .training_job import RLTrainingJob
    from .tuning_job import RLTuningJob

#: Public name -> the module (relative to this package) that defines it.
_PUBLIC_MODULES = {
    "IRLEndpoint": "_endpoint_base",
    "EndpointAutoscaling": "_endpoint_settings",
    "ServerlessInference": "_endpoint_settings",
    "AttachedTrainingJob": "attach",
    "RLBatchTransform": "batch_transform",
    "RLConfigurationError": "core.errors",
    "ImageIdentity": "core.images",
    "ServingImage": "core.images",
    "TrainingImage": "core.images",
    "parse_image_uri": "core.images",
    "serving_image": "core.images",
    "training_image": "core.images",
    "InstanceType": "core.instances",
    "hosting_instance": "core.instances",
    "training_instance": "core.instances",
    "Processor": "core.toolkits",
    "RLFramework": "core.toolkits",
    "RLToolkit": "core.toolkits",
    "Comparison": "core.training.evaluation",
    "MetricCondition": "core.training.evaluation",
    "RewardAtLeast": "core.training.evaluation",
    "default_metric_definitions": "core.training.metrics",
    "TrainingInput": "core.training.request",
    "CategoricalParameter": "core.training.tuning",
    "ContinuousParameter": "core.training.tuning",
    "EarlyStoppingType": "core.training.tuning",
    "IntegerParameter": "core.training.tuning",
    "ObjectiveType": "core.training.tuning",
    "ScalingType": "core.training.tuning",
    "TuningStrategy": "core.training.tuning",
    "WarmStartConfig": "core.training.tuning",
    "WarmStartType": "core.training.tuning",
    "RLDashboard": "dashboard",
    "DataCapture": "data_capture",
    "RLEndpoint": "endpoint",
    "RLEvaluationJob": "evaluation",
    "CatalogImage": "image_uris",
    "ContainerImage": "image_uris",
    "EcrImage": "image_uris",
    "EcrRepositoryImage": "image_uris",
    "ForeignImage": "image_uris",
    "image_from_uri": "image_uris",
    "ResolvedImage": "image_uris",
    "resolve_image": "image_uris",
    "IRLModel": "model",
    "ModelVpc": "model_vpc",
    "RLModel": "model",
    "BlueGreenDeployment": "pipeline",
    "RLPipeline": "pipeline",
    "RunOverrides": "run_overrides",
    "ResolvedServing": "serving_container",
    "resolve_serving": "serving_container",
    "InstanceGroup": "core.training.options",
    "RLTrainingJob": "training_job",
    "RLTuningJob": "tuning_job",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib import metadata

        try:  # the installed distribution's version (pyproject.toml), as `pip show rl-constructs` reports it
            value: Any = metadata.version("rl-constructs")
        except metadata.PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
            value = "0+unknown"
    else:
        module = _PUBLIC_MODULES.get(name)
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
    "CatalogImage",
    "CategoricalParameter",
    "Comparison",
    "ContainerImage",
    "ContinuousParameter",
    "DataCapture",
    "EarlyStoppingType",
    "EcrImage",
    "EcrRepositoryImage",
    "EndpointAutoscaling",
    "ForeignImage",
    "IRLEndpoint",
    "IRLModel",
    "ImageIdentity",
    "InstanceGroup",
    "InstanceType",
    "IntegerParameter",
    "MetricCondition",
    "ModelVpc",
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
    "image_from_uri",
    "parse_image_uri",
    "resolve_image",
    "resolve_serving",
    "serving_image",
    "training_image",
    "training_instance",
]
