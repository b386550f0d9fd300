"""RL toolkits, deep-learning frameworks and processor kinds, as the SageMaker Python SDK names them."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from .errors import RLConfigurationError


class RLToolkit(StrEnum):
    """The RL toolkit a training image is built around (``RLEstimator(toolkit=...)``)."""

    COACH = "coach"
    RAY = "ray"
    VW = "vw"  # Vowpal Wabbit: in the SDK's image config, not in its RLToolkit enum


class RLFramework(StrEnum):
    """The deep-learning framework inside the toolkit image (``RLEstimator(framework=...)``)."""

    TENSORFLOW = "tensorflow"
    MXNET = "mxnet"
    PYTORCH = "pytorch"


class Processor(StrEnum):
    """The image variant: SageMaker publishes RL images for CPU and (mostly) GPU instances."""

    CPU = "cpu"
    GPU = "gpu"


E = TypeVar("E", RLToolkit, RLFramework, Processor)


def coerce_enum(enum_type: type[E], value: E | str, argument: str) -> E:
    """Accept an enum member or its string value (as the SDK does); anything else names ``argument``."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        for member in enum_type:
            if member.value == value.lower():
                return member
    raise RLConfigurationError(
        argument,
        f"{value!r} is not a supported {enum_type.__name__}.",
        allowed=[member.value for member in enum_type],
    )
