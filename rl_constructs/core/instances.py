"""SageMaker instance types: parsing, validation against botocore's service model, GPU counts, processor.

Training types are checked against the ``TrainingInstanceType`` enum and hosting types against
``ProductionVariantInstanceType`` of the SageMaker model that ships with the installed botocore, so the
accepted list moves with boto3 releases. No AWS CDK import.
"""

from __future__ import annotations

import difflib
import gzip
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import RLConfigurationError
from .toolkits import Processor

_GPU_FILE = Path(__file__).with_name("gpu_instances.json")

#: The SDK's family regex (``ml.c5.2xlarge`` -> ``c5``; ``ml.p6-b200.48xlarge`` -> ``p6-b200``).
_FAMILY = re.compile(r"^ml[._]([a-z\d\-]+)\.?\w*$")

#: Accelerator families that are neither CPU nor NVIDIA GPU: RL images have no variant for them.
_UNSUPPORTED_ACCELERATORS = {"inf": "AWS Inferentia", "trn": "AWS Trainium"}

#: Graviton (arm64) families such as c6g, m6gd, r7gd, g5g: the RL images are x86_64 only.
_GRAVITON = re.compile(r"^[a-z]\d+g[a-z]*$")


@dataclass(frozen=True)
class InstanceType:
    """A validated SageMaker instance type such as ``ml.p3.8xlarge``."""

    name: str
    family: str
    gpu_count: int

    @property
    def processor(self) -> Processor:
        """``gpu`` for the NVIDIA families (``ml.p*``, ``ml.g*``), ``cpu`` otherwise (the SDK's rule)."""
        return Processor.GPU if self.gpu_count > 0 else Processor.CPU


#: The string shapes of botocore's SageMaker model whose enums are read.
_ENUM_SHAPES = ("TrainingInstanceType", "ProductionVariantInstanceType")
_KEY_END = re.compile(r'"\s*:\s*')


def _sagemaker_model_text() -> str | None:
    """The text of the SageMaker service model that ships with the installed botocore (newest API
    version), read straight from botocore's data file: what botocore's own loader reads. None if the file
    is not where botocore keeps it."""
    spec = importlib.util.find_spec("botocore")  # locates the package without importing it
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        versions = sorted((Path(location) / "data" / "sagemaker").glob("*/service-2.json*"))
        if versions:
            newest = versions[-1]
            with (gzip.open if newest.suffix == ".gz" else open)(newest, "rb") as handle:
                return handle.read().decode("utf-8")
    return None


@cache
def _sagemaker_enums() -> dict[str, tuple[str, ...]]:
    """The ``enum`` of each of ``_ENUM_SHAPES`` in botocore's SageMaker model.

    Importing ``botocore.session`` and building a ``ServiceModel`` would cost ~250 ms of every synth for
    two enums, and parsing the whole 2.6 MB model half of the ~25 ms it takes to read it: each shape's own
    object is decoded where its name stands as a key (a member of the same name refers to it with
    ``{"shape": ...}``, which has no enum). Falls back to botocore's loader if the data file is not found.
    """
    text = _sagemaker_model_text()
    if text is None:
        import botocore.loaders

        shapes = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")["shapes"]
        return {shape: tuple(shapes[shape]["enum"]) for shape in _ENUM_SHAPES}
    decoder = json.JSONDecoder()
    enums: dict[str, tuple[str, ...]] = {}
    for shape in _ENUM_SHAPES:
        start = text.find(f'"{shape}"')
        while start != -1 and shape not in enums:
            key_end = _KEY_END.match(text, start + len(shape) + 1)
            if key_end is not None:
                value, _ = decoder.raw_decode(text, key_end.end())
                if isinstance(value, dict) and "enum" in value:
                    enums[shape] = tuple(value["enum"])
            start = text.find(f'"{shape}"', start + 1)
        if shape not in enums:
            raise LookupError(f"botocore's SageMaker model has no {shape} enum")
    return enums


def _sagemaker_enum(shape: str) -> tuple[str, ...]:
    return _sagemaker_enums()[shape]


def training_instance_types() -> tuple[str, ...]:
    """Every training instance type botocore's SageMaker model knows."""
    return _sagemaker_enum("TrainingInstanceType")


def hosting_instance_types() -> tuple[str, ...]:
    """Every endpoint (production variant) instance type botocore's SageMaker model knows."""
    return _sagemaker_enum("ProductionVariantInstanceType")


@cache
def gpu_counts() -> dict[str, int]:
    """GPU count per GPU training instance type."""
    data = json.loads(_GPU_FILE.read_text(encoding="utf-8"))
    return dict(data["gpu_count"])


def instance_family(name: str) -> str | None:
    """The family of an instance type name (``c5`` for ``ml.c5.2xlarge``), None if it is not one."""
    match = _FAMILY.match(name)
    return match.group(1) if match else None


def is_gpu_family(family: str) -> bool:
    """The SDK's rule: ``p*`` and ``g*`` families carry NVIDIA GPUs."""
    return family.startswith(("p", "g"))


def _check(name: object, argument: str, valid: tuple[str, ...], purpose: str) -> str:
    if not isinstance(name, str):
        raise RLConfigurationError(argument, f"expected an instance type string such as 'ml.c5.xlarge', got {name!r}.")
    if name.startswith("local"):
        raise RLConfigurationError(
            argument, f"{name!r} is SageMaker local mode, which has no meaning in a deployed stack."
        )
    if name not in valid:
        close = difflib.get_close_matches(name, valid, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise RLConfigurationError(
            argument,
            f"{name!r} is not a SageMaker {purpose} instance type (botocore's SageMaker model).{hint}",
        )
    return name


def _refuse_unsupported_hardware(name: str, family: str, argument: str, role: str) -> None:
    for prefix, accelerator in _UNSUPPORTED_ACCELERATORS.items():
        if family.startswith(prefix):
            raise RLConfigurationError(
                argument,
                f"{name!r} is an {accelerator} instance; the SageMaker RL {role} images are built for CPU and "
                "NVIDIA GPU instances only. Use an ml.c*/ml.m*/ml.r* (cpu) or ml.p*/ml.g* (gpu) type.",
            )
    if _GRAVITON.match(family):
        raise RLConfigurationError(
            argument,
            f"{name!r} is an AWS Graviton (arm64) instance; the SageMaker RL {role} images are x86_64 only.",
        )


def training_instance(name: object, argument: str = "instance_type") -> InstanceType:
    """Validate a training instance type for an RL job and say whether it needs a GPU image.

    Refuses names botocore does not know (suggesting the closest ones) and Inferentia/Trainium families,
    for which no RL image exists.
    """
    checked = _check(name, argument, training_instance_types(), "training")
    family = instance_family(checked) or ""
    _refuse_unsupported_hardware(checked, family, argument, "training")
    if not is_gpu_family(family):
        return InstanceType(name=checked, family=family, gpu_count=0)
    if checked not in gpu_counts():
        raise AssertionError(f"gpu_instances.json lacks {checked}: add its GPU count")
    return InstanceType(name=checked, family=family, gpu_count=gpu_counts()[checked])


def hosting_instance(name: object, argument: str = "instance_type") -> InstanceType:
    """Validate an endpoint instance type; its processor picks the cpu or gpu serving image.

    Inferentia/Trainium and Graviton hosting types are refused: the RL serving images (TensorFlow
    Serving 1.x, MXNet 1.3) have no Neuron or arm64 variant. ``gpu_count`` is at least 1 for a GPU type
    (exact where the type is also a training type).
    """
    checked = _check(name, argument, hosting_instance_types(), "hosting (endpoint)")
    family = instance_family(checked) or ""
    _refuse_unsupported_hardware(checked, family, argument, "serving")
    gpus = gpu_counts().get(checked, 1) if is_gpu_family(family) else 0
    return InstanceType(name=checked, family=family, gpu_count=gpus)
