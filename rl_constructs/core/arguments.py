"""Type checks at the door: a wrong type raises ``TypeError`` naming the argument and the type expected.

Python does not check annotations at run time, and jsii only checks what crosses into aws-cdk-lib, so an
``int`` where a ``Duration`` is expected, a list where a mapping is, or ``True`` where a count is would
otherwise fail far from the call with an error that names nothing. These helpers are plain Python; the
construct-side ones for ``Duration`` and ``Size`` are in ``rl_constructs._arguments``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import RLConfigurationError

__all__ = [
    "NUMBER_TOKEN_BELOW",
    "check_bool",
    "check_int",
    "check_mapping",
    "check_sequence",
    "check_str",
    "type_error",
    "whole_number",
]


#: aws-cdk-lib encodes a number token as a double near -1.8881545897e+289 (its ``DOUBLE_TOKEN_MARKER``): any
#: number below this is one.
NUMBER_TOKEN_BELOW = -1e288


def type_error(argument: str, expected: str, value: Any) -> TypeError:
    """``argument: must be <expected>; got <type> (<value>)``, the shape of jsii's own type errors."""
    return TypeError(f"{argument}: must be {expected}; got {type(value).__name__} ({value!r:.80})")


def check_int(value: Any, argument: str, *, optional: bool = False) -> int | None:
    """``value`` as an ``int``; ``bool`` is refused (``True`` is an ``int`` to ``isinstance``). A number token
    (a float aws-cdk-lib resolves at synth) passes: it is checked where it resolves."""
    if value is None and optional:
        return None
    if isinstance(value, float) and value < NUMBER_TOKEN_BELOW:
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, int):
        raise type_error(argument, "int", value)
    return value


def check_bool(value: Any, argument: str) -> bool:
    """``value`` as a ``bool`` (``0``/``1`` are refused: they usually mean a count put in the wrong place)."""
    if not isinstance(value, bool):
        raise type_error(argument, "bool", value)
    return value


def check_str(value: Any, argument: str, *, optional: bool = False) -> str | None:
    """``value`` as a ``str``."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise type_error(argument, "str", value)
    return value


def check_mapping(
    value: Any, argument: str, *, values: type | tuple[type, ...] | None = None, values_name: str = ""
) -> Mapping[str, Any] | None:
    """``value`` as a mapping of ``str`` keys (None passes), each value of type ``values`` when given."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise type_error(argument, f"a mapping of str to {values_name or 'values'}", value)
    for key, item in value.items():
        if not isinstance(key, str):
            raise type_error(f"{argument} key", "str", key)
        if values is not None and (
            (isinstance(item, bool) and bool not in _as_tuple(values)) or not isinstance(item, values)
        ):
            raise type_error(f"{argument}[{key!r}]", values_name or _names(values), item)
    return value


def check_sequence(
    value: Any, argument: str, *, items: type | tuple[type, ...] | None = None, items_name: str = ""
) -> Sequence[Any] | None:
    """``value`` as a list or tuple (a ``str`` is refused: it is a sequence of characters), None passes."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise type_error(argument, f"a sequence of {items_name or 'items'}", value)
    if items is not None:
        for index, item in enumerate(value):
            if not isinstance(item, items):
                raise type_error(f"{argument}[{index}]", items_name or _names(items), item)
    return value


def whole_number(value: float, argument: str, unit: str) -> int:
    """``value`` (a number of ``unit``) as an ``int``; a fraction is refused naming the argument."""
    if not float(value).is_integer():
        raise RLConfigurationError(argument, f"must be a whole number of {unit}, got {value:g} {unit}.")
    return int(value)


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _names(types: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in _as_tuple(types))
