"""The pure-Python core of rl-constructs: catalog, instance rules and the SDK's encodings.

Nothing in this package imports ``aws_cdk`` or ``jsii`` (a test checks it), so it loads fast and its
unit tests run without Node.js. The construct modules one level up are a thin layer over it.
"""

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
