"""Durations and sizes at the door: the right type, whole seconds or GiB, tokens passed through.

aws-cdk-lib's own conversion of ``Duration.millis(1500)`` to seconds fails with "cannot be converted into
a whole number" and names no argument; a plain ``int`` where a ``Duration`` is expected fails with an
``AttributeError``; a number token reads as a huge negative number. These turn each into an error that
names the argument, and hand a token back unchanged (it is checked where it resolves).
"""

from __future__ import annotations

from typing import Any, cast

from aws_cdk import Duration, Size, SizeRoundingBehavior, Token

from .core.arguments import type_error, whole_number


def whole_seconds(value: Any, argument: str, *, default: int | None = None) -> int | None:
    """``value`` (a ``Duration``, or None for ``default``) in whole seconds; a number token is returned as is."""
    if value is None:
        return default
    if not isinstance(value, Duration):
        raise type_error(argument, "Duration", value)
    seconds = value.to_seconds(integral=False)
    if Token.is_unresolved(seconds):
        return cast(int, seconds)  # a number token: a float that resolves to the number at synth
    return whole_number(seconds, argument, "seconds")


def whole_gibibytes(value: Any, argument: str, *, default: int | None = None) -> int | None:
    """``value`` (a ``Size``, or None for ``default``) in whole GiB; a number token is returned as is."""
    if value is None:
        return default
    if not isinstance(value, Size):
        raise type_error(argument, "Size", value)
    gibibytes = value.to_gibibytes(rounding=SizeRoundingBehavior.NONE)
    if Token.is_unresolved(gibibytes):
        return cast(int, gibibytes)  # a number token, as above
    return whole_number(gibibytes, argument, "GiB")


def is_token(value: Any) -> bool:
    """True for a value that is only known at deploy time (a token string or number)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and Token.is_unresolved(value)
