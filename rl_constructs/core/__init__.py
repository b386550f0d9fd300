"""The pure-Python core of rl-constructs: what the constructs decide, as plain data and functions.

Nothing in this package imports ``aws_cdk`` or ``jsii`` (a test checks it), so it loads fast, its unit
tests run without Node.js, and the Lambda handlers bundle the modules they import from it
(``rl_constructs/handler_code.py``). The construct modules one level up only wire.

- ``images.py`` (+ ``images.json``), ``instances.py``, ``toolkits.py``: the catalog and instance rules;
- ``aws.py``: AWS naming, URI, ARN and partition facts; ``request_validation.py``: botocore's limits;
- ``training/``: the training request, hyperparameters, metrics, tuning, evaluation, run overrides;
- ``serving/``: the serving container, serving code, repack, deployment requests, batch transform;
- ``contracts.py``: names shared by constructs and Lambda handlers; ``execution_input.py``: run inputs.

Names below load on first use (PEP 562), so a handler importing one module pays for that one only.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import RLConfigurationError
    from .images import (
        ImageFamily,
        ImageIdentity,
        ServingImage,
        TrainingImage,
        all_regions,
        dns_suffix,
        parse_image_uri,
        serving_image,
        serving_images,
        supported_frameworks,
        supported_versions,
        training_image,
        training_images,
    )
    from .instances import (
        InstanceType,
        gpu_counts,
        hosting_instance,
        hosting_instance_types,
        training_instance,
        training_instance_types,
    )
    from .toolkits import Processor, RLFramework, RLToolkit

#: Public name -> the module of this package that defines it.
_PUBLIC_MODULES = {
    "ImageFamily": "images",
    "ImageIdentity": "images",
    "InstanceType": "instances",
    "Processor": "toolkits",
    "RLConfigurationError": "errors",
    "RLFramework": "toolkits",
    "RLToolkit": "toolkits",
    "ServingImage": "images",
    "TrainingImage": "images",
    "all_regions": "images",
    "dns_suffix": "images",
    "gpu_counts": "instances",
    "hosting_instance": "instances",
    "hosting_instance_types": "instances",
    "parse_image_uri": "images",
    "serving_image": "images",
    "serving_images": "images",
    "supported_frameworks": "images",
    "supported_versions": "images",
    "training_image": "images",
    "training_images": "images",
    "training_instance": "instances",
    "training_instance_types": "instances",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ImageFamily",
    "ImageIdentity",
    "InstanceType",
    "Processor",
    "RLConfigurationError",
    "RLFramework",
    "RLToolkit",
    "ServingImage",
    "TrainingImage",
    "all_regions",
    "dns_suffix",
    "gpu_counts",
    "hosting_instance",
    "hosting_instance_types",
    "parse_image_uri",
    "serving_image",
    "serving_images",
    "supported_frameworks",
    "supported_versions",
    "training_image",
    "training_images",
    "training_instance",
    "training_instance_types",
]
