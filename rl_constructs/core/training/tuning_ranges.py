"""Hyperparameter ranges of a tuning job, as the SDK's ``sagemaker.parameter`` classes, and their checks.

Pure: no ``aws_cdk`` import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from ..errors import RLConfigurationError
from .hyperparameters import RESERVED_PREFIX, encode_value

#: botocore: at most 30 values per categorical range; values at most 256 characters.
MAX_CATEGORICAL_VALUES = 30
MAX_PARAMETER_VALUE = 256


class ScalingType(StrEnum):
    """How a numeric range is searched (``HyperParameterScalingType``)."""

    AUTO = "Auto"
    LINEAR = "Linear"
    LOGARITHMIC = "Logarithmic"
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


@dataclass(frozen=True)
class ContinuousParameter:
    """A range of real values (the SDK's ``sagemaker.parameter.ContinuousParameter``)."""

    min_value: float
    max_value: float
    scaling_type: ScalingType | str = ScalingType.AUTO


@dataclass(frozen=True)
class IntegerParameter:
    """A range of integers (the SDK's ``sagemaker.parameter.IntegerParameter``)."""

    min_value: int
    max_value: int
    scaling_type: ScalingType | str = ScalingType.AUTO


@dataclass(frozen=True)
class CategoricalParameter:
    """A set of values, each JSON-encoded like the SDK encodes it for a framework estimator."""

    values: Sequence[Any]


ParameterRange = ContinuousParameter | IntegerParameter | CategoricalParameter


E = TypeVar("E", bound=StrEnum)


def api_enum(enum_type: type[E], value: E | str, argument: str) -> E:
    """A member of an API enum, from the member or its value in any case ("bayesian" is Bayesian)."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        for member in enum_type:
            if member.value.lower() == value.lower():
                return member
    raise RLConfigurationError(
        argument, f"{value!r} is not a {enum_type.__name__}.", allowed=[member.value for member in enum_type]
    )


def check_number(value: object, argument: str, kind: type) -> None:
    if isinstance(value, bool) or not isinstance(value, kind if kind is int else (int, float)):
        expected = "int" if kind is int else "int or float"
        raise TypeError(f"{argument}: expected an {expected}, got {type(value).__name__}.")


def check_range(name: str, spec: object) -> ParameterRange:
    """One range, checked: bounds in order, scaling the kind allows (the API reference: logarithmic needs
    values > 0; reverse logarithmic only continuous values within 0 <= x < 1), categorical values 1-30."""
    argument = f"hyperparameter_ranges[{name!r}]"
    if not isinstance(name, str) or not name:
        raise RLConfigurationError("hyperparameter_ranges", f"names are non-empty strings, got {name!r}.")
    if name.startswith(RESERVED_PREFIX):
        raise RLConfigurationError(argument, f"names starting with {RESERVED_PREFIX!r} are set by the job itself.")
    if len(name) > 256:
        raise RLConfigurationError(argument, "the name is longer than 256 characters.")
    if isinstance(spec, CategoricalParameter):
        values = spec.values
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise TypeError(f"{argument}.values: expected a list, got {type(values).__name__}.")
        if not 1 <= len(values) <= MAX_CATEGORICAL_VALUES:
            raise RLConfigurationError(f"{argument}.values", f"SageMaker takes 1 to 30 values, got {len(values)}.")
        for value in values:
            try:
                text = encode_value(value)
            except (TypeError, ValueError) as error:
                raise RLConfigurationError(
                    f"{argument}.values", f"{value!r} is not JSON-serializable: {error}."
                ) from None
            if len(text) > MAX_PARAMETER_VALUE:
                raise RLConfigurationError(
                    f"{argument}.values", f"{text[:40]}... is longer than 256 characters encoded."
                )
        return spec
    if not isinstance(spec, ContinuousParameter | IntegerParameter):
        raise TypeError(
            f"{argument}: expected a ContinuousParameter, IntegerParameter or CategoricalParameter, "
            f"got {type(spec).__name__}."
        )
    kind = int if isinstance(spec, IntegerParameter) else float
    check_number(spec.min_value, f"{argument}.min_value", kind)
    check_number(spec.max_value, f"{argument}.max_value", kind)
    scaling = api_enum(ScalingType, spec.scaling_type, f"{argument}.scaling_type")
    if spec.min_value > spec.max_value:
        raise RLConfigurationError(argument, f"min_value {spec.min_value} is greater than max_value {spec.max_value}.")
    if scaling is ScalingType.LOGARITHMIC and spec.min_value <= 0:
        raise RLConfigurationError(
            f"{argument}.scaling_type", "Logarithmic scaling needs values greater than 0 (min_value > 0)."
        )
    if scaling is ScalingType.REVERSE_LOGARITHMIC:
        if kind is int:
            raise RLConfigurationError(
                f"{argument}.scaling_type",
                "ReverseLogarithmic applies to continuous ranges only.",
                allowed=["Auto", "Linear", "Logarithmic"],
            )
        if spec.max_value >= 1 or spec.min_value < 0:
            raise RLConfigurationError(
                f"{argument}.scaling_type", "ReverseLogarithmic needs a range within 0 <= x < 1."
            )
    return spec
